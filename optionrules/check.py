"""Static checks: from a syntax tree to a `Model`, with every problem reported.

Nothing is evaluated against a timeline here. The checker validates each clause
against its kind (`schema.KINDS`), binds and types every expression, folds the
constants (grant, term, schedules), and checks the contract as a whole: every
reason the service can end for is decided by a rule, no two rules decide the
same case, and the vesting schedules add up to the grant.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import attrs

from optionrules import ast
from optionrules.compile import readings_for
from optionrules.compose import HEADERS, SAMPLE_VALUES, Composition, compose
from optionrules.errors import Diagnostic, Span, did_you_mean
from optionrules.expressions import Compiler, Scope, Typer, rule_condition, static_truth
from optionrules.model import (
    ATTRIBUTE_TYPES,
    BOOL,
    DATE,
    DURATION,
    ERROR,
    FIGURES,
    MONEY,
    NUMBER,
    PERCENT,
    SHARE_FIGURES,
    TEXT,
    UNDEFINED,
    Acceleration,
    Assumption,
    Attr,
    ClauseRef,
    Conventions,
    EnumType,
    EventType,
    Example,
    Exercise,
    Expectation,
    Grant,
    Invariant,
    Lockup,
    Milestone,
    Model,
    Payment,
    ProRata,
    Require,
    Rule,
    Service,
    Term,
    Type,
    Vesting,
    Word,
)
from optionrules.parse import parse
from optionrules.schema import KINDS, SAYS, Kind
from optionrules.values import LAST_DAY_OF_MONTH, ROUNDING_MODES, Duration, round_ratio

_CONSTANT_TYPES = {"date": DATE, "number": NUMBER, "money": MONEY, "duration": DURATION}
_VEST_WORDS = ("all_unvested", "nothing")
_CONSTANTS = ("shares", "grant_date", "commencement", "exercise_price", "expiration")
MAX_INSTALLMENTS = 10_000
_OWN_NAMESPACES = ("event", "example", "invariant")  # their names may be the same as a clause's
_SHARE_FIGURES = ("granted", *SHARE_FIGURES)
_YES_NO = {"yes": True, "no": False, "true": True, "false": False}
_EXPECTABLE = ("granted", *FIGURES, "violations")


def check_source(text: str, file: str = "<string>", values: dict[str, Any] | None = None
                 ) -> tuple[Model, list[Diagnostic]]:
    """Parse and check a contract's text (and the plans and forms it uses): every problem found, syntax and
    semantics, in file order. `values`: the parameters' values, for a grant made from a form."""
    module, syntax = parse(text, file)
    model, semantic = check(module, text, values)
    diagnostics = sorted(syntax + semantic, key=_in_file_order)
    return model, diagnostics


def _in_file_order(d: Diagnostic) -> tuple[str, int, int]:
    return (d.span.file, d.span.line, d.span.column) if d.span else (d.where or "", 0, 0)


def check(module: ast.Module, text: str, values: dict[str, Any] | None = None) -> tuple[Model, list[Diagnostic]]:
    checker = Checker(compose(module, text, values), module, text)
    checker.run()
    return checker.model, checker.diagnostics


class Checker:
    def __init__(self, composition: Composition, module: ast.Module, text: str):
        self.composition = composition
        self.module = module
        self.model = Model(file=module.file, text=text, role=composition.role, sources=composition.sources)
        self.diagnostics: list[Diagnostic] = list(composition.diagnostics)
        # Until the grant and the term define them, their fields are in error (reported as a missing clause).
        self.constants: dict[str, tuple[Type, object]] = {
            name: (UNDEFINED, "term" if name == "expiration" else "grant") for name in _CONSTANTS}
        self.clauses: list[ast.Clause] = []
        self.origin: dict[int, str | None] = {}  # id(clause) -> the plan or form it comes from
        self.broken_kinds = {kind for kind, _ in composition.broken}
        self.silenced = {name for _, name in composition.broken if name}  # and names whose declaration failed
        self.failed_rules_on: set[str] = set()  # events with a rule that did not check
        self.rule_of: dict[int, Rule] = {}  # id(rule clause) -> its checked rule

    def error(self, message: str, node: Any, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(message, node.span if hasattr(node, "span") else node, hint=hint))

    def run(self) -> None:
        if self.composition.unreadable:
            return  # what the missing plan or form declares would be reported missing everywhere
        self._declare()
        for kind in ("grant", "term"):  # missing or broken: reported as such, not at every use of its fields
            if not any(c.kind == kind for c in self.clauses):
                for name, (type_, defined_by) in list(self.constants.items()):
                    if type_ == UNDEFINED and defined_by == kind:
                        self.constants[name] = (ERROR, None)
        self._parameters()
        builders: dict[str, Callable[[ast.Clause], None]] = {
            "agreement": self._agreement, "plan": self._agreement, "form": self._agreement,
            "uses": self._uses, "assume": lambda clause: None, "event": lambda clause: None,
            "conventions": self._conventions, "grant": self._grant, "term": self._term,
            "vesting": self._vesting, "service": self._service, "rule": self._rule, "lockup": self._lockup,
            "exercise": self._exercise, "require": self._require, "payment": self._payment,
            "example": self._example, "invariant": self._invariant, "milestone": self._milestone,
            "settlement": self._settlement,
        }
        # Constants first: the grant, then the term, before the clauses that use them.
        order = {"conventions": 0, "grant": 1, "term": 2}
        for clause in sorted(self.clauses, key=lambda c: order.get(c.kind, 3)):
            builders[clause.kind](clause)
        self._attach_exceptions()
        self._check_whole()

    # ---- Declarations and the shape of every clause ----------------------------------------

    def _where(self, node: Any) -> str:
        span = node.span
        return f"line {span.line}" if span.file == self.module.file else f"{Path(span.file).name}:{span.line}"

    def _override_hint(self, first: ast.Clause) -> str | None:
        origin = self.origin.get(id(first))
        name = first.name_or_kind
        return f"to put this one in its place, write `overrides {origin}.{name}`" if origin else None

    def _declare(self) -> None:
        header = next((i for i in self.module.items if isinstance(i, ast.Clause)), None)
        names: dict[str, ast.Clause] = {}
        singletons: dict[str, ast.Clause] = {}
        for item, origin in self.composition.items:
            if id(item) in self.composition.replaced or id(item) in self.composition.unresolved:
                continue
            if isinstance(item, ast.EnumDecl):
                self._declare_enum(item)
            elif self._valid_shape(item):
                self.origin[id(item)] = origin
                kind = KINDS[item.kind]
                if item.kind in HEADERS and origin is None and item is not header:
                    self.error(f"`{item.kind}` names what the file is: it comes first, once", item.kind_span)
                    continue
                if kind.singleton and item.kind in singletons:
                    first = singletons[item.kind]
                    self.error(f"a second {item.kind} clause (the first is at {self._where(first)})",
                               item.kind_span, self._override_hint(first))
                    continue
                if item.name is not None:
                    key = f"{item.kind if item.kind in _OWN_NAMESPACES else 'clause'}:{item.name.id}"
                    if key in names:
                        first = names[key]
                        self.error(f"'{item.name.id}' is already declared at {self._where(first)}", item.name,
                                   self._override_hint(first))
                        continue
                    names[key] = item
                if kind.singleton:
                    singletons[item.kind] = item
                self.clauses.append(item)
        for clause in [c for c in self.clauses if c.kind == "event"]:
            self._declare_event(clause)
        for clause in [c for c in self.clauses if c.kind == "assume"]:
            self._declare_assumption(clause)

    def _valid_shape(self, clause: ast.Clause) -> bool:
        """Check a clause against its kind's shape; False if it is not a kind we know."""
        kind = KINDS.get(clause.kind)
        if kind is None:
            self.error(f"unknown clause kind '{clause.kind}'", clause.kind_span,
                       did_you_mean(clause.kind, list(KINDS) + ["enum"]))
            return False
        label = f"{clause.kind} '{clause.name.id}'" if clause.name else f"the {clause.kind} clause"
        if kind.named and clause.name is None:
            self.error(f"{_a(clause.kind)} clause needs a name", clause.kind_span)
            return False
        if kind.cited and clause.citation is None:
            self.error(f"{label} needs the citation of the section it encodes, e.g. \"Art. II §5\"",
                       clause.kind_span)
        if clause.params is not None and not kind.params:
            self.error(f"{label} takes no (parameters)", clause.kind_span)
        if kind.trigger and clause.trigger is None:
            self.error(f"{label} needs `on EVENT`: the event it applies to", clause.kind_span)
        if clause.trigger is not None and not kind.trigger:
            self.error(f"{label} does not take `on EVENT`", clause.trigger)
        if clause.condition is not None and not kind.condition:
            self.error(f"{label} does not take `when`", clause.condition)
        if clause.entries and not kind.block:
            self.error(f"{label} takes no {{block}}", clause.entries[0])
        self._check_keys(clause, kind, label)
        return True

    def _check_keys(self, clause: ast.Clause, kind: Kind, label: str) -> None:
        seen: dict[str, ast.Entry] = {}
        allowed = [key.name for key in (*kind.keys, SAYS)]
        for entry in clause.entries:
            if entry.key not in allowed:
                self.error(f"{label} has no key '{entry.key}' (keys: {', '.join(allowed)})", entry.key_span,
                           did_you_mean(entry.key, allowed))
            elif entry.key in seen:
                self.error(f"'{entry.key}' is given twice (first at line {seen[entry.key].span.line})",
                           entry.key_span)
            seen[entry.key] = entry
        for key in kind.keys:
            if key.required and key.name not in seen:
                self.error(f"{label} is missing `{key.name}`", clause.kind_span, key.doc or None)

    def _declare_enum(self, decl: ast.EnumDecl) -> None:
        if decl.name in self.model.enums or decl.name in ATTRIBUTE_TYPES:
            self.error(f"the type '{decl.name}' is already declared", decl.name_span)
            return
        members: list[str] = []
        for member in decl.members:
            if member.id in members:
                self.error(f"'{member.id}' is listed twice in {decl.name}", member)
            else:
                members.append(member.id)
        self.model.enums[decl.name] = EnumType(decl.name, tuple(members), decl.span)

    def _declare_event(self, clause: ast.Clause) -> None:
        assert clause.name is not None
        attrs: dict[str, Attr] = {}
        for param in clause.params or ():
            if param.name in attrs:
                self.error(f"the attribute '{param.name}' is declared twice", param)
            elif param.name == "date":
                self.error("'date' is every event's own date; name the attribute otherwise", param)
            else:
                attrs[param.name] = Attr(param.name, param.type_name, self._attribute_type(param) or ERROR)
        self.model.events[clause.name.id] = EventType(clause.name.id, attrs, clause.span)

    def _attribute_type(self, param: ast.Param) -> Type | None:
        """The type an event attribute or a form parameter is declared with; None (reported) if unknown."""
        if param.type_name in ATTRIBUTE_TYPES:
            return ATTRIBUTE_TYPES[param.type_name]
        if param.type_name in self.model.enums:
            return Type("enum", param.type_name)
        if param.type_name not in self.silenced:
            self.error(f"unknown type '{param.type_name}'", param.type_span,
                       did_you_mean(param.type_name, [*ATTRIBUTE_TYPES, *self.model.enums]))
        return None

    def _declare_assumption(self, clause: ast.Clause) -> None:
        assert clause.name is not None
        name = clause.name.id
        if name in self.model.events:
            self.error(f"'{name}' is already an event's name", clause.name)
            return
        default = self._bare_word(clause, "default")
        alternatives = self._bare_words(clause, "alternatives")
        reads = self._text(clause, "reads")
        if default is None or alternatives is None or reads is None:
            self.silenced.add(name)
            return
        if default in alternatives or len(set(alternatives)) != len(alternatives):
            self.error(f"the readings of '{name}' must differ from each other", clause.name)
            self.silenced.add(name)
            return
        self.model.assumptions[name] = Assumption(name, self._ref(clause), reads, default, tuple(alternatives))

    # ---- Reading the values of keys --------------------------------------------------------

    def _ref(self, clause: ast.Clause) -> ClauseRef:
        says = self._text(clause, SAYS.name)
        return ClauseRef(
            kind=clause.kind,
            name=clause.name_or_kind,
            citation=clause.citation.value if clause.citation else clause.kind,
            span=clause.span,
            says=" ".join(says.split()) if says else None,
        )

    def _single(self, clause: ast.Clause, key: str) -> Any | None:
        entry = clause.entry(key)
        if entry is None:
            return None
        if len(entry.values) != 1:
            self.error(f"`{key}` takes one value", entry.values[1])
            return None
        return entry.values[0]

    def _text(self, clause: ast.Clause, key: str) -> str | None:
        value = self._single(clause, key)
        if value is None:
            return None
        if isinstance(value, ast.Name) and self.constants.get(value.id, (None,))[0] == TEXT:
            return str(self.constants[value.id][1])  # a form's text parameter
        if not isinstance(value, ast.StringLit):
            self.error(f"`{key}` must be a \"string\"", value)
            return None
        return value.value

    def _bare_word(self, clause: ast.Clause, key: str) -> str | None:
        value = self._single(clause, key)
        if value is None:
            return None
        if not isinstance(value, ast.Name):
            self.error(f"`{key}` must be a single word", value)
            return None
        return value.id

    def _bare_words(self, clause: ast.Clause, key: str) -> list[str] | None:
        entry = clause.entry(key)
        if entry is None:
            return None
        words = []
        for value in entry.values:
            if not isinstance(value, ast.Name):
                self.error(f"`{key}` must be a list of words", value)
                return None
            words.append(value.id)
        return words

    def _word(self, clause: ast.Clause, key: str, choices: tuple[str, ...] | None = None) -> Word | None:
        """A word from the key's choices, or an assumption whose readings are all such words."""
        value = self._single(clause, key)
        if value is None:
            return None
        spec = KINDS[clause.kind].key(key)
        choices = choices if choices is not None else spec.choices if spec else ()
        if not isinstance(value, ast.Name):
            self.error(f"`{key}` must be one of: {', '.join(choices)}", value)
            return None
        return self._word_value(value, key, choices)

    def _constant(self, clause: ast.Clause, key: str, reads: str | None = None) -> Any | None:
        """A constant expression (a date, number, amount or duration), folded now."""
        value = self._single(clause, key)
        if value is None:
            return None
        spec = KINDS[clause.kind].key(key)
        wanted = _CONSTANT_TYPES[reads or (spec.reads if spec else "number")]
        typer = self._typer()
        if typer.expect(value, wanted, f"`{key}`") is None:
            return None
        result = self._compiler().constant(value)
        if result is None:
            self.error(f"`{key}` has no value (division by zero?)", value)
        elif result in (date.max, date.min) and not isinstance(value, ast.DateLit):
            self.error(f"`{key}` falls outside the calendar (0001-01-01 .. 9999-12-31)", value)
            return None
        return result

    def _whole(self, clause: ast.Clause, key: str, minimum: int = 0) -> int | None:
        value = self._constant(clause, key, "number")
        if value is None:
            return None
        if value != int(value) or value < minimum:
            node = self._single(clause, key)
            self.error(f"`{key}` must be a whole number of at least {minimum}, not {value}", node)
            return None
        return int(value)

    def _typer(self, trigger: str | None = None, runtime: bool = False) -> Typer:
        """Types the expressions of a clause: on `trigger`'s attributes; `runtime`: the figures too."""
        scope = Scope(self.model, self.constants, self.model.events[trigger] if trigger else None, runtime=runtime,
                      silenced=frozenset(self.silenced))
        return Typer(scope, self.diagnostics)

    def _compiler(self, trigger: str | None = None, chosen: dict[str, str] | None = None) -> Compiler:
        readings = readings_for(self.model, chosen)
        conventions = self.model.conventions
        missing_day = conventions.missing_day.resolve(readings) if conventions else LAST_DAY_OF_MONTH
        return Compiler(self.model, readings, missing_day, trigger)

    def _event(self, node: ast.Name | None) -> str | None:
        if node is None or node.id in self.silenced:
            return None
        if node.id not in self.model.events:
            self.error(f"'{node.id}' is not a declared event", node,
                       did_you_mean(node.id, self.model.events) or f"declare it: event {node.id}")
            return None
        return node.id

    def _event_attr(self, clause: ast.Clause, key: str, wanted: str | None = None) -> tuple[str, str] | None:
        value = self._single(clause, key)
        if value is None:
            return None
        if not (isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name)):
            self.error(f"`{key}` must name an event's attribute, as in `event.attribute`", value)
            return None
        event = self._event(value.value)
        if event is None:
            return None
        attrs = self.model.events[event].attrs
        if value.attr not in attrs:
            self.error(f"the event {event} has no attribute '{value.attr}'", value, did_you_mean(value.attr, attrs))
            return None
        if wanted is not None and attrs[value.attr].declared != wanted:
            if attrs[value.attr].type != ERROR:
                self.error(f"`{key}` needs an attribute of type {wanted}, not {attrs[value.attr].declared}", value)
            return None
        return event, value.attr

    def _trigger_attr(self, clause: ast.Clause, key: str, trigger: str) -> str | None:
        value = self._single(clause, key)
        if value is None:
            return None
        attrs = self.model.events[trigger].attrs
        if isinstance(value, ast.Attribute) and isinstance(value.value, ast.Name) and value.value.id == trigger:
            name = value.attr
        elif isinstance(value, ast.Name):
            name = value.id
        else:
            self.error(f"`{key}` must name an attribute of {trigger}", value)
            return None
        if name not in attrs:
            self.error(f"the event {trigger} has no attribute '{name}'", value, did_you_mean(name, attrs))
            return None
        return name

    def _runtime(self, node: Any, wanted: Type, what: str, trigger: str) -> Any | None:
        return node if self._typer(trigger, runtime=True).expect(node, wanted, what) else None

    # ---- Clause builders ------------------------------------------------------------------

    def _agreement(self, clause: ast.Clause) -> None:
        if self.origin.get(id(clause)) is not None:
            return
        for key in ("company", "source"):
            self._text(clause, key)
        self.model.name = clause.name.id if clause.name else None
        self.model.title = clause.citation.value if clause.citation else None

    def _uses(self, clause: ast.Clause) -> None:
        self._text(clause, "file")  # loaded (and reported) by compose

    def _parameters(self) -> None:
        """A form's parameters are constants: the grant's values, or sample values to check the form alone."""
        from optionrules.timeline import read_value

        composition = self.composition
        values = composition.values
        declared: dict[str, Attr] = {}
        for param in composition.parameters:
            type_ = self._attribute_type(param)
            if type_ is None:
                continue
            declared[param.name] = Attr(param.name, param.type_name, type_)
        if values is None:  # a form on its own
            for name, attr in declared.items():
                sample = SAMPLE_VALUES.get(attr.declared)
                if sample is None:
                    sample = self.model.enums[attr.declared].members[0]
                self.constants[name] = (attr.type, sample)
            return
        where = composition.values_at
        for name, given in values.items():
            node = given if isinstance(given, ast.Entry) else None
            if name not in declared:
                self.error(f"the form has no parameter '{name}' (it has: {', '.join(declared)})",
                           node.key_span if node else where or self.module.items[0],
                           did_you_mean(name, declared))
                continue
            try:
                value = _literal(node.values[0]) if node is not None else given
                self.constants[name] = (declared[name].type, read_value(value, declared[name], self.model))
            except ValueError as error:
                self.error(f"{name}: {error}", node.values[0] if node else where or self.module.items[0])
                self.constants[name] = (ERROR, None)
        missing = [name for name in declared if name not in values]
        if missing:
            self.error(f"no value for the form's parameter{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
                       where or self.module.items[0])
            for name in missing:
                self.constants[name] = (ERROR, None)

    def _attach_exceptions(self) -> None:
        """A plan's rule yields where an agreement's exception to it applies."""
        for base_id, exceptions in self.composition.exceptions.items():
            base = self.rule_of.get(base_id)
            conditions = tuple(self.rule_of[id(c)].condition for c in exceptions if id(c) in self.rule_of)
            if base is None or not conditions:
                continue
            updated = attrs.evolve(base, exceptions=tuple(c for c in conditions if c is not None))  # type: ignore[misc]
            self.model.rules[self.model.rules.index(base)] = updated

    def _conventions(self, clause: ast.Clause) -> None:
        missing_day, until = self._word(clause, "missing_day"), self._word(clause, "until")
        if missing_day and until:
            self.model.conventions = Conventions(self._ref(clause), missing_day, until)

    def _grant(self, clause: ast.Clause) -> None:
        shares = self._whole(clause, "shares", minimum=1)
        self._define("shares", NUMBER, shares)
        grant_date = self._constant(clause, "grant_date")
        self._define("grant_date", DATE, grant_date)
        commencement = self._constant(clause, "commencement") if clause.entry("commencement") else grant_date
        self._define("commencement", DATE, commencement)
        price = self._constant(clause, "exercise_price")
        price_node = self._single(clause, "exercise_price")
        self._define("exercise_price", MONEY, price, given=price_node is not None)
        type_ = self._word(clause, "type")
        if shares is None or grant_date is None or commencement is None:
            return
        self.model.grant = Grant(
            ref=self._ref(clause), shares=shares, grant_date=grant_date, commencement=commencement,
            exercise_price=price, currency=price_node.currency if isinstance(price_node, ast.MoneyLit) else None,
            optionee=self._text(clause, "optionee"), type=type_.word if type_ else None,
        )

    def _define(self, name: str, type_: Type, value: Any, given: bool = True) -> None:
        """A grant or term field: its value, or (once its clause has said it wrongly) in error."""
        if value is not None:
            self.constants[name] = (type_, value)
        elif given:
            self.constants[name] = (ERROR, None)

    def _term(self, clause: ast.Clause) -> None:
        expiration = self._constant(clause, "expiration")
        caps_windows = self._word(clause, "caps_windows")
        self._define("expiration", DATE, expiration)
        written = self._single(clause, "expiration")
        if expiration is not None and caps_windows is not None and written is not None:
            self.model.term = Term(self._ref(clause), caps_windows, written)

    def _vesting(self, clause: ast.Clause) -> None:
        grant = self.model.grant
        shares = self._whole(clause, "shares", minimum=1) if clause.entry("shares") else \
            (grant.shares if grant else None)
        installments = self._whole(clause, "installments", minimum=1)
        if installments is not None and installments > MAX_INSTALLMENTS:
            self.error(f"more than {MAX_INSTALLMENTS:,} installments", self._single(clause, "installments"))
            return
        every = self._constant(clause, "every")
        start = self._constant(clause, "from") if clause.entry("from") else (grant.commencement if grant else None)
        cliff = self._constant(clause, "cliff")
        conventions = self.model.conventions
        missing_day = self._word(clause, "missing_day") or (conventions.missing_day if conventions else None)
        rounding, basis = self._word(clause, "rounding"), self._word(clause, "rounding_basis")
        remainder = self._word(clause, "remainder") or Word(word="none")
        if every is not None and (every.months < 0 or every.days < 0 or every == Duration()):
            self.error("`every` must be a positive duration", self._single(clause, "every"))
            return
        if (shares is None or installments is None or every is None or start is None or missing_day is None
                or rounding is None or basis is None):
            return
        vesting = Vesting(self._ref(clause), shares, installments, every, start, cliff, missing_day, rounding, basis,
                          remainder)
        self._check_allocation(clause, vesting)
        self.model.vestings.append(vesting)

    def _check_allocation(self, clause: ast.Clause, vesting: Vesting) -> None:
        """Per-installment rounding must say where the remainder goes, and must not over-allocate."""
        for readings in self._reading_sets(vesting.rounding, vesting.basis, vesting.remainder):
            if vesting.basis.resolve(readings) != "per_installment" or vesting.rounding.resolve(readings) == "none":
                continue
            each = round_ratio(vesting.shares, vesting.installments, vesting.rounding.resolve(readings))
            left = vesting.shares - each * vesting.installments
            remainder = vesting.remainder.resolve(readings)
            if left and remainder == "none":
                self.error(f"{vesting.installments} installments of {each:,} make {each * vesting.installments:,}, "
                           f"not {vesting.shares:,}; say where the difference goes", clause.kind_span,
                           "remainder: last, first, spread_first or spread_last")
            elif left < 0 and (remainder in ("spread_first", "spread_last") or each * (vesting.installments - 1)
                               > vesting.shares):
                self.error(f"rounding up {vesting.installments} installments of {each:,} over-allocates "
                           f"{vesting.shares:,} shares", clause.kind_span)

    def _readings_named_in(self, *nodes: Any) -> Iterator[dict[str, str]]:
        """Every combination of readings of the assumptions the expressions name (the others: defaults)."""
        names = self.model.assumptions_named_in(*nodes)
        yield from self._reading_sets(*(Word(assumption=n) for n in names))

    def _reading_sets(self, *words: Word) -> Iterator[dict[str, str]]:
        """Every combination of the readings of the assumptions behind these words."""
        names = sorted({w.assumption for w in words if w.assumption is not None})
        for combination in itertools.product(*(self.model.assumptions[n].readings for n in names)):
            yield dict(zip(names, combination))

    def _service(self, clause: ast.Clause) -> None:
        entry = self._single(clause, "ends_on")
        event = self._event(entry) if isinstance(entry, ast.Name) else None
        if entry is not None and not isinstance(entry, ast.Name):
            self.error("`ends_on` must name an event", entry)
        through = self._word(clause, "through")
        if event and through:
            self.model.service = Service(self._ref(clause), event, through)

    def _triggered(self, clause: ast.Clause) -> tuple[str | None, bool]:
        """The clause's event, and whether its `when` condition (if any) checks."""
        trigger = self._event(clause.trigger)
        if trigger is None:
            return None, False
        condition = clause.condition
        return trigger, condition is None or self._runtime(condition, BOOL, "`when`", trigger) is not None

    def _rule(self, clause: ast.Clause) -> None:
        trigger, condition_ok = self._triggered(clause)
        if trigger is None:
            return
        condition = clause.condition
        until_node = self._single(clause, "exercisable_until")
        until = self._runtime(until_node, DATE, "`exercisable_until`", trigger) if until_node is not None else None
        vest, forfeit = self._vest(clause), self._word(clause, "forfeit")
        if not any(clause.entry(key) for key in ("vest", "forfeit", "exercisable_until", "repurchase")):
            self.error(f"rule '{clause.name.id if clause.name else ''}' has no effect: give `vest`, `forfeit` "
                       "or `exercisable_until`", clause.kind_span)
        elif condition_ok and (vest or forfeit or until or clause.entry("repurchase")):
            rule = Rule(self._ref(clause), trigger, condition, vest, forfeit, until, self._word(clause, "repurchase"))
            self.model.rules.append(rule)
            self.rule_of[id(clause)] = rule
            return
        self.failed_rules_on.add(trigger)

    def _vest(self, clause: ast.Clause) -> Word | ProRata | Acceleration | None:
        value = self._single(clause, "vest")
        if value is None:
            return None
        if isinstance(value, ast.Call) and value.func == "pro_rata":
            return self._pro_rata(value)
        if isinstance(value, ast.Call) and value.func in ("percent", "next"):
            return self._acceleration(value)
        if isinstance(value, ast.Call):
            self.error(f"`vest` takes all_unvested, nothing, pro_rata(...), percent(...) or next(...), "
                       f"not {value.func}(...)", value, did_you_mean(value.func, ["pro_rata", "percent", "next"]))
            return None
        return self._word(clause, "vest", _VEST_WORDS)

    def _acceleration(self, call: ast.Call) -> Acceleration | None:
        """`percent(50%, rounding: down, from: last)` or `next(12 months)`."""
        positional = [a.value for a in call.args if a.name is None]
        named = {a.name: a for a in call.args if a.name is not None}
        typer = self._typer()
        if call.func == "next":
            if len(positional) != 1 or named or typer.expect(positional[0], DURATION, "next()") is None:
                self.error("write next(12 months): the installments due within that time vest now", call)
                return None
            months = self._compiler().constant(positional[0])
            return Acceleration(months=months)
        expected = {"rounding": (*ROUNDING_MODES, "none"), "from": ("last", "first", "each")}
        if len(positional) != 1 or set(named) != set(expected) or \
                typer.expect(positional[0], PERCENT, "percent()") is None:
            self.error("write percent(50%, rounding: down, from: last|first|each): that share of the unvested "
                       "installments vests now, taken from the last ones, the first ones or each one", call)
            return None
        words: dict[str, Word | None] = {}
        for key, choices in expected.items():
            node = named[key].value
            words[key] = self._word_value(node, key, choices) if isinstance(node, ast.Name) else None
            if not isinstance(node, ast.Name):
                self.error(f"`{key}` takes one of: {', '.join(choices)}", node)
        if None in words.values():
            return None
        return Acceleration(percent=self._compiler().constant(positional[0]), rounding=words["rounding"],
                            order=words["from"])

    def _pro_rata(self, call: ast.Call) -> ProRata | None:
        args: dict[str, Any] = {}
        for arg in call.args:
            if arg.name not in ("schedule", "day_count", "rounding"):
                self.error("pro_rata() takes schedule:, day_count: and rounding:", arg)
                return None
            if not isinstance(arg.value, ast.Name):
                self.error(f"pro_rata({arg.name}:) takes a word", arg.value)
                return None
            args[arg.name] = arg.value
        schedule = args.get("schedule")
        if schedule is not None and schedule.id not in {c.name.id for c in self.clauses
                                                        if c.kind == "vesting" and c.name}:
            self.error(f"'{schedule.id}' is not a vesting schedule", schedule)
            return None
        words = {}
        for key, choices in (("day_count", ("exclusive", "inclusive")), ("rounding", ROUNDING_MODES)):
            if key not in args:
                self.error(f"pro_rata() needs `{key}:` ({' or '.join(choices)})", call)
                return None
            words[key] = self._word_value(args[key], key, choices)
        if None in words.values():
            return None
        return ProRata(schedule.id if schedule else None, words["day_count"], words["rounding"])  # type: ignore[arg-type]

    def _word_value(self, node: ast.Name, key: str, choices: tuple[str, ...]) -> Word | None:
        """A word from the choices, or an assumption whose readings are all such words."""
        if node.id in choices:
            return Word(word=node.id)
        assumption = self.model.assumptions.get(node.id)
        if assumption is not None:
            wrong = [reading for reading in assumption.readings if reading not in choices]
            if wrong:
                self.error(f"the assumption '{node.id}' has readings that `{key}` cannot take: "
                           f"{', '.join(wrong)} (it takes: {', '.join(choices)})", node)
                return None
            return Word(assumption=node.id)
        self.error(f"`{key}` must be one of: {', '.join(choices)}, or an assumption; not '{node.id}'", node,
                   did_you_mean(node.id, [*choices, *self.model.assumptions]))
        return None

    def _lockup(self, clause: ast.Clause) -> None:
        trigger = self._event(clause.trigger)
        period = self._constant(clause, "period")
        starts = self._word(clause, "starts")
        extended_by = self._event_attr(clause, "extended_by", wanted="days") if clause.entry("extended_by") \
            else None
        if trigger and period is not None and starts:
            self.model.lockups.append(Lockup(self._ref(clause), trigger, period, starts, extended_by))

    def _exercise(self, clause: ast.Clause) -> None:
        trigger = self._event(clause.trigger)
        if trigger is None:
            return
        shares = self._trigger_attr(clause, "shares", trigger)
        method = self._trigger_attr(clause, "method", trigger) if clause.entry("method") else None
        attribute = self.model.events[trigger].attrs.get(shares) if shares is not None else None
        if attribute is not None and attribute.type not in (NUMBER, ERROR):
            self.error(f"`shares` must be an attribute of type shares, not {attribute.declared}",
                       clause.entry("shares"))
            return
        if shares is not None:
            self.model.exercise = Exercise(self._ref(clause), trigger, shares, method,
                                           self._word(clause, "before_vesting"))

    def _require(self, clause: ast.Clause) -> None:
        trigger = self._event(clause.trigger)
        that = self._single(clause, "that")
        if trigger is None or that is None:
            return
        if self._runtime(that, BOOL, "`that`", trigger) is not None:
            self.model.requires.append(Require(self._ref(clause), trigger, that))

    def _payment(self, clause: ast.Clause) -> None:
        consent = self._event_attr(clause, "consent") if clause.entry("consent") else None
        methods = self._methods_enum(clause)
        always = self._method_words(clause, "always", methods)
        with_consent = self._method_words(clause, "with_consent", methods)
        if with_consent and consent is None:
            self.error("methods `with_consent` need `consent: event.attribute`", clause.kind_span)
            return
        if always is not None and with_consent is not None:
            self.model.payment = Payment(self._ref(clause), frozenset(always), frozenset(with_consent), consent)

    def _methods_enum(self, clause: ast.Clause) -> EnumType | None:
        """The enumeration of payment methods: the type of the exercise event's method attribute."""
        exercise = next((c for c in self.clauses if c.kind == "exercise"), None)
        method = exercise.entry("method") if exercise else None
        if exercise is None or method is None or exercise.trigger is None:
            self.error("payment methods need an exercise clause with `method:`", clause.kind_span)
            return None
        event = self.model.events.get(exercise.trigger.id)
        value = method.values[0]
        name = value.attr if isinstance(value, ast.Attribute) else getattr(value, "id", None)
        attr = event.attrs.get(str(name)) if event else None
        if attr is None or attr.type.kind != "enum":
            return None
        return self.model.enums[str(attr.type.name)]

    def _method_words(self, clause: ast.Clause, key: str, methods: EnumType | None) -> list[str] | None:
        words = self._bare_words(clause, key) if clause.entry(key) else []
        if words is None or methods is None:
            return None if methods is None else words
        entry = clause.entry(key)
        for word, node in zip(words, entry.values if entry else ()):
            if word not in methods.members:
                self.error(f"'{word}' is not a {methods.name} (one of: {', '.join(methods.members)})", node,
                           did_you_mean(word, methods.members))
                return None
        return words

    def _invariant(self, clause: ast.Clause) -> None:
        that = self._single(clause, "that")
        if that is None:
            return
        if self._typer(runtime=True).expect(that, BOOL, "`that`") is not None:
            self.model.invariants.append(Invariant(self._ref(clause), that))

    def _example(self, clause: ast.Clause) -> None:
        entry = clause.entry("events")
        events = [self._event_literal(value, index) for index, value in enumerate(entry.values if entry else ())]
        as_of = self._constant(clause, "as_of")
        assume = self._example_readings(clause)
        expectations = self._expectations(clause)
        if None in events or as_of is None or assume is None or expectations is None:
            return
        self.model.examples.append(Example(self._ref(clause), tuple(events), as_of, assume, expectations))

    def _event_literal(self, node: Any, index: int) -> Any:
        """`termination(2004-03-15, reason: resignation)`: an event of an example's timeline."""
        from optionrules.timeline import Event, read_value  # only examples need the timeline reader

        if not isinstance(node, ast.Call) or node.func not in self.model.events:
            what = f"'{node.func}' is not a declared event" if isinstance(node, ast.Call) else "write each event"
            self.error(f"{what}: write EVENT(DATE, attribute: value, ...)", node,
                       did_you_mean(node.func, self.model.events) if isinstance(node, ast.Call) else None)
            return None
        declared = self.model.events[node.func].attrs
        positional = [arg for arg in node.args if arg.name is None]
        if len(positional) != 1:
            self.error(f"give the {node.func} event its date first: {node.func}(2025-01-31, ...)", node)
            return None
        typer = self._typer()
        if typer.expect(positional[0].value, DATE, "an event's date") is None:
            return None
        values: dict[str, Any] = {}
        for arg in node.args:
            if arg.name is None:
                continue
            attr = declared.get(arg.name)
            if attr is None:
                self.error(f"the event {node.func} has no attribute '{arg.name}'", arg,
                           did_you_mean(arg.name, declared))
                return None
            try:
                values[arg.name] = read_value(_literal(arg.value), attr, self.model)
            except ValueError as error:
                self.error(str(error), arg.value)
                return None
        missing = [name for name in declared if name not in values]
        if missing:
            self.error(f"the {node.func} event needs {', '.join(missing)}", node)
            return None
        return Event(index, self._compiler().constant(positional[0].value), node.func, values)

    def _example_readings(self, clause: ast.Clause) -> dict[str, str] | None:
        value = self._single(clause, "assume")
        if value is None:
            return {}
        if not isinstance(value, ast.Record):
            self.error("`assume` takes { assumption: reading ... }", value)
            return None
        readings = {}
        for entry in value.entries:
            assumption = self.model.assumptions.get(entry.key)
            reading = entry.values[0]
            if assumption is None:
                self.error(f"no assumption '{entry.key}'", entry.key_span,
                           did_you_mean(entry.key, self.model.assumptions))
                return None
            if not isinstance(reading, ast.Name) or reading.id not in assumption.readings:
                self.error(f"the readings of {entry.key} are: {', '.join(assumption.readings)}", reading)
                return None
            readings[entry.key] = reading.id
        return readings

    def _expectations(self, clause: ast.Clause) -> tuple[Expectation, ...] | None:
        value = self._single(clause, "expect")
        if value is None:
            return None
        if not isinstance(value, ast.Record) or not value.entries:
            self.error("`expect` takes { figure: value ... }, e.g. { vested: 1,000 }", value)
            return None
        expectations = [self._expectation(entry) for entry in value.entries]
        return None if None in expectations else tuple(expectations)  # type: ignore[arg-type]

    def _expectation(self, entry: ast.Entry) -> Expectation | None:
        figure, values = entry.key, entry.values
        node = values[0]
        if figure in _SHARE_FIGURES and len(values) == 1 and isinstance(node, ast.NumberLit):
            return Expectation(figure, node.value, entry.span)
        if figure == "exercise_deadline" and len(values) == 1:
            if isinstance(node, ast.DateLit):
                return Expectation(figure, node.value, entry.span)
            if isinstance(node, ast.Name) and node.id == "none":
                return Expectation(figure, None, entry.span)
        if figure == "sale_blocked" and len(values) == 1 and isinstance(node, ast.Name) and node.id in _YES_NO:
            return Expectation(figure, _YES_NO[node.id], entry.span)
        if figure == "violations":
            if len(values) == 1 and isinstance(node, ast.NumberLit) and isinstance(node.value, int):
                return Expectation(figure, node.value, entry.span)
            if len(values) == 1 and isinstance(node, ast.Name) and node.id == "none":
                return Expectation(figure, 0, entry.span)
            names = [v for v in values if isinstance(v, ast.Name)]
            if len(names) == len(values):
                return self._violated_clauses(names, entry.span)
        if figure not in _EXPECTABLE:
            self.error(f"no figure '{figure}' to expect", entry.key_span, did_you_mean(figure, _EXPECTABLE))
            return None
        shapes = {"exercise_deadline": "a date or none", "sale_blocked": "yes or no",
                  "violations": "a count, or the names of the clauses broken"}
        self.error(f"`{figure}` expects {shapes.get(figure, 'a number of shares')}", node)
        return None

    def _violated_clauses(self, names: list[ast.Name], span: Span) -> Expectation | None:
        """`violations: exercise, payment`: the clauses broken, in order, each a clause of the contract."""
        clauses = {c.name_or_kind for c in self.clauses if c.kind not in ("example", "invariant")}
        unknown = [name for name in names if name.id not in clauses]
        for name in unknown:
            self.error(f"no clause named '{name.id}' to be broken", name, did_you_mean(name.id, clauses))
        return None if unknown else Expectation("violations", tuple(name.id for name in names), span)

    # ---- The contract as a whole ----------------------------------------------------------

    def _check_whole(self) -> None:
        model = self.model
        if model.role == "plan":  # a plan's defaults are checked with an agreement that uses them
            return
        anchor = self.module.items[0].span if self.module.items else Span(self.module.file, 1, 1, 1, 2)
        for kind in ("grant", "term", "conventions"):
            if not any(c.kind == kind for c in self.clauses) and kind not in self.broken_kinds:
                self.error(f"the contract has no {kind} clause", anchor,
                           f"every contract states its {kind}; see `optionrules kinds`")
        vesting = next((c for c in self.clauses if c.kind == "vesting"), None)
        if vesting is not None and not any(c.kind == "service" for c in self.clauses) \
                and "service" not in self.broken_kinds:
            self.error("vesting needs a service clause naming the event that ends service", vesting.kind_span)
        self._check_vesting_total()
        self._check_never_applies()
        service = model.service
        if service is not None and model.grant is not None and "rule" not in self.broken_kinds \
                and service.ends_on not in self.failed_rules_on:
            self._check_coverage(service)

    def _check_vesting_total(self) -> None:
        grant = self.model.grant
        tranches: list[Vesting | Milestone] = [*self.model.vestings, *self.model.milestones]
        if grant is None or not tranches:
            return
        total = sum(t.shares for t in tranches)
        if total != grant.shares:
            clause = next(c for c in self.clauses if c.kind in ("vesting", "milestone"))
            parts = " + ".join(f"{t.shares:,}" for t in tranches)
            what = "the vesting schedules and milestones" if self.model.milestones else "the vesting schedules"
            self.error(f"{what} vest {parts} = {total:,} shares, not the {grant.shares:,} granted", clause.kind_span)

    def _milestone(self, clause: ast.Clause) -> None:
        trigger, condition_ok = self._triggered(clause)
        if trigger is None:
            return
        condition = clause.condition
        shares = self._whole(clause, "shares", minimum=1)
        deadline = self._constant(clause, "deadline") if clause.entry("deadline") else None
        accelerates = self._word(clause, "accelerates")
        if condition_ok and shares is not None and accelerates is not None and \
                (deadline is not None or not clause.entry("deadline")):
            self.model.milestones.append(Milestone(self._ref(clause), trigger, condition, shares, deadline,
                                                   accelerates))

    def _settlement(self, clause: ast.Clause) -> None:
        if self._word(clause, "on") is not None:
            self.model.settlement = self._ref(clause)

    def _check_coverage(self, service: Service) -> None:
        """Every case of the service-ending event is decided by exactly one rule."""
        cases = self.model.enum_cases(service.ends_on)
        if cases is None:
            return  # too many cases to go through one by one
        deciding = [(r, rule_condition(self._compiler(r.event), r)) for r in self.model.rules
                    if r.event == service.ends_on and self._decides(r)]
        clause = next(c for c in self.clauses if c.kind == "service")
        for values in cases:
            case = " and ".join(f"{k} = {v}" for k, v in values.items()) or "every case"
            deciders = [r for r, condition in deciding
                        if condition is None or static_truth(condition, values) is True]
            if not deciders:
                self.error(f"no rule says what {service.ends_on} with {case} does to the option", clause.kind_span,
                           f"add a rule `on {service.ends_on} when {case}` with `exercisable_until:` or "
                           f"`forfeit: {'unvested' if self.model.settlement is not None else 'all'}`")
            for first, second in itertools.combinations(deciders, 2):
                self.error(f"rules '{first.ref.name}' ({self._where(first.ref)}) and '{second.ref.name}' both "
                               f"decide {service.ends_on} with {case}", second.ref.span)

    def _check_never_applies(self) -> None:
        """A rule whose condition (with its exceptions) holds in no case of its event can never apply."""
        for rule in self.model.rules:
            if rule.condition is None and not rule.exceptions:
                continue
            cases = self.model.enum_cases(rule.event)
            if cases is None:
                continue  # too many cases to go through one by one
            truths = []
            for readings in self._readings_named_in(rule.condition, *rule.exceptions):  # any reading may be taken
                condition = rule_condition(self._compiler(rule.event, readings), rule)
                assert condition is not None
                truths += [static_truth(condition, values) for values in cases]
            if truths and all(truth is False for truth in truths):
                if rule.exceptions:
                    self.error(f"'{rule.ref.name}' never applies: its exceptions take every case", rule.ref.span,
                               "to replace it, override it without a condition")
                else:
                    self.error(f"rule '{rule.ref.name}' never applies: its condition holds in no case", rule.ref.span)

    def _decides(self, rule: Rule) -> bool:
        """A rule decides what the end of service does to the option: its window, or that it all ends; for units
        (nothing to exercise), what is forfeited."""
        if self.model.settlement is not None:
            return rule.forfeit is not None or rule.exercisable_until is not None
        return rule.exercisable_until is not None or (rule.forfeit is not None and rule.forfeit.word == "all")


def _a(word: str) -> str:
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


def _literal(node: Any) -> Any:
    """The Python value of a literal in an example's event (then validated like a timeline's)."""
    if isinstance(node, ast.Name):
        return {"true": True, "false": False}.get(node.id, node.id)
    if isinstance(node, ast.Minus) and isinstance(node.operand, ast.NumberLit):
        return -node.operand.value
    if isinstance(node, ast.MoneyLit):
        return node.amount
    if isinstance(node, (ast.NumberLit, ast.StringLit, ast.DateLit)):
        return node.value
    raise ValueError('write a literal value: a word, a number, a "text" or a date')
