"""The clause kinds of the language, one family a module; each kind is one declaration (`base.kind`).

    header       agreement, plan, form, uses: what the file is, and what it builds on
    vocabulary   event, assume: what can happen, and the readings of ambiguous text
    grant        grant, term, conventions: the constants, and the date conventions
    vesting      vesting, milestone, service, settlement: how shares vest
    rules        rule, lockup, require: what events do
    exercise     exercise, payment: exercising an option
    windows      repurchase, deadline: rights that run for a time, and what their passing does
    tests        example, invariant: what the contract carries to test itself

A new kind is a record class in one of these modules (or a new one imported here); the checker reads
it, `optionrules kinds` lists it, and the compiler and the evaluator give it its meaning.
"""

from optionrules.kinds import exercise, grant, header, readers, rules, tests, vesting, vocabulary, windows
from optionrules.kinds.base import KINDS, Clause, Conditional, Key, Kind, Reading, Triggered
from optionrules.kinds.exercise import Exercise, Payment
from optionrules.kinds.grant import Conventions, Grant, Term
from optionrules.kinds.header import Agreement, Form, Plan, Uses
from optionrules.kinds.rules import Count, Horizon, Lockup, Percent, ProRata, Require, RestOf, Rule, Vest
from optionrules.kinds.tests import Example, Expectation, Invariant
from optionrules.kinds.vesting import Milestone, Service, Settlement, Vesting, VestingTable
from optionrules.kinds.vocabulary import Assume, EventDeclaration
from optionrules.kinds.windows import Deadline, Opening, RepurchaseRight

# The registry in the order of the families above (each module registers its kinds as it is imported).
_FAMILIES = [header, vocabulary, grant, vesting, rules, exercise, windows, tests]
_ordered = sorted(KINDS.values(), key=lambda k: [f.__name__ for f in _FAMILIES].index(k.record.__module__))
KINDS.clear()
KINDS.update((k.name, k) for k in _ordered)

SAYS = "says"  # every clause may quote the agreement's own words
SAYS_DOC = "the agreement's own words for this clause"
SAYS_KEY = Key(SAYS, SAYS, readers.Text(), doc=SAYS_DOC)
HEADERS = tuple(name for name, k in KINDS.items() if k.header)

__all__ = [
    "HEADERS",
    "KINDS",
    "SAYS",
    "SAYS_DOC",
    "SAYS_KEY",
    "Agreement",
    "Assume",
    "Clause",
    "Conditional",
    "Conventions",
    "Count",
    "Deadline",
    "EventDeclaration",
    "Example",
    "Exercise",
    "Expectation",
    "Form",
    "Grant",
    "Horizon",
    "Invariant",
    "Key",
    "Kind",
    "Lockup",
    "Milestone",
    "Opening",
    "Payment",
    "Percent",
    "Plan",
    "ProRata",
    "Reading",
    "RepurchaseRight",
    "Require",
    "RestOf",
    "Rule",
    "Service",
    "Settlement",
    "Term",
    "Triggered",
    "Uses",
    "Vest",
    "Vesting",
    "VestingTable",
    "exercise",
    "grant",
    "header",
    "rules",
    "tests",
    "vesting",
    "vocabulary",
    "windows",
]
