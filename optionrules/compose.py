"""Plans, forms and the agreements built on them.

A `plan` file holds default clauses; an agreement (or a form) `uses` it and may put its own clause
in place of one of the plan's with `overrides plan.clause`, or add `exception to plan.rule`: in the
way of default logic (Catala's scopes), where the exception's condition holds it applies and the
plan's rule does not; elsewhere the plan's rule applies.

A `form` file is an agreement with parameters (`form NAME "title" (shares: shares, ...)`). A grant
instantiates it: an agreement whose header says `form: "file"` and gives the values `with: {...}`,
or a row of a CSV file whose columns are the parameters.

This module reads those files and puts their items together, each tagged with where it came from;
the checker then checks the whole as one contract.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from optionrules import ast
from optionrules.errors import Diagnostic, did_you_mean
from optionrules.files import SUFFIX, FileError, decode, inside_root, read_contract, root_of
from optionrules.kinds import HEADERS
from optionrules.parse import parse
from optionrules.values import Duration

MAX_DEPTH = 8

# A value for each parameter type, to check a form on its own (a grant checks it with its own values).
SAMPLE_VALUES: dict[str, Any] = {
    "shares": 1_000_000, "int": 1, "days": Duration(days=1), "text": "text", "date": date(2000, 1, 1),
    "money": Decimal(1), "bool": False,
}


@attrs.define
class Base:
    """A plan or form the contract builds on."""

    name: str
    file: str
    header: ast.Clause


@attrs.define
class Composition:
    """The items of a contract and of every plan and form under it, ready for the checker."""

    role: str  # agreement, plan or form: what the file itself is
    items: list[tuple[ast.Item, str | None]] = attrs.Factory(list)  # (item, the base it comes from)
    bases: dict[str, Base] = attrs.Factory(dict)
    parameters: tuple[ast.Param, ...] = ()  # the form's, if a form is in the composition
    values: dict[str, Any] | None = None  # the parameters' values; None: a form checked on its own
    values_at: Any = None  # where the values were given (a node), for diagnostics
    sources: dict[str, str] = attrs.Factory(dict)  # file -> text, to render diagnostics
    broken: list[tuple[str, str | None]] = attrs.Factory(list)
    diagnostics: list[Diagnostic] = attrs.Factory(list)
    unreadable: bool = False  # a plan or form could not be read: nothing built on it can be checked
    replaced: set[int] = attrs.Factory(set)  # id() of base clauses an override replaces entirely
    unresolved: set[int] = attrs.Factory(set)  # id() of clauses whose override is in error: not checked further
    exceptions: dict[int, list[ast.Clause]] = attrs.Factory(dict)  # id(base rule) -> the rules excepting it
    unsaved: Mapping[str, str] = attrs.Factory(dict)  # real path -> text: an editor's open documents, read first

    def error(self, message: str, node: Any, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(message, node.span if hasattr(node, "span") else node, hint=hint))


def compose(module: ast.Module, text: str, values: dict[str, Any] | None = None,
            unsaved: Mapping[str, str] | None = None) -> Composition:
    """Read the bases of `module` (recursively) and resolve its overrides. `unsaved`: the text of documents open in
    an editor (by path), read in place of their files."""
    header = _header(module)
    composition = Composition(header.kind if header is not None else "agreement", sources={module.file: text},
                              broken=list(module.broken),
                              unsaved={os.path.realpath(path): text for path, text in (unsaved or {}).items()})
    if header is not None and header.kind == "form" and values is not None:
        composition.role, composition.values = "agreement", values  # a grant made from the form (a CSV row)
    _gather(composition, module, None, [module.file], values)
    if not composition.unreadable:
        _resolve_overrides(composition)
    return composition


def _header(module: ast.Module) -> ast.Clause | None:
    first = next((i for i in module.items if isinstance(i, ast.Clause)), None)
    return first if first is not None and first.kind in HEADERS else None


def _gather(composition: Composition, module: ast.Module, origin: str | None, stack: list[str],
            values: dict[str, Any] | None) -> None:
    """The bases first (depth first), then the module's own items."""
    header = _header(module)
    for item in module.items:
        if isinstance(item, ast.Clause) and item.kind == "uses":
            _use(composition, item, module.file, stack)
    if header is not None and header.kind == "form" and origin is None:
        composition.parameters = header.params or ()
    if header is not None and header.kind == "agreement":
        form = header.entry("form")
        if form is not None:
            _instantiate(composition, header, form, module.file, stack, values)
    for item in module.items:
        if origin is not None and item is header:
            continue  # a base's header describes the base, not the contract
        composition.items.append((item, origin))


def _use(composition: Composition, clause: ast.Clause, file: str, stack: list[str]) -> None:
    entry = clause.entry("file")
    if clause.name is None or entry is None or not isinstance(entry.values[0], ast.StringLit):
        return  # the checker reports the missing name or file
    base = _load(composition, entry.values[0], file, stack, "plan")
    if base is not None and base.header.name is not None and base.header.name.id != clause.name.id:
        composition.error(f"the file holds the plan '{base.header.name.id}', not '{clause.name.id}'", clause.name)


def _instantiate(composition: Composition, header: ast.Clause, form: ast.Entry, file: str, stack: list[str],
                 values: dict[str, Any] | None) -> None:
    """An agreement made from a form: load the form, and take the values of its parameters."""
    if not isinstance(form.values[0], ast.StringLit):
        composition.error("`form` takes the form's file, as a \"string\"", form.values[0])
        return
    base = _load(composition, form.values[0], file, stack, "form")
    if base is None:
        return
    composition.parameters = base.header.params or ()
    given = header.entry("with")
    if values is not None:
        composition.values = values
        return
    if given is None or not isinstance(given.values[0], ast.Record):
        composition.error(f"give the values of the form's parameters: with: {{ {', '.join(_names(base))} }}",
                          header.kind_span)
        composition.values = {}
        return
    composition.values = {entry.key: entry for entry in given.values[0].entries}
    composition.values_at = given


def _names(base: Base) -> list[str]:
    return [f"{p.name}: ..." for p in base.header.params or ()]


def _load(composition: Composition, path_node: ast.StringLit, file: str, stack: list[str],
          kind: str) -> Base | None:
    path = Path(file).parent / path_node.value
    name = str(path)
    if name in stack:
        composition.error(f"{path_node.value} uses itself (through {' -> '.join(Path(s).name for s in stack)})",
                          path_node)
        return None
    if len(stack) > MAX_DEPTH:
        composition.error(f"plans and forms nested more than {MAX_DEPTH} deep", path_node)
        return None
    loaded = next((base for base in composition.bases.values() if base.file == name), None)
    if loaded is not None:  # used twice (a plan under the form and under the agreement): read once
        return loaded
    text, problem = _read_base(path, stack[0], kind, composition.unsaved)
    if text is None:
        composition.error(f"cannot read the {kind} {path_node.value}: {problem}", path_node,
                          "the path is relative to this file; nothing else was checked")
        composition.unreadable = True
        return None
    module, syntax = _parse_base(text, name)
    header = _header(module)
    if header is None:  # not a contract: none of its text is shown (it may be anything the path led to)
        composition.error(f"{path_node.value} is not a contract file: a {kind} starts with `{kind} NAME \"title\"`",
                          path_node)
        return None
    composition.sources[name] = text
    composition.diagnostics.extend(syntax)
    composition.broken.extend(module.broken)
    if header.kind != kind or header.name is None:
        composition.error(f"{path_node.value} is not a {kind}: it must start with `{kind} NAME \"title\"`", path_node)
        return None
    other = composition.bases.get(header.name.id)
    if other is not None:
        composition.error(f"{path_node.value} declares the {kind} '{header.name.id}', and so does "
                          f"{Path(other.file).name}: give them different names", path_node)
        return None
    base = Base(header.name.id, name, header)
    composition.bases[base.name] = base
    _gather(composition, module, base.name, [*stack, name], None)
    return base


def _read_base(path: Path, contract: str, kind: str, unsaved: Mapping[str, str]) -> tuple[str | None, str]:
    """The text of a plan or form: a `.contract` file inside the contract's root (its unsaved text where an editor
    has it open); or why it cannot be read."""
    if path.suffix != SUFFIX:
        return None, f"a {kind} is a {SUFFIX} file"
    try:
        inside_root(path, root_of(contract), kind)
        if os.path.realpath(path) in unsaved:
            return unsaved[os.path.realpath(path)], ""
        raw = read_contract(path, root_of(contract), kind)
    except FileError as error:
        return None, error.message
    text, problems = decode(raw, str(path))
    return text, problems[0].message if problems else ""


@functools.lru_cache(maxsize=32)
def _parse_base(text: str, file: str) -> tuple[ast.Module, list[Diagnostic]]:
    """A plan or form parsed once for every contract and grant built on it (its syntax tree is immutable)."""
    return parse(text, file)


def _resolve_overrides(composition: Composition) -> None:
    """Each `overrides BASE.CLAUSE` names a clause of a base, of the same kind; a rule with a condition is an
    exception to it, anything else replaces it."""
    by_base: dict[str, dict[str, ast.Clause]] = {}
    for item, origin in composition.items:
        if origin is not None and isinstance(item, ast.Clause):
            by_base.setdefault(origin, {})[item.name_or_kind] = item
    for item, _ in composition.items:
        if not isinstance(item, ast.Clause) or item.overrides is None:
            continue
        base_name, _, clause_name = item.overrides.id.partition(".")
        if base_name not in composition.bases:
            composition.error(f"'{base_name}' is not a plan or form this contract uses", item.overrides,
                              did_you_mean(base_name, composition.bases))
            composition.unresolved.add(id(item))
            continue
        target = by_base.get(base_name, {}).get(clause_name)
        if target is None:
            composition.error(f"{base_name} has no clause '{clause_name}' to override", item.overrides,
                              did_you_mean(clause_name, by_base.get(base_name, {})))
            composition.unresolved.add(id(item))
            continue
        if target.kind != item.kind:
            composition.error(f"{base_name}.{clause_name} is a {target.kind} clause; this one is a {item.kind}",
                              item.overrides)
            composition.unresolved.add(id(item))
            continue
        if item.exception:
            if item.kind != "rule" or item.condition is None:
                composition.error("an exception is a rule with a `when` condition: where it holds, it applies in "
                                  f"place of {base_name}.{clause_name}", item.overrides)
                composition.unresolved.add(id(item))
                continue
            if target.trigger is None or item.trigger is None or target.trigger.id != item.trigger.id:
                composition.error(f"an exception to {base_name}.{clause_name} must be on the same event "
                                  f"({target.trigger.id if target.trigger else 'none'})", item.trigger or item)
                composition.unresolved.add(id(item))
                continue
            composition.exceptions.setdefault(id(target), []).append(item)
        else:
            composition.replaced.add(id(target))
