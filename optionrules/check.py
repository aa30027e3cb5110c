"""Static checks: from a syntax tree to a `Model`, with every problem reported.

The driver: compose the file with the plans and forms it builds on; check each clause's shape against
its kind; read each clause into its kind's record (`optionrules.kinds`: declarations first, then the
constants, then the rest in file order); then check the contract as a whole: the clauses it must have,
the schedules adding up to the grant, every case of the end of service decided by exactly one rule,
no rule that can never apply. Nothing is evaluated against a timeline here.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from optionrules import ast
from optionrules.compose import SAMPLE_VALUES, Composition, compose
from optionrules.errors import Diagnostic, Problems, Span, did_you_mean
from optionrules.expressions import EXPRESSIONS, TExpr, Typer, reads_parameters
from optionrules.figures import ALL_AWARDS, AwardType
from optionrules.fold import Known, NotConstant, divisions_by_zero, truth, value
from optionrules.kinds import (
    KINDS,
    SAYS,
    Clause,
    Kind,
    Milestone,
    Rule,
    Service,
    Settlement,
    Vesting,
    VestingTable,
)
from optionrules.kinds.grant import Conventions
from optionrules.kinds.readers import Text
from optionrules.kinds.words import Forfeit
from optionrules.model import Attr, ClauseRef, EnumType, Model, Word
from optionrules.parse import parse
from optionrules.records import evolve, fields
from optionrules.types import ATTRIBUTE_TYPES, BOOL, ERROR, UNDEFINED, Type, TypeKind
from optionrules.values import MissingDay


def check_source(text: str, file: str = "<string>", values: dict[str, Any] | None = None
                 ) -> tuple[Model, list[Diagnostic]]:
    """Parse and check a contract's text (and the plans and forms it uses): every problem found, syntax and
    semantics, in file order. `values`: the parameters' values, for a grant made from a form."""
    module, syntax = parse(text, file)
    model, semantic = check(module, text, values)
    diagnostics = sorted(syntax + semantic, key=_in_file_order)
    return model, diagnostics


def _in_file_order(d: Diagnostic) -> tuple[str, bool, int, int]:
    """By file and position; a diagnostic of a whole file (how many more problems there are) after its lines."""
    return (d.span.file, False, d.span.line, d.span.column) if d.span else (d.where or "", True, 0, 0)


def check(module: ast.Module, text: str, values: dict[str, Any] | None = None,
          unsaved: Mapping[str, str] | None = None) -> tuple[Model, list[Diagnostic]]:
    """Check a parsed file; `unsaved`: the text of the plans and forms an editor has open, by path."""
    checker = Checker(compose(module, text, values, unsaved), module, text)
    checker.run()
    return checker.model, checker.diagnostics.reported()


class Checker:
    def __init__(self, composition: Composition, module: ast.Module, text: str):
        self.composition = composition
        self.module = module
        self.model = Model(file=module.file, text=text, role=composition.role, sources=composition.sources)
        self.diagnostics = Problems(module.file)  # however many clauses are wrong, a bounded list
        for diagnostic in composition.diagnostics:
            self.diagnostics.add(diagnostic)
        # Until the grant and the term define them, their fields cannot be used (`UNDEFINED`, by whom).
        self.constants: dict[str, tuple[Type, object]] = {
            name: (UNDEFINED, kind.name) for kind in KINDS.values() for name in kind.record.DEFINES}
        self.clauses: list[ast.Clause] = []  # the clauses of a known kind and a valid shape, in file order
        self.origin: dict[int, str | None] = {}  # id(clause) -> the plan or form it comes from
        self.broken_kinds = {kind for kind, _ in composition.broken}
        self.silenced = {name for _, name in composition.broken if name}  # and names whose declaration failed
        self.failed: set[tuple[str, str | None]] = set()  # (kind, event) of the clauses that did not check
        # the rules that did not check but whose event and condition did: each still covers the cases it names
        # (no "no rule says what ..." for them), (event, condition)
        self.covering: list[tuple[str, TExpr | None]] = []
        self.failed_rules: dict[str, int] = {}  # event -> how many rules on it did not check
        self.record_of: dict[int, Clause] = {}  # id(clause) -> its checked record
        self.symbols: dict[str, TExpr | None] = {}  # a form on its own: constants its parameters give (Scope)

    def error(self, message: str, node: Any, hint: str | None = None, severity: str = "error") -> None:
        self.diagnostics.add(Diagnostic(message, node if isinstance(node, Span) else node.span,
                                           severity=severity, hint=hint))

    def run(self) -> None:
        if self.composition.unreadable:
            return  # what the missing plan or form declares would be reported missing everywhere
        self._collect()
        present = {clause.kind for clause in self.clauses}
        for kind in KINDS.values():  # missing or broken: reported as such, not at every use of its fields
            if kind.name not in present:
                self._undefine(kind)
        self._parameters()
        for clause in sorted(self.clauses, key=lambda c: KINDS[c.kind].phase):
            ClauseReading(self, clause).read()
        self._attach_exceptions()
        self._check_whole()

    # ---- The shape of every clause ----------------------------------------------------------------------

    def where(self, node: Any) -> str:
        span = node.span
        return f"line {span.line}" if span.file == self.module.file else f"{Path(span.file).name}:{span.line}"

    def _override_hint(self, first: ast.Clause) -> str | None:
        origin = self.origin.get(id(first))
        return f"to put this one in its place, write `overrides {origin}.{first.name_or_kind}`" if origin else None

    def _collect(self) -> None:
        """The clauses to read: each of a known kind and a valid shape, the first of a singleton kind, the first
        of a name; the enumerations declared."""
        header = next((i for i in self.module.items if isinstance(i, ast.Clause)), None)
        names: dict[str, ast.Clause] = {}
        singletons: dict[str, ast.Clause] = {}
        for item, origin in self.composition.items:
            if id(item) in self.composition.replaced or id(item) in self.composition.unresolved:
                continue
            if isinstance(item, ast.EnumDecl):
                self._declare_enum(item)
                continue
            kind = self._valid_shape(item)
            if kind is None:
                continue
            self.origin[id(item)] = origin
            if kind.header and origin is None and item is not header:
                self.error(f"`{item.kind}` names what the file is: it comes first, once", item.kind_span)
                continue
            if kind.singleton and item.kind in singletons:
                first = singletons[item.kind]
                self.error(f"a second {item.kind} clause (the first is at {self.where(first)})", item.kind_span,
                           self._override_hint(first))
                continue
            if item.name is not None:
                namespace = f"{item.kind if kind.own_namespace else 'clause'}:{item.name.id}"
                if namespace in names:
                    first = names[namespace]
                    self.error(f"'{item.name.id}' is already declared at {self.where(first)}", item.name,
                               self._override_hint(first))
                    continue
                names[namespace] = item
            if kind.singleton:
                singletons[item.kind] = item
            self.clauses.append(item)

    def _valid_shape(self, clause: ast.Clause) -> Kind | None:
        """Check a clause against its kind's shape; None if it is not a kind we know, or has no name."""
        kind = KINDS.get(clause.kind)
        if kind is None:
            self.error(f"unknown clause kind '{clause.kind}'", clause.kind_span,
                       did_you_mean(clause.kind, list(KINDS) + ["enum"]))
            return None
        label = f"{clause.kind} '{clause.name.id}'" if clause.name else f"the {clause.kind} clause"
        if kind.named and clause.name is None:
            self.error(f"{_a(clause.kind)} clause needs a name", clause.kind_span)
            return None
        if kind.cited and clause.citation is None:
            self.error(f"{label} needs the citation of the section it encodes, e.g. \"Art. II §5\"",
                       clause.kind_span)
        if clause.params is not None and not kind.params:
            self.error(f"{label} takes no (parameters)", clause.kind_span)
        if kind.trigger and clause.trigger is None:
            self.error(f"{label} needs `on EVENT`: the event it applies to", clause.kind_span)
        if clause.trigger is not None and not (kind.trigger or kind.optional_trigger):
            self.error(f"{label} does not take `on EVENT`", clause.trigger)
        if clause.condition is not None and not kind.condition:
            self.error(f"{label} does not take `when`", clause.condition)
        if clause.entries and not kind.block:
            self.error(f"{label} takes no {{block}}", clause.entries[0])
        self._check_keys(clause, kind, label)
        return kind

    def _check_keys(self, clause: ast.Clause, kind: Kind, label: str) -> None:
        seen: dict[str, ast.Entry] = {}
        allowed = [key.name for key in kind.keys] + [SAYS]
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
        members: dict[str, None] = {}  # in order; a dict, so a long enum is checked in linear time
        for member in decl.members:
            if member.id in members:
                self.error(f"'{member.id}' is listed twice in {decl.name}", member)
            else:
                members[member.id] = None
        self.model.enums[decl.name] = EnumType(decl.name, tuple(members), decl.span)

    def attribute(self, param: ast.Param) -> Attr:
        """An event's attribute or a form's parameter as declared: its type, and its default where it has one."""
        from optionrules.kinds.tests import literal
        from optionrules.timeline import read_value

        attr = Attr(param.name, param.type_name, self.attribute_type(param) or ERROR)
        if param.default is None or attr.type == ERROR:
            return attr
        try:
            return evolve(attr, default=read_value(literal(param.default), attr, self.model.enums))
        except ValueError as error:
            self.error(f"the default of {param.name}: {error}", param.default)
            return attr

    def attribute_type(self, param: ast.Param) -> Type | None:
        """The type an event attribute or a form parameter is declared with; None (reported) if unknown."""
        if param.type_name in ATTRIBUTE_TYPES:
            return ATTRIBUTE_TYPES[param.type_name]
        if param.type_name in self.model.enums:
            return Type(TypeKind.ENUM, param.type_name)
        if param.type_name not in self.silenced:
            self.error(f"unknown type '{param.type_name}'", param.type_span,
                       did_you_mean(param.type_name, [*ATTRIBUTE_TYPES, *self.model.enums]))
        return None

    # ---- Constants: a form's parameters, the grant's and the term's fields ---------------------------------

    def _parameters(self) -> None:
        """A form's parameters are constants: the grant's values, or sample values to check the form alone."""
        from optionrules.kinds.tests import literal
        from optionrules.timeline import read_value

        composition = self.composition
        values = composition.values
        declared: dict[str, Attr] = {}
        for param in composition.parameters:
            attr = self.attribute(param)
            if attr.type != ERROR:
                declared[param.name] = attr
        self.model.parameters = declared
        if values is None:  # a form on its own: its parameters stay symbols, checked with sample values
            for name, attr in declared.items():
                sample = SAMPLE_VALUES.get(attr.declared)
                if sample is None:
                    sample = self.model.enums[attr.declared].members[0]
                self.constants[name] = (attr.type, sample)
                self.symbols[name] = None
            return
        where = composition.values_at
        for name, given in values.items():
            node = given if isinstance(given, ast.Entry) else None
            if name not in declared:
                self.error(f"the form has no parameter '{name}' (it has: {', '.join(declared)})",
                           node.key_span if node else where or self.module.items[0], did_you_mean(name, declared))
                continue
            try:
                value_ = literal(node.values[0]) if node is not None else given
                self.constants[name] = (declared[name].type, read_value(value_, declared[name], self.model.enums))
            except ValueError as error:
                self.error(f"{name}: {error}", node.values[0] if node else where or self.module.items[0])
                self.constants[name] = (ERROR, None)
        for name, attr in declared.items():
            if name not in values and attr.optional:
                self.constants[name] = (attr.type, attr.default)
        missing = [name for name in declared if name not in values and not declared[name].optional]
        if missing:
            self.error(f"no value for the form's parameter{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
                       where or self.module.items[0])
            for name in missing:
                self.constants[name] = (ERROR, None)

    def define(self, record: Clause) -> None:
        """The constants a clause defines (the grant's fields): their values; a field it leaves out stays
        undefined."""
        values = record.constants()
        for name, type_ in record.DEFINES.items():
            if values.get(name) is not None:
                self.constants[name] = (type_, values[name])
        self.symbols.update(record.symbols())

    def _undefine(self, kind: Kind) -> None:
        """The constants of a clause that is missing or did not check: in error, reported once already."""
        for name in kind.record.DEFINES:
            self.constants[name] = (ERROR, None)

    def _attach_exceptions(self) -> None:
        """A plan's rule yields where an agreement's exception to it applies."""
        for base_id, exceptions in self.composition.exceptions.items():
            base = self.record_of.get(base_id)
            conditions = tuple(c for c in (getattr(self.record_of.get(id(e)), "condition", None) for e in exceptions)
                               if c is not None)
            if not isinstance(base, Rule) or not conditions:
                continue
            clauses = self.model.clauses
            clauses[clauses.index(base)] = evolve(base, exceptions=conditions)

    # ---- The contract as a whole ---------------------------------------------------------------------------

    def _check_whole(self) -> None:
        model = self.model
        if model.role == "plan":  # a plan's defaults are checked with an agreement that uses them
            return
        anchor = self.module.items[0].span if self.module.items else Span(self.module.file, 1, 1, 1, 2)
        present = {clause.kind for clause in self.clauses}
        award = model.award
        for kind in KINDS.values():
            if award in kind.required and kind.name not in present and kind.name not in self.broken_kinds:
                self.error(f"the contract has no {kind.name} clause", anchor, _required_hint(kind, award))
        for clause in self.clauses:
            if award not in KINDS[clause.kind].awards:
                self.error(f"{_a(str(award))} has no {clause.kind} clause (it is for: "
                           f"{', '.join(sorted(KINDS[clause.kind].awards))})", clause.kind_span,
                           "the grant says what it grants: `award: option`, `rsu` or `restricted_stock`")
        vesting = next((c for c in self.clauses if c.kind == "vesting"), None)
        if vesting is not None and "service" not in present and "service" not in self.broken_kinds:
            self.error("vesting needs a service clause naming the event that ends service", vesting.kind_span)
        self._check_vesting_total()
        self._check_never_applies()
        self._check_source()
        service = model.one(Service)
        if service is not None and "grant" in present and "rule" not in self.broken_kinds \
                and not self._unread_cases(service.ends_on) and award is not AwardType.RESTRICTED_STOCK:
            self._check_coverage(service)  # restricted stock: the shares are owned; the end of service stops releases

    def _check_source(self) -> None:
        """The agreement's text (`source:`) is a file beside the contract, and each clause's quote is in it
        (a warning where one is not)."""
        from optionrules.files import FileError
        from optionrules.quotes import agreement_text, quote_diagnostics, source_entry

        node = source_entry(self.module)
        if node is None:
            return
        try:
            path, text = agreement_text(self.module.file, node.value, f"{self.model.role}'s text")
        except FileError as error:
            self.error(f"{error.message} ({node.value})", node, "`source:` names the text's file, relative to this one")
            return
        own = [c.ref for c in self.model.clauses if c.ref.span.file == self.module.file]
        for diagnostic in quote_diagnostics(own, text, str(path)):
            self.diagnostics.add(diagnostic)

    def _check_vesting_total(self) -> None:
        from optionrules.kinds import Grant

        grant = self.model.one(Grant)
        tranches: list[Vesting | VestingTable | Milestone] = [*self.model.all(Vesting), *self.model.all(VestingTable),
                                                              *self.model.all(Milestone)]
        kinds = ("vesting", "vesting_table", "milestone")
        if grant is None or not tranches or any(kind in kinds for kind, _ in self.failed):
            return  # a schedule in error is reported as such, not again in the total
        shares = [t.shares if isinstance(t, Milestone) else t.whole_shares for t in tranches]
        total = sum(shares)
        if total != grant.shares:
            clause = next(c for c in self.clauses if c.kind in kinds)
            parts = " + ".join(f"{n:,}" for n in shares)
            what = "the vesting schedules and milestones" if self.model.all(Milestone) else "the vesting schedules"
            self.error(f"{what} vest {parts} = {total:,} shares, not the {grant.shares:,} granted", clause.kind_span)

    def _unread_cases(self, event: str) -> bool:
        """A rule on the event did not check and its cases are not known (its `when` or its event in error)."""
        covered = sum(on == event for on, _ in self.covering)
        return ("rule", event) in self.failed and covered < self.failed_rules.get(event, 0)

    def _check_coverage(self, service: Service) -> None:
        """Every case of the service-ending event is decided by exactly one rule (under the default readings)."""
        cases = self.model.enum_cases(service.ends_on)
        if cases is None:
            return  # too many cases to go through one by one
        deciding = [r for r in self.model.all(Rule) if r.event == service.ends_on and self._decides(r)]
        clause = next(c for c in self.clauses if c.kind == "service")
        readings = self.model.readings()
        for values in cases:
            case = " and ".join(f"{k} = {v}" for k, v in values.items()) or "every case"
            known = Known(readings, values, self.missing_day())
            deciders = [r for r in deciding if r.applies(known) is True]
            if any(on == service.ends_on and (condition is None or truth(condition, known) is not False)
                   for on, condition in self.covering):
                continue  # a rule in error decides it: its error is the one to fix
            if not deciders:
                settles = self.model.one(Settlement) is not None
                self.error(f"no rule says what {service.ends_on} with {case} does to the option", clause.kind_span,
                           f"add a rule `on {service.ends_on} when {case}` with `exercisable_until:` or "
                           f"`forfeit: {'unvested' if settles else 'all'}`")
            for second in deciders[1:]:  # each against the first: n rules, n - 1 errors
                first = deciders[0]
                self.error(f"rules '{first.ref.name}' ({self.where(first.ref)}) and '{second.ref.name}' both "
                           f"decide {service.ends_on} with {case}", second.ref.span)

    def _check_never_applies(self) -> None:
        """A rule whose condition (with its exceptions) holds in no case of its event, under any reading and on
        any timeline, can never apply."""
        for rule in self.model.all(Rule):
            if rule.condition is None and not rule.exceptions:
                continue
            cases = self.model.enum_cases(rule.event)
            if cases is None:
                continue  # too many cases to go through one by one
            if all(rule.applies(Known(None, values, self.missing_day())) is False for values in cases):
                if rule.exceptions:
                    self.error(f"'{rule.ref.name}' never applies: its exceptions take every case", rule.ref.span,
                               "to replace it, override it without a condition")
                else:
                    self.error(f"rule '{rule.ref.name}' never applies: its condition holds in no case", rule.ref.span)

    def _decides(self, rule: Rule) -> bool:
        """A rule decides what the end of service does to the option: its window, or that it all ends; for units
        (nothing to exercise), what is forfeited."""
        if self.model.one(Settlement) is not None:
            return rule.forfeit is not None or rule.exercisable_until is not None
        return rule.exercisable_until is not None or (rule.forfeit is not None and rule.forfeit.value is Forfeit.ALL)

    def missing_day(self) -> MissingDay:
        """Where `+ N months` lands, under the default readings (that of constants)."""
        conventions = self.model.one(Conventions)
        return conventions.missing_day.resolve(self.model.readings()) if conventions else \
            MissingDay.LAST_DAY_OF_MONTH


class ClauseReading:
    """Reading one clause into its kind's record: what its readers and hooks ask of the checker."""

    def __init__(self, checker: Checker, clause: ast.Clause):
        self.checker = checker
        self.clause = clause
        self.model = checker.model
        self.constants: Mapping[str, tuple[Type, object]] = checker.constants
        self.trigger: str | None = None
        self.condition: TExpr | None = None  # its `when`, typed
        self.field: str | None = None  # the key being read
        self.symbolic: dict[str, TExpr] = {}  # its fields that a form's parameters give (Clause.symbolic)

    def read(self) -> None:
        kind = KINDS[self.clause.kind]
        record = self._build(kind)
        if record is not None:
            record = record.validate(self)
        if record is not None and self._divides_by_zero(record):
            record = None
        checker = self.checker
        if record is None:
            checker.failed.add((kind.name, self.trigger))
            if kind.name == "rule" and self.trigger is not None:
                checker.failed_rules[self.trigger] = checker.failed_rules.get(self.trigger, 0) + 1
                if self.clause.condition is None or self.condition is not None:
                    checker.covering.append((self.trigger, self.condition))
            checker._undefine(kind)
            if kind.declares and self.clause.name is not None:
                checker.silenced.add(self.clause.name.id)  # a declaration that failed: its name is not reported
            return
        checker.record_of[id(self.clause)] = record
        record.enter(self.model)
        checker.define(record)

    def _build(self, kind: Kind) -> Clause | None:
        clause = self.clause
        fields: dict[str, Any] = {"ref": self._ref()}
        if kind.trigger or (kind.optional_trigger and clause.trigger is not None):
            self.trigger = self.event(clause.trigger) if clause.trigger is not None else None
            if self.trigger is None:
                return None
            fields["event"] = self.trigger
        ok = True
        if kind.condition and clause.condition is not None:
            fields["condition"] = self.condition = self.typer(runtime=True).expect(clause.condition, BOOL, "`when`")
            ok = fields["condition"] is not None
        for key in kind.keys:
            entry = clause.entry(key.name)
            if entry is None:
                ok = ok and not key.required
                continue
            self.field = key.field
            read = key.reader.read(entry.values, key.name, self)
            self.field = None
            if read is None:
                ok = False
            else:
                fields[key.field] = read
        return kind.record(**fields, symbolic=self.symbolic) if ok else None

    def _divides_by_zero(self, record: Clause) -> bool:
        """Report each division by a constant zero in the clause's expressions; whether there was one."""
        divisions = [d for expr in _expressions(record) for d in divisions_by_zero(expr)]
        for division in divisions:
            self.error("division by zero", division.source)
        return bool(divisions)

    def _ref(self) -> ClauseRef:
        clause = self.clause
        entry = clause.entry(SAYS)
        says = Text().read(entry.values, SAYS, self) if entry is not None else None
        return ClauseRef(kind=clause.kind, name=clause.name_or_kind,
                         citation=clause.citation.value if clause.citation else clause.kind, span=clause.span,
                         says=" ".join(says.split()) if says else None)

    # ---- what readers and hooks ask (kinds.base.Reading)

    def error(self, message: str, node: Any, hint: str | None = None) -> None:
        self.checker.error(message, node, hint)

    def warn(self, message: str, node: Any, hint: str | None = None) -> None:
        self.checker.error(message, node, hint, severity="warning")

    def typer(self, runtime: bool = False) -> Typer:
        """Types the clause's expressions; `runtime`: on the triggering event's attributes, events and figures."""
        scope = self.model.scope(self.constants, self.trigger if runtime else None, runtime,
                                 frozenset(self.checker.silenced), self.checker.symbols)
        return Typer(scope, self.checker.error)

    def constant(self, node: ast.Value, wanted: Type, what: str) -> Any | None:
        """A constant expression of the type, folded now."""
        expr = self.typer().expect(node, wanted, what)
        if expr is None:
            return None
        if self.field is not None and reads_parameters(expr):
            self.symbolic[self.field] = expr
        return self.value_of(expr, node, what)

    def value_of(self, expr: TExpr, node: ast.Value, what: str) -> Any | None:
        """A constant's value under the default readings; None (reported) if it has none."""
        samples = {name: self.constants[name][1] for name in self.checker.symbols}
        try:
            result = value(expr, Known(self.model.readings(), None, self.checker.missing_day(), samples))
        except NotConstant:
            self.error(f"{what} must be a constant", node)
            return None
        if result is None:
            self.error(f"{what} has no value (division by zero?)", node)
        return result

    def word(self, node: ast.Name, key: str, choices: tuple[str, ...], enum: Any) -> Word[Any] | None:
        """A word from the choices, or an assumption whose readings are all such words."""
        if node.id in choices:
            return Word(enum, enum(node.id))
        assumption = self.model.assumptions.get(node.id)
        if assumption is not None:
            wrong = [reading for reading in assumption.readings if reading not in choices]
            if wrong:
                self.error(f"the assumption '{node.id}' has readings that `{key}` cannot take: "
                           f"{', '.join(wrong)} (it takes: {', '.join(choices)})", node)
                return None
            return Word(enum, assumption=node.id)
        self.error(f"`{key}` must be one of: {', '.join(choices)}, or an assumption; not '{node.id}'", node,
                   did_you_mean(node.id, [*choices, *self.model.assumptions]))
        return None

    def event(self, node: ast.Name) -> str | None:
        if node.id in self.checker.silenced:
            return None
        if node.id not in self.model.events:
            self.error(f"'{node.id}' is not a declared event", node,
                       did_you_mean(node.id, self.model.events) or f"declare it: event {node.id}")
            return None
        return node.id

    def attribute_type(self, param: ast.Param) -> Type | None:
        return self.checker.attribute_type(param)

    def attribute(self, param: ast.Param) -> Attr:
        return self.checker.attribute(param)

    def failed(self, kind: str) -> bool:
        return any(failed == kind for failed, _ in self.checker.failed)

    def clause_names(self, kind: str | None = None) -> set[str]:
        """The names of the contract's clauses of a kind (any kind a clause can be broken by, if None)."""
        return {c.name_or_kind for c in self.checker.clauses
                if c.kind == kind or (kind is None and not KINDS[c.kind].own_namespace)}

    def node(self, key: str) -> Any:
        entry = self.clause.entry(key)
        return entry.values[0] if entry is not None else self.clause.kind_span


def _expressions(record: Clause) -> list[TExpr]:
    """The typed expressions a record holds (its conditions, dates and requirements)."""
    found: list[TExpr] = []
    for held in fields(record):
        found += [item for item in (held if isinstance(held, tuple) else (held,)) if isinstance(item, EXPRESSIONS)]
    return found


def _required_hint(kind: Kind, award: AwardType) -> str:
    if kind.required == ALL_AWARDS:
        return f"every contract states its {kind.name}; see `optionrules kinds`"
    return f"{_a(str(award))} states its {kind.name}; see `optionrules kinds`"


def _a(word: str) -> str:
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"
