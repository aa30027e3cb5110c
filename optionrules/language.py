"""What the language offers an editor (kinds, keys, figures, functions, the constants expressions may name)
and a checked contract's clauses, as the editor tooling and the report read them.

Everything here derives from the registry of kinds (`optionrules.kinds`) and the figure table
(`optionrules.figures`).
"""

from __future__ import annotations

from collections.abc import Mapping

from optionrules import ast
from optionrules.errors import Diagnostic
from optionrules.figures import FIGURES, AwardType, figure_set
from optionrules.kinds import KINDS, SAYS_KEY, Key, Kind
from optionrules.kinds.tests import VIOLATIONS
from optionrules.model import ClauseRef, Model

VIOLATIONS_DOC = "the events the contract does not allow: a count, or the clauses they break"

# What each figure an expression may read, or an example may expect, means.
MEANINGS = {**{f.name: f.doc for f in FIGURES}, VIOLATIONS: VIOLATIONS_DOC}


def kinds() -> dict[str, Kind]:
    """Every clause kind by name."""
    return KINDS


def keys_of(kind: str) -> tuple[Key, ...]:
    """The keys a clause of this kind takes, `says` among them."""
    found = KINDS.get(kind)
    return (*found.keys, SAYS_KEY) if found is not None and found.block else ()


def figures() -> dict[str, str]:
    """The figures an expression may read, each with its meaning and type."""
    return {f.name: f"{f.doc} ({f.type})" for f in FIGURES}


def expectable_figures(model: Model | None = None) -> tuple[str, ...]:
    """The figures an example of this contract (of an option, without one) may expect."""
    figures = model.figures if model is not None else figure_set(AwardType.OPTION)
    return (*(f.name for f in figures), VIOLATIONS)


def constants() -> tuple[str, ...]:
    """The fields of the grant and the term, which expressions may name."""
    return tuple(name for kind in KINDS.values() for name in kind.record.DEFINES)


def defined_by(model: Model, constant: str) -> tuple[str, ClauseRef | None]:
    """The kind of clause that states a constant, and the contract's clause of that kind (if any)."""
    kind = next(k for k in KINDS.values() if constant in k.record.DEFINES)
    clause = model.one(kind.record)
    return kind.name, clause.ref if clause is not None else None


def functions() -> dict[str, str]:
    from optionrules.expressions import FUNCTIONS

    return {str(name): doc for name, doc in FUNCTIONS.items()}


def check_document(text: str, file: str, open_texts: Mapping[str, str] | None = None
                   ) -> tuple[ast.Module, Model, list[Diagnostic]]:
    """Parse and check a document's text; the plans and forms it uses are read from `open_texts`
    (path -> text, the editor's unsaved documents) where there, else from disk."""
    from optionrules.check import check
    from optionrules.parse import parse

    module, syntax = parse(text, file)
    model, semantic = check(module, text, unsaved=open_texts)
    return module, model, syntax + semantic


def clauses_of(model: Model) -> list[ClauseRef]:
    """Every clause of a checked contract (its plans' and forms' too), in file order."""
    refs = [a.ref for a in model.assumptions.values()] + [c.ref for c in model.clauses]
    return sorted(refs, key=lambda ref: (ref.span.file != model.file, ref.span.file, ref.span.line))
