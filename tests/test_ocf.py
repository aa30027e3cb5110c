"""Open Cap Format: import (the OCF samples, the docs' vesting examples, the allocation types), export (valid
against the schemas), round trips, and bad packages located and refused."""

from __future__ import annotations

import copy
import csv
import json
import shutil
import tempfile
import zipfile
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import optionrules
from optionrules import ocf
from optionrules.cli import main
from optionrules.ocf.imports import form_text
from optionrules.ocf.mapping import ALLOCATIONS, PART_ALLOCATIONS, Part, Parts, Schedule, schedule_of
from optionrules.ocf.read import Item, OcfError
from optionrules.ocf.read import read as read_package
from optionrules.ocf.schemas import object_errors

DATA = Path(__file__).parent / "data" / "ocf"
SAMPLES = DATA / "samples"
ACME = Path(__file__).parent.parent / "contracts" / "acme"
CLIFF_TERMS = json.loads((SAMPLES / "VestingTerms.ocf.json").read_text())["items"][0]  # 4yr-1yr-cliff-schedule


# ---- building packages ----------------------------------------------------------------------------------------


def package(folder: Path, terms: list[dict[str, Any]], transactions: list[dict[str, Any]],
            stakeholders: list[dict[str, Any]] | None = None) -> Path:
    """A package in `folder`: a manifest, vesting terms, transactions, stakeholders."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {"VestingTerms.ocf.json": ("OCF_VESTING_TERMS_FILE", "vesting_terms_files", terms),
             "Transactions.ocf.json": ("OCF_TRANSACTIONS_FILE", "transactions_files", transactions),
             "Stakeholders.ocf.json": ("OCF_STAKEHOLDERS_FILE", "stakeholders_files", stakeholders or [])}
    manifest: dict[str, Any] = {
        "ocf_version": "1.2.0", "file_type": "OCF_MANIFEST_FILE", "as_of": "2022-03-22",
        "generated_at": "2022-03-22T01:23:45-06:00",
        "issuer": {"object_type": "ISSUER", "id": "issuer", "legal_name": "ACME Industries",
                   "formation_date": "2010-01-01", "country_of_formation": "US"},
        "stock_plans_files": [], "stock_legend_templates_files": [], "stock_classes_files": [],
        "valuations_files": [], "vesting_terms_files": [], "transactions_files": [], "stakeholders_files": []}
    for name, (file_type, key, items) in files.items():
        (folder / name).write_text(json.dumps({"file_type": file_type, "items": items}, indent=2))
        manifest[key] = [{"filepath": f"./{name}", "md5": "0" * 32}]
    (folder / "Manifest.ocf.json").write_text(json.dumps(manifest, indent=2))
    return folder


def option(security: str, quantity: str, terms_id: str | None, day: str = "2021-01-01", **more: Any
           ) -> dict[str, Any]:
    issuance = {"object_type": "TX_EQUITY_COMPENSATION_ISSUANCE", "id": f"{security}-issuance",
                "security_id": security, "date": day, "custom_id": security, "stakeholder_id": "holder",
                "security_law_exemptions": [], "compensation_type": "OPTION_NSO", "quantity": quantity,
                "exercise_price": {"amount": "1.00", "currency": "USD"}, "expiration_date": "2031-01-01",
                "termination_exercise_windows": [{"reason": "VOLUNTARY_OTHER", "period": 3,
                                                  "period_type": "MONTHS"}], **more}
    if terms_id is not None:
        issuance["vesting_terms_id"] = terms_id
    return issuance


def start(security: str, day: str, condition: str = "vesting-start") -> dict[str, Any]:
    return {"object_type": "TX_VESTING_START", "id": f"{security}-start", "security_id": security, "date": day,
            "vesting_condition_id": condition}


def monthly(terms_id: str, installments: int, allocation: str) -> dict[str, Any]:
    return {"object_type": "VESTING_TERMS", "id": terms_id, "name": terms_id, "description": "monthly",
            "allocation_type": allocation, "vesting_conditions": [
                {"id": "vesting-start", "quantity": "0", "trigger": {"type": "VESTING_START_DATE"},
                 "next_condition_ids": ["monthly"]},
                {"id": "monthly", "portion": {"numerator": "1", "denominator": str(installments)},
                 "trigger": {"type": "VESTING_SCHEDULE_RELATIVE", "relative_to_condition_id": "vesting-start",
                             "period": {"length": 1, "type": "MONTHS", "occurrences": installments,
                                        "day_of_month": "VESTING_START_DAY_OR_LAST_DAY_OF_MONTH"}},
                 "next_condition_ids": []}]}


def contract_of(form: ocf.ImportedForm, row: int = 0) -> optionrules.Contract:
    """The grant on a row of an imported form's table, as a contract (through a grants file, as portfolio reads it)."""
    folder = Path(tempfile.mkdtemp(prefix="ocf-test-"))
    try:
        (folder / "f.contract").write_text(form.text)
        with open(folder / "g.csv", "w", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=list(form.grants[row]))
            writer.writeheader()
            writer.writerow(form.grants[row])
        return optionrules.grants.load_grants(folder / "f.contract", folder / "g.csv")[form.grants[row]["id"]]
    finally:
        shutil.rmtree(folder)


def vested(contract: optionrules.Contract, *days: str) -> list[Any]:
    return [contract.evaluate([], day).vested for day in days]


# ---- the OCF repository's samples ------------------------------------------------------------------------------


def test_the_sample_package_imports_every_object_mapped_or_listed() -> None:
    imported = ocf.read(SAMPLES)
    assert [(f.stem, f.award) for f in imported.forms] == [
        ("4yr_1yr_cliff_schedule.rsu", "rsu"), ("4yr_1yr_cliff_schedule.restricted_stock", "restricted_stock")]
    rsu, stock = imported.forms
    assert rsu.grants == ({"id": "test-plan-security-id", "stakeholder": "test-stakeholder-id", "shares": "50",
                           "grant_date": "2019-12-12", "commencement": "2020-01-01", "expiration": "2031-01-20"},)
    assert stock.grants[0]["commencement"] == "2021-01-10"  # its TX_VESTING_START
    why = {(u.object_id, u.field): u.reason for u in imported.unmapped}
    assert "3 next conditions" in why["multi-tranche-event-based", "$.vesting_conditions[0].next_condition_ids"]
    assert "a condition met by an event" in why["custom-vesting-100pct-upfront", "$.vesting_conditions[0].trigger"]
    # 10% on the 24th month, then 1.25%, 1.67%, 2.08% and 2.5% a month for a year each: parts the language
    # states, but BACK_LOADED spreads its remainders over the whole schedule's tranches
    assert "BACK_LOADED over parts that vest at different rates (1 x 1/10 every 24 months; 12 x 1/80 every 1 " \
        "month" in why["6-yr-option-back-loaded", "$.allocation_type"]
    assert "2 next conditions" in why["path-dependent-milestone-vesting", "$.vesting_conditions[0].next_condition_ids"]
    assert "is also issued by" in why["test-stock-issuance-minimal", "$.security_id"]
    assert "an acceleration of 32458 shares" in why["founder-vest-acceleration-1", "$.quantity"]
    assert "convertibles and warrants" in why["test-warrant-issuance-minimal", "$"]
    # every object of every file is mapped or listed: of the 96, the issuer (the forms' company), one vesting terms
    # object, two issuances and their vesting starts are mapped (the issuances with fields listed: an RSU's
    # exercise windows, a vestings array that is not its terms'); every other object is listed whole or in part
    listed = {u.object_id for u in imported.unmapped}
    mapped = {"d3373e0a-4dd9-430f-8a56-3281f2800ede", "4yr-1yr-cliff-schedule", "test-plan-security-id-vesting-start",
              "test-stock-issuance-security-id-vesting-start"}
    items = read_package(SAMPLES).items
    assert len(items) == 96
    assert {item.id for item in items} - listed == mapped
    assert why["test-plan-security-issuance-minimal", "$.termination_exercise_windows"].startswith("exercise windows")
    assert why["test-stock-issuance-full-fields", "$.vestings"].startswith("on 2023-02-01 the vestings array says 1200")


def test_the_sample_cliff_schedule_vests_as_its_description_says() -> None:
    """The RSU of the samples: 50 units, vesting start 2020-01-01, 12/48 at one year, 1/48 a month after."""
    rsu = ocf.read(SAMPLES).forms[0]
    contract = contract_of(rsu)
    assert vested(contract, "2020-12-31", "2021-01-01", "2021-02-01", "2023-12-01", "2024-01-01") == [
        0,
        13,  # CUMULATIVE_ROUNDING: round(50 x 12/48 = 12.5) = 13, half up
        14,  # round(50 x 13/48 = 13.54) = 14
        49,  # round(50 x 47/48 = 48.96) = 49
        50,  # 50 x 48/48
    ]


def test_the_cli_imports_the_samples_and_lists_what_it_did_not_map(tmp_path: Path, capsys: Any) -> None:
    assert main(["ocf", "import", str(SAMPLES), "--out", str(tmp_path / "out")]) == 1
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == ["4yr_1yr_cliff_schedule.restricted_stock.contract",
                       "4yr_1yr_cliff_schedule.restricted_stock.events.csv",
                       "4yr_1yr_cliff_schedule.restricted_stock.grants.csv",
                       "4yr_1yr_cliff_schedule.rsu.contract", "4yr_1yr_cliff_schedule.rsu.events.csv",
                       "4yr_1yr_cliff_schedule.rsu.grants.csv", "ocf-import.json", "unmapped.csv"]
    err = capsys.readouterr().err
    assert "VestingTerms.ocf.json, object multi-tranche-event-based, $.vesting_conditions[0].next_condition_ids: " \
           "not mapped: 3 next conditions" in err
    rows = list(csv.DictReader((tmp_path / "out" / "unmapped.csv").open()))
    assert len(rows) == len(ocf.read(SAMPLES).unmapped) and rows[0].keys() == {"file", "object_id", "field", "reason"}
    out = tmp_path / "out"
    stem = "4yr_1yr_cliff_schedule.restricted_stock"
    assert main(["check", str(out / f"{stem}.contract"), "--grants", str(out / f"{stem}.grants.csv")]) == 0


def test_the_samples_as_a_zip(tmp_path: Path) -> None:
    archive = tmp_path / "samples.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for file in SAMPLES.glob("*.json"):
            out.write(file, f"package/{file.name}")
    assert [f.grants for f in ocf.read(archive).forms] == [f.grants for f in ocf.read(SAMPLES).forms]


# ---- the docs' vesting explainer (docs/explainers/VestingTerms.md) ----------------------------------------------


def test_example_3_schedule_based_vesting(tmp_path: Path) -> None:
    """480 shares on the 4yr-1yr-cliff-schedule terms, the vesting start logged on 2021-01-30: "the cliff
    triggers ... on 30 January, 2022" vesting 12/48 = 120 shares; "the first trigger [of monthly-thereafter]
    occurs on 28 February, 2022" (no 30 February); the rest on the 30th."""
    folder = package(tmp_path / "p", [CLIFF_TERMS], [option("vesting-ex-3", "480", "4yr-1yr-cliff-schedule"),
                                                    start("vesting-ex-3", "2021-01-30")])
    imported = ocf.read(folder)
    contract = contract_of(imported.forms[0])
    assert vested(contract, "2022-01-29", "2022-01-30", "2022-02-27", "2022-02-28", "2022-03-29", "2022-03-30",
                  "2025-01-29", "2025-01-30") == [
        0,
        120,  # 480 x 12/48
        120,
        130,  # + 480 x 1/48 on 2022-02-28, the last day of February
        130,
        140,  # on the 30th again
        470,  # 47 installments: 480 x 47/48
        480,  # the 48th, four years after the vesting start
    ]


def test_example_1_and_2_event_based_vesting_is_listed_not_mapped(tmp_path: Path) -> None:
    terms = json.loads((SAMPLES / "VestingTerms.example2.ocf.json").read_text())["items"]
    folder = package(tmp_path / "p", terms, [option("vesting-ex-1", "500", terms[0]["id"]),
                                            start("vesting-ex-1", "2021-01-01")])
    imported = ocf.read(folder)
    assert imported.forms == ()
    why = [(u.object_id, u.field, u.reason) for u in imported.unmapped]
    assert why[0][:2] == (terms[0]["id"], "$.vesting_conditions[0].next_condition_ids")
    assert any("its vesting terms" in reason for _, _, reason in why)


# ---- allocation types: OCF's table of 18 shares over 4 tranches ------------------------------------------------

ALLOCATION_TABLE = {  # the AllocationType enum's description
    "CUMULATIVE_ROUNDING": [5, 4, 5, 4],
    "CUMULATIVE_ROUND_DOWN": [4, 5, 4, 5],
    "FRONT_LOADED": [5, 5, 4, 4],
    "BACK_LOADED": [4, 4, 5, 5],
    "FRONT_LOADED_TO_SINGLE_TRANCHE": [6, 4, 4, 4],
    "BACK_LOADED_TO_SINGLE_TRANCHE": [4, 4, 4, 6],
    "FRACTIONAL": [Fraction(9, 2)] * 4,
}


@pytest.mark.parametrize("allocation", list(ALLOCATION_TABLE))
def test_each_allocation_type_gives_ocfs_amounts(tmp_path: Path, allocation: str) -> None:
    folder = package(tmp_path / "p", [monthly("four", 4, allocation)],
                     [option("s", "18", "four"), start("s", "2021-01-15")])
    imported = ocf.read(folder)
    assert imported.unmapped == ()
    contract = contract_of(imported.forms[0])
    totals = vested(contract, "2021-02-15", "2021-03-15", "2021-04-15", "2021-05-15")
    amounts = [b - a for a, b in zip([0, *totals], totals)]
    assert amounts == ALLOCATION_TABLE[allocation]
    assert totals[-1] == 18


def test_the_allocation_table_covers_the_enum() -> None:
    enum = json.loads((Path(ocf.__file__).parent / "schemas" / "schema" / "enums" / "AllocationType.schema.json")
                      .read_text())["enum"]
    assert sorted(enum) == sorted(ALLOCATIONS) == sorted(ALLOCATION_TABLE)


# ---- schedules whose parts vest at different rates -------------------------------------------------------------


def parted(terms_id: str, allocation: str, *parts: tuple[int, str, int, str]) -> dict[str, Any]:
    """Vesting terms of consecutive parts: (occurrences, the portion of each as N/D, the period's length, its type)."""
    conditions: list[dict[str, Any]] = [{"id": "vesting-start", "quantity": "0",
                                         "trigger": {"type": "VESTING_START_DATE"}, "next_condition_ids": []}]
    for k, (occurrences, portion, length, unit) in enumerate(parts, 1):
        numerator, denominator = portion.split("/")
        conditions.append({"id": f"part-{k}", "portion": {"numerator": numerator, "denominator": denominator},
                           "trigger": {"type": "VESTING_SCHEDULE_RELATIVE",
                                       "relative_to_condition_id": conditions[-1]["id"],
                                       "period": {"length": length, "type": unit, "occurrences": occurrences,
                                                  **({"day_of_month": "VESTING_START_DAY_OR_LAST_DAY_OF_MONTH"}
                                                     if unit == "MONTHS" else {})}},
                           "next_condition_ids": []})
        conditions[-2]["next_condition_ids"] = [f"part-{k}"]
    return {"object_type": "VESTING_TERMS", "id": terms_id, "name": terms_id, "description": "back-weighted",
            "allocation_type": allocation, "vesting_conditions": conditions}


def test_a_back_weighted_schedule_is_a_vesting_clause_per_part(tmp_path: Path) -> None:
    """10%, 20%, 30% and 40% of the grant over four years, monthly: 1,200 shares from 2021-01-15 vest 10, 20, 30,
    then 40 a month."""
    terms = parted("10-20-30-40", "CUMULATIVE_ROUND_DOWN", (12, "1/120", 1, "MONTHS"), (12, "2/120", 1, "MONTHS"),
                   (12, "3/120", 1, "MONTHS"), (12, "4/120", 1, "MONTHS"))
    imported = ocf.read(package(tmp_path / "p", [terms], [option("s", "1200", "10-20-30-40"),
                                                          start("s", "2021-01-15")]))
    assert imported.unmapped == ()
    text = imported.forms[0].text
    assert "shares: 1 / 10" in text and "shares: 2 / 5" in text  # 12 x 1/120 and 12 x 4/120
    assert "from: commencement + 36 months" in text
    assert vested(contract_of(imported.forms[0]), "2021-02-14", "2021-02-15", "2022-01-15", "2022-02-15",
                  "2023-01-15", "2023-02-15", "2024-01-15", "2024-02-15", "2025-01-14", "2025-01-15") == [
        0,
        10,  # 1,200 x 1/120, a month after the vesting start
        120,  # 10%: 12 x 10
        140,  # + 1,200 x 2/120
        360,  # 10% + 20%
        390,  # + 1,200 x 3/120
        720,  # 60%
        760,  # + 1,200 x 4/120
        1160,  # 1,200 - the last 40
        1200,  # four years after the vesting start
    ]


def test_a_first_year_then_half_yearly_parts(tmp_path: Path) -> None:
    """5% after a year, 15% after the second, then 20% every six months: 1,000 shares from 2020-03-01."""
    terms = parted("5-15-20", "CUMULATIVE_ROUNDING", (1, "5/100", 12, "MONTHS"), (1, "15/100", 12, "MONTHS"),
                   (4, "20/100", 6, "MONTHS"))
    imported = ocf.read(package(tmp_path / "p", [terms], [option("s", "1000", "5-15-20"),
                                                          start("s", "2020-03-01")]))
    assert imported.unmapped == ()
    assert "from: commencement + 24 months" in imported.forms[0].text  # the third part, after the two years
    assert vested(contract_of(imported.forms[0]), "2021-02-28", "2021-03-01", "2022-02-28", "2022-03-01",
                  "2022-09-01", "2023-03-01", "2023-09-01", "2024-02-29", "2024-03-01") == [
        0, 50, 50,  # 1,000 x 5%
        200,  # + 1,000 x 15%
        400, 600, 800,  # + 200 every six months
        800, 1000,  # the last 20% four years after the vesting start
    ]


def test_the_samples_six_year_back_loaded_terms_with_a_cumulative_allocation() -> None:
    """The OCF sample "10% of the original number of shares on the 24th month; then vests 1.25% for 12 months;
    1.67% for 12 months; 2.08% for 12 months; and 2.5% for 12 months", its allocation made cumulative: 4,800
    shares from 2020-01-01."""
    items = json.loads((SAMPLES / "VestingTerms.ocf.json").read_text())["items"]
    terms = copy.deepcopy(next(t for t in items if t["id"] == "6-yr-option-back-loaded"))
    terms["allocation_type"] = "CUMULATIVE_ROUND_DOWN"
    with tempfile.TemporaryDirectory() as tmp:
        imported = ocf.read(package(Path(tmp) / "p", [terms], [option("s", "4800", terms["id"]),
                                                               start("s", "2020-01-01")]))
    assert imported.unmapped == ()
    assert vested(contract_of(imported.forms[0]), "2021-12-31", "2022-01-01", "2022-02-01", "2023-01-01",
                  "2023-02-01", "2024-01-01", "2024-02-01", "2025-01-01", "2025-02-01", "2026-01-01") == [
        0,
        480,  # 10% on the 24th month
        540,  # + 4,800 x 1/80 (1.25%)
        1200,  # 10% + 12 x 1.25% = 25%
        1280,  # + 4,800 x 1/60
        2160,  # 25% + 12 x 1/60 = 45%
        2260,  # + 4,800 x 1/48
        3360,  # 45% + 12 x 1/48 = 70%
        3480,  # + 4,800 x 1/40
        4800,  # 70% + 12 x 1/40: six years after the vesting start
    ]


def test_a_schedule_of_parts_exports_and_comes_back(tmp_path: Path) -> None:
    terms = parted("10-20-30-40", "CUMULATIVE_ROUND_DOWN", (12, "1/120", 1, "MONTHS"), (12, "2/120", 1, "MONTHS"),
                   (12, "3/120", 1, "MONTHS"), (12, "4/120", 1, "MONTHS"))
    imported = ocf.read(package(tmp_path / "p", [terms], [option("s", "1200", "10-20-30-40"),
                                                          start("s", "2021-01-15")]))
    imported.write(tmp_path / "imported")
    stem = tmp_path / "imported" / imported.forms[0].stem
    exported = ocf.write(f"{stem}.contract", f"{stem}.grants.csv", None, "2030-01-01")
    assert [n for n in exported.not_carried if "vesting" in n.where] == []  # the schedule is carried
    conditions = json.loads(exported.texts()["VestingTerms.ocf.json"])["items"][0]["vesting_conditions"]
    assert [(c["portion"]["numerator"], c["portion"]["denominator"], c["trigger"]["period"]["occurrences"])
            for c in conditions[1:]] == [("1", "120", 12), ("1", "60", 12), ("1", "40", 12), ("1", "30", 12)]
    # (1/120, 2/120, 3/120 and 4/120 of the grant a month, for a year each)
    exported.write(tmp_path / "exported")
    back = ocf.read(tmp_path / "exported")
    assert back.unmapped == ()
    days = ["2021-02-15", "2022-01-15", "2022-02-15", "2023-06-15", "2024-12-15", "2025-01-15"]
    assert vested(contract_of(back.forms[0]), *days) == vested(contract_of(imported.forms[0]), *days) == [
        10, 120, 140, 360 + 5 * 30, 720 + 11 * 40, 1200]


def test_a_portion_of_the_remainder_vesting_once(tmp_path: Path) -> None:
    """25% after a year, then "1/1 of the amount that has yet to vest" (OCF's `remainder`) three years later:
    1,000 shares from 2021-01-01 vest 250, then the other 750."""
    terms = parted("rest", "CUMULATIVE_ROUND_DOWN", (1, "1/4", 12, "MONTHS"), (1, "1/1", 36, "MONTHS"))
    terms["vesting_conditions"][2]["portion"]["remainder"] = True
    imported = ocf.read(package(tmp_path / "p", [terms], [option("s", "1000", "rest"), start("s", "2021-01-01")]))
    assert imported.unmapped == ()
    assert "shares: 3 / 4" in imported.forms[0].text  # 1/1 of the 3/4 the first year leaves
    assert vested(contract_of(imported.forms[0]), "2021-12-31", "2022-01-01", "2024-12-31", "2025-01-01") == [
        0, 250, 250, 1000]


def test_parts_listed_where_their_rounding_or_days_could_differ_from_ocfs(tmp_path: Path) -> None:
    even = parted("thirds", "CUMULATIVE_ROUND_DOWN", (12, "1/48", 1, "MONTHS"), (12, "3/48", 1, "MONTHS"))
    front = parted("front", "FRONT_LOADED", (12, "1/48", 1, "MONTHS"), (12, "3/48", 1, "MONTHS"))
    folder = package(tmp_path / "p", [even, front], [
        option("whole", "400", "thirds"), start("whole", "2021-01-15"),  # 400 x 12/48 = 100: whole
        option("split", "402", "thirds"), start("split", "2021-01-15"),  # 402 x 12/48 = 100.5
        option("leap", "400", "thirds"), start("leap", "2020-02-29"),  # part 2 from 2021-02-28: on the 28th
        option("end", "400", "thirds"), start("end", "2021-01-31"),  # part 2 from 2022-01-31: on the 31st, mapped
        option("f", "400", "front"), start("f", "2021-01-15")])
    imported = ocf.read(folder)
    why = {(u.object_id, u.field): u.reason for u in imported.unmapped}
    assert "1/4 of 402 shares is not a whole number of shares" in why["split-issuance", "$"]
    assert "a part starts on 2021-02-28, 12 months after the vesting start 2020-02-29: its installments would " \
        "fall on the 28th, OCF's on the 29th" in why["leap-issuance", "$"]
    assert "FRONT_LOADED over parts that vest at different rates" in why["front", "$.allocation_type"]
    assert [row["id"] for form in imported.forms for row in form.grants] == ["whole", "end"]
    assert vested(contract_of(imported.forms[0]), "2022-01-15", "2022-02-15", "2023-01-15") == [
        100,  # 400 x 12/48
        125,  # + 400 x 3/48
        400,
    ]
    assert vested(contract_of(imported.forms[0], row=1), "2022-02-27", "2022-02-28", "2022-03-30", "2022-03-31") \
        == [100, 125, 125, 150]  # part 2 from 2022-01-31: the last day of February, then the 31st


# ---- what is not mapped ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("day", "start_on", "dates"), [
    # 100 shares in 4 monthly installments of 25 from 2021-01-01, on the 15th of each month
    ("15", "2021-01-01", ["2021-02-15", "2021-03-15", "2021-04-15", "2021-05-15"]),
    # from 2021-01-31 on the 30th, or the month's last day: February has no 30th
    ("30_OR_LAST_DAY_OF_MONTH", "2021-01-31", ["2021-02-28", "2021-03-30", "2021-04-30", "2021-05-30"]),
])
def test_a_day_of_the_month_maps_to_the_schedules_day_of_month(tmp_path: Path, day: str, start_on: str,
                                                                 dates: list[str]) -> None:
    terms = copy.deepcopy(monthly("dom", 4, "FRACTIONAL"))
    terms["vesting_conditions"][1]["trigger"]["period"]["day_of_month"] = day
    imported = ocf.read(package(tmp_path / "p", [terms], [option("a", "100", "dom"), start("a", start_on)]))
    assert f"day_of_month: {day.split('_')[0].lstrip('0')}" in imported.forms[0].text
    contract = contract_of(imported.forms[0])
    assert [d.isoformat() for d in contract.plan().dates] == dates
    before = (date.fromisoformat(dates[0]) - timedelta(days=1)).isoformat()
    assert vested(contract, before, dates[0], dates[-1]) == [0, 25, 100]


def test_constructs_the_language_cannot_state_are_listed_with_their_place(tmp_path: Path) -> None:
    day_of_month = copy.deepcopy(monthly("dom", 4, "FRACTIONAL"))
    day_of_month["vesting_conditions"][1]["trigger"]["period"]["day_of_month"] = "15"
    day_of_month["vesting_conditions"][1]["portion"]["denominator"] = "8"  # 4 x 1/8: half the grant
    remainder = copy.deepcopy(monthly("rem", 4, "FRACTIONAL"))
    remainder["vesting_conditions"][1]["portion"]["remainder"] = True
    half = monthly("half", 4, "FRACTIONAL")
    half["vesting_conditions"][1]["trigger"]["period"]["occurrences"] = 2
    terms = [day_of_month, remainder, half]
    folder = package(tmp_path / "p", terms, [
        option("a", "100", "dom"),
        option("b", "100", "dom", compensation_type="CSAR", base_price={"amount": "1.00", "currency": "USD"}),
        {**option("c", "100", "rem")}, option("d", "100", "half"), option("e", "10.5", None)])
    why = {(u.object_id, u.field): u.reason for u in ocf.read(folder).unmapped}
    assert "add up to 1/2 of the grant" in why["dom", "$.vesting_conditions"]
    assert "of what has not vested yet" in why["rem", "$.vesting_conditions[1].portion.remainder"]
    assert "add up to 1/2 of the grant" in why["half", "$.vesting_conditions"]
    assert "stock appreciation rights" in why["b-issuance", "$.compensation_type"]
    assert "no vesting_terms_id" in why["e-issuance", "$"]
    assert "no TX_VESTING_START" not in " ".join(why.values())  # the grants not mapped are not asked for one


def test_terms_beyond_the_languages_limits_make_no_form(tmp_path: Path) -> None:
    # a million monthly installments: more than a vesting clause may have (10,000); the form would not check
    folder = package(tmp_path / "p", [monthly("huge", 1_000_000, "CUMULATIVE_ROUND_DOWN")],
                     [option("a", "1000000", "huge"), start("a", "2021-01-15")])
    imported = ocf.read(folder)
    assert imported.forms == ()
    assert [(u.object_id, u.reason) for u in imported.unmapped] == [
        ("huge", "the form made from these terms does not check (more than 10,000 installments): its 1 grant(s) "
                 "are not imported")]


def test_a_grant_without_a_vesting_start_is_listed(tmp_path: Path) -> None:
    folder = package(tmp_path / "p", [monthly("m", 4, "FRACTIONAL")], [option("a", "100", "m")])
    imported = ocf.read(folder)
    assert imported.forms == ()
    assert "no TX_VESTING_START" in imported.unmapped[0].reason


def test_events_exercises_and_a_cancellation(tmp_path: Path) -> None:
    exercise = {"object_type": "TX_EQUITY_COMPENSATION_EXERCISE", "id": "x1", "security_id": "a",
                "date": "2021-03-01", "quantity": "10", "resulting_security_ids": ["s1"]}
    partial = {"object_type": "TX_EQUITY_COMPENSATION_CANCELLATION", "id": "c1", "security_id": "a",
               "date": "2021-03-02", "quantity": "5", "reason_text": "partial"}
    full = {**partial, "id": "c2", "date": "2021-04-02", "quantity": "90"}
    folder = package(tmp_path / "p", [monthly("m", 4, "CUMULATIVE_ROUND_DOWN")],
                     [option("a", "100", "m"), start("a", "2021-01-01"), exercise, partial, full])
    imported = ocf.read(folder)
    assert imported.forms[0].events == (
        {"grant_id": "a", "date": "2021-03-01", "event": "exercise", "shares": "10"},
        {"grant_id": "a", "date": "2021-04-02", "event": "cancellation", "shares": "90"})
    assert [(u.object_id, u.field) for u in imported.unmapped] == [("c1", "$.quantity")]
    assert "a partial cancellation (5 of the 90 shares outstanding)" in imported.unmapped[0].reason
    assert imported.forms[0].grants[0]["stakeholder"] == "holder"


# ---- bad packages: located, exit 2, nothing written ------------------------------------------------------------


def _bad(tmp_path: Path, terms: list[dict[str, Any]], transactions: list[dict[str, Any]]) -> str:
    folder = package(tmp_path / "p", terms, transactions)
    with pytest.raises(OcfError) as raised:
        ocf.read(folder)
    out = tmp_path / "out"
    assert main(["ocf", "import", str(folder), "--out", str(out)]) == 2
    assert not out.exists()  # nothing written
    return str(raised.value)


def test_invalid_against_the_schema(tmp_path: Path) -> None:
    terms = monthly("m", 4, "ROUGHLY")
    message = _bad(tmp_path, [terms], [])
    assert message.startswith("VestingTerms.ocf.json, object m, $.items[0].allocation_type: error: 'ROUGHLY' is not "
                              "one of")


def test_invalid_deep_inside_a_trigger(tmp_path: Path) -> None:
    terms = monthly("m", 4, "FRACTIONAL")
    terms["vesting_conditions"][1]["trigger"]["period"]["occurrences"] = 0
    message = _bad(tmp_path, [terms], [])
    assert "object m, $.items[0].vesting_conditions[1].trigger.period.occurrences: error: 0 is less than the " \
           "minimum of 1" in message


def test_a_dangling_condition_reference(tmp_path: Path) -> None:
    terms = monthly("m", 4, "FRACTIONAL")
    terms["vesting_conditions"][0]["next_condition_ids"] = ["monthly", "nowhere"]
    message = _bad(tmp_path, [terms], [])
    assert "object m, $.items[0].vesting_conditions[0].next_condition_ids[1]: error: no condition 'nowhere'" in message


def test_an_issuance_naming_vesting_terms_the_package_lacks(tmp_path: Path) -> None:
    message = _bad(tmp_path, [], [option("a", "100", "missing")])
    assert "Transactions.ocf.json, object a-issuance, $.items[0].vesting_terms_id: error: no vesting terms 'missing'" \
           in message


def test_a_transaction_for_an_unknown_security(tmp_path: Path) -> None:
    message = _bad(tmp_path, [monthly("m", 4, "FRACTIONAL")], [option("a", "100", "m"), start("ghost", "2021-01-01")])
    assert "object ghost-start, $.items[1].security_id: error: a TX_VESTING_START for the security 'ghost'" in message


def test_a_vesting_start_for_a_condition_its_terms_lack(tmp_path: Path) -> None:
    message = _bad(tmp_path, [monthly("m", 4, "FRACTIONAL")],
                   [option("a", "100", "m"), start("a", "2021-01-01", "elsewhere")])
    assert "object a-start, $.items[1].vesting_condition_id: error: no condition 'elsewhere'" in message


def test_not_json_and_no_manifest(tmp_path: Path) -> None:
    folder = package(tmp_path / "p", [], [])
    (folder / "Transactions.ocf.json").write_text("{ nope")
    with pytest.raises(OcfError, match=r"Transactions.ocf.json:1:3: error: not JSON"):
        ocf.read(folder)
    (folder / "Manifest.ocf.json").unlink()
    with pytest.raises(OcfError, match="no OCF manifest"):
        ocf.read(folder)


def test_a_manifest_listing_a_file_outside_the_package(tmp_path: Path) -> None:
    folder = package(tmp_path / "p", [], [])
    manifest = json.loads((folder / "Manifest.ocf.json").read_text())
    manifest["transactions_files"][0]["filepath"] = "../secrets.json"
    (folder / "Manifest.ocf.json").write_text(json.dumps(manifest))
    (tmp_path / "secrets.json").write_text("{}")
    with pytest.raises(OcfError, match="outside the package"):
        ocf.read(folder)


# ---- export -----------------------------------------------------------------------------------------------


def test_the_acme_export_is_valid_ocf(tmp_path: Path) -> None:
    exported = ocf.write(ACME / "acme_option_form.contract", ACME / "acme_grants.csv",
                         Path(__file__).parent.parent / "examples" / "acme_events.csv", "2025-06-30")
    exported.write(tmp_path / "pkg")
    for name in ("Stakeholders.ocf.json", "VestingTerms.ocf.json", "Transactions.ocf.json"):
        for item in json.loads((tmp_path / "pkg" / name).read_text())["items"]:
            assert object_errors(item) == [], (name, item["id"])
    terms = json.loads((tmp_path / "pkg" / "VestingTerms.ocf.json").read_text())["items"]
    assert [c["portion"] for c in terms[0]["vesting_conditions"][1:]] == [
        {"numerator": "12", "denominator": "48"}, {"numerator": "1", "denominator": "48"}]
    assert terms[0]["allocation_type"] == "BACK_LOADED_TO_SINGLE_TRANCHE"  # rounding down, remainder last
    issuance = json.loads((tmp_path / "pkg" / "Transactions.ocf.json").read_text())["items"][0]
    assert issuance["vestings"][:2] == [{"date": "2022-03-15", "amount": "12000"},  # 48,000 x 12/48 on the cliff
                                        {"date": "2022-04-15", "amount": "1000"}]  # 48,000 / 48
    carried = {n.where for n in exported.not_carried}
    assert "grant A-0003: the event termination on 2023-06-15" in carried  # OCF 1.2.0 records no termination
    assert "the form's rule post_termination" in carried


def test_export_then_import_gives_the_acme_vesting_back(tmp_path: Path) -> None:
    ocf.write(ACME / "acme_option_form.contract", ACME / "acme_grants.csv", None, "2030-01-01").write(tmp_path / "p")
    imported = ocf.read(tmp_path / "p")
    assert imported.unmapped == ()
    form = imported.forms[0]
    originals = optionrules.grants.load_grants(ACME / "acme_option_form.contract", ACME / "acme_grants.csv")
    assert [row["id"] for row in form.grants] == list(originals)
    for row in (0, 9, 19):
        back = contract_of(form, row)
        original = originals[form.grants[row]["id"]]
        days = ["2022-01-31", "2022-12-31", "2023-06-30", "2025-03-31", "2027-12-31"]
        assert vested(back, *days) == vested(original, *days)


def test_the_cli_exports_and_portfolio_reads_ocf(tmp_path: Path, capsys: Any) -> None:
    out = tmp_path / "pkg"
    assert main(["ocf", "export", str(ACME / "acme_option_form.contract"), "--grants", str(ACME / "acme_grants.csv"),
                 "--as-of", "2025-06-30", "--out", str(out)]) == 1  # the form's rules are not carried
    assert "not carried" in capsys.readouterr().err
    assert main(["portfolio", "--ocf", str(out), "--as-of", "2024-06-30"]) == 0
    printed = capsys.readouterr().out
    # the acme cap table without its events: 814,300 granted, vested as the form computes it
    assert "acme_option_form.option (OCF vesting terms acme_option_form, option): 20 grants" in printed
    assert "814,300" in printed
    assert main(["portfolio", "--ocf", str(out), "--grants", "x.csv"]) == 2


# ---- round trips on generated cap tables ------------------------------------------------------------------------

schedules = st.builds(
    lambda installments, every, cliff, allocation: Schedule(
        installments, every, "months", cliff * every if 1 < cliff < installments else None, allocation,
        "vesting-start"),
    st.integers(1, 12), st.sampled_from([1, 3, 12]), st.integers(0, 4), st.sampled_from(sorted(ALLOCATIONS)))
days = st.dates(date(2015, 1, 1), date(2024, 12, 31))


@st.composite
def cap_tables(draw: Any) -> tuple[Schedule, list[dict[str, str]], list[dict[str, str]]]:
    schedule = draw(schedules)
    grants, events = [], []
    for n in range(draw(st.integers(1, 4))):
        granted, shares = draw(days), draw(st.integers(1, 5000))
        grants.append({"id": f"G{n}", "stakeholder": f"holder {n % 2}", "shares": str(shares),
                       "grant_date": granted.isoformat(), "commencement": draw(days).isoformat(),
                       "exercise_price": f"USD {draw(st.integers(1, 500))}.25", "expiration": "2035-01-01"})
        left = shares
        when = granted
        for _ in range(draw(st.integers(0, 2))):
            when = draw(st.dates(when, date(2034, 12, 31)))
            count = draw(st.integers(1, left)) if left > 1 else 0
            if count:
                left -= count
                events.append({"grant_id": f"G{n}", "date": when.isoformat(), "event": "exercise", "reason": "",
                               "shares": str(count)})
        if left and draw(st.booleans()):
            when = draw(st.dates(when, date(2034, 12, 31)))
            events.append({"grant_id": f"G{n}", "date": when.isoformat(), "event": "cancellation", "reason": "",
                           "shares": str(left)})
    return schedule, grants, events


def _table(path: Path, rows: list[dict[str, str]], columns: list[str]) -> None:
    with open(path, "w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cap_tables())
def test_import_of_an_export_gives_back_the_grants_vesting_and_events(
        table: tuple[Schedule, list[dict[str, str]], list[dict[str, str]]]) -> None:
    schedule, grants, events = table
    folder = Path(tempfile.mkdtemp(prefix="ocf-roundtrip-"))
    try:
        terms = Item("VestingTerms.ocf.json", "$.items[0]", {"id": "gen", "name": "generated", "description": "x"})
        key = ("non_qualified", False, ())
        (folder / "gen.contract").write_text(form_text("gen.option", terms, schedule, "option", key, "Gen, Inc."))
        _table(folder / "grants.csv", grants, list(grants[0]))
        _table(folder / "events.csv", events, ["grant_id", "date", "event", "reason", "shares"])
        exported = ocf.write(folder / "gen.contract", folder / "grants.csv", folder / "events.csv", "2035-01-01")
        exported.write(folder / "pkg")
        imported = ocf.read(folder / "pkg")
        assert imported.unmapped == ()
        (form,) = imported.forms
        assert list(form.grants) == grants
        assert [{k: v for k, v in e.items() if v} for e in form.events] == [{k: v for k, v in e.items() if v}
                                                                             for e in events]
        back = schedule_of(Item("VestingTerms.ocf.json", "$.items[0]",
                                            json.loads((folder / "pkg" / "VestingTerms.ocf.json").read_text())
                                            ["items"][0]))[0]
        assert back is not None
        assert (back.installments, back.every, back.cliff, back.allocation) == (
            schedule.installments, schedule.every, schedule.cliff, schedule.allocation)
    finally:
        shutil.rmtree(folder)


@st.composite
def schedules_of_parts(draw: Any) -> tuple[Parts, int]:
    """Parts at their own rates one after the other, and a grant whose parts each start on a whole share."""
    drawn = draw(st.lists(st.tuples(st.integers(1, 6), st.sampled_from([1, 3, 12]), st.integers(1, 4)),
                          min_size=2, max_size=4))
    weights = sum(w for _, _, w in drawn)
    parts, offset = [], 0
    for installments, every, weight in drawn:
        parts.append(Part(installments, every, "months", offset, Fraction(weight, weights)))
        offset += installments * every
    return Parts(tuple(parts), draw(st.sampled_from(PART_ALLOCATIONS)), "vesting-start"), \
        weights * draw(st.integers(1, 300))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schedules_of_parts(), days, st.integers(1, 28))
def test_a_schedule_of_parts_exported_and_imported_vests_the_same(drawn: tuple[Parts, int], granted: date,
                                                                   day: int) -> None:
    schedule, shares = drawn
    commencement = granted.replace(day=day)
    folder = Path(tempfile.mkdtemp(prefix="ocf-parts-"))
    try:
        terms = Item("VestingTerms.ocf.json", "$.items[0]", {"id": "gen", "name": "generated", "description": "x"})
        (folder / "gen.contract").write_text(form_text("gen.option", terms, schedule, "option",
                                                       ("non_qualified", False, ()), "Gen, Inc."))
        grant = {"id": "G", "stakeholder": "holder", "shares": str(shares), "grant_date": granted.isoformat(),
                 "commencement": commencement.isoformat(), "exercise_price": "USD 1.00", "expiration": "2099-01-01"}
        _table(folder / "grants.csv", [grant], list(grant))
        ocf.write(folder / "gen.contract", folder / "grants.csv", None, "2099-01-01").write(folder / "pkg")
        imported = ocf.read(folder / "pkg")
        assert imported.unmapped == ()
        original = optionrules.grants.load_grants(folder / "gen.contract", folder / "grants.csv")["G"]
        back = contract_of(imported.forms[0])
        dates = sorted({d for d in original.plan().dates} | {d - timedelta(days=1) for d in original.plan().dates})
        assert [original.evaluate([], d).vested for d in dates] == [back.evaluate([], d).vested for d in dates]
        assert original.evaluate([], dates[-1]).vested == shares
    finally:
        shutil.rmtree(folder)


@pytest.mark.parametrize("award", ["rsu", "restricted_stock"])
def test_rsu_and_restricted_stock_forms_export_and_come_back(tmp_path: Path, award: str) -> None:
    imported = ocf.read(SAMPLES)
    imported.write(tmp_path / "in")
    stem = f"4yr_1yr_cliff_schedule.{award}"
    exported = ocf.write(tmp_path / "in" / f"{stem}.contract", tmp_path / "in" / f"{stem}.grants.csv",
                         tmp_path / "in" / f"{stem}.events.csv", "2030-01-01")
    exported.write(tmp_path / "out")  # validated against the schemas
    kinds = [t["object_type"] for t in exported.files["Transactions.ocf.json"]["items"]]
    assert kinds == ["TX_STOCK_ISSUANCE" if award == "restricted_stock" else "TX_EQUITY_COMPENSATION_ISSUANCE",
                     "TX_VESTING_START"]
    back = ocf.read(tmp_path / "out")
    assert [f.grants for f in back.forms] == [next(f.grants for f in imported.forms if f.award == award)]
    # only what the language has no place for comes back listed: the stock class a stock issuance must name
    assert [u.object_id for u in back.unmapped] == (["common"] if award == "restricted_stock" else [])


def test_export_of_a_contract_that_is_not_a_form_is_refused(tmp_path: Path, capsys: Any) -> None:
    agreement = Path(__file__).parent.parent / "contracts" / "capstone_liggett_2002.contract"
    assert main(["ocf", "export", str(agreement), "--grants", str(ACME / "acme_grants.csv"), "--as-of",
                 "2025-01-01", "--out", str(tmp_path / "out")]) == 2
    assert "is not a form" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_json_nested_too_deeply_is_refused(tmp_path: Path) -> None:
    folder = package(tmp_path / "p", [], [])
    (folder / "Stakeholders.ocf.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(OcfError, match=r"nested too deeply|not JSON"):
        ocf.read(folder)
