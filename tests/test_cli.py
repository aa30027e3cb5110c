"""The command line, run as users run it: `python -m optionrules ...` in a subprocess, from the repository root.

Figures come from the reference agreement (contracts/capstone_liggett_2002.contract): 3,840,000 shares
granted and commencing 2002-11-21, vesting 3,840,000 / 48 = 80,000 on the 21st of each month from
2002-12-21. A termination without cause on 2004-03-15 ("examples/termination_without_cause.json"):

  - 15 installments have vested (2002-12-21 .. 2004-02-21): 15 x 80,000 = 1,200,000;
  - pro rata (default reading, exclusive): 23 of the 29 days from 2004-02-21 to 2004-03-21 (2004 is a
    leap year), floor(80,000 x 23 / 29) = floor(63,448.27...) = 63,448; vested 1,263,448;
  - forfeited: 3,840,000 - 1,263,448 = 2,576,552;
  - exercisable until later_of(2002-11-21 + 2 years, 2004-03-15 + 30 days) = later_of(2004-11-21,
    2004-04-14) = 2004-11-21 (Art. II §5; "until" inclusive by default); expired from 2004-11-22.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import copy_what_it_uses

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = "contracts/capstone_liggett_2002.contract"
TERMINATION = "examples/termination_without_cause.json"

KEYS = {"schema_version", "as_of", "granted", "vested", "exercised", "exercisable", "unvested", "forfeited", "expired",
        "exercise_deadline", "sale_blocked", "violations", "clauses"}


def run(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("OPTIONRULES_DEBUG", None)
    result = subprocess.run([sys.executable, "-m", "optionrules", *map(str, args)], cwd=cwd, env=env,
                            capture_output=True, text=True, encoding="utf-8", timeout=60)
    # whatever happens, no user ever sees a traceback or an internal error
    for stream in (result.stdout, result.stderr):
        assert "Traceback" not in stream, stream
        assert "internal error" not in stream, stream
    assert result.returncode != 70, result.stderr
    return result


def beside_the_plan(directory: Path, name: str) -> Path:
    """Copy the files the reference agreement uses (its plan) into `directory`; the path for a contract there."""
    copy_what_it_uses((ROOT / CONTRACT).read_text(encoding="utf-8"), directory)
    return directory / name


def timeline_file(tmp_path: Path, events: object, name: str = "events.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(events), encoding="utf-8")
    return path


# ---- help ------------------------------------------------------------------------------------------


def test_program_help():
    result = run("--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: optionrules")
    for command in ("check", "eval", "kinds"):
        assert command in result.stdout


@pytest.mark.parametrize("command", ["check", "eval", "kinds"])
def test_command_help(command):
    result = run(command, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: optionrules {command}")
    assert result.stderr == ""


def test_every_listed_command_has_help():
    listing = run("--help").stdout
    commands = re.findall(r"^ {4}([a-z]+) ", listing.split("commands:", 1)[1], flags=re.MULTILINE)
    assert {"check", "eval", "kinds"} <= set(commands), listing
    for command in commands:
        result = run(command, "--help")
        assert result.returncode == 0, (command, result.stderr)
        assert result.stdout.startswith(f"usage: optionrules {command}"), command


def test_no_command_is_a_usage_error():
    result = run()
    assert result.returncode == 2
    assert "usage:" in result.stderr


def test_an_unknown_command_is_a_usage_error():
    result = run("evaluate", CONTRACT)
    assert result.returncode == 2
    assert "usage:" in result.stderr


# ---- check -----------------------------------------------------------------------------------------


def test_check_the_bundled_contracts():
    result = run("check", "contracts/")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no problems" in result.stdout
    assert result.stderr == ""


def test_check_quiet_prints_nothing_for_a_clean_file():
    result = run("check", "-q", CONTRACT)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


BROKEN = [
    # (the reference text, the same text broken), and what the error is about
    ('  company: "Capstone', '  compnay: "Capstone', "compnay"),                   # an unknown key
    ("reason in {without_cause, resignation}", "reason in {without_cause, resignaton}", "resignaton"),  # enum
    ("  period: 180 days", "  period: 180 dayz", "dayz"),                           # a syntax error
]


@pytest.fixture
def broken_contract(tmp_path, reference_text) -> tuple[Path, list[tuple[int, int]]]:
    """The reference contract with three distinct errors; their (line, column)s, computed from the text."""
    text, where = reference_text, []
    for good, bad, _ in BROKEN:
        assert text.count(good) == 1, good
        text = text.replace(good, bad)
    lines = text.splitlines()
    for _, bad, _ in BROKEN:
        line = next(i for i, content in enumerate(lines, 1) if bad.strip() in content)
        where.append(line)
    path = beside_the_plan(tmp_path, "broken.contract")
    path.write_text(text, encoding="utf-8")
    return path, where


def test_check_a_broken_contract(broken_contract):
    path, lines = broken_contract
    result = run("check", path)
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout.splitlines()
    errors = [line for line in out if re.match(rf"{re.escape(str(path))}:\d+:\d+: error: ", line)]
    assert len(errors) >= 3, result.stdout
    # the unknown key and the misspelt enum member are reported on their own lines
    assert any(line.startswith(f"{path}:{lines[0]}:3: error: ") and "compnay" in line for line in errors), errors
    assert any(line.startswith(f"{path}:{lines[1]}:") and "resignaton" in line for line in errors), errors
    # the syntax error is found at or after the broken line (the next key, where `:` was expected)
    assert any(int(line.split(":")[1]) >= lines[2] and "unexpected" in line for line in errors), errors
    # each error is followed by the offending line and a caret line under it
    for i, line in enumerate(out):
        if line in errors:
            assert re.fullmatch(r" {4,}\^+", out[i + 2]), out[i:i + 3]
    assert "compnay" in "\n".join(out) and "did you mean 'company'?" in result.stdout
    assert re.search(r"checked 1 file: \d+ problems", result.stdout)


def test_check_several_paths(broken_contract):
    path, _ = broken_contract
    bundled = int(re.search(r"checked (\d+) files?", run("check", "contracts/").stdout).group(1))
    result = run("check", "contracts/", path)
    assert result.returncode == 1
    assert f"checked {bundled + 1} files" in result.stdout
    assert str(path) in result.stdout and CONTRACT not in result.stdout


def test_check_a_missing_file(tmp_path):
    result = run("check", tmp_path / "nowhere.contract")
    assert result.returncode == 2
    assert "nowhere.contract" in result.stderr and "cannot read" in result.stderr


def test_check_of_files_not_read_never_counts_problems(tmp_path):
    # a missing file and a link that leads to itself: neither is read, so no count of problems is given
    loop = tmp_path / "loop.contract"
    loop.symlink_to(loop)
    for path in (tmp_path / "nowhere.contract", loop):
        result = run("check", path)
        assert result.returncode == 2
        assert result.stdout.strip() == "checked 0 of 1 file: 1 could not be read"
        assert "problem" not in result.stdout


def test_check_counts_the_problems_of_the_files_read_beside_one_not_read(broken_contract, tmp_path):
    path, _ = broken_contract
    result = run("check", path, tmp_path / "nowhere.contract")
    assert result.returncode == 2
    found = re.search(r"checked 1 of 2 files: (\d+) problems; 1 could not be read$", result.stdout)
    assert found and int(found.group(1)) >= 3, result.stdout  # the three errors the fixture makes


def test_test_with_a_junit_report_in_no_folder_runs_nothing(tmp_path):
    result = run("test", "contracts/", "--junit-xml", tmp_path / "no" / "such" / "dir" / "r.xml")
    assert result.returncode == 2
    assert "r.xml" in result.stderr
    assert "passed" not in result.stdout and result.stdout == ""  # no example was run
    assert not (tmp_path / "no").exists()


def test_check_an_empty_directory(tmp_path):
    result = run("check", tmp_path)
    assert result.returncode == 2
    assert "no .contract files" in result.stderr


def test_check_a_directory_named_through_dot_dot_and_skipping_hidden_folders(tmp_path):
    # library/: the reference and the plan it uses (2 files); library/.hidden/broken.contract is not searched
    work = tmp_path / "work"
    work.mkdir()
    hidden = tmp_path / "library" / ".hidden"
    hidden.mkdir(parents=True)
    (hidden / "broken.contract").write_text("this is not a contract\n", encoding="utf-8")
    (tmp_path / "library" / "a.contract").write_text((ROOT / CONTRACT).read_text(encoding="utf-8"),
                                                      encoding="utf-8")
    copy_what_it_uses((ROOT / CONTRACT).read_text(encoding="utf-8"), tmp_path / "library")
    result = run("check", "../library", cwd=work)
    assert result.returncode == 0, result.stderr
    assert "checked 2 files: no problems" in result.stdout


def test_check_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.contract"
    path.write_bytes(b'agreement x "caf\xe9" {\n}\n')
    result = run("check", path)
    assert result.returncode == 2
    # the byte 0xE9 is on line 1, column 17 (after `agreement x "caf`)
    assert f"{path}:1:17" in result.stderr and "UTF-8" in result.stderr


# ---- eval: output -------------------------------------------------------------------------------------


def test_eval_json_for_one_date():
    result = run("eval", CONTRACT, "--timeline", TERMINATION, "--as-of", "2004-03-20", "--format", "json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert isinstance(payload, dict)
    assert set(payload) == KEYS
    assert payload["as_of"] == "2004-03-20"
    assert payload["granted"] == 3_840_000
    assert payload["vested"] == 1_263_448  # 1,200,000 + 63,448: see the module docstring
    assert payload["exercisable"] == 1_263_448
    assert payload["forfeited"] == 2_576_552  # 3,840,000 - 1,263,448
    assert (payload["exercised"], payload["unvested"], payload["expired"]) == (0, 0, 0)
    assert payload["exercise_deadline"] == "2004-11-21"
    assert payload["sale_blocked"] is False
    assert payload["violations"] == []
    assert {c["clause"] for c in payload["clauses"]["vested"]} == {"monthly", "pro_rata_on_termination"}
    assert [c["clause"] for c in payload["clauses"]["exercise_deadline"]] == ["ordinary_termination"]


def test_eval_json_for_several_dates():
    result = run("eval", CONTRACT, "--timeline", TERMINATION, "--format", "json",
                 "--as-of", "2004-03-20", "--as-of", "2004-11-21", "--as-of", "2004-11-22")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)["evaluations"]
    assert isinstance(payload, list) and len(payload) == 3
    assert all(set(item) == KEYS for item in payload)
    assert [item["as_of"] for item in payload] == ["2004-03-20", "2004-11-21", "2004-11-22"]
    # exercisable through 2004-11-21 inclusive; the 1,263,448 vested shares expire on 2004-11-22
    assert [item["exercisable"] for item in payload] == [1_263_448, 1_263_448, 0]
    assert [item["expired"] for item in payload] == [0, 0, 1_263_448]


def test_eval_text_for_one_date():
    result = run("eval", CONTRACT, "--timeline", TERMINATION, "--as-of", "2004-03-20")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "capstone_liggett_2002" in out and "as of 2004-03-20" in out
    rows = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ") and line.strip()}
    assert "3,840,000" in rows["granted"]
    assert "1,263,448" in rows["vested"] and "Art. I" in rows["vested"]
    assert "1,263,448" in rows["exercisable"] and "Art. II §5" in rows["exercisable"]
    assert "2,576,552" in rows["forfeited"]
    assert re.search(r"exercise deadline\s+2004-11-21", out)
    assert re.search(r"sale blocked\s+no", out)
    assert "violations: none" in out


def test_eval_text_for_several_dates_is_a_table():
    result = run("eval", CONTRACT, "--timeline", TERMINATION, "--as-of", "2004-03-20", "--as-of", "2004-11-22")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    header = next(line for line in lines if line.lstrip().startswith("as of"))
    for column in ("vested", "exercisable", "forfeited", "expired", "deadline"):
        assert column in header
    first = next(line for line in lines if line.startswith("2004-03-20"))
    second = next(line for line in lines if line.startswith("2004-11-22"))
    assert "1,263,448" in first and "2,576,552" in first and "2004-11-21" in first
    # after the deadline: exercisable 0, the vested 1,263,448 expired
    assert second.split()[1:6] == ["1,263,448", "0", "0", "0", "2,576,552"]
    assert second.split()[6] == "1,263,448"


def test_eval_without_a_timeline_or_a_date():
    # today is long after the expiration (2012-11-21): every share expired, none exercised
    result = run("eval", CONTRACT, "--format", "json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert (payload["vested"], payload["expired"], payload["exercisable"]) == (3_840_000, 3_840_000, 0)


def test_eval_a_violation_is_output_not_an_error(tmp_path):
    path = timeline_file(tmp_path, [{"date": "2003-11-01", "event": "exercise", "shares": 10.5, "method": "check"}])
    result = run("eval", CONTRACT, "--timeline", path, "--as-of", "2003-12-01", "--format", "json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["exercised"] == 0
    assert [(v["index"], v["event"], v["clause"]["clause"]) for v in payload["violations"]] == \
        [(0, "exercise", "whole_shares")]
    text = run("eval", CONTRACT, "--timeline", path, "--as-of", "2003-12-01")
    assert text.returncode == 0 and "violations: 1" in text.stdout and "events[0]" in text.stdout


@pytest.mark.parametrize(("reading", "vested"), [
    (None, 1_263_448),                          # 1,200,000 + floor(80,000 x 23 / 29)
    ("pro_rata_days=exclusive", 1_263_448),     # the default, named
    ("pro_rata_days=inclusive", 1_266_206),     # 15 x 80,000 + floor(80,000 x 24 / 29) = 1,200,000 + 66,206
])
def test_eval_assume_another_reading(reading, vested):
    args = ["eval", CONTRACT, "--timeline", TERMINATION, "--as-of", "2004-03-20", "--format", "json"]
    result = run(*args, *(["--assume", reading] if reading else []))
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["vested"] == vested
    assert payload["forfeited"] == 3_840_000 - vested


def test_eval_several_assumptions():
    # until_dates=exclusive: the last day is the day before 2004-11-21, so 2004-11-21 is past the deadline
    result = run("eval", CONTRACT, "--timeline", TERMINATION, "--as-of", "2004-11-21", "--format", "json",
                 "--assume", "pro_rata_days=inclusive", "--assume", "until_dates=exclusive")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["exercise_deadline"] == "2004-11-20"
    assert (payload["exercisable"], payload["expired"]) == (0, 1_266_206)  # as above, inclusive reading


@pytest.mark.parametrize(("reading", "message"), [
    ("nosuch=x", "nosuch"),
    ("pro_rata_days=weird", "weird"),
    ("pro_rata_days", "NAME=READING"),
    ("=inclusive", "NAME=READING"),
])
def test_eval_a_bad_assumption(reading, message):
    result = run("eval", CONTRACT, "--as-of", "2004-03-20", "--assume", reading)
    assert result.returncode == 2
    assert result.stdout == ""
    assert message in result.stderr and "--assume" in result.stderr


# ---- eval: input errors ----------------------------------------------------------------------------------

BAD_EVENTS = [
    ({"date": "2004-03-15", "event": "promotion"}, "event"),
    ({"date": "2004-03-15", "event": "termination", "reason": "redundancy"}, "reason"),
    ({"date": "2003-02-30", "event": "became_ceo"}, "date"),
    ({"date": "2003-05-01", "event": "exercise", "shares": -10, "method": "cash"}, "shares"),
    ({"event": "change_of_control"}, "date"),
    ({"date": "2004-01-15", "event": "registration_effective", "underwriter": "X"}, "underwriter"),
]


def test_eval_a_timeline_with_bad_events(tmp_path):
    path = timeline_file(tmp_path, {"events": [event for event, _ in BAD_EVENTS]})
    result = run("eval", CONTRACT, "--timeline", path, "--as-of", "2004-06-01")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if "events[" in line]
    assert len(lines) == len(BAD_EVENTS), result.stderr
    for index, ((_, field), line) in enumerate(zip(BAD_EVENTS, lines)):
        assert line.startswith(str(path)), line
        assert f"events[{index}]" in line and f"field '{field}'" in line, line
    assert "2003-02-30" in result.stderr and "redundancy" in result.stderr and "promotion" in result.stderr


def test_eval_a_timeline_that_is_not_json(tmp_path):
    path = tmp_path / "invalid.json"
    path.write_text('{"events": [\n  {"date": "2004-03-15",,}\n]}\n', encoding="utf-8")
    result = run("eval", CONTRACT, "--timeline", path, "--as-of", "2004-06-01")
    assert result.returncode == 2
    assert result.stdout == ""
    # the second comma is on line 2, column 25 (two spaces, `{"date": "2004-03-15",` is 22 characters)
    assert f"{path}:2:25:" in result.stderr
    assert "JSON" in result.stderr


def test_eval_a_missing_timeline(tmp_path):
    result = run("eval", CONTRACT, "--timeline", tmp_path / "nowhere.json", "--as-of", "2004-06-01")
    assert result.returncode == 2
    assert "nowhere.json" in result.stderr


@pytest.mark.parametrize("as_of", ["2003-13-01", "2003-02-30", "yesterday", ""])
def test_eval_a_bad_as_of(as_of):
    result = run("eval", CONTRACT, "--as-of", as_of)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "--as-of" in result.stderr


def test_eval_a_contract_that_does_not_check(broken_contract):
    path, lines = broken_contract
    result = run("eval", path, "--as-of", "2004-03-20")
    assert result.returncode == 2
    assert result.stdout == ""
    assert f"{path}:{lines[0]}:3: error: " in result.stderr
    assert f"{path}:{lines[1]}:" in result.stderr and "resignaton" in result.stderr
    assert "^" in result.stderr


def test_eval_a_missing_contract(tmp_path):
    result = run("eval", tmp_path / "nowhere.contract", "--as-of", "2004-03-20")
    assert result.returncode == 2
    assert "nowhere.contract" in result.stderr


def test_eval_a_huge_lockup_extension(tmp_path):
    path = timeline_file(tmp_path, [{"date": "2004-01-15", "event": "registration_effective"},
                                    {"date": "2004-02-01", "event": "lockup_extension", "days": 10**9}])
    result = run("eval", CONTRACT, "--timeline", path, "--as-of", "2004-03-01")
    assert result.returncode in (0, 2)


def test_eval_a_contract_that_checks_but_has_no_grant(tmp_path, reference_text):
    path = beside_the_plan(tmp_path, "grant.contract")
    path.write_text(reference_text.replace("  shares: 3,840,000", "  shares: expiration"), encoding="utf-8")
    checked = run("check", path)
    result = run("eval", path, "--as-of", "2004-03-20")
    assert checked.returncode == 1 or result.returncode == 0


def test_eval_does_not_blame_an_assume_that_was_not_given(tmp_path, reference_text):
    path = beside_the_plan(tmp_path, "late.contract")
    path.write_text(reference_text.replace("commencement: 2002-11-21", "commencement: 9999-12-31"),
                    encoding="utf-8")
    result = run("eval", path, "--as-of", "2004-03-20")
    assert result.returncode in (0, 2)
    assert "--assume" not in result.stderr


# ---- kinds ---------------------------------------------------------------------------------------------


def test_kinds_lists_the_clause_kinds():
    result = run("kinds")
    assert result.returncode == 0
    heads = {line.split()[0] for line in result.stdout.splitlines() if line and not line.startswith(" ")}
    for kind in ("agreement", "event", "assume", "conventions", "grant", "term", "vesting", "service", "rule",
                 "lockup", "exercise", "payment", "require"):
        assert kind in heads, kind
    # with their keys
    assert "installments" in result.stdout and "exercisable_until" in result.stdout


def test_kinds_lists_overrides_exceptions_and_the_expressions_of_the_grammar():
    from optionrules.expressions import EXPRESSIONS, FUNCTIONS, SYNTAX
    from optionrules.figures import AwardType
    from optionrules.kinds import KINDS

    out = run("kinds").stdout
    assert "overrides PLAN.CLAUSE" in out and "exception to PLAN.RULE" in out
    for award in AwardType:  # the clauses each award type requires, as the checker requires them
        (line,) = [line for line in out.splitlines() if line.split()[:1] == [str(award)]]
        assert line.split(None, 1)[1].split(", ") == [k.name for k in KINDS.values() if award in k.required]
    assert set(SYNTAX) == set(EXPRESSIONS)  # every node of the typed tree is described
    grammar = (ROOT / "grammar" / "optionrules.lark").read_text(encoding="utf-8")
    expressions = grammar[grammar.index("?expr:"):]  # the expressions, the literals, the terminals
    keywords = set(re.findall(r'"([a-z]+)"', expressions))
    operators = {op for terminal in ("COMPARE", "ADD_OP", "MUL_OP")
                 for op in re.findall(r'"([^"]+)"', re.search(rf"^{terminal}: (.*)$", grammar, re.M).group(1))}
    assert {"within", "before", "of", "in"} <= keywords and {"<=", "!=", "/"} <= operators  # the search works
    for word in keywords:
        assert re.search(rf"\b{word}\b", out), word
    for op in operators:
        assert f"`{op}`" in out, op
    for function in FUNCTIONS:
        assert f"{function}(" in out, function
    for unit in re.search(r"^UNIT\.2: /\((.*)\)s\?", grammar, re.M).group(1).split("|"):
        assert f"`{unit}`" in out, unit


# ---- consistency: every date explained, defaults that make sense, counts and fractions as people write them ----


def test_explain_explains_each_as_of_date():
    result = run("explain", CONTRACT, "--timeline", TERMINATION, "--as-of", "2004-03-20", "--as-of", "2004-11-22")
    assert result.returncode == 0, result.stderr
    assert "As of 2004-03-20, after 1 event:" in result.stdout and "As of 2004-11-22, after 1 event:" in result.stdout
    payload = json.loads(run("explain", CONTRACT, "--timeline", TERMINATION, "--as-of", "2004-03-20",
                             "--as-of", "2004-11-22", "--format", "json").stdout)
    first, second = payload["explanations"]
    assert (first["as_of"], second["as_of"]) == ("2004-03-20", "2004-11-22")
    expired = {f["figure"]: f["value"] for f in second["figures"]}["expired"]
    assert expired == 1_263_448  # the vested shares, not exercised by 2004-11-21


def test_whatif_varying_only_a_reading_is_as_of_today_without_a_date():
    from datetime import date

    result = run("whatif", CONTRACT, "--timeline", TERMINATION, "--vary", "assume pro_rata_days=exclusive,inclusive",
                 "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert "varied date" not in result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {row["as_of"] for row in rows} == {date.today().isoformat()}
    # pro rata of the 29 days from 2004-02-21: exclusive 23 days, floor(80,000 x 23 / 29) = 63,448; inclusive 24,
    # floor(80,000 x 24 / 29) = floor(66,206.9) = 66,206; on top of 15 x 80,000 = 1,200,000
    assert [row["vested"] for row in rows] == ["1263448", "1266206"]


def test_eval_csv_a_row_per_date():
    result = run("eval", CONTRACT, "--timeline", TERMINATION, "--as-of", "2004-03-20", "--as-of", "2004-11-22",
                 "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["as_of"] for row in rows] == ["2004-03-20", "2004-11-22"]
    # exercisable until 2004-11-21: the 1,263,448 vested shares are exercisable, then expired
    assert [(row["exercisable"], row["expired"]) for row in rows] == [("1263448", "0"), ("0", "1263448")]
    assert [row["exercise_deadline"] for row in rows] == ["2004-11-21"] * 2
    assert [row["violations"] for row in rows] == ["0", "0"]


def test_fractions_of_a_share_print_as_decimals(tmp_path):
    # 96,001 shares in 2 yearly installments, not rounded: 96,001 / 2 = 48,000.5 vest on 2025-01-15
    from tests.test_readme import CONTRACTS

    text = CONTRACTS[0].replace("shares: 4,800", "shares: 96,001").replace("installments: 48", "installments: 2") \
        .replace("every: 1 month", "every: 1 year").replace("rounding: down", "rounding: none") \
        .replace("vested: 1,200", "vested: 48,000.5")
    path = tmp_path / "fraction.contract"
    path.write_text(text, encoding="utf-8")
    assert run("test", path).stdout.strip() == "1 passed, 0 failed"
    shown = run("eval", path, "--as-of", "2025-02-01").stdout
    assert re.search(r"vested\s+48,000\.5\b", shown) and "/2" not in shown
    assert "96001/2" not in run("explain", path, "--as-of", "2025-02-01").stdout


def test_counts_have_thousands_separators(tmp_path):
    form = tmp_path / "acme_option_form.contract"
    for name in ("acme_option_form.contract", "acme_2021_plan.contract"):
        (tmp_path / name).write_text((ROOT / "contracts" / "acme" / name).read_text(encoding="utf-8"), encoding="utf-8")
    grants = tmp_path / "grants.csv"
    rows = [f"G-{n},Ann,4800,2021-01-15,2021-01-15,USD 1.00" for n in range(1000)]
    grants.write_text("id,optionee,shares,grant_date,commencement,exercise_price\n" + "\n".join(rows) + "\n",
                      encoding="utf-8")
    result = run("check", form, "--grants", grants)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "checked 1 file and 1,000 grants: no problems"
