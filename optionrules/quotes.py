"""Finding a clause's `says:` quote in the agreement's text.

Whitespace and line breaks do not count (a quote may wrap where the text does not), and `...` in a
quote stands for omitted text. When a quote is not in the text, the nearest passage (the stretch
sharing the most words with it) is offered as a hint.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from optionrules import ast
from optionrules.errors import Diagnostic, Span
from optionrules.kinds import HEADERS
from optionrules.model import ClauseRef
from optionrules.records import record

ELLIPSIS = re.compile(r"\.\.\.|…")
_WORD = re.compile(r"\w+")
_SPACE, _NON_SPACE = re.compile(r"\s+"), re.compile(r"\S+")
HINT_WIDTH = 160  # characters of the nearest passage shown in a hint


@record
class Passage:
    """A stretch of the source text: offsets `start` to `end` (exclusive)."""

    start: int
    end: int

    def text(self, source: str) -> str:
        return source[self.start:self.end]


@record(eq=False)
class Compact:
    """A text without its whitespace, and where each remaining character was in the text."""

    chars: str
    offsets: tuple[int, ...]

    @classmethod
    def of(cls, text: str) -> Compact:
        runs = [m.span() for m in _NON_SPACE.finditer(text)]  # `\s` is what str.isspace() calls whitespace
        return cls(_SPACE.sub("", text), tuple(itertools.chain.from_iterable(itertools.starmap(range, runs))))

    def passage(self, start: int, end: int) -> Passage:
        """The passage of the original text from compact index `start` to `end` (exclusive, end > start)."""
        return Passage(self.offsets[start], self.offsets[end - 1] + 1)


def quote_parts(quote: str) -> list[str]:
    """The pieces of a quote between its ellipses, without whitespace; empty pieces dropped."""
    return [part for part in ("".join(piece.split()) for piece in ELLIPSIS.split(quote)) if part]


def find_quote(source: str | Compact, quote: str) -> Passage | None:
    """The shortest passage of the source holding the quote's pieces in order, or None."""
    compact = source if isinstance(source, Compact) else Compact.of(source)
    parts = quote_parts(quote)
    if not parts:
        return None
    best: tuple[int, int] | None = None
    for start in _occurrences(compact.chars, parts[0]):
        end = _rest_in_order(compact.chars, parts[1:], start + len(parts[0]))
        if end is None:
            break  # a later start cannot find what this one did not
        if best is None or end - start < best[1] - best[0]:
            best = (start, end)
    return compact.passage(*best) if best else None


def _occurrences(text: str, part: str) -> Iterator[int]:
    at = text.find(part)
    while at >= 0:
        yield at
        at = text.find(part, at + 1)


def _rest_in_order(text: str, parts: list[str], at: int) -> int | None:
    """Where the last of `parts` ends, each found after the one before it from `at`; None if one is missing."""
    for part in parts:
        found = text.find(part, at)
        if found < 0:
            return None
        at = found + len(part)
    return at


def nearest_passage(source: str, quote: str) -> Passage | None:
    """The stretch of the source, about as many words long as the quote, sharing the most words with it."""
    words = [(m.start(), m.end(), m[0].lower()) for m in _WORD.finditer(source)]
    wanted = Counter(w.lower() for w in _WORD.findall(ELLIPSIS.sub(" ", quote)))
    size = min(sum(wanted.values()) * 5 // 4 + 1, len(words))  # room for a word or two changed; ends trimmed
    if size == 0:
        return None
    window = Counter(w for _, _, w in words[:size])
    best_score, best_start = _shared(window, wanted), 0
    for start in range(1, len(words) - size + 1):
        window[words[start - 1][2]] -= 1
        window[words[start + size - 1][2]] += 1
        score = _shared(window, wanted)
        if score > best_score:
            best_score, best_start = score, start
    if best_score == 0:
        return None
    first, last = _trimmed(words[best_start:best_start + size], wanted)
    return Passage(words[best_start + first][0], words[best_start + last][1])


def _trimmed(window: list[tuple[int, int, str]], wanted: Counter[str]) -> tuple[int, int]:
    """The first and last word of the window to keep: words at either end the quote has no use for are dropped."""
    counts = Counter(w for _, _, w in window)
    first, last = 0, len(window) - 1

    def spare(word: str) -> bool:
        return counts[word] > wanted[word]

    while first < last and spare(window[first][2]):
        counts[window[first][2]] -= 1
        first += 1
    while last > first and spare(window[last][2]):
        counts[window[last][2]] -= 1
        last -= 1
    return first, last


def _shared(window: Counter[str], wanted: Counter[str]) -> int:
    return sum(min(window[w], n) for w, n in wanted.items())


def one_line(text: str, width: int = HINT_WIDTH) -> str:
    """A passage on one line, its whitespace collapsed, cut at `width` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def not_found(ref: ClauseRef, source_text: str, source_path: str) -> Diagnostic:
    """A warning at the clause that its quote is not in the text, with the nearest passage."""
    assert ref.says is not None
    near = nearest_passage(source_text, ref.says)
    name = Path(source_path).name
    hint = (f"the nearest passage, {name} line {line_of(source_text, near.start)}: "
            f"\"{one_line(near.text(source_text))}\"" if near else f"no passage of {name} shares its words")
    return Diagnostic(f"the quote of {ref.kind} {ref.name} is not in {name} (whitespace aside; ... omits text)",
                      header_span(ref), severity="warning", hint=hint)


def header_span(ref: ClauseRef) -> Span:
    """The clause's kind word, where a warning about the whole clause is shown."""
    span = ref.span
    return Span(span.file, span.line, span.column, span.line, span.column + len(ref.kind))


def quote_diagnostics(clauses: Iterable[ClauseRef], source_text: str, source_path: str) -> list[Diagnostic]:
    """A warning for each clause whose `says:` quote is not found in the source text."""
    compact = Compact.of(source_text)
    return [not_found(ref, source_text, source_path) for ref in clauses
            if ref.says is not None and find_quote(compact, ref.says) is None]



def source_entry(module: ast.Module) -> ast.StringLit | None:
    """The header's `source:` string (the agreement's, plan's or form's text, relative to the file), if any."""
    header = next((item for item in module.items if isinstance(item, ast.Clause)), None)
    entry = header.entry("source") if header is not None and header.kind in HEADERS else None
    value = entry.values[0] if entry is not None and entry.values else None
    return value if isinstance(value, ast.StringLit) else None


def agreement_text(contract: str | Path, source: str, what: str) -> tuple[Path, str]:
    """The text `source:` names, relative to the contract and inside its tree (no path or link out of it is
    followed), at most SOURCE_BYTES of it; raises FileError saying why it cannot be read."""
    from optionrules.files import FileError, decode, inside_root, read_bytes, root_of
    from optionrules.limits import SOURCE_BYTES

    path = Path(contract).parent / source
    inside_root(path, root_of(contract), what)
    text, _ = decode(read_bytes(path, SOURCE_BYTES, what), str(path))
    if text is None:
        raise FileError(f"the {what} is not UTF-8 text", str(path))
    return path, text
