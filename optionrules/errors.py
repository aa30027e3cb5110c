"""Source spans and diagnostics, and the one place they are rendered."""

from __future__ import annotations

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

    @property
    def location(self) -> str:
        if self.span is not None:
            return str(self.span)
        return self.where or "<input>"

    def render(self, sources: Mapping[str, str] | None = None) -> str:
        """`file:line:col: error: message`, then the offending line with a caret."""
        lines = [f"{self.location}: {self.severity}: {self.message}"]
        text = sources.get(self.span.file) if sources is not None and self.span else None
        if text is not None and self.span is not None:
            source_lines = text.split("\n", self.span.line)  # up to the line (as the lexer counts lines)
            if 0 < self.span.line <= len(source_lines):
                line = source_lines[self.span.line - 1].rstrip("\r").expandtabs(1)
                width = (
                    self.span.end_column - self.span.column
                    if self.span.end_line == self.span.line
                    else len(line) - self.span.column + 1
                )
                lines.append(f"    {line}")
                lines.append("    " + " " * (self.span.column - 1) + "^" * max(1, width))
        if self.hint:
            lines.append(f"    hint: {self.hint}")
        return "\n".join(lines)


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
