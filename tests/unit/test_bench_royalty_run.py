"""The royalty-run benchmark's verdict and table, so the benchmark cannot rot between runs."""
from __future__ import annotations

import bench.__main__ as bench_main
from bench.royalty_run import MAX_RATIO, Result, report

READS = {"GetItem": 3, "Query": 7}


def result(**changes) -> Result:
    values = {"reads_few": READS, "reads_many": READS, "nodes": 10, "contributions": 3,
              "read_seconds": (1.0, 1.0, 1.0), "run_seconds": (1.1, 1.1, 1.1), "plain_read_seconds": (2.0, 2.0, 2.0)}
    return Result(**{**values, **changes})


def test_a_run_passes_with_flat_reads_and_a_ratio_within_budget():
    assert result().passed


def test_reads_that_grow_with_sales_fail():
    assert not result(reads_many={"GetItem": 3, "Query": 107}).passed


def test_a_run_slower_than_its_budget_times_the_reading_fails(capsys):
    slow = result(run_seconds=(MAX_RATIO + 0.1,) * 3)

    assert not slow.passed
    assert report(slow) is False
    assert "FAIL" in capsys.readouterr().out


def test_the_benchmark_is_registered():
    assert "royalty_run" in [bench_main.name_of(b) for b in bench_main.BENCHMARKS]
