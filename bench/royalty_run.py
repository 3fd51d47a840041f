"""A royalty run against the local store: its reads do not grow with sales, and a whole run at
scale fits in a second and in half a gigabyte.

1. Reads vs sales: the same production (3 contributions) with 1,000 and then with 100,000 sales
   in one period, each in a fresh store; the run's DynamoDB read operations (GetItem,
   BatchGetItem, Query, Scan), counted by `dynamodb_counter`, must be equal — a run reads
   per-period totals, never sales. Sales are seeded as the webhooks leave them (a ledger entry
   each plus the period's and the production's totals), written in bulk to save time.
2. Scale: a production with 10,000 contributions over a lineage DAG generated as
   `royalty_compute`'s (owned by 1,000 members), released — so its lineage within 8 levels of
   its contributions is frozen — with sales in seven months. The graph has 170,000 records so
   that what release freezes, the lineage the run reads and splits, holds at least 100,000.
   The first month runs untimed, so that every timed run also reads the split and balances of
   a previous close and credits the difference, as every run after a production's first does.
   The next five months' whole runs (`run_period` and its one batch's worker, `close_batch`:
   the reads, the split, the figures and lines, the statements and payouts, the close) are
   timed: on the wall clock, in this thread's CPU (the app's own work, its SDK's included), and
   in the emulator's CPU (moto's process, read from /proc), with the AWS requests the run sent
   (DynamoDB and SQS, counted at botocore's HTTP layer) and their bodies both ways.

   Budget: the run's own time, the fastest of the five ≤ 1 s (as in `royalty_compute`: noise on
   a shared machine only adds time; the median is printed beside it). Its own time is the wall
   clock less the emulator's CPU, and never less than this thread's CPU. The emulator is a
   second Python process on the same two cores, and the run waits for it at every request in
   turn: it spends ~4 ms of CPU on a GetItem and ~50 ms on a transaction of 100 puts, ~0.5 s of
   a run, work that DynamoDB does on its own servers. What is left is what the function does;
   deployed, DynamoDB's answers (single-digit milliseconds each) come on top of it, and the
   wall clock is printed beside it. The last month's run is measured for memory: the peak of
   `tracemalloc` over it, the most Python memory allocated since the run started and alive at
   one moment, in this process (what the emulator allocates counts too when it shares the
   process, which then overstates the function's own); budget ≤ 512 MB. Tracing slows the run,
   so that run is not timed.

Runs in a fresh interpreter (`python -m bench.royalty_run`), as `record_round_trips`.
"""
from __future__ import annotations

import statistics
import sys
import time
from dataclasses import dataclass

from bench.support import (
    aws_requests_counted, close_royalty_run, counted_app, describe_operations, emulator_cpu_seconds, measure_and_report,
    run_fresh,
)

FEW_SALES, MANY_SALES = 1_000, 100_000
OWNERS = 1_000
GRAPH_NODES = 170_000
LINEAGE_NODES = 100_000  # the least the frozen lineage must hold
FIRST_MONTH = "2026-03"  # run untimed: the timed ones have a previous split and balances to read
MONTHS = ("2026-04", "2026-05", "2026-06", "2026-07", "2026-08")
TRACED_MONTH = "2026-09"
MAX_RUN_SECONDS = 1.0
MAX_PEAK_BYTES = 512 * 2**20
MB = 2**20
READS = ("GetItem", "BatchGetItem", "Query", "Scan")


def run(runs: int = 9) -> bool:
    """Measures in a fresh interpreter (see the module's doc); `runs` does not apply here."""
    return run_fresh("bench.royalty_run")


@dataclass(frozen=True)
class Timing:
    """One whole run."""

    wall: float
    cpu: float  # its own: this thread's CPU, its SDK work included
    emulator_cpu: float  # moto's process, meanwhile
    requests: int  # AWS requests it sent
    megabytes: float  # their bodies, both ways

    @property
    def own(self) -> float:
        """The wall clock without the emulator's work, and never less than the run's own CPU."""
        return max(self.wall - self.emulator_cpu, self.cpu)


@dataclass(frozen=True)
class Result:
    reads_few: dict[str, int]
    reads_many: dict[str, int]
    nodes: int  # records in the frozen lineage
    contributions: int
    runs: tuple[Timing, ...]  # one whole run per month
    peak_bytes: int  # tracemalloc's peak over the traced month's run

    @property
    def reads_flat(self) -> bool:
        return self.reads_few == self.reads_many

    @property
    def at_scale(self) -> bool:
        return self.nodes >= LINEAGE_NODES

    @property
    def seconds(self) -> float:
        return min(run.own for run in self.runs)

    @property
    def fast(self) -> bool:
        return self.seconds <= MAX_RUN_SECONDS

    @property
    def small(self) -> bool:
        return self.peak_bytes <= MAX_PEAK_BYTES

    @property
    def passed(self) -> bool:
        return self.reads_flat and self.at_scale and self.fast and self.small


def measure() -> Result:
    from chalicelib import services

    with counted_app() as (app, client, counter):
        reads_few = _reads_of_a_run(counter, FEW_SALES)
        _fresh_store(counter)
        reads_many = _reads_of_a_run(counter, MANY_SALES)
        _fresh_store(counter)
        production, lineage, contributions = _big_production()
        runs = []
        for month in (FIRST_MONTH, *MONTHS, TRACED_MONTH):
            seed_sales(production.id, month, 10, 123_456)
            services.royalties().begin_closing(month)  # what POST /royalty-runs does before queueing it
            if month == FIRST_MONTH:
                _run(month)
            elif month == TRACED_MONTH:
                peak_bytes = _peak_bytes(_run, month)
            else:
                runs.append(_timed(_run, month))
        return Result(reads_few, reads_many, len(lineage), contributions, tuple(runs), peak_bytes)


def _fresh_store(counter) -> None:
    """Forgets everything (moto's reset API, through the counter) and creates the resources again."""
    import urllib.request

    from chalicelib.config import get_settings
    from chalicelib.services import FACTORIES
    from chalicelib.storage.bootstrap import create_all

    urllib.request.urlopen(urllib.request.Request(f"{counter.endpoint}/moto-api/reset", method="POST")).read()
    create_all(get_settings())
    for factory in FACTORIES:
        factory.cache_clear()


def _reads_of_a_run(counter, sales: int) -> dict[str, int]:
    production = released_production("Few", {"01JDZ000000000000000000001": 1, "01JDZ000000000000000000002": 2,
                                     "01JDZ000000000000000000003": 3})
    seed_sales(production.id, MONTHS[0], sales, 1_000)
    from chalicelib import services

    services.royalties().begin_closing(MONTHS[0])
    with counter.measure() as calls:
        _run(MONTHS[0])
    return {op: n for op, n in calls.by_operation.items() if op in READS}


def released_production(title: str, weights: dict[str, int], sources: dict[str, tuple[str, ...]] | None = None):
    from chalicelib import services
    from chalicelib.domain.ids import new_id_with_time
    from chalicelib.domain.lineage import freeze_ancestors
    from chalicelib.domain.productions import Contribution, Production
    from chalicelib.domain.royalties import MAX_DEPTH

    production_id, now = new_id_with_time()
    production = Production(id=production_id, title=title, format="album", currency="USD", producer_sub="bench",
                            producer_id="bench", producer_handle="bench", created_at=now, updated_at=now)
    repository = services.productions()
    repository.create(production)
    production = repository.replace_contributions(production, [Contribution(r, w) for r, w in weights.items()])
    # What release freezes: the contributions and their ancestors within 8 levels.
    lineage = freeze_ancestors(weights, _graph_fetch(sources or {}), MAX_DEPTH)
    if hasattr(repository, "release"):
        return repository.release(production, lineage)
    return _released(repository, production, lineage)


def _released(repository, production, lineage):
    """What a release leaves once its proposal has passed: the lineage frozen beside the current
    contribution list, and the production released (written directly: the proposal's window,
    objections and grants are not what this benchmark measures)."""
    from chalicelib.domain.clock import now_rfc3339
    from chalicelib.domain.production_names import RELEASED
    from chalicelib.storage.models import ProductionItem

    repository.save_lineage(production.id, production.contributions_version, lineage)
    now = now_rfc3339()
    ProductionItem(*ProductionItem.key(production.id)).update(
        actions=[ProductionItem.status.set(RELEASED), ProductionItem.released_at.set(now),
                 ProductionItem.updated_at.set(now)])
    return production.changed(status=RELEASED, released_at=now, updated_at=now)


def _graph_fetch(sources: dict[str, tuple[str, ...]]):
    """`fetch(ids)` over the generated graph, as release reads records from the store; 1,000 owners."""
    from chalicelib.domain.records import READY, Record

    def record(record_id: str) -> Record:
        owner = f"member{int(record_id[-6:]) % OWNERS:04d}"
        return Record(id=record_id, kind="text", title=f"Record {record_id[-6:]}", owner_id=owner,
                      owner_handle=owner, owner_sub=owner, status=READY, created_at="", updated_at="",
                      sources=sources.get(record_id, ()))

    return lambda ids: {record_id: record(record_id) for record_id in ids}


def _big_production():
    from bench.royalty_compute import generate

    graph = generate(nodes=GRAPH_NODES)
    production = released_production("Big", graph.contributions, graph.sources)
    from chalicelib import services

    return production, services.productions().frozen_lineage(production), len(graph.contributions)


def seed_sales(production_id: str, period: str, count: int, amount: int) -> None:
    """`count` sales as the webhooks leave them: an entry each, and the totals they add to."""
    from chalicelib.domain.ids import new_id
    from chalicelib.storage.models import LedgerEntryItem, PeriodTotalsItem, ProductionItem

    when = f"{period}-15T12:00:00.000Z"
    with LedgerEntryItem.batch_write() as batch:
        for _ in range(count):
            entry_id = new_id()
            batch.save(LedgerEntryItem(*LedgerEntryItem.key(production_id, entry_id), entry_id=entry_id, kind="sale",
                                       amount=amount, currency="USD", period=period, event_time=when,
                                       booked_at=when, provider="stripe", external_id=f"pi_{entry_id}"))
    PeriodTotalsItem(*PeriodTotalsItem.key(production_id, period)).update(
        actions=[PeriodTotalsItem.sales.add(count * amount)])
    ProductionItem(*ProductionItem.key(production_id)).update(actions=[ProductionItem.sales.add(count * amount)])


def _run(period: str) -> None:
    """The whole run as deployed: the run function, then its one batch closed by one worker."""
    from app import app

    close_royalty_run(app, period)


def _timed(function, *args) -> Timing:
    """`function(*args)` timed on the wall clock, in this thread's CPU and in the emulator's, with
    the AWS requests it sent."""
    with aws_requests_counted() as sent:
        started, cpu, emulator = time.perf_counter(), time.thread_time(), emulator_cpu_seconds() or 0.0
        function(*args)
        wall, cpu = time.perf_counter() - started, time.thread_time() - cpu
        emulator = (emulator_cpu_seconds() or 0.0) - emulator  # 0 without /proc: the wall clock alone
    return Timing(wall, cpu, emulator, sent.requests, sent.bytes / MB)


def _peak_bytes(function, *args) -> int:
    """tracemalloc's peak while `function(*args)` ran: the most allocated since it started."""
    import tracemalloc

    tracemalloc.start()
    try:
        function(*args)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def report(result: Result) -> bool:
    print("royalty run against the local store")
    print(f"  reads of a run, {FEW_SALES:,} sales:   {describe_operations(result.reads_few)}")
    print(f"  reads of a run, {MANY_SALES:,} sales: {describe_operations(result.reads_many)}   "
          f"{'same: PASS' if result.reads_flat else 'DIFFERENT: FAIL'}")
    print(f"  scale: {result.contributions:,} contributions, {result.nodes:,} records in the frozen lineage "
          f"(of a {GRAPH_NODES:,}-record graph), {OWNERS:,} owners   >= {LINEAGE_NODES:,} records: "
          f"{_verdict(result.at_scale)}")
    for month, run in zip(MONTHS, result.runs):
        print(f"    {month}: its own {run.own:.2f} s = the wall clock {run.wall:.2f} s - the emulator's CPU "
              f"{run.emulator_cpu:.2f} s (its own CPU {run.cpu:.2f} s; {run.requests} requests, {run.megabytes:.1f} MB)")
    walls = [run.wall for run in result.runs]
    print(f"  on the wall clock, the emulator's work included: fastest {min(walls):.2f} s, "
          f"median {statistics.median(walls):.2f} s")
    print(f"  whole run, its own time, fastest of {len(result.runs)} {result.seconds:.2f} s "
          f"(median {statistics.median(run.own for run in result.runs):.2f} s)   budget <= {MAX_RUN_SECONDS:.1f} s  "
          f"{_verdict(result.fast)}")
    print(f"  peak memory ({TRACED_MONTH}'s run, tracemalloc peak) {result.peak_bytes / MB:.0f} MB   "
          f"budget <= {MAX_PEAK_BYTES // MB} MB  {_verdict(result.small)}")
    return result.passed


if __name__ == "__main__":
    sys.exit(measure_and_report(measure, report))
