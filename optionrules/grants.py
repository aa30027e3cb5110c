"""Grants from a CSV file: one grant a row, its columns the parameters of a form (an `id` column names
each grant). `check_grants` checks every row as the agreement it makes with the form; `load_grants` binds
each row to the form checked once (the rows whose values may break a constraint of the form are checked
whole), and `find_grant` checks only the grant asked for."""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Collection
from datetime import date
from pathlib import Path
from typing import Any

from optionrules import ast
from optionrules.check import check
from optionrules.contract import Contract
from optionrules.errors import ContractError, Diagnostic, Problems, did_you_mean
from optionrules.files import FileError, display_name, read_source, read_text
from optionrules.limits import GRANTS_BYTES, MAX_GRANTS
from optionrules.model import Attr
from optionrules.parse import parse
from optionrules.records import record
from optionrules.timeline import MAX_DIGITS, read_value, shown
from optionrules.types import ATTRIBUTE_TYPES
from optionrules.values import Duration

ID = "id"


@record
class GrantRow:
    id: str
    line: int  # in the CSV file
    values: dict[str, Any]


def form_parameters(module: ast.Module) -> dict[str, str] | None:
    """The form's parameters and their declared types, or None if the file is not a form."""
    header = _form_header(module)
    return None if header is None else {p.name: p.type_name for p in header.params or ()}


def optional_parameters(module: ast.Module) -> frozenset[str]:
    """The form's parameters that have a default: a grants file may leave their column out."""
    header = _form_header(module)
    return frozenset(p.name for p in header.params or () if p.default is not None) if header else frozenset()


def _form_header(module: ast.Module) -> ast.Clause | None:
    header = next((i for i in module.items if isinstance(i, ast.Clause)), None)
    return header if header is not None and header.kind == "form" else None


def read_grants(parameters: dict[str, str], csv_path: str | Path, optional: Collection[str] = ()
                ) -> tuple[list[GrantRow], list[Diagnostic]]:
    """The rows of the CSV file, their cells read as the form's parameters; a diagnostic per problem, naming the
    line (as the file counts them: a quoted cell may hold newlines) and the column. A file that cannot be read
    (or read as CSV, or has more than MAX_GRANTS rows) raises FileError."""
    name = display_name(csv_path)
    reader = csv.reader(io.StringIO(read_text(csv_path, GRANTS_BYTES, "grants file"), newline=""))
    try:
        return _rows(parameters, reader, name, optional)
    except csv.Error as error:  # a cell over csv.field_size_limit() (128 KiB), a quote never closed
        raise FileError(f"not a readable CSV file: {error}", f"{name}:{reader.line_num}") from None


def _rows(parameters: dict[str, str], reader: Any, name: str, optional: Collection[str]
          ) -> tuple[list[GrantRow], list[Diagnostic]]:
    header = [c.strip() for c in next(reader, [])]
    if not header:
        return [], [Diagnostic("the file is empty: a header row of parameter names comes first", where=name)]
    problems = _header_problems(parameters, header, name, optional)
    if problems:
        return [], problems.reported()
    grants: list[GrantRow] = []
    first_line: dict[str, int] = {}  # each id, and the line that gave it first
    for number, row in enumerate(reader, start=1):
        line = reader.line_num
        if number > MAX_GRANTS:
            raise FileError(f"more than {MAX_GRANTS:,} rows: not read (the limit for a grants file)",
                            f"{name}:{line}")
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problems.add(Diagnostic(f"{len(row)} cells for {len(header)} columns", where=f"{name}:{line}"))
            continue
        cells = dict(zip(header, [c.strip() for c in row]))
        grant_id = cells.get(ID) or f"row {line}"
        if grant_id in first_line:
            problems.add(Diagnostic(f"the id {shown(grant_id)} is also the id of line {first_line[grant_id]}",
                                    where=f"{name}:{line}, column '{ID}'"))
            continue
        first_line[grant_id] = line
        values, before = {}, problems.total
        for column, cell in cells.items():
            if column == ID:
                continue
            try:
                values[column] = read_cell(cell, column, parameters[column])
            except ValueError as error:
                problems.add(Diagnostic(str(error), where=f"{name}:{line}, column '{column}'"))
        if problems.total == before:  # a grant whose cells are reported is not checked itself
            grants.append(GrantRow(grant_id, line, values))
    return grants, problems.reported()


def _header_problems(parameters: dict[str, str], header: list[str], name: str, optional: Collection[str]
                     ) -> Problems:
    problems = Problems(name)
    seen: set[str] = set()
    for number, column in enumerate(header, start=1):
        where = f"{name}:1, column {number}"
        if column in seen:
            problems.add(Diagnostic(f"the column {shown(column)} is given twice", where=where))
        elif column != ID and column not in parameters:
            problems.add(Diagnostic(f"unknown column {shown(column)} (the form's parameters: "
                                    f"{', '.join(parameters)})", where=where,
                                    hint=did_you_mean(column, parameters) if len(column) < 100 else None))
        seen.add(column)
    for parameter in parameters:
        if parameter not in seen and parameter not in optional:
            problems.add(Diagnostic(f"no column for the form's parameter '{parameter}'", where=f"{name}:1"))
    return problems


def read_cell(text: str, name: str, declared: str) -> Any:
    """A cell as the value of a parameter: numbers may use separators, money may name its currency."""
    if not text:
        raise ValueError(f"no value for {name}")
    if declared == "money":
        text = text.split()[-1]
    elif declared == "bool":
        if text.lower() not in ("true", "false", "yes", "no"):
            raise ValueError(f"{name} must be true or false, not {shown(text)}")
        return text.lower() in ("true", "yes")
    elif declared in ("shares", "int", "days"):
        text = text.replace(",", "").replace("_", "")
        if text.isascii() and text.isdigit() and len(text) <= MAX_DIGITS:  # the common case, read directly
            return Duration(days=int(text)) if declared == "days" else int(text)
    elif declared == "text" or declared not in ATTRIBUTE_TYPES:
        return text  # a text, or an enum's member: the checker knows the enum
    elif declared == "date" and len(text) == 10 and text[4] == text[7] == "-" and text.replace("-", "").isdigit():
        with contextlib.suppress(ValueError):  # an impossible date is told by read_value
            return date.fromisoformat(text)
    return read_value(text, Attr(name, declared, ATTRIBUTE_TYPES[declared]), {})


def check_grants(form_path: str | Path, csv_path: str | Path) -> tuple[list[tuple[GrantRow, Contract | None]],
                                                                       list[Diagnostic], dict[str, str]]:
    """Check every grant of the CSV file with the form: the contracts made, every problem, the sources.
    The form is read and parsed once; each grant is checked as the agreement it makes with the form. A grants
    file that cannot be read raises FileError."""
    form_file = str(form_path)
    text, problems = read_source(form_path)
    if text is None:
        return [], problems, {}
    module, syntax = parse(text, form_file)
    sources: dict[str, str] = {form_file: text}
    parameters = form_parameters(module)
    if parameters is None:
        return [], [Diagnostic(f"{form_file} is not a form: grants are made from a form", where=str(csv_path))], {}
    if syntax:  # no grant can be made from a form that does not parse
        return [], syntax, sources
    grants, problems = read_grants(parameters, csv_path, optional_parameters(module))
    made: list[tuple[GrantRow, Contract | None]] = []
    for grant in grants:
        contract, diagnostics = checked_grant(module, text, grant, csv_path, sources)
        problems += diagnostics
        made.append((grant, contract))
    return made, problems, sources


def checked_grant(module: ast.Module, text: str, grant: GrantRow, csv_path: str | Path, sources: dict[str, str]
                  ) -> tuple[Contract | None, list[Diagnostic]]:
    """One grant checked whole as the agreement it makes with the form: its contract, or its problems, each
    naming the grant and its line."""
    model, diagnostics = check(module, text, grant.values)
    sources.update(model.sources)
    problems = [Diagnostic(f"grant {grant.id} ({csv_path}:{grant.line}): {d.message}", d.span, d.where, hint=d.hint)
                for d in diagnostics if d.severity == "error"]  # the form's warnings are the form's check's
    if problems:
        return None, problems
    model.name = f"{model.name}[{grant.id}]"
    return Contract(model), []


def load_grants(form_path: str | Path, csv_path: str | Path) -> dict[str, Contract]:
    """Each grant of the CSV file as a contract, by id; raises ContractError with every problem. With the
    [portfolio] extra, the form is checked once and each row bound to it (the rows whose values may break a
    constraint of the form are checked whole); without it, every row is checked whole."""
    bound_grants = _binder()
    contracts: dict[str, Contract]
    try:
        if bound_grants is not None:
            contracts, problems, sources = bound_grants(form_path, csv_path)
        else:
            made, problems, sources = check_grants(form_path, csv_path)
            contracts = {grant.id: contract for grant, contract in made if contract is not None}
    except FileError as error:
        raise ContractError(error.diagnostics) from None
    if problems:
        raise ContractError(problems, sources)
    return contracts


def _binder() -> Any:
    """`portfolio.bound_grants`, where the [portfolio] extra is installed."""
    try:
        from optionrules.portfolio import bound_grants
    except ImportError:
        return None
    return bound_grants


def find_grant(form_path: str | Path, csv_path: str | Path, wanted: str) -> Contract:
    """The grant of the CSV file whose id is `wanted` (or on line N, for `row N`), checked whole; only its own
    row need be sound. Raises ContractError naming the nearest ids where there is no such grant."""
    form_file = str(form_path)
    text, problems = read_source(form_path)
    if text is None:
        raise ContractError(problems)
    module, syntax = parse(text, form_file)
    parameters = form_parameters(module)
    if parameters is None:
        raise ContractError([Diagnostic(f"{form_file} is not a form: grants are made from a form",
                                        where=str(csv_path))])
    if syntax:
        raise ContractError(syntax, {form_file: text})
    try:
        grants, problems = read_grants(parameters, csv_path, optional_parameters(module))
    except FileError as error:
        raise ContractError(error.diagnostics) from None
    grant = next((g for g in grants if g.id == wanted), None) \
        or next((g for g in grants if wanted == f"row {g.line}"), None)
    if grant is None:
        raise ContractError([_unknown_grant(wanted, [g.id for g in grants], problems, csv_path)])
    sources = {form_file: text}
    contract, diagnostics = checked_grant(module, text, grant, csv_path, sources)
    if contract is None:
        raise ContractError(diagnostics, sources)
    return contract


def nearest_ids(wanted: str, ids: list[str], count: int = 3) -> list[str]:
    """The ids closest to the one asked for, the closest first (none where none is close)."""
    import difflib

    return difflib.get_close_matches(wanted, ids, n=count, cutoff=0.5)


def _unknown_grant(wanted: str, ids: list[str], problems: list[Diagnostic], csv_path: str | Path) -> Diagnostic:
    """No such grant: the nearest ids (not all of them), and whether some rows could not be read."""
    near = nearest_ids(wanted, ids) or ids[:3]
    known = f"the nearest ids: {', '.join(near)}; or row N for the grant on line N" if ids else "it has no grant"
    unread = f"; {len(problems):,} rows could not be read (`optionrules check FORM --grants` lists them)" \
        if problems else ""
    return Diagnostic(f"no grant {shown(wanted)} in {display_name(csv_path)} ({known}){unread}", where="--grant")
