"""Source spans and diagnostics, and the one place they are rendered."""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable, Mapping

from optionrules.records import record


@record
class Span:
    """Where a node sits in its source file (1-based lines and columns; end exclusive)."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@record
class Diagnostic:
    """One problem found in a contract or a timeline.

    A contract problem carries a `span`; a timeline problem carries `where`
    (the file and the event's index and field) instead.
    """

    message: str
    span: Span | None = None
    where: str | None = None
    severity: str = "error"
    hint: str | None = None
    stands_for: int = 1  # the problems it counts: more than one for the line that says how many were not kept

    @property
    def location(self) -> str:
        if self.span is not None:
            return str(self.span)
        return self.where or "<input>"

    def render(self, sources: Mapping[str, str] | None = None) -> str:
        """`file:line:col: error: message`, then the offending line with a caret; control characters and
        bidirectional overrides are shown as escapes, so that no input moves the cursor or reorders the text,
        and so are line breaks in the message and the hint, so that no input starts a line of its own (a CI
        log reads `::error::...` at the start of a line as a command)."""
        lines = [one_line(f"{self.location}: {self.severity}: {self.message}")]
        text = sources.get(self.span.file) if sources is not None and self.span else None
        if text is not None and self.span is not None:
            line = source_line(text, self.span.line)
            if line is not None:
                shown, column, width = _excerpt(line.rstrip("\r").expandtabs(1), self.span)
                lines.append(f"    {shown}")
                lines.append("    " + " " * column + "^" * max(1, width))
        if self.hint:
            lines.append(one_line(f"    hint: {self.hint}"))
        return "\n".join(lines)


SHOWN = 160  # the characters of a long source line shown around a problem


def _excerpt(line: str, span: Span) -> tuple[str, int, int]:
    """The line as shown (a window of a long line, escapes for control characters), the caret's offset and
    width."""
    start = min(span.column - 1, len(line))
    end = span.end_column - 1 if span.end_line == span.line else len(line)
    first = max(0, min(start - SHOWN // 4, len(line) - SHOWN))
    last = min(len(line), first + SHOWN)
    end = min(max(end, start + 1), last)
    before = ("…" if first else "") + visible(line[first:start])
    marked = visible(line[start:end])
    after = visible(line[end:last]) + ("…" if last < len(line) else "")
    return before + marked + after, len(before), len(marked)


# C0 and C1 controls but tab and newline, DEL, bidirectional controls, line and paragraph separators, and
# lone surrogates (text from input that no terminal could print)
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")


def visible(text: str) -> str:
    """Text with every control character, bidirectional override and lone surrogate written as an escape
    (`\\x1b`, `\\u202e`): safe to print to a terminal or a CI log."""
    return _INVISIBLE.sub(lambda m: ascii(m[0])[1:-1], text)


def visible_json(text: str) -> str:
    """JSON text with every character `visible` escapes written as a `\\uXXXX` escape: the same data (they
    can only be inside its strings), safe to print. (json escapes C0 controls itself, not DEL, C1 controls,
    bidirectional overrides or separators, and keeps lone surrogates.)"""
    return _INVISIBLE.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def one_line(text: str) -> str:
    """`visible(text)`, its line breaks written as `\\n` too."""
    return visible(text).replace("\n", "\\n")


@functools.lru_cache(maxsize=8)
def _line_starts(text: str | bytes) -> list[int]:
    """The offset of each line's first character, found once per source (diagnostics are rendered in bulk)."""
    newline: str | bytes = "\n" if isinstance(text, str) else b"\n"
    starts = [0]
    at = text.find(newline)  # type: ignore[arg-type]
    while at >= 0:
        starts.append(at + 1)
        at = text.find(newline, at + 1)  # type: ignore[arg-type]
    return starts


def line_and_column(text: str | bytes, offset: int) -> tuple[int, int]:
    """The 1-based line and column of an offset, as the lexer counts them (lines end at \\n)."""
    starts = _line_starts(text)
    line = bisect.bisect_right(starts, offset)
    return line, offset - starts[line - 1] + 1


def source_line(text: str, number: int) -> str | None:
    """Line `number` (1-based) without its \\n, or None past the end."""
    starts = _line_starts(text)
    if not 0 < number <= len(starts):
        return None
    end = starts[number] - 1 if number < len(starts) else len(text)
    return text[starts[number - 1]:end]


class Problems(list[Diagnostic]):
    """The diagnostics of one input, at most MAX_PROBLEMS of them, and a count of the others: however broken
    the input, what is kept and printed stays small."""

    MAX_PROBLEMS = 1_000

    def __init__(self, source: str):
        super().__init__()
        self.source, self.more = source, 0

    def add(self, diagnostic: Diagnostic) -> None:
        if len(self) < self.MAX_PROBLEMS:
            self.append(diagnostic)
        else:
            self.more += 1

    @property
    def total(self) -> int:
        return len(self) + self.more

    def reported(self) -> list[Diagnostic]:
        """The diagnostics kept, and a last one saying how many more there are."""
        more = Diagnostic(f"{self.more:,} more problems", where=self.source, stands_for=self.more)
        return [*self, more] if self.more else list(self)


def render_all(diagnostics: Iterable[Diagnostic], sources: Mapping[str, str] | None = None) -> str:
    return "\n".join(d.render(sources) for d in diagnostics)


class OptionRulesError(Exception):
    """Raised by the Python API when input cannot mean anything; carries every diagnostic."""

    def __init__(self, diagnostics: list[Diagnostic], sources: Mapping[str, str] | None = None):
        self.diagnostics = list(diagnostics)
        self.sources = dict(sources or {})
        super().__init__(render_all(self.diagnostics, self.sources))


class ContractError(OptionRulesError):
    """A contract file that does not parse or does not check."""


class TimelineError(OptionRulesError):
    """A timeline whose events cannot mean anything under the contract."""


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """A hint naming the closest candidate, if one is close enough."""
    import difflib

    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.7)
    return f"did you mean '{close[0]}'?" if close else None


class QueryError(OptionRulesError, ValueError):
    """A question asked in a way the contract cannot answer: an as-of date that is not a date, a what-if
    that cannot be built, an argument of the wrong type."""

    def __init__(self, message: str):
        super().__init__([Diagnostic(message, where="<query>")])
        self.message = message

    def __str__(self) -> str:
        return self.message


class ReadingError(QueryError):
    """A reading asked for that the contract's assumptions do not have."""


class InternalError(Exception):
    """A case the engine does not handle: a bug, reported as one."""


def install_hint(extra: str) -> str:
    """How to install an optional extra: from the checkout this package runs from (it is not published)."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    where = str(root) if (root / "pyproject.toml").is_file() else "path/to/optionrules"
    return f"pip install -e '{where}[{extra}]'"
