"""The Python API: load a contract once, then ask it any number of questions.

    contract = optionrules.load("agreement.contract")      # parsed, checked
    result = contract.evaluate([{"date": "2025-03-15", "event": "termination", "reason": "resignation"}],
                               as_of="2025-03-20")
    result.vested, result.exercise_deadline, result.to_dict()

Every error it raises is an `OptionRulesError`: `ContractError` for a contract that does not check,
`TimelineError` for events that cannot mean anything, `QueryError` for a question asked wrongly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from optionrules.check import check_source
from optionrules.compile import EvaluationPlan, compile_plan
from optionrules.errors import ContractError, Diagnostic, QueryError
from optionrules.evaluate import Evaluation, evaluate
from optionrules.explain import Explanation, explain
from optionrules.files import read_source
from optionrules.kinds import Grant
from optionrules.limits import MAX_ROWS
from optionrules.model import Model
from optionrules.progress import Progress
from optionrules.schedule import VestingTable, vesting_table
from optionrules.timeline import Timeline, as_date, load_timeline, read_timeline
from optionrules.whatif import AsOf, Vary, WhatIf, parse_vary, whatif


class Contract:
    """A checked contract, compiled on demand once per choice of readings."""

    def __init__(self, model: Model):
        self.model = model
        self._plans: dict[frozenset[tuple[str, str]], EvaluationPlan] = {}  # by the full choice of readings
        self._default_plan: EvaluationPlan | None = None  # also among them; kept apart for the common query

    def __repr__(self) -> str:
        return f"<Contract {self.model.name or self.model.file}>"

    def _repr_html_(self) -> str:
        from optionrules.render import contract_html

        return contract_html(self.model)

    @property
    def name(self) -> str | None:
        return self.model.name

    @property
    def title(self) -> str | None:
        return self.model.title

    @property
    def granted(self) -> int:
        grant = self.model.one(Grant)
        assert grant is not None  # a contract that checked has its grant
        return grant.shares

    def plan(self, assume: Mapping[str, str] | None = None) -> EvaluationPlan:
        """The evaluation plan for these readings (the defaults where not given); raises ReadingError."""
        if not assume and self._default_plan is not None:
            return self._default_plan
        if assume is not None and not isinstance(assume, Mapping):
            raise QueryError(f"assume takes {{assumption: reading}}, not {assume!r}")
        readings = self.model.readings(assume)
        key = frozenset(readings.items())
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = compile_plan(self.model, readings)
        if not assume:
            self._default_plan = plan
        return plan

    def timeline(self, events: Any = ()) -> Timeline:
        """Validate a timeline: a `Timeline`, `{"events": [...]}`, or a list of event dicts or `Event`s."""
        return read_timeline(events, self.model)

    def load_timeline(self, path: str | Path) -> Timeline:
        return load_timeline(path, self.model)

    def evaluate(self, events: Any = (), as_of: date | str | None = None,
                 assume: Mapping[str, str] | None = None) -> Evaluation:
        """The figures on `as_of` (default: today) after the events dated on or before it."""
        # a validated timeline and a date are taken as they are: a query costs a few microseconds
        timeline = events if type(events) is Timeline else self.timeline(events)
        return evaluate(self.plan(assume), timeline.events, as_of if type(as_of) is date else _as_of(as_of))

    def explain(self, events: Any = (), as_of: date | str | None = None,
                assume: Mapping[str, str] | None = None) -> Explanation:
        """Each figure's derivation, and what each other reading of each assumption would change."""
        plan = self.plan(assume)
        alternatives = {
            f"{name}={reading}": self.plan({**(assume or {}), name: reading})
            for name, assumption in self.model.assumptions.items()
            for reading in assumption.readings if reading != plan.readings[name]
        }
        return explain(self.model, plan, self.timeline(events), _as_of(as_of), alternatives)

    def whatif(self, events: Any = (), vary: Sequence[str | Vary] = (), as_of: str | date | None = None,
               assume: Mapping[str, str] | None = None, progress: Progress | None = None,
               max_rows: int = MAX_ROWS) -> WhatIf:
        """Every combination of the varied values (see `optionrules.whatif`); raises QueryError for bad specs,
        WorkTooLarge for a sweep of more than `max_rows` rows. Without `as_of`: the varied event's day (event+0),
        or today where no date is varied."""
        if isinstance(vary, str):
            vary = [vary]
        varies = [v if isinstance(v, Vary) else parse_vary(v, self, max_rows) for v in vary]
        if not varies:
            raise QueryError("vary at least one thing: EVENT.date=..., EVENT.ATTRIBUTE=V1,V2 or assume NAME=R1,R2")
        if as_of is None:
            when = AsOf.default(varies)
        else:
            when = AsOf(fixed=as_of) if isinstance(as_of, date) else AsOf.parse(as_of, varies)
        return whatif(self, self.timeline(events), varies, when, dict(assume or {}), progress, max_rows)

    def schedule(self, events: Any = (), assume: Mapping[str, str] | None = None) -> VestingTable:
        """Every date on which a figure changes, with the clauses that changed it."""
        return vesting_table(self.plan(assume), self.timeline(events), self.model.heading)

    def portfolio(self, grants: Any, events: Any = None, as_of: Any = None, assume: Mapping[str, str] | None = None,
                  by: str | None = None, client: Any = None, progress: Progress | None = None) -> Any:
        """Every grant of a table made with this form (a path, a DataFrame, an Arrow table): a row per grant and
        date, totals, problems (`optionrules.portfolio.evaluate`; the [portfolio] extra)."""
        from optionrules.portfolio import evaluate, form_of

        return evaluate(form_of(self.model), grants, events, as_of, assume, by, client, progress)

    def evaluate_many(self, events: Any, dates: Iterable[date | str],
                      assume: Mapping[str, str] | None = None) -> list[Evaluation]:
        timeline, plan = self.timeline(events), self.plan(assume)
        return [evaluate(plan, timeline.events, _as_of(d)) for d in dates]


def _as_of(value: date | str | None) -> date:
    if value is None:
        return date.today()
    try:
        return as_date(value, "as-of date")
    except ValueError as error:
        raise QueryError(str(error)) from None


def loads(text: str, file: str = "<string>", values: dict[str, Any] | None = None) -> Contract:
    """A contract from its text; raises ContractError carrying every diagnostic."""
    if not isinstance(text, str):
        raise QueryError(f"loads takes the contract's text, not {type(text).__name__}")
    model, diagnostics = check_source(text, file, values)
    errors = [d for d in diagnostics if d.severity == "error"]
    if errors:
        raise ContractError(errors, model.sources)
    if model.role != "agreement":
        what = {"plan": "a plan: an agreement `uses` it and is evaluated with it",
                "form": "a form: a grant made from it (an agreement with `form:` and `with:`, or a CSV row) "
                        "is evaluated"}[model.role]
        raise ContractError([Diagnostic(f"this is {what}", where=file)])
    return Contract(model)


def load(path: str | Path) -> Contract:
    """A checked contract from a `.contract` file; raises ContractError carrying every diagnostic."""
    if not isinstance(path, (str, Path)):
        raise QueryError(f"load takes a path, not {type(path).__name__}")
    text, problems = read_source(path)
    if text is None:
        raise ContractError(problems)
    return loads(text, str(path))
