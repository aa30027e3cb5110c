"""A form checked once, and grants bound to it without checking each again.

A form checked on its own is symbolic in its parameters: each record keeps, in `record.symbolic`, the
fields its parameters give as typed expressions, and its runtime expressions (conditions, exercise windows)
read them as `Ref(PARAMETER)`. Binding a grant's values evaluates those fields and substitutes the values
into the expressions, which gives the model `check` would give for that grant, at a fraction of the cost:

    form = Form.load("acme_option_form.contract")
    model = form.bind({"optionee": "Ann", "shares": 4800, ...}, form.model.readings())
    plan = compile_plan(model, readings)

What a row can get wrong is not checked here: `optionrules.tables` reads each value as its parameter's
declared type, and the rows whose values may break a constraint of the form's keys are checked whole by
`Form.check_row` (the checker itself), which says why in its own words.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from optionrules import ast
from optionrules.check import check, check_source
from optionrules.contract import Contract
from optionrules.errors import ContractError, Diagnostic
from optionrules.expressions import EXPRESSIONS, Ref, RefKind, TExpr, reads_parameters, subexpressions
from optionrules.files import read_source
from optionrules.fold import Known, fold, value
from optionrules.kinds import Clause, Conventions, Term
from optionrules.model import Attr, Model
from optionrules.parse import parse
from optionrules.records import evolve
from optionrules.values import MissingDay, Money


@attrs.frozen
class Form:
    """A form read, parsed and checked once: its symbolic model and its parameters' declared types."""

    path: str
    text: str
    module: ast.Module
    model: Model
    parameters: Mapping[str, Attr]

    @classmethod
    def load(cls, path: str | Path) -> Form:
        """The form at `path`; raises ContractError if it cannot be read, does not check, or is not a form."""
        text, problems = read_source(path)
        if text is None:
            raise ContractError(problems)
        return cls.of(text, str(path))

    @classmethod
    def of(cls, text: str, file: str) -> Form:
        model, diagnostics = check_source(text, file)
        errors = [d for d in diagnostics if d.severity == "error"]
        if errors:
            raise ContractError(errors, model.sources)
        if model.role != "form":
            raise ContractError([Diagnostic(f"{file} is not a form: grants are made from a form", where=file)])
        module, _ = parse(text, file)
        return cls(file, text, module, model, model.parameters)

    def check_row(self, values: Mapping[str, Any]) -> tuple[Model, list[Diagnostic]]:
        """The grant the values make, checked whole as an agreement (the slow path: some 0.5 ms)."""
        return check(self.module, self.text, dict(values))

    def bind(self, values: Mapping[str, Any], readings: Mapping[str, str]) -> Model:
        """The model of the grant these (valid) values make, for these readings of the assumptions."""
        return bind(self.model, values, readings)


def bind(form: Model, values: Mapping[str, Any], readings: Mapping[str, str]) -> Model:
    """The form's model with the grant's values in place of its parameters: every symbolic field evaluated
    (under the default readings, as the checker evaluates constants), every expression that reads a parameter
    given its value (folded under `readings`), the term's expiration date computed. A parameter with a default
    may be left out."""
    values = with_defaults(form.parameters, values)
    defaults = form.readings()
    constants = Known(defaults, None, _missing_day(form, defaults), values)
    runtime = Known(None, None, _missing_day(form, readings), values)
    clauses = [_bound(clause, constants, runtime) for clause in form.clauses]
    return attrs.evolve(form, role="agreement", clauses=clauses)


def with_defaults(parameters: Mapping[str, Attr], values: Mapping[str, Any]) -> dict[str, Any]:
    """The values, with the default of each optional parameter they leave out."""
    return {**{name: attr.default for name, attr in parameters.items() if attr.optional}, **values}


def _missing_day(form: Model, readings: Mapping[str, str]) -> MissingDay:
    conventions = form.one(Conventions)
    return conventions.missing_day.resolve(readings) if conventions else MissingDay.LAST_DAY_OF_MONTH


def _bound(clause: Clause, constants: Known, runtime: Known) -> Clause:
    changes: dict[str, Any] = {}
    for field in attrs.fields(type(clause)):  # type: ignore[arg-type]
        held = getattr(clause, field.name)
        if isinstance(held, EXPRESSIONS) and reads_parameters(held):
            changes[field.name] = _substituted(held, runtime)
        elif isinstance(held, tuple) and any(isinstance(e, EXPRESSIONS) and reads_parameters(e) for e in held):
            changes[field.name] = tuple(_substituted(e, runtime) if isinstance(e, EXPRESSIONS) else e for e in held)
    for name, expr in clause.symbolic.items():
        if name not in changes:
            changes[name] = _field_value(getattr(clause, name), value(expr, constants))
    if not changes:
        return clause
    bound = evolve(clause, **changes, symbolic={})
    if isinstance(bound, Term):
        expires = value(bound.expiration, attrs.evolve(constants, parameters={}))
        bound = evolve(bound, expires=expires)
    return bound


def _substituted(expr: TExpr, known: Known) -> TExpr:
    """The expression with the parameters' values in it; the parts they make known folded."""
    return fold(expr, known)


def _field_value(held: Any, found: Any) -> Any:
    """A symbolic field's value as the record holds it: a price keeps its shape, a whole number is an int."""
    if isinstance(held, Money):
        return Money(held.currency, found)
    if isinstance(held, int) and not isinstance(held, bool) and found == int(found):
        return int(found)
    return found


def parameter_refs(expr: TExpr) -> tuple[str, ...]:
    """The parameters an expression reads, each once."""
    return tuple(dict.fromkeys(n.name for n in subexpressions(expr) if isinstance(n, Ref)
                               and n.kind is RefKind.PARAMETER))



class BoundContract(Contract):
    """A grant made from a form, bound on first use: loading many grants costs what reading them costs."""

    def __init__(self, form: Form, values: Mapping[str, Any], grant: str):
        self._form, self._values, self._grant = form, values, grant
        self._model: Model | None = None
        self._plans = {}
        self._default_plan = None

    @property
    def model(self) -> Model:  # type: ignore[override]
        if self._model is None:
            model = self._form.bind(self._values, self._form.model.readings())
            model.name = f"{model.name}[{self._grant}]"
            self._model = model
        return self._model
