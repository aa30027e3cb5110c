"""`fmt`: the canonical layout of a contract file, every comment kept.

One item after another, a blank line between them where the author left one; blocks indented
by two spaces, one entry a line; a `when` condition on the header line unless that runs past
the width; comments stay before the entry (or on the line) they were written with. Formatting
twice gives the same text as formatting once, and the text parses to the same syntax tree.
"""

from __future__ import annotations

from collections import deque
from typing import Any, NamedTuple

import attrs

from optionrules import ast, printer
from optionrules.errors import Span

WIDTH = 100
INDENT = "  "


def format_text(module: ast.Module, text: str) -> str:
    return _Formatter(module, text).text()


class _Formatter:
    def __init__(self, module: ast.Module, text: str):
        self.tree = module
        self.source_lines = text.split("\n")  # as the lexer counts lines (splitlines also cuts at \r, \x0c, \u2028...)
        self.comments = deque(sorted(module.comments, key=lambda c: (c.span.line, c.span.column)))  # not printed yet
        self.out: list[_Line] = []

    # ---- comments: each printed once, before or on the line of the code it was written with

    def _leading(self, line: int, indent: str) -> None:
        """Every comment on a line before `line` not printed yet, each on its own line."""
        while self.comments and self.comments[0].span.line < line:
            comment = self.comments.popleft()
            if self.out and self._blank_before(comment.span.line) and self.out[-1] != _BLANK \
                    and not self.out[-1].code.endswith("{"):
                self.out.append(_BLANK)
            self.out.append(_Line(indent + comment.text))

    def _line(self, code: str, line: int) -> _Line:
        """A line of code, with the comment written on source line `line` after the code, if any."""
        if self.comments and self.comments[0].span.line == line:
            return _Line(code, self.comments.popleft().text)
        return _Line(code)

    def _blank_before(self, line: int) -> bool:
        return line >= 2 and not self.source_lines[line - 2].strip()

    # ---- items

    def text(self) -> str:
        for item in self.tree.items:
            first = min(item.span.line, self.comments[0].span.line) if self.comments else item.span.line
            if self.out and self._blank_before(first) and self.out[-1] != _BLANK:
                self.out.append(_BLANK)
            self._leading(item.span.line, "")
            if self.out and self._blank_before(item.span.line) and self.out[-1] != _BLANK:
                self.out.append(_BLANK)  # a heading comment kept apart from the item it heads
            if isinstance(item, ast.EnumDecl):
                self._enum(item)
            else:
                self._clause(item)
        self._leading(len(self.source_lines) + 2, "")
        while self.out and self.out[-1] == _BLANK:
            self.out.pop()
        return "".join(line + "\n" for line in _align(self.out))

    def _enum(self, item: ast.EnumDecl) -> None:
        members = [m.id for m in item.members]
        line = f"enum {item.name} {{ {', '.join(members)} }}"
        if len(line) <= WIDTH:
            self.out.append(self._line(line, item.span.line))
            return
        self.out.append(self._line(f"enum {item.name} {{", item.span.line))
        for member in item.members:
            self._leading(member.span.line, INDENT)
            self.out.append(self._line(f"{INDENT}{member.id},", member.span.line))
        self.out.append(_Line("}"))

    def _clause(self, clause: ast.Clause) -> None:
        comments = self._header_comments(clause)
        # the last comment stays on the header's first line, the others go before it: all in their order
        self.out.extend(_Line(c) for c in comments[:-1])
        lines = [_Line(code) for code in self._header_lines(clause)]
        if comments:
            lines[0] = _Line(lines[0].code, comments[-1])
        self.out.extend(lines)
        if clause.entries:
            self._entries(clause.entries, INDENT, clause.span.end_line)
            self.out.append(self._line("}", clause.span.end_line))

    def _header_lines(self, clause: ast.Clause) -> list[str]:
        """`KIND NAME "citation" ... (params) on EVENT when CONDITION {`, broken where it runs past the width."""
        head = [clause.kind]
        if clause.name is not None:
            head.append(clause.name.id)
        if clause.citation is not None:
            head.append(printer.string(clause.citation.value, lines=False))
        if clause.overrides is not None:
            head.append(f"{'exception to' if clause.exception else 'overrides'} {clause.overrides.id}")
        lines: list[str] = []
        header = " ".join(head)
        if clause.params is not None:
            params = [f"{p.name}: {p.type_name}" + (f" = {printer.expression(p.default)}" if p.default else "")
                      for p in clause.params]
            space = " " if clause.citation is not None else ""  # `event e(a: t)`, `form f "Title" (a: t)`
            if len(f"{header}{space}({', '.join(params)})") <= WIDTH:
                header += f"{space}({', '.join(params)})"
            else:  # one parameter a line
                lines += [f"{header}{space}(", *(f"{INDENT}{p}," for p in params)]
                header = ")"
        opening = " {" if clause.entries else ""
        rest = [f"on {clause.trigger.id}"] if clause.trigger is not None else []
        if clause.condition is not None:
            rest.append("when " + printer.expression(clause.condition))
        line = " ".join([header, *rest]) + opening
        if len(line) <= WIDTH or not rest:
            return [*lines, line]
        if clause.condition is not None and len(rest) == 2 and len(f"{header} {rest[0]}") <= WIDTH:
            return [*lines, f"{header} {rest[0]}", f"{INDENT}{rest[1]}{opening}"]  # `when` on a line of its own
        return [*lines, header, f"{INDENT}{' '.join(rest)}{opening}"]  # `on ... when ...` on a line of their own

    def _header_comments(self, clause: ast.Clause) -> list[str]:
        """The comments written on the header's lines (those of its words, before the block's entries)."""
        parts = [clause.name, clause.citation, clause.overrides, clause.trigger, clause.condition,
                 *(clause.params or ())]
        last = max([clause.kind_span.end_line, *(p.span.end_line for p in parts if p is not None)])
        found = []
        while self.comments and self.comments[0].span.line <= last:
            found.append(self.comments.popleft().text)
        return found

    # ---- entries and values

    def _entries(self, entries: tuple[ast.Entry, ...], indent: str, end_line: int) -> None:
        for entry in entries:
            self._leading(entry.span.line, indent)
            self._entry(entry, indent)
        self._leading(end_line, indent)  # comments after the last entry, before the closing brace

    def _entry(self, entry: ast.Entry, indent: str) -> None:
        values = entry.values
        if len(values) == 1 and isinstance(values[0], ast.Record):
            self._record(f"{indent}{entry.key}: ", values[0], indent)
            return
        texts = [printer.value(v) for v in values]
        line = f"{indent}{entry.key}: {', '.join(texts)}"
        if len(values) == 1 or (len(line) <= WIDTH and "\n" not in line):
            self.out.append(self._line(line, entry.span.end_line))
            return
        self.out.append(self._line(f"{indent}{entry.key}:", entry.key_span.line))
        for n, (value, text) in enumerate(zip(values, texts)):
            self._leading(value.span.line, indent + INDENT)
            comma = "," if n < len(values) - 1 else ""
            self.out.append(self._line(f"{indent}{INDENT}{text}{comma}", value.span.end_line))

    def _record(self, prefix: str, record: ast.Record, indent: str) -> None:
        if not record.entries:
            self.out.append(self._line(prefix + "{}", record.span.end_line))
            return
        self.out.append(self._line(prefix + "{", record.span.line))
        self._entries(record.entries, indent + INDENT, record.span.end_line)
        self.out.append(self._line(indent + "}", record.span.end_line))


class _Line(NamedTuple):
    """A line of output: its code, and the comment written after it (aligned with its neighbours' at the end).
    Kept apart, not joined by a marker character: the code's strings and the comments may hold any character."""

    code: str
    comment: str | None = None


_BLANK = _Line("")
ALIGN_LIMIT = 80  # trailing comments are aligned in a column no further right than this


def _align(lines: list[_Line]) -> list[str]:
    """Trailing comments of consecutive lines start in one column, as far as it is not too far right."""
    out: list[str] = []
    run: list[tuple[str, str]] = []

    def flush() -> None:
        column = max((len(code) for code, _ in run), default=0) + 2
        out.extend(f"{code:<{column}}{comment}" if column <= ALIGN_LIMIT else f"{code}  {comment}"
                   for code, comment in run)
        run.clear()

    for code, comment in lines:
        if comment is not None and code.strip():
            run.append((code, comment))
            continue
        flush()
        out.append(code + ("  " + comment if comment is not None else ""))
    flush()
    return out


def same_tree(a: Any, b: Any) -> bool:
    """Whether two syntax trees are the same but for their positions."""
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(same_tree(x, y) for x, y in zip(a, b))
    if type(a) is not type(b):
        return False
    if isinstance(a, Span):
        return True  # a position
    if not attrs.has(type(a)):
        return bool(a == b)
    return all(same_tree(getattr(a, f.name), getattr(b, f.name)) for f in attrs.fields(type(a)))
