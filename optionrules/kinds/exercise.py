"""Exercise of an option: the exercise event, and the payment methods it may use."""

from __future__ import annotations

from typing import Self

from optionrules.errors import did_you_mean
from optionrules.figures import AwardType
from optionrules.kinds.base import Clause, Reading, Triggered, key, kind
from optionrules.kinds.readers import BareWords, Choice, EventAttribute, TriggerAttribute
from optionrules.kinds.words import EarlyExercise
from optionrules.model import EnumType, Word
from optionrules.types import ERROR, NUMBER, TypeKind

_OPTION = frozenset({AwardType.OPTION})


@kind("exercise", "which event is an exercise, and its share count and payment method", singleton=True,
      trigger=True, awards=_OPTION, required=_OPTION)
class Exercise(Triggered):
    shares: str = key(TriggerAttribute(), required=True)
    method: str | None = key(TriggerAttribute())
    early: Word[EarlyExercise] | None = key(Choice(EarlyExercise), name="before_vesting",
                                            doc="allowed: early exercise of unvested shares (default: not_allowed)")

    def validate(self, reading: Reading) -> Self | None:
        attribute = reading.model.events[self.event].attrs[self.shares]
        if attribute.type not in (NUMBER, ERROR):
            reading.error(f"`shares` must be an attribute of type shares, not {attribute.declared}",
                          reading.clause.entry("shares"))
            return None
        return self

    def methods(self, reading: Reading) -> EnumType | None:
        """The enumeration of payment methods: the type of the method attribute, if it is an enum."""
        if self.method is None:
            return None
        attribute = reading.model.events[self.event].attrs[self.method]
        return reading.model.enums[str(attribute.type.name)] if attribute.type.kind is TypeKind.ENUM else None


@kind("payment", "payment methods allowed outright, and those allowed after a consent", singleton=True,
      awards=_OPTION, phase=6)
class Payment(Clause):
    always: tuple[str, ...] = key(BareWords(), default=())
    with_consent: tuple[str, ...] = key(BareWords(), default=())
    consent: tuple[str, str] | None = key(EventAttribute(),
                                          doc="the event that consents, and its attribute naming the method")

    def validate(self, reading: Reading) -> Self | None:
        exercise = reading.model.one(Exercise)
        if exercise is None or exercise.method is None:
            if not reading.failed("exercise"):
                reading.error("payment methods need an exercise clause with `method:`", reading.clause.kind_span)
            return None
        methods = exercise.methods(reading)
        if methods is None or not self._are_methods(reading, methods):
            return None
        if self.with_consent and self.consent is None:
            reading.error("methods `with_consent` need `consent: event.attribute`", reading.clause.kind_span)
            return None
        return self

    def _are_methods(self, reading: Reading, methods: EnumType) -> bool:
        for key_name in ("always", "with_consent"):
            entry = reading.clause.entry(key_name)
            for word, node in zip(getattr(self, key_name), entry.values if entry else ()):
                if word not in methods.members:
                    reading.error(f"'{word}' is not a {methods.name} (one of: {', '.join(methods.members)})", node,
                                  did_you_mean(word, methods.members))
                    return False
        return True
