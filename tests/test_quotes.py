"""Quotes found in the agreement's text: whitespace aside, `...` for omitted words; the nearest passage otherwise."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from optionrules.errors import Span
from optionrules.language import check_document, clauses_of
from optionrules.model import ClauseRef
from optionrules.quotes import find_quote, nearest_passage, one_line, quote_diagnostics, source_entry

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = sorted((ROOT / "contracts").rglob("*.contract"))

TEXT = """\
      3.    Lock-Up Period. Optionee shall
not sell or otherwise transfer any Shares or other securities of the Company
during the 180-day period (or such longer period as may be requested).

      4.    Method of Payment. Payment of the Exercise Price shall be by any of
the following, or a combination thereof, at the election of the Optionee:
"""


def ref(says: str, name: str = "lockup") -> ClauseRef:
    return ClauseRef("lockup", name, "Art. II §3", Span("a.contract", 7, 1, 9, 2), says)


def test_a_quote_wrapped_differently_is_found_at_its_passage():
    passage = find_quote(TEXT, "Optionee shall not sell\n  or otherwise transfer any Shares")
    assert passage is not None
    assert passage.text(TEXT) == "Optionee shall\nnot sell or otherwise transfer any Shares"


def test_an_ellipsis_stands_for_the_words_left_out():
    passage = find_quote(TEXT, "transfer any Shares ... during the 180-day period")
    assert passage is not None
    assert passage.text(TEXT).startswith("transfer any Shares or other securities")
    assert passage.text(TEXT).endswith("during the 180-day period")


def test_the_pieces_around_an_ellipsis_must_come_in_order():
    assert find_quote(TEXT, "during the 180-day period ... not sell") is None


def test_the_shortest_passage_is_taken_when_the_first_piece_recurs():
    text = "the Option shall vest. Later: the Option shall terminate at once."
    passage = find_quote(text, "the Option ... terminate")
    assert passage is not None
    assert passage.text(text) == "the Option shall terminate"


def test_a_changed_word_is_not_found_and_the_nearest_passage_is_offered():
    quote = "Payment of the Exercise Price shall be made by any of the following"
    assert find_quote(TEXT, quote) is None
    near = nearest_passage(TEXT, quote)
    assert near is not None
    assert one_line(near.text(TEXT)) == "Payment of the Exercise Price shall be by any of the following"


def test_a_quote_of_no_word_of_the_text_has_no_nearest_passage():
    assert nearest_passage(TEXT, "vesting accelerates") is None
    assert find_quote(TEXT, " ... ") is None


def test_diagnostics_warn_of_each_quote_not_found_with_the_nearest_passage():
    found, missing = ref("Payment of the Exercise Price shall be by any"), ref("the 90-day period", "other")
    [warning] = quote_diagnostics([found, missing, ref(None, "silent")], TEXT, "contracts/text.txt")  # type: ignore[arg-type]
    assert warning.severity == "warning"
    assert "the quote of lockup other is not in text.txt" in warning.message
    assert warning.span == Span("a.contract", 7, 1, 7, 7)  # the clause's kind word
    assert warning.hint == 'the nearest passage, text.txt line 3: "the 180-day period"'


def header_comment(path: Path) -> str:
    return "\n".join(re.findall(r"^#.*$", path.read_text(encoding="utf-8").split("\n\n")[0], re.M))


@pytest.mark.parametrize("path", CONTRACTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_quote_of_the_library_is_in_its_text_or_the_file_says_why_not(path: Path):
    text = path.read_text(encoding="utf-8")
    module, model, _ = check_document(text, str(path))
    source = source_entry(module)
    if source is None:
        assert re.search(r"^# Quotes: (not checked|none)", header_comment(path), re.M), \
            f"{path.name}: no agreement text, and no header comment saying why its quotes are not checked"
        return
    agreement = (path.parent / source.value).read_text(encoding="utf-8")
    own = [r for r in clauses_of(model) if r.span.file == str(path)]
    assert sum(r.says is not None for r in own) >= 10
    assert quote_diagnostics(own, agreement, source.value) == []
