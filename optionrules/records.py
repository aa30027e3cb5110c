"""`@record`: a frozen attrs class with a shared `__repr__`.

attrs generates a `__repr__` per class, which doubles the time to create the class;
the command line creates some fifty of them at start-up, so they share this one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, dataclass_transform, overload

import attrs

T = TypeVar("T", bound=type)


def _repr(self: Any) -> str:
    fields = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in attrs.fields(type(self)))
    return f"{type(self).__name__}({fields})"


@overload
def record(cls: T) -> T: ...


@overload
def record(*, eq: bool = True, kw_only: bool = False) -> Callable[[T], T]: ...


@dataclass_transform(frozen_default=True, field_specifiers=(attrs.field,))
def record(cls: Any = None, *, eq: bool = True, kw_only: bool = False) -> Any:
    """Like `attrs.frozen`; `eq=False` for identity semantics (syntax nodes, clauses)."""

    def wrap(cls: T) -> T:
        made: T = attrs.frozen(cls, eq=eq, repr=False, kw_only=kw_only)
        made.__repr__ = _repr  # type: ignore[assignment]
        return made

    return wrap(cls) if cls is not None else wrap


R = TypeVar("R")


def evolve(instance: R, **changes: Any) -> R:
    """A copy of a record with some fields changed (`attrs.evolve`, typed for records)."""
    changed: R = attrs.evolve(instance, **changes)  # type: ignore[misc]
    return changed


def fields(instance: Any) -> tuple[Any, ...]:
    """The values of a record's fields, in order."""
    return tuple(getattr(instance, field.name) for field in attrs.fields(type(instance)))
