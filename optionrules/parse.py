"""Text to syntax tree: the Lark parser, item splitting and the node builder.

A file is read one top-level item at a time (an item starts at the beginning
of a line; its continuation lines are indented), so one syntax error does not
hide the errors in the items after it.
"""

from __future__ import annotations

import re
import threading
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, NamedTuple

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.lexer import LexerState, LexerThread, LineCounter
from lark.utils import TextSlice

from optionrules import ast
from optionrules.errors import Diagnostic, Span, did_you_mean, line_and_column
from optionrules.limits import MAX_ITEMS
from optionrules.values import UNIT_WORDS

MAX_NESTING = 100

_parser: Lark | None = None
_lock = threading.Lock()  # the node builder stamps spans with the file being parsed: one parse at a time


_OPTIONS: dict[str, Any] = {"parser": "lalr", "lexer": "contextual", "maybe_placeholders": True}


class _ItemLexerThread(LexerThread):
    """Lark's lexer thread for one item of a file: its line counter starts at the item's line and column,
    found in the file's index of line starts. (Lark counts the newlines from the start of the file to the
    item each time, which made a file of many items quadratic.)"""

    @classmethod
    def from_text(cls, lexer: Any, text_or_slice: Any) -> _ItemLexerThread:
        text = TextSlice.cast_from(text_or_slice)
        counter = LineCounter("\n")  # type: ignore[no-untyped-call]
        line, column = line_and_column(text.text, text.start)
        counter.char_pos, counter.line, counter.column = text.start, line, column
        counter.line_start_pos = text.start - column + 1
        return cls(lexer, LexerState(text, counter))


_PLUGINS = {"LexerThread": _ItemLexerThread}


def grammar_text() -> str:
    import optionrules.grammar  # the top-level grammar/ directory, installed as a subpackage

    return Path(optionrules.grammar.__file__).with_name("optionrules.lark").read_text(encoding="utf-8")


def parser() -> Lark:
    """The LALR parser, built once per process from the tables shipped with the package.

    The tables (optionrules.grammar.tables, generated from the grammar by `make tables`) are Python
    literals, imported like any module of the package: nothing is unpickled, nothing is read from a
    cache in a shared folder. If they do not match the grammar or the installed Lark, the parser is
    built from the grammar instead (slower to start; a test fails while the shipped tables are stale).

    The node builder runs inside the parser, making syntax nodes as rules are
    reduced: no intermediate tree, and no recursion however deep the input nests.
    """
    global _parser
    if _parser is None:
        with _lock:
            if _parser is None:  # another thread may have built it meanwhile
                _parser = _from_tables() or Lark(grammar_text(), transformer=_ToAst(), _plugins=_PLUGINS, **_OPTIONS)
    return _parser


def _from_tables() -> Lark | None:
    from optionrules.grammar import tables

    if _fingerprint() != (tables.GRAMMAR_SHA256, tables.LARK_VERSION):
        return None
    return Lark._load_from_dict(tables.DATA, tables.MEMO, transformer=_ToAst(),  # type: ignore[no-untyped-call,no-any-return]
                                _plugins=_PLUGINS)


def _fingerprint() -> tuple[str, str]:
    """What the tables are made from: the grammar (its SHA-256) and the version of Lark."""
    import hashlib

    import lark

    return hashlib.sha256(grammar_text().encode("utf-8")).hexdigest(), lark.__version__


def tables_text() -> str:
    """The parser tables as a Python module: the grammar's fingerprint and Lark's serialized LALR parser."""
    import pprint

    from lark.grammar import Rule
    from lark.lexer import TerminalDef

    data, memo = Lark(grammar_text(), **_OPTIONS).memo_serialize([TerminalDef, Rule])
    digest, version = _fingerprint()
    return (f'"""The parser tables of optionrules.lark, made by `make tables` (optionrules.parse.tables_text): '
            f'do not edit."""\n\nGRAMMAR_SHA256 = {digest!r}\nLARK_VERSION = {version!r}\n'
            f"DATA = {pprint.pformat(data, width=120)}\nMEMO = {pprint.pformat(memo, width=120)}\n")


def parse(text: str, file: str = "<string>") -> tuple[ast.Module, list[Diagnostic]]:
    """Parse a whole file; returns the items that parsed and a diagnostic per broken item."""
    items: list[ast.Item] = []
    broken: list[tuple[str, str | None]] = []
    diagnostics: list[Diagnostic] = []
    chunks, comments, scan_errors = _split_items(text, file)
    diagnostics.extend(scan_errors)
    lark = parser()
    builder = lark.options.transformer
    assert isinstance(builder, _ToAst)
    with _lock:
        builder.file = file
        for start, end in chunks:
            try:
                item: Any = lark.parse(TextSlice(text, start, end))  # type: ignore[arg-type]
                if end - start > MAX_NESTING:  # a shorter item cannot nest that deep
                    _check_nesting(item)
                items.append(item)
            except UnexpectedInput as error:
                diagnostics.append(_syntax_diagnostic(error, text, file, start, end))
                broken.append(_kind_and_name(text[start:end]))
            except _ItemError as error:
                diagnostics.append(error.diagnostic)
                broken.append(_kind_and_name(text[start:end]))
    return ast.Module(file, tuple(items), tuple(comments), tuple(broken)), diagnostics


def _kind_and_name(item: str) -> tuple[str, str | None]:
    words = re.match(r"\s*([A-Za-z_]\w*)(?:\s+([A-Za-z_]\w*))?", item)
    return (words[1], words[2]) if words else ("", None)


# ---- Splitting a file into items -------------------------------------------------------


def _split_items(text: str, file: str) -> tuple[list[tuple[int, int]], list[ast.Comment], list[Diagnostic]]:
    """Cut the text at each line that starts an item, outside strings; collect comments."""
    starts: list[int] = []
    comments: list[ast.Comment] = []
    errors: list[Diagnostic] = []
    i, n, line, line_start = 0, len(text), 1, 0
    in_long_string_since: int | None = None
    while i < n:
        c = text[i]
        if in_long_string_since is not None:
            if text.startswith('"""', i):
                in_long_string_since = None
                i += 3
                continue
        elif i == line_start and (c.isalpha() or c == "_"):
            starts.append(i)
        elif c == "#":
            end = text.find("\n", i)
            end = n if end < 0 else end
            comment = text[i:end].rstrip("\r")
            comments.append(ast.Comment(comment, Span(file, line, i - line_start + 1, line, i - line_start + 1 +
                                                      len(comment))))
            i = end
            continue
        elif text.startswith('"""', i):
            in_long_string_since = i
            i += 3
            continue
        elif c == '"':
            i = _skip_string(text, i)
            continue
        if c == "\n":
            line += 1
            line_start = i + 1
        i += 1
    if in_long_string_since is not None:
        errors.append(Diagnostic("this \"\"\" string is never closed", _span_at(text, file, in_long_string_since, 3)))
    if not starts and text.strip() and not _only_comments(text):
        starts.append(0)
    elif starts and text[: starts[0]].strip() and not _only_comments(text[: starts[0]]):
        starts.insert(0, 0)
    bounds = [(s, e) for s, e in zip(starts, starts[1:] + [n])]
    if in_long_string_since is not None:  # already reported: do not parse the item it swallowed
        bounds = [(s, e) for s, e in bounds if not s <= in_long_string_since < e]
    if len(bounds) > MAX_ITEMS:
        errors.append(Diagnostic(f"more than {MAX_ITEMS:,} items in one file: the rest is not read (the limit for "
                                 "a contract)", _span_at(text, file, bounds[MAX_ITEMS][0])))
        bounds = bounds[:MAX_ITEMS]
    return bounds, comments, errors


_STRING_BODY = re.compile(r'(?:[^"\\\n]++|\\.)*+"?')  # after the opening quote, up to the closing one if any


def _skip_string(text: str, i: int) -> int:
    """Index after the one-line string opening at i (or the end of its line)."""
    end = _STRING_BODY.match(text, i + 1)
    assert end is not None  # it matches the empty string
    return end.end()


def _only_comments(text: str) -> bool:
    return all(not line.strip() or line.strip().startswith("#") for line in text.split("\n"))  # lines as lexed


def _span_at(text: str, file: str, pos: int, width: int = 1) -> Span:
    line, column = line_and_column(text, pos)
    return Span(file, line, column, line, column + width)


# ---- Syntax errors --------------------------------------------------------------------

_READABLE = {
    "NAME": "a name",
    "STRING": "a string",
    "NUMBER": "a number",
    "DATE": "a date",
    "PERCENT": "a percentage",
    "UNIT": "a unit (days, months, years)",
    "COMPARE": "a comparison",
    "ADD_OP": "'+' or '-'",
    "MUL_OP": "'*' or '/'",
    "$END": "the end of the item",
}


def _readable(terminal: str) -> str:
    if terminal in _READABLE:
        return _READABLE[terminal]
    try:
        pattern = parser().get_terminal(terminal).pattern
    except KeyError:
        return terminal
    return f"'{pattern.value}'" if pattern.type == "str" else terminal.lower()


def _expected(expected: Any) -> str:
    names = sorted({_readable(t) for t in expected})
    if len(names) > 8:
        names = names[:8] + ["..."]
    return ", ".join(names)


def _syntax_diagnostic(error: UnexpectedInput, text: str, file: str, start: int, end: int) -> Diagnostic:
    if isinstance(error, UnexpectedCharacters):
        pos = error.pos_in_stream or start
        char = text[pos] if pos < len(text) else "?"
        if char == '"':
            return Diagnostic("this string is never closed on its line", _span_at(text, file, pos),
                              hint='close it with ", or use """ for text over several lines')
        return Diagnostic(f"unexpected character {char!r}", _span_at(text, file, pos))
    if isinstance(error, UnexpectedToken) and error.token.type != "$END":
        token = error.token
        return Diagnostic(
            f"unexpected {_describe_token(token)}; expected {_expected(error.expected)}",
            Span(file, token.line or 1, token.column or 1, token.end_line or token.line or 1,
                 token.end_column or (token.column or 1) + 1),
            hint=_token_hint(token, error.expected, text[start:token.start_pos]),
        )
    expected = error.expected if isinstance(error, (UnexpectedToken, UnexpectedEOF)) else ()
    code = _COMMENT_OR_STRING.sub(lambda m: m[0] if m[0].startswith('"') else " " * len(m[0]), text[start:end])
    last = len(code.rstrip()) + start - 1
    return Diagnostic(
        f"this item ends too early; expected {_expected(expected)}",
        _span_at(text, file, max(last, start)),
        hint="an item ends where the next line starts at column 1; indent its continuation lines",
    )


_COMMENT_OR_STRING = re.compile(r'"""[\s\S]*?"""|"(?:[^"\\\n]++|\\.)*+"|#[^\n]*')  # STRING as the grammar has it


def _describe_token(token: Token) -> str:
    text = str(token) if len(token) <= 60 else str(token)[:57] + "..."
    if token.type in ("NAME", "STRING", "NUMBER", "DATE"):
        return f"{token.type.lower()} {text!r}"
    return repr(text)


def _token_hint(token: Token, expected: Any, before: str) -> str | None:
    """Why a token was not expected, where it can be said."""
    if set(expected) == {"COLON"}:
        return _key_hint(before)
    entry = re.search(r",\s*([A-Za-z_]\w*)\s*$", _COMMENT_OR_STRING.sub(" ", before))
    if token.type == "COLON" and entry:
        return (f"entries are separated by line breaks, not commas: put `{entry.group(1)}: ...` on a line of "
                "its own")
    return None


def _key_hint(before: str) -> str:
    """A name where `:` was expected: the word before it was read as a key. Say why."""
    if before.count("(") > before.count(")"):
        return "write each attribute as `name: type`"
    match = re.search(r"(\d[\d,_]*)\s+([A-Za-z_]\w*)\s*$", before)
    if match:
        unit = did_you_mean(match.group(2), UNIT_WORDS)
        if unit:
            return f"'{match.group(2)}' is not a unit; {unit}"
    word = re.search(r"([A-Za-z_]\w*)\s*$", before)
    return f"'{word.group(1) if word else ''}' was read as the start of a new `key: value` entry"


def _check_nesting(item: Any) -> None:
    """Reject absurdly deep nesting before the (recursive) checker meets it."""
    stack = [(child, 2, child) for child in ast.children(item)]
    while stack:
        node, depth, top = stack.pop()
        if depth > MAX_NESTING:
            where = Span(top.span.file, top.span.line, top.span.column, top.span.line, top.span.column + 1)
            raise _ItemError(Diagnostic(f"expressions nested more than {MAX_NESTING} levels deep", where,
                                        hint="name the parts, or split the condition"))
        stack.extend((child, depth + 1, top) for child in ast.children(node))


# ---- Building syntax nodes ---------------------------------------------------------------


class _ItemError(Exception):
    def __init__(self, diagnostic: Diagnostic):
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


class _Override(NamedTuple):
    """`overrides base.clause` (or `exception to base.clause`)."""

    name: ast.Name
    exception: bool


class _Bracketed(NamedTuple):
    """A block's or a parameter list's contents, and the closing bracket where its clause ends."""

    items: tuple[Any, ...]
    end: Token


# Tokens kept only for their positions.
_PUNCTUATION = frozenset({"ENUM", "NOT", "MINUS", "LBRACE", "RBRACE", "LSQB", "RSQB", "RPAR"})


def _content(children: list[Any]) -> list[Any]:
    return [c for c in children if not (isinstance(c, Token) and c.type in _PUNCTUATION)]


def _start(part: Any) -> tuple[int, int]:
    if isinstance(part, Token):
        return part.line or 1, part.column or 1
    return part.span.line, part.span.column


def _end(part: Any) -> tuple[int, int]:
    if isinstance(part, Token):
        return part.end_line or 1, part.end_column or 1
    return part.span.end_line, part.span.end_column


MAX_DIGITS = 30


def _digits(text: str) -> str:
    """A number as written, without its separators; refused beyond MAX_DIGITS (kept exactly)."""
    plain = text.replace(",", "").replace("_", "")
    if len(plain) > MAX_DIGITS:
        raise ValueError(f"a number of more than {MAX_DIGITS} digits")
    return plain


def _number(plain: str) -> int | Fraction:
    if "." in plain:
        value = Fraction(Decimal(plain))
        return int(value) if value.denominator == 1 else value
    return int(plain)


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    """A string literal's text: `\\"`, `\\\\`, `\\n` and `\\t` are escapes; any other backslash stays as written."""
    if text.startswith('"""'):
        return text[3:-3]
    body = text[1:-1]
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), body) if "\\" in body else body


class _ToAst(Transformer[Token, Any]):
    """Builds `optionrules.ast` nodes bottom-up while Lark parses.

    A node's span runs from its first token (or child node) to its last.
    """

    file = "<string>"

    def _span(self, children: list[Any]) -> Span:
        parts = [c for c in children if c is not None and c != ()]
        first, last = parts[0], parts[-1]
        if isinstance(last, _Bracketed):
            last = last.end
        elif isinstance(last, _Override):
            last = last.name
        return Span(self.file, *_start(first), *_end(last))

    def _token_span(self, token: Token) -> Span:
        return Span(self.file, *_start(token), *_end(token))

    # -- items

    def enum_decl(self, children: list[Any]) -> ast.EnumDecl:
        name, *members = _content(children)
        return ast.EnumDecl(str(name), tuple(ast.Name(str(m), self._token_span(m)) for m in members),
                            self._span(children), self._token_span(name))

    def clause(self, children: list[Any]) -> ast.Clause:
        kind, name, citation, overrides, params, trigger, condition, block = children
        return ast.Clause(
            kind=str(kind), kind_span=self._token_span(kind), name=name, citation=citation,
            overrides=overrides.name if overrides else None, exception=bool(overrides and overrides.exception),
            params=params.items if params is not None else None, trigger=trigger, condition=condition,
            entries=block.items if block is not None else (), span=self._span(children),
        )

    def replaces(self, children: list[Any]) -> _Override:
        base, clause = children
        return _Override(ast.Name(f"{base}.{clause}", self._span(children)), False)

    def exception_to(self, children: list[Any]) -> _Override:
        return _Override(self.replaces(children).name, True)

    def citation(self, children: list[Any]) -> ast.StringLit:
        return ast.StringLit(_unquote(str(children[0])), self._token_span(children[0]))

    def params(self, children: list[Any]) -> _Bracketed:
        return _Bracketed(tuple(child for child in _content(children) if child is not None), children[-1])

    def param(self, children: list[Any]) -> ast.Param:
        name, type_name, default = children
        return ast.Param(str(name), str(type_name), self._span(children), self._token_span(type_name), default)

    def condition(self, children: list[Any]) -> ast.Expr:
        return children[0]  # type: ignore[no-any-return]

    def block(self, children: list[Any]) -> _Bracketed:
        return _Bracketed(tuple(_content(children)), children[-1])

    def entry(self, children: list[Any]) -> ast.Entry:
        key, *values = children
        return ast.Entry(str(key), self._token_span(key), tuple(values), self._span(children))

    # -- values

    def value_list(self, children: list[Any]) -> ast.ListLit:
        return ast.ListLit(tuple(c for c in _content(children) if c is not None), self._span(children))

    def record(self, children: list[Any]) -> ast.Record:
        return ast.Record(tuple(_content(children)), self._span(children))

    # -- expressions

    def or_test(self, children: list[Any]) -> ast.BoolOp:
        return ast.BoolOp("or", tuple(children), self._span(children))

    def and_test(self, children: list[Any]) -> ast.BoolOp:
        return ast.BoolOp("and", tuple(children), self._span(children))

    def negation(self, children: list[Any]) -> ast.Not:
        return ast.Not(children[1], self._span(children))

    def compare(self, children: list[Any]) -> ast.Compare:
        left, op, right = children
        return ast.Compare(str(op), left, right, self._span(children))

    def member(self, children: list[Any]) -> ast.Member:
        return ast.Member(children[0], children[1], False, self._span(children))

    def not_member(self, children: list[Any]) -> ast.Member:
        return ast.Member(children[0], children[2], True, self._span(children))

    def before(self, children: list[Any]) -> ast.Order:
        return ast.Order("before", children[0], children[1], self._span(children))

    def after(self, children: list[Any]) -> ast.Order:
        return ast.Order("after", children[0], children[1], self._span(children))

    def within(self, children: list[Any]) -> ast.Within:
        left, window, side, right = children
        return ast.Within(left, window, side, right, self._span(children))

    def within_side(self, children: list[Any]) -> str:
        return str(children[0])

    def _chain(self, children: list[Any]) -> ast.Expr:
        """`a + b - c` as a left-leaning chain of BinOps."""
        node = children[0]
        for op, right in zip(children[1::2], children[2::2]):
            node = ast.BinOp(str(op), node, right, self._span([node, right]))
        return node  # type: ignore[no-any-return]

    sum = _chain
    product = _chain

    def minus(self, children: list[Any]) -> ast.Minus:
        return ast.Minus(children[1], self._span(children))

    def attribute(self, children: list[Any]) -> ast.Attribute:
        value, attr = children
        return ast.Attribute(value, str(attr), self._span(children))

    def call(self, children: list[Any]) -> ast.Call:
        func, *args = _content(children)
        return ast.Call(str(func), tuple(a for a in args if a is not None), self._span(children))

    def arg(self, children: list[Any]) -> ast.Arg:
        name, value = children
        return ast.Arg(str(name) if name is not None else None, value, self._span(children))

    def name(self, children: list[Any]) -> ast.Name:
        return ast.Name(str(children[0]), self._token_span(children[0]))

    clause_name = trigger = name

    def value_set(self, children: list[Any]) -> ast.SetLit:
        return ast.SetLit(tuple(_content(children)), self._span(children))

    # -- literals

    def date(self, children: list[Any]) -> ast.DateLit:
        text = str(children[0])
        try:
            value = date.fromisoformat(text)
        except ValueError:
            raise _ItemError(Diagnostic(f"impossible date {text}", self._span(children))) from None
        return ast.DateLit(value, self._span(children))

    def _digits_of(self, children: list[Any], token: Any) -> str:
        try:
            return _digits(str(token))
        except ValueError as error:
            raise _ItemError(Diagnostic(str(error), self._span(children))) from None

    def _number_of(self, children: list[Any], token: Any) -> int | Fraction:
        return _number(self._digits_of(children, token))

    def duration(self, children: list[Any]) -> ast.DurationLit:
        amount, unit = children
        value = self._number_of(children, amount)
        if not isinstance(value, int):
            raise _ItemError(Diagnostic(f"a duration needs a whole number of {unit}", self._span(children)))
        return ast.DurationLit(value, str(unit).rstrip("s"), self._span(children))

    def number(self, children: list[Any]) -> ast.NumberLit:
        return ast.NumberLit(self._number_of(children, children[0]), self._span(children))

    def percent(self, children: list[Any]) -> ast.PercentLit:
        return ast.PercentLit(Fraction(self._number_of(children, str(children[0])[:-1])) / 100, self._span(children))

    def money(self, children: list[Any]) -> ast.MoneyLit:
        currency, amount = children
        return ast.MoneyLit(str(currency), Decimal(self._digits_of(children, amount)), self._span(children))

    def string(self, children: list[Any]) -> ast.StringLit:
        return ast.StringLit(_unquote(str(children[0])), self._span(children))
