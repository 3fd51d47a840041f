"""The round-trip benchmark's verdict and table, and running one benchmark with --only."""
from __future__ import annotations

from types import SimpleNamespace

import bench.__main__ as bench_main
from bench.record_round_trips import Row, report


def test_the_worst_measured_run_is_held_against_the_budget():
    row = Row("GET /records", budget=2, worst={"Query": 2, "GetItem": 1}, totals=(1, 3, 1))

    assert row.round_trips == 3
    assert not row.passed


def test_a_request_within_its_budget_passes():
    assert Row("GET /records/{id}", budget=1, worst={"GetItem": 1}, totals=(1, 1, 1)).passed


def test_the_table_names_the_operations_and_fails_on_one_row_over(capsys):
    rows = [Row("GET /records/{id}", 1, {"GetItem": 1}, (1, 1, 1)),
            Row("POST /records", 2, {"GetItem": 1, "TransactWriteItems": 1, "UpdateItem": 1}, (3, 3, 3))]

    assert report(rows) is False

    lines = capsys.readouterr().out.splitlines()
    assert any("GET /records/{id}" in line and "GetItem 1" in line and "PASS" in line for line in lines)
    assert any("POST /records" in line and "UpdateItem 1" in line and "FAIL" in line for line in lines)


def fake(name: str, passed: bool, ran: list[str]):
    def run(runs: int) -> bool:
        ran.append(name)
        return passed

    return SimpleNamespace(__name__=f"bench.{name}", run=run)


def test_only_runs_the_named_benchmark(monkeypatch):
    ran: list[str] = []
    monkeypatch.setattr(bench_main, "BENCHMARKS", (fake("one", True, ran), fake("two", False, ran)))

    assert bench_main.main(["--only", "one"]) == 0
    assert ran == ["one"]


def test_without_only_every_benchmark_runs_and_any_failure_fails(monkeypatch):
    ran: list[str] = []
    monkeypatch.setattr(bench_main, "BENCHMARKS", (fake("one", True, ran), fake("two", False, ran)))

    assert bench_main.main([]) == 1
    assert ran == ["one", "two"]
