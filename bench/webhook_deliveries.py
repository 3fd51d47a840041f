"""Store webhooks: DynamoDB round trips per delivery, then a flood of shuffled, duplicated
deliveries whose ledger totals must come out exact.

Round trips, counted by `dynamodb_counter` in front of moto, worst of `REPEATS` runs, each run
a delivery of its own (a new purchase, a larger cumulative refund, ...), budget ≤ 2:

    Stripe checkout.session.completed   naming the production, and by product id
    Stripe charge.refunded              a refund of a booked sale
    Stripe redelivery                   the same event again
    Shopify orders/paid                 an order of two line items
    Shopify refunds/create              a refund of one line

The flood: `--deliveries` (default 10,000) deliveries through the app, 30% of them repeats of
others, in a seeded random order: Stripe purchases (sales, cumulative refunds, disputes, won
disputes) and Shopify orders with line refunds, over three productions. Deliveries/s are
reported; every reply must be 200, and every production's totals (and the sum of its period
totals) must equal the de-duplicated sums the generator computed.

Runs in a fresh interpreter (`python -m bench.webhook_deliveries`), as `record_round_trips`.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass, field

from bench.support import (
    Case, Row, app_output_held_back, counted_app, expect, measure_case, print_rows, requester, run_fresh,
)

DELIVERIES = 10_000
DUPLICATE_SHARE = 0.30
REPEATS = 3
BUDGET = 2
SEED = 20261126
KINDS = ("gross", "refunds", "disputes")


def run(runs: int = 9) -> bool:
    """Measures in a fresh interpreter (see the module's doc); `runs` does not apply here."""
    return run_fresh("bench.webhook_deliveries")


@dataclass
class Stream:
    """Deliveries as (path, body, headers) in the order sent, and what they must add up to."""

    deliveries: list[tuple[str, bytes, dict]] = field(default_factory=list)
    unique: int = 0
    expected: dict[str, dict[str, int]] = field(default_factory=dict)  # production → gross/refunds/disputes


def generate(count: int, productions: dict[str, str], seed: int = SEED) -> Stream:
    """`count` deliveries, `DUPLICATE_SHARE` of them repeats, shuffled. `productions` maps a
    Stripe or Shopify product id to its production id; every purchase buys a mapped product."""
    from tests.store_payloads import (
        body_of, charge, checkout_session, dispute, shopify_order, shopify_refund, shopify_signature,
        stripe_event,
    )

    rng = random.Random(seed)
    stream = Stream(expected={p: dict.fromkeys(KINDS, 0) for p in productions.values()})
    stripe_products = [p for p in productions if p.startswith("prod_")]
    shopify_products = [p for p in productions if not p.startswith("prod_")]
    unique: list[tuple[str, bytes, dict]] = []
    target = count - round(count * DUPLICATE_SHARE)

    def add_stripe(event: dict) -> None:  # signed when sent: its timestamp holds for 300 s only
        unique.append(("/webhooks/stripe", body_of(event), {}))

    def add_shopify(topic: str, payload: dict) -> None:
        body = body_of(payload)
        unique.append(("/webhooks/shopify", body, {"x-shopify-hmac-sha256": shopify_signature(body),
                                                   "x-shopify-topic": topic,
                                                   "x-shopify-webhook-id": f"wh-{len(unique)}"}))

    purchase = 0
    while len(unique) < target:
        purchase += 1
        if rng.random() < 0.7:
            product = rng.choice(stripe_products)
            totals = stream.expected[productions[product]]
            pi, amount = f"pi_bench_{purchase}", rng.randint(100, 50_000)
            add_stripe(stripe_event("checkout.session.completed",
                                    checkout_session(pi, amount, product_id=product)))
            totals["gross"] += amount
            refunded = sorted(rng.randint(1, amount) for _ in range(rng.choice((0, 0, 1, 2))))
            for cumulative in refunded:
                add_stripe(stripe_event("charge.refunded", charge(pi, amount, cumulative)))
            totals["refunds"] += max(refunded, default=0)
            if rng.random() < 0.1:
                add_stripe(stripe_event("charge.dispute.created", dispute(pi, f"dp_{purchase}", amount)))
                totals["disputes"] += amount
                if rng.random() < 0.5:
                    add_stripe(stripe_event("charge.dispute.closed",
                                            dispute(pi, f"dp_{purchase}", amount, status="won")))
                    totals["disputes"] -= amount
        else:
            lines = [(purchase * 10 + n, rng.choice(shopify_products), rng.randint(1, 9999), rng.randint(1, 3))
                     for n in range(rng.randint(1, 3))]
            add_shopify("orders/paid", shopify_order(purchase, [
                (line_id, int(product), _decimal(cents), quantity, "0.00") for line_id, product, cents, quantity in lines]))
            for _, product, cents, quantity in lines:
                stream.expected[productions[product]]["gross"] += cents * quantity
            if rng.random() < 0.2:
                line_id, product, cents, _ = rng.choice(lines)
                add_shopify("refunds/create", shopify_refund(purchase, purchase, {line_id: _decimal(cents)}))
                stream.expected[productions[product]]["refunds"] += cents
    stream.unique = len(unique)
    stream.deliveries = unique + [rng.choice(unique) for _ in range(count - len(unique))]
    rng.shuffle(stream.deliveries)
    return stream


def _decimal(cents: int) -> str:
    """Cents as Shopify writes amounts: `"12.34"`."""
    return f"{cents // 100}.{cents % 100:02d}"


@dataclass(frozen=True)
class Flood:
    deliveries: int
    unique: int
    seconds: float
    outcomes: dict[str, int]
    mismatches: list[str]  # productions whose totals are not the expected ones

    @property
    def per_second(self) -> float:
        return self.deliveries / self.seconds if self.seconds else 0.0

    @property
    def passed(self) -> bool:
        return not self.mismatches and set(self.outcomes) <= {"taken", "duplicate"} \
            and self.outcomes.get("taken", 0) == self.unique


def measure(deliveries: int) -> tuple[list[Row], Flood]:
    with counted_app() as (app, client, counter):
        request = requester(client)
        producer = _producer(request)
        productions = {
            "prod_book": _production(request, producer, "Book", "stripe", "prod_book"),
            "prod_album": _production(request, producer, "Album", "stripe", "prod_album"),
            "777": _production(request, producer, "Film", "shopify", "777"),
        }
        rows = [measure_case(counter, case, REPEATS) for case in _cases(client, productions["prod_book"])]
        return rows, _flood(client, request, producer, deliveries, productions)


def _producer(request) -> str:
    from local.tokens import mint

    token = mint("sub-bench-producer", ["producer"])
    expect(request("POST", "/members", token, {"handle": "benchproducer", "display_name": "Bench"}), 201)
    return token


def _production(request, token: str, title: str, provider: str, product_id: str) -> str:
    return expect(request("POST", "/productions", token, {
        "title": title, "format": "book", "currency": "USD",
        "products": [{"provider": provider, "product_id": product_id}]}), 201)["id"]


def _cases(client, production: str) -> list[Case]:
    from tests.store_payloads import (
        body_of, charge, checkout_session, shopify_order, shopify_refund, shopify_signature, stripe_event,
        stripe_signature,
    )

    serial = iter(range(1, 10_000))

    def send(path: str, body: bytes, headers: dict):
        return client.http.request("POST", path, headers={"content-type": "application/json", **headers}, body=body)

    def stripe(event: dict):
        body = body_of(event)
        return send("/webhooks/stripe", body, {"stripe-signature": stripe_signature(body)})

    def shopify(topic: str, payload: dict, webhook_id: str):
        body = body_of(payload)
        return send("/webhooks/shopify", body, {"x-shopify-hmac-sha256": shopify_signature(body),
                                                "x-shopify-topic": topic, "x-shopify-webhook-id": webhook_id})

    refunded = iter(range(100, 10_000, 100))
    repeated = stripe_event("checkout.session.completed", checkout_session("pi_rt_repeat", 500, product_id="prod_book"))
    stripe(repeated)

    def outcome(expected: str):
        return lambda reply: None if reply == {"outcome": expected} else f"expected {expected}, got {reply!r}"

    def refund_once():
        return stripe(stripe_event("charge.refunded", charge("pi_rt_repeat", 500_000, next(refunded))))

    order_ids = iter(range(900_000, 910_000))
    last_order: list[int] = []

    def order():
        last_order.append(next(order_ids))
        return shopify("orders/paid", shopify_order(last_order[-1], [(1, 777, "1.00", 1, "0"),
                                                                      (2, 777, "2.00", 1, "0")]), f"rt-{next(serial)}")

    def line_refund():
        return shopify("refunds/create", shopify_refund(next(serial), last_order[-1], {1: "1.00"}), f"rt-{next(serial)}")

    taken = outcome("taken")
    return [
        Case("Stripe checkout.session.completed (production_id)", BUDGET, lambda: stripe(stripe_event(
            "checkout.session.completed", checkout_session(f"pi_rt_{next(serial)}", 1000, production_id=production))),
            200, check=taken),
        Case("Stripe checkout.session.completed (product_id)", BUDGET, lambda: stripe(stripe_event(
            "checkout.session.completed", checkout_session(f"pi_rt_{next(serial)}", 1000, product_id="prod_book"))),
            200, check=taken),
        Case("Stripe charge.refunded", BUDGET, refund_once, 200, check=taken),
        Case("Stripe redelivery of a taken event", BUDGET, lambda: stripe(repeated), 200, check=outcome("duplicate")),
        Case("Shopify orders/paid (2 line items)", BUDGET, order, 200, check=taken),
        Case("Shopify refunds/create (1 line)", BUDGET, line_refund, 200, check=taken),
    ]


def _flood(client, request, producer: str, deliveries: int, productions: dict[str, str]) -> Flood:
    import json

    from tests.store_payloads import stripe_signature

    stream = generate(deliveries, productions)
    before = {p: _totals(request, producer, p) for p in stream.expected}
    outcomes: dict[str, int] = {}
    started = time.perf_counter()
    for path, body, headers in stream.deliveries:
        if path == "/webhooks/stripe":
            headers = {"stripe-signature": stripe_signature(body)}
        response = client.http.request("POST", path, headers={"content-type": "application/json", **headers},
                                       body=body)
        key = json.loads(response.body)["outcome"] if response.status_code == 200 else str(response.status_code)
        outcomes[key] = outcomes.get(key, 0) + 1
    seconds = time.perf_counter() - started
    mismatches = []
    for production, expected in stream.expected.items():
        after = _totals(request, producer, production)
        got = {k: after[k] - before[production][k] for k in KINDS}
        periods = _period_sums(production)
        if got != expected or periods != {k: after[k] for k in KINDS}:
            mismatches.append(f"{production}: expected {expected}, booked {got}, periods {periods}")
    return Flood(len(stream.deliveries), stream.unique, seconds, outcomes, mismatches)


def _totals(request, token: str, production: str) -> dict[str, int]:
    totals = expect(request("GET", f"/productions/{production}", token), 200)["totals"]
    return {k: totals[k]["amount"] for k in KINDS}


def _period_sums(production: str) -> dict[str, int]:
    from chalicelib import services
    from chalicelib.domain.royalties import Totals

    total = sum(services.productions().period_totals(production).values(), Totals())
    return {"gross": total.sales, "refunds": total.refunds, "disputes": total.disputes - total.dispute_reversals}


def report(rows: list[Row], flood: Flood) -> bool:
    print(f"DynamoDB round trips per store delivery (worst of {REPEATS} runs, a new delivery each run)")
    rows_passed = print_rows(rows, "delivery")
    print(f"\n{flood.deliveries:,} deliveries ({flood.unique:,} distinct, the rest repeats), shuffled, through the app")
    print(f"  {flood.seconds:.1f} s, {flood.per_second:.0f} deliveries/s (local emulator, one client)")
    print(f"  outcomes: {', '.join(f'{k} {v:,}' for k, v in sorted(flood.outcomes.items()))}")
    if flood.mismatches:
        for line in flood.mismatches:
            print(f"  MISMATCH {line}")
    print(f"  totals exact per production (and equal to the sum of its periods): "
          f"{'PASS' if flood.passed else 'FAIL'}")
    return rows_passed and flood.passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.webhook_deliveries")
    parser.add_argument("--deliveries", type=int, default=DELIVERIES)
    args = parser.parse_args(argv)
    with app_output_held_back():
        rows, flood = measure(args.deliveries)
    return 0 if report(rows, flood) else 1


if __name__ == "__main__":
    sys.exit(main())
