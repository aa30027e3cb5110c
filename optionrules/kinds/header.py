"""What the file is (an agreement, a plan, a form), and the plans it builds on."""

from __future__ import annotations

from optionrules.kinds.base import Clause, key, kind
from optionrules.kinds.readers import Raw, Text
from optionrules.model import Model

_SOURCE = "the {}'s text, beside this file"


class Header(Clause):
    """The first item of a file: its name, and its title (the string)."""

    def enter(self, model: Model) -> None:
        model.name, model.title = self.ref.name, self.ref.citation


@kind("agreement", "names the agreement this file encodes; the string is its title", named=True, cited=False,
      singleton=True, header=True, phase=0)
class Agreement(Header):
    company: str | None = key(Text())
    source: str | None = key(Text(), doc=_SOURCE.format("agreement"))
    form: object = key(Raw("a \"file\""), doc="the form this grant is made from (a file)")
    values: object = key(Raw("{ parameter: value ... }"), name="with",
                         doc="{ parameter: value ... }: the values of the form's parameters")


@kind("plan", "a plan's default clauses, which agreements use and may override; the string is its title",
      named=True, cited=False, singleton=True, header=True, phase=0)
class Plan(Header):
    company: str | None = key(Text())
    source: str | None = key(Text(), doc=_SOURCE.format("plan"))


@kind("form", "a template agreement with typed parameters, instantiated by grants; the string is its title",
      named=True, cited=False, singleton=True, header=True, params=True, phase=0)
class Form(Header):
    company: str | None = key(Text())
    source: str | None = key(Text(), doc=_SOURCE.format("form"))


@kind("uses", "a plan whose clauses apply unless this contract overrides them", named=True)
class Uses(Clause):
    file: str = key(Text(), required=True, doc="the plan's file, relative to this one")

    def enter(self, model: Model) -> None:
        pass  # compose has read the plan's clauses into the contract
