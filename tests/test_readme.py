"""The README's recipes, run as a reader would run them: its complete contracts check and pass their examples."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
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


# ---- the CI recipes -------------------------------------------------------------------------------------
#
# A throwaway repository of contracts: the README's first contract, and a plan with a grant using it
# (tests/data/first/). The grant resigns on 2025-03-01: 13 installments of 4,800 / 48 = 100 have vested
# (the cliff's 12 on 2025-01-15, one on 2025-02-15): 1,300; the plan's window, 90 days, ends on 2025-05-30
# (30 days to 2025-03-31, 60 to 2025-04-30, 90 to 2025-05-30).

FIRST = ROOT / "tests" / "data" / "first"
VENV_BIN = Path(sys.executable).parent  # where `optionrules` is installed, as `pip install -e` leaves it


def repository(tmp_path: Path) -> Path:
    work = tmp_path / "repo"
    (work / "contracts").mkdir(parents=True)
    (work / "contracts" / "first.contract").write_text(CONTRACTS[0], encoding="utf-8")
    for path in FIRST.glob("*.contract"):
        shutil.copyfile(path, work / "contracts" / path.name)
    return work


def shell(command: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}", **env}
    environment.pop("OPTIONRULES_DEBUG", None)
    return subprocess.run(["bash", "-ec", command], cwd=cwd, env=environment, capture_output=True, text=True,
                          timeout=300)


def test_the_github_actions_steps_run_as_written(tmp_path):
    (workflow,) = fenced_after("<!-- GitHub Actions")
    steps = re.findall(r"^\s*- run: (.*)$", workflow, re.M)
    # the install step names a checkout: pip would install this one (a dry run: the package is installed so here,
    # the test runs from its checkout)
    assert steps[0] == "pip install -e path/to/optionrules" and "git+" not in workflow
    work = repository(tmp_path)
    install = steps[0].replace("pip", f"{sys.executable} -m pip", 1).replace("path/to/optionrules", str(ROOT))
    dry = shell(f"{install} --dry-run --no-deps", work)
    assert dry.returncode == 0 and "Would install optionrules-" in dry.stdout, dry.stdout + dry.stderr
    result = shell("\n".join(steps[1:]), work)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "checked 3 files: no problems" in result.stdout
    assert "2 passed, 0 failed" in result.stdout  # the first contract's example and the grant's
    assert result.stdout.count("every invariant holds") == 2  # the two agreements; the plan skipped
    assert 'tests="2" failures="0"' in (work / "contract-examples.xml").read_text(encoding="utf-8")


@pytest.fixture
def committed(tmp_path) -> Path:
    """The throwaway repository under git, with the README's pre-commit configuration."""
    work = repository(tmp_path)
    (config,) = fenced_after("<!-- pre-commit")
    (work / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    assert shell("git init -q && git add -A", work).returncode == 0
    return work


def pre_commit(work: Path, *files: str) -> subprocess.CompletedProcess[str]:
    home = work.parent / "pre-commit-home"
    return shell(f"pre-commit run --files {' '.join(files)}", work, PRE_COMMIT_HOME=str(home))


def test_the_pre_commit_hooks_pass_on_good_contracts(committed):
    result = pre_commit(committed, "contracts/first_plan.contract", "contracts/first.contract")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("Passed") == 3, result.stdout


def test_the_pre_commit_test_hook_runs_the_grants_using_a_changed_plan(committed):
    plan = committed / "contracts" / "first_plan.contract"
    plan.write_text(plan.read_text(encoding="utf-8").replace("termination + 90 days", "termination + 60 days"),
                    encoding="utf-8")
    result = pre_commit(committed, "contracts/first_plan.contract")  # only the plan changed
    assert result.returncode == 1, result.stdout + result.stderr
    # check and fmt pass; the grant's example fails: 60 days after 2025-03-01 is 2025-04-30, not 2025-05-30
    assert result.stdout.count("Passed") == 2 and result.stdout.count("Failed") == 1, result.stdout
    assert "first_grant.contract" in result.stdout and "2025-04-30" in result.stdout, result.stdout
    assert "0 passed, 1 failed" in result.stdout
