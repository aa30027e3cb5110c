"""A form's grants, their events, and the vesting the contract computes, as an OCF package.

For each grant: a stakeholder (its optionee), an issuance (TX_EQUITY_COMPENSATION_ISSUANCE for options and RSUs,
TX_STOCK_ISSUANCE for restricted stock) with its vesting terms and the `vestings` the contract computes as of the
date asked for, a TX_VESTING_START on the commencement date, and a transaction per event OCF has one for
(exercise, cancellation, repurchase). What the contract states that OCF cannot carry is listed, not dropped."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from optionrules.contract import Contract
from optionrules.errors import ContractError, Diagnostic
from optionrules.files import FileError, read_text, write_text
from optionrules.limits import TIMELINE_BYTES
from optionrules.ocf.mapping import (
    PART_ALLOCATIONS,
    Mapped,
    Part,
    Parts,
    Schedule,
    allocation_of,
    numeric,
    parts_vesting_terms,
    vesting_terms,
    vestings_of,
)
from optionrules.ocf.schemas import OCF_VERSION
from optionrules.records import record
from optionrules.values import Duration, add_months

if TYPE_CHECKING:
    from optionrules.kinds.vesting import Vesting

NO_EXPIRATION = date(9999, 12, 31)
START = "vesting-start"
_NEXT_MONTH = "missing_day first_of_next_month: OCF's day_of_month falls back to the last day of the month"
CARRIED_KINDS = frozenset({"form", "agreement", "uses", "enum", "event", "grant", "term", "conventions", "vesting",
                           "exercise", "service", "settlement", "repurchase", "example", "invariant", "assume"})


@record
class NotCarried:
    """Something the contract states that the package does not carry: where and why."""

    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


@record
class Exported:
    files: dict[str, Any]  # file name -> its JSON
    not_carried: tuple[NotCarried, ...]

    @property
    def ok(self) -> bool:
        return not self.not_carried

    def texts(self) -> dict[str, str]:
        return {name: _text(data) for name, data in self.files.items()}

    def validate(self) -> None:
        """Read back as an import reads a package: against the schemas, references checked (OcfError)."""
        from optionrules.ocf.read import read_files

        read_files({name: text.encode("utf-8") for name, text in self.texts().items()}, "the export")

    def write(self, out: str | Path) -> list[Path]:
        """Validate, then write every file into the folder `out` (created if need be); the paths written."""
        self.validate()
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for name, text in self.texts().items():
            write_text(folder / name, text, "OCF file")
            written.append(folder / name)
        return written


def _text(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def read_events(path: str | Path | None, ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """The events table (CSV: grant_id, date, event, then attributes; empty cells left out), by grant."""
    by_grant: dict[str, list[dict[str, Any]]] = {grant: [] for grant in ids}
    if path is None:
        return by_grant
    rows = csv.DictReader(io.StringIO(read_text(path, TIMELINE_BYTES, "events file"), newline=""))
    problems = []
    for row in rows:
        grant = (row.get("grant_id") or "").strip()
        if grant not in by_grant:
            problems.append(Diagnostic(f"no grant {grant!r} in the grants file", where=f"{path}:{rows.line_num}"))
            continue
        event = {k.strip(): v.strip() for k, v in row.items() if k and k != "grant_id" and v and v.strip()}
        by_grant[grant].append(event)
    if problems:
        raise ContractError(problems)
    return by_grant


def write(form: str | Path, grants: str | Path, events: str | Path | None = None,
          as_of: date | str | None = None) -> Exported:
    """The OCF package of the grants (a CSV file of the form's grants) and their events, as of `as_of` (default:
    today): raises ContractError where the form, a grant or an event cannot be read."""
    from optionrules.grants import check_grants

    day = date.fromisoformat(as_of) if isinstance(as_of, str) else as_of or date.today()
    try:  # each grant checked whole: its every field bound (its optionee too), not only those figures read
        made, problems, sources = check_grants(form, grants)
    except FileError as error:
        raise ContractError(error.diagnostics) from None
    if problems:
        raise ContractError(problems, sources)
    contracts = {row.id: contract for row, contract in made if contract is not None}
    timelines = read_events(events, list(contracts))
    builder = _Builder(Path(form).stem, day)
    for grant_id, contract in contracts.items():
        events_of = [_typed(contract, e, grant_id) for e in timelines[grant_id] if e.get("date", "") <= day.isoformat()]
        builder.grant(grant_id, contract, events_of)
    if contracts:
        builder.clauses(next(iter(contracts.values())))
    return builder.package()


def _typed(contract: Contract, event: dict[str, Any], grant_id: str) -> dict[str, Any]:
    """An events table's row as a timeline's event: each cell read as its attribute's declared type."""
    from optionrules.grants import read_cell
    from optionrules.printer import show_value

    declared = contract.model.events.get(str(event.get("event")))
    typed: dict[str, Any] = {}
    for name, cell in event.items():
        attr = declared.attrs.get(name) if declared is not None else None
        if attr is None:
            typed[name] = cell  # the date and the event's name; an unknown attribute is the timeline's to refuse
            continue
        try:
            value = read_cell(cell, name, attr.declared)
        except ValueError as error:
            raise ContractError([Diagnostic(f"grant {grant_id}: {error}", where="--events")]) from None
        typed[name] = show_value(value) if attr.declared in ("money", "days") else value
    return typed


class _Builder:
    def __init__(self, name: str, as_of: date):
        self.name = name
        self.as_of = as_of
        self.terms: dict[Mapped, dict[str, Any]] = {}
        self.stakeholders: dict[str, dict[str, Any]] = {}
        self.transactions: list[dict[str, Any]] = []
        self.not_carried: dict[tuple[str, str], NotCarried] = {}
        self.company = ""
        self.stock_class = False
        self.earliest: date | None = None

    def skip(self, where: str, reason: str) -> None:
        self.not_carried.setdefault((where, reason), NotCarried(where, reason))

    def grant(self, grant_id: str, contract: Contract, events: list[dict[str, Any]]) -> None:
        from optionrules.kinds.exercise import Exercise
        from optionrules.kinds.grant import Grant

        model = contract.model
        granted = model.one(Grant)
        if granted is None:
            return
        self.company = self.company or next((str(getattr(c, "company")) for c in model.clauses  # noqa: B009
                                             if getattr(c, "company", None)), "")
        self.earliest = min(self.earliest or granted.grant_date, granted.grant_date)
        schedule = self.schedule(grant_id, contract)
        stakeholder = granted.optionee or f"stakeholder-{grant_id}"
        self.stakeholders.setdefault(stakeholder, {
            "object_type": "STAKEHOLDER", "id": stakeholder, "name": {"legal_name": stakeholder},
            "stakeholder_type": "INDIVIDUAL"})
        award = str(model.award)
        commencement = granted.commencement or granted.grant_date
        issuance: dict[str, Any] = {
            "id": f"{grant_id}.issuance", "security_id": grant_id, "date": granted.grant_date.isoformat(),
            "custom_id": grant_id, "stakeholder_id": stakeholder, "security_law_exemptions": [],
            "quantity": str(granted.shares)}
        if award == "restricted_stock":
            self.stock_class = True
            issuance.update(object_type="TX_STOCK_ISSUANCE", stock_class_id="common",
                            share_price=self.money(granted.purchase_price), stock_legend_ids=[])
        else:
            kind = granted.type.resolve(model.readings()).value if granted.type is not None else None
            plan = contract.plan()
            exercise = model.one(Exercise)
            issuance.update(
                object_type="TX_EQUITY_COMPENSATION_ISSUANCE",
                compensation_type="RSU" if award == "rsu" else
                {"incentive": "OPTION_ISO", "non_qualified": "OPTION_NSO"}.get(str(kind), "OPTION"),
                expiration_date=None if plan.expiration in (date.max, NO_EXPIRATION) else plan.expiration.isoformat(),
                termination_exercise_windows=[])
            if award == "option":
                issuance["exercise_price"] = self.money(granted.exercise_price)
            if exercise is not None and exercise.early is not None \
                    and exercise.early.resolve(model.readings()).value == "allowed":
                issuance["early_exercisable"] = True
        if schedule is not None:
            issuance["vesting_terms_id"] = self.terms[schedule]["id"]
        vestings = self.vestings(contract, events)
        if vestings:
            issuance["vestings"] = vestings
        self.transactions.append(issuance)
        if schedule is not None:
            self.transactions.append({"object_type": "TX_VESTING_START", "id": f"{grant_id}.vesting-start",
                                      "security_id": grant_id, "date": commencement.isoformat(),
                                      "vesting_condition_id": START})
        self.events(grant_id, contract, events, granted.shares)

    def money(self, amount: Any) -> dict[str, str]:
        if amount.currency is None:
            self.skip("the grants' prices", "no currency (a form's money parameter keeps none): written as USD")
        return {"amount": f"{Decimal(str(amount.amount)):f}", "currency": str(amount.currency or "USD")}

    def schedule(self, grant_id: str, contract: Contract) -> Mapped | None:
        """The grant's installment schedule (or its schedules, parts of the grant one after the other) as OCF
        vesting terms, or None (listed) where OCF cannot say it."""
        from optionrules.kinds.grant import Grant
        from optionrules.kinds.vesting import Vesting, VestingTable

        model = contract.model
        readings = model.readings()
        schedules, tables = model.all(Vesting), model.all(VestingTable)
        granted = model.one(Grant)
        where = f"grant {grant_id}: vesting"
        if tables:
            self.skip(where, "a schedule stated as a table: not exported as OCF conditions yet (the issuance's "
                             "vestings list what vests)")
            return None
        if len(schedules) > 1 and granted is not None:
            return self.parts(grant_id, contract, schedules, granted.commencement or granted.grant_date)
        if len(schedules) != 1 or granted is None:
            self.skip(where, f"{len(schedules)} vesting schedules: OCF vesting terms are one schedule here "
                             "(the issuance's vestings list what vests)")
            return None
        v = schedules[0]
        commencement = granted.commencement or granted.grant_date
        every, cliff = v.every, v.cliff
        unit, length = _period(every)
        cliff_length = None if cliff is None else (cliff.months if unit == "months" and cliff.days == 0 else
                                                   cliff.days if unit == "days" and cliff.months == 0 else -1)
        allocation = _allocation(v, readings)
        reason = None
        if v.start != commencement:
            reason = f"the schedule runs from {v.start}, not the vesting commencement date {commencement}"
        elif v.shares != granted.shares:
            reason = f"the schedule vests {v.shares} of the {granted.shares} shares"
        elif v.gate is not None:
            reason = f"a gate on {', '.join(v.gate)} (a second trigger): not exported as OCF conditions yet"
        elif v.at_cliff is not None:
            reason = "a cliff vesting its own amount: not exported as OCF conditions yet"
        elif not unit:
            reason = "a period of months and days"
        elif unit == "months" and v.missing_day.resolve(readings).value != "last_day_of_month":
            reason = _NEXT_MONTH
        elif cliff_length == -1 or (cliff_length is not None and cliff_length > length and cliff_length % length):
            reason = f"a cliff of {cliff} with installments every {every}: OCF's installments after a cliff are " \
                     "periods after it"
        elif allocation is None:
            reason = f"rounding {v.rounding.resolve(readings).value}, {v.basis.resolve(readings).value}" \
                     f"{', remainder ' + v.remainder.resolve(readings).value if v.remainder else ''}: " \
                     "not one of OCF's allocation types"
        if reason is not None:
            self.skip(f"{where} {v.ref.name}", reason + " (the issuance's vestings list what vests)")
            return None
        schedule = Schedule(v.installments, length, unit,
                            cliff_length if cliff_length is not None and cliff_length > length else None,
                            allocation or "", START, v.day_of_month)
        if schedule not in self.terms:
            terms_id = self.name if not self.terms else f"{self.name}-{len(self.terms) + 1}"
            self.terms[schedule] = vesting_terms(terms_id, f"{self.name}: {v.ref.name}", schedule)
        return schedule

    def parts(self, grant_id: str, contract: Contract, schedules: Sequence[Any], commencement: date) -> Parts | None:
        """Schedules each vesting a portion of the grant, one after the other from the commencement date, as OCF
        conditions one after the other; None (listed) where they are not."""
        readings = contract.model.readings()
        parts: list[Part] = []
        offset, allocations = 0, set()
        for v in sorted(schedules, key=lambda v: (str(v.start), v.ref.name)):
            unit, length = _period(v.every)
            expected = add_months(commencement, offset) if unit == "months" else commencement + timedelta(offset)
            allocation = _allocation(v, readings)
            reason = None
            if v.portion is None:
                reason = f"vests {v.shares} shares, not a portion of the grant"
            elif v.waits or v.gate is not None or v.cliff is not None or v.at_cliff is not None:
                reason = "a cliff, a gate or a start an event sets, in one of several schedules: not exported as " \
                         "OCF conditions yet"
            elif not unit or (parts and unit != parts[-1].unit):
                reason = "parts counted in months and in days" if unit else "a period of months and days"
            elif v.start != expected:
                reason = f"starts on {v.start}, not where the schedules before it end ({expected})"
            elif unit == "months" and v.missing_day.resolve(readings).value != "last_day_of_month":
                reason = _NEXT_MONTH
            elif allocation not in PART_ALLOCATIONS:
                reason = f"rounding {v.rounding.resolve(readings).value}, {v.basis.resolve(readings).value}: over " \
                         "schedules one after the other, OCF's allocations CUMULATIVE_ROUNDING, " \
                         "CUMULATIVE_ROUND_DOWN or FRACTIONAL"
            if reason is not None:
                self.skip(f"grant {grant_id}: vesting {v.ref.name}", reason + " (the issuance's vestings list what "
                                                                              "vests)")
                return None
            assert v.portion is not None and allocation is not None
            parts.append(Part(v.installments, length, unit, offset, v.portion, v.day_of_month))
            allocations.add(allocation)
            offset += v.installments * length
        if len(allocations) > 1 or sum(part.portion for part in parts) != 1:
            self.skip(f"grant {grant_id}: vesting", "schedules of different roundings, or not vesting the whole grant "
                                                    "(the issuance's vestings list what vests)")
            return None
        schedule = Parts(tuple(parts), allocations.pop(), START)
        if schedule not in self.terms:
            terms_id = self.name if not self.terms else f"{self.name}-{len(self.terms) + 1}"
            self.terms[schedule] = parts_vesting_terms(terms_id, f"{self.name}: {len(parts)} parts", schedule)
        return schedule

    def vestings(self, contract: Contract, events: list[dict[str, Any]]) -> list[dict[str, str]]:
        """What vests on each date up to the as-of date, the contract's events applied."""
        last = self.as_of.isoformat()
        found = [(day, amount) for day, amount in vestings_of(contract, events).items() if day <= last]
        if any(Fraction(numeric(amount)) != amount for _, amount in found):
            self.skip(f"grant {contract.model.name}: vestings", "fractions of a share beyond OCF's 10 decimals: "
                                                                 "rounded")
        return [{"date": day, "amount": numeric(amount)} for day, amount in found]

    def events(self, grant_id: str, contract: Contract, events: list[dict[str, Any]], shares: int) -> None:
        outstanding = shares
        for n, event in enumerate(events):
            kind, day = event["event"], event["date"]
            base = {"id": f"{grant_id}.{kind}.{n}", "security_id": grant_id, "date": day}
            if kind == "exercise":
                count = int(str(event["shares"]).replace(",", ""))
                outstanding -= count
                self.transactions.append({**base, "object_type": "TX_EQUITY_COMPENSATION_EXERCISE",
                                          "quantity": str(count), "resulting_security_ids": [f"{base['id']}.stock"]})
            elif kind == "cancellation":
                self.transactions.append({**base, "object_type": "TX_EQUITY_COMPENSATION_CANCELLATION",
                                          "quantity": str(outstanding), "reason_text": "cancellation"})
                outstanding = 0
            elif kind == "repurchase" and "price" in event:
                amount = str(event["price"]).split()
                self.transactions.append({**base, "object_type": "TX_STOCK_REPURCHASE",
                                          "quantity": str(int(str(event["shares"]).replace(",", ""))),
                                          "price": {"amount": amount[-1], "currency": amount[0] if len(amount) > 1
                                                    else "USD"}})
            else:
                self.skip(f"grant {grant_id}: the event {kind} on {day}",
                          "OCF 1.2.0 has no transaction for it (a termination is not recorded per security); its "
                          "effect is in the issuance's vestings")

    def clauses(self, contract: Contract) -> None:
        """The clauses OCF has no place for."""
        from optionrules.kinds.rules import Rule

        for clause in contract.model.clauses:
            kind = clause.KIND
            name = clause.ref.name
            if kind in CARRIED_KINDS and not (kind == "settlement" and getattr(clause, "event", None)):
                continue
            reason = ("a rule: OCF carries no event's effect (its termination_exercise_windows are written empty); "
                      "what it did is in the vestings and transactions" if isinstance(clause, Rule)
                      else f"a {kind} clause: OCF has no place for it")
            self.skip(f"the form's {kind} {name}".rstrip(), reason)

    def package(self) -> Exported:
        issuer = {"object_type": "ISSUER", "id": "issuer", "legal_name": self.company or self.name,
                  "formation_date": (self.earliest or self.as_of).isoformat(), "country_of_formation": "US",
                  "comments": ["formation_date (the earliest grant date) and country_of_formation are placeholders: "
                               "the contract does not state them"]}
        files: dict[str, Any] = {}

        def listed(name: str, file_type: str, items: list[dict[str, Any]]) -> list[dict[str, str]]:
            if not items:
                return []
            files[name] = {"file_type": file_type, "items": items}
            return [{"filepath": f"./{name}", "md5": _md5(files[name])}]

        classes = [{"object_type": "STOCK_CLASS", "id": "common", "name": "Common", "class_type": "COMMON",
                    "default_id_prefix": "CS-", "initial_shares_authorized": "UNLIMITED", "votes_per_share": "1",
                    "seniority": "1"}] if self.stock_class else []
        manifest: dict[str, Any] = {
            "ocf_version": OCF_VERSION, "file_type": "OCF_MANIFEST_FILE", "issuer": issuer,
            "as_of": self.as_of.isoformat(), "generated_at": f"{self.as_of.isoformat()}T00:00:00Z",
            "stakeholders_files": listed("Stakeholders.ocf.json", "OCF_STAKEHOLDERS_FILE",
                                         list(self.stakeholders.values())),
            "vesting_terms_files": listed("VestingTerms.ocf.json", "OCF_VESTING_TERMS_FILE", list(self.terms.values())),
            "stock_classes_files": listed("StockClasses.ocf.json", "OCF_STOCK_CLASSES_FILE", classes),
            "transactions_files": listed("Transactions.ocf.json", "OCF_TRANSACTIONS_FILE", self.transactions),
            "stock_plans_files": [], "stock_legend_templates_files": [], "valuations_files": [],
        }
        for file in manifest["stakeholders_files"] + manifest["vesting_terms_files"] + manifest["transactions_files"]:
            file["md5"] = _md5(files[file["filepath"][2:]])
        return Exported({"Manifest.ocf.json": manifest, **files}, tuple(self.not_carried.values()))


def _period(every: Duration) -> tuple[str, int]:
    """A schedule's period as OCF counts it: (months | days, its length); ("", 0) for months and days at once."""
    unit = "months" if every.days == 0 else "days" if every.months == 0 else ""
    return unit, (every.months or every.days) if unit else 0


def _allocation(v: Vesting, readings: Mapping[str, str]) -> str | None:
    """The OCF allocation type of a schedule's rounding, or None where OCF has none."""
    return allocation_of(v.rounding.resolve(readings).value, v.basis.resolve(readings).value,
                         v.remainder.resolve(readings).value if v.remainder is not None else None)


def _md5(data: Mapping[str, Any]) -> str:
    import hashlib

    return hashlib.md5(_text(data).encode("utf-8")).hexdigest()
