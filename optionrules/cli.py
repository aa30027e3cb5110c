"""The `optionrules` command: a thin shell over the Python API.

Exit codes: 0 clean, 1 problems found, 2 usage or input error.

Everything a person reads (messages, diagnostics, tables, warnings) is printed through `_say`, which shows
control characters and bidirectional overrides from input as escapes. JSON is printed with those characters
as `\\uXXXX` escapes (the same data), CSV with them as `_say` shows them (its cells guarded against
formulas); the text `fmt` prints is the file's, printed as it is.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, TextIO, cast

from optionrules.errors import OptionRulesError, install_hint, one_line, visible, visible_json
from optionrules.limits import MAX_EVALUATIONS, MAX_ROWS, MAX_SCENARIOS

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2


class InputError(Exception):
    """Bad input on the command line or in a file: message printed, exit 2."""


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = _parser(_command_asked(argv))
    args = parser.parse_args(argv)
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = (cast(TextIO, _Stream(stream)) for stream in streams)
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _warn  # a library's warning may quote input (matplotlib: a glyph missing)
            return _run(args)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdout, sys.stderr = streams


def _run(args: argparse.Namespace) -> int:
    from optionrules.files import reading_root

    try:
        with reading_root(_root(args)):
            result: int = args.run(args)
        return result
    except InputError as error:
        _say(str(error), sys.stderr)
        return EXIT_INPUT
    except OptionRulesError as error:  # a file that cannot be read or written, or input that means nothing
        _say(str(error), sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # the last line of defence: a bug must not show users a traceback
        if os.environ.get("OPTIONRULES_DEBUG"):
            raise
        _say(f"optionrules: internal error: {type(error).__name__}: {error}\n"
             "Please report it; run with OPTIONRULES_DEBUG=1 for the traceback.", sys.stderr)
        return 70


def _say(text: str, stream: TextIO | None = None) -> None:
    """Print text a person reads: control characters and bidirectional overrides from input made visible."""
    print(visible(text), file=stream or sys.stdout)


def _warn(message: Warning | str, category: type[Warning], filename: str, lineno: int, file: TextIO | None = None,
          line: str | None = None) -> None:
    _say(warnings.formatwarning(message, category, filename, lineno, line).rstrip("\n"), sys.stderr)


def _print_json(payload: Any) -> None:
    import json

    print(visible_json(json.dumps(payload, indent=2, ensure_ascii=False)))


class _Stream:
    """A standard stream whose reader may go away (`optionrules check | head`). What is written after that
    is dropped, so that the command finishes its work and exits with the code that work had: never 0 where
    problems were found. Text that the stream's encoding cannot hold (a lone surrogate from input) is
    written as escapes, not an error."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")

    def write(self, text: str) -> int:
        try:
            return self.stream.write(text)
        except BrokenPipeError:
            self._gone()
            return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self.stream.flush()
        except BrokenPipeError:
            self._gone()

    def _gone(self) -> None:
        """The reader went away: the descriptor now leads to /dev/null, for what is buffered and what comes."""
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, self.stream.fileno())
        os.close(devnull)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def _root(args: argparse.Namespace) -> str | None:
    root = getattr(args, "root", None)
    if root is not None and not Path(root).is_dir():
        raise InputError(f"optionrules: --root: no folder {root}")
    return root


def _command_asked(argv: Sequence[str]) -> str | None:
    """The command on the command line (its first word that is not an option), if any."""
    return next((arg for arg in argv if not arg.startswith("-")), None)


class _Commands:
    """The subcommands, as `_parser` adds them: every one is listed with its help, but only the command asked for
    (all of them when none is) has its arguments added; building every command's arguments cost a few
    milliseconds on each start. (A word that is no command gets argparse's "invalid choice" message.)"""

    def __init__(self, actions: Any, asked: str | None):
        self.actions, self.asked = actions, asked

    def add_parser(self, name: str, **kwargs: Any) -> Any:
        parser = self.actions.add_parser(name, **kwargs)
        return parser if self.asked in (None, name) else _NotAsked()


class _NotAsked:
    """A command not asked for: what would add its arguments does nothing."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: self


def _parser(asked: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="optionrules",
        description="Check equity agreements written as .contract files and evaluate them against timelines.",
        epilog="Exit codes: 0 clean, 1 problems found, 2 usage or input error.",
    )
    from optionrules import __version__

    parser.add_argument("--version", action="version", version=f"optionrules {__version__}")
    commands = _Commands(parser.add_subparsers(title="commands", metavar="COMMAND", required=True), asked)

    check = commands.add_parser("check", help="check contract files and report every problem",
                                description="Parse and check .contract files (directories are searched "
                                            "for *.contract); report every problem with file:line:col.")
    check.add_argument("paths", nargs="+", metavar="PATH", help="a .contract file, a directory, or - (standard input)")
    check.add_argument("-q", "--quiet", action="store_true", help="print problems only, no summary")
    check.add_argument("--strict", action="store_true",
                       help="count warnings (a quote not found in the agreement's text, ...) as problems")
    _add_root(check)
    check.add_argument("--grants", metavar="FILE.csv",
                       help="also check every grant of this CSV file (a row a grant) with the form among PATHs")
    check.set_defaults(run=_check)

    evaluate = commands.add_parser("eval", help="evaluate a contract against a timeline on given dates",
                                   description="Replay a timeline of events against a contract and report "
                                               "vested, exercised, exercisable, unvested, forfeited, expired, "
                                               "the exercise deadline, whether sales are blocked, and violations.")
    _add_query(evaluate)
    evaluate.add_argument("--format", choices=("text", "json", "csv"), default="text",
                          help="output format (csv: a row per date, every figure and the count of violations)")
    evaluate.set_defaults(run=_eval)

    explain = commands.add_parser("explain", help="explain each figure: the clauses, events, values and assumptions",
                                  description="For each figure (vested, exercised, exercisable, unvested, forfeited, "
                                              "expired, exercise deadline, sale blocked) and each violation: the "
                                              "clauses that produced it, on which events, with which intermediate "
                                              "values; and which assumptions mattered.")
    _add_query(explain)
    explain.add_argument("--format", choices=("text", "json"), default="text", help="a memo, or a JSON tree")
    explain.set_defaults(run=_explain)

    sweep = commands.add_parser("whatif", help="sweep an added event's date, attributes and readings",
                                description="Add an event to a base timeline, vary its date, its attributes and "
                                            "the readings of assumptions, and evaluate every combination: one row "
                                            "each.",
                                epilog="examples: --vary 'termination.date=2003-01-01..2006-12-31 step 1 month' "
                                       "--vary 'termination.reason=resignation,death,cause' "
                                       "--vary 'assume pro_rata_days=exclusive,inclusive'")
    sweep.add_argument("contract", metavar="CONTRACT", help="the .contract file")
    sweep.add_argument("--timeline", metavar="BASE.json", help="the base events, - for standard input (default: none)")
    sweep.add_argument("--vary", action="append", required=True, metavar="SPEC",
                       help="EVENT.date=START..END [step N days|weeks|months|years], EVENT.date=D1,D2, "
                            "EVENT.ATTR=V1,V2 or 'assume NAME=R1,R2' (repeatable)")
    sweep.add_argument("--as-of", dest="as_of", metavar="event+N|DATE",
                       help="N days after the varied event, or a fixed date (default: event+0, or today where no "
                            "date is varied)")
    _add_assume(sweep)
    _add_grants(sweep)
    sweep.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format")
    sweep.add_argument("--chart", metavar="FILE.png|FILE.svg", help="also draw a chart of --figure")
    sweep.add_argument("--figure", default="exercisable", metavar="FIGURE",
                       help="the figure to chart: a number of shares, e.g. vested (default: exercisable)")
    sweep.add_argument("--max-rows", type=_count, default=MAX_ROWS, metavar="N",
                       help=f"refuse a sweep of more than N combinations (default: {MAX_ROWS:,})")
    _add_root(sweep)
    sweep.set_defaults(run=_whatif)

    table = commands.add_parser("schedule", help="the vesting table: every date a figure changes, and why",
                                description="Every date on which a figure changes, with the clause that "
                                            "changed it.")
    table.add_argument("contract", metavar="CONTRACT", help="the .contract file")
    table.add_argument("--timeline", metavar="FILE.json", help="the events, - for standard input (default: none)")
    _add_assume(table)
    _add_grants(table)
    table.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format")
    table.add_argument("--chart", metavar="FILE.png|FILE.svg", help="also draw the figures over time")
    _add_root(table)
    table.set_defaults(run=_schedule)

    test = commands.add_parser("test", help="run the example blocks of contracts",
                               description="Run every example block (a timeline, an as-of date, expected figures) "
                                           "of the contracts given (directories are searched for *.contract). "
                                           "One line per failure with file:line; closes with 'N passed, N failed'.")
    test.add_argument("paths", nargs="+", metavar="PATH", help="a .contract file or a directory")
    test.add_argument("--junit-xml", metavar="FILE", help="also write a JUnit XML report")
    test.add_argument("-v", "--verbose", action="store_true", help="print each example that passes too")
    test.add_argument("--with-dependents", action="store_true",
                      help="also run the agreements under --root (default: the current folder) that use a PATH, "
                           "through `uses` or `form:`, directly or not (a changed plan re-tests its grants)")
    _add_root(test)
    test.set_defaults(run=_test)

    check_all = commands.add_parser("verify", help="check invariants over every bounded timeline",
                                    description="Check the invariants (the buckets partition the grant, vested never "
                                                "decreases, nothing exercisable after the expiration, ...) and the "
                                                "contract's own `invariant` clauses over every single event on "
                                                "every day and every ordered pair of events at month granularity. "
                                                "A failure prints the smallest timeline that shows it. Folders are "
                                                "searched for agreements; plans and forms are verified through the "
                                                "agreements that use them (a form with --grants and --grant).")
    check_all.add_argument("paths", nargs="+", metavar="PATH", help="a .contract file or a folder")
    _add_assume(check_all)
    _add_grants(check_all)
    check_all.add_argument("--jobs", type=int, metavar="N",
                           help="worker processes (default and at most: one per core)")
    check_all.add_argument("--counterexample", metavar="FILE.json",
                           help="write the first counterexample's timeline there, ready for `eval --timeline`")
    check_all.add_argument("--max-evaluations", type=_count, default=MAX_EVALUATIONS, metavar="N",
                           help=f"refuse a search of more than N evaluations (default: {MAX_EVALUATIONS:,})")
    check_all.add_argument("--pairs-every", type=_count, default=1, metavar="N",
                           help="pairs of events every N months after the grant date, not every month: a coarser "
                                "search, about N*N times faster (default: 1)")
    _add_root(check_all)
    check_all.set_defaults(run=_verify)

    fmt = commands.add_parser("fmt", help="print contracts in the canonical layout, or check or rewrite them",
                              description="The canonical layout of .contract files (directories are searched), "
                                          "every comment kept. Without options, print it.")
    fmt.add_argument("paths", nargs="+", metavar="PATH", help="a .contract file or a directory")
    mode = fmt.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="show a diff and exit 1 where a file is not canonical")
    mode.add_argument("--write", action="store_true", help="rewrite files in place (atomically)")
    _add_root(fmt)
    fmt.set_defaults(run=_fmt)

    kinds = commands.add_parser("kinds", help="list the clause kinds of the language and their keys",
                                description="The language reference: every clause kind and its keys.")
    kinds.set_defaults(run=_kinds)
    _add_lsp(commands)
    _add_report(commands)
    _add_portfolio(commands)
    _add_ocf(commands)
    return parser


def _add_query(parser: argparse.ArgumentParser) -> None:
    """A contract, a timeline and as-of dates: what eval and explain ask about."""
    parser.add_argument("contract", metavar="CONTRACT", help="the .contract file")
    parser.add_argument("--timeline", metavar="FILE.json",
                        help='the events: {"events": [{"date": ..., "event": ..., ...}]}, or - for standard input '
                             "(default: none)")
    parser.add_argument("--as-of", action="append", metavar="DATE", type=_date, dest="as_of",
                        help="the date to report on (repeatable: each date in turn; default: today)")
    _add_assume(parser)
    _add_grants(parser)
    _add_root(parser)


def _add_root(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", metavar="DIR",
                        help="read contracts, and the plans and forms they use, inside DIR (default: the folder "
                             "of each contract); paths and links leading out of it are refused")


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return value


def _add_grants(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--grants", metavar="FILE.csv",
                        help="CONTRACT is a form: take the grant --grant from this CSV file (a row a grant)")
    parser.add_argument("--grant", metavar="ID", help="the grant's id (its `id` column, or `row N`)")


def _add_assume(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--assume", action="append", default=[], metavar="NAME=READING",
                        help="take another reading of an assumption the contract names (repeatable)")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _assumptions(pairs: list[str]) -> dict[str, str]:
    readings = {}
    for pair in pairs:
        name, sep, reading = pair.partition("=")
        if not sep or not name or not reading:
            raise InputError(f"optionrules: --assume takes NAME=READING, not {pair!r}")
        readings[name.strip()] = reading.strip()
    return readings


def _readings(contract: Any, pairs: list[str]) -> dict[str, str]:
    """The --assume readings, validated against the contract's assumptions."""
    from optionrules.errors import ReadingError

    assume = _assumptions(pairs)
    try:
        contract.plan(assume)
    except ReadingError as error:
        raise InputError(f"optionrules: --assume: {error}") from None
    return assume


# ---- check ----------------------------------------------------------------------------------


def _check(args: argparse.Namespace) -> int:
    from optionrules.check import check_source
    from optionrules.errors import render_all
    from optionrules.files import contract_files, display_name, read_source

    paths, unsearchable = contract_files(args.paths)
    if unsearchable:
        _say(render_all(unsearchable), sys.stderr)
    checked = problems = warnings = grants = 0
    forms = []  # the forms among the files: --grants makes its grants from one of them
    for path in paths:
        text, diagnostics = read_source(path)
        if text is None:
            _say(render_all(diagnostics), sys.stderr)
            continue
        checked += 1
        model, diagnostics = check_source(text, display_name(path))
        if model.role == "form":
            forms.append(path)
        if diagnostics:
            problems += sum(d.stands_for for d in diagnostics if d.severity == "error" or args.strict)
            warnings += sum(d.stands_for for d in diagnostics if d.severity != "error" and not args.strict)
            _say(render_all(diagnostics, model.sources))
    if not paths and not unsearchable:
        _say("optionrules: no .contract files found", sys.stderr)
        return EXIT_INPUT
    if args.grants:
        grants, grant_problems = _check_grants(forms, args.grants)
        problems += grant_problems
    if not args.quiet:
        _say(_check_summary(checked, len(paths), len(unsearchable), problems, grants if args.grants else None)
             + (f", {warnings} warning{'' if warnings == 1 else 's'}" if warnings else ""))
    if checked < len(paths) or unsearchable:
        return EXIT_INPUT
    return EXIT_FINDINGS if problems else EXIT_OK


def _counted(n: int, noun: str) -> str:
    """`1 file`, `10,000 grants`."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _check_summary(checked: int, files: int, unsearchable: int, problems: int, grants: int | None) -> str:
    """`checked 3 files: no problems`; never "no problems" (nor "0 problems") where a file or folder was not
    read."""
    made = f" and {_counted(grants, 'grant')}" if grants is not None else ""
    if checked == files and not unsearchable:
        found = _counted(problems, "problem") if problems else "no problems"
        return f"checked {_counted(files, 'file')}{made}: {found}"
    said = [_counted(problems, "problem")] if problems else []  # "0 problems" would read as all clear
    said += [f"{files - checked:,} could not be read"] if checked < files else []
    said += [f"{_counted(unsearchable, 'folder')} could not be searched"] if unsearchable else []
    return f"checked {checked:,} of {_counted(files, 'file')}{made}: {'; '.join(said)}"


# ---- eval -----------------------------------------------------------------------------------


def _load(args: argparse.Namespace) -> Any:
    """The contract named; or, with --grants, the grant --grant of the CSV file made with the form named."""
    from optionrules.contract import load
    from optionrules.errors import ContractError
    from optionrules.grants import find_grant

    if args.grants is not None and args.grant is None:
        raise InputError(f"optionrules: --grants: name the grant with --grant ID (or `row N`); to evaluate every "
                         f"grant: optionrules portfolio {args.contract} --grants {args.grants}")
    try:
        if args.grants is None:
            return load(args.contract)
        return find_grant(args.contract, args.grants, args.grant)
    except ContractError as error:
        raise InputError(str(error)) from None


def _check_grants(forms: Sequence[Path], csv_path: str) -> tuple[int, int]:
    """Check every grant of the CSV file with the one form among the files checked: (grants, problems)."""
    from optionrules.errors import render_all
    from optionrules.grants import check_grants

    if len(forms) != 1:
        raise InputError(f"optionrules: --grants needs exactly one form among the paths ({len(forms)} found)")
    made, problems, sources = check_grants(forms[0], csv_path)
    if problems:
        _say(render_all(problems, sources))
    return len(made), len(problems)


def _timeline(contract: Any, path: str | None) -> Any:
    from optionrules.errors import TimelineError

    try:
        return contract.load_timeline(path) if path else contract.timeline([])
    except TimelineError as error:
        raise InputError(str(error)) from None


def _eval(args: argparse.Namespace) -> int:
    from optionrules.render import evaluation_text, evaluations_csv, evaluations_table

    contract = _load(args)
    timeline = _timeline(contract, args.timeline)
    assume = _readings(contract, args.assume)
    dates = args.as_of or [date.today()]
    results = contract.evaluate_many(timeline, dates, assume)
    if args.format == "json":
        _print_dated_json([r.to_dict() for r in results], "evaluations")
        return EXIT_OK
    if args.format == "csv":
        _say(evaluations_csv(results).rstrip("\n"))
        return EXIT_OK
    heading = one_line(contract.model.heading)
    _say(evaluation_text(results[0], heading) if len(results) == 1 else evaluations_table(results, heading))
    return EXIT_OK


def _print_dated_json(payloads: list[dict[str, Any]], key: str) -> None:
    """One as-of date: its object; several: an object holding them under `key` (see optionrules/schemas)."""
    from optionrules.schemas import versioned

    _print_json(payloads[0] if len(payloads) == 1 else versioned({key: payloads}))


def _explain(args: argparse.Namespace) -> int:
    contract = _load(args)
    timeline = _timeline(contract, args.timeline)
    assume = _readings(contract, args.assume)
    explanations = [contract.explain(timeline, day, assume) for day in args.as_of or [date.today()]]
    if args.format == "json":
        _print_dated_json([e.to_dict() for e in explanations], "explanations")
    else:
        _say("\n\n".join(e.text() for e in explanations))
    return EXIT_OK


def _whatif(args: argparse.Namespace) -> int:
    _chart_path(args.chart)
    contract = _load(args)
    timeline = _timeline(contract, args.timeline)
    assume = _readings(contract, args.assume)
    try:
        result = contract.whatif(timeline, args.vary, args.as_of, assume, _progress_bar("rows"), args.max_rows)
    except ValueError as error:
        raise InputError(f"optionrules: {error}") from None
    if args.chart:
        _chart_figure(args.figure, result.header)
        _chart(lambda: result.plot(args.figure), args.chart)
    _output(args.format, result.table, result.to_csv, result.to_json)
    return EXIT_OK


def _schedule(args: argparse.Namespace) -> int:
    _chart_path(args.chart)
    contract = _load(args)
    timeline = _timeline(contract, args.timeline)
    table = contract.schedule(timeline, _readings(contract, args.assume))
    if args.chart:
        _chart(table.plot, args.chart)
    _output(args.format, table.table, table.to_csv, table.to_json)
    return EXIT_OK


def _chart_figure(figure: str, columns: list[str]) -> None:
    """--figure names a number of shares the sweep reports."""
    from optionrules.errors import did_you_mean
    from optionrules.figures import BY_NAME, FigureKind

    charted = [c for c in columns if c in BY_NAME and BY_NAME[c].kind is FigureKind.SHARES]
    if figure not in charted:
        hint = did_you_mean(figure, charted)
        raise InputError(f"optionrules: --figure: {figure!r} is not a number of shares the sweep reports "
                         f"(one of: {', '.join(charted)}){'; ' + hint if hint else ''}")


def _output(form: str, table: Any, csv: Any, json: Any) -> None:
    """A table for a person to read; CSV and JSON as data (see the module's docstring)."""
    if form == "table":
        _say(table())
    elif form == "csv":
        _say(csv().rstrip("\n"))
    else:
        print(visible_json(json()))


def _chart_path(path: str | None) -> None:
    """Before any work: --chart names a .png or .svg file that can be written, not through a link out of its
    folder."""
    from optionrules.files import check_output

    if path is None:
        return
    if not path.lower().endswith((".png", ".svg")):
        raise InputError(f"optionrules: --chart: write to a .png or .svg file, not {path!r}")
    check_output(path, "chart")


def _chart(draw: Any, path: str) -> None:
    """Draw and save a chart, or say why not (matplotlib missing)."""
    from optionrules.charts import ChartError, save

    try:
        save(draw(), path)
    except ChartError as error:
        raise InputError(f"optionrules: --chart: {error}") from None
    except OSError as error:
        raise InputError(f"optionrules: --chart: cannot write {path}: {error.strerror or error}") from None


def _progress_bar(unit: str, announce: bool = True) -> Any:
    """For work long enough to need it: its size said before it starts; on a terminal, a progress bar; in a
    log (not a terminal), a line every 10 seconds."""
    import time

    shown = [-1]
    logged = [time.monotonic()]

    def progress(done: int, total: int) -> None:
        if total < 2000:
            return
        if done == 0 and announce:
            print(f"optionrules: {total:,} {unit} to evaluate", file=sys.stderr)
        if not sys.stderr.isatty():
            if time.monotonic() - logged[0] >= 10 and done < total:
                logged[0] = time.monotonic()
                print(f"optionrules: {done * 100 // total}%: {done:,} of {total:,} {unit}", file=sys.stderr, flush=True)
            return
        percent = done * 100 // total
        if percent != shown[0]:
            shown[0] = percent
            bar = "#" * (percent // 4)
            end = "\n" if done == total else ""
            print(f"\r  [{bar:<25}] {percent:3d}%  {done:,}/{total:,} {unit}", end=end, file=sys.stderr, flush=True)

    return progress


def _contract_files(args: argparse.Namespace) -> list[Path]:
    """The files named and found, for the commands that stop at the first one they cannot read."""
    from optionrules.errors import render_all
    from optionrules.files import contract_files

    paths, unsearchable = contract_files(args.paths)
    if unsearchable:
        raise InputError(render_all(unsearchable))
    if not paths:
        raise InputError("optionrules: no .contract files found")
    return paths


def _test(args: argparse.Namespace) -> int:
    import time

    from optionrules.contract import Contract
    from optionrules.errors import render_all
    from optionrules.examples import ExampleResult, junit_xml, run_examples
    from optionrules.files import check_output, write_text

    if args.junit_xml:
        check_output(args.junit_xml, "JUnit report")  # before any work
    started = time.perf_counter()
    passed = failed = unchecked = 0
    suites: list[tuple[str, list[ExampleResult], list[str]]] = []
    for name, model, diagnostics in _tested(args):
        if diagnostics:
            _say(render_all(diagnostics, model.sources))
        diagnostics = [d for d in diagnostics if d.severity == "error"]  # warnings shown, not failures
        if diagnostics:
            unchecked += 1
            suites.append((name, [], [d.render(model.sources) for d in diagnostics]))
            continue
        if model.role != "agreement":
            continue  # a plan or a form is tested through the agreements made with it
        results = run_examples(Contract(model))
        for result in results:
            for failure in result.failures:
                _say(str(failure))
            if args.verbose and result.passed:
                _say(f"{name}:{result.example.ref.span.line}: example {result.example.ref.name}: ok")
        passed += sum(r.passed for r in results)
        failed += sum(not r.passed for r in results)
        suites.append((name, results, []))
    if args.junit_xml:
        write_text(args.junit_xml, junit_xml(suites, time.perf_counter() - started), "JUnit report")
    not_checked = f"; {_counted(unchecked, 'file')} {'does' if unchecked == 1 else 'do'} not check" if unchecked else ""
    print(f"{passed:,} passed, {failed:,} failed{not_checked}")
    if unchecked:  # input that means nothing, as for eval, verify and fmt (the report says which, as an error)
        return EXIT_INPUT
    return EXIT_FINDINGS if failed else EXIT_OK


def _tested(args: argparse.Namespace) -> list[tuple[str, Any, list[Any]]]:
    """The contracts `test` runs, checked: those named, and with --with-dependents those under the root that use
    one of them (through their plans and forms, at any depth)."""
    named = _contract_files(args)
    contracts = [_checked(path) for path in named]
    if args.with_dependents:
        changed = {os.path.realpath(path) for path in named}
        for path in _under_root(args):
            if os.path.realpath(path) not in changed:
                name, model, diagnostics = _checked(path)
                if model.role == "agreement" and changed & {os.path.realpath(used) for used in model.sources}:
                    contracts.append((name, model, diagnostics))
    return contracts


def _checked(path: Path) -> tuple[str, Any, list[Any]]:
    from optionrules.check import check_source
    from optionrules.errors import render_all
    from optionrules.files import display_name, read_source

    text, problems = read_source(path)
    if text is None:
        raise InputError(render_all(problems))
    name = display_name(path)
    model, diagnostics = check_source(text, name)
    return name, model, diagnostics


def _under_root(args: argparse.Namespace) -> list[Path]:
    """Every contract under --root, or the current folder."""
    from optionrules.errors import render_all
    from optionrules.files import contract_files

    paths, unsearchable = contract_files([args.root or "."])
    if unsearchable:
        raise InputError(render_all(unsearchable))
    return paths


def _verify(args: argparse.Namespace) -> int:
    """Verify each agreement named or found; a plan or a form is skipped, saying why."""
    from optionrules.check import check_source
    from optionrules.contract import Contract
    from optionrules.errors import render_all
    from optionrules.files import check_output, display_name, read_source
    from optionrules.limits import cores

    if args.counterexample:
        check_output(args.counterexample, "counterexample")  # before any work
    if args.jobs is not None and args.jobs < 1:
        raise InputError("optionrules: --jobs must be at least 1")
    if args.jobs is not None and args.jobs > cores():
        _say(f"optionrules: --jobs {args.jobs}: this process may use {cores()} cores: {cores()} jobs", sys.stderr)
    if args.grants is not None:
        if len(args.paths) != 1:
            raise InputError("optionrules: --grants: name one form, not several paths")
        args.contract = args.paths[0]
        return _verify_one(args, _load(args))
    failed = verified = 0
    for path in _contract_files(args):
        args.contract = display_name(path)
        text, problems = read_source(path)
        if text is None:
            raise InputError(render_all(problems))
        model, diagnostics = check_source(text, args.contract)
        if any(d.severity == "error" for d in diagnostics):
            raise InputError(render_all(diagnostics, model.sources))
        if model.role != "agreement":
            _say(f"{args.contract}: skipped: a {model.role} (verified through the agreements that use it)")
            continue
        verified += 1
        failed += _verify_one(args, Contract(model)) != EXIT_OK
    if not verified:
        raise InputError("optionrules: verify: no agreement among the paths (only plans and forms)")
    return EXIT_FINDINGS if failed else EXIT_OK


def _verify_one(args: argparse.Namespace, contract: Any) -> int:
    import json

    from optionrules.files import write_text
    from optionrules.verify import search_space, verify

    assume = _readings(contract, args.assume)
    space = search_space(contract, assume, pairs_every=args.pairs_every)
    _say(f"optionrules verify {args.contract}: {space.timelines:,} timelines, about {space.evaluations:,} "
         f"evaluations", sys.stderr)
    try:
        report = verify(contract, assume, jobs=args.jobs, progress=_progress_bar("evaluations", announce=False),
                        max_evaluations=args.max_evaluations, pairs_every=args.pairs_every)
    except ValueError as error:  # the search is larger than --max-evaluations
        raise InputError(f"optionrules: {error}") from None
    if report.ok:
        _say(f"{args.contract}: every invariant holds ({report.summary})")
        return EXIT_OK
    for counterexample in report.counterexamples:
        _say(f"{args.contract}: {counterexample}")
        _say(f"  re-run: optionrules eval {args.contract} --timeline TIMELINE.json "
             f"--as-of {counterexample.as_of.isoformat()}")
    if args.counterexample:
        timeline = report.counterexamples[0].timeline()
        write_text(args.counterexample, json.dumps(timeline, indent=2) + "\n", "counterexample")
    print(f"{args.contract}: {len(report.counterexamples)} invariant(s) fail ({report.summary})")
    return EXIT_FINDINGS


def _fmt(args: argparse.Namespace) -> int:
    import difflib

    from optionrules.errors import render_all
    from optionrules.files import STDIN, check_writable, display_name, read_source, write_text
    from optionrules.format import format_text
    from optionrules.parse import parse

    paths = _contract_files(args)
    if args.write and any(str(path) == STDIN for path in paths):
        raise InputError("optionrules: fmt --write: standard input cannot be rewritten")
    formatted: list[tuple[Path, str, str]] = []
    for path in paths:  # everything is read and formatted before anything is written
        text, problems = read_source(path)
        if text is None:
            raise InputError(render_all(problems))
        name = display_name(path)
        module, problems = parse(text, name)
        if problems:
            raise InputError(render_all(problems, {name: text}) + f"\n{name}: not formatted: it does not parse")
        formatted.append((path, text, format_text(module, text)))
    changed = [(path, text, new) for path, text, new in formatted if new != text]
    if args.check:
        for path, text, new in changed:
            name = display_name(path)
            _say("".join(difflib.unified_diff(text.splitlines(True), new.splitlines(True), name,
                                              f"{name} (formatted)")).rstrip("\n"))
        if changed:
            print(f"{len(changed):,} of {_counted(len(formatted), 'file')} would be reformatted")
        return EXIT_FINDINGS if changed else EXIT_OK
    if args.write:
        changed = _each_file_once(changed)
        for path, _, _ in changed:
            check_writable(path, "contract")  # every file, before any is written
        for path, text, new in changed:
            write_text(path, new, "contract", expected=text)
            _say(f"reformatted {path}")
        return EXIT_OK
    for path, _, new in formatted:
        if len(formatted) > 1:
            _say(f"==> {display_name(path)} <==")
        sys.stdout.write(new)
    return EXIT_OK


def _each_file_once(changed: list[tuple[Path, str, str]]) -> list[tuple[Path, str, str]]:
    """A file reached by two names (a link and the file it leads to, two hard links) once: written through the
    second, it would have changed since it was read."""
    seen: set[tuple[int, int]] = set()
    once = []
    for entry in changed:
        try:
            found = os.stat(entry[0])
        except OSError:  # gone since it was read: writing it says so
            once.append(entry)
            continue
        if (found.st_dev, found.st_ino) not in seen:
            seen.add((found.st_dev, found.st_ino))
            once.append(entry)
    return once


def _kinds(args: argparse.Namespace) -> int:
    from optionrules.render import kinds_text

    print(kinds_text())
    return EXIT_OK


# ---- lsp ------------------------------------------------------------------------------------

LSP_INSTALL_HINT = f"optionrules lsp needs pygls: {install_hint('lsp')}"


def _add_lsp(commands: Any) -> None:
    lsp = commands.add_parser("lsp", help="the language server for editors (over stdio)",
                              description="A Language Server Protocol server over stdin and stdout: diagnostics "
                                          "as you type, hover, completion, go to definition, symbols, formatting "
                                          "and quick fixes. Editors start it; it needs the [lsp] extra.")
    lsp.set_defaults(run=_lsp)


def _lsp(args: argparse.Namespace) -> int:
    try:
        from optionrules.lsp.server import serve
    except ImportError as error:
        raise InputError(f"{LSP_INSTALL_HINT} ({error})") from None
    serve()
    return EXIT_OK


# ---- report ---------------------------------------------------------------------------------


def _add_report(commands: Any) -> None:
    report = commands.add_parser("report", help="an HTML page: the agreement's text beside its clauses",
                                 description="Write one self-contained HTML page to review an encoding: the "
                                             "agreement's text (the header's `source:`) with each clause's quote "
                                             "highlighted and linked to the clause, the examples and their "
                                             "results, and the vesting schedule (a chart with the [plot] extra).")
    report.add_argument("contract", metavar="CONTRACT", help="the .contract file")
    report.add_argument("--out", required=True, metavar="FILE.html", help="where to write the page")
    _add_root(report)
    report.set_defaults(run=_report)


def _report(args: argparse.Namespace) -> int:
    from optionrules.files import check_output, reading_root
    from optionrules.report import write_report

    check_output(args.out, "report")  # before any work
    with reading_root(args.root or Path(args.contract).parent):  # the agreement's text (`source:`) too
        write_report(args.contract, args.out)
    _say(f"wrote {args.out}")
    return EXIT_OK


# ---- portfolio ------------------------------------------------------------------------------------------

PORTFOLIO_INSTALL_HINT = f"optionrules portfolio needs numpy, pyarrow, pandas and dask: {install_hint('portfolio')}"
_FORMATS = ("table", "csv", "json", "parquet")


def _add_portfolio(commands: Any) -> None:
    p = commands.add_parser(
        "portfolio", help="every grant of a form at once: figures, totals, what-ifs and sampled scenarios",
        description="Evaluate every grant of a grants table (CSV or Parquet, or a folder of Parquet files) made "
                    "with FORM, with the events of an events table, on each --as-of date: one row per grant and "
                    "date with every figure, and totals (overall, and per value of --by). A bad row is reported "
                    "by row and column and the others are evaluated; the exit is 1 when any row was bad. With "
                    "--vary, one row of totals per combination; with --sample-rate, the distribution of each "
                    "total over sampled scenarios. Needs the [portfolio] extra.",
        epilog="examples: --vary 'change_of_control.date=2026-06-30' --vary 'change_of_control.assumed=false' "
               "--vary 'termination.date=2026-09-30' --vary 'termination.reason=resignation'; "
               "--sample-rate 10%% --sample-with reason=resignation --sample-from 2026-01-01 --scenarios 200")
    p.add_argument("contract", metavar="FORM", nargs="?", help="the form the grants are made with")
    p.add_argument("--grants", metavar="FILE",
                   help="the grants: .csv or .parquet, or a folder of .parquet files (a column per parameter, an "
                        "`id` column)")
    p.add_argument("--ocf", metavar="PATH",
                   help="in place of FORM, --grants and --events: an OCF package (a folder with a manifest, or a "
                        "zip), imported as `ocf import` does, each form it makes evaluated with its grants")
    p.add_argument("--events", metavar="FILE",
                   help="the events: .csv, .parquet or .jsonl with grant_id, date and event columns, then the "
                        "events' attributes")
    p.add_argument("--as-of", action="append", metavar="DATE", type=_date, dest="as_of",
                   help="the date to report on (repeatable; default: today)")
    p.add_argument("--by", metavar="COLUMN", help="also total per value of this column of the grants table")
    p.add_argument("--format", choices=_FORMATS, default="table",
                   help="table: the totals for a person; csv, json, parquet: every row (default: table)")
    p.add_argument("--output", metavar="FILE", help="write the rows there (the format --format names)")
    _add_assume(p)
    scenarios = p.add_argument_group("what-ifs across every grant")
    scenarios.add_argument("--vary", action="append", default=[], metavar="SPEC",
                           help="as for whatif: EVENT.date=..., EVENT.ATTR=V1,V2, 'assume NAME=R1,R2' (repeatable); "
                                "one row of totals per combination, as of --as-of (or event+N)")
    scenarios.add_argument("--at", default="event+0", metavar="event+N|DATE",
                           help="with --vary: the as-of date of each combination (default: event+0, or --as-of)")
    scenarios.add_argument("--sample-rate", metavar="RATE",
                           help="sample a service-ending event per grant at this yearly rate (e.g. 10%%)")
    scenarios.add_argument("--sample-event", metavar="EVENT", help="the event sampled (default: the one that "
                                                                    "ends service)")
    scenarios.add_argument("--sample-with", action="append", default=[], metavar="ATTR=VALUE",
                           help="an attribute of the sampled event (repeatable)")
    scenarios.add_argument("--sample-from", type=_date, metavar="DATE",
                           help="the waiting times start on this date (default: today)")
    scenarios.add_argument("--scenarios", type=_count, default=100, metavar="N", help="scenarios sampled (default 100)")
    scenarios.add_argument("--seed", type=int, default=0, metavar="S", help="the seed of the draws (default 0)")
    scenarios.add_argument("--max-rows", type=_count, default=MAX_ROWS, metavar="N",
                           help=f"refuse --vary of more than N combinations (default: {MAX_ROWS:,})")
    scenarios.add_argument("--max-scenarios", type=_count, default=MAX_SCENARIOS, metavar="N",
                           help=f"refuse more than N sampled scenarios (default: {MAX_SCENARIOS:,})")
    p.add_argument("--dask", metavar="ADDRESS",
                   help="run partitions and scenario batches on a Dask cluster: a scheduler's address "
                        "(tcp://host:8786), or local:N for N workers on this machine")
    _add_root(p)
    p.set_defaults(run=_portfolio)


def _portfolio(args: argparse.Namespace) -> int:
    from optionrules.files import check_output

    if args.ocf is not None:
        if args.contract or args.grants or args.events or args.vary or args.sample_rate or args.output:
            raise InputError("optionrules: --ocf takes the place of FORM, --grants and --events (and gives totals: "
                             "no --vary, --sample-rate or --output)")
        return _portfolio_ocf(args)
    if not args.contract or not args.grants:
        raise InputError("optionrules portfolio: name a FORM and its --grants, or an OCF package with --ocf")

    if args.format == "table" and args.output and not args.output.lower().endswith((".csv", ".json", ".parquet")):
        raise InputError("optionrules: --output: name a .csv, .json or .parquet file (or give --format)")
    if args.format == "parquet" and not args.output:
        raise InputError("optionrules: --format parquet writes a file: name it with --output")
    if args.output:
        check_output(args.output, "output")  # before any work
    if args.vary and args.sample_rate:
        raise InputError("optionrules: --vary and --sample-rate are two kinds of scenario: give one")
    try:
        from optionrules import portfolio
    except ImportError as error:
        raise InputError(f"{PORTFOLIO_INSTALL_HINT} ({error})") from None
    client = None
    if args.dask:
        from optionrules.cluster import connect

        client = connect(args.dask)
    try:
        return _portfolio_run(args, portfolio, client)
    finally:
        if client is not None:
            from optionrules.cluster import close

            close(client)


def _portfolio_run(args: argparse.Namespace, portfolio: Any, client: Any) -> int:
    form = portfolio.load_form(args.contract)
    assume = _assumptions(args.assume)
    common = {"events": args.events, "assume": assume, "by": args.by, "client": client,
              "progress": _ticker("scenarios" if args.vary or args.sample_rate else "grants")}
    if args.vary:
        at = args.as_of[0] if args.as_of else args.at
        result = portfolio.whatif(form, args.grants, vary=args.vary, as_of=at, max_rows=args.max_rows, **common)
        return _scenario_output(args, result, result.to_pandas())
    if args.sample_rate:
        attributes = dict(_pair(p, "--sample-with") for p in args.sample_with)
        result = portfolio.sample(form, args.grants, as_of=args.as_of, rate=args.sample_rate,
                                  scenarios=args.scenarios, seed=args.seed, event=args.sample_event,
                                  attributes=attributes, start=args.sample_from, max_scenarios=args.max_scenarios,
                                  **common)
        return _scenario_output(args, result, result.distribution())
    result = portfolio.evaluate(form, args.grants, as_of=args.as_of, **common)
    _problems(result)
    if args.format == "table" and not args.output:
        _say(result.summary())
        _say(_frame_text(result.totals()))
    else:
        _write_frame(args, result.to_pandas(), result.to_arrow(), {"summary": result.summary()})
        _say(result.summary(), sys.stderr)
    return EXIT_FINDINGS if result.problems else EXIT_OK


def _portfolio_ocf(args: argparse.Namespace) -> int:
    """A cap table straight from OCF: the package imported, each form evaluated with its grants and events."""
    imported = _ocf_read(args.ocf)
    try:
        from optionrules import portfolio  # noqa: F401
    except ImportError as error:
        raise InputError(f"{PORTFOLIO_INSTALL_HINT} ({error})") from None
    _unmapped(imported)
    problems = False
    for form, result in imported.evaluate(args.as_of, _assumptions(args.assume)):
        _problems(result)
        problems = problems or bool(result.problems)
        _say(f"{form.stem} (OCF vesting terms {form.terms_id}, {form.award}): {result.summary()}")
        _say(_frame_text(result.totals()))
    if not imported.forms:
        _say("no grant of the package could be mapped")
    return EXIT_FINDINGS if problems or imported.unmapped else EXIT_OK


def _scenario_output(args: argparse.Namespace, result: Any, frame: Any) -> int:
    """What-ifs and samples: what was varied or sampled, then a row per combination (or the distribution)."""
    _problems(result.base)
    _say(result.described, sys.stderr if args.format != "table" or args.output else None)
    if args.format == "table" and not args.output:
        _say(result.base.summary())
        _say(_frame_text(frame))
    else:
        import pyarrow as pa

        _write_frame(args, frame, pa.Table.from_pandas(frame, preserve_index=False), {"described": result.described})
    return EXIT_FINDINGS if result.base.problems else EXIT_OK


def _problems(result: Any) -> None:
    from optionrules.errors import render_all

    if result.problems:
        _say(render_all(result.problems), sys.stderr)


def _pair(text: str, flag: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip() or not value.strip():
        raise InputError(f"optionrules: {flag} takes NAME=VALUE, not {text!r}")
    return name.strip(), value.strip()


def _frame_text(frame: Any) -> str:
    import pandas as pd

    from optionrules.printer import show_value
    from optionrules.render import table

    def cell(value: Any) -> str:
        if pd.isna(value):
            return ""  # no deadline; the overall row of totals `by` a column
        if isinstance(value, pd.Timestamp):
            return str(value.date().isoformat())
        return show_value(value)

    rows = [[cell(v) for v in record] for record in frame.itertuples(index=False)]
    return "\n".join(table([str(c) for c in frame.columns], rows))


def _write_frame(args: argparse.Namespace, frame: Any, arrow: Any, about: dict[str, str]) -> None:
    """Rows as CSV or JSON (to --output or standard output), or Parquet (to --output)."""
    from optionrules.portfolio import write_rows

    text = write_rows(arrow, args.format, args.output, about)
    if text is not None:
        print(text.rstrip("\n"))


def _ticker(unit: str) -> Any:
    """Progress of a long run: a bar on a terminal, elsewhere a line every few seconds."""
    import time

    bar = _progress_bar(unit)
    last = [time.monotonic()]

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            bar(done, total)
        elif (done == 0 and total >= 2000) or time.monotonic() - last[0] >= 5 or (done == total and total >= 2000):
            last[0] = time.monotonic()
            print(f"optionrules: {done:,}/{total:,} {unit}", file=sys.stderr, flush=True)

    return progress


# ---- Open Cap Format ------------------------------------------------------------------------------------

OCF_INSTALL_HINT = f"optionrules ocf needs jsonschema: {install_hint('ocf')}"
MAX_UNMAPPED_SHOWN = 50  # lines of what was not mapped printed (unmapped.csv lists every one)


def _add_ocf(commands: Any) -> None:
    ocf = commands.add_parser("ocf", help="Open Cap Format (OCF 1.2.0): import a package, export grants",
                              description="Import an OCF package as forms, grants and events tables, or export a "
                                          "form's grants as an OCF package. Needs the [ocf] extra.")
    actions = ocf.add_subparsers(dest="action", required=True, metavar="ACTION")
    read = actions.add_parser(
        "import", help="an OCF package as forms, grants tables and events tables",
        description="Read the manifest of an OCF package (a folder, or a zip) and every file it lists, validated "
                    "against the OCF schemas, and write into --out a form per vesting terms object and award type "
                    "(FORM.contract), its grants (FORM.grants.csv) and their events (FORM.events.csv), which "
                    "`optionrules portfolio` reads; unmapped.csv lists every object and field not mapped, with "
                    "why. Exit 1 when something was not mapped; 2 on invalid input (nothing is written).")
    read.add_argument("path", metavar="PATH", help="a folder holding an OCF manifest, the manifest, or a zip")
    _add_out_folder(read)
    read.set_defaults(run=_ocf_import)
    out = actions.add_parser(
        "export", help="a form's grants, their events and the vesting computed, as an OCF package",
        description="Write into --out an OCF package: the form's vesting as vesting terms, each grant's issuance "
                    "with the vestings the contract computes as of --as-of, its vesting start, and its exercises, "
                    "cancellations and repurchases; validated against the OCF schemas. What OCF cannot carry is "
                    "listed (exit 1).")
    out.add_argument("contract", metavar="FORM", help="the form the grants are made with")
    out.add_argument("--grants", required=True, metavar="FILE", help="the grants: a CSV file, a row a grant")
    out.add_argument("--events", metavar="FILE", help="the events: a CSV file (grant_id, date, event, attributes)")
    out.add_argument("--as-of", required=True, metavar="DATE", type=_date, dest="as_of",
                     help="the package's date: events after it are left out, vestings computed up to it")
    _add_out_folder(out)
    out.set_defaults(run=_ocf_export)


def _add_out_folder(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, metavar="DIR", help="the folder to write into (created if need be)")


def _ocf_module() -> Any:
    try:
        import jsonschema  # noqa: F401

        from optionrules import ocf
    except ImportError as error:
        raise InputError(f"{OCF_INSTALL_HINT} ({error})") from None
    return ocf


def _ocf_read(path: str) -> Any:
    return _ocf_module().read(path)


def _out_folder(out: str) -> None:
    """Refuse, before any work, an --out that is not a folder or cannot be made one."""
    from optionrules.files import no_link_out

    no_link_out(out, "output folder")
    target = Path(out)
    if target.exists() and not target.is_dir():
        raise InputError(f"optionrules: --out: {out} is not a folder")
    if not target.exists() and not target.parent.is_dir():
        raise InputError(f"optionrules: --out: no folder {target.parent}")


def _unmapped(imported: Any) -> None:
    for item in imported.unmapped[:MAX_UNMAPPED_SHOWN]:
        _say(f"{item.file}, object {item.object_id}, {item.field}: not mapped: {item.reason}", sys.stderr)
    if len(imported.unmapped) > MAX_UNMAPPED_SHOWN:
        _say(f"... {len(imported.unmapped) - MAX_UNMAPPED_SHOWN:,} more (unmapped.csv lists them all)", sys.stderr)


def _ocf_import(args: argparse.Namespace) -> int:
    _out_folder(args.out)
    imported = _ocf_read(args.path)  # raises, naming every problem, before anything is written
    imported.write(args.out)
    _unmapped(imported)
    for form in imported.forms:
        _say(f"wrote {Path(args.out) / form.stem}.contract: {len(form.grants):,} grants, {len(form.events):,} "
             f"events (OCF vesting terms {form.terms_id}, {form.award})")
    _say(f"{len(imported.forms)} forms; {len(imported.unmapped):,} things not mapped"
         + (f" (listed in {Path(args.out) / 'unmapped.csv'})" if imported.unmapped else ""))
    return EXIT_FINDINGS if imported.unmapped else EXIT_OK


def _ocf_export(args: argparse.Namespace) -> int:
    _out_folder(args.out)
    exported = _ocf_module().write(args.contract, args.grants, args.events, args.as_of)
    written = exported.write(args.out)  # validated against the schemas first
    for item in exported.not_carried[:MAX_UNMAPPED_SHOWN]:
        _say(f"{item.where}: not carried: {item.reason}", sys.stderr)
    if len(exported.not_carried) > MAX_UNMAPPED_SHOWN:
        _say(f"... {len(exported.not_carried) - MAX_UNMAPPED_SHOWN:,} more", sys.stderr)
    _say(f"wrote {len(written)} OCF files into {args.out}; {len(exported.not_carried):,} things not carried")
    return EXIT_FINDINGS if exported.not_carried else EXIT_OK
