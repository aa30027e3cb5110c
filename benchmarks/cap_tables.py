"""Portfolio benchmarks: whole cap tables of the Acme form, each figure beside a baseline measured in the same run.

    python benchmarks/cap_tables.py [--quick]       (also part of `make bench`)

- 1,000,000 grants from Parquet, one as-of date, no events: `optionrules portfolio` end to end (target: 10 s),
  and in-process beside a hand-written numpy computation of the same figures (target: within 3x);
- the same with a termination for 10% of the grants (target: 15 s);
- loading 10,000 grants from CSV with `grants.load_grants`, beside reading the same file with `csv.reader`
  (target: 0.5 s);
- the peak memory of the 1,000,000-grant command (target: 2 GiB), beside the grants' Arrow table;
- the 1,000,000 grants on a 2-worker LocalCluster beside the local columnar run of the same dataset (target:
  within 1.5x), and how the Dask run scales with the number of partitions.

The machine has 2 cores shared with others: each figure is the median of interleaved runs. `--quick`: 100,000
grants instead of 1,000,000 (the targets are for a million).
"""

from __future__ import annotations

import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
FORM = ROOT / "contracts" / "acme" / "acme_option_form.contract"
BIN = Path(sys.executable).parent
AS_OF = date(2026, 3, 31)
EPOCH = date(1970, 1, 1).toordinal()
REASONS = ("without_cause", "resignation", "cause", "death", "disability")


def make_grants(n: int, path: Path, seed: int = 1) -> pa.Table:
    """n grants of the Acme form: granted 2015-2025, commencing up to 90 days before, 4,800 to 100,047 shares."""
    rng = np.random.default_rng(seed)
    granted = rng.integers(date(2015, 1, 1).toordinal(), date(2025, 12, 31).toordinal(), n)
    starts = granted - rng.integers(0, 90, n)
    table = pa.table({
        "id": pa.array([f"G{i:07d}" for i in range(n)]), "optionee": pa.array(["Holder"] * n),
        "shares": pa.array(rng.choice([4_800, 9_600, 12_000, 24_000, 48_000, 100_000], n) + rng.integers(0, 48, n)),
        "grant_date": pa.array((granted - EPOCH).astype(np.int32), pa.date32()),
        "commencement": pa.array((starts - EPOCH).astype(np.int32), pa.date32()),
        "exercise_price": pa.array(["USD 1.25"] * n),
        "department": pa.array(rng.choice(["engineering", "sales", "operations", "g&a"], n)),
    })
    pq.write_table(table, path)
    return table


def make_terminations(grants: pa.Table, share: float, path: Path, seed: int = 2) -> None:
    """A termination for `share` of the grants, on a day between the commencement and the as-of date."""
    rng = np.random.default_rng(seed)
    n = grants.num_rows
    chosen = np.flatnonzero(rng.random(n) < share)
    starts = grants.column("commencement").to_numpy().astype("datetime64[D]").astype(np.int64)[chosen]
    span = np.maximum(1, (AS_OF.toordinal() - EPOCH) - starts)
    days = starts + (rng.random(len(chosen)) * span).astype(np.int64)
    pq.write_table(pa.table({
        "grant_id": grants.column("id").take(pa.array(chosen)), "date": pa.array(days.astype(np.int32), pa.date32()),
        "event": pa.array(["termination"] * len(chosen)),
        "reason": pa.array(rng.choice(REASONS, len(chosen))),
    }), path)


def handwritten(path: Path, as_of: date) -> dict[str, int]:
    """The Acme form's figures for every grant with no event, in numpy, by hand: 48 monthly installments from the
    commencement (the day of the month, or the month's last day), a 12-month cliff, each installment
    floor(shares / 48) and the remainder on the last; the option expires ten years after the grant date."""
    table = pq.read_table(path, columns=["shares", "grant_date", "commencement"])
    shares = table.column("shares").to_numpy()
    start = table.column("commencement").to_numpy().astype("datetime64[D]")
    granted = table.column("grant_date").to_numpy().astype("datetime64[D]")
    day = np.datetime64(as_of)

    def plus_months(days: np.ndarray, months: np.ndarray | int) -> np.ndarray:
        month = days.astype("datetime64[M]")
        into = (days - month.astype("datetime64[D]")).astype(np.int64)
        target = month + months
        length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(np.int64)
        return target.astype("datetime64[D]") + np.minimum(into, length - 1)

    months = (day.astype("datetime64[M]") - start.astype("datetime64[M]")).astype(np.int64)
    k = np.clip(months, 0, 48)
    k = k - ((k > 0) & (plus_months(start, k) > day))
    k = np.where(day < plus_months(start, 12), 0, k)
    each = shares // 48
    vested = each * k + np.where(k == 48, shares - each * 48, 0)
    expired = day > plus_months(granted, 120)
    exercisable = np.where(expired, 0, vested)
    unvested = np.where(expired, 0, shares - vested)
    return {"granted": int(shares.sum()), "vested": int(vested.sum()), "exercisable": int(exercisable.sum()),
            "unvested": int(unvested.sum()), "expired": int(np.where(expired, shares, 0).sum())}


def engine(path: Path | str, as_of: date, events: Path | None = None, client: object = None) -> dict[str, int]:
    from optionrules import portfolio

    result = portfolio.evaluate(FORM, path, events, as_of=as_of, client=client)
    assert result.problems == [], result.problems[:3]
    totals = result.totals().iloc[0]
    return {name: int(totals[name]) for name in ("granted", "vested", "exercisable", "unvested", "expired")}


def command(*args: str) -> tuple[float, float]:
    """Seconds and peak MiB of `optionrules portfolio ...` in a fresh process."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        child = subprocess.Popen([str(BIN / "optionrules"), "portfolio", str(FORM), *args],
                                 stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        errors.seek(0)
        assert os.waitstatus_to_exitcode(status) == 0, errors.read().decode()
    return seconds, usage.ru_maxrss / 1024


def median(runs: int, *timed: Callable[[], object]) -> list[float]:
    """The median seconds of each callable over interleaved runs."""
    seconds: list[list[float]] = [[] for _ in timed]
    for _ in range(runs):
        for i, f in enumerate(timed):
            start = time.perf_counter()
            f()
            seconds[i].append(time.perf_counter() - start)
    return [statistics.median(s) for s in seconds]


def main() -> int:
    quick = "--quick" in sys.argv
    n = 100_000 if quick else 1_000_000
    rows = Rows()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        grants = make_grants(n, work / "grants.parquet")
        make_terminations(grants, 0.10, work / "terminations.parquet")
        out = str(work / "rows.parquet")
        assert engine(work / "grants.parquet", AS_OF) == handwritten(work / "grants.parquet", AS_OF), \
            "the engine and the baseline disagree"
        ours, base = median(3, lambda: engine(work / "grants.parquet", AS_OF),
                            lambda: handwritten(work / "grants.parquet", AS_OF))
        rows.append((f"{n:,} grants in-process, no events", f"{ours:.2f} s", f"hand-written numpy {base:.2f} s",
                     ours / base, "< 3x"))
        runs = [command("--grants", str(work / "grants.parquet"), "--as-of", AS_OF.isoformat(), "--format",
                        "parquet", "--output", out) for _ in range(3)]
        seconds, peak = statistics.median(r[0] for r in runs), max(r[1] for r in runs)
        rows.append((f"`optionrules portfolio`, {n:,} grants, Parquet in and out", f"{seconds:.2f} s", "", None,
                     "< 10 s"))
        rows.append(("  its peak memory", f"{peak:.0f} MiB", f"the grants' Arrow table {grants.nbytes / 2**20:.0f} "
                     "MiB", None, "< 2048 MiB"))
        runs = [command("--grants", str(work / "grants.parquet"), "--events", str(work / "terminations.parquet"),
                        "--as-of", AS_OF.isoformat(), "--format", "parquet", "--output", out) for _ in range(3)]
        rows.append(("  with a termination for 10% of them", f"{statistics.median(r[0] for r in runs):.2f} s", "",
                     None, "< 15 s"))
        rows += load_csv(work)
        rows += on_dask(work, grants)
    return 0


class Rows(list[tuple[str, str, str, float | None, str]]):
    """The figures, each printed as it is measured (a long run shows its progress)."""

    def append(self, row: tuple[str, str, str, float | None, str]) -> None:
        super().append(row)
        name, value, base, ratio, target = row
        shown = f"ratio {ratio:.2f}x" if ratio is not None else ""
        print(f"{name:<58}  {value:>10}  {base:<36} {shown:<12} target {target}".rstrip(), flush=True)

    def __iadd__(self, rows: object) -> Rows:  # type: ignore[override, misc]
        for row in rows:  # type: ignore[attr-defined]
            self.append(row)
        return self


def load_csv(work: Path) -> list[tuple[str, str, str, float | None, str]]:
    from optionrules.grants import load_grants

    table = pq.read_table(work / "grants.parquet").slice(0, 10_000)
    path = work / "grants.csv"
    with open(path, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "optionee", "shares", "grant_date", "commencement", "exercise_price"])
        for r in table.to_pylist():
            writer.writerow([r["id"], r["optionee"], f"{r['shares']:,}", r["grant_date"], r["commencement"],
                             r["exercise_price"]])
    (work / "acme_option_form.contract").write_text(FORM.read_text())
    (work / "acme_2021_plan.contract").write_text((FORM.parent / "acme_2021_plan.contract").read_text())
    load_grants(work / "acme_option_form.contract", path)  # warm: the parser's tables, the imports

    def bare() -> None:
        with open(path, newline="") as file:
            for _ in csv.reader(file):
                pass

    ours, base = median(5, lambda: load_grants(work / "acme_option_form.contract", path), bare)
    return [("load_grants: 10,000 grants from CSV", f"{ours:.3f} s", f"csv.reader over the file {base:.3f} s",
             ours / base, "< 0.5 s")]


def on_dask(work: Path, grants: pa.Table) -> list[tuple[str, str, str, float | None, str]]:
    from distributed import Client, LocalCluster

    rows: list[tuple[str, str, str, float | None, str]] = []
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None, silence_logs=40) as cluster, \
            Client(cluster) as client:
        for parts in (2, 4, 8, 16):
            folder = work / f"dataset-{parts}"
            folder.mkdir()
            size = -(-grants.num_rows // parts)
            for i in range(parts):
                pq.write_table(grants.slice(i * size, size), folder / f"part-{i:03d}.parquet")
            engine(folder, AS_OF, client=client)  # warm the workers: imports, the form
            local, remote = median(3, lambda at=folder: engine(at, AS_OF),
                                   lambda at=folder: engine(at, AS_OF, client=client))
            rows.append((f"2-worker LocalCluster, {parts} partitions", f"{remote:.2f} s",
                         f"local columnar run {local:.2f} s", remote / local, "< 1.5x" if parts == 4 else "trend"))
    return rows


if __name__ == "__main__":
    sys.exit(main())
