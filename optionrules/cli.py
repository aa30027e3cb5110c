"""The `optionrules` command: a thin shell over the Python API.

Exit codes: 0 clean, 1 problems found, 2 usage or input error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2


class InputError(Exception):
    """Bad input on the command line or in a file: message printed, exit 2."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        result: int = args.run(args)
        return result
    except InputError as error:
        print(str(error), file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # the last line of defence: a bug must not show users a traceback
        if os.environ.get("OPTIONRULES_DEBUG"):
            raise
        print(f"optionrules: internal error: {type(error).__name__}: {error}\n"
              "Please report it; run with OPTIONRULES_DEBUG=1 for the traceback.", file=sys.stderr)
        return 70


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="optionrules",
        description="Check equity agreements written as .contract files and evaluate them against timelines.",
        epilog="Exit codes: 0 clean, 1 problems found, 2 usage or input error.",
    )
    from optionrules import __version__

    parser.add_argument("--version", action="version", version=f"optionrules {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    check = commands.add_parser("check", help="check contract files and report every problem",
                                description="Parse and check .contract files (directories are searched "
                                            "for *.contract); report every problem with file:line:col.")
    check.add_argument("paths", nargs="+", metavar="PATH", help="a .contract file or a directory")
    check.add_argument("-q", "--quiet", action="store_true", help="print problems only, no summary")
    check.add_argument("--grants", metavar="FILE.csv",
                       help="also check every grant of this CSV file (a row a grant) with the form among PATHs")
    check.set_defaults(run=_check)

    evaluate = commands.add_parser("eval", help="evaluate a contract against a timeline on given dates",
                                   description="Replay a timeline of events against a contract and report "
                                               "vested, exercised, exercisable, unvested, forfeited, expired, "
                                               "the exercise deadline, whether sales are blocked, and violations.")
    _add_query(evaluate, several=True)
    evaluate.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    evaluate.set_defaults(run=_eval)

    explain = commands.add_parser("explain", help="explain each figure: the clauses, events, values and assumptions",
                                  description="For each figure (vested, exercised, exercisable, unvested, forfeited, "
                                              "expired, exercise deadline, sale blocked) and each violation: the "
                                              "clauses that produced it, on which events, with which intermediate "
                                              "values; and which assumptions mattered.")
    _add_query(explain, several=False)
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
    sweep.add_argument("--timeline", metavar="BASE.json", help="the base events (default: none)")
    sweep.add_argument("--vary", action="append", required=True, metavar="SPEC",
                       help="EVENT.date=START..END [step N days|weeks|months|years], EVENT.date=D1,D2, "
                            "EVENT.ATTR=V1,V2 or 'assume NAME=R1,R2' (repeatable)")
    sweep.add_argument("--as-of", default="event+0", dest="as_of", metavar="event+N|DATE",
                       help="N days after the varied event (default: event+0), or a fixed date")
    _add_assume(sweep)
    _add_grants(sweep)
    sweep.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format")
    sweep.add_argument("--chart", metavar="FILE.png|FILE.svg", help="also draw a chart of --figure")
    sweep.add_argument("--figure", default="exercisable", metavar="FIGURE",
                       help="the figure to chart: a number of shares, e.g. vested (default: exercisable)")
    sweep.set_defaults(run=_whatif)

    table = commands.add_parser("schedule", help="the vesting table: every date a figure changes, and why",
                                description="Every date on which a figure changes, with the clause that "
                                            "changed it.")
    table.add_argument("contract", metavar="CONTRACT", help="the .contract file")
    table.add_argument("--timeline", metavar="FILE.json", help="the events (default: none)")
    _add_assume(table)
    _add_grants(table)
    table.add_argument("--format", choices=("table", "csv", "json"), default="table", help="output format")
    table.add_argument("--chart", metavar="FILE.png|FILE.svg", help="also draw the figures over time")
    table.set_defaults(run=_schedule)

    test = commands.add_parser("test", help="run the example blocks of contracts",
                               description="Run every example block (a timeline, an as-of date, expected figures) "
                                           "of the contracts given (directories are searched for *.contract). "
                                           "One line per failure with file:line; closes with 'N passed, N failed'.")
    test.add_argument("paths", nargs="+", metavar="PATH", help="a .contract file or a directory")
    test.add_argument("--junit-xml", metavar="FILE", help="also write a JUnit XML report")
    test.add_argument("-v", "--verbose", action="store_true", help="print each example that passes too")
    test.set_defaults(run=_test)

    check_all = commands.add_parser("verify", help="check invariants over every bounded timeline",
                                    description="Check the invariants (the buckets partition the grant, vested never "
                                                "decreases, nothing exercisable after the expiration, ...) and the "
                                                "contract's own `invariant` clauses over every single event on "
                                                "every day and every ordered pair of events at month granularity. "
                                                "A failure prints the smallest timeline that shows it.")
    check_all.add_argument("contract", metavar="CONTRACT", help="the .contract file")
    _add_assume(check_all)
    _add_grants(check_all)
    check_all.add_argument("--jobs", type=int, metavar="N", help="worker processes (default: one per core)")
    check_all.add_argument("--counterexample", metavar="FILE.json",
                           help="write the first counterexample's timeline there, ready for `eval --timeline`")
    check_all.set_defaults(run=_verify)

    fmt = commands.add_parser("fmt", help="print contracts in the canonical layout, or check or rewrite them",
                              description="The canonical layout of .contract files (directories are searched), "
                                          "every comment kept. Without options, print it.")
    fmt.add_argument("paths", nargs="+", metavar="PATH", help="a .contract file or a directory")
    mode = fmt.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="show a diff and exit 1 where a file is not canonical")
    mode.add_argument("--write", action="store_true", help="rewrite files in place (atomically)")
    fmt.set_defaults(run=_fmt)

    kinds = commands.add_parser("kinds", help="list the clause kinds of the language and their keys",
                                description="The language reference: every clause kind and its keys.")
    kinds.set_defaults(run=_kinds)
    _add_lsp(commands)
    _add_report(commands)
    return parser


def _add_query(parser: argparse.ArgumentParser, several: bool) -> None:
    """A contract, a timeline and as-of dates: what eval and explain ask about."""
    parser.add_argument("contract", metavar="CONTRACT", help="the .contract file")
    parser.add_argument("--timeline", metavar="FILE.json",
                        help='the events: {"events": [{"date": ..., "event": ..., ...}]} (default: none)')
    if several:
        parser.add_argument("--as-of", action="append", metavar="DATE", type=_date, dest="as_of",
                            help="the date to report on (repeatable; default: today)")
    else:
        parser.add_argument("--as-of", metavar="DATE", type=_date, dest="as_of", help="the date (default: today)")
    _add_assume(parser)
    _add_grants(parser)


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
    from optionrules.files import contract_files, read_source

    files = problems = unreadable = grants = 0
    forms = []  # the forms among the files: --grants makes its grants from one of them
    for path in contract_files(args.paths):
        files += 1
        text, diagnostics = read_source(path)
        if text is None:
            unreadable += 1
            print(render_all(diagnostics), file=sys.stderr)
            continue
        model, diagnostics = check_source(text, str(path))
        if model.role == "form":
            forms.append(path)
        if diagnostics:
            problems += len(diagnostics)
            print(render_all(diagnostics, model.sources))
    if files == 0:
        print("optionrules: no .contract files found", file=sys.stderr)
        return EXIT_INPUT
    if args.grants:
        grants, grant_problems = _check_grants(forms, args.grants)
        problems += grant_problems
    if not args.quiet:
        noun = "file" if files == 1 else "files"
        summary = f"{problems} problem{'s' if problems != 1 else ''}" if problems else "no problems"
        made = f" and {grants} grant{'s' if grants != 1 else ''}" if args.grants else ""
        print(f"checked {files} {noun}{made}: {summary}")
    if unreadable:
        return EXIT_INPUT
    return EXIT_FINDINGS if problems else EXIT_OK


# ---- eval -----------------------------------------------------------------------------------


def _load(args: argparse.Namespace) -> Any:
    """The contract named; or, with --grants, the grant --grant of the CSV file made with the form named."""
    from optionrules.contract import load
    from optionrules.errors import ContractError
    from optionrules.grants import load_grants

    try:
        if args.grants is None:
            return load(args.contract)
        grants = load_grants(args.contract, args.grants)
    except ContractError as error:
        raise InputError(str(error)) from None
    if args.grant not in grants:
        ids = ", ".join(grants) or "none"
        raise InputError(f"optionrules: --grant: name a grant of {args.grants} (its ids: {ids})")
    return grants[args.grant]


def _check_grants(forms: Sequence[Path], csv_path: str) -> tuple[int, int]:
    """Check every grant of the CSV file with the one form among the files checked: (grants, problems)."""
    from optionrules.errors import render_all
    from optionrules.grants import check_grants

    if len(forms) != 1:
        raise InputError(f"optionrules: --grants needs exactly one form among the paths ({len(forms)} found)")
    made, problems, sources = check_grants(forms[0], csv_path)
    if problems:
        print(render_all(problems, sources))
    return len(made), len(problems)


def _timeline(contract: Any, path: str | None) -> Any:
    from optionrules.errors import TimelineError

    try:
        return contract.load_timeline(path) if path else contract.timeline([])
    except TimelineError as error:
        raise InputError(str(error)) from None


def _eval(args: argparse.Namespace) -> int:
    from optionrules.render import evaluation_text, evaluations_table

    contract = _load(args)
    timeline = _timeline(contract, args.timeline)
    assume = _readings(contract, args.assume)
    dates = args.as_of or [date.today()]
    results = contract.evaluate_many(timeline, dates, assume)
    if args.format == "json":
        import json

        payload = [r.to_dict() for r in results]
        print(json.dumps(payload[0] if len(payload) == 1 else payload, indent=2, ensure_ascii=False))
        return EXIT_OK
    heading = contract.model.heading
    if len(results) == 1:
        print(evaluation_text(results[0], heading))
    else:
        print(evaluations_table(results, heading))
    return EXIT_OK


def _explain(args: argparse.Namespace) -> int:
    contract = _load(args)
    timeline = _timeline(contract, args.timeline)
    assume = _readings(contract, args.assume)
    explanation = contract.explain(timeline, args.as_of or date.today(), assume)
    if args.format == "json":
        import json

        print(json.dumps(explanation.to_dict(), indent=2, ensure_ascii=False))
    else:
        print(explanation.text())
    return EXIT_OK


def _whatif(args: argparse.Namespace) -> int:
    contract = _load(args)
    timeline = _timeline(contract, args.timeline)
    assume = _readings(contract, args.assume)
    try:
        sweep = contract.whatif(timeline, args.vary, args.as_of, assume, _progress_bar())
    except ValueError as error:
        raise InputError(f"optionrules: {error}") from None
    if args.chart:
        _chart_figure(args.figure, sweep.header)
        _chart(lambda: sweep.plot(args.figure), args.chart)
    print({"table": sweep.table, "csv": sweep.to_csv, "json": sweep.to_json}[args.format]().rstrip("\n"))
    return EXIT_OK


def _schedule(args: argparse.Namespace) -> int:
    contract = _load(args)
    timeline = _timeline(contract, args.timeline)
    table = contract.schedule(timeline, _readings(contract, args.assume))
    if args.chart:
        _chart(table.plot, args.chart)
    print({"table": table.table, "csv": table.to_csv, "json": table.to_json}[args.format]().rstrip("\n"))
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


def _chart(draw: Any, path: str) -> None:
    """Draw and save a chart, or say why not (matplotlib missing, not PNG/SVG) before anything is written."""
    from optionrules.charts import ChartError, save

    if not path.lower().endswith((".png", ".svg")):
        raise InputError(f"optionrules: --chart: write to a .png or .svg file, not {path!r}")
    try:
        save(draw(), path)
    except ChartError as error:
        raise InputError(f"optionrules: --chart: {error}") from None
    except OSError as error:
        raise InputError(f"optionrules: --chart: cannot write {path}: {error.strerror or error}") from None


def _progress_bar() -> Any:
    """A progress bar on a terminal, for sweeps long enough to need one."""
    if not sys.stderr.isatty():
        return None
    shown = [-1]

    def progress(done: int, total: int) -> None:
        if total < 2000:
            return
        percent = done * 100 // total
        if percent != shown[0]:
            shown[0] = percent
            bar = "#" * (percent // 4)
            end = "\n" if done == total else ""
            print(f"\r  [{bar:<25}] {percent:3d}%  {done:,}/{total:,} evaluations", end=end, file=sys.stderr,
                  flush=True)

    return progress


def _test(args: argparse.Namespace) -> int:
    import time

    from optionrules.check import check_source
    from optionrules.contract import Contract
    from optionrules.errors import render_all
    from optionrules.examples import ExampleResult, junit_xml, run_examples
    from optionrules.files import contract_files, read_source

    started = time.perf_counter()
    passed = failed = 0
    suites: list[tuple[str, list[ExampleResult], list[str]]] = []
    paths = list(contract_files(args.paths))
    if not paths:
        raise InputError("optionrules: no .contract files found")
    for path in paths:
        text, problems = read_source(path)
        if text is None:
            raise InputError(render_all(problems))
        model, diagnostics = check_source(text, str(path))
        if diagnostics:
            print(render_all(diagnostics, model.sources))
            failed += 1
            suites.append((str(path), [], [d.render(model.sources) for d in diagnostics]))
            continue
        if model.role != "agreement":
            continue  # a plan or a form is tested through the agreements made with it
        results = run_examples(Contract(model))
        for result in results:
            for failure in result.failures:
                print(failure)
            if args.verbose and result.passed:
                print(f"{path}:{result.example.ref.span.line}: example {result.example.ref.name}: ok")
        passed += sum(r.passed for r in results)
        failed += sum(not r.passed for r in results)
        suites.append((str(path), results, []))
    if args.junit_xml:
        from optionrules.files import write_atomically

        write_atomically(args.junit_xml, junit_xml(suites, time.perf_counter() - started))
    print(f"{passed} passed, {failed} failed")
    return EXIT_FINDINGS if failed else EXIT_OK


def _verify(args: argparse.Namespace) -> int:
    import json

    from optionrules.verify import verify

    contract = _load(args)
    if args.jobs is not None and args.jobs < 1:
        raise InputError("optionrules: --jobs must be at least 1")
    report = verify(contract, _readings(contract, args.assume), jobs=args.jobs, progress=_progress_bar())
    summary = (f"{report.timelines:,} timelines, {report.evaluations:,} evaluations in {report.seconds:.1f} s")
    if report.ok:
        print(f"{args.contract}: every invariant holds ({summary})")
        return EXIT_OK
    for counterexample in report.counterexamples:
        print(f"{args.contract}: {counterexample}")
        print(f"  re-run: optionrules eval {args.contract} --timeline TIMELINE.json "
              f"--as-of {counterexample.as_of.isoformat()}")
    if args.counterexample:
        from optionrules.files import write_atomically

        timeline = report.counterexamples[0].timeline()
        write_atomically(args.counterexample, json.dumps(timeline, indent=2) + "\n")
    print(f"{len(report.counterexamples)} invariant(s) fail ({summary})")
    return EXIT_FINDINGS


def _fmt(args: argparse.Namespace) -> int:
    import difflib

    from optionrules.errors import render_all
    from optionrules.files import contract_files, read_source, write_atomically
    from optionrules.format import format_text
    from optionrules.parse import parse

    paths = list(contract_files(args.paths))
    if not paths:
        raise InputError("optionrules: no .contract files found")
    formatted: list[tuple[Path, str, str]] = []
    for path in paths:  # everything is read and formatted before anything is written
        text, problems = read_source(path)
        if text is None:
            raise InputError(render_all(problems))
        module, problems = parse(text, str(path))
        if problems:
            raise InputError(render_all(problems, {str(path): text}) + f"\n{path}: not formatted: it does not parse")
        formatted.append((path, text, format_text(module, text)))
    changed = [(path, text, new) for path, text, new in formatted if new != text]
    if args.check:
        for path, text, new in changed:
            sys.stdout.writelines(difflib.unified_diff(text.splitlines(True), new.splitlines(True),
                                                       f"{path}", f"{path} (formatted)"))
        if changed:
            print(f"{len(changed)} of {len(formatted)} file(s) would be reformatted")
        return EXIT_FINDINGS if changed else EXIT_OK
    if args.write:
        for path, _, new in changed:
            write_atomically(path, new)
            print(f"reformatted {path}")
        return EXIT_OK
    for path, _, new in formatted:
        if len(formatted) > 1:
            print(f"==> {path} <==")
        sys.stdout.write(new)
    return EXIT_OK


def _kinds(args: argparse.Namespace) -> int:
    from optionrules.render import kinds_text

    print(kinds_text())
    return EXIT_OK


# ---- lsp ------------------------------------------------------------------------------------

LSP_INSTALL_HINT = "optionrules lsp needs pygls: pip install 'optionrules[lsp]'"


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
    report.set_defaults(run=_report)


def _report(args: argparse.Namespace) -> int:
    from optionrules.errors import ContractError
    from optionrules.report import write_report

    try:
        write_report(args.contract, args.out)
    except ContractError as error:
        raise InputError(str(error)) from None
    except OSError as error:
        raise InputError(f"optionrules: report: cannot write {args.out}: {error.strerror or error}") from None
    print(f"wrote {args.out}")
    return EXIT_OK
