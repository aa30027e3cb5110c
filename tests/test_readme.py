"""The README's recipes, run as a reader would run them: its complete contracts check and pass their examples."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from optionrules.figures import AwardType
from optionrules.kinds import KINDS
from tests.test_cli import run

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
MARKER = "<!-- a complete contract"


def fenced_after(marker: str) -> list[str]:
    """The fenced block right after each line starting with the marker."""
    return re.findall(rf"^{re.escape(marker)}[^\n]*\n```[a-z]*\n(.*?)^```$", README, re.M | re.S)


CONTRACTS = fenced_after(MARKER)


def test_the_readme_has_a_complete_contract():
    assert len(CONTRACTS) >= 1 and README.count(MARKER) == len(CONTRACTS)


@pytest.mark.parametrize("text", CONTRACTS)
def test_a_complete_contract_of_the_readme_checks_and_passes_its_examples(tmp_path, text):
    path = tmp_path / "first.contract"
    path.write_text(text, encoding="utf-8")
    checked = run("check", path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.strip() == "checked 1 file: no problems"
    tested = run("test", path)
    assert tested.returncode == 0, tested.stdout
    assert re.fullmatch(r"[1-9]\d* passed, 0 failed", tested.stdout.strip()), tested.stdout
    assert run("fmt", "--check", path).returncode == 0  # in the canonical layout too


@pytest.mark.parametrize("award", list(AwardType))
def test_the_readme_names_the_clauses_each_award_type_requires(award):
    said = re.search(rf"`{award}`[^;]* needs ([^;]*);", README)
    assert said, award
    named = set(re.findall(r"`(\w+)`", said.group(1)))
    assert named == {kind.name for kind in KINDS.values() if award in kind.required}
