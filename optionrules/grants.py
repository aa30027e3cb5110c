"""Grants from a CSV file: one grant a row, its columns the parameters of a form (an `id` column names
each grant). Every row is checked as the agreement it makes with the form."""

from __future__ import annotations

import csv
import io
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
from optionrules.timeline import read_value, shown
from optionrules.types import ATTRIBUTE_TYPES

ID = "id"


@record
class GrantRow:
    id: str
    line: int  # in the CSV file
    values: dict[str, Any]


def form_parameters(module: ast.Module) -> dict[str, str] | None:
    """The form's parameters and their declared types, or None if the file is not a form."""
    header = next((i for i in module.items if isinstance(i, ast.Clause)), None)
    if header is None or header.kind != "form":
        return None
    return {p.name: p.type_name for p in header.params or ()}


def read_grants(parameters: dict[str, str], csv_path: str | Path) -> tuple[list[GrantRow], list[Diagnostic]]:
    """The rows of the CSV file, their cells read as the form's parameters; a diagnostic per problem, naming the
    line (as the file counts them: a quoted cell may hold newlines) and the column. A file that cannot be read
    (or read as CSV, or has more than MAX_GRANTS rows) raises FileError."""
    name = display_name(csv_path)
    reader = csv.reader(io.StringIO(read_text(csv_path, GRANTS_BYTES, "grants file"), newline=""))
    try:
        return _rows(parameters, reader, name)
    except csv.Error as error:  # a cell over csv.field_size_limit() (128 KiB), a quote never closed
        raise FileError(f"not a readable CSV file: {error}", f"{name}:{reader.line_num}") from None


def _rows(parameters: dict[str, str], reader: Any, name: str) -> tuple[list[GrantRow], list[Diagnostic]]:
    header = [c.strip() for c in next(reader, [])]
    if not header:
        return [], [Diagnostic("the file is empty: a header row of parameter names comes first", where=name)]
    problems = _header_problems(parameters, header, name)
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
        cells = dict(zip(header, (c.strip() for c in row)))
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
                values[column] = _cell(cell, column, parameters[column])
            except ValueError as error:
                problems.add(Diagnostic(str(error), where=f"{name}:{line}, column '{column}'"))
        if problems.total == before:  # a grant whose cells are reported is not checked itself
            grants.append(GrantRow(grant_id, line, values))
    return grants, problems.reported()


def _header_problems(parameters: dict[str, str], header: list[str], name: str) -> Problems:
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
        if parameter not in seen:
            problems.add(Diagnostic(f"no column for the form's parameter '{parameter}'", where=f"{name}:1"))
    return problems


def _cell(text: str, name: str, declared: str) -> Any:
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
    if declared not in ATTRIBUTE_TYPES:
        return text  # an enum's member: the checker knows the enum
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
    grants, problems = read_grants(parameters, csv_path)
    made: list[tuple[GrantRow, Contract | None]] = []
    for grant in grants:
        model, diagnostics = check(module, text, grant.values)
        sources.update(model.sources)
        for d in diagnostics:
            problems.append(Diagnostic(f"grant {grant.id} ({csv_path}:{grant.line}): {d.message}", d.span, d.where,
                                       hint=d.hint))
        if diagnostics:
            made.append((grant, None))
            continue
        model.name = f"{model.name}[{grant.id}]"
        made.append((grant, Contract(model)))
    return made, problems, sources


def load_grants(form_path: str | Path, csv_path: str | Path) -> dict[str, Contract]:
    """Each grant of the CSV file as a checked contract, by id; raises ContractError with every problem."""
    try:
        made, problems, sources = check_grants(form_path, csv_path)
    except FileError as error:
        raise ContractError(error.diagnostics) from None
    if problems:
        raise ContractError(problems, sources)
    return {grant.id: contract for grant, contract in made if contract is not None}
