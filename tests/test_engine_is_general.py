"""The engine knows clause kinds, not agreements: no name, number or date of the reference
agreement may appear in the package or the grammar."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "optionrules").rglob("*.py")) + sorted((ROOT / "grammar").glob("*.lark"))

# Words and figures of the Capstone/Liggett agreement (contracts/capstone_liggett_2002.txt).
AGREEMENT_WORDS = [
    r"capstone", r"liggett", r"3,840,000", r"3_840_000", r"3840000", r"80,000", r"80000", r"1\.01\b",
    r"2002-11-21", r"2012-11-21", r"2004-11-21", r"became_ceo", r"without_cause", r"registration_effective",
    r"administrator_consent", r"broker_cashless", r"promissory_note", r"\b180\b",
]


def test_sources_exist():
    assert len(SOURCES) > 10


def test_no_agreement_specific_words_in_the_engine():
    found = []
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        for word in AGREEMENT_WORDS:
            for match in re.finditer(word, text, flags=re.IGNORECASE):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {match.group(0)}")
    assert found == []
