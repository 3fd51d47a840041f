"""`make bench`: runs every benchmark in turn; exits non-zero if any budget is exceeded."""
from __future__ import annotations

import argparse
import os
import sys

from bench import cold_start

BENCHMARKS = (cold_start,)
DEFAULT_RUNS = 9


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", DEFAULT_RUNS)),
                        help=f"measured runs per variant (env BENCH_RUNS; default {DEFAULT_RUNS})")
    args = parser.parse_args()

    failed = [b.__name__ for b in BENCHMARKS if not b.run(runs=args.runs)]
    if failed:
        print(f"\nbudget exceeded: {', '.join(failed)}")
        return 1
    print("\nevery benchmark is within its budget")
    return 0


if __name__ == "__main__":
    sys.exit(main())
