"""The hostile-input corpus (tests/hostile/cases.py), one test a case, run several at a time in child processes.

The selected cases are run once, together, by the session's fixture (as many at a time as there are cores);
each test then reports its own case's outcome. The summary (how many cases end in a located message within
their bounds) is printed at the end of the session.
"""

from __future__ import annotations

import time

import pytest

from optionrules.limits import cores
from tests.hostile import runner
from tests.hostile.cases import CASES


@pytest.fixture(scope="session")
def outcomes(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, runner.Outcome]:
    chosen = {item.callspec.id for item in request.session.items
              if getattr(item, "originalname", None) == "test_hostile_input" and hasattr(item, "callspec")}
    where = tmp_path_factory.mktemp("hostile")
    started = time.monotonic()
    ran = runner.run_all([c for c in CASES if c.id in chosen], where, jobs=cores())
    runner.SUMMARY.append(f"{runner.summary(ran)}; {time.monotonic() - started:.0f} s in all")
    yield ran
    runner.remove(where)


def test_the_cases_have_distinct_ids() -> None:
    ids = [c.id for c in CASES]
    assert len(set(ids)) == len(ids), sorted(i for i in ids if ids.count(i) > 1)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input(case: runner.Case, outcomes: dict[str, runner.Outcome]) -> None:
    outcome = outcomes[case.id]
    assert not outcome.problems, "\n".join([*outcome.problems, "--- output:", outcome.text[:3000]])
