"""What events do: rules (vesting, forfeiture, repurchase, exercise windows), lock-ups, requirements."""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Self, Union

from optionrules import ast
from optionrules.errors import did_you_mean
from optionrules.expressions import TExpr
from optionrules.fold import Known, truth
from optionrules.kinds.base import Conditional, Reading, Triggered, key, kind
from optionrules.kinds.readers import Choice, Constant, EventAttribute, Expression, Reader, TriggerAttribute
from optionrules.kinds.words import AccelerationOrder, Forfeit, Inclusivity, LockupStart, VestWord, WindowChange
from optionrules.model import Word
from optionrules.records import record
from optionrules.types import BOOL, DATE, DURATION, PERCENT
from optionrules.values import WHOLE_ROUNDINGS, Duration, Rounding

# ---- What `vest:` can order -----------------------------------------------------------------------------


@record(eq=False)
class ProRata:
    """Vest the interrupted installment in proportion to the days of it served."""

    schedule: str | None  # a vesting schedule's name; None: every schedule
    day_count: Word[Inclusivity]  # exclusive (T - L) or inclusive (T - L + 1)
    rounding: Word[Rounding]


@record(eq=False)
class Percent:
    """`percent(50%, rounding: down, from: last)`: that share of the unvested installments, taken from the last,
    the first or each of them."""

    percent: Fraction
    rounding: Word[Rounding]
    order: Word[AccelerationOrder]


@record(eq=False)
class Horizon:
    """`next(12 months)`: the installments due within that time."""

    within: Duration


@record(eq=False)
class Count:
    """`shares(units, from: last)`: as many unvested shares as the event's attribute gives (at most the unvested),
    taken from the last or the first installments."""

    attribute: str
    order: Word[AccelerationOrder]


@record(eq=False)
class RestOf:
    """`rest_of(schedule)`: the unvested installments of one schedule (a branch another event brings forward)."""

    schedule: str


Vest = Union[Word[VestWord], ProRata, Percent, Horizon, Count, RestOf]

_VEST_FUNCTIONS = ("pro_rata", "percent", "next", "shares", "rest_of")


class VestReader(Reader[Vest]):
    shape = ("all_unvested | nothing | pro_rata(schedule:, day_count:, rounding:) | "
             "percent(50%, rounding:, from: last|first|each) | next(12 months) | shares(ATTRIBUTE, from: last|first) | "
             "rest_of(SCHEDULE)")
    choices = tuple(VestWord)

    def read_one(self, node: ast.Value, key: str, cx: Reading) -> Vest | None:
        if isinstance(node, ast.Call):
            match node.func:
                case "pro_rata":
                    return _pro_rata(node, cx)
                case "percent":
                    return _percent(node, cx)
                case "next":
                    return _horizon(node, cx)
                case "shares":
                    return _count(node, cx)
                case "rest_of":
                    return _rest_of(node, cx)
            cx.error(f"`vest` takes all_unvested, nothing, pro_rata(...), percent(...), next(...), shares(...) or "
                     f"rest_of(...), "
                     f"not {node.func}(...)", node, did_you_mean(node.func, _VEST_FUNCTIONS))
            return None
        return Choice(VestWord).read_one(node, key, cx)


def _pro_rata(call: ast.Call, cx: Reading) -> ProRata | None:
    args: dict[str, ast.Name] = {}
    for arg in call.args:
        if arg.name not in ("schedule", "day_count", "rounding"):
            cx.error("pro_rata() takes schedule:, day_count: and rounding:", arg)
            return None
        if not isinstance(arg.value, ast.Name):
            cx.error(f"pro_rata({arg.name}:) takes a word", arg.value)
            return None
        args[arg.name] = arg.value
    schedule = args.get("schedule")
    if schedule is not None and schedule.id not in cx.clause_names("vesting"):
        cx.error(f"'{schedule.id}' is not a vesting schedule", schedule)
        return None
    words: dict[str, Any] = {}
    for name, enum, choices in (("day_count", Inclusivity, tuple(Inclusivity)), ("rounding", Rounding,
                                                                                  WHOLE_ROUNDINGS)):
        if name not in args:
            cx.error(f"pro_rata() needs `{name}:` ({' or '.join(choices)})", call)
            return None
        words[name] = cx.word(args[name], name, tuple(choices), enum)
    if None in words.values():
        return None
    return ProRata(schedule.id if schedule else None, words["day_count"], words["rounding"])


def _horizon(call: ast.Call, cx: Reading) -> Horizon | None:
    positional = [a.value for a in call.args if a.name is None]
    if len(positional) != 1 or len(call.args) != 1 or \
            (within := cx.constant(positional[0], DURATION, "next()")) is None:
        cx.error("write next(12 months): the installments due within that time vest now", call)
        return None
    return Horizon(within)


def _rest_of(call: ast.Call, cx: Reading) -> RestOf | None:
    schedules = cx.clause_names("vesting") | cx.clause_names("vesting_table")
    match call.args:
        case (ast.Arg(name=None, value=ast.Name(id=name) as node),):
            if name in schedules:
                return RestOf(name)
            cx.error(f"'{name}' is not a vesting schedule", node, did_you_mean(name, schedules))
        case _:
            cx.error("write rest_of(SCHEDULE): the unvested installments of that schedule vest now", call)
    return None


_COUNT_ORDERS = (str(AccelerationOrder.LAST), str(AccelerationOrder.FIRST))


def _count(call: ast.Call, cx: Reading) -> Count | None:
    """`shares(units, from: last)`: an attribute of the rule's event, of type shares."""
    positional = [a.value for a in call.args if a.name is None]
    order = next((a.value for a in call.args if a.name == "from"), None)
    if len(positional) != 1 or len(call.args) != 2 or not isinstance(order, ast.Name):
        cx.error("write shares(ATTRIBUTE, from: last|first): as many unvested shares as the event's attribute "
                 "gives vest now, taken from the last or the first installments", call)
        return None
    attribute = TriggerAttribute().read_one(positional[0], "shares()", cx)
    if attribute is None:
        return None
    declared = cx.model.events[cx.clause.trigger.id].attrs[attribute].declared if cx.clause.trigger else None
    if declared != "shares":
        cx.error(f"shares() takes an attribute of type shares, not {declared}", positional[0])
        return None
    word = cx.word(order, "from", _COUNT_ORDERS, AccelerationOrder)
    return Count(attribute, word) if word is not None else None


_PERCENT_WORDS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "rounding": (Rounding, tuple(Rounding)), "from": (AccelerationOrder, tuple(AccelerationOrder))}


def _percent(call: ast.Call, cx: Reading) -> Percent | None:
    positional = [a.value for a in call.args if a.name is None]
    named = {a.name: a for a in call.args if a.name is not None}
    if len(positional) != 1 or set(named) != set(_PERCENT_WORDS) or \
            (percent := cx.constant(positional[0], PERCENT, "percent()")) is None:
        cx.error("write percent(50%, rounding: down, from: last|first|each): that share of the unvested "
                 "installments vests now, taken from the last ones, the first ones or each one", call)
        return None
    words: dict[str, Any] = {}
    for name, (enum, choices) in _PERCENT_WORDS.items():
        node = named[name].value
        if isinstance(node, ast.Name):
            words[name] = cx.word(node, name, choices, enum)
        else:
            cx.error(f"`{name}` takes one of: {', '.join(choices)}", node)
            words[name] = None
    if None in words.values():
        return None
    return Percent(percent, words["rounding"], words["from"])


# ---- The kinds ------------------------------------------------------------------------------------------


@kind("rule", "what an event does when its condition holds", named=True, trigger=True, condition=True)
class Rule(Conditional):
    vest: Vest | None = key(VestReader(), doc="all_unvested, nothing, pro_rata(schedule:, day_count:, rounding:), "
                                              "percent(50%, rounding:, from: last|first|each) of the unvested "
                                              "installments, next(12 months) of installments, shares(ATTRIBUTE, "
                                              "from: last|first): as many as the event gives, or rest_of(SCHEDULE)")
    forfeit: Word[Forfeit] | None = key(Choice(Forfeit))
    exercisable_until: TExpr | None = key(Expression(DATE), doc="the last day of the exercise window")
    window: Word[WindowChange] | None = key(Choice(WindowChange),
                                            doc="what this window does to one already set: shortens it (the "
                                                "default), extends it, or replaces it; the term still caps it")
    exceptions: tuple[TExpr, ...] = ()  # conditions of the rules that override this one where they hold

    def applies(self, known: Known) -> bool | None:
        """Whether the rule applies: its condition holds and none of its exceptions does (None: not known)."""
        holds = True if self.condition is None else truth(self.condition, known)
        excepted = [truth(exception, known) for exception in self.exceptions]
        if holds is False or True in excepted:
            return False
        return None if holds is None or None in excepted else True

    def validate(self, reading: Reading) -> Self | None:
        if self.window is not None and self.exercisable_until is None:
            reading.error("`window` says what `exercisable_until` does: give it", reading.node("window"))
            return None
        if self.vest is None and self.forfeit is None and self.exercisable_until is None:
            reading.error(f"rule '{self.ref.name}' has no effect: give `vest`, `forfeit` or `exercisable_until`",
                          reading.clause.kind_span)
            return None
        return self


@kind("lockup", "sales blocked for a period after an event", named=True, trigger=True)
class Lockup(Triggered):
    period: Duration = key(Constant(DURATION), required=True)
    starts: Word[LockupStart] = key(Choice(LockupStart), required=True)
    extended_by: tuple[str, str] | None = key(EventAttribute("days"),
                                              doc="an event attribute of type days that extends the period")


@kind("require", "a condition an event must meet; otherwise it is a violation, not applied", named=True,
      trigger=True)
class Require(Triggered):
    that: TExpr = key(Expression(BOOL), required=True)
