"""A royalty run against the local store: its reads do not grow with sales, and a whole run
costs little more than reading its inputs.

1. Reads vs sales: the same production (3 contributions) with 1,000 and then with 100,000 sales
   in one period, each in a fresh store; the run's DynamoDB read operations (GetItem,
   BatchGetItem, Query, Scan), counted by `dynamodb_counter`, must be equal — a run reads
   per-period totals, never sales. Sales are seeded as the webhooks leave them (a ledger entry
   each plus the period's and the production's totals), written in bulk to save time.
2. Scale: a production with 10,000 contributions over a 100,000-node lineage DAG (the
   `royalty_compute` graph, owned by 1,000 members), released — so its lineage within 8 levels
   of its contributions is frozen — with sales in three months. Each month's run is timed
   against reading the run's inputs from the same store just before (the production list, the
   period totals, the contribution list, the frozen lineage, the previous split, the balances),
   under the same conditions (the run pauses the cyclic garbage collector, so the reading is
   timed with it paused too); budget: run ≤ 1.2 × reading, the medians of the three months.
   The reading with the collector running, as plain code would do it, is reported beside it.

Runs in a fresh interpreter (`python -m bench.royalty_run`), as `record_round_trips`.
"""
from __future__ import annotations

import statistics
import sys
import time
from dataclasses import dataclass

from bench.support import app_output_held_back, counted_app, describe_operations, run_fresh

FEW_SALES, MANY_SALES = 1_000, 100_000
OWNERS = 1_000
MONTHS = ("2026-08", "2026-09", "2026-10")
MAX_RATIO = 1.2
READS = ("GetItem", "BatchGetItem", "Query", "Scan")


def run(runs: int = 9) -> bool:
    """Measures in a fresh interpreter (see the module's doc); `runs` does not apply here."""
    return run_fresh("bench.royalty_run")


@dataclass(frozen=True)
class Result:
    reads_few: dict[str, int]
    reads_many: dict[str, int]
    nodes: int  # records in the frozen lineage
    contributions: int
    read_seconds: tuple[float, ...]
    run_seconds: tuple[float, ...]
    plain_read_seconds: tuple[float, ...]  # the collector running

    @property
    def ratio(self) -> float:
        return statistics.median(self.run_seconds) / statistics.median(self.read_seconds)

    @property
    def reads_flat(self) -> bool:
        return self.reads_few == self.reads_many

    @property
    def passed(self) -> bool:
        return self.reads_flat and self.ratio <= MAX_RATIO


def measure() -> Result:
    from chalicelib import services

    with counted_app() as (app, client, counter):
        reads_few = _reads_of_a_run(counter, FEW_SALES)
        _fresh_store(counter)
        reads_many = _reads_of_a_run(counter, MANY_SALES)
        _fresh_store(counter)
        production, lineage, contributions = _big_production()
        read_seconds, run_seconds, plain_read_seconds = [], [], []
        for month in MONTHS:
            _seed_sales(production.id, month, 10, 123_456)
            plain_read_seconds.append(_timed(_read_inputs, production, month, False))
            read_seconds.append(_timed(_read_inputs, production, month))
            services.royalties().begin_closing(month)  # what POST /royalty-runs does before queueing it
            run_seconds.append(_timed(_run, month))
        return Result(reads_few, reads_many, len(lineage), contributions, tuple(read_seconds), tuple(run_seconds),
                      tuple(plain_read_seconds))


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
    production = _production("Few", {"01JDZ000000000000000000001": 1, "01JDZ000000000000000000002": 2,
                                     "01JDZ000000000000000000003": 3})
    _seed_sales(production.id, MONTHS[0], sales, 1_000)
    from chalicelib import services

    services.royalties().begin_closing(MONTHS[0])
    with counter.measure() as calls:
        _run(MONTHS[0])
    return {op: n for op, n in calls.by_operation.items() if op in READS}


def _production(title: str, weights: dict[str, int], sources: dict[str, tuple[str, ...]] | None = None):
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
    return repository.release(production, freeze_ancestors(weights, _graph_fetch(sources or {}), MAX_DEPTH))


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

    graph = generate()
    production = _production("Big", graph.contributions, graph.sources)
    from chalicelib import services

    return production, services.productions().frozen_lineage(production), len(graph.contributions)


def _seed_sales(production_id: str, period: str, count: int, amount: int) -> None:
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


def _read_inputs(production, period: str, as_the_run_does: bool = True) -> None:
    """What a run reads, and nothing else; as the run does it (the collector paused) or plainly."""
    import contextlib

    from chalicelib import services
    from chalicelib.jobs.royalties import gc_paused

    book, productions = services.royalties(), services.productions()
    with gc_paused() if as_the_run_does else contextlib.nullcontext():
        book.get_run(period)
        productions.all_productions()
        productions.period_totals(production.id)
        productions.contributions(production)
        productions.frozen_lineage(production)
        book.previous_split(production.id, period)
        book.carried_before(period)


def _run(period: str) -> None:
    from chalicelib import services
    from chalicelib.jobs.royalties import run_period

    run_period(period)
    if services.royalties().get_run(period).status != "closed":
        raise RuntimeError(f"the run of {period} did not close")


def _timed(function, *args) -> float:
    """Seconds `function(*args)` took."""
    started = time.perf_counter()
    function(*args)
    return time.perf_counter() - started


def report(result: Result) -> bool:
    print("royalty run against the local store")
    print(f"  reads of a run, {FEW_SALES:,} sales:   {describe_operations(result.reads_few)}")
    print(f"  reads of a run, {MANY_SALES:,} sales: {describe_operations(result.reads_many)}   "
          f"{'same: PASS' if result.reads_flat else 'DIFFERENT: FAIL'}")
    print(f"  scale: {result.contributions:,} contributions, {result.nodes:,} records in the frozen lineage, "
          f"{OWNERS:,} owners")
    for month, read, ran, plain in zip(MONTHS, result.read_seconds, result.run_seconds, result.plain_read_seconds):
        print(f"    {month}: reading the inputs {read:.2f} s, the whole run {ran:.2f} s  ({ran / read:.2f}x); "
              f"reading them with the collector running {plain:.2f} s")
    print(f"  ratio (medians) {result.ratio:.2f}   budget <= {MAX_RATIO}  {'PASS' if result.ratio <= MAX_RATIO else 'FAIL'}")
    return result.passed


def main() -> int:
    with app_output_held_back():
        result = measure()
    return 0 if report(result) else 1


if __name__ == "__main__":
    sys.exit(main())
