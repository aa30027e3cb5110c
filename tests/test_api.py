"""The public Python API: what a notebook and a type checker see, and the errors it raises."""

from __future__ import annotations

import subprocess
import sys
from importlib import resources

import pytest

import optionrules
from tests.conftest import REFERENCE
from tests.helpers import termination


def test_every_export_resolves_and_is_listed():
    for name in optionrules.__all__:
        assert getattr(optionrules, name) is not None, name
    assert set(dir(optionrules)) == set(optionrules.__all__)
    with pytest.raises(AttributeError):
        optionrules.no_such_name  # noqa: B018


@pytest.mark.parametrize("name", ["Contract", "Evaluation", "Explanation", "WhatIf", "VestingTable", "load",
                                  "loads", "load_grants", "verify", "KINDS", "FIGURES", "OptionRulesError"])
def test_what_the_readme_documents_is_exported(name):
    assert name in optionrules.__all__


def test_the_package_ships_py_typed():
    assert resources.files("optionrules").joinpath("py.typed").is_file()


def test_a_type_checker_sees_real_types(tmp_path):
    snippet = tmp_path / "uses_optionrules.py"
    snippet.write_text("import optionrules\nreveal_type(optionrules.load)\n"
                       "reveal_type(optionrules.Contract.evaluate)\n")
    # incremental: it reads the cache `make typecheck` has just written
    result = subprocess.run([sys.executable, "-m", "mypy", str(snippet)], capture_output=True, text=True)
    assert 'def (path: str | pathlib.Path) -> optionrules.contract.Contract' in result.stdout, result.stdout
    assert "optionrules.evaluate.Evaluation" in result.stdout
    assert "Any" not in result.stdout.splitlines()[0]


def test_the_version_is_one_figure_everywhere():
    from importlib.metadata import version

    assert optionrules.__version__ == version("optionrules")
    result = subprocess.run([sys.executable, "-m", "optionrules", "--version"], capture_output=True, text=True)
    assert result.stdout.strip() == f"optionrules {optionrules.__version__}"


def test_every_error_is_an_optionrules_error():
    for error in (optionrules.ContractError, optionrules.TimelineError, optionrules.QueryError,
                  optionrules.ReadingError):
        assert issubclass(error, optionrules.OptionRulesError)


@pytest.mark.parametrize(("call", "error"), [
    (lambda c: c.evaluate([], as_of="2004-13-01"), optionrules.QueryError),
    (lambda c: c.evaluate([], as_of=20040301), optionrules.QueryError),
    (lambda c: c.evaluate([], as_of="2004-03-01", assume={"no_such": "reading"}), optionrules.ReadingError),
    (lambda c: c.evaluate([], as_of="2004-03-01", assume="pro_rata_days=inclusive"), optionrules.QueryError),
    (lambda c: c.evaluate(42, as_of="2004-03-01"), optionrules.TimelineError),
    (lambda c: c.evaluate([termination("2004-02-30", "cause")], "2004-03-01"), optionrules.TimelineError),
    (lambda c: c.whatif([], ["nonsense"]), optionrules.QueryError),
    (lambda c: c.whatif([], []), optionrules.QueryError),
    (lambda c: c.explain([], as_of="yesterday"), optionrules.QueryError),
])
def test_a_question_asked_wrongly_raises_the_projects_error(reference, call, error):
    with pytest.raises(error):
        call(reference)


@pytest.mark.parametrize(("call", "error"), [
    (lambda: optionrules.load(42), optionrules.QueryError),
    (lambda: optionrules.loads(b"bytes"), optionrules.QueryError),
    (lambda: optionrules.load(REFERENCE.with_name("missing.contract")), optionrules.ContractError),
])
def test_loading_wrongly_raises_the_projects_error(call, error):
    with pytest.raises(error):
        call()


def test_an_evaluation_has_the_figures_of_its_award_type_as_attributes(reference):
    result = reference.evaluate([], "2003-11-21")
    assert (result.vested, result.granted) == (960_000, 3_840_000)  # 12 x 3,840,000 / 48
    assert list(result.figures()) == ["vested", "exercised", "exercisable", "unvested", "forfeited", "expired",
                                      "exercise_deadline", "sale_blocked"]  # an option's, in the table's order
    with pytest.raises(AttributeError, match="an evaluation of an option has no figure 'settled'"):
        result.settled  # noqa: B018
