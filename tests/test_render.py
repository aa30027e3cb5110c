"""Plain text tables (`render.table`, behind eval, whatif, schedule and portfolio): columns line up as a terminal
shows them, whatever the cells hold. Cells are two spaces apart; text to the left, figures to the right."""

from __future__ import annotations

from optionrules.render import display_width, table


def test_wide_characters_take_two_columns():
    lines = table(["id", "optionee", "vested"], [["g1", "山田太郎", "1,000"], ["g2", "Ann", "20"]])
    # 山田太郎: 4 characters, 8 columns, as wide as "optionee"; the vested column is 6 wide ("vested")
    assert lines[0] == "id  optionee  vested"
    assert lines[1] == "--  --------  ------"
    assert lines[2] == "g1  山田太郎" + " " * 2 + " 1,000"  # the name fills its 8 columns; 1,000 right-aligned in 6
    assert lines[3] == "g2  Ann" + " " * 5 + " " * 2 + "    20"  # Ann padded from 3 to 8 columns
    assert {display_width(line) for line in lines} == {20}


def test_an_escaped_control_character_is_measured_as_it_shows():
    lines = table(["name", "vested"], [["Ann\x1b[31m", "1"], ["Bo", "22"]])
    # ESC shows as the 4 characters \x1b: "Ann\x1b[31m" shows as 11 columns, the name column's width
    assert lines[0] == "name" + " " * 7 + "  vested"
    assert lines[2] == "Ann\\x1b[31m" + "  " + "     1"
    assert lines[3] == "Bo" + " " * 9 + "  " + "    22"


def test_combining_marks_take_no_column():
    decomposed = "Zoe\u0308"  # Zoë as e and a combining diaeresis: 4 characters, 3 columns
    lines = table(["name", "vested"], [[decomposed, "300"], ["Al", "5"]])
    # the name column is 4 wide ("name"), the vested column 6 ("vested")
    assert lines[2] == decomposed + " " + "  " + "   300"
    assert lines[3] == "Al" + " " * 2 + "  " + "     5"
