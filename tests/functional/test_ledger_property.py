"""Through the app and the local store: any interleaving and duplication of a generated stream
of Stripe deliveries leaves ledger totals equal to the de-duplicated sum; and deliveries of any
amounts book exactly what was answered 200, never beyond the bound."""
from __future__ import annotations

import itertools
import json
import re
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.domain.money import MAX_AMOUNT
from tests.store_payloads import (
    charge, checkout_session, dispute, post_shopify, post_stripe, shopify_order, stripe_event,
)

purchases = st.lists(st.tuples(
    st.integers(1, 10**6),  # sale amount
    st.booleans(),  # names the production (else an unknown product: unmatched, assigned at the end)
    st.lists(st.integers(0, 100), max_size=3),  # cumulative refunds, as percentages of the amount
    st.lists(st.booleans(), max_size=2),  # disputes: won or not
), min_size=1, max_size=3)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(purchases, st.data())
def test_any_interleaving_and_duplication_of_deliveries_books_the_deduplicated_sum(client, aws, token, purchases,
                                                                                     data):
    from chalicelib.config import get_settings
    from chalicelib.services import FACTORIES
    from chalicelib.storage.bootstrap import create_all

    aws.reset()  # each example starts from an empty store
    create_all(get_settings())
    for factory in FACTORIES:
        factory.cache_clear()
    producer, admin = token("sub-pat", ["producer"]), token("root", ["admin"])
    client.post("/members", token=producer, json_body={"handle": "pat", "display_name": "Pat"})
    production = client.post("/productions", token=producer, json_body={
        "title": "P", "format": "book", "currency": "USD"}).json["id"]

    events, expected = [], {"gross": 0, "refunds": 0, "disputes": 0}
    for n, (amount, matched, steps, disputes) in enumerate(purchases):
        pi = f"pi_{n}"
        events.append(stripe_event("checkout.session.completed", checkout_session(
            pi, amount, production_id=production if matched else None, product_id=None if matched else "unknown")))
        cumulative = sorted(amount * s // 100 for s in steps)
        events += [stripe_event("charge.refunded", charge(pi, amount, c)) for c in cumulative]
        expected["gross"] += amount
        expected["refunds"] += max(cumulative, default=0)
        for k, won in enumerate(disputes):
            events.append(stripe_event("charge.dispute.created", dispute(pi, f"dp_{n}_{k}", amount)))
            expected["disputes"] += amount
            if won:
                events.append(stripe_event("charge.dispute.closed", dispute(pi, f"dp_{n}_{k}", amount, status="won")))
                expected["disputes"] -= amount
    stream = data.draw(st.permutations(events + data.draw(st.lists(st.sampled_from(events), max_size=6))))

    for event in stream:
        assert post_stripe(client, event).status == 200
    for sale in client.get("/sales/unmatched?limit=100", token=admin).json["items"]:
        assert client.post(f"/sales/unmatched/{sale['id']}/assign", token=admin,
                           json_body={"production_id": production}).status == 200

    totals = client.get(f"/productions/{production}", token=producer).json["totals"]
    assert {k: totals[k]["amount"] for k in expected} == expected
    ledger = client.get(f"/productions/{production}/ledger?limit=100", token=producer).json["items"]
    assert sum(e["amount"]["amount"] for e in ledger) == totals["net"]["amount"]


# Hostile amounts: whatever a signed delivery says, what is booked is bounded, every answer is
# below 500, and the ledger is exactly what the 200s said. The expected amounts are worked out
# here from the contract, independently of the webhook parsers.

_serial = itertools.count(1)
JSON_NOISE = st.one_of(st.booleans(), st.none(), st.floats(allow_nan=False, allow_infinity=False),
                       st.text(max_size=4), st.lists(st.integers(), max_size=1))
# Each a mix: plain values, values at and beyond the bound, and what no store sends.
STRIPE_AMOUNTS = st.one_of(st.integers(0, 10**6), st.integers(10**12 - 2, 10**12 + 2),
                           st.integers(-(10**13), -1) | st.integers(10**18, 10**40) | JSON_NOISE)
SHOPIFY_AMOUNTS = st.one_of(
    st.integers(0, 10**5).map(lambda c: f"{c // 100}.{c % 100:02d}"),
    st.integers(0, 10**14).map(lambda c: f"{c // 100}.{c % 100:02d}") | st.integers(-(10**11), 10**11)
    | st.decimals(-1000, 10**11, places=3).map(str),
    st.sampled_from(["-1.00", "1e3", "\u0661.00", "1.00\n", "0.001", "", " 1"]) | JSON_NOISE,
)
QUANTITIES = st.one_of(st.integers(1, 5), st.integers(-2, 0) | st.integers(10**6, 10**40) | JSON_NOISE)
DISCOUNTS = st.one_of(st.none(), st.just("0.00"), SHOPIFY_AMOUNTS)


def _cents(value) -> int | None:
    """A Shopify amount in USD cents, or None for one the contract refuses."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    text = value if isinstance(value, str) else json.dumps(value)
    if isinstance(value, str) and not re.fullmatch(r"[0-9]+(\.[0-9]+)?", value):
        return None
    cents = Decimal(text) * 100
    if cents < 0 or cents != cents.to_integral_value() or cents > MAX_AMOUNT:
        return None
    return int(cents)


def _line_amount(price, quantity, discount) -> int | None:
    cents, off = _cents(price), 0 if discount is None else _cents(discount)
    if cents is None or off is None or isinstance(quantity, bool) or not isinstance(quantity, int):
        return None
    if not 1 <= quantity <= MAX_AMOUNT or cents * quantity > MAX_AMOUNT or off > cents * quantity:
        return None
    return cents * quantity - off


def _booked(client, token, production) -> tuple[list[int], dict]:
    ledger = [e["amount"]["amount"] for e in client.get(f"/productions/{production}/ledger?limit=100",
                                                          token=token).json["items"]]
    totals = {k: v["amount"] for k, v in client.get(f"/productions/{production}", token=token).json["totals"].items()}
    assert all(abs(amount) <= MAX_AMOUNT for amount in ledger)
    return ledger, totals


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(orders=st.lists(st.lists(st.tuples(st.sampled_from([1, 2, "2", 3]), SHOPIFY_AMOUNTS, QUANTITIES, DISCOUNTS),
                                min_size=1, max_size=3),
                       min_size=1, max_size=3))
def test_signed_shopify_orders_of_any_amounts_book_exactly_what_was_answered_200_within_the_bound(client, producer,
                                                                                                    orders):
    product = str(next(_serial))
    production = client.post("/productions", token=producer, json_body={
        "title": "P", "format": "book", "currency": "USD",
        "products": [{"provider": "shopify", "product_id": product}]}).json["id"]

    expected = []
    for lines in orders:
        order = shopify_order(next(_serial), [(line, int(product), "0", 1, None) for line, *_ in lines])
        for item, (_, price, quantity, discount) in zip(order["line_items"], lines):
            item.update(price=price, quantity=quantity, total_discount=discount)
        amounts = [_line_amount(*line[1:]) for line in lines]
        valid = (None not in amounts and len({str(line[0]) for line in lines}) == len(lines)
                 and sum(amounts) <= MAX_AMOUNT)

        reply = post_shopify(client, "orders/paid", order)

        assert reply.status == (200 if valid else 400), (reply, lines)
        expected += amounts if valid else []

    ledger, totals = _booked(client, producer, production)
    assert sorted(ledger) == sorted(expected)
    assert totals["gross"] == totals["net"] == sum(expected)


LAST_SECOND_OF_9999 = 253402300799
STRIPE_EVENTS = st.tuples(
    STRIPE_AMOUNTS,
    st.one_of(st.none(), st.integers(LAST_SECOND_OF_9999 - 1, LAST_SECOND_OF_9999 + 1),  # None: now
              st.integers(-(10**10), -1) | st.integers(10**18, 10**20) | JSON_NOISE),
    st.sampled_from(["usd", "USD", "usd\n", "us", "\uff35\uff33\uff24", " usd"]),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(purchases=st.lists(st.tuples(STRIPE_EVENTS, st.lists(STRIPE_EVENTS, max_size=2),
                                    st.lists(STRIPE_EVENTS, max_size=2)), min_size=1, max_size=3))
def test_signed_stripe_events_of_any_amounts_and_times_book_exactly_what_was_answered_200_within_the_bound(
        client, producer, purchases):
    production = client.post("/productions", token=producer, json_body={
        "title": "P", "format": "book", "currency": "USD"}).json["id"]

    def valid(amount, created, currency) -> bool:
        return (not isinstance(amount, bool) and isinstance(amount, int) and 0 <= amount <= MAX_AMOUNT
                and (created is None or (not isinstance(created, bool) and isinstance(created, int)
                                         and 0 <= created <= LAST_SECOND_OF_9999))
                and currency.lower() == "usd")

    def event(kind: str, obj: dict, field: str, amount, created, currency) -> dict:
        return stripe_event(kind, obj | {field: amount, "currency": currency}, created=created)

    expected = {"gross": 0, "refunds": 0, "disputes": 0}
    for sale, refunds, disputes in purchases:
        pi = f"pi_hostile_{next(_serial)}"
        events = [event("checkout.session.completed", checkout_session(pi, 0, production_id=production),
                        "amount_total", *sale)]
        # A charge of the bound: any refund within it is one the charge could have had.
        events += [event("charge.refunded", charge(pi, MAX_AMOUNT, 0), "amount_refunded", *r) for r in refunds]
        events += [event("charge.dispute.created", dispute(pi, f"dp_{next(_serial)}", 0), "amount", *d)
                   for d in disputes]
        answers = [post_stripe(client, e).status for e in events]

        assert answers == [200 if valid(*e) else 400 for e in [sale, *refunds, *disputes]], purchases
        if valid(*sale):  # refunds and disputes of a sale that never arrived are held, not booked
            expected["gross"] += sale[0]
            expected["refunds"] += max((r[0] for r in refunds if valid(*r)), default=0)
            expected["disputes"] += sum(d[0] for d in disputes if valid(*d))

    ledger, totals = _booked(client, producer, production)
    assert {k: totals[k] for k in expected} == expected
    assert sum(ledger) == totals["net"] == expected["gross"] - expected["refunds"] - expected["disputes"]
