"""Benchmarks: every figure is reported beside a baseline measured in the same run.

    python benchmarks/run.py            (or `make bench`)

- cold `optionrules check` of the reference agreement, beside a bare `python -c "import lark"`
  (target: under 2x);
- parse + check in-process (no baseline: reported for trend);
- one (timeline, as-of) query after compilation, beside the hand-written evaluator of
  `handwritten.py` (target: within 5x);
- a what-if sweep over every day of the term x the 5 termination reasons, beside the same loop
  over the hand-written evaluator (target: under 2 s);
- a full `verify` of the reference agreement (target: under a minute), unless --quick;
- whole cap tables (`cap_tables.py`: a million grants, with Dask), with the [portfolio] extra.

The machine has 2 cores: runs are sequential, and the statistic is the fastest of
interleaved runs (the estimate least disturbed by whatever else the machine is doing), so that
both sides see the same load.
"""

from __future__ import annotations

import compileall
import os
import subprocess
import sys
import time
import timeit
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

import handwritten  # noqa: E402

import optionrules  # noqa: E402
from optionrules.check import check_source  # noqa: E402

CONTRACT = ROOT / "contracts" / "capstone_liggett_2002.contract"
BIN = Path(sys.executable).parent


def _run(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def cold_check(runs: int = 30) -> tuple[float, float]:
    """Wall time of a fresh `optionrules check` and of a fresh `python -c "import lark"`: the fastest of
    interleaved runs, the estimate least disturbed by whatever else the machine is doing."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its bytecode, as lark's has
    compileall.compile_dir(str(ROOT / "optionrules"), quiet=1)
    check = [str(BIN / "optionrules"), "check", str(CONTRACT)]
    lark = [sys.executable, "-c", "import lark"]
    _run(check, env), _run(lark, env)  # warm the grammar cache and the file system
    ours, baseline = [], []
    for _ in range(runs):
        ours.append(_run(check, env))
        baseline.append(_run(lark, env))
    return min(ours), min(baseline)


def parse_and_check(runs: int = 50) -> float:
    text = CONTRACT.read_text(encoding="utf-8")
    check_source(text, str(CONTRACT))
    return min(timeit.repeat(lambda: check_source(text, str(CONTRACT)), number=1, repeat=runs))


def query(number: int = 10000) -> tuple[float, float]:
    """Seconds per query: the engine's and the hand-written function's, on the same timeline and date."""
    contract = optionrules.load(CONTRACT)
    timeline = contract.timeline([{"date": "2004-03-15", "event": "termination", "reason": "without_cause"}])
    as_of = date(2004, 3, 20)
    ours = contract.evaluate(timeline, as_of)
    theirs = handwritten.figures(timeline.events, as_of)
    assert ours.vested == theirs["vested"] == 1_263_448, "the engine and the baseline disagree"

    def engine() -> object:
        return contract.evaluate(timeline, as_of)

    def baseline() -> object:
        return handwritten.figures(timeline.events, as_of)

    ours_t, base_t = [], []
    for _ in range(30):  # interleaved batches: both sides see the same load
        ours_t.append(timeit.timeit(engine, number=number))
        base_t.append(timeit.timeit(baseline, number=number))
    return min(ours_t) / number, min(base_t) / number


def sweep() -> tuple[float, float, int]:
    """Seconds for the whole sweep: the engine's `whatif`, and the same loop over the hand-written function."""
    contract = optionrules.load(CONTRACT)
    reasons = "without_cause,resignation,cause,death,disability"
    vary = ["termination.date=2002-11-21..2012-11-20", f"termination.reason={reasons}"]
    contract.whatif([], vary)  # compiled once; then timed
    start = time.perf_counter()
    rows = contract.whatif([], vary).rows
    ours = time.perf_counter() - start
    timelines = [contract.timeline([{"date": row["termination.date"], "event": "termination",
                                     "reason": row["termination.reason"]}]) for row in rows]
    start = time.perf_counter()
    for row, timeline in zip(rows, timelines):
        theirs = handwritten.figures(timeline.events, row["as_of"])
    base = time.perf_counter() - start
    assert theirs["vested"] == rows[-1]["vested"], "the engine and the baseline disagree"
    return ours, base, len(rows)


def verify_reference() -> float:
    from optionrules.verify import verify

    return verify(optionrules.load(CONTRACT)).seconds


def main() -> int:
    rows = []
    ours, baseline = cold_check()
    rows.append(("cold `optionrules check` (reference agreement)", f"{ours * 1000:.1f} ms",
                 f"`python -c 'import lark'` {baseline * 1000:.1f} ms", ours / baseline, 2.0))
    rows.append(("parse + check in-process", f"{parse_and_check() * 1000:.2f} ms", "", None, None))
    ours, baseline = query()
    rows.append(("query: 1 termination, 1 as-of, after compile", f"{ours * 1e6:.2f} us",
                 f"hand-written {baseline * 1e6:.2f} us", ours / baseline, 5.0))
    ours, baseline, count = sweep()
    rows.append((f"whatif sweep: {count:,} evaluations (every day x 5 reasons)", f"{ours:.2f} s",
                 f"hand-written loop {baseline:.3f} s", ours / baseline, None))
    if "--quick" not in sys.argv:
        rows.append(("verify the reference agreement (every core)", f"{verify_reference():.1f} s", "", None, None))
    width = max(len(r[0]) for r in rows)
    for name, value, base, ratio, target in rows:
        verdict = ""
        if ratio is not None:
            verdict = f"ratio {ratio:.2f}x"
        if ratio is not None and target is not None:
            verdict += f" (target < {target:g}x: {'met' if ratio < target else 'MISSED'})"
        print(f"{name:<{width}}  {value:>10}  {base:<32} {verdict}".rstrip())
    print()
    import cap_tables

    return cap_tables.main()


if __name__ == "__main__":
    sys.exit(main())
