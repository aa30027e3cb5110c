"""Tables of grants and of events, read as columns: CSV, Parquet (a file, or a folder of them) and JSON lines.

A grants table has a column per parameter of the form (other columns are kept, to group totals by), and an
`id` column naming each grant (`row N` where it has none). An events table has `grant_id`, `date` and
`event` columns, then a column per attribute of any event (empty where an event has no such attribute).

Each cell is read as its column's declared type, a whole column at a time (pyarrow's kernels). A cell that
cannot mean anything is a problem naming its row and column (`grants.csv:7, column 'shares'`) and its row
is set aside; the other rows are read. A cell the fast readers do not take (`1.5` shares, `1e3`) is read
one by one as the checker reads a value, and its row is *suspect*: checked whole by the checker.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from optionrules.errors import Diagnostic, Problems
from optionrules.files import FileError, display_name, inside_root, read_bytes, read_text
from optionrules.grants import ID, read_cell
from optionrules.limits import MAX_TABLE_ROWS, TABLE_BYTES
from optionrules.model import Attr, EnumType
from optionrules.timeline import read_value, shown
from optionrules.types import DATE as DATE_TYPE
from optionrules.values import Duration, csv_value

EPOCH = date(1970, 1, 1).toordinal()  # day ordinals are those of `date.toordinal()`
GRANT_ID, DATE, EVENT = "grant_id", "date", "event"
Column = np.ndarray[Any, Any]

# ---- Reading a file into an Arrow table of text cells or typed columns ----------------------------------


@attrs.frozen
class Source:
    """A table as read: its cells (text for CSV and JSON lines, typed for Parquet), and where each row is."""

    name: str
    table: pa.Table
    lines: Column  # each row's line (CSV, JSON lines) or row number (Parquet), from 1
    by_line: bool  # rows are named by line (`file:7`), not by number (`file: row 7`)
    unread: tuple[tuple[int, Mapping[str, str]], ...] = ()  # rows reported unreadable: (line, the cells it has)

    def where(self, row: int, column: str | None = None) -> str:
        at = f"{self.name}:{self.lines[row]}" if self.by_line else f"{self.name}: row {self.lines[row]}"
        return at if column is None else f"{at}, column {shown(column)}"


def parquet_parts(path: str | Path) -> list[Path]:
    """The files of a Parquet dataset: the file named, or the `.parquet` files of a folder, in name order."""
    folder = Path(path)
    if str(path) != "-" and folder.is_dir():
        parts = sorted(p for p in folder.iterdir() if p.suffix == ".parquet" and not p.name.startswith("."))
        if not parts:
            raise FileError("no .parquet files in the folder", str(path))
        return parts
    return [Path(path)]


def read_source(path: str | Path, what: str, problems: Problems) -> Source:
    """A table file by its suffix: `.parquet` (or a folder of them), `.jsonl`/`.ndjson`, else CSV."""
    name = display_name(path)
    suffix = Path(path).suffix.lower()
    if suffix == ".parquet" or Path(path).is_dir():
        tables = [_parquet(part, what) for part in parquet_parts(path)]
        table = pa.concat_tables(tables, promote_options="permissive") if len(tables) > 1 else tables[0]
        return Source(name, table, np.arange(1, table.num_rows + 1), False)
    if suffix in (".jsonl", ".ndjson"):
        return _json_lines(read_text(path, TABLE_BYTES, what), name, problems)
    return _csv(read_text(path, TABLE_BYTES, what), name, problems)


def _parquet(path: Path, what: str) -> pa.Table:
    """A Parquet file, read through `files` (a regular file, within its size, not a link out of its folder)."""
    if str(path) != "-":
        inside_root(path, path.parent, what, "name the file itself")
    data = read_bytes(path, TABLE_BYTES, what)
    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError) as error:
        raise FileError(f"not a readable Parquet file: {error}", display_name(path)) from None
    _limit_rows(table.num_rows, display_name(path))
    return table


def _limit_rows(rows: int, name: str) -> None:
    if rows > MAX_TABLE_ROWS:
        raise FileError(f"more than {MAX_TABLE_ROWS:,} rows: not read (the limit for a table)", name)


def _csv(text: str, name: str, problems: Problems) -> Source:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [cell.strip() for cell in next(reader, [])]
        _check_header(header, name)
        cells: list[list[str]] = [[] for _ in header]
        lines: list[int] = []
        unread: list[tuple[int, Mapping[str, str]]] = []
        width = len(header)
        for row in reader:
            if len(row) != width:
                if any(cell.strip() for cell in row):
                    problems.add(Diagnostic(f"{len(row)} cells for {width} columns", where=f"{name}:{reader.line_num}"))
                    unread.append((reader.line_num, dict(zip(header, (c.strip() for c in row)))))
                continue
            lines.append(reader.line_num)
            _limit_rows(len(lines), name)
            for column, cell in zip(cells, row):
                column.append(cell.strip())
    except csv.Error as error:  # a cell over csv.field_size_limit() (128 KiB), a quote never closed
        raise FileError(f"not a readable CSV file: {error}", f"{name}:{reader.line_num}") from None
    arrays = [pa.array(column, pa.string()) for column in cells]
    return Source(name, pa.table(arrays, names=header), np.array(lines, dtype=np.int64), True, tuple(unread))


def _check_header(header: list[str], name: str) -> None:
    if not header or header == [""]:
        raise FileError("the file is empty: a header row of column names comes first", name)
    repeated = sorted({c for c in header if header.count(c) > 1})
    if repeated:
        raise FileError(f"the column {shown(repeated[0])} is given twice", f"{name}:1")


def _json_lines(text: str, name: str, problems: Problems) -> Source:
    """One JSON object a line; every value as its text (a number as written), to be read like a CSV cell."""
    rows: list[dict[str, str]] = []
    lines: list[int] = []
    unread: list[tuple[int, Mapping[str, str]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line, parse_float=str, parse_int=str)
        except (json.JSONDecodeError, RecursionError) as error:
            problems.add(Diagnostic(f"not valid JSON: {getattr(error, 'msg', 'nested too deep')}",
                                    where=f"{name}:{number}"))
            unread.append((number, {}))
            continue
        if not isinstance(item, dict):
            problems.add(Diagnostic("each line must be a JSON object", where=f"{name}:{number}"))
            unread.append((number, {}))
            continue
        rows.append({str(k): _json_cell(v) for k, v in item.items()})
        lines.append(number)
        _limit_rows(len(lines), name)
    header = list(dict.fromkeys(k for row in rows for k in row))
    columns = [pa.array([row.get(k, "") for row in rows], pa.string()) for k in header]
    return Source(name, pa.table(columns, names=header), np.array(lines, dtype=np.int64), True, tuple(unread))


def _json_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


# ---- Reading a column as a declared type ------------------------------------------------------------------


@attrs.define
class ReadColumn:
    """A column read as a type: the values (int64 for numbers and day counts, day ordinals for dates, bool,
    Arrow text otherwise), the rows that cannot mean anything, and the exact values of suspect rows."""

    values: Any
    bad: Column
    suspect: dict[int, Any] = attrs.Factory(dict)


_WHOLE = r"^[0-9]{1,15}$"  # a negative number is read one by one (shares and days cannot be negative)
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_AMOUNT = r"^-?[0-9]{1,15}(\.[0-9]{1,15})?$"
_NUMERIC = ("shares", "int", "days")


def read_column(source: Source, column: str, attr: Attr, enums: Mapping[str, EnumType],
                problems: Problems, rows: Column | None = None) -> ReadColumn:
    """Read a column (or these of its rows) as the attribute's declared type; a problem per bad cell."""
    cells = source.table.column(column).combine_chunks() if isinstance(source.table.column(column),
                                                                       pa.ChunkedArray) else source.table.column(column)
    if rows is not None:
        cells = cells.take(pa.array(rows))
    index = rows if rows is not None else np.arange(len(cells))
    reader = _Reader(source, column, attr, enums)
    read = reader.read(cells)
    for position, message in sorted(reader.found):
        problems.add(Diagnostic(message, where=source.where(int(index[position]), column)))
    return read


@attrs.define
class _Reader:
    source: Source
    column: str
    attr: Attr
    enums: Mapping[str, EnumType]
    found: list[tuple[int, str]] = attrs.Factory(list)  # (position, message): the cells that mean nothing

    def read(self, cells: pa.Array) -> ReadColumn:
        declared = self.attr.declared
        kind = cells.type
        if pa.types.is_dictionary(kind):
            cells, kind = cells.cast(kind.value_type), kind.value_type
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            return self._text(cells)
        if declared in _NUMERIC and pa.types.is_integer(kind):
            return self._integers(cells)
        if declared == "date" and (pa.types.is_date(kind) or pa.types.is_timestamp(kind)):
            days = pc.cast(pc.cast(cells, pa.date32()), pa.int32()).to_numpy(zero_copy_only=False)
            return self._typed(cells, np.nan_to_num(days).astype(np.int64) + EPOCH)
        if declared == "bool" and pa.types.is_boolean(kind):
            return self._typed(cells, cells.fill_null(False).to_numpy(zero_copy_only=False))
        if declared in ("money", "text") and (pa.types.is_decimal(kind) or pa.types.is_integer(kind)):
            return self._text(pc.cast(cells, pa.string()))
        return self._one_by_one(cells, cells.to_pylist(), self._exact)

    def _typed(self, cells: pa.Array, values: Column) -> ReadColumn:
        bad = cells.is_null().to_numpy(zero_copy_only=False)
        for i in np.flatnonzero(bad):
            self._problem(int(i), f"no value for {self.attr.name}")
        return ReadColumn(values, bad)

    def _integers(self, cells: pa.Array) -> ReadColumn:
        values = cells.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
        read = self._typed(cells, values)
        wrong = ~read.bad & ((np.abs(values) >= 10**15) | ((values < 0) & (self.attr.declared != "int")))
        for i in np.flatnonzero(wrong):
            self._problem(int(i), self._message(int(values[i])))
        read.bad |= wrong
        return read

    def _text(self, cells: pa.Array) -> ReadColumn:
        """Text cells: the common forms read a whole column at a time, the others one by one. A column of few
        values (prices, enums, flags) is read once per value."""
        declared = self.attr.declared
        if declared in ("money", "bool") or declared in self.enums:
            encoded = pc.dictionary_encode(cells)
            if len(encoded.dictionary) * 4 < len(cells):
                return self._distinct(encoded)
        return self._each(cells)

    def _distinct(self, encoded: pa.DictionaryArray) -> ReadColumn:
        """Each distinct value read once; a bad one is a problem on every row that has it."""
        found, self.found = self.found, []
        read = self._each(encoded.dictionary)
        messages = dict(self.found)
        self.found = found
        codes = encoded.indices.fill_null(0).to_numpy(zero_copy_only=False)
        for row in np.flatnonzero(read.bad[codes]).tolist():
            self._problem(row, messages[int(codes[row])])
        values = read.values.take(encoded.indices) if isinstance(read.values, pa.Array) else read.values[codes]
        suspect = {row: read.suspect[code] for row, code in enumerate(codes.tolist()) if code in read.suspect} \
            if read.suspect else {}
        return ReadColumn(values, read.bad[codes], suspect)

    def _each(self, cells: pa.Array) -> ReadColumn:
        declared = self.attr.declared
        text = pc.utf8_trim_whitespace(cells.fill_null(""))
        if declared == "money":
            text = pc.replace_substring_regex(text, r"^[A-Za-z]{3}\s+", "")
        if declared in _NUMERIC:
            text = pc.replace_substring_regex(text, "[,_]", "")
        pattern = {"date": _DATE, "money": _AMOUNT, "shares": _WHOLE, "int": _WHOLE, "days": _WHOLE}.get(declared)
        if pattern is not None:
            fast = pc.match_substring_regex(text, pattern)
        elif declared == "bool":
            fast = pc.is_in(pc.utf8_lower(text), pa.array(["true", "false", "yes", "no"]))
        elif declared in self.enums:
            fast = pc.is_in(text, pa.array(list(self.enums[declared].members)))
        else:
            fast = pc.not_equal(text, "")
        if declared == "date":  # the form is right; the date may still be impossible (2021-02-30)
            parsed = pc.strptime(pc.if_else(fast, text, "1970-01-01"), format="%Y-%m-%d", unit="s",
                                 error_is_null=True)
            written = pc.strftime(parsed, format="%Y-%m-%d")  # strptime moves 2021-02-30 to 2021-03-02
            fast = pc.and_(pc.and_(fast, pc.is_valid(parsed)), pc.equal(written, text).fill_null(False))
        ok = fast.to_numpy(zero_copy_only=False)
        values = self._fast_values(text, ok, declared)
        slow = np.flatnonzero(~ok)
        if len(slow):
            originals = cells.take(pa.array(slow)).to_pylist()
            cells_read = self._one_by_one(None, [o if o is not None else "" for o in originals], self._cell, slow)
            bad = np.zeros(len(ok), dtype=bool)
            bad[slow] = cells_read.bad
            return ReadColumn(values, bad, {int(slow[i]): v for i, v in cells_read.suspect.items()})
        return ReadColumn(values, np.zeros(len(ok), dtype=bool))

    def _fast_values(self, text: pa.Array, ok: Column, declared: str) -> Any:
        if declared in _NUMERIC:
            return pc.cast(pc.if_else(pa.array(ok), text, "0"), pa.int64()).to_numpy(zero_copy_only=False)
        if declared == "date":
            parsed = pc.strptime(pc.if_else(pa.array(ok), text, "1970-01-01"), format="%Y-%m-%d", unit="s")
            days = pc.cast(pc.cast(parsed, pa.date32()), pa.int32()).to_numpy(zero_copy_only=False)
            return days.astype(np.int64) + EPOCH
        if declared == "bool":
            return pc.is_in(pc.utf8_lower(text), pa.array(["true", "yes"])).to_numpy(zero_copy_only=False)
        return text

    def _one_by_one(self, cells: pa.Array | None, values: Sequence[Any], read: Callable[[Any], Any],
                    positions: Column | None = None) -> ReadColumn:
        """Cells read one at a time as the checker reads a value: a problem, or the exact value (suspect)."""
        bad = np.zeros(len(values), dtype=bool)
        suspect: dict[int, Any] = {}
        for i, raw in enumerate(values):
            row = int(positions[i]) if positions is not None else i
            try:
                suspect[i] = read(raw)
            except ValueError as error:
                bad[i] = True
                self._problem(row, str(error))
        if cells is not None:  # a column of another type: every row read this way, none fast
            return ReadColumn(_placeholder(self.attr.declared, len(values), suspect), bad, suspect)
        return ReadColumn(None, bad, suspect)

    def _cell(self, text: str) -> Any:
        value = read_cell(text.strip(), self.attr.name, self.attr.declared)
        if self.attr.declared in self.enums:
            return read_value(value, self.attr, self.enums)
        return value

    def _exact(self, value: Any) -> Any:
        if value is None or value == "":
            raise ValueError(f"no value for {self.attr.name}")
        return read_value(value, self.attr, self.enums)

    def _message(self, value: int) -> str:
        try:
            read_value(value, self.attr, self.enums)
        except ValueError as error:
            return str(error)
        return f"{self.attr.name}: {value} cannot be read"

    def _problem(self, position: int, message: str) -> None:
        self.found.append((position, message))


def _placeholder(declared: str, n: int, exact: Mapping[int, Any]) -> Any:
    """Typed values for a column read one by one: the exact value where it has one of the column's type."""
    if declared in _NUMERIC or declared == "date":
        values = np.zeros(n, dtype=np.int64)
        for i, v in exact.items():
            if isinstance(v, date):
                values[i] = v.toordinal()
            elif isinstance(v, Duration):
                values[i] = v.days
            elif isinstance(v, int):
                values[i] = v
        return values
    if declared == "bool":
        return np.array([bool(exact.get(i, False)) for i in range(n)])
    return pa.array([str(exact.get(i, "")) for i in range(n)], pa.string())


def python_value(read: ReadColumn, row: int, declared: str) -> Any:
    """A cell's value as the checker holds it (a date, an int, a Decimal, a Duration, a text)."""
    if row in read.suspect:
        return read.suspect[row]
    cell = read.values[row]
    if declared == "date":
        return date.fromordinal(int(cell))
    if declared in ("shares", "int"):
        return int(cell)
    if declared == "days":
        return Duration(days=int(cell))
    if declared == "bool":
        return bool(cell)
    text = cell.as_py()
    return Decimal(text) if declared == "money" else text



def from_frame(data: Any, name: str) -> Source:
    """A table given in Python: an Arrow table, or a pandas DataFrame (its index is not a column)."""
    table = data if isinstance(data, pa.Table) else pa.Table.from_pandas(data, preserve_index=False)
    _limit_rows(table.num_rows, name)
    return Source(name, table, np.arange(1, table.num_rows + 1), False)


def text_cells(source: Source, column: str) -> list[str]:
    cells = source.table.column(column)
    return ["" if v is None else str(v).strip() for v in cells.to_pylist()]


# ---- Grants ------------------------------------------------------------------------------------------------


@attrs.define
class GrantTable:
    """The grants of a table, read as the form's parameters: a row a grant."""

    source: Source
    parameters: Mapping[str, Attr]
    ids: pa.Array  # text
    columns: dict[str, ReadColumn]
    bad: Column  # rows with a problem: not evaluated
    suspect: Column  # rows whose values the checker must see whole

    @property
    def rows(self) -> int:
        return len(self.ids)

    def values(self, row: int) -> dict[str, Any]:
        """The row's parameters as the checker holds them."""
        return {name: python_value(self.columns[name], row, attr.declared) for name, attr in self.parameters.items()}

    def column(self, name: str) -> pa.Array:
        """Any column of the table (a parameter or another), as Arrow values."""
        found = self.source.table.column(name)
        return found.combine_chunks() if isinstance(found, pa.ChunkedArray) else found

    def where(self, row: int, column: str | None = None) -> str:
        return self.source.where(row, column)

    def id_of(self, row: int) -> str:
        return str(self.ids[row].as_py())


def read_grants(source: Source, parameters: Mapping[str, Attr], enums: Mapping[str, EnumType],
                problems: Problems) -> GrantTable:
    """Every row read as the form's parameters; a problem per bad cell and per repeated id. A table without a
    column for some parameter raises FileError: no row of it could be evaluated."""
    for name, attr in parameters.items():
        if name not in source.table.column_names and attr.optional:  # the default in every row
            cell = pa.scalar(str(csv_value(attr.default)), pa.string())
            source = attrs.evolve(source, table=source.table.append_column(name, pa.repeat(cell,
                                                                                          source.table.num_rows)))
    names = source.table.column_names
    missing = [p for p in parameters if p not in names]
    if missing:
        raise FileError(f"no column for the form's parameter{'s' if len(missing) > 1 else ''} "
                        f"{', '.join(shown(m) for m in missing)} (its columns: {', '.join(names)})", source.name)
    columns = {name: read_column(source, name, attr, enums, problems) for name, attr in parameters.items()}
    n = source.table.num_rows
    bad = np.zeros(n, dtype=bool)
    suspect = np.zeros(n, dtype=bool)
    for read in columns.values():
        bad |= read.bad
        suspect[list(read.suspect)] = True
    ids = _ids(source, problems, bad)
    return GrantTable(source, parameters, ids, columns, bad, suspect & ~bad)


def _ids(source: Source, problems: Problems, bad: Column) -> pa.Array:
    """Each row's id (`row N` where it has none); a repeated id is a problem on each row after the first."""
    given = pc.utf8_trim_whitespace(pc.cast(_combined(source.table.column(ID)), pa.string()).fill_null("")) \
        if ID in source.table.column_names else pa.nulls(source.table.num_rows, pa.string()).fill_null("")
    unnamed = pc.equal(given, "").to_numpy(zero_copy_only=False)
    if unnamed.any():
        names = np.array(given.to_pylist(), dtype=object)
        names[unnamed] = [f"row {line}" for line in source.lines[unnamed].tolist()]
        ids = pa.array(names, pa.string())
    else:
        ids = given
    order = pc.sort_indices(ids).to_numpy(zero_copy_only=False)  # stable: a run of one id starts at its first row
    ordered = ids.take(pa.array(order))
    same = np.concatenate([[False], pc.equal(ordered.slice(1), ordered.slice(0, len(ordered) - 1))
                          .to_numpy(zero_copy_only=False)]) if len(ids) > 1 else np.zeros(len(ids), dtype=bool)
    if same.any():
        run = np.maximum.accumulate(np.where(same, 0, np.arange(len(ids))))
        kind = "line" if source.by_line else "row"
        for position in np.flatnonzero(same).tolist():
            row, first = int(order[position]), int(order[run[position]])
            bad[row] = True
            problems.add(Diagnostic(f"the id {shown(ids[row].as_py())} is also the id of {kind} "
                                    f"{source.lines[first]}", where=source.where(row, ID)))
    return ids


def _combined(cells: Any) -> pa.Array:
    return cells.combine_chunks() if isinstance(cells, pa.ChunkedArray) else cells


def row_of(ids: pa.Array, wanted: pa.Array) -> Column:
    """For each id wanted, the first row of `ids` that has it (-1: none)."""
    found: Column = pc.index_in(wanted, value_set=ids).fill_null(-1).to_numpy(zero_copy_only=False)
    return found.astype(np.int64)


# ---- Events ------------------------------------------------------------------------------------------------


@attrs.define
class EventTable:
    """Events of many grants: row i is event `names[i]` of grant `grants[i]` (a row of the grants table) on
    day `dates[i]`, with `attrs[i]` its attributes; in input order."""

    grants: Column
    dates: Column
    names: list[str]
    attrs: list[dict[str, Any]]

    @staticmethod
    def empty() -> EventTable:
        return EventTable(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), [], [])

    def take(self, rows: Column) -> EventTable:
        chosen = rows.tolist()
        return EventTable(self.grants[rows], self.dates[rows], [self.names[i] for i in chosen],
                          [self.attrs[i] for i in chosen])


def read_events(source: Source, events: Mapping[str, Mapping[str, Attr]], enums: Mapping[str, EnumType],
                grants_read: GrantTable, problems: Problems) -> tuple[EventTable, dict[int, str]]:
    """The events of a table, each for a grant of the grants read. Returns the events read and, for
    each grant with an event that could not be read, where that event is (the grant is not evaluated)."""
    names = source.table.column_names
    for needed in (GRANT_ID, DATE, EVENT):
        if needed not in names:
            raise FileError(f"no column {shown(needed)}: an events table has grant_id, date and event columns, "
                            "then the events' attributes", source.name)
    declared = {attr for attrs_ in events.values() for attr in attrs_}
    unknown = [c for c in names if c not in (GRANT_ID, DATE, EVENT) and c not in declared]
    if unknown:
        raise FileError(f"unknown column {shown(unknown[0])} (the events' attributes: "
                        f"{', '.join(sorted(declared)) or 'none'})", source.name)
    n = source.table.num_rows
    bad = np.zeros(n, dtype=bool)
    ids = pc.utf8_trim_whitespace(pc.cast(_combined(source.table.column(GRANT_ID)), pa.string()).fill_null(""))
    grants = row_of(grants_read.ids, ids)
    grants = np.where((grants >= 0) & grants_read.bad[np.maximum(grants, 0)], -2, grants)
    for row in np.flatnonzero(grants == -1):
        bad[row] = True
        problems.add(Diagnostic(f"no grant has the id {shown(ids[row].as_py())}",
                                where=source.where(int(row), GRANT_ID)))
    dates = read_column(source, DATE, Attr(DATE, "date", DATE_TYPE), enums, problems)
    bad |= dates.bad
    kinds = text_cells(source, EVENT)  # few events: read one by one
    attributes: list[dict[str, Any]] = [{} for _ in range(n)]
    for name in dict.fromkeys(kinds):
        rows = np.flatnonzero(np.array([k == name for k in kinds]))
        if name not in events:
            bad[rows] = True
            for row in rows:
                problems.add(Diagnostic(f"unknown event {shown(name)} (the contract declares: {', '.join(events)})",
                                        where=source.where(int(row), EVENT)))
            continue
        bad |= _attributes(source, name, events[name], enums, rows, attributes, problems)
    broken = {int(grants[row]): source.where(int(row)) for row in np.flatnonzero(bad) if grants[row] >= 0}
    good = np.flatnonzero(~bad & (grants >= 0))  # the events of a grant set aside go with it
    table = EventTable(grants[good], np.asarray(dates.values)[good], [kinds[i] for i in good.tolist()],
                       [attributes[i] for i in good.tolist()])
    return table, broken


def _attributes(source: Source, event: str, declared: Mapping[str, Attr], enums: Mapping[str, EnumType],
                rows: Column, into: list[dict[str, Any]], problems: Problems) -> Column:
    """Read the attributes of the rows of one event; the rows (of the whole table) found bad."""
    bad = np.zeros(source.table.num_rows, dtype=bool)
    for column in source.table.column_names:
        if column in (GRANT_ID, DATE, EVENT) or column in declared:
            continue
        cells = source.table.column(column).take(pa.array(rows)).to_pylist()
        for row, cell in zip(rows.tolist(), cells):
            if cell is not None and str(cell).strip():
                bad[row] = True
                problems.add(Diagnostic(f"{event} has no attribute {shown(column)} (it has: "
                                        f"{', '.join(declared) or 'none'})", where=source.where(row, column)))
    for name, attr in declared.items():
        if name not in source.table.column_names:
            bad[rows] = True
            for row in rows.tolist():
                problems.add(Diagnostic(f"missing {name!r} ({attr.declared})", where=source.where(row)))
            continue
        read = read_column(source, name, attr, enums, problems, rows)
        bad[rows[read.bad]] = True
        for i, row in enumerate(rows.tolist()):
            if not read.bad[i]:
                into[row][name] = python_value(read, i, attr.declared)
    return bad

