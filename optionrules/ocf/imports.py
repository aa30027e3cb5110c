"""An OCF package as the language's forms, grants tables and events tables.

One form per vesting terms object and award type (and per choice of the issuance's own terms the form states:
option type, early exercise, termination windows); beside it the grants made from it (a CSV file the portfolio
command reads) and their events (the events table `portfolio --events` reads). Every object, and every field
that bears on a figure, that is not mapped is listed with where it is and why."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any

from optionrules.ocf.mapping import Mapped, Parts, Unmapped, numeric, schedule_of, unmapped, vestings_of
from optionrules.ocf.read import ISSUANCES, Item, Package, read
from optionrules.ocf.schemas import OCF_VERSION
from optionrules.records import record
from optionrules.values import add_months

NO_EXPIRATION = "9999-12-31"  # an OCF expiration_date of null: the language's term that never ends
REASONS = ("VOLUNTARY_OTHER", "VOLUNTARY_GOOD_CAUSE", "VOLUNTARY_RETIREMENT", "INVOLUNTARY_OTHER",
           "INVOLUNTARY_DEATH", "INVOLUNTARY_DISABILITY", "INVOLUNTARY_WITH_CAUSE")
OPTION_TYPES = {"OPTION_ISO": "incentive", "OPTION_NSO": "non_qualified", "ISO": "incentive",
                "NSO": "non_qualified"}
# the columns of the events table of each award's form: grant, date, event, then the events' attributes
EVENT_COLUMNS = {"option": ("grant_id", "date", "event", "reason", "shares"),
                 "rsu": ("grant_id", "date", "event", "reason"),
                 "restricted_stock": ("grant_id", "date", "event", "reason", "shares", "price")}
# fields that describe an object and bear on no figure: not carried, and not listed (README, "Open Cap Format")
DESCRIPTIVE = frozenset({"id", "object_type", "comments", "custom_id", "security_law_exemptions", "board_approval_date",
                         "stockholder_approval_date", "consideration_text", "stock_legend_ids", "stock_plan_id",
                         "stock_class_id", "reason_text", "resulting_security_ids", "share_numbers_issued",
                         "cost_basis", "issuance_type", "name", "description", "security_id", "date"})
# the objects outside the grants' figures: listed as not mapped, with what they are
OTHER_OBJECTS = {
    "STAKEHOLDER": "a stakeholder: the grants carry its id (the `stakeholder` column), not its other fields",
    "STOCK_CLASS": "a stock class: the language has no share classes",
    "STOCK_PLAN": "a stock plan: the language's plans are clauses, not a pool of shares",
    "STOCK_LEGEND_TEMPLATE": "a stock legend: no figure depends on it",
    "VALUATION": "a valuation: no figure depends on it",
    "FINANCING": "a financing: no figure depends on it",
    "DOCUMENT": "a document: no figure depends on it",
}


@record
class ImportedForm:
    """A form, and the grants and events of the package made from it."""

    stem: str  # the files' name: STEM.contract, STEM.grants.csv, STEM.events.csv
    terms_id: str
    award: str
    text: str
    grants: tuple[dict[str, str], ...]
    events: tuple[dict[str, str], ...]


@record
class Imported:
    forms: tuple[ImportedForm, ...]
    unmapped: tuple[Unmapped, ...]

    @property
    def ok(self) -> bool:
        return not self.unmapped

    def write(self, out: str | Path) -> list[Path]:
        """Write every form, its grants and events, `unmapped.csv` and `ocf-import.json` into the folder `out`
        (created if need be); the paths written."""
        from optionrules.files import write_text

        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []

        def put(name: str, text: str, what: str) -> None:
            write_text(folder / name, text, what)
            written.append(folder / name)

        index = []
        for form in self.forms:
            put(f"{form.stem}.contract", form.text, "form")
            put(f"{form.stem}.grants.csv", _csv(form.grants, _grant_columns(form)), "grants file")
            put(f"{form.stem}.events.csv", _csv(form.events, EVENT_COLUMNS[form.award]), "events file")
            index.append({"form": f"{form.stem}.contract", "grants": f"{form.stem}.grants.csv",
                          "events": f"{form.stem}.events.csv", "vesting_terms_id": form.terms_id,
                          "award": form.award, "grant_count": len(form.grants)})
        put("unmapped.csv", _csv([u.to_dict() for u in self.unmapped], ("file", "object_id", "field", "reason")),
            "list of what was not mapped")
        put("ocf-import.json", json.dumps({"ocf_version": OCF_VERSION, "forms": index,
                                           "unmapped": len(self.unmapped)}, indent=2) + "\n", "index")
        return written


    def evaluate(self, as_of: Any = None, assume: Mapping[str, str] | None = None) -> list[tuple[ImportedForm, Any]]:
        """Each form's grants evaluated with their events (`optionrules.portfolio.evaluate`, the [portfolio] extra):
        the form and its Portfolio."""
        import tempfile

        from optionrules import portfolio

        with tempfile.TemporaryDirectory(prefix="optionrules-ocf-") as folder:
            self.write(folder)
            return [(form, portfolio.evaluate(Path(folder) / f"{form.stem}.contract",
                                              Path(folder) / f"{form.stem}.grants.csv",
                                              events=Path(folder) / f"{form.stem}.events.csv", as_of=as_of,
                                              assume=assume))
                    for form in self.forms]


def _grant_columns(form: ImportedForm) -> tuple[str, ...]:
    return tuple(form.grants[0]) if form.grants else ("id",)


def _csv(rows: Iterable[Mapping[str, str]], columns: Iterable[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n", extrasaction="raise")
    writer.writeheader()
    for row in rows:
        writer.writerow({column: row.get(column, "") for column in writer.fieldnames})
    return out.getvalue()


# ---- issuances to grants ----------------------------------------------------------------------------------


@record
class _Grant:
    issuance: Item
    award: str
    key: tuple[Any, ...]  # what the form states beyond the vesting terms
    values: dict[str, str]
    events: list[dict[str, str]]


def import_package(source: str | Path | Package) -> Imported:
    """The forms, grants and events of an OCF package (a path is read and validated first: OcfError)."""
    package = source if isinstance(source, Package) else read(source)
    problems: list[Unmapped] = []
    schedules: dict[str, Mapped] = {}
    for terms_id, terms in package.vesting_terms.items():
        schedule, why = schedule_of(terms)
        problems += why
        if schedule is not None:
            schedules[terms_id] = schedule
    grants: dict[str, _Grant] = {}
    issued: dict[str, Item] = {}
    for item in package.of_type(*ISSUANCES):
        security = str(item.data["security_id"])
        if security in issued:
            problems.append(unmapped(item, "$.security_id", f"the security {security!r} is also issued by "
                                                           f"{issued[security].id}: a security is issued once"))
            continue
        issued[security] = item
        grant = _grant(item, package.vesting_terms, schedules, problems)
        if grant is not None:
            grants[security] = grant
    _transactions(package, grants, issued, schedules, problems)
    for security, grant in list(grants.items()):
        terms_id = grant.issuance.data["vesting_terms_id"]
        if not grant.values.get("commencement"):
            problems.append(unmapped(grant.issuance, "$",
                                     f"no TX_VESTING_START for the security {security!r}: under its vesting terms "
                                     f"{terms_id!r} nothing vests before one; the language's schedules run from a "
                                     "commencement date (schedules that start on events are not in it yet)"))
            del grants[security]
        elif isinstance(schedule := schedules[terms_id], Parts) and (differs := _parts_differ(schedule, grant)):
            problems.append(unmapped(grant.issuance, "$", differs))
            del grants[security]
    problems += _others(package, grants)
    issuer = package.manifest.data["issuer"]
    forms = _forms(grants, schedules, package.vesting_terms, str(issuer.get("legal_name", "")), problems)
    problems += _check_vestings(forms, grants)
    return Imported(tuple(forms), tuple(problems))


def _parts_differ(schedule: Parts, grant: _Grant) -> str | None:
    """Why this grant could vest otherwise under its schedule of parts than OCF says, or None: a part would not
    start on a whole share, or on the day of the month of the vesting start."""
    shares = int(grant.values["shares"])
    uneven = schedule.uneven(shares)
    if uneven is not None:
        return (f"{uneven} of {shares} shares is not a whole number of shares: where a part of the schedule "
                "ends, rounding each part could differ by a share from rounding the whole (OCF's "
                f"{schedule.allocation})")
    commencement = date.fromisoformat(grant.values["commencement"])
    for part in schedule.parts:
        if part.unit == "months" and part.offset and part.day_of_month is None \
                and (first := add_months(commencement, part.offset)).day != commencement.day:
            return (f"a part starts on {first}, {part.offset} months after the vesting start {commencement}: its "
                    f"installments would fall on the {first.day}th, OCF's on the {commencement.day}th or the last "
                    "day of the month")
    return None


def _check_vestings(forms: Iterable[ImportedForm], grants: Mapping[str, _Grant]) -> list[Unmapped]:
    """An issuance's `vestings` (what vests on each date) beside its vesting terms: each entry, up to the last,
    must be what the form computes (the events recorded applied); where one is not, the form's figures are the
    terms', and the difference is listed."""
    from optionrules.contract import loads
    from optionrules.errors import ContractError
    from optionrules.grants import read_cell
    from optionrules.parse import parse

    found: list[Unmapped] = []
    for form in forms:
        module, _ = parse(form.text, f"{form.stem}.contract")
        declared = {p.name: p.type_name for p in module.items[0].params or ()}  # type: ignore[union-attr]
        for row in form.grants:
            grant = grants[row["id"]]
            listed = grant.issuance.data.get("vestings")
            if not listed:
                continue
            values = {name: read_cell(cell, name, declared[name]) for name, cell in row.items() if name != "id"}
            try:
                contract = loads(form.text, f"{form.stem}.contract", values)
            except ContractError as error:  # the grant's values break the form: portfolio says how, row by row
                found.append(unmapped(grant.issuance, "$.vestings", f"not checked: the grant does not check with its "
                                                                    f"form ({error.diagnostics[0].message})"))
                continue
            events = [{k: (int(v) if k == "shares" else v) for k, v in e.items() if k != "grant_id" and v}
                      for e in grant.events]
            computed = vestings_of(contract, events)
            stated: dict[str, Fraction] = {}
            for entry in listed:
                stated[entry["date"]] = stated.get(entry["date"], Fraction(0)) + Fraction(entry["amount"])
            last = max(stated)
            # as OCF writes them: a fraction of a share to 10 decimals
            expected = {day: Fraction(numeric(amount)) for day, amount in computed.items() if day <= last}
            if stated != expected:
                day = min(set(stated) ^ set(expected) or {d for d in stated if stated[d] != expected.get(d)})
                found.append(unmapped(grant.issuance, "$.vestings",
                                      f"on {day} the vestings array says {stated.get(day, 0)} shares vest, its vesting "
                                      f"terms {expected.get(day, 0)}: the form's figures are the terms' (the "
                                      "vestings array is not carried)"))
    return found


def _grant(item: Item, terms: Mapping[str, Item], schedules: Mapping[str, Mapped], problems: list[Unmapped]
           ) -> _Grant | None:
    data = item.data
    notes: list[Unmapped] = []  # fields not mapped that leave the grant mapped
    before = len(problems)
    award, key = _award(item, problems, notes)
    terms_id = data.get("vesting_terms_id")
    if terms_id is None:
        problems.append(unmapped(item, "$", "no vesting_terms_id: " + (
            "the vestings array alone (dates and amounts of one security) is not a form's schedule"
            if data.get("vestings") else "vested in full on issuance; there is nothing for the language to vest")))
    elif terms_id not in schedules:
        problems.append(unmapped(item, "$.vesting_terms_id", f"its vesting terms {terms_id!r} are not mapped (listed)"))
    shares = _whole(data["quantity"])
    if shares is None or shares < 1:
        problems.append(unmapped(item, "$.quantity", f"{data['quantity']} shares: the language grants a whole "
                                                     "number of shares, at least 1"))
    if award is None or len(problems) > before:
        return None
    problems += notes
    values = {"id": str(data["security_id"]), "stakeholder": str(data["stakeholder_id"]), "shares": str(shares),
              "grant_date": str(data["date"]), "commencement": ""}
    if award == "option":
        values["exercise_price"] = _money(data["exercise_price"])
    if award in ("option", "rsu"):
        values["expiration"] = data["expiration_date"] or NO_EXPIRATION
    if award == "restricted_stock":
        values["purchase_price"] = _money(data["share_price"])
    return _Grant(item, award, (terms_id, award, *key), values, [])


def _award(item: Item, problems: list[Unmapped], notes: list[Unmapped]) -> tuple[str | None, tuple[Any, ...]]:
    """The award type, and what else the form states from the issuance (`notes`: fields not mapped that bear on
    no figure of the award)."""
    data = item.data
    if item.type == "TX_STOCK_ISSUANCE":
        return "restricted_stock", ()
    compensation = data["compensation_type"]
    if compensation in ("CSAR", "SSAR"):
        problems.append(unmapped(item, "$.compensation_type",
                                 f"{compensation}: stock appreciation rights are not an award type of the language "
                                 "(option, rsu, restricted_stock)"))
        return None, ()
    windows = _windows(item, problems)
    if compensation == "RSU":
        if data["termination_exercise_windows"]:
            notes.append(unmapped(item, "$.termination_exercise_windows", "exercise windows of RSUs: RSUs are not "
                                                                        "exercised"))
        if data.get("early_exercisable"):
            notes.append(unmapped(item, "$.early_exercisable", "RSUs are not exercised"))
        return "rsu", ()
    if "exercise_price" not in data:
        problems.append(unmapped(item, "$.exercise_price", "an option without an exercise price"))
        return None, ()
    kind = OPTION_TYPES.get(compensation) or OPTION_TYPES.get(data.get("option_grant_type", ""))
    if data.get("option_grant_type") == "INTL":
        problems.append(unmapped(item, "$.option_grant_type", "INTL: the language's option types are incentive and "
                                                              "non_qualified"))
        return None, ()
    return "option", (kind, bool(data.get("early_exercisable")), windows)


def _windows(item: Item, problems: list[Unmapped]) -> tuple[tuple[str, int, str], ...]:
    found: dict[str, tuple[str, int, str]] = {}
    for n, window in enumerate(item.data["termination_exercise_windows"]):
        if window["reason"] in found:
            problems.append(unmapped(item, f"$.termination_exercise_windows[{n}]",
                                     f"a second window for {window['reason']}"))
            continue
        found[window["reason"]] = (window["reason"], int(window["period"]), str(window["period_type"]).lower())
    return tuple(found[reason] for reason in REASONS if reason in found)


def _whole(text: str) -> int | None:
    number = Fraction(text)
    return int(number) if number.denominator == 1 else None


def _money(amount: Mapping[str, str]) -> str:
    try:
        value = Decimal(amount["amount"])
    except InvalidOperation:
        value = Decimal(0)
    return f"{amount['currency']} {value:f}"


# ---- transactions to events -------------------------------------------------------------------------------


def _transactions(package: Package, grants: dict[str, _Grant], issued: Mapping[str, Item],
                  schedules: Mapping[str, Mapped], problems: list[Unmapped]) -> None:
    outstanding = {security: int(grant.values["shares"]) for security, grant in grants.items()}
    ordered = sorted(package.transactions, key=lambda t: (str(t.data.get("date", "")), t.path))
    for item in ordered:
        if item.type.endswith("_ISSUANCE") and item.type in ISSUANCES:
            continue
        security = str(item.data.get("security_id", ""))
        grant = grants.get(security)
        if item.type not in _EVENTS:
            problems.append(unmapped(item, "$", _not_mapped(item.type)))
        elif grant is None:
            why = "its security is not mapped (listed)" if security in issued else \
                "its security is not one the import maps"
            problems.append(unmapped(item, "$", f"a {item.type}: {why}"))
        else:
            _EVENTS[item.type](item, grant, schedules, outstanding, problems)


def _exercise(item: Item, grant: _Grant, schedules: Mapping[str, Mapped], outstanding: dict[str, int],
              problems: list[Unmapped]) -> None:
    shares = _whole(item.data["quantity"])
    if grant.award != "option":
        problems.append(unmapped(item, "$", f"an exercise of a {grant.award} grant"))
    elif shares is None or shares < 1:
        problems.append(unmapped(item, "$.quantity", f"{item.data['quantity']}: the language exercises whole shares"))
    else:
        outstanding[grant.values["id"]] -= shares
        grant.events.append(_event(item, grant, "exercise", shares=str(shares)))


def _cancellation(item: Item, grant: _Grant, schedules: Mapping[str, Mapped], outstanding: dict[str, int],
                  problems: list[Unmapped]) -> None:
    left = outstanding[grant.values["id"]]
    shares = Fraction(item.data["quantity"])
    if item.data.get("balance_security_id") or shares != left:
        problems.append(unmapped(item, "$.quantity", f"a partial cancellation ({item.data['quantity']} of the {left} "
                                                     "shares outstanding): the language forfeits all of a grant, or "
                                                     "what has not vested"))
        return
    outstanding[grant.values["id"]] = 0
    grant.events.append(_event(item, grant, "cancellation", shares=str(left)))


def _repurchase(item: Item, grant: _Grant, schedules: Mapping[str, Mapped], outstanding: dict[str, int],
                problems: list[Unmapped]) -> None:
    shares = _whole(item.data["quantity"])
    if grant.award != "restricted_stock" or shares is None or shares < 1:
        problems.append(unmapped(item, "$.quantity", f"a repurchase of {item.data['quantity']} shares of a "
                                                     f"{grant.award} grant: not a whole number of restricted shares"))
        return
    grant.events.append(_event(item, grant, "repurchase", shares=str(shares), price=_money(item.data["price"])))


def _vesting_start(item: Item, grant: _Grant, schedules: Mapping[str, Mapped], outstanding: dict[str, int],
                   problems: list[Unmapped]) -> None:
    schedule = schedules[grant.issuance.data["vesting_terms_id"]]
    if item.data["vesting_condition_id"] != schedule.start_condition:
        problems.append(unmapped(item, "$.vesting_condition_id", "not the vesting terms' first condition"))
    elif grant.values["commencement"]:
        problems.append(unmapped(item, "$", f"a second vesting start (the first: {grant.values['commencement']}): "
                                            "the language's schedules start once"))
    else:
        grant.values["commencement"] = str(item.data["date"])  # the schedule's anchor: a parameter of the form


def _vesting_event(item: Item, grant: _Grant, schedules: Mapping[str, Mapped], outstanding: dict[str, int],
                   problems: list[Unmapped]) -> None:
    problems.append(unmapped(item, "$.vesting_condition_id",
                             "a vesting event for a condition met by time under the mapped schedule: the language "
                             "computes when time-based installments vest"))


def _acceleration(item: Item, grant: _Grant, schedules: Mapping[str, Mapped], outstanding: dict[str, int],
                  problems: list[Unmapped]) -> None:
    problems.append(unmapped(item, "$.quantity",
                             f"an acceleration of {item.data['quantity']} shares: the language's rules vest all that "
                             "is unvested, a percent of it or the next months' installments, as the contract says, "
                             "not a count recorded after the fact"))


_EVENTS = {
    "TX_EQUITY_COMPENSATION_EXERCISE": _exercise,
    "TX_EQUITY_COMPENSATION_CANCELLATION": _cancellation,
    "TX_STOCK_REPURCHASE": _repurchase,
    "TX_VESTING_START": _vesting_start,
    "TX_VESTING_EVENT": _vesting_event,
    "TX_VESTING_ACCELERATION": _acceleration,
}


def _event(item: Item, grant: _Grant, name: str, **attributes: str) -> dict[str, str]:
    return {"grant_id": grant.values["id"], "date": str(item.data["date"]), "event": name, **attributes}


def _not_mapped(kind: str) -> str:
    family = kind.removeprefix("TX_")
    if family.startswith(("CONVERTIBLE_", "WARRANT_")):
        return f"a {kind}: convertibles and warrants are not award types of the language"
    if family.startswith(("STOCK_CLASS_", "ISSUER_", "STOCK_PLAN_")):
        return f"a {kind}: the language has no share classes, authorized shares or pools"
    if family.endswith(("_TRANSFER", "_CONVERSION", "_REISSUANCE", "_CONSOLIDATION")):
        return f"a {kind}: the language's grants are not transferred, converted or reissued"
    if family.endswith("_RETRACTION"):
        return f"a {kind}: a retraction undoes an issuance, which the language does not record"
    if family.endswith("_ACCEPTANCE"):
        return f"a {kind}: the language's figures do not depend on an acceptance"
    if family.endswith("_RELEASE"):
        return f"a {kind}: the generated RSU forms settle units as they vest"
    return f"a {kind}: not mapped"


def _others(package: Package, grants: Mapping[str, _Grant]) -> list[Unmapped]:
    referenced = {grant.values["stakeholder"] for grant in grants.values()}
    found = []
    for item in package.items[1:]:
        if item.type in OTHER_OBJECTS and not (item.type == "STAKEHOLDER" and item.id in referenced):
            found.append(unmapped(item, "$", OTHER_OBJECTS[item.type]))
    return found


# ---- forms ------------------------------------------------------------------------------------------------


def _forms(grants: Mapping[str, _Grant], schedules: Mapping[str, Mapped], terms: Mapping[str, Item],
           company: str, problems: list[Unmapped]) -> list[ImportedForm]:
    """A form per vesting terms and what else its grants state; a form that does not check (terms beyond the
    language's limits: more than 10,000 installments) is not written, and listed."""
    from optionrules.check import check_source

    groups: dict[tuple[Any, ...], list[_Grant]] = {}
    for grant in grants.values():
        groups.setdefault(grant.key, []).append(grant)
    forms = []
    stems: dict[str, int] = {}
    for key, members in groups.items():
        terms_id, award = key[0], key[1]
        base = f"{_slug(terms_id)}.{award}"
        stems[base] = stems.get(base, 0) + 1
        stem = base if stems[base] == 1 else f"{base}.{stems[base]}"
        text = form_text(stem, terms[terms_id], schedules[terms_id], award, key[2:], company)
        errors = [d for d in check_source(text, f"{stem}.contract")[1] if d.severity == "error"]
        if errors:
            problems.append(unmapped(terms[terms_id], "$", f"the form made from these terms does not check "
                                                           f"({errors[0].message}): its {len(members)} grant(s) "
                                                           "are not imported"))
            continue
        events = [event for grant in members for event in grant.events]
        forms.append(ImportedForm(stem, terms_id, award, text, tuple(g.values for g in members), tuple(events)))
    return forms


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "terms"


def _quoted(text: str) -> str:
    return json.dumps(" ".join(text.split()), ensure_ascii=False)


def form_text(stem: str, terms: Item, schedule: Mapped, award: str, key: tuple[Any, ...], company: str) -> str:
    """The form a vesting terms object and an award type make."""
    name = "ocf_" + _slug(stem)
    parameters = ["stakeholder: text", "shares: shares", "grant_date: date", "commencement: date"]
    parameters += {"option": ["exercise_price: money", "expiration: date"], "rsu": ["expiration: date"],
                   "restricted_stock": ["purchase_price: money"]}[award]
    title = str(terms.data["name"])
    lines = [f"# Imported from Open Cap Format {OCF_VERSION}: the vesting terms {terms.id!r} ({terms.file}), "
             f"for {award} grants.",
             "# " + " ".join(str(terms.data["description"]).split())[:400], "",
             f"form {name} {_quoted(title)} (", *[f"  {p}," for p in parameters], ") {",
             f"  company: {_quoted(company)}" if company else "", "}", ""]
    lines += ["enum termination_reason { " + ", ".join(r.lower() for r in REASONS) + " }",
              "event termination(reason: termination_reason)"]
    lines += {"option": ["event exercise(shares: shares)", "event cancellation(shares: shares)"], "rsu": [],
              "restricted_stock": ["event repurchase(shares: shares, price: money)"]}[award]
    lines += ["", 'grant "OCF issuance" {', f"  award: {award}", "  optionee: stakeholder"]
    if award == "option" and key[0] is not None:
        lines.append(f"  type: {key[0]}")
    lines.append("  shares: shares")
    lines += {"option": ["  exercise_price: exercise_price"], "rsu": [],
              "restricted_stock": ["  purchase_price: purchase_price"]}[award]
    lines += ["  grant_date: grant_date", "  commencement: commencement", "}", ""]
    if award in ("option", "rsu"):
        lines += ['term "OCF expiration_date" {', "  expiration: expiration", "  caps_windows: yes", "}", ""]
    lines += ['conventions "OCF day_of_month VESTING_START_DAY_OR_LAST_DAY_OF_MONTH" {',
              "  missing_day: last_day_of_month", "  until: inclusive", "}", "",
              'service "OCF: a termination ends service" {', "  ends_on: termination", "  through: inclusive", "}",
              "", schedule.clause("schedule", f"OCF vesting terms {terms.id}"), ""]
    lines += _award_clauses(award, key)
    return "\n".join(lines).replace("\n\n\n", "\n\n").rstrip("\n") + "\n"


def _award_clauses(award: str, key: tuple[Any, ...]) -> list[str]:
    if award == "rsu":
        return ['settlement "OCF: RSUs settle as they vest" {', "  on: vesting", "}", "",
                'rule terminated "OCF: a termination" on termination {', "  forfeit: unvested", "}"]
    if award == "restricted_stock":
        return ['repurchase "OCF TX_STOCK_REPURCHASE" on repurchase {', "  shares: shares",
                "  price: repurchase.price", "}", ""]
    lines = ['exercise "OCF TX_EQUITY_COMPENSATION_EXERCISE" on exercise {', "  shares: shares"]
    if key[1]:
        lines.append("  before_vesting: allowed  # early_exercisable")
    lines += ["}", "", 'rule cancelled "OCF TX_EQUITY_COMPENSATION_CANCELLATION" on cancellation {',
              "  forfeit: all", "}", ""]
    windows = key[2]
    for n, (reason, period, unit) in enumerate(windows):
        lines += [f'rule window_{reason.lower()} "OCF termination_exercise_windows[{n}]" on termination '
                  f"when reason = {reason.lower()} {{", "  forfeit: unvested",
                  f"  exercisable_until: termination + {period} {unit}", "}", ""]
    rest = [r.lower() for r in REASONS if r not in {w[0] for w in windows}]
    if rest:
        lines += ['rule terminated "OCF: a termination without an exercise window" on termination '
                  f"when reason in {{{', '.join(rest)}}} {{", "  forfeit: unvested",
                  "  exercisable_until: expiration  # the issuance gives no window for these reasons", "}"]
    return lines
