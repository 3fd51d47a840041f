"""`make bench`: runs every benchmark in turn; exits non-zero if any budget is exceeded."""
from __future__ import annotations

import argparse
import os
import sys

from bench import (cold_start, feed_throughput, heart_round_trips, hot_record, lineage_round_trips, load_mix,
                   record_round_trips, royalty_compute, royalty_run, upload_memory, webhook_deliveries)
from bench import preview_memory
from bench import community_round_trips

BENCHMARKS = (cold_start, record_round_trips, lineage_round_trips, heart_round_trips, hot_record, upload_memory,
              royalty_compute, royalty_run, webhook_deliveries, load_mix, feed_throughput)
BENCHMARKS += (preview_memory,)
BENCHMARKS += (community_round_trips,)
from bench import notification_latency, search_round_trips  # noqa: E402

BENCHMARKS += (search_round_trips, notification_latency)
from bench import first_request  # noqa: E402

BENCHMARKS += (first_request,)
from bench import proposal_open  # noqa: E402

BENCHMARKS += (proposal_open,)
from bench import your_data  # noqa: E402

BENCHMARKS += (your_data,)
from bench import moderation  # noqa: E402

BENCHMARKS += (moderation,)
from bench import payout_creation  # noqa: E402

BENCHMARKS += (payout_creation,)
DEFAULT_RUNS = 9


def name_of(benchmark) -> str:
    return benchmark.__name__.rsplit(".", 1)[-1]


def main(argv: list[str] | None = None) -> int:
    names = [name_of(b) for b in BENCHMARKS]
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", DEFAULT_RUNS)),
                        help=f"measured runs per variant (env BENCH_RUNS; default {DEFAULT_RUNS})")
    parser.add_argument("--only", action="append", choices=names, metavar="NAME",
                        help=f"run only this benchmark (repeatable): {', '.join(names)}")
    args = parser.parse_args(argv)

    selected = [b for b in BENCHMARKS if not args.only or name_of(b) in args.only]
    failed = []
    for index, benchmark in enumerate(selected):
        if index:
            print()
        if not benchmark.run(runs=args.runs):
            failed.append(name_of(benchmark))
    if failed:
        print(f"\nbudget exceeded: {', '.join(failed)}")
        return 1
    print(f"\n{'every benchmark is' if len(selected) > 1 else 'the benchmark is'} within its budget")
    return 0


if __name__ == "__main__":
    sys.exit(main())
