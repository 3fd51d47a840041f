"""The hearts benchmarks' verdicts and tables: round trips per request, and the hot record."""
from __future__ import annotations

import math

import bench.__main__ as bench_main
from bench.heart_round_trips import FANS, SEEDED_RECORDS, Row, report, seeded_hearts
from bench.hot_record import NOT_SENT, Burst, Result
from bench.hot_record import report as report_hot
from bench.support import percentile
from chalicelib.domain.hearts import SHARDS


def test_a_new_heart_with_its_transaction_and_the_count_read_is_within_its_budget_of_two():
    row = Row("PUT /records/{id}/heart (new)", budget=2, worst={"TransactWriteItems": 1, "BatchGetItem": 1},
              totals=(2, 2, 2))

    assert row.round_trips == 2
    assert row.passed
    assert row.verdict == "PASS"


def test_a_new_heart_over_its_budget_of_two_fails():
    row = Row("PUT /records/{id}/heart (new)", budget=2,
              worst={"TransactWriteItems": 1, "BatchGetItem": 1, "Query": 1}, totals=(2, 3, 2))

    assert row.round_trips == 3
    assert not row.passed
    assert row.verdict == "FAIL"


def test_a_row_without_budget_is_reported_and_never_fails():
    row = Row("DELETE /records/{id}/heart", budget=None, worst={"GetItem": 1, "Query": 1, "TransactWriteItems": 1},
              totals=(3, 3, 3))

    assert row.passed
    assert row.verdict == "report"


def test_the_table_names_the_operations_shows_unbudgeted_rows_and_fails_on_one_row_over(capsys):
    rows = [Row("GET /trending", 2, {"Query": 1, "BatchGetItem": 1}, (2, 2, 2)),
            Row("PUT heart (new)", 2, {"Query": 1, "BatchGetItem": 1, "TransactWriteItems": 1}, (3, 3, 3)),
            Row("DELETE heart", None, {"GetItem": 1, "Query": 1, "TransactWriteItems": 1}, (3, 3, 3))]

    assert report(rows) is False

    lines = capsys.readouterr().out.splitlines()
    assert any("GET /trending" in line and "BatchGetItem 1" in line and "PASS" in line for line in lines)
    assert any("PUT heart (new)" in line and "TransactWriteItems 1" in line and "FAIL" in line for line in lines)
    assert any("DELETE heart" in line and "GetItem 1" in line and "report" in line for line in lines)


def test_every_seeded_record_has_one_to_three_hearts_so_trending_holds_them_all():
    counts = [seeded_hearts(n) for n in range(SEEDED_RECORDS)]

    assert min(counts) == 1 and max(counts) == FANS


def burst(label: str, answered: int, seconds: float, requests: int | None = None) -> Burst:
    outcomes = {"200": answered}
    if requests and requests > answered:
        outcomes[NOT_SENT] = requests - answered
    return Burst(label, requests or answered, outcomes, tuple(0.01 * (n + 1) for n in range(answered)), seconds)


def result(members: int = 32, answered: int | None = None, heart_count: int | None = None,
           received: int | None = None, shards: dict[int, int] | None = None) -> Result:
    even = {s: members // SHARDS + (s < members % SHARDS) for s in range(SHARDS)}
    return Result(members=members, threads=4, registration_seconds=1.0,
                  baselines=(burst("GET /health (before)", members, 0.5), burst("GET /health (after)", members, 1.5)),
                  hearts=burst("PUT heart", members if answered is None else answered, 4.0, members),
                  unwritten=0, delivered=members, drain_seconds=0.5,
                  heart_count=members if heart_count is None else heart_count,
                  heart_count_received=members if received is None else received,
                  shards=even if shards is None else shards, expected_shards=even)


def test_nearest_rank_percentiles():
    values = [0.5, 0.1, 0.4, 0.2, 0.3]

    assert percentile(values, 50) == 0.3
    assert percentile(values, 99) == 0.5
    assert percentile([0.7], 99) == 0.7
    assert math.isnan(percentile([], 50))


def test_the_heart_rate_is_compared_with_the_baselines_of_both_sides():
    hot = result(members=32)

    assert hot.hearts.rate == 8.0
    assert hot.baseline_rate == 32.0  # 64 answers in 2 s, not the mean of 64/s and 21/s
    assert hot.ratio == 0.25


def test_an_exact_count_passes():
    assert result().passed


def test_a_count_one_short_fails_whichever_figure_is_short():
    assert not result(heart_count=31).passed
    assert not result(received=33).passed
    assert not result(shards={0: 31}).passed


def test_hearts_not_sent_within_the_time_limit_fail_the_burst():
    short = result(answered=30)

    assert short.problems[0] == "30 of 32 hearts answered 200"
    assert not short.passed


def test_a_heart_on_another_shard_than_shard_of_says_fails_even_if_the_sum_is_right():
    moved = {s: 2 for s in range(SHARDS)}
    moved[0], moved[1] = 1, 3

    assert sum(moved.values()) == 32
    assert result(shards=moved).problems == ["the shards do not hold the hearts shard_of sends them"]


def test_the_hot_record_table_shows_rates_ratio_shards_and_verdict(capsys):
    assert report_hot(result()) is True

    out = capsys.readouterr().out
    assert "= 0.250" in out
    assert "00:2  01:2" in out
    assert "PASS" in out
    assert report_hot(result(heart_count=31)) is False
    assert "FAIL (heart_count 31 != 32)" in capsys.readouterr().out


def test_both_hearts_benchmarks_can_be_run_alone():
    names = [bench_main.name_of(b) for b in bench_main.BENCHMARKS]

    assert {"heart_round_trips", "hot_record"} <= set(names)
