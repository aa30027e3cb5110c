"""Portfolios beyond one machine: partitions of a Parquet dataset, and batches of scenarios, as Dask tasks.

    from distributed import Client
    client = Client("tcp://scheduler:8786")          # or connect("local:2") for a cluster on this machine
    optionrules.portfolio.evaluate(form, "grants/", events="events.parquet", as_of=..., client=client)

Each task runs what the local run runs (`portfolio.evaluate_partition`, `portfolio.run_scenarios`) on its
part: the form (checked once, here, and sent to the workers), a partition's path (read by the worker: the
dataset must be at that path on every worker, a shared file system), and the events (sent once to every
worker). The results are put together as the local run puts them together: they are the same.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Sequence
from typing import Any

from optionrules.binding import Form
from optionrules.errors import QueryError, install_hint
from optionrules.portfolio import (
    Job,
    Portfolio,
    Query,
    Scenario,
    Table,
    combine,
    evaluate_partition,
    partitions,
    run_scenarios,
)
from optionrules.tables import Source

LOCAL = "local:"  # `local:N`: a cluster of N worker processes on this machine
BATCHES_PER_WORKER = 4  # scenario batches: enough to balance the workers, few enough to keep each task long
REPORT_EVERY = 5.0  # seconds between progress lines when not on a terminal


def connect(address: str) -> Any:
    """A client of the scheduler at `address`, or of a new cluster on this machine (`local:N`: N workers, one
    thread each). Raises QueryError where Dask is not installed or the address is not reached."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as error:
        raise QueryError(f"--dask needs dask.distributed: {install_hint('portfolio')} ({error})") from None
    if address.startswith(LOCAL):
        try:
            workers = int(address[len(LOCAL):])
        except ValueError:
            workers = 0
        if workers < 1:
            raise QueryError(f"--dask {address!r}: write local:N, N workers (at least 1)")
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None,
                               silence_logs=40)
        return Client(cluster)
    try:
        return Client(address, timeout=30)
    except (OSError, TimeoutError) as error:
        raise QueryError(f"--dask {address!r}: no Dask scheduler reached there ({error})") from None


def close(client: Any) -> None:
    """Close the client, and the cluster it started (`local:N`)."""
    cluster = getattr(client, "cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()


def evaluate_on(client: Any, form: Form, grants: Table, events: Source | None, query: Query,
                watched: bool = False) -> Portfolio:
    """Each partition of the grants as a task; the results combined as the local run combines them. `watched`:
    show the tasks' progress (`watch`)."""
    parts = partitions(grants)
    form_, events_ = client.scatter([form, events], broadcast=True)
    futures = client.map(evaluate_partition, [form_] * len(parts), parts, [events_] * len(parts),
                         [query] * len(parts), pure=False)
    if watched:
        watch(futures)
    results = client.gather(futures)
    return combine([r for r, _ in results], events, [ids for _, ids in results])


def scenarios_on(client: Any, job: Job, scenarios: Sequence[Scenario], watched: bool = False
                 ) -> list[dict[str, Any]]:
    """Batches of scenarios as tasks (each reads the grants once); the rows in the scenarios' order."""
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    count = min(len(scenarios), workers * BATCHES_PER_WORKER)
    batches = [list(scenarios[i::count]) for i in range(count)]
    job_ = client.scatter(job, broadcast=True)
    futures = client.map(run_scenarios, [job_] * count, batches, pure=False)
    if watched:
        watch(futures)
    done = client.gather(futures)
    rows_per = [len(r) // max(1, len(b)) for r, b in zip(done, batches)]
    ordered: list[dict[str, Any]] = []
    for index in range(len(scenarios)):  # batch i holds scenarios i, i + count, ...: put them back in order
        batch, place, each = index % count, index // count, rows_per[index % count]
        ordered += done[batch][place * each:(place + 1) * each]
    return ordered


def watch(futures: Sequence[Any]) -> None:
    """Dask's own progress bar on a terminal; elsewhere a line every few seconds."""
    from distributed import progress, wait

    if sys.stderr.isatty():
        progress(futures, notebook=False)
        return
    total = len(futures)
    while True:
        with contextlib.suppress(TimeoutError):
            wait(futures, timeout=REPORT_EVERY)
        finished = total - _pending(futures)
        print(f"optionrules: {finished:,}/{total:,} tasks done", file=sys.stderr, flush=True)
        if finished == total:
            return


def _pending(futures: Sequence[Any]) -> int:
    return sum(not f.done() for f in futures)
