"""Shared fixtures: the reference agreement, loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest

import optionrules

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "contracts" / "capstone_liggett_2002.contract"


@pytest.fixture(scope="session")
def reference() -> optionrules.Contract:
    return optionrules.load(REFERENCE)


@pytest.fixture(scope="session")
def reference_text() -> str:
    return REFERENCE.read_text(encoding="utf-8")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The hostile-input corpus's summary, where it ran (tests/test_hostile.py)."""
    import sys

    runner = sys.modules.get("tests.hostile.runner")
    for line in getattr(runner, "SUMMARY", []):
        terminalreporter.write_line(line)
