"""A royalty run fanned out over workers in parallel, against the same run closed by one worker.

A month with 2,000 released productions (5 contributions each, from 4,000 records in chains of
four owned by 1,000 members, so each freezes a small lineage; one sale each) closes on the local
stack: the run function queues the productions in batches (`logic.royalties.PRODUCTIONS_PER_BATCH`
each), and workers deliver the batches to the worker function as Lambda's concurrency would
(threads calling the handler through the event pump; the emulator is a process of its own).
A first month is closed by one worker (sequential) and the next by `WORKERS` workers
(parallel), each timed on the wall clock from the run function's start to the run's close; the
parallel month also reads each production's previous close (two more Queries a production),
which only counts against it. Budget: parallel faster than sequential (the ratio
sequential / parallel > 1), measured in the same run.

Runs in a fresh interpreter (`python -m bench.royalty_fanout`), as `royalty_run`.
"""
from __future__ import annotations

import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from bench.support import close_royalty_run, forget_endpoints, measure_and_report, run_fresh

PRODUCTIONS = 2_000
RECORDS = 4_000
CONTRIBUTIONS = 5
WORKERS = 8
SEEDERS = 4
SEQUENTIAL_MONTH, PARALLEL_MONTH = "2026-04", "2026-05"


def run(runs: int = 9) -> bool:
    """Measures in a fresh interpreter (see the module's doc); `runs` does not apply here."""
    return run_fresh("bench.royalty_fanout")


@dataclass(frozen=True)
class Result:
    productions: int
    batches: int
    sequential_seconds: float
    parallel_seconds: float

    @property
    def ratio(self) -> float:
        return self.sequential_seconds / self.parallel_seconds

    @property
    def passed(self) -> bool:
        return self.parallel_seconds < self.sequential_seconds


def measure() -> Result:
    from local.aws import EmbeddedAws, use_endpoint

    forget_endpoints()
    aws = EmbeddedAws()
    use_endpoint(aws.start())
    try:
        from app import app
        from chalicelib import services
        from chalicelib.config import get_settings
        from chalicelib.storage.bootstrap import create_all

        create_all(get_settings())
        ids = _seed_productions()
        seconds = {}
        for month in (SEQUENTIAL_MONTH, PARALLEL_MONTH):
            _sell(ids, month)
            services.royalties().begin_closing(month)  # what POST /royalty-runs does before queueing it
            started = time.perf_counter()
            close_royalty_run(app, month, workers=1 if month == SEQUENTIAL_MONTH else WORKERS)
            seconds[month] = time.perf_counter() - started
        run = services.royalties().get_run(PARALLEL_MONTH)
        if run.productions_done != PRODUCTIONS:
            raise RuntimeError(f"the run closed {run.productions_done} of {PRODUCTIONS} productions")
        return Result(PRODUCTIONS, run.batches, seconds[SEQUENTIAL_MONTH], seconds[PARALLEL_MONTH])
    finally:
        aws.stop()


def _seed_productions() -> list[str]:
    """2,000 released productions over a graph of chains: record i remixes record i − 1 unless i
    starts a chain of four."""
    from bench.royalty_run import released_production

    records = [f"01JF{n:022d}" for n in range(RECORDS)]
    sources = {records[n]: (records[n - 1],) for n in range(RECORDS) if n % 4}

    def seed(number: int) -> str:
        weights = {records[(number * CONTRIBUTIONS + k) % RECORDS]: k + 1 for k in range(CONTRIBUTIONS)}
        return released_production(f"Production {number}", weights, sources).id

    with ThreadPoolExecutor(SEEDERS) as pool:
        return list(pool.map(seed, range(PRODUCTIONS)))


def _sell(production_ids: list[str], month: str) -> None:
    from bench.royalty_run import seed_sales

    with ThreadPoolExecutor(SEEDERS) as pool:
        list(pool.map(lambda production_id: seed_sales(production_id, month, 1, 10_000), production_ids))


def report(result: Result) -> bool:
    print("royalty run fanned out over workers, local stack")
    print(f"  {result.productions:,} released productions in {result.batches} batches")
    print(f"  sequential (1 worker):    {result.sequential_seconds:6.2f} s")
    print(f"  parallel ({WORKERS} workers):     {result.parallel_seconds:6.2f} s")
    print(f"  sequential / parallel {result.ratio:.2f}x   budget > 1.00x (parallel faster)  "
          f"{'PASS' if result.passed else 'FAIL'}")
    return result.passed


if __name__ == "__main__":
    sys.exit(measure_and_report(measure, report))
