"""What a highlighter must show, taken from the syntax tree: where each comment, string, date, number,
duration, percentage, amount of money, clause kind and key is written."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from optionrules import ast
from optionrules.errors import Span
from optionrules.parse import parse

LITERALS = {ast.StringLit: "string", ast.DateLit: "date", ast.DurationLit: "duration", ast.NumberLit: "number",
            ast.PercentLit: "percent", ast.MoneyLit: "money"}


def written(path: Path) -> Iterator[tuple[str, Span]]:
    """(what, span) for every comment, literal, clause kind and key of the file."""
    module, problems = parse(path.read_text(encoding="utf-8"), str(path))
    assert not problems, problems
    for comment in module.comments:
        yield "comment", comment.span
    for item in module.items:
        if isinstance(item, ast.EnumDecl):
            continue
        yield "kind", item.kind_span
        for node in ast.walk(item.citation, *item.entries, item.condition):
            if type(node) in LITERALS:
                yield LITERALS[type(node)], node.span
            elif isinstance(node, ast.Entry):
                yield "key", node.key_span


def segments(span: Span, lines: list[str]) -> Iterator[tuple[int, int, int]]:
    """(line index, first column, end column), 0-based, for each line the span covers."""
    for line in range(span.line, span.end_line + 1):
        start = span.column - 1 if line == span.line else 0
        end = span.end_column - 1 if line == span.end_line else len(lines[line - 1])
        if end > start:
            yield line - 1, start, end
