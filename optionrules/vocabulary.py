"""The language's vocabulary and a checked contract's clauses, as the editor tooling and the report read them.

The one place they read the registry of kinds, the figures and the checker from: when those move,
repoint the functions here and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from optionrules import ast
from optionrules.errors import Diagnostic
from optionrules.model import FIGURES as EXPECTABLE_FIGURES
from optionrules.model import ClauseRef, Model
from optionrules.schema import SAYS, Key, Kind

# What each figure an expression may read means (the registry gives their types).
MEANINGS = {
    "in_service": "whether the optionee is still in service",
    "vested": "the shares vested so far",
    "exercised": "the shares exercised so far",
    "exercisable": "the vested shares not exercised, while exercise is allowed",
    "unvested": "the shares not vested yet and not forfeited",
    "forfeited": "the shares forfeited (unvested at the end of service, or all for cause)",
    "expired": "the vested shares not exercised by the exercise deadline or the expiration",
    "exercise_deadline": "the last day exercise is allowed (none while in service)",
    "sale_blocked": "whether a lock-up blocks sales",
    "granted": "the shares granted",
    "violations": "the events the contract does not allow: a count, or the clauses they break",
}


def kinds() -> dict[str, Kind]:
    """Every clause kind by name."""
    from optionrules.schema import KINDS

    return KINDS


def keys_of(kind: str) -> tuple[Key, ...]:
    """The keys a clause of this kind takes, `says` among them."""
    found = kinds().get(kind)
    return (*found.keys, SAYS) if found is not None and found.block else ()


def figures() -> dict[str, str]:
    """The figures an expression may read, each with its type and meaning."""
    from optionrules.expressions import FIGURES

    return {name: f"{MEANINGS.get(name, name)} ({kind})" for name, kind in FIGURES.items()}


def expectable_figures() -> tuple[str, ...]:
    """The figures an example may expect."""
    return ("granted", *EXPECTABLE_FIGURES, "violations")


def constants() -> tuple[str, ...]:
    """The grant's and the term's fields, which expressions may name."""
    return ("shares", "grant_date", "commencement", "exercise_price", "expiration")


def functions() -> dict[str, str]:
    from optionrules.expressions import FUNCTIONS

    return FUNCTIONS


def check_document(text: str, file: str, open_texts: Mapping[str, str] | None = None
                   ) -> tuple[ast.Module, Model, list[Diagnostic]]:
    """Parse and check a document's text; the plans and forms it uses are read from `open_texts`
    (path -> text, the editor's unsaved documents) where there, else from disk."""
    from optionrules.check import check
    from optionrules.parse import parse

    module, syntax = parse(text, file)
    with _reading(open_texts or {}):
        model, semantic = check(module, text)
    return module, model, syntax + semantic


@contextmanager
def _reading(open_texts: Mapping[str, str]) -> Iterator[None]:
    """While checking, read the bases from the open documents first (the composer reads files by path)."""
    from optionrules import compose
    from optionrules.files import read_source

    if not open_texts:
        yield
        return
    texts = {str(Path(path).resolve()): text for path, text in open_texts.items()}

    def read(path: str | Path) -> tuple[str | None, list[Diagnostic]]:
        text = texts.get(str(Path(path).resolve()))
        return (text, []) if text is not None else read_source(path)

    setattr(compose, "read_source", read)  # noqa: B010 (the composer's own name for its reader)
    try:
        yield
    finally:
        setattr(compose, "read_source", read_source)  # noqa: B010


def clauses_of(model: Model) -> list[ClauseRef]:
    """Every clause of a checked contract (its plans' and forms' too), in file order."""
    single: list[Any] = [model.grant, model.term, model.conventions, model.service, model.exercise, model.payment]
    records: list[Any] = [*model.assumptions.values(), *single, *model.vestings, *model.milestones, *model.rules,
                          *model.lockups, *model.requires, *model.examples, *model.invariants]
    refs = [r.ref for r in records if r is not None]
    if model.settlement is not None:
        refs.append(model.settlement)
    return sorted(refs, key=lambda ref: (ref.span.file != model.file, ref.span.file, ref.span.line))
