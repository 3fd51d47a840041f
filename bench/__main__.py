"""`make bench`: runs every benchmark in turn; exits non-zero if any budget is exceeded."""
from __future__ import annotations

import argparse
import os
import sys

from bench import (cold_start, community_round_trips, feed_throughput, first_request, heart_round_trips, hot_record,
                   lineage_round_trips, load_mix, moderation, notification_latency, payout_creation, preview_memory,
                   proposal_open, record_round_trips, royalty_compute, royalty_fanout, royalty_run, search_round_trips,
                   upload_memory, webhook_deliveries, your_data)

BENCHMARKS = (cold_start, record_round_trips, lineage_round_trips, heart_round_trips, hot_record, upload_memory,
              royalty_compute, royalty_run, webhook_deliveries, load_mix, feed_throughput, preview_memory,
              community_round_trips, search_round_trips, notification_latency, first_request, proposal_open,
              your_data, moderation, payout_creation, royalty_fanout)
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
