"""The load-mix benchmark's harness: a short run of the real thing, and its verdicts."""
from __future__ import annotations

import os
import subprocess
import sys

import bench.__main__ as bench_main
from bench.load_mix import Result, report
from tests.conftest import ROOT


def result(**changes) -> Result:
    fields = dict(seconds=60, threads=8, elapsed=60.0,
                  latencies={"feed": (0.01, 0.02), "create": (0.03,), "heart": (0.02,), "webhook": (0.04,)},
                  errors=(), outcomes={"taken": 1}, drain_seconds=1.0, records_expected=5, records_listed=5,
                  heart_mismatches=(), hearts_expected=1, gross_expected=700, gross=700, ledger_expected=1, ledger=1)
    return Result(**{**fields, **changes})


def test_a_short_mix_over_loopback_ends_with_zero_errors_and_every_count_exact():
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    run = subprocess.run([sys.executable, "-m", "bench.load_mix", "--seconds", "3", "--threads", "3",
                          "--members", "6"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)

    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
    assert "verdict: PASS" in run.stdout and "errors 0" in run.stdout
    for kind in ("feed", "create", "heart", "webhook"):
        assert any(line.split()[:1] == [kind] for line in run.stdout.splitlines()), run.stdout


def test_an_error_or_a_count_off_by_one_fails_the_run(capsys):
    assert result().passed
    assert not result(errors=("heart: 500 ...",)).passed
    assert not result(gross=699).passed
    assert not result(ledger=2).passed
    assert not result(records_listed=4).passed
    assert not result(heart_mismatches=("01ABC: heart_count 2, expected 3",)).passed
    assert report(result(gross=699)) is False
    assert "gross 699 != 700" in capsys.readouterr().out


def test_a_run_that_sent_no_webhook_proves_nothing():
    assert not result(latencies={"feed": (0.01,), "heart": (0.02,)}).passed


def test_make_bench_runs_it():
    assert "load_mix" in [bench_main.name_of(b) for b in bench_main.BENCHMARKS]
