"""The contract's vocabulary: the events a timeline may hold, and the readings of ambiguous text."""

from __future__ import annotations

from typing import Self

import attrs

from optionrules.kinds.base import Clause, Reading, key, kind
from optionrules.kinds.readers import Bare, BareWords, Text
from optionrules.model import Assumption, Attr, EventType, Model
from optionrules.records import evolve


@kind("event", "declares an event a timeline may contain, with its typed attributes", named=True, cited=False,
      params=True, block=False, own_namespace=True, declares=True, phase=1)
class EventDeclaration(Clause):
    attributes: dict[str, Attr] = attrs.field(factory=dict)

    def validate(self, reading: Reading) -> Self | None:
        declared: dict[str, Attr] = {}
        for param in reading.clause.params or ():
            if param.name in declared:
                reading.error(f"the attribute '{param.name}' is declared twice", param)
            elif param.name == "date":
                reading.error("'date' is every event's own date; name the attribute otherwise", param)
            else:
                declared[param.name] = reading.attribute(param)
        return evolve(self, attributes=declared)

    def enter(self, model: Model) -> None:
        model.events[self.ref.name] = EventType(self.ref.name, self.attributes, self.ref.span)


@kind("assume", "names a reading of ambiguous text, with its alternatives", named=True, declares=True, phase=2)
class Assume(Clause):
    reads: str = key(Text(), required=True, doc="the words being interpreted")
    default: str = key(Bare(), required=True)
    alternatives: tuple[str, ...] = key(BareWords(), required=True)

    def validate(self, reading: Reading) -> Self | None:
        name = self.ref.name
        if name in reading.model.events:
            reading.error(f"'{name}' is already an event's name", reading.clause.name)
            return None
        if self.default in self.alternatives or len(set(self.alternatives)) != len(self.alternatives):
            reading.error(f"the readings of '{name}' must differ from each other", reading.clause.name)
            return None
        return self

    def enter(self, model: Model) -> None:
        model.assumptions[self.ref.name] = Assumption(self.ref.name, self.ref, self.reads, self.default,
                                                      self.alternatives)
