"""What the language server knows of an open document, and what it answers about a place in it.

Pure functions over the document's text, syntax tree and checked model: no editor, no protocol.
Positions here are the project's own: 1-based lines and columns.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

from optionrules import ast, language
from optionrules.errors import Diagnostic, Span
from optionrules.model import ClauseRef, Model
from optionrules.parse import parse
from optionrules.records import record


@attrs.define
class Document:
    """An open document, checked."""

    path: str
    text: str
    module: ast.Module
    model: Model
    diagnostics: list[Diagnostic]

    def clause_at(self, line: int, column: int) -> ast.Item | None:
        return next((item for item in self.module.items if contains(item.span, line, column)), None)


def analyze(path: str, text: str, open_texts: Mapping[str, str]) -> Document:
    """Check the document's text (the files it uses from `open_texts` where open), and its quotes."""
    module, model, diagnostics = language.check_document(text, path, open_texts)
    document = Document(path, text, module, model, diagnostics)
    document.diagnostics.sort(key=_in_file_order)
    return document


def _in_file_order(diagnostic: Diagnostic) -> tuple[str, int, int]:
    span = diagnostic.span
    return (span.file, span.line, span.column) if span is not None else ("", 0, 0)


def contains(span: Span, line: int, column: int) -> bool:
    """Whether the position is inside the span (or at its end, where a cursor after a word stands)."""
    return (span.line, span.column) <= (line, column) <= (span.end_line, span.end_column)


# ---- What a place names -----------------------------------------------------------------------


@record
class Symbol:
    """What a word of the document names: how hover shows it, and where its definition is (if written)."""

    doc: str
    span: Span | None = None


def symbol_at(document: Document, line: int, column: int) -> Symbol | None:
    item = document.clause_at(line, column)
    if isinstance(item, ast.EnumDecl):
        return _enum_symbol(document, item.name) if contains(item.span, line, column) else None
    if item is None:
        return None
    if contains(item.kind_span, line, column):
        return _kind_symbol(item.kind)
    if item.name is not None and contains(item.name.span, line, column):
        return _base_clause_symbol(document, item.name.id) if item.kind == "uses" else \
            _own_clause_symbol(document, item)
    if item.overrides is not None and contains(item.overrides.span, line, column):
        return _base_clause_symbol(document, item.overrides.id)
    node = _innermost(item, line, column)
    if isinstance(node, ast.Entry):
        return _entry_symbol(document, item, node, line, column)
    if isinstance(node, ast.StringLit):
        return _file_symbol(document, item, node)
    if isinstance(node, ast.Name):
        return name_symbol(document, node.id, item)
    if isinstance(node, ast.Attribute):
        return _attribute_symbol(document, node)
    if isinstance(node, ast.Param):
        return _enum_symbol(document, node.type_name) if contains(node.type_span, line, column) else None
    if isinstance(node, ast.Call):
        return _function_symbol(node.func)
    return None


def _innermost(clause: ast.Clause, line: int, column: int) -> Any:
    """The smallest syntax node of the clause around the position."""
    around = [node for node in ast.walk(*clause.entries, clause.trigger, clause.condition, *(clause.params or ()))
              if contains(node.span, line, column)]
    return min(around, key=lambda n: (n.span.end_line - n.span.line, n.span.end_column - n.span.column),
               default=None)


def _kind_symbol(name: str) -> Symbol | None:
    kind = language.kinds().get(name)
    if kind is None:
        return None
    keys = ", ".join(f"`{k.name}`" + (" (required)" if k.required else "") for k in kind.keys)
    return Symbol(f"**{kind.name}**: {kind.doc}" + (f"\n\nkeys: {keys}" if keys else ""))


def _key_doc(kind: str, key: str) -> str | None:
    found = next((k for k in language.keys_of(kind) if k.name == key), None)
    if found is None:
        return None
    required = "required" if found.required else "optional"
    choices = f"; one of {', '.join(f'`{c}`' for c in found.choices)}" if found.choices else ""
    doc = f": {found.doc}" if found.doc else ""
    return f"**{found.name}** ({found.reads}, {required}) of `{kind}`{doc}{choices}"


def _entry_symbol(document: Document, clause: ast.Clause, entry: ast.Entry, line: int, column: int
                  ) -> Symbol | None:
    if not contains(entry.key_span, line, column):
        return None
    record_key = _record_key(clause, entry)
    if record_key == "expect" and entry.key in language.MEANINGS:
        return Symbol(f"**{entry.key}**: {language.MEANINGS[entry.key]}")
    if record_key == "assume":
        return name_symbol(document, entry.key, clause)
    doc = _key_doc(clause.kind, entry.key) if record_key is None else None
    return Symbol(doc) if doc else None


def _record_key(clause: ast.Clause, entry: ast.Entry) -> str | None:
    """The key of the record (`expect: { ... }`) the entry is written in; None for the clause's own entries."""
    for outer in clause.entries:
        for value in outer.values:
            if isinstance(value, ast.Record) and any(e is entry for e in value.entries):
                return outer.key
    return None


def _own_clause_symbol(document: Document, clause: ast.Clause) -> Symbol:
    ref = next((r for r in language.clauses_of(document.model) if r.span == clause.span), None)
    if clause.kind == "event":
        return _event_symbol(document, clause.name_or_kind) or Symbol(f"**event {clause.name_or_kind}**")
    if ref is None:
        citation = f": {clause.citation.value}" if clause.citation else ""
        return Symbol(f"**{clause.kind} {clause.name_or_kind}**{citation}", clause.span)
    return clause_symbol(document, ref)


def clause_symbol(document: Document, ref: ClauseRef) -> Symbol:
    """A clause: its citation and what the agreement says; an assumption: its readings too."""
    lines = [f"**{ref.kind} {ref.name}**: {ref.citation}"]
    assumption = document.model.assumptions.get(ref.name) if ref.kind == "assume" else None
    if assumption is not None:
        readings = ", ".join([f"`{assumption.default}` (default)", *(f"`{a}`" for a in assumption.alternatives)])
        lines += [f"reads: “{assumption.reads}”", f"readings: {readings}"]
    if ref.says:
        lines.append(f"says: “{ref.says}”")
    return Symbol("\n\n".join(lines), ref.span)


def name_symbol(document: Document, name: str, clause: ast.Clause | None = None) -> Symbol | None:
    """What a name in a clause refers to: an event, enumeration or member, assumption, figure, grant or
    term field, an attribute of the clause's event, a clause, or a function."""
    model = document.model
    trigger = model.events.get(clause.trigger.id) if clause is not None and clause.trigger is not None else None
    if trigger is not None and name in trigger.attrs:
        attr = trigger.attrs[name]
        return Symbol(f"**{trigger.name}.{name}**: {attr.declared}, an attribute of the event {trigger.name}",
                      trigger.span)
    found = _event_symbol(document, name) or _enum_symbol(document, name) or _member_symbol(document, name)
    if found is not None:
        return found
    if name in model.assumptions:
        return clause_symbol(document, model.assumptions[name].ref)
    figures = language.figures()
    if name in figures:
        return Symbol(f"**{name}**: {figures[name]}, on the date of the clause's event")
    if name in language.constants():
        kind, holder = language.defined_by(model, name)
        return Symbol(f"**{name}**: the {kind}'s `{name}`", holder.span if holder is not None else None)
    ref = next((r for r in language.clauses_of(model) if r.name == name and r.kind != "example"), None)
    return clause_symbol(document, ref) if ref is not None else _function_symbol(name)


def _event_symbol(document: Document, name: str) -> Symbol | None:
    event = document.model.events.get(name)
    if event is None:
        return None
    attrs_ = ", ".join(f"{a.name}: {a.declared}" for a in event.attrs.values())
    return Symbol(f"**event {name}**" + (f"({attrs_})" if attrs_ else ""), event.span)


def _enum_symbol(document: Document, name: str) -> Symbol | None:
    enum = document.model.enums.get(name)
    if enum is None:
        return None
    return Symbol(f"**enum {name}** {{ {', '.join(enum.members)} }}", enum.span)


def _member_symbol(document: Document, name: str) -> Symbol | None:
    enum = next((e for e in document.model.enums.values() if name in e.members), None)
    if enum is None:
        return None
    return Symbol(f"**{name}**: a {enum.name} ({', '.join(enum.members)})", enum.span)


def _attribute_symbol(document: Document, node: ast.Attribute) -> Symbol | None:
    if not isinstance(node.value, ast.Name):
        return None
    event = document.model.events.get(node.value.id)
    if event is None or node.attr not in event.attrs:
        return None
    return Symbol(f"**{event.name}.{node.attr}**: {event.attrs[node.attr].declared}, an attribute of the event "
                  f"{event.name}", event.span)


def _function_symbol(name: str) -> Symbol | None:
    doc = language.functions().get(name)
    return Symbol(f"`{doc}`") if doc else None


# ---- Plans and forms: other files ---------------------------------------------------------------


def _file_symbol(document: Document, clause: ast.Clause, node: ast.StringLit) -> Symbol | None:
    """A `uses ... { file: "..." }` or `form: "..."` string: the plan's or form's header."""
    entry = next((e for e in clause.entries if node in e.values), None)
    if entry is None or (clause.kind, entry.key) not in (("uses", "file"), ("agreement", "form")):
        return None
    path = str(Path(document.path).parent / node.value)
    header = next((h for _, h in _bases(document) if h.span.file == path), None)
    return _header_symbol(header) if header is not None else None


def _header_symbol(header: ast.Clause) -> Symbol:
    title = f": {header.citation.value}" if header.citation else ""
    return Symbol(f"**{header.kind} {header.name_or_kind}**{title}", header.span)


def _bases(document: Document) -> Iterator[tuple[ast.Module, ast.Clause]]:
    """Every plan and form the document is made with: its syntax tree and its header."""
    for file, text in document.model.sources.items():
        if file == document.path:
            continue
        module, _ = parse(text, file)
        header = next((item for item in module.items if isinstance(item, ast.Clause)), None)
        if header is not None:
            yield module, header


def _base_clause_symbol(document: Document, dotted: str) -> Symbol | None:
    """`base.clause` of `overrides` or `exception to`: the clause in the plan's or form's file."""
    base, _, name = dotted.partition(".")
    for module, header in _bases(document):
        if header.name_or_kind != base:
            continue
        if not name:
            return _header_symbol(header)
        clause = next((i for i in module.items if isinstance(i, ast.Clause) and i.name_or_kind == name), None)
        if clause is None:
            return None
        says = clause.entry("says")
        quote = says.values[0] if says is not None and says.values else None
        lines = [f"**{clause.kind} {base}.{name}**" + (f": {clause.citation.value}" if clause.citation else "")]
        if isinstance(quote, ast.StringLit):
            lines.append(f"says: “{' '.join(quote.value.split())}”")
        return Symbol("\n\n".join(lines), clause.span)
    return None


# ---- Where the cursor is, for completion ---------------------------------------------------------


@attrs.frozen
class Place:
    """What may be written at the cursor: a clause `kind`, a `key` of the clause, the `value` of a key, a key of
    a `record` (`expect: { ... }`), or a name in the clause's header (`header`)."""

    what: str
    kind: str | None = None  # the clause's kind
    key: str | None = None  # the key whose value (or record) is being written
    written: tuple[str, ...] = ()  # the keys already written in the block
    trigger: str | None = None  # the clause's event


_STRING_OR_COMMENT = re.compile(r'"""[\s\S]*?(?:"""|$)|"(?:[^"\\\n]|\\.)*"?|#[^\n]*')


def place_at(text: str, line: int, column: int) -> Place:
    lines = text.split("\n")
    current = lines[line - 1][: column - 1] if line <= len(lines) else ""
    start = next((n for n in range(line - 1, -1, -1) if n < len(lines) and re.match(r"[A-Za-z_]", lines[n])), None)
    if start is None or re.fullmatch(r"\w*", current):  # at the start of a line: a new item
        return Place("kind")
    item = _STRING_OR_COMMENT.sub(lambda m: '""' if m[0].startswith('"') else "",
                                  "\n".join([*lines[start:line - 1], current]))
    kind = re.match(r"\w+", item)
    trigger = re.search(r"\bon\s+(\w+)", item.split("{", 1)[0])
    here = Place("header", kind[0] if kind else None, trigger=trigger[1] if trigger else None)
    opened = _open_braces(item)
    if not opened:  # the header: an event after `on`, else a condition
        return here if re.search(r"\bon\s+\w*$", current) else attrs.evolve(here, what="value")
    key = re.fullmatch(r"\s*(\w+)\s*:.*", current)
    naming = re.fullmatch(r"\s*\w*", current) is not None  # a key being named, not a value
    if opened[-1] == "{set}" or (key is None and not naming):
        return attrs.evolve(here, what="value")
    if opened[-1] == "":
        written = tuple(re.findall(r"^\s*(\w+)\s*:", item[item.index("{"):], re.M))
        return attrs.evolve(here, what="value" if key else "key", key=key[1] if key else None, written=written)
    if key is not None:
        return attrs.evolve(here, what="value", key=f"{opened[-1]}.{key[1]}")
    return attrs.evolve(here, what="record", key=opened[-1])


def _open_braces(item: str) -> list[str]:
    """The braces still open at the end: "" for the clause's block, the key for a record, "{set}" for a set."""
    opened: list[str] = []
    for match in re.finditer(r"[{}]", item):
        if match[0] == "}":
            if opened:
                opened.pop()
            continue
        before = item[: match.start()].rstrip()
        key = re.search(r"(\w+)\s*:\s*$", before)
        if not opened:
            opened.append("")
        elif key is not None:
            opened.append(key[1])
        else:
            opened.append("{set}")
    return opened


@record
class Completion:
    label: str
    what: str  # kind, key, event, enum, member, assumption, reading, figure, constant, function, word
    detail: str = ""


def completions(document: Document, line: int, column: int) -> list[Completion]:
    place = place_at(document.text, line, column)
    if place.what == "kind":
        return [Completion(name, "kind", kind.doc) for name, kind in language.kinds().items()] + \
            [Completion("enum", "kind", "an enumeration: enum NAME { a, b, c }")]
    if place.what == "key" and place.kind is not None:
        return [Completion(key.name, "key", _key_doc(place.kind, key.name) or "")
                for key in language.keys_of(place.kind) if key.name not in place.written]
    if place.what == "record":
        return _record_keys(document, place.key)
    if place.what == "header":
        return [Completion(name, "event", "") for name in document.model.events]
    return _values(document, place)


def _record_keys(document: Document, key: str | None) -> list[Completion]:
    if key == "expect":
        return [Completion(f, "figure", language.MEANINGS.get(f, "")) for f in language.expectable_figures()]
    if key == "assume":
        return [Completion(name, "assumption", a.reads) for name, a in document.model.assumptions.items()]
    return []


def _values(document: Document, place: Place) -> list[Completion]:
    model = document.model
    record_key, _, key_name = (place.key or "").rpartition(".")
    if record_key == "assume" and key_name in model.assumptions:
        assumption = model.assumptions[key_name]
        return [Completion(r, "reading", f"a reading of {key_name}") for r in assumption.readings]
    key = next((k for k in language.keys_of(place.kind or "") if k.name == key_name), None) if not record_key \
        else None
    assumptions = [Completion(name, "assumption", a.reads) for name, a in model.assumptions.items()]
    if key is not None and key.choices:
        return [Completion(c, "word", f"{key.name}: {c}") for c in key.choices] + assumptions
    if key is not None and key.reads == "event":
        return [Completion(name, "event", "") for name in model.events]
    if key is not None and key.reads == "vest":
        return [Completion(w, "function", "") for w in ("all_unvested", "nothing", "pro_rata", "percent", "next")] + \
            assumptions
    return _names(document, place.trigger) + assumptions


def _names(document: Document, trigger: str | None) -> list[Completion]:
    """Every name an expression may use: the clause's event's attributes, events, enum members, figures,
    the grant's and the term's fields, functions."""
    model = document.model
    event = model.events.get(trigger or "")
    found = [Completion(a.name, "attribute", f"{a.declared}, of {trigger}") for a in event.attrs.values()] \
        if event is not None else []
    found += [Completion(name, "event", "") for name in model.events]
    found += [Completion(m, "member", f"a {e.name}") for e in model.enums.values() for m in e.members]
    found += [Completion(name, "figure", doc) for name, doc in language.figures().items()]
    found += [Completion(name, "constant", "") for name in language.constants()]
    found += [Completion(name, "function", doc) for name, doc in language.functions().items()]
    return found


# ---- Symbols, quick fixes ----------------------------------------------------------------------


def outline(document: Document) -> list[tuple[str, str, str, Span, Span]]:
    """Each item: (kind, name, citation, its span, its name's span)."""
    found = []
    for item in document.module.items:
        if isinstance(item, ast.EnumDecl):
            found.append(("enum", item.name, "", item.span, item.name_span))
        else:
            name = item.name or item.kind_span
            citation = item.citation.value if item.citation is not None else ""
            found.append((item.kind, item.name_or_kind, citation, item.span,
                          name.span if isinstance(name, ast.Name) else name))
    return found


_DID_YOU_MEAN = re.compile(r"did you mean '(\w+)'\?")


def correction(diagnostic: Diagnostic, text: str) -> tuple[Span, str] | None:
    """A did-you-mean hint as an edit: the word of the diagnostic's range closest to the suggestion, and it."""
    match = _DID_YOU_MEAN.fullmatch(diagnostic.hint or "")
    span = diagnostic.span
    if match is None or span is None or span.line != span.end_line:
        return None
    lines = text.split("\n")
    if span.line > len(lines):
        return None
    written = lines[span.line - 1][span.column - 1:span.end_column - 1]
    words = list(re.finditer(r"\w+", written))
    if not words:
        return None
    word = max(words, key=lambda w: difflib.SequenceMatcher(None, w[0], match[1]).ratio())
    start = span.column + word.start()
    return Span(span.file, span.line, start, span.line, start + len(word[0])), match[1]
