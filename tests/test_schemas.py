"""Every JSON output against the JSON Schema shipped for it (optionrules/schemas/), on the real outputs of the
bundled contracts; and one shape for a clause reference everywhere: {clause, citation, file, line}."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import jsonschema
import pytest

import optionrules
from optionrules.check import check_source
from optionrules.files import contract_files
from optionrules.schemas import OUTPUTS, SCHEMA_VERSION, schema
from tests.test_cli import CONTRACT, run

ROOT = Path(__file__).resolve().parent.parent
VIOLATION = {"events": [{"date": "2004-03-15", "event": "termination", "reason": "without_cause"},
                        {"date": "2004-04-01", "event": "exercise", "shares": "10.5", "method": "cash"}]}


def agreements() -> list[Path]:
    paths, _ = contract_files([ROOT / "contracts"])
    return [p for p in paths if check_source(p.read_text(encoding="utf-8"), str(p))[0].role == "agreement"]


def valid(output: str, payload: object) -> None:
    jsonschema.validate(payload, schema(output), cls=jsonschema.Draft202012Validator)


@pytest.mark.parametrize("output", OUTPUTS)
def test_each_schema_is_a_valid_schema_with_the_version(output):
    jsonschema.Draft202012Validator.check_schema(schema(output))
    assert f'"const": {SCHEMA_VERSION}' in json.dumps(schema(output))


@pytest.mark.parametrize("path", agreements(), ids=lambda p: p.name)
def test_the_outputs_of_every_bundled_agreement_match_their_schemas(path):
    contract = optionrules.load(path)
    grant = contract.model.one(optionrules.kinds.Grant)
    day = grant.grant_date + timedelta(days=400)  # past any one-year cliff
    evaluation = contract.evaluate([], day).to_dict()
    assert evaluation["schema_version"] == SCHEMA_VERSION
    valid("eval", evaluation)
    valid("explain", contract.explain([], day).to_dict())
    valid("schedule", json.loads(contract.schedule([]).to_json()))


def test_eval_of_several_dates_and_a_violation_through_the_command(tmp_path):
    timeline = tmp_path / "events.json"
    timeline.write_text(json.dumps(VIOLATION), encoding="utf-8")
    result = run("eval", CONTRACT, "--timeline", timeline, "--as-of", "2004-04-02", "--as-of", "2004-11-22",
                 "--format", "json")
    payload = json.loads(result.stdout)
    valid("eval", payload)
    assert payload["schema_version"] == SCHEMA_VERSION and len(payload["evaluations"]) == 2
    # the exercise of 10.5 shares breaks the whole-shares requirement: its clause, as every clause is cited
    (violation,) = payload["evaluations"][0]["violations"]
    assert violation["clause"] == {"clause": "whole_shares", "citation": "Art. II §2(a)(ii)",
                                   "file": CONTRACT, "line": violation["clause"]["line"]}
    line = (ROOT / CONTRACT).read_text(encoding="utf-8").splitlines()[violation["clause"]["line"] - 1]
    assert line.startswith("require whole_shares")
    assert set(payload["evaluations"][0]["clauses"]["vested"][0]) == {"clause", "citation", "file", "line"}
    explained = json.loads(run("explain", CONTRACT, "--timeline", timeline, "--as-of", "2004-04-02",
                               "--format", "json").stdout)
    valid("explain", explained)
    assert explained["violations"] == payload["evaluations"][0]["violations"]
    several = json.loads(run("explain", CONTRACT, "--timeline", timeline, "--as-of", "2004-04-02", "--as-of",
                             "2004-11-22", "--format", "json").stdout)
    valid("explain", several)
    assert [e["as_of"] for e in several["explanations"]] == ["2004-04-02", "2004-11-22"]


def test_whatif_and_schedule_through_the_command():
    sweep = json.loads(run("whatif", CONTRACT, "--vary", "termination.date=2004-01-21..2004-03-21 step 1 month",
                           "--vary", "termination.reason=without_cause,cause", "--format", "json").stdout)
    valid("whatif", sweep)
    assert sweep["varied"] == ["termination.date", "termination.reason"] and len(sweep["rows"]) == 3 * 2
    valid("schedule", json.loads(run("schedule", CONTRACT, "--format", "json").stdout))


def test_portfolio_json_matches_its_schema():
    pytest.importorskip("pyarrow")
    result = run("portfolio", "contracts/acme/acme_option_form.contract", "--grants", "contracts/acme/acme_grants.csv",
                 "--events", "examples/acme_events.csv", "--as-of", "2024-06-30", "--format", "json")
    payload = json.loads(result.stdout)
    valid("portfolio", payload)
    assert len(payload["rows"]) == 20  # the 20 grants of acme_grants.csv, on one date
