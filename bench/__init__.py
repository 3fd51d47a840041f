"""Benchmarks with their budgets: `make bench` runs them all and fails if any budget is exceeded.

Each benchmark module has a `run(runs)` function that prints its figures and returns whether
it stayed within its budget. `dynamodb_counter` is a tool for benchmarks and tests, not one;
`support` holds what the benchmarks that start their own embedded AWS share.
"""
import os

# Benchmarks are load tests: they build worlds far past a member's 30 records an hour. The limits
# are still checked on every request (bench.moderation counts what that costs), only higher.
os.environ.setdefault("REMIXERY_RATE_LIMIT_SCALE", "10000")
