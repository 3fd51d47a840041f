"""The royalty-run benchmark's verdict and table, so the benchmark cannot rot between runs."""
from __future__ import annotations

import bench.__main__ as bench_main
from bench.royalty_run import LINEAGE_NODES, MAX_PEAK_BYTES, MAX_RUN_SECONDS, Result, Timing, report

READS = {"GetItem": 3, "Query": 7}


def run(wall: float, emulator_cpu: float = 0.5, cpu: float | None = None) -> Timing:
    return Timing(wall + emulator_cpu, wall * 0.6 if cpu is None else cpu, emulator_cpu, 35, 5.25)


def result(**changes) -> Result:
    values = {"reads_few": READS, "reads_many": READS, "nodes": LINEAGE_NODES, "contributions": 10_000,
              "runs": tuple(map(run, (0.9, 0.85, 1.3, 0.95, 0.88))), "peak_bytes": 200 * 2**20}
    return Result(**{**values, **changes})


def test_a_runs_own_time_is_the_wall_clock_without_the_emulators_cpu_never_below_its_own_cpu():
    assert Timing(wall=1.4, cpu=0.6, emulator_cpu=0.5, requests=35, megabytes=5.0).own == 1.4 - 0.5
    assert Timing(wall=1.0, cpu=0.7, emulator_cpu=0.6, requests=35, megabytes=5.0).own == 0.7  # they overlapped


def test_a_run_passes_with_flat_reads_within_a_second_and_half_a_gigabyte(capsys):
    assert result().passed
    assert report(result()) is True

    out = capsys.readouterr().out
    assert "its own time, fastest of 5 0.85 s (median 0.90 s)   budget <= 1.0 s  PASS" in out
    assert "its own 0.85 s = the wall clock 1.35 s - the emulator's CPU 0.50 s (its own CPU 0.51 s; 35 requests, 5.2 MB)" in out
    assert "on the wall clock, the emulator's work included: fastest 1.35 s, median 1.40 s" in out
    assert "200 MB   budget <= 512 MB  PASS" in out


def test_reads_that_grow_with_sales_fail():
    assert not result(reads_many={"GetItem": 3, "Query": 107}).passed


def test_the_fastest_run_is_held_to_the_second_as_noise_only_adds_time(capsys):
    assert result(runs=(run(3.0), run(MAX_RUN_SECONDS), run(2.0))).passed
    slow = result(runs=(run(MAX_RUN_SECONDS + 0.01), run(1.5), run(2.0)))

    assert not slow.passed
    assert report(slow) is False
    assert "budget <= 1.0 s  FAIL" in capsys.readouterr().out


def test_a_run_over_its_memory_budget_fails(capsys):
    heavy = result(peak_bytes=MAX_PEAK_BYTES + 1)

    assert not heavy.passed
    assert report(heavy) is False
    assert "budget <= 512 MB  FAIL" in capsys.readouterr().out


def test_a_lineage_smaller_than_the_scale_claimed_fails(capsys):
    small = result(nodes=LINEAGE_NODES - 1)

    assert not small.passed
    assert report(small) is False
    assert ">= 100,000 records: FAIL" in capsys.readouterr().out


def test_the_benchmark_is_registered():
    assert "royalty_run" in [bench_main.name_of(b) for b in bench_main.BENCHMARKS]
