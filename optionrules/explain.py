"""Explanations: for each figure, the clauses that produced it, on which events, with which
intermediate values, and which assumptions it depended on.

The derivations come from the evaluator's trace (`evaluate(..., trace=[])`), a list of facts this
module turns into words; the assumptions' impact from evaluating each alternative reading.
"""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path
from typing import Any, assert_never

import attrs

from optionrules.compile import EvaluationPlan, Installments
from optionrules.errors import one_line
from optionrules.evaluate import Evaluation, evaluate
from optionrules.figures import AwardType
from optionrules.kinds.words import Passing, WindowChange
from optionrules.model import ClauseRef, Model
from optionrules.printer import number, show_value
from optionrules.timeline import Event, Timeline
from optionrules.trace import (
    AllUnvested,
    AlreadyEnded,
    Amount,
    AnyFact,
    BoughtBack,
    Consented,
    CountOf,
    DueWithin,
    Exercised,
    ForfeitedAll,
    ForfeitedUnvested,
    FullyVested,
    GateOpened,
    InstallmentPart,
    LockupExtended,
    LockupStarted,
    MilestoneReached,
    NotApplied,
    Nothing,
    PercentOf,
    ProRated,
    RestOfSchedule,
    ServiceEnded,
    Settled,
    Trace,
    Vested,
    WindowOpened,
    WindowPassed,
    WindowSet,
    figure_of,
)
from optionrules.values import Rounding, json_value, plural


@attrs.define
class Line:
    """One line of a derivation: what happened, under which clause, on which event."""

    text: str
    clause: ClauseRef | None = None
    date: date | None = None
    event: int | None = None
    assumptions: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "clause": self.clause.to_dict() if self.clause else None,
            "date": self.date.isoformat() if self.date else None,
            "event": self.event,
            "assumptions": list(self.assumptions),
        }


@attrs.define
class Derivation:
    figure: str
    value: Any
    lines: list[Line]

    def to_dict(self) -> dict[str, Any]:
        return {"figure": self.figure, "value": json_value(self.value),
                "because": [line.to_dict() for line in self.lines]}


@attrs.define
class Impact:
    """What taking each other reading of an assumption would change."""

    assumption: str
    reading: str
    reads: str
    citation: str
    changes: dict[str, dict[str, tuple[Any, Any]]]  # other reading -> figure -> (this value, that value)

    @property
    def mattered(self) -> bool:
        return any(self.changes.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "assumption": self.assumption, "reading": self.reading, "reads": self.reads, "citation": self.citation,
            "mattered": self.mattered,
            "alternatives": {other: {figure: {"taken": json_value(a), "alternative": json_value(b)}
                                     for figure, (a, b) in changes.items()}
                             for other, changes in self.changes.items()},
        }


@attrs.define
class Explanation:
    title: str
    as_of: date
    events: list[Event]
    result: Evaluation
    derivations: list[Derivation]
    impacts: list[Impact]

    def to_dict(self) -> dict[str, Any]:
        """The JSON object `optionrules explain` prints (schemas/explain.json)."""
        from optionrules.schemas import versioned

        return versioned({
            "contract": self.title,
            "as_of": self.as_of.isoformat(),
            "events": [{"index": e.index, **e.to_dict()} for e in self.events],
            "figures": [d.to_dict() for d in self.derivations],
            "violations": [v.to_dict() for v in self.result.violations],
            **({"waiting_for": [w.to_dict() for w in self.result.waiting_for]} if self.result.waiting_for else {}),
            "assumptions": [impact.to_dict() for impact in self.impacts],
        })

    def text(self) -> str:
        """A short memo a lawyer can check against the agreement."""
        out = [self.title, f"As of {self.as_of.isoformat()}, after {plural(len(self.events), 'event')}:"]
        out += [f"  events[{e.index}] {e.date.isoformat()} {e.name}{_attributes(e)}" for e in self.events]
        for derivation in self.derivations:
            out.append("")
            out.append(f"{derivation.figure.replace('_', ' ').capitalize()}: {show_value(derivation.value)}")
            out += [f"  - {_line_text(line)}" for line in derivation.lines]
        if self.result.waiting_for:
            out += ["", "Open: the answer depends on events that have not happened"]
            out += [f"  - {waiting} ({_where(waiting.clause)})" for waiting in self.result.waiting_for]
        out.append("")
        out.append(f"Violations: {len(self.result.violations) or 'none'}")
        for v in self.result.violations:
            out.append(f"  - {v.date.isoformat()} events[{v.index}] {v.event}: {v.why} ({_where(v.clause)})")
        out.append("")
        out += self._assumptions_text()
        return "\n".join(one_line(line) for line in out)  # a line break in a title or an event's text starts none

    def _assumptions_text(self) -> list[str]:
        if not self.impacts:
            return ["Assumptions: none declared"]
        out = ["Assumptions"]
        mattered = [i for i in self.impacts if i.mattered]
        unchanged = [i for i in self.impacts if not i.mattered]
        for impact in mattered:
            out.append(f"  mattered: {impact.assumption} = {impact.reading} ({impact.citation}: \"{impact.reads}\")")
            for other, changes in impact.changes.items():
                if changes:
                    diffs = "; ".join(f"{figure} {show_value(a)} -> {show_value(b)}"
                                      for figure, (a, b) in changes.items())
                    out.append(f"    reading {other} instead: {diffs}")
        if unchanged:
            names = ", ".join(f"{i.assumption} = {i.reading}" for i in unchanged)
            out.append(f"  changed nothing here: {names}")
        return out

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(d.figure)}</th>"
            f"<td style='text-align:right'>{html.escape(show_value(d.value))}</td>"
            f"<td style='text-align:left'>{'<br>'.join(html.escape(_line_text(line)) for line in d.lines)}</td></tr>"
            for d in self.derivations)
        return (f"<p><b>{html.escape(self.title)}</b>, as of {self.as_of.isoformat()}</p>"
                f"<table>{rows}</table><pre>{html.escape(chr(10).join(self._assumptions_text()))}</pre>")


def explain(model: Model, plan: EvaluationPlan, timeline: Timeline, as_of: date,
            alternatives: dict[str, EvaluationPlan]) -> Explanation:
    """Explain one query. `alternatives` maps "assumption=reading" to the plan compiled with that reading."""
    trace: Trace = []
    plan = plan.started([e for e in timeline.events if e.date <= as_of])  # the starts the events have set
    result = evaluate(plan, timeline.events, as_of, trace)
    facts = [fact for fact in trace if fact.date <= as_of]
    derivations = [_derive(figure.name, plan, result, facts) for figure in plan.figures if figure.name != "granted"]
    impacts = _impacts(model, plan, timeline, as_of, result, alternatives)
    events = [e for e in timeline.events if e.date <= as_of]
    return Explanation(model.heading, as_of, events, result, derivations, impacts)


# ---- one figure at a time ---------------------------------------------------------------------------------------


# Figures that share the facts of another: what was bought back is also what was paid, ...
_ALSO = {"repurchase_price": "repurchased", "held": "repurchased", "withheld": "settled", "delivered": "settled",
         "released": "repurchase_deadline"}


def _derive(figure: str, plan: EvaluationPlan, result: Evaluation, facts: list[AnyFact]) -> Derivation:
    related = (figure, _ALSO.get(figure))
    lines = [_from_fact(fact, plan) for fact in facts if figure_of(fact) in related]
    v = result.values
    value = v[figure]
    deadline = v.get("exercise_deadline")
    match figure:
        case "vested" | "released":
            lines = _installment_lines(plan, result) + lines
        case "exercisable":
            lines = [_exercisable_line(result)]
        case "unvested" if value:
            lines = [Line(f"granted - vested = {number(v['granted'])} - {number(v['vested'])}")]
        case "forfeited" if value and (plan.award is not AwardType.OPTION or deadline is not None):
            lines.append(Line(f"granted - vested = {number(v['granted'])} - {number(v['vested'])} = {number(value)}"))
        case "expired" if value:
            lines.append(Line(f"{result.as_of.isoformat()} is after the exercise deadline {_iso(deadline)}: "
                              f"vested - exercised = {number(v['vested'])} - {number(v['exercised'])}"
                              + (f", and the {number(value - v['vested'] + v['exercised'])} never vested"
                                 if value > v['vested'] - v['exercised'] else "")))
        case "exercise_deadline" if not lines and deadline is not None:
            lines = [Line(f"the expiration date {_iso(deadline)}", plan.term)]
        case "unsettled" if value:
            lines = [Line(f"vested - settled = {number(v['vested'])} - {number(v['settled'])} = {number(value)}")]
        case "settled" if plan.settlement is not None and plan.settlement.event is None:
            lines = [Line("each unit settles the day it vests", plan.settlement.ref)]
        case "settlement_deadline" | "overdue" if v["unsettled"]:
            lines = [Line(_settlement_text(result), plan.settlement.ref if plan.settlement else None)]
        case "held":
            lines = [Line(f"granted - repurchased = {number(v['granted'])} - {number(v['repurchased'])} "
                          f"= {number(value)}")]
        case "subject_to_repurchase" if value and plan.award is AwardType.RESTRICTED_STOCK:
            lines = [Line(f"granted - released - repurchased = {number(v['granted'])} - {number(v['released'])} - "
                          f"{number(v['repurchased'])} = {number(value)}")]
        case "subject_to_repurchase" if value:
            lines = [Line(f"exercised - vested = {number(v['exercised'])} - {number(v['vested'])} = {number(value)}: "
                          "shares exercised before they vested")]
        case "sale_blocked" if lines:
            lines.append(Line(f"{result.as_of.isoformat()} is {'within' if value else 'outside'} the lock-up"))
    return Derivation(figure, value, lines)


def _settlement_text(result: Evaluation) -> str:
    v = result.values
    deadline, overdue = v["settlement_deadline"], v["overdue"]
    text = f"{number(v['unsettled'])} vested units not settled"
    if deadline is not None:
        text += f"; the earliest of them due by {deadline.isoformat()}"
    if overdue:
        text += f"; {number(overdue)} past their deadline on {result.as_of.isoformat()}"
    return text


def _from_fact(fact: AnyFact, plan: EvaluationPlan) -> Line:
    return Line(fact_text(fact, plan.award), fact.clause, fact.date, fact.event, fact.assumptions)


_ROUND = {Rounding.DOWN: "floor", Rounding.UP: "ceil", Rounding.HALF_UP: "round_half_up", Rounding.NONE: "exact"}


def fact_text(fact: AnyFact, award: AwardType = AwardType.OPTION) -> str:
    """A fact of the trace in words (an option's, units', or shares' words)."""
    match fact:
        case Vested():
            because = f", as `{fact.condition}` holds" if fact.condition else ""
            return _amount_text(fact.amount) + because
        case NotApplied():
            return f"does not apply: `{fact.condition}` does not hold"
        case AlreadyEnded():
            return "changes nothing: the option had already ended"
        case MilestoneReached():
            return f"milestone reached: {number(fact.shares)} shares vest" if fact.shares else \
                "milestone reached too late, or after vesting ended: nothing vests"
        case GateOpened():
            return f"the gate opens: the {number(fact.shares)} shares waiting for it vest now, the rest on their dates"
        case ServiceEnded():
            last = "including" if fact.inclusive else "before"
            return (f"service ends on {fact.date.isoformat()}: installments up to and {last} that day vest, "
                    "later ones do not")
        case ForfeitedUnvested():
            return f"shares unvested on {fact.date.isoformat()} are forfeited"
        case ForfeitedAll() if award is AwardType.RSU:
            return f"the award terminates, vested or not: {number(fact.shares)} units not settled are forfeited"
        case ForfeitedAll():
            return f"the option terminates, vested or not: {number(fact.shares)} shares not exercised are forfeited"
        case BoughtBack():
            return (f"the company buys back {number(fact.shares)} of the {number(fact.subject)} shares subject to "
                    f"repurchase, at {fact.price} a share: {fact.paid}")
        case Settled():
            withheld = f", {number(fact.withheld)} of them withheld for tax" if fact.withheld else ""
            return (f"{number(fact.units)} units settled of the {number(fact.unsettled)} vested and not settled"
                    f"{withheld}")
        case WindowOpened():
            return _opened_text(fact)
        case WindowPassed():
            closed = f"the window closed on {fact.last_day.isoformat()}"
            if fact.came:
                return f"{closed}: the {number(fact.shares)} shares not bought back are released"
            return f"{closed} with no {fact.waits_for}: {number(fact.shares)} shares released"
        case WindowSet():
            return _window_text(fact)
        case Consented():
            return f"consent to payment by {fact.method}"
        case Exercised():
            return f"{number(fact.shares)} shares exercised of the {number(fact.exercisable)} exercisable"
        case LockupStarted():
            start = "the day of" if fact.same_day else "the day after"
            return (f"sales blocked {fact.start.isoformat()} .. {fact.end.isoformat()}: {fact.period} from {start} "
                    f"{fact.on.isoformat()}")
        case LockupExtended():
            return f"extended by {fact.days} to {fact.end.isoformat()}"
        case _:
            assert_never(fact)


def _amount_text(amount: Amount) -> str:
    match amount:
        case AllUnvested():
            return f"all unvested shares vest: {number(amount.shares)}"
        case ProRated():
            return "; ".join(_part_text(part) for part in amount.parts)
        case PercentOf():
            return (f"{number(amount.percent * 100)}% of the {number(amount.unvested)} unvested shares vest now, "
                    f"taken from the {amount.order} installments: {number(amount.shares)}")
        case CountOf():
            return (f"{number(amount.asked)} shares asked of the {number(amount.unvested)} unvested vest now, taken "
                    f"from the {amount.order} installments: {number(amount.shares)}")
        case RestOfSchedule():
            return f"the unvested installments of {amount.schedule} vest now: {number(amount.shares)}"
        case DueWithin():
            return f"the installments due by {amount.horizon.isoformat()} vest now: {number(amount.shares)}"
        case Nothing():
            return "vests nothing"
        case _:
            assert_never(amount)


def _part_text(part: InstallmentPart | FullyVested) -> str:
    if isinstance(part, FullyVested):
        return f"{part.schedule}: fully vested, nothing pro-rata"
    capped = f" (capped at {number(part.pulled)}, the shares still unvested)" if part.pulled < part.share else ""
    return (f"pro-rata {_ROUND[part.rounding]}({number(part.amount)} × {part.served}/{part.period}) = "
            f"{number(part.share)}: {part.served} of the {part.period} days from {part.previous.isoformat()} to "
            f"{part.next.isoformat()}{capped}")


def _window_text(fact: WindowSet) -> str:
    """`exercisable until later_of(a, b) = later_of(2026-01-01, 2025-04-14) = 2026-01-01`, and what limited it."""
    result = show_value(fact.value)
    if fact.form in ("later_of", "earlier_of"):
        shown = f"{fact.expression} = {fact.form}({', '.join(map(show_value, fact.parts))}) = {result}"
    elif fact.form is not None:
        shown = f"{fact.expression} = {show_value(fact.parts[0])} {fact.form} {show_value(fact.parts[1])} = {result}"
    else:
        shown = fact.expression if fact.expression == result else f"{fact.expression} = {result}"
    text = "exercisable until " + shown
    if not fact.until_inclusive:
        text += f", the last day being {fact.last_day.isoformat()}"
    if fact.capped is not None:
        text += f"; capped by the expiration date {fact.capped.isoformat()}"
    if fact.kept is not None:
        bound = "no earlier" if fact.change is WindowChange.EXTENDS else "no later"
        text += f"; {bound} than the window already set, to {fact.kept.isoformat()}"
    elif fact.change is not WindowChange.SHORTENS:
        text += f"; it {fact.change} the window already set"
    return text


def _opened_text(fact: WindowOpened) -> str:
    last = fact.last_day.isoformat()
    match fact.passing:
        case Passing.RELEASE:
            return (f"the company may buy shares back ({fact.waits_for}) until {last}; those it has not bought by "
                    "then are released the day after")
        case Passing.FORFEIT:
            return f"{fact.waits_for} must come by {last}, or what has not vested is forfeited"
        case Passing.EXPIRE:
            return f"exercisable until {last} at the latest ({fact.waits_for} by then)"
        case Passing.OVERDUE:
            return f"{fact.waits_for} due by {last}"
        case _:
            assert_never(fact.passing)


def _installment_lines(plan: EvaluationPlan, result: Evaluation) -> list[Line]:
    """How many installments of each schedule vested by the as-of date (or by the end of vesting)."""
    ended = result.provenance.vesting_ended
    if ended is not None and result.as_of < ended:
        ended = None
    lines = []
    gated = {w.clause: w for w in result.waiting_for if w.what == "gate"}
    for schedule, (_, count) in zip(plan.schedules, result.vesting_counts):
        text = _installments_text(schedule, count)
        waiting = gated.get(schedule.ref)
        if waiting is not None and count:
            text += f"; not vested: {number(waiting.shares)} wait for {' or '.join(waiting.events)}"
        if ended is not None and count < len(schedule.dates):
            text += f"; none after vesting ended on {ended.isoformat()}"
        lines.append(Line(text, schedule.ref))
    return lines


def _installments_text(schedule: Installments, count: int) -> str:
    if count == 0:
        first = schedule.dates[0].isoformat() if schedule.dates else "never"
        return f"no installment yet (the first falls on {first})"
    amounts = schedule.amounts[:count]
    total = sum(amounts, start=0)
    span = f"{schedule.dates[0].isoformat()} to {schedule.dates[count - 1].isoformat()}"
    if len(set(amounts)) == 1:
        return f"{plural(count, 'installment')} × {number(amounts[0])} = {number(total)}, {span}"
    return f"{plural(count, 'installment')} ({' + '.join(map(number, amounts[:6]))}" \
           f"{' + ...' if count > 6 else ''}) = {number(total)}, {span}"


def _exercisable_line(result: Evaluation) -> Line:
    p = result.provenance
    if p.forfeit_all is not None:
        return Line(f"none: the option terminated on {p.forfeit_all[0].isoformat()}", p.forfeit_all[1])
    deadline = result.exercise_deadline
    if deadline is not None and result.as_of > deadline:
        return Line(f"none: {result.as_of.isoformat()} is after the exercise deadline {deadline.isoformat()}",
                    p.deadline[0] if p.deadline else None)
    return Line(f"vested - exercised = {number(result.vested)} - {number(result.exercised)} "
                f"= {number(result.exercisable)}, "
                f"until {_iso(deadline)}")


# ---- assumptions ------------------------------------------------------------------------------------


def _impacts(model: Model, plan: EvaluationPlan, timeline: Timeline, as_of: date, result: Evaluation,
             alternatives: dict[str, EvaluationPlan]) -> list[Impact]:
    impacts = []
    taken = result.figures()
    for name, assumption in model.assumptions.items():
        reading = plan.readings[name]
        changes = {}
        for other in assumption.readings:
            if other == reading:
                continue
            figures = evaluate(alternatives[f"{name}={other}"], timeline.events, as_of).figures()
            changes[other] = {figure: (value, figures[figure]) for figure, value in taken.items()
                              if figures[figure] != value}
        impacts.append(Impact(name, reading, assumption.reads, assumption.ref.citation, changes))
    return impacts


# ---- formatting ---------------------------------------------------------------------------------------


def _where(ref: ClauseRef) -> str:
    return f"{ref.citation}, {ref.name} at {Path(ref.span.file).name}:{ref.span.line}"


def _line_text(line: Line) -> str:
    parts = []
    if line.date is not None:
        parts.append(f"{line.date.isoformat()}{f' events[{line.event}]' if line.event is not None else ''}: ")
    parts.append(line.text)
    if line.clause is not None:
        parts.append(f" -- {_where(line.clause)}")
    if line.assumptions:
        parts.append(f" [assumes {', '.join(line.assumptions)}]")
    return "".join(parts)


def _attributes(event: Event) -> str:
    if not event.attrs:
        return ""
    return " (" + ", ".join(f"{k}: {show_value(v)}" for k, v in event.attrs.items()) + ")"



def _iso(value: date | None) -> str:
    return value.isoformat() if value else "none"
