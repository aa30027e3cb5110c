"""The `optionrules` command: a thin shell over the Python API.

Exit codes: 0 clean, 1 problems found, 2 usage or input error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
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
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    check = commands.add_parser("check", help="check contract files and report every problem",
                                description="Parse and check .contract files (directories are searched "
                                            "for *.contract); report every problem with file:line:col.")
    check.add_argument("paths", nargs="+", metavar="PATH", help="a .contract file or a directory")
    check.add_argument("-q", "--quiet", action="store_true", help="print problems only, no summary")
    check.set_defaults(run=_check)

    evaluate = commands.add_parser("eval", help="evaluate a contract against a timeline on given dates",
                                   description="Replay a timeline of events against a contract and report "
                                               "vested, exercised, exercisable, unvested, forfeited, expired, "
                                               "the exercise deadline, whether sales are blocked, and violations.")
    evaluate.add_argument("contract", metavar="CONTRACT", help="the .contract file")
    evaluate.add_argument("--timeline", metavar="FILE.json",
                          help='the events: {"events": [{"date": ..., "event": ..., ...}]} (default: none)')
    evaluate.add_argument("--as-of", action="append", metavar="DATE", type=_date, dest="as_of",
                          help="the date to report on (repeatable; default: today)")
    _add_assume(evaluate)
    evaluate.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    evaluate.set_defaults(run=_eval)

    kinds = commands.add_parser("kinds", help="list the clause kinds of the language and their keys",
                                description="The language reference: every clause kind and its keys.")
    kinds.set_defaults(run=_kinds)
    return parser


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


# ---- check ----------------------------------------------------------------------------------


def _contract_files(paths: Sequence[str]) -> Iterator[Path]:
    for name in paths:
        path = Path(name)
        if path.is_dir():
            yield from sorted(path.rglob("*.contract"))
        else:
            yield path


def _check(args: argparse.Namespace) -> int:
    from optionrules.check import check_source
    from optionrules.errors import render_all
    from optionrules.parse import read_source

    files = problems = unreadable = 0
    for path in _contract_files(args.paths):
        files += 1
        text, diagnostics = read_source(path)
        if text is None:
            unreadable += 1
            print(render_all(diagnostics), file=sys.stderr)
            continue
        _, diagnostics = check_source(text, str(path))
        if diagnostics:
            problems += len(diagnostics)
            print(render_all(diagnostics, {str(path): text}))
    if files == 0:
        print("optionrules: no .contract files found", file=sys.stderr)
        return EXIT_INPUT
    if not args.quiet:
        noun = "file" if files == 1 else "files"
        summary = f"{problems} problem{'s' if problems != 1 else ''}" if problems else "no problems"
        print(f"checked {files} {noun}: {summary}")
    if unreadable:
        return EXIT_INPUT
    return EXIT_FINDINGS if problems else EXIT_OK


# ---- eval -----------------------------------------------------------------------------------


def _load(path: str) -> Any:
    from optionrules.contract import load
    from optionrules.errors import ContractError

    try:
        return load(path)
    except ContractError as error:
        raise InputError(str(error)) from None


def _timeline(contract: Any, path: str | None) -> Any:
    from optionrules.errors import TimelineError

    try:
        return contract.load_timeline(path) if path else contract.timeline([])
    except TimelineError as error:
        raise InputError(str(error)) from None


def _eval(args: argparse.Namespace) -> int:
    from optionrules.render import evaluation_text, evaluations_table

    contract = _load(args.contract)
    timeline = _timeline(contract, args.timeline)
    assume = _assumptions(args.assume)
    try:
        contract.plan(assume)
    except ValueError as error:
        raise InputError(f"optionrules: --assume: {error}") from None
    dates = args.as_of or [date.today()]
    results = contract.evaluate_many(timeline, dates, assume)
    if args.format == "json":
        import json

        payload = [r.to_dict() for r in results]
        print(json.dumps(payload[0] if len(payload) == 1 else payload, indent=2, ensure_ascii=False))
        return EXIT_OK
    heading = f"{contract.name or args.contract}: {contract.title or ''}".rstrip(": ")
    if len(results) == 1:
        print(evaluation_text(results[0], heading))
    else:
        print(evaluations_table(results, heading))
    return EXIT_OK


def _kinds(args: argparse.Namespace) -> int:
    from optionrules.render import kinds_text

    print(kinds_text())
    return EXIT_OK
