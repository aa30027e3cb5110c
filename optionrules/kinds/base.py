"""How a clause kind is declared, once: a frozen record whose fields are its keys.

    @kind("lockup", "sales blocked for a period after an event", named=True, trigger=True)
    class Lockup(Triggered):
        period: Duration = key(Constant(DURATION), required=True)
        starts: Word[LockupStart] = key(Choice(LockupStart), required=True)

The checker reads any clause of a kind generically: the shape (name, citation, `on`, `when`, block)
from the kind's flags, each key with its reader, then the record's `validate` hook for the rules
between its own keys. `optionrules kinds`, the required-key checks and the did-you-mean hints derive
from the same declaration (`KINDS`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Self, TypeVar, dataclass_transform

import attrs

from optionrules import ast
from optionrules.expressions import TExpr, Typer
from optionrules.figures import ALL_AWARDS, AwardType
from optionrules.model import Attr, ClauseRef, Model, Word
from optionrules.records import record
from optionrules.types import Type

if TYPE_CHECKING:
    from optionrules.kinds.readers import Reader

_KEY = "optionrules.key"

# ---- What a reader and a hook may ask of the checker ---------------------------------------------------


class Reading(Protocol):
    """The checker, while it reads one clause."""

    clause: ast.Clause
    model: Model
    constants: Mapping[str, tuple[Type, object]]

    def error(self, message: str, node: Any, hint: str | None = None) -> None: ...

    def warn(self, message: str, node: Any, hint: str | None = None) -> None: ...

    def typer(self, runtime: bool = False) -> Typer: ...

    def constant(self, node: ast.Value, wanted: Type, what: str) -> Any | None: ...

    def word(self, node: ast.Name, key: str, choices: tuple[str, ...], enum: Any) -> Word[Any] | None: ...

    def event(self, node: ast.Name) -> str | None: ...

    def value_of(self, expr: TExpr, node: ast.Value, what: str) -> Any | None: ...

    def attribute_type(self, param: ast.Param) -> Type | None: ...

    def attribute(self, param: ast.Param) -> Attr: ...

    def failed(self, kind: str) -> bool: ...

    def clause_names(self, kind: str | None = None) -> set[str]: ...

    def node(self, key: str) -> Any: ...


# ---- The declaration --------------------------------------------------------------------------------------


@record
class Key:
    """A key of a clause kind: how it is written, which field of the record it fills, how it is read."""

    name: str
    field: str
    reader: Reader[Any]
    required: bool = False
    doc: str = ""

    @property
    def choices(self) -> tuple[str, ...]:
        """The words the key takes, where it takes a word from a fixed set."""
        return self.reader.choices

    @property
    def reads(self) -> str:
        """What the key takes, in words: `a date`, `down | up | half_up`."""
        return self.reader.shape


@record
class Kind:
    """A clause kind: its shape and its keys."""

    name: str
    doc: str
    record: type[Clause]
    keys: tuple[Key, ...]
    named: bool = False  # a name is required (it is optional otherwise)
    cited: bool = True  # a citation of the agreement's section is required
    singleton: bool = False  # at most one per contract
    trigger: bool = False  # `on EVENT` is required
    optional_trigger: bool = False  # `on EVENT` is allowed
    condition: bool = False  # `when CONDITION` is allowed
    params: bool = False  # `(name: type, ...)`
    block: bool = True  # `{ key: value ... }`
    header: bool = False  # says what the file is (agreement, plan, form): first, once
    awards: frozenset[AwardType] = ALL_AWARDS  # the award types it applies to
    required: frozenset[AwardType] = frozenset()  # the award types every agreement and form of has one
    own_namespace: bool = False  # its names may be those of clauses of other kinds (events, examples)
    declares: bool = False  # its name is a word expressions use (an event, an assumption)
    phase: int = 5  # the order clauses are read in: declarations first, then the grant's constants

    def key(self, name: str) -> Key | None:
        return next((key for key in self.keys if key.name == name), None)


KINDS: dict[str, Kind] = {}


@record(eq=False, kw_only=True)
class Clause:
    """The checked record of a clause; each kind declares its own (`@kind`)."""

    ref: ClauseRef
    # For a form checked on its own: the fields whose value its parameters give, each as an expression over
    # them (the field holds its value for sample parameters); a grant made from the form binds them.
    symbolic: Mapping[str, TExpr] = attrs.field(factory=dict)
    DEFINES: ClassVar[Mapping[str, Type]] = {}  # the constants the clause defines (grant, term fields)
    KIND: ClassVar[str] = ""  # the name of its kind (set by `kind`)

    def validate(self, reading: Reading) -> Self | None:
        """The rules between the clause's own keys, and defaults taken from other clauses; None (reported)
        if the clause cannot be used."""
        return self

    def constants(self) -> Mapping[str, object]:
        """The values of the constants the clause defines."""
        return {}

    def symbols(self) -> Mapping[str, TExpr]:
        """The constants the clause defines from a form's parameters, as expressions over them."""
        return {name: self.symbolic[name] for name in self.DEFINES if name in self.symbolic}

    def enter(self, model: Model) -> None:
        """Put the clause in the model (a declaration goes to the vocabulary)."""
        model.clauses.append(self)


@record(eq=False, kw_only=True)
class Triggered(Clause):
    """A clause on an event: `on EVENT`."""

    event: str


@record(eq=False, kw_only=True)
class MaybeTriggered(Clause):
    """A clause that may be on an event."""

    event: str | None = None


@record(eq=False, kw_only=True)
class Conditional(Triggered):
    """A clause on an event, where its condition holds: `on EVENT when CONDITION`."""

    condition: TExpr | None = None


K = TypeVar("K", bound=type)


def key(reader: Reader[Any], *, required: bool = False, doc: str = "", name: str | None = None,
        default: Any = None) -> Any:
    """A key of a clause kind, as a field of its record: written `name` (default: the field's name)."""
    return attrs.field(default=default, metadata={_KEY: (reader, required, doc, name)})


@dataclass_transform(frozen_default=True, kw_only_default=True, field_specifiers=(attrs.field, key))
def kind(name: str, doc: str, **shape: Any) -> Callable[[K], K]:
    """Declare a clause kind: its record class, its keys (the fields made with `key`), its shape."""

    def declare(cls: K) -> K:
        made = record(eq=False, kw_only=True)(cls)
        keys = []
        for field in attrs.fields(made):
            if _KEY in field.metadata:
                reader, required, key_doc, written = field.metadata[_KEY]
                keys.append(Key(written or field.name, field.name, reader, required, key_doc))
        KINDS[name] = Kind(name, doc, made, tuple(keys), **shape)
        made.KIND = name  # type: ignore[attr-defined]
        return made

    return declare
