"""The webhook benchmark's stream and verdicts, so the benchmark cannot rot between runs."""
from __future__ import annotations

import json

import bench.__main__ as bench_main
from bench.webhook_deliveries import DUPLICATE_SHARE, Flood, Row, generate, report

PRODUCTIONS = {"prod_a": "P1", "prod_b": "P2", "777": "P3"}


def test_the_stream_has_the_asked_number_of_deliveries_with_about_30_percent_repeats():
    stream = generate(1000, PRODUCTIONS, seed=1)

    bodies = [body for _, body, _ in stream.deliveries]
    assert len(bodies) == 1000
    assert len(set(bodies)) == stream.unique
    assert abs((1000 - stream.unique) / 1000 - DUPLICATE_SHARE) < 0.01


def test_the_stream_is_the_same_for_the_same_seed_and_is_shuffled():
    first, again = generate(300, PRODUCTIONS, seed=7), generate(300, PRODUCTIONS, seed=7)

    assert first.expected == again.expected
    assert [d[0] for d in first.deliveries] == [d[0] for d in again.deliveries]
    paths = [path for path, _, _ in first.deliveries]
    assert "/webhooks/stripe" in paths and "/webhooks/shopify" in paths


def test_expected_totals_are_what_the_distinct_sales_add_up_to():
    stream = generate(400, PRODUCTIONS, seed=3)
    gross = 0
    for path, body in dict.fromkeys((path, body) for path, body, _ in stream.deliveries):  # distinct only
        payload = json.loads(body)
        if path == "/webhooks/stripe" and payload["type"] == "checkout.session.completed":
            gross += payload["data"]["object"]["amount_total"]
        elif path == "/webhooks/shopify" and "line_items" in payload:
            gross += sum(int(line["price"].replace(".", "")) * line["quantity"] for line in payload["line_items"])

    assert gross == sum(p["gross"] for p in stream.expected.values())


def flood(**changes) -> Flood:
    return Flood(**{"deliveries": 10, "unique": 7, "seconds": 1.0, "outcomes": {"taken": 7, "duplicate": 3},
                    "mismatches": [], **changes})


def test_a_flood_passes_only_with_every_distinct_delivery_taken_and_exact_totals():
    assert flood().passed
    assert not flood(mismatches=["P1: expected ..."]).passed
    assert not flood(outcomes={"taken": 6, "duplicate": 3, "503": 1}).passed
    assert not flood(outcomes={"taken": 8, "duplicate": 2}).passed


def test_a_delivery_over_two_round_trips_fails_the_report(capsys):
    rows = [Row("Stripe sale", 2, {"BatchGetItem": 1, "TransactWriteItems": 1}, (2, 2, 2)),
            Row("Shopify order", 2, {"BatchGetItem": 2, "TransactWriteItems": 1}, (3, 3, 3))]

    assert report(rows, flood()) is False
    assert "FAIL" in capsys.readouterr().out
    assert report(rows[:1], flood()) is True


def test_the_benchmark_is_registered():
    assert "webhook_deliveries" in [bench_main.name_of(b) for b in bench_main.BENCHMARKS]
