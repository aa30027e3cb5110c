"""The hostile-input corpus: what a pull request could put before `optionrules check`, `fmt --check` and `test`
(and the other commands and the Python API) in CI, and how each must end.

Each case is run by tests/test_hostile.py through tests/hostile/runner.py, which also checks of every case, beyond
what the case says: no traceback, no internal error, no raw control character or bidirectional override in
the output, no piece of a secret planted outside the tree (files, /proc/self/environ) in the output or in any
file of the tree, no planted Lark cache unpickled, its time and memory bounds. The fixtures are in
tests/hostile/fixtures (a small agreement, its plan and text, a form and its grants, an option expiring on
9999-12-31, a timeline); the reference agreement is contracts/capstone_liggett_2002.contract.

Covered elsewhere, not repeated here: truncations, insertions and deletions checked by the API
(tests/test_fuzz.py); a file changed while `fmt --write` runs, and the owner kept
(tests/test_fmt_write.py); the Lark cache planted beside one command (tests/test_parser_tables.py: its plant is
reused here, in every case's TMPDIR).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

from tests.hostile.runner import FIXTURES, Case, Maker, data, fifo, fixture, folder, link, listening_socket, mode, text

REFERENCE = "contracts/capstone_liggett_2002.contract"
REFERENCE_TEXT = (Path(__file__).resolve().parents[2] / REFERENCE).read_text(encoding="utf-8")
MiB = 1024 * 1024
ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x9b31m \u202eevil\u202c \u2066x\u2069"  # a title set, a screen cleared, bidi


ANY = -1  # a line or column at any number


def at(file: str, line: int | None = None, column: int | None = None) -> str:
    """The start of a located message: `file:line:col: error: ` (the line and column, where given)."""
    place = re.escape(file) + "".join(r":\d+" if n == ANY else f":{n}" for n in (line, column) if n is not None)
    return rf"^{place}: error: "


def agreement(*edits: tuple[str, str], name: str = "agreement.contract") -> dict[str, Maker]:
    """The small agreement (edited), beside its plan and its text."""
    return {name: fixture("agreement.contract", *edits), "plan.contract": fixture("plan.contract"),
            "agreement.txt": fixture("agreement.txt")}


def form(csv: str | Callable[[], str]) -> dict[str, Maker]:
    """The small form, its plan, and a grants file."""
    return {"form.contract": fixture("form.contract"), "plan.contract": fixture("plan.contract"),
            "grants.csv": text(csv)}


def events(body: str) -> dict[str, Maker]:
    """The small agreement and a timeline `events.json`."""
    return {**agreement(), "events.json": text(body)}


def truncated(anchor: str, keep: int) -> str:
    """The reference cut `keep` characters into (or, if negative, before) the first `anchor`."""
    assert REFERENCE_TEXT.count(anchor) >= 1, anchor
    return REFERENCE_TEXT[:REFERENCE_TEXT.index(anchor) + keep]


def deep_tree(depth: int, leaf: str) -> Maker:
    """A folder `depth` folders deep, a contract `leaf` at the bottom."""
    def make(path: Path, _: Path) -> None:
        path.mkdir()
        for _level in range(depth):
            path = path / "d"
            path.mkdir()
        (path / "deep.contract").write_text(leaf, encoding="utf-8")

    return make


def hard_link(to: str) -> Maker:
    return lambda path, _: os.link(path.parent / to, path)


# The classes of points a file can be cut at: (an anchor, how far into it to cut).
CUTS = {
    "in a comment": ("# Capstone Turbine", 12),
    "in a title string": ('"Stock Option Agreement', 8),
    "after an opening brace": ("grant \"Art. I, Notice", 40),
    "in a key": ("installments: 48", 6),
    "after an operator": ("expiration: grant_date + 10", 25),
    "in a date": ("grant_date: 2002-11-21", 17),
    "in a number": ("shares: 3,840,000", 11),
    "in a long string": ('says: """1/48th', 20),
    "in a set": ("reason in {without_cause, resignation}", 25),
    "in a plan's file name": ('file: "capstone_2000_plan.contract"', 15),
    "at an item boundary": ("\nterm ", 1),
    "in an example": ("example without_cause ", 90),
}

CASES: list[Case] = []


def case(**kwargs: object) -> None:
    CASES.append(Case(**kwargs))  # type: ignore[arg-type]



def event_at(file: str, index: int, field: str) -> str:
    """The start of a message about an event's field: `file: events[N] (...), field 'F': error: `."""
    return rf"^{re.escape(file)}: events\[{index}\][^:]*, field '{field}': error: "


def csv_at(line: int, column: str | int) -> str:
    """The start of a message about a cell of grants.csv."""
    return rf"^grants\.csv:{line}, column {column if isinstance(column, int) else repr(column)}: error: "


def fixture_line(name: str, anchor: str) -> int:
    content = (FIXTURES / name).read_text(encoding="utf-8")
    assert content.count(anchor) == 1, anchor
    return content[:content.index(anchor)].count("\n") + 1


MESSY = "x {\n    a:   1\n}\n"  # parses, is not canonical (fmt --write rewrites it)
LINE_BREAK = "\n::error::forged"  # a CI log reads a line starting with :: as a command
FORGED = r"^\s*::error::forged"
CALENDAR = "--vary", "termination.date=0001-01-01..9999-12-31"


# ---- truncations of the reference, then test and fmt --check (check: tests/test_fuzz.py) --------------------

case(id="truncations: test locates every cut and runs nothing of them", exit=2, run=["test", "cuts/"],
     files={**{f"cuts/{n:02d}.contract": text(truncated(*cut)) for n, cut in enumerate(CUTS.values())},
            "cuts/capstone_2000_plan.contract": fixture("contracts/capstone_2000_plan.contract")},
     shows=[*(at(f"cuts/{n:02d}.contract", ANY, ANY) for n in range(len(CUTS))),
            rf"^0 passed, 0 failed; {len(CUTS)} files do not check$"])
for name in ("in a comment", "in a long string", "in a set"):
    parses = name == "in a comment"  # the file ends without its newline: not canonical
    case(id=f"truncation {name}: fmt --check", exit=1 if parses else 2, run=["fmt", "--check", "t.contract"],
         files={"t.contract": text(truncated(*CUTS[name]))},
         shows=[r"^--- t\.contract$" if parses else at("t.contract", ANY, ANY)], untouched=["t.contract"])


# ---- special files where a file is read ---------------------------------------------------------------------

for kind, made in {"FIFO": fifo(), "folder": folder(), "socket": listening_socket()}.items():
    case(id=f"a {kind} named x.contract: check", exit=2, run=["check", "x.contract"], files={"x.contract": made},
         shows=[r"^optionrules: no \.contract files found$" if kind == "folder" else
                at("x.contract") + f"cannot read the file: a {kind}, not a regular file"])
for kind, made in {"FIFO": fifo(), "folder": folder()}.items():
    case(id=f"a {kind} as the timeline", exit=2, run=["eval", "agreement.contract", "--timeline", "x.json"],
         files={**agreement(), "x.json": made},
         shows=[at("x.json") + f"cannot read the timeline: a {'directory' if kind == 'folder' else kind}"])
case(id="a FIFO as the plan used", exit=1, run=["check", "agreement.contract"],
     files={**agreement(('file: "plan.contract"', 'file: "x.contract"')), "x.contract": fifo()},
     shows=[at("agreement.contract", 10, 9) + r"cannot read the plan x\.contract: cannot read the plan: a FIFO"])
case(id="a folder as the grants file", exit=2, run=["check", "form.contract", "--grants", "x.csv"],
     files={**form(""), "x.csv": folder()}, shows=[at("x.csv") + "cannot read the grants file: a directory"])
case(id="/dev/zero named as a contract", exit=2, run=["check", "/dev/zero"],
     shows=[at("/dev/zero") + "cannot read the file: a device, not a regular file"])
case(id="/dev/urandom named as a timeline", exit=2,
     run=["eval", "agreement.contract", "--timeline", "/dev/urandom"], files=agreement(),
     shows=[at("/dev/urandom") + "cannot read the timeline: a device"])
case(id="a committed x.contract -> /dev/zero", exit=2, run=["check", "x.contract"],
     files={"x.contract": link("/dev/zero")},
     shows=[at("x.contract") + r"the file is reached through the link x\.contract, which leads out"])
case(id="a plan x.contract -> /dev/urandom", exit=1, run=["check", "agreement.contract"],
     files={**agreement(('file: "plan.contract"', 'file: "x.contract"')), "x.contract": link("/dev/urandom")},
     shows=[at("agreement.contract", 10, 9) + r"cannot read the plan x\.contract: the plan is outside the folder"])
case(id="standard input of /dev/zero: check -", exit=2, run=["check", "-"], stdin="/dev/zero",
     shows=[at("<stdin>") + "the file is larger than 1 MiB: not read"])
case(id="standard input of /dev/urandom: --timeline -", exit=2,
     run=["eval", "agreement.contract", "--timeline", "-"], files=agreement(), stdin="/dev/urandom",
     shows=[at("<stdin>") + "the timeline is larger than 16 MiB: not read"])


# ---- paths and links that lead out of the tree: refused, and nothing of the secret shown ----------------------

for name, path in {"a relative path": "../outside/plan.contract", "an absolute path": "{outside}/plan.contract",
                   "/proc/self/environ": "/proc/self/environ", "a text": "../outside/secret.txt"}.items():
    case(id=f"leak: uses {name} outside the tree", exit=1, run=["check", "agreement.contract"],
         files=agreement(('file: "plan.contract"', f'file: "{path}"')),
         shows=[at("agreement.contract", 10, 9) + "cannot read the plan "])
case(id="leak: a committed plan.contract -> outside", exit=1, run=["check", "agreement.contract"],
     files={**agreement(), "plan.contract": link("{outside}/plan.contract")},
     shows=[at("agreement.contract", 10, 9) + r"cannot read the plan plan\.contract: the plan is outside the folder"])
case(id="leak: check . with a committed plan.contract -> outside", exit=2, run=["check", "."],
     files={**agreement(), "plan.contract": link("{outside}/plan.contract")},
     shows=[at("plan.contract") + "the file is reached through the link", r"1 could not be read$"])
case(id="leak: a committed x.contract -> a file of another name", exit=2, run=["check", "x.contract"],
     files={"config": text("[core]\n"), "x.contract": link("config")},
     shows=[at("x.contract") + r"the file is a link to a file that is not a \.contract file"], hides=[r"\[core\]"])
case(id="leak: form: outside the tree", exit=1, run=["check", "grant.contract"],
     files={"grant.contract": text('agreement g "A grant" {\n  form: "../outside/form.contract"\n'
                                   '  with: {\n    optionee: "x"\n  }\n}\n')},
     shows=[at("grant.contract", 2, 9) + r"cannot read the form \.\./outside/form\.contract: the form is outside"])
case(id="leak: form: /proc/self/environ", exit=1, run=["check", "grant.contract"],
     files={"grant.contract": text('agreement g "A grant" {\n  form: "/proc/self/environ"\n}\n')},
     shows=[at("grant.contract", 2, 9) + r"cannot read the form /proc/self/environ: a form is a \.contract file"])
case(id="leak: a committed events.json -> /proc/self/environ", exit=2,
     run=["eval", "agreement.contract", "--timeline", "events.json"],
     files={**agreement(), "events.json": link("/proc/self/environ")},
     shows=[at("events.json") + r"the timeline is reached through the link events\.json, which leads out"])
case(id="leak: a committed grants.csv -> /proc/self/environ", exit=2,
     run=["check", "form.contract", "--grants", "grants.csv"],
     files={**form(""), "grants.csv": link("/proc/self/environ")},
     shows=[at("grants.csv") + r"the grants file is reached through the link grants\.csv"])
case(id="leak: a committed folder ev -> outside: --timeline ev/events.json", exit=2,
     run=["eval", "agreement.contract", "--timeline", "ev/events.json"], files={**agreement(), "ev": link("{outside}")},
     shows=[at("ev/events.json") + "the timeline is reached through the link ev, which leads out"])
case(id="leak: a committed folder linked -> outside: check linked/", exit=2, run=["check", "linked/"],
     files={"linked": link("{outside}")}, shows=[at("linked") + "the folder is reached through the link linked"])
case(id="leak: a committed folder linked -> outside: test linked/plan.contract", exit=2,
     run=["test", "linked/plan.contract"], files={"linked": link("{outside}")},
     shows=[at("linked/plan.contract") + "the file is reached through the link linked"])
case(id="leak: --root . and a folder linked -> outside: fmt linked", exit=2, run=["fmt", "--root", ".", "linked"],
     files={"linked": link("{outside}")}, shows=[at("linked") + r"the folder is outside the folder \."])
case(id="leak: a link to a folder outside, inside the tree searched, is not followed", exit=0, run=["check", "."],
     files={**agreement(), "sub/inner": link("{outside}")}, shows=[r"^checked 2 files: no problems$"])


# ---- too large: refused by the limit, before being read whole ----------------------------------------------

case(id="a contract of 1 MiB and a byte", exit=2, run=["check", "big.contract"],
     files={"big.contract": text(lambda: "#" * MiB + "\n")},
     shows=[at("big.contract") + "the file is larger than 1 MiB: not read"])
case(id="a 10 MB string literal", exit=2, run=["check", "big.contract"],
     files={"big.contract": text(lambda: 'agreement a "' + "x" * 10_000_000 + '"\n')},
     shows=[at("big.contract") + "the file is larger than 1 MiB"])
case(id="a 1 MB string literal, within the limit", exit=0, run=["check", "agreement.contract"],
     files=agreement(('says: "vest in 48 monthly installments"', 'says: """' + "x" * 1_000_000 + '"""')),
     shows=[r"the quote of vesting monthly is not in agreement\.txt", r"^checked 1 file: no problems, 1 warning$"])
case(id="a 10 MB string literal from Python", api="optionrules.loads('agreement a \"' + 'x' * 10_000_000 + '\"\\n')",
     raises="ContractError", shows=[at("<string>", 1, 1) + "the contract has no grant clause"])
case(id="100,000 broken items", exit=1, run=["check", "items.contract"],
     files={"items.contract": text("x\n" * 100_000)},
     shows=[at("items.contract", 1, 1) + "unknown clause kind 'x'",
            at("items.contract", 10_001, 1) + "more than 10,000 items in one file"])
case(id="a timeline of 16 MiB and a byte", exit=2, run=["eval", "agreement.contract", "--timeline", "big.json"],
     files={**agreement(), "big.json": text(lambda: " " * (16 * MiB) + "[]")},
     shows=[at("big.json") + "the timeline is larger than 16 MiB"])
case(id="100,000 events", exit=2, run=["eval", "agreement.contract", "--timeline", "events.json"],
     files=events('{"events": [' + ", ".join(['{"date": "2021-01-01", "event": "x"}'] * 100_000) + "]}"),
     shows=[at("events.json") + "more than 10,000 events: not read"])
case(id="a grants file of 4 MiB and a byte", exit=2, run=["check", "form.contract", "--grants", "grants.csv"],
     files=form(lambda: "id,optionee,shares,grant_date\n" + "#" * (4 * MiB)),
     shows=[at("grants.csv") + "the grants file is larger than 4 MiB"])
case(id="a grants file of 100,000 rows", exit=2, run=["check", "form.contract", "--grants", "grants.csv"],
     files=form(lambda: "id,optionee,shares,grant_date\n" + "g,x,1,2020-01-01\n" * 100_000),
     shows=[at("grants.csv", 10_002) + "more than 10,000 rows: not read"])
case(id="a CSV field over 128 KiB", exit=2, run=["check", "form.contract", "--grants", "grants.csv"],
     files=form(lambda: f'id,optionee,shares,grant_date\nG-1,"{"x" * 140_000}",1,2020-01-01\n'),
     shows=[at("grants.csv", 2) + "not a readable CSV file"])


# ---- nested deep --------------------------------------------------------------------------------------------

EXPIRATION = fixture_line("agreement.contract", "expiration: grant_date")
case(id="an expression of 100,000 open parentheses", exit=1, run=["check", "agreement.contract"],
     files=agreement(("expiration: grant_date + 10 years", "expiration: " + "(" * 100_000)),
     shows=[at("agreement.contract", EXPIRATION + 1, 15) + "unexpected ':'"], seconds=30)
case(id="an expression of 100,000 nots", exit=1, run=["check", "agreement.contract"],
     files=agreement(("expiration: grant_date + 10 years", "expiration: " + "not " * 100_000 + "x")),
     shows=[at("agreement.contract", EXPIRATION, ANY) + "expressions nested more than 100 levels deep"], seconds=30)
case(id="JSON arrays 100,000 deep", exit=2, run=["eval", "agreement.contract", "--timeline", "events.json"],
     files=events("[" * 100_000 + "]" * 100_000),
     shows=[at("events.json", 1, 101) + "JSON nested more than 100 levels"])
DEEP_PREFIX = '{"events": [{"date": "2021-01-01", "event": "transfer", "by": '
case(id="JSON objects 100,000 deep in an event", exit=2,
     run=["eval", "agreement.contract", "--timeline", "events.json"],
     files=events(DEEP_PREFIX + '{"a": ' * 100_000 + "1" + "}" * 100_000 + "}]}"),
     shows=[at("events.json", 1, len(DEEP_PREFIX) + 97 * len('{"a": ') + 1) + "JSON nested more than 100"])
case(id="a folder tree 1,500 deep", exit=1, run=["check", "."], files={"deep": deep_tree(1_500, "x\n")},
     shows=[r"^deep(/d){1500}/deep\.contract:1:1: error: unknown clause kind 'x'"], seconds=30)


# ---- numbers too long for their place -------------------------------------------------------------------------

DIGITS = "9" * 5_000
EXERCISE = '{{"events": [{{"date": "2021-01-01", "event": "exercise", "shares": {}}}]}}'
for name, number in {"a 5,000-digit integer": DIGITS, "a 5,000-digit fraction": "1." + DIGITS,
                     "1e-400, once read as 0": "1e-400"}.items():
    case(id=f"{name} in a timeline", exit=2, run=["eval", "agreement.contract", "--timeline", "events.json"],
         files=events(EXERCISE.format(number)),
         shows=[event_at("events.json", 0, "shares") + "shares must be a finite number of at most 15 digits"])
case(id="a 5,000-digit integer in a contract", exit=1, run=["check", "agreement.contract"],
     files=agreement(("shares: 4,800", f"shares: {DIGITS}")),
     shows=[at("agreement.contract", fixture_line("agreement.contract", "shares: 4,800"), 11)
            + "a number of more than 30 digits"])
case(id="a 5,000-digit integer in a grants file", exit=1, run=["check", "form.contract", "--grants", "grants.csv"],
     files=form(f"id,optionee,shares,grant_date\nG-1,x,{DIGITS},2020-01-01\n"),
     shows=[csv_at(2, "shares") + "shares must be a finite number of at most 15 digits"])
case(id="a 5,000-digit integer from Python", api="optionrules.load('agreement.contract').evaluate([{{'date': "
     "'2021-01-01', 'event': 'exercise', 'shares': 10 ** 5000}}])", files=agreement(), raises="TimelineError",
     shows=[event_at("<timeline>", 0, "shares") + "shares must be a number of at most 15 digits, not a number of "
            "some 5,000 digits"])
case(id="--as-of event+ 5,000 digits", exit=2, run=["whatif", "end.contract", "--vary", "termination.date=9999-01-31",
                                                   "--vary", "termination.reason=quit", "--as-of", "event+" + DIGITS],
     files={"end.contract": fixture("end_of_time.contract")},
     shows=[r"^optionrules: --as-of 'event\+9+': more days than the calendar has"])
case(id="a step of 5,000 digits", exit=2,
     run=["whatif", "end.contract", "--vary", f"termination.date=9999-01-31..9999-12-31 step {DIGITS} days",
          "--vary", "termination.reason=quit"], files={"end.contract": fixture("end_of_time.contract")},
     shows=[r"^optionrules: --vary 'termination\.date=.*': the step is longer than the calendar$"])
case(id="--vary shares of 5,000 digits", exit=2,
     run=["whatif", "end.contract", "--vary", "exercise.date=9999-06-30", "--vary", f"exercise.shares={DIGITS}"],
     files={"end.contract": fixture("end_of_time.contract")},
     shows=[r"^optionrules: --vary 'exercise\.shares=9+': shares must be a finite number of at most 15 digits"])



# ---- text that would drive a terminal or a CI log: shown escaped ----------------------------------------------

ESCAPED = r"\\x1b\]0;pwned\\x07\\x1b\[2J\\x9b31m \\u202eevil\\u202c"
CITED = agreement(('vesting monthly "§4"', f'vesting monthly "§4 {ESCAPES}"'))
case(id="escapes in a citation: eval", exit=0, run=["eval", "agreement.contract", "--as-of", "2021-01-15"],
     files=CITED, shows=[ESCAPED])
case(id="escapes in a citation: schedule --format csv", exit=0,
     run=["schedule", "agreement.contract", "--format", "csv"], files=CITED, shows=[ESCAPED])
case(id="escapes in a citation: eval --format json", exit=0,
     run=["eval", "agreement.contract", "--as-of", "2021-01-15", "--format", "json"], files=CITED,
     shows=[r"\\u001b\]0;pwned\\u0007\\u001b\[2J\\u009b31m \\u202eevil\\u202c"])
case(id="report: escapes in a citation (matplotlib's warnings quote it)", exit=0,
     run=["report", "agreement.contract", "--out", "r.html"], seconds=40, shows=[r"^wrote r\.html$"],
     files=agreement(('vesting monthly "§4"', f'vesting monthly "§4 {ESCAPES}"')))
case(id="report: source: outside the tree", exit=2, run=["report", "agreement.contract", "--out", "r.html"],
     files=agreement(('source: "agreement.txt"', 'source: "../outside/secret.txt"')),
     shows=[at("agreement.contract", 6, 11) + "the agreement's text is outside the folder"])
case(id="escapes on a line with a problem: check", exit=1, run=["check", "agreement.contract"],
     files=agreement(('company: "Example, Inc."\n  source', f'compnay: "{ESCAPES}"\n  source')),
     shows=[at("agreement.contract", 5, 3) + "agreement 'hostile_agreement' has no key 'compnay'",
            r"^ +compnay: \"" + ESCAPED])
case(id="escapes, a NUL and a lone surrogate in a timeline's text: explain", exit=0,
     run=["explain", "agreement.contract", "--timeline", "events.json", "--as-of", "2021-02-01"],
     files=events('[{"date": "2021-01-01", "event": "transfer", "by": "\\ud800 \\u0000 \\u001b[2J \\u202e"}]'),
     shows=[r"by: \\ud800 \\x00 \\x1b\[2J \\u202e"])
case(id="escapes in a timeline's event name", exit=2, run=["eval", "agreement.contract", "--timeline", "events.json"],
     files=events('[{"date": "2021-01-01", "event": "\\u001b[2J\\u202e"}]'),
     shows=[event_at("events.json", 0, "event") + r"unknown event '\\x1b\[2J\\u202e'"])
case(id="escapes in a file's name: check", exit=1, run=["check", "."], files={f"x{ESCAPES}.contract": text("x\n")},
     shows=[r"^x" + ESCAPED + r".*\.contract:1:1: error: "])
case(id="escapes in a file's name: fmt --check", exit=1, run=["fmt", "--check", "."],
     files={f"x{ESCAPES}.contract": text(MESSY)}, shows=[r"^--- x" + ESCAPED])
case(id="escapes in a grant's cells", exit=1, run=["check", "form.contract", "--grants", "grants.csv"],
     files=form(f"id,optionee,shares,grant_date\nG-1,x,{ESCAPES},2020-01-01\n"),
     shows=[csv_at(2, "shares") + r"shares must be a number, not '\\x1b\]0;pwned"])
case(id="escapes in --vary values: whatif", exit=0,
     run=["whatif", "agreement.contract", "--vary", "transfer.date=2021-01-01", "--vary", f"transfer.by={ESCAPES}"],
     files=agreement(), shows=[ESCAPED])
case(id="a line break in a plan's path", exit=1, run=["check", "agreement.contract"],
     files=agreement(('file: "plan.contract"', 'file: "plan\\n::error::forged.contract"')),
     shows=[at("agreement.contract", 10, 9) + r"cannot read the plan plan\\n::error::forged\.contract: the plan's "
            "name has a NUL or a line break"], hides=[FORGED])
case(id="a NUL in a plan's path", exit=1, run=["check", "agreement.contract"],
     files=agreement(('file: "plan.contract"', 'file: "plan\0.contract"')),
     shows=[at("agreement.contract", 10, 9) + r"cannot read the plan plan\\x00\.contract: the plan's name has a NUL"])
case(id="a line break in a file's name", exit=2, run=["check", "."],
     files={**agreement(), f"x{LINE_BREAK}.contract": fixture("agreement.contract")},
     shows=[r"^x\\n::error::forged\.contract: error: the file's name has a NUL or a line break"], hides=[FORGED])
case(id="a line break in a timeline's date", exit=2, run=["eval", "agreement.contract", "--timeline", "events.json"],
     files=events('[{"date": "2021-01-01\\n::error::forged", "event": "transfer", "by": "x"}]'),
     shows=[event_at("events.json", 0, "date") + "date must be an ISO date"], hides=[FORGED])
case(id="a line break in the title: eval", exit=0, run=["eval", "agreement.contract", "--as-of", "2021-01-15"],
     files=agreement(('"A small option agreement"', '"A small option agreement\\n::error::forged"')),
     shows=[r"^hostile_agreement: A small option agreement\\n::error::forged$"], hides=[FORGED])
case(id="a line break in --vary values: whatif", exit=0,
     run=["whatif", "agreement.contract", "--vary", "transfer.date=2021-01-01", "--vary", "transfer.by=x\n::error::y"],
     files=agreement(), shows=[r"^ +2021-01-01  x\\n::error::y  2021-01-01 "], hides=[r"^\s*::error::"])


# ---- byte order marks, duplicates ---------------------------------------------------------------------------

case(id="a timeline with a byte order mark", exit=0,
     run=["eval", "agreement.contract", "--timeline", "events.json", "--as-of", "2021-02-01"],
     files={**agreement(), "events.json": data(b"\xef\xbb\xbf" + (FIXTURES / "events.json").read_bytes())},
     shows=[r"^  vested +1,200 "])
case(id="a grants file and a contract with a byte order mark", exit=0,
     run=["check", "form.contract", "--grants", "grants.csv"],
     files={**form(""), "grants.csv": data(b"\xef\xbb\xbf" + (FIXTURES / "grants.csv").read_bytes()),
            "form.contract": data(b"\xef\xbb\xbf" + (FIXTURES / "form.contract").read_bytes())},
     shows=[r"^checked 1 file and 2 grants: no problems$"])
case(id="a timeline with two byte order marks", exit=2, run=["eval", "agreement.contract", "--timeline", "e.json"],
     files={**agreement(), "e.json": data(b"\xef\xbb\xbf\xef\xbb\xbf[]")},
     shows=[at("e.json", 1, 1) + "not valid JSON"])
case(id="a key given twice in an event", exit=2, run=["eval", "agreement.contract", "--timeline", "events.json"],
     files=events('[{"date": "2021-01-20", "event": "termination", "reason": "quit", "reason": "cause"}]'),
     shows=[event_at("events.json", 0, "reason") + "'reason' is given twice"])
case(id='"events" given twice', exit=2, run=["eval", "agreement.contract", "--timeline", "events.json"],
     files=events('{"events": [], "events": [{"date": "2021-01-20", "event": "termination", "reason": "cause"}]}'),
     shows=[at("events.json") + '"events" is given twice'])
case(id="an id given twice in a grants file", exit=1, run=["check", "form.contract", "--grants", "grants.csv"],
     files=form("id,optionee,shares,grant_date\nG-1,x,1,2020-01-01\nG-1,y,2,2020-01-01\n"),
     shows=[csv_at(3, "id") + "the id 'G-1' is also the id of line 2"])
case(id="a column given twice in a grants file", exit=1, run=["check", "form.contract", "--grants", "grants.csv"],
     files=form("id,optionee,shares,shares,grant_date\nG-1,x,1,2,2020-01-01\n"),
     shows=[csv_at(1, 4) + "the column 'shares' is given twice"])


# ---- CSV cells a spreadsheet would run ------------------------------------------------------------------------

case(id="--vary a bool", exit=0,
     run=["whatif", "grant.contract", "--vary", "change_of_control.date=2022-01-01", "--vary",
          "change_of_control.assumed=true,false", "--format", "csv"],
     files={"grant.contract": fixture("contracts/acme/grant_maria_lopez.contract"),
            **{name: fixture(f"contracts/acme/{name}") for name in ("acme_option_form.contract",
                                                                     "acme_2021_plan.contract")}},
     shows=[r"^2022-01-01,true,", r"^2022-01-01,false,"])
case(id="formulas in whatif's CSV", exit=0,
     run=["whatif", "agreement.contract", "--vary", "transfer.date=2021-01-01", "--vary",
          "transfer.by==cmd|' /C calc'!A0,@SUM(1),+1,-1", "--format", "csv"], files=agreement(),
     shows=[r"^2021-01-01,'=cmd\|' /C calc'!A0,", r"^2021-01-01,'@SUM\(1\),", r"^2021-01-01,'\+1,",
            r"^2021-01-01,'-1,"])
case(id="a formula in a citation: schedule's CSV", exit=0, run=["schedule", "agreement.contract", "--format", "csv"],
     files=agreement(('vesting monthly "§4"', 'vesting monthly "=HYPERLINK(\\"http://x\\")"')),
     shows=[r''',"'=HYPERLINK\(""http://x""\)"$'''])


# ---- the calendar's ends --------------------------------------------------------------------------------------

END = {"end.contract": fixture("end_of_time.contract")}
case(id="events on 0001-01-01 and 9999-12-31", exit=0,
     run=["eval", "agreement.contract", "--timeline", "events.json", "--as-of", "9999-12-31", "--as-of", "0001-01-01"],
     files=events('[{"date": "0001-01-01", "event": "transfer", "by": "x"}, '
                  '{"date": "9999-12-31", "event": "termination", "reason": "cause"}]'),
     shows=[r"^9999-12-31 ", r"^0001-01-01 "])
case(id="a grant on 0001-01-01: schedule", exit=0, run=["schedule", "agreement.contract"],
     files=agreement(("grant_date: 2020-01-15", "grant_date: 0001-01-01")), shows=[r"^0005-01-01 +4,800 "])
case(id="an option expiring 9999-12-31: schedule", exit=0, run=["schedule", "end.contract"], files=END,
     shows=[r"^9999-12-31 +1,200 "])
case(id="an option expiring 9999-12-31: verify", exit=0, run=["verify", "end.contract"], files=END,
     shows=[r"^end\.contract: every invariant holds"])
case(id="an option expiring 9999-12-31: whatif to the last day", exit=0,
     run=["whatif", "end.contract", "--vary", "termination.date=9999-12-01..9999-12-31", "--vary",
          "termination.reason=quit", "--as-of", "9999-12-31", "--format", "csv"], files=END,
     shows=[r"^9999-12-31,quit,9999-12-31,1200,"])
case(id="--as-of event+30 past 9999-12-31", exit=2,
     run=["whatif", "end.contract", "--vary", "termination.date=9999-12-01..9999-12-31", "--vary",
          "termination.reason=quit", "--as-of", "event+30"], files=END,
     shows=[r"^optionrules: --as-of termination\+30: 9999-12-02 \+30 days is past the calendar"])
case(id="--as-of event-N before 0001-01-01", exit=2,
     run=["whatif", "end.contract", "--vary", "termination.date=0001-01-01", "--vary", "termination.reason=quit",
          "--as-of", "event-1"], files=END,
     shows=[r"^optionrules: --as-of termination-1: 0001-01-01 -1 days is past the calendar"])
case(id="--as-of event+N past the calendar from Python", files=END,
     api="optionrules.load('end.contract').whatif([], ['termination.date=9999-12-31', 'termination.reason=quit'], "
         "as_of='event+1')", raises="QueryError", shows=[r"--as-of termination\+1: 9999-12-31 \+1 days is past"])


# ---- more work than the limits allow: refused before working ---------------------------------------------------

case(id="whatif every day of the calendar", exit=2, run=["whatif", "end.contract", *CALENDAR, "--vary",
                                                         "termination.reason=quit"], files=END,
     shows=[r"^optionrules: --vary 'termination\.date=0001-01-01\.\.9999-12-31': 3,652,059 dates: more than the "
            r"limit of 100,000 rows a sweep may have \(raise it with --max-rows N"], seconds=5)
case(id="whatif 60,000 x 2 combinations", exit=2,
     run=["whatif", "end.contract", "--vary", "termination.date=0001-01-01..0165-04-10", "--vary",
          "termination.reason=quit,cause"], files=END,
     shows=[r"^optionrules: --vary: 60,000 x 2 = 120,000 combinations: more than the limit of 100,000"], seconds=5)
case(id="whatif past --max-rows 10", exit=2,
     run=["whatif", "end.contract", "--vary", "termination.date=9999-12-01..9999-12-31", "--vary",
          "termination.reason=quit", "--max-rows", "10"], files=END,
     shows=[r"31 dates: more than the limit of 10 rows"], seconds=5)
case(id="verify a search over the whole calendar", exit=2, run=["verify", "long.contract"],
     files={"long.contract": fixture("end_of_time.contract", ("grant_date: 9999-01-31", "grant_date: 0001-01-31"))},
     shows=[r"^optionrules: verify: [\d,]+ timelines, about [\d,]+ evaluations: more than the limit of 100,000,000 "
            r"evaluations \(raise it with --max-evaluations N"], seconds=5)
case(id="verify past --max-evaluations 100", exit=2, run=["verify", "end.contract", "--max-evaluations", "100"],
     files=END, shows=[r"more than the limit of 100 evaluations"], seconds=5)
case(id="verify --jobs 10000", exit=0, run=["verify", "end.contract", "--jobs", "10000"], files=END,
     shows=[r"^optionrules: --jobs 10000: this process may use \d+ cores: \d+ jobs$", "every invariant holds"])
case(id="verify --jobs 0", exit=2, run=["verify", "end.contract", "--jobs", "0"], files=END,
     shows=[r"^optionrules: --jobs must be at least 1$"])
API_LIMITS = {
    "verify max_evaluations=10": ("optionrules.verify(optionrules.load('end.contract'), max_evaluations=10)",
                                  "WorkTooLarge", r"more than the limit of 10 evaluations"),
    "verify jobs='x'": ("optionrules.verify(optionrules.load('end.contract'), jobs='x')", "QueryError",
                        r"jobs takes a whole number of at least 1, not 'x'"),
    "whatif max_rows='5'": ("optionrules.load('end.contract').whatif([], ['termination.date=9999-12-31', "
                            "'termination.reason=quit'], max_rows='5')", "QueryError",
                            r"max_rows takes a whole number of at least 0, not '5'"),
    "whatif vary=[5]": ("optionrules.load('end.contract').whatif([], [5])", "QueryError",
                        r"a --vary is a text, .* not 5"),
}
for name, (call, error, message) in API_LIMITS.items():
    case(id=f"Python: {name}", api=call, raises=error, files=END, shows=[message])


# ---- many clauses: checked in linear time and space --------------------------------------------------------

RULES = "".join(f'rule r{n} "§9.{n}" on termination when reason = quit {{\n  forfeit: all\n}}\n\n'
                for n in range(3_000))
case(id="3,000 rules deciding the same case: each against the first, a bounded list", exit=1, seconds=30,
     run=["check", "agreement.contract"], files=agreement(("example one_year", RULES + "example one_year")),
     shows=[at("agreement.contract", ANY, ANY) + r"rules 'quits' \(plan\.contract:\d+\) and 'r0' both decide",
            r"^agreement\.contract: error: [\d,]+ more problems$"])
MEMBERS = ", ".join(f"m{n}" for n in range(50_000))
case(id="an enum of 50,000 members, one listed twice", exit=1, seconds=30, run=["check", "agreement.contract"],
     files=agreement(("event transfer", f"enum big {{ {MEMBERS}, m7 }}\n\nevent transfer")),
     shows=[at("agreement.contract", 13, ANY) + "'m7' is listed twice in big"])
case(id="a line break in a timeline's text: explain", exit=0,
     run=["explain", "agreement.contract", "--timeline", "events.json", "--as-of", "2021-02-01"],
     files=events('[{"date": "2021-01-01", "event": "transfer", "by": "x\\n::error::forged"}]'),
     shows=[r"by: x\\n::error::forged"], hides=[FORGED])
case(id="Python: a report of an agreement whose source: leads out of the tree", raises="ContractError",
     api="from optionrules.report import write_report; write_report('agreement.contract', 'r.html')",
     files=agreement(('source: "agreement.txt"', 'source: "../outside/secret.txt"')),
     shows=[at("agreement.contract", 6, 11) + "the agreement's text is outside the folder"])


# ---- writing: nothing half-written, nothing written where it should not be ---------------------------------

case(id="fmt --write in a read-only folder", exit=2, run=["fmt", "--write", "ro/m.contract"],
     files={"ro/m.contract": text(MESSY), "ro#mode": mode(0o555)},
     shows=[at("ro/m.contract") + "cannot write the contract: the folder .*ro is not writable"],
     untouched=["ro/m.contract"])
case(id="fmt --write a read-only file", exit=2, run=["fmt", "--write", "m.contract"],
     files={"m.contract": text(MESSY), "m.contract#mode": mode(0o444)},
     shows=[at("m.contract") + "the contract is read-only: not written"], untouched=["m.contract"])
case(id="fmt --write through a link", exit=0, run=["fmt", "--write", "link.contract"],
     files={"real.contract": text(MESSY), "link.contract": link("real.contract")},
     shows=[r"^reformatted link\.contract$"], untouched=["link.contract"])
case(id="fmt --write a link and the file it leads to, and a hard link", exit=0, run=["fmt", "--write", "."],
     files={"real.contract": text(MESSY), "link.contract": link("real.contract"),
            "hard.contract": hard_link("real.contract")},
     shows=[r"^reformatted hard\.contract$"], hides=["changed since it was read", r"reformatted (link|real)"])
case(id="fmt --write a link leading outside", exit=2, run=["fmt", "--write", "plan.contract"],
     files={"plan.contract": link("{outside}/plan.contract")},
     shows=[at("plan.contract") + "the file is reached through the link plan.contract"],
     untouched=["../outside/plan.contract"])
case(id="fmt --write where one file cannot be read: nothing is written", exit=2, run=["fmt", "--write", "."],
     files={"a.contract": text(MESSY), "b.contract": fifo()},
     shows=[at("b.contract") + "cannot read the file: a FIFO"],
     untouched=["a.contract"])
JUNIT = {"a folder": ("out", {"out": folder()}, "out is not a regular file"),
         "a missing folder": ("nowhere/r.xml", {}, "no folder .*nowhere"),
         "a read-only folder": ("ro/r.xml", {"ro": folder(), "ro#mode": mode(0o555)},
                                "the folder .*ro is not writable"),
         "a link leading outside": ("r.xml", {"r.xml": link("{outside}/secret.txt")},
                                    r"the JUnit report is reached through the link r\.xml, which leads out")}
for name, (path, made, message) in JUNIT.items():
    case(id=f"test --junit-xml to {name}: refused before running anything", exit=2,
         run=["test", "agreement.contract", "--junit-xml", path], files={**agreement(), **made},
         shows=[at(path) + ".*" + message], hides=["passed"], untouched=["../outside/secret.txt"])
case(id="verify --counterexample through a link leading outside", exit=2,
     run=["verify", "end.contract", "--counterexample", "c.json"],
     files={**END, "c.json": link("{outside}/secret.txt")},
     shows=[at("c.json") + "the counterexample is reached through the link"], hides=["timelines"],
     untouched=["../outside/secret.txt"])
case(id="report --out through a link leading outside", exit=2, run=["report", "agreement.contract", "--out", "r.html"],
     files={**agreement(), "r.html": link("{outside}/secret.txt")},
     shows=[at("r.html") + "the report is reached through the link"], untouched=["../outside/secret.txt"])
case(id="whatif --chart through a link leading outside", exit=2,
     run=["whatif", "end.contract", "--vary", "termination.date=9999-12-01", "--vary", "termination.reason=quit",
          "--chart", "c.svg"], files={**END, "c.svg": link("{outside}/secret.txt")},
     shows=[at("c.svg") + "the chart is reached through the link"], untouched=["../outside/secret.txt"])


# ---- what cannot be read is never "no problems" ------------------------------------------------------------

case(id="check missing.contract", exit=2, run=["check", "missing.contract"],
     shows=[at("missing.contract") + "cannot read the file: No such file"], hides=["no problems"])
case(id="check a loop of links", exit=2, run=["check", "a.contract"],
     files={"a.contract": link("b.contract"), "b.contract": link("a.contract")},
     shows=[at("a.contract") + "cannot read the file: Too many levels of symbolic links"], hides=["no problems"])
case(id="check an empty path", exit=2, run=["check", ""], files=agreement(),
     shows=[r"^'': error: an empty path names no file or folder$"], hides=["no problems"])
case(id="check a folder with an unreadable subfolder", exit=2, run=["check", "."],
     files={**agreement(), "sub/x.contract": text("x\n"), "sub#mode": mode(0)},
     shows=[at("sub") + "cannot search the folder: Permission denied", r"1 folder could not be searched$"],
     hides=["no problems"])
case(id="check an unreadable file", exit=2, run=["check", "."],
     files={**agreement(), "x.contract": text("x\n"), "x.contract#mode": mode(0)},
     shows=[at("x.contract") + "cannot read the file: Permission denied"], hides=["no problems"])
case(id="check | head -1: the exit code of the work", exit=1, run=["check", "items.contract"], lines=1,
     files={"items.contract": text("x\n" * 1_000)}, shows=[at("items.contract", 1, 1)])
case(id="--root that is not a folder", exit=2, run=["check", "--root", "x", "agreement.contract"],
     files={**agreement(), "x": fifo()}, shows=[r"^optionrules: --root: no folder x$"])
case(id="a plan that uses itself", exit=1, run=["check", "agreement.contract"],
     files={**agreement(), "plan.contract": fixture("plan.contract", ("enum reason_t", 'uses hostile_plan "loop" {\n'
                                                                     '  file: "plan.contract"\n}\n\nenum reason_t'))},
     shows=[r"plan\.contract uses itself"])


# ---- line ends the lexer does not count: fmt keeps the layout ------------------------------------------------

case(id="a form feed, a line separator, a carriage return in comments and strings: fmt --check", exit=0,
     run=["fmt", "--check", "agreement.contract"],
     files=agreement(("# A small agreement", "#\x0c A small agreement"), ("# two examples", "#\u2028 two examples"),
                     ('"vest in 48', '"\rvest\x0c\u2028 in 48')), untouched=["agreement.contract"])
case(id="a form feed, a line separator, a carriage return in the first comment: check", exit=0,
     run=["check", "agreement.contract"], files=agreement(("# A small agreement", "#\x0c\u2028\r A small agreement")),
     shows=[r"^checked 1 file: no problems$"])


# ---- the Python API: only the project's errors ------------------------------------------------------------------

API_FILES = {
    "load a FIFO": ("optionrules.load('x.contract')", {"x.contract": fifo()}, "ContractError",
                    at("x.contract") + "cannot read the file: a FIFO"),
    "load a name with a NUL": ("optionrules.load('a\\0b.contract')", {}, "ContractError",
                               r"the file's name has a NUL or a line break"),
    "load_grants a FIFO": ("optionrules.load_grants('form.contract', 'x.csv')", {**form(""), "x.csv": fifo()},
                           "ContractError", at("x.csv") + "cannot read the grants file: a FIFO"),
}
for name, (call, made, error, message) in API_FILES.items():
    case(id=f"Python: {name}", api=call, files=made, raises=error, shows=[message])
