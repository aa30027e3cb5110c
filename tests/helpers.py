"""Small helpers for writing contracts and timelines in tests."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import optionrules

CONTRACTS = Path(__file__).resolve().parent.parent / "contracts"


def termination(day: str, reason: str) -> dict[str, Any]:
    return {"date": day, "event": "termination", "reason": reason}


def exercise(day: str, shares: Any, method: str = "cash") -> dict[str, Any]:
    return {"date": day, "event": "exercise", "shares": shares, "method": method}


def event(day: str, name: str, **attrs: Any) -> dict[str, Any]:
    return {"date": day, "event": name, **attrs}


def diagnostics_of(text: str) -> list[optionrules.Diagnostic]:
    _, diagnostics = optionrules.check_source(text, "test.contract")
    return diagnostics


BASE = """\
agreement test "A test grant"
enum reason_t {{ quit, fired, cause }}
enum method_t {{ cash, note }}
event termination(reason: reason_t)
event exercise(shares: shares, method: method_t)
event consent(method: method_t)
event deal
event listing
event extension(days: days)
conventions "c" {{
  missing_day: {missing_day}
  until: inclusive
}}
grant "g" {{
  shares: {shares}
  exercise_price: USD 1.00
  grant_date: {grant_date}
}}
term "t" {{
  expiration: grant_date + 10 years
  caps_windows: yes
}}
service "s" {{
  ends_on: termination
  through: {through}
}}
{vesting}
{rules}
exercise "e" on exercise {{
  shares: shares
  method: method
}}
payment "p" {{
  always: cash
  with_consent: note
  consent: consent.method
}}
"""

MONTHLY_48 = """\
vesting monthly "v" {
  installments: 48
  every: 1 month
  rounding: down
  rounding_basis: per_installment
  remainder: last
}
"""

ENDS = """\
rule ends "r" on termination {
  forfeit: unvested
  exercisable_until: termination + 90 days
}
"""


def contract(vesting: str = MONTHLY_48, rules: str = ENDS, shares: str = "4800", grant_date: str = "2020-01-15",
             through: str = "inclusive", missing_day: str = "last_day_of_month") -> optionrules.Contract:
    """A small option contract; replace the vesting schedule(s) or the rules to test one clause kind."""
    return optionrules.loads(BASE.format(vesting=vesting, rules=rules, shares=shares, grant_date=grant_date,
                                         through=through, missing_day=missing_day), "test.contract")


def installments(c: optionrules.Contract) -> list[tuple[str, int]]:
    """The (date, shares) installments of the contract's merged schedules."""
    plan = c.plan()
    amounts = [b - a for a, b in zip(plan.cumulative, plan.cumulative[1:])]
    return [(d.isoformat(), a) for d, a in zip(plan.dates, amounts)]


USES = re.compile(r'^\s*(?:file|source): "([^"]+)"', re.MULTILINE)


def copy_what_it_uses(text: str, directory: Path) -> None:
    """Copy into `directory` the files a text taken from contracts/ names (its plan, form and agreement text)."""
    for used in USES.findall(text):
        shutil.copyfile(CONTRACTS / used, directory / used)
