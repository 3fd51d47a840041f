"""The feed throughput benchmark: its options, its figures and verdicts, and a short run of it."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

import bench.__main__ as bench_main
from bench.feed_throughput import Level, Result, parse_args, report
from tests.conftest import ROOT


def level(callers: int, answered: int, seconds: float = 10.0, errors: tuple[str, ...] = ()) -> Level:
    return Level(callers, seconds, tuple([0.02] * (answered - 1) + [0.09]), errors)


def ours(*answered: int) -> tuple[Level, ...]:
    return tuple(level(callers, n) for callers, n in zip((1, 4, 16), answered))


def test_the_defaults_are_one_four_and_sixteen_callers_without_a_peer():
    args = parse_args([])

    assert args.callers == (1, 4, 16)
    assert args.peer is None


def test_caller_counts_are_a_comma_separated_list_of_distinct_positive_numbers():
    assert parse_args(["--callers", "2,8"]).callers == (2, 8)
    for bad in ("0,4", "4,4", "four", "1,,4"):
        with pytest.raises(SystemExit):
            parse_args(["--callers", bad])


def test_a_peer_needs_the_budgeted_four_callers_and_loses_its_trailing_slash():
    assert parse_args(["--peer", "http://127.0.0.1:9000/"]).peer == "http://127.0.0.1:9000"
    with pytest.raises(SystemExit):
        parse_args(["--peer", "http://127.0.0.1:9000", "--callers", "1,16"])


def test_requests_per_second_and_percentiles_count_answered_requests_only():
    measured = level(4, 100, seconds=4.0)

    assert measured.throughput == 25.0
    assert measured.percentile_ms(50) == pytest.approx(20.0)
    assert measured.percentile_ms(99) == pytest.approx(20.0)
    assert measured.percentile_ms(100) == pytest.approx(90.0)


def test_without_a_peer_the_figures_are_printed_and_pass(capsys):
    assert report(Result(seconds=10, ours=ours(300, 600, 620))) is True

    out = capsys.readouterr().out
    assert [line.split()[:2] for line in out.splitlines()[2:5]] == [["1", "30.0"], ["4", "60.0"], ["16", "62.0"]]
    assert "ratio" not in out and "verdict: PASS" in out


def test_with_a_peer_the_ratio_at_four_callers_is_held_to_five(capsys):
    peer = ours(100, 110, 100)

    assert report(Result(seconds=10, ours=ours(300, 600, 620), peer=peer, peer_url="http://peer")) is True
    assert "5.45x  budget >= 5x" in capsys.readouterr().out
    assert report(Result(seconds=10, ours=ours(900, 540, 900), peer=peer, peer_url="http://peer")) is False
    assert "at 4 callers ours is 4.91x the peer's throughput" in capsys.readouterr().out


def test_an_error_fails_the_run_whatever_the_figures():
    erring = (level(1, 300), level(4, 600, errors=("500 {}",)), level(16, 620))

    assert not Result(seconds=10, ours=erring).passed
    assert not Result(seconds=10, ours=ours(300, 600, 620), peer=erring, peer_url="http://peer").passed


def test_a_short_run_on_the_local_stack_answers_every_request_with_a_full_page():
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    run = subprocess.run([sys.executable, "-m", "bench.feed_throughput", "--seconds", "1", "--callers", "1,2",
                          "--members", "2", "--records", "20"], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)

    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
    assert "verdict: PASS" in run.stdout and "errors 0" in run.stdout


def test_make_bench_runs_it():
    assert "feed_throughput" in [bench_main.name_of(b) for b in bench_main.BENCHMARKS]
