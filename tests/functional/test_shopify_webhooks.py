"""Shopify deliveries: one sale per line item, exact decimal amounts, refunds by line or split."""
from __future__ import annotations

import pytest

from tests.store_payloads import body_of, post_shopify, shopify_order, shopify_refund, shopify_signature
from tests.support import all_pages, assert_problem


def make_production(client, token, currency="USD", products=("1001",)):
    reply = client.post("/productions", token=token, json_body={
        "title": f"Album {currency}", "format": "album", "currency": currency,
        "products": [{"provider": "shopify", "product_id": p} for p in products]})
    assert reply.status == 201, reply
    return reply.json["id"]


def entries(client, token, production_id) -> list[tuple]:
    items = client.get(f"/productions/{production_id}/ledger?limit=100", token=token).json["items"]
    return sorted((e["kind"], e["external_id"], e["amount"]["amount"]) for e in items)


def test_each_line_item_is_a_sale_of_price_times_quantity_less_discount(client, producer):
    album = make_production(client, producer, products=("1001", "1002"))
    order = shopify_order(5001, [(11, 1001, "12.50", 2, "1.00"), (12, 1002, "0.99", 3, "0.00")])

    assert post_shopify(client, "orders/paid", order).json == {"outcome": "taken"}

    assert entries(client, producer, album) == [("sale", "5001:11", 2400), ("sale", "5001:12", 297)]


@pytest.mark.parametrize("currency, price, expected", [("JPY", "1500", 1500), ("KWD", "1.250", 1250),
                                                       ("USD", "19.99", 1999), ("USD", "20", 2000)])
def test_decimal_prices_become_exact_minor_units(client, producer, currency, price, expected):
    production = make_production(client, producer, currency=currency)

    post_shopify(client, "orders/paid", shopify_order(6001, [(1, 1001, price, 1, "0")], currency=currency))

    assert entries(client, producer, production) == [("sale", "6001:1", expected)]


def test_a_price_finer_than_its_currency_is_400_and_stores_nothing(client, producer, admin):
    production = make_production(client, producer, currency="JPY")

    reply = post_shopify(client, "orders/paid", shopify_order(6002, [(1, 1001, "1500.5", 1, "0")], currency="JPY"))

    assert_problem(reply, 400)
    assert entries(client, producer, production) == []
    assert client.get("/sales/unmatched", token=admin).json["items"] == []


def test_a_line_whose_product_maps_to_no_production_is_unmatched(client, producer, admin):
    album = make_production(client, producer)
    post_shopify(client, "orders/paid", shopify_order(7001, [(1, 1001, "10.00", 1, "0"), (2, 9999, "5.00", 1, "0"),
                                                             (3, None, "1.00", 1, "0")]))

    assert entries(client, producer, album) == [("sale", "7001:1", 1000)]
    unmatched = client.get("/sales/unmatched", token=admin).json["items"]
    assert sorted((u["external_id"], u["reason"], u["amount"]["amount"]) for u in unmatched) == [
        ("7001:2", "no_production", 500), ("7001:3", "no_production", 100)]


def test_an_order_in_another_currency_is_unmatched(client, producer, admin):
    make_production(client, producer, currency="EUR")

    post_shopify(client, "orders/paid", shopify_order(7002, [(1, 1001, "10.00", 1, "0")], currency="USD"))

    assert [u["reason"] for u in client.get("/sales/unmatched", token=admin).json["items"]] == ["currency_mismatch"]


def test_a_refund_takes_each_refunded_lines_subtotal(client, producer):
    album = make_production(client, producer, products=("1001", "1002"))
    post_shopify(client, "orders/paid", shopify_order(8001, [(1, 1001, "10.00", 1, "0"), (2, 1002, "4.00", 1, "0")]))

    post_shopify(client, "refunds/create", shopify_refund(90, 8001, {2: "4.00"}))

    assert entries(client, producer, album) == [("refund", "8001:2", -400), ("sale", "8001:1", 1000),
                                                ("sale", "8001:2", 400)]


def test_a_refund_without_lines_is_split_by_sale_amounts_to_the_cent(client, producer):
    album = make_production(client, producer, products=("1001", "1002", "1003"))
    post_shopify(client, "orders/paid", shopify_order(8002, [(3, 1001, "1.00", 1, "0"), (1, 1002, "1.00", 1, "0"),
                                                             (2, 1003, "1.00", 1, "0")]))

    post_shopify(client, "refunds/create", shopify_refund(91, 8002, transactions=["0.50", "0.50"]))

    refunds = [e for e in entries(client, producer, album) if e[0] == "refund"]
    # 100 over three equal lines: 33 each, the odd cent to the smallest line id ("1").
    assert refunds == [("refund", "8002:1", -34), ("refund", "8002:2", -33), ("refund", "8002:3", -33)]


def test_a_refund_before_its_order_is_held_and_booked_when_it_arrives(client, producer):
    album = make_production(client, producer)
    post_shopify(client, "refunds/create", shopify_refund(92, 8003, {1: "2.50"}))
    assert entries(client, producer, album) == []

    post_shopify(client, "orders/paid", shopify_order(8003, [(1, 1001, "10.00", 1, "0")]))

    assert entries(client, producer, album) == [("refund", "8003:1", -250), ("sale", "8003:1", 1000)]


def test_the_same_webhook_id_counts_once(client, producer):
    album = make_production(client, producer)
    order = shopify_order(8004, [(1, 1001, "10.00", 1, "0")])

    outcomes = [post_shopify(client, "orders/paid", order, webhook_id="wh-1").json["outcome"] for _ in range(3)]

    assert outcomes == ["taken", "duplicate", "duplicate"]
    assert entries(client, producer, album) == [("sale", "8004:1", 1000)]


def test_a_refund_redelivered_under_a_new_webhook_id_still_counts_once(client, producer):
    album = make_production(client, producer)
    post_shopify(client, "orders/paid", shopify_order(8005, [(1, 1001, "10.00", 1, "0")]))

    for _ in range(2):
        post_shopify(client, "refunds/create", shopify_refund(93, 8005, {1: "1.00"}))

    assert [e for e in entries(client, producer, album) if e[0] == "refund"] == [("refund", "8005:1", -100)]


def test_a_refund_for_an_unmatched_line_waits_for_its_assignment(client, producer, admin):
    album = make_production(client, producer)
    post_shopify(client, "orders/paid", shopify_order(8006, [(1, 4242, "10.00", 1, "0")]))
    post_shopify(client, "refunds/create", shopify_refund(94, 8006, {1: "3.00"}))
    unmatched = client.get("/sales/unmatched", token=admin).json["items"]

    client.post(f"/sales/unmatched/{unmatched[0]['id']}/assign", token=admin, json_body={"production_id": album})

    assert entries(client, producer, album) == [("refund", "8006:1", -300), ("sale", "8006:1", 1000)]


def test_the_period_is_the_orders_processed_at_in_utc(client, producer):
    album = make_production(client, producer)

    post_shopify(client, "orders/paid", shopify_order(8007, [(1, 1001, "1.00", 1, "0")],
                                                      processed_at="2026-10-31T21:30:00-05:00"))

    ledger = client.get(f"/productions/{album}/ledger", token=producer).json["items"]
    assert ledger[0]["period"] == "2026-11" and ledger[0]["event_time"] == "2026-11-01T02:30:00.000Z"


def test_a_bad_hmac_is_401_and_stores_nothing(client, producer):
    album = make_production(client, producer)
    body = body_of(shopify_order(8008, [(1, 1001, "10.00", 1, "0")]))

    assert_problem(post_shopify(client, "orders/paid", {}, body=body, signature=shopify_signature(body, "other")), 401)
    assert_problem(post_shopify(client, "orders/paid", {}, body=body, signature=""), 401)
    assert_problem(post_shopify(client, "orders/paid", {}, body=body + b" ", signature=shopify_signature(body)), 401)
    assert entries(client, producer, album) == []


def test_other_topics_are_acknowledged_and_ignored(client):
    assert post_shopify(client, "products/update", {"id": 1}).json == {"outcome": "ignored"}


@pytest.mark.parametrize("payload", [
    {"id": 1, "currency": "USD", "line_items": "nope", "processed_at": "2026-11-01T00:00:00Z"},
    {"id": 1, "currency": "USD", "line_items": [], "processed_at": "2026-11-01T00:00:00Z"},
    {"id": 1, "currency": "USD", "processed_at": "yesterday",
     "line_items": [{"id": 1, "product_id": 1001, "price": "1.00", "quantity": 1}]},
    {"id": 1, "currency": "USD", "processed_at": "2026-11-01T00:00:00Z",
     "line_items": [{"id": 1, "product_id": 1001, "price": "1.00", "quantity": -1}]},
])
def test_a_signed_malformed_order_is_400(client, payload):
    assert_problem(post_shopify(client, "orders/paid", payload), 400)


@pytest.mark.parametrize("subtotal", ["", "abc", "1e3", None, "0.0001"])
def test_a_signed_refund_with_a_subtotal_that_is_no_amount_is_400(client, subtotal):
    refund = shopify_refund(95, 9001, {1: "1.00"})
    refund["refund_line_items"][0]["subtotal"] = subtotal

    assert_problem(post_shopify(client, "refunds/create", refund), 400)


def test_a_refund_finer_than_its_orders_currency_is_400(client, producer):
    album = make_production(client, producer, currency="JPY")
    post_shopify(client, "orders/paid", shopify_order(9101, [(1, 1001, "1500", 1, "0")], currency="JPY"))

    assert_problem(post_shopify(client, "refunds/create", shopify_refund(96, 9101, {1: "0.50"})), 400)
    assert entries(client, producer, album) == [("sale", "9101:1", 1500)]


def test_a_held_refund_finer_than_the_orders_currency_does_not_hold_the_order_back(client, producer):
    album = make_production(client, producer, currency="JPY")
    post_shopify(client, "refunds/create", shopify_refund(97, 9102, {1: "0.50"}))

    reply = post_shopify(client, "orders/paid", shopify_order(9102, [(1, 1001, "1500", 1, "0")], currency="JPY"))

    assert reply.json == {"outcome": "taken"}
    assert entries(client, producer, album) == [("sale", "9102:1", 1500)]


def _every(client, token, path: str) -> list[dict]:
    return [item for page in all_pages(client, path, token=token) for item in page]


def test_an_order_of_more_lines_than_one_transaction_holds_books_every_line_once(client, producer):
    album = make_production(client, producer, products=("1001", "1002"))
    lines = [(n, 1001 + n % 2, f"{n}.01", 1, "0") for n in range(1, 151)]  # 150 lines: 156 writes
    order = shopify_order(7101, lines)

    first = post_shopify(client, "orders/paid", order, webhook_id="wh-big")
    again = post_shopify(client, "orders/paid", order, webhook_id="wh-big")

    assert (first.json, again.json) == ({"outcome": "taken"}, {"outcome": "duplicate"})
    booked = sorted((e["external_id"], e["amount"]["amount"]) for e in _every(client, producer,
                                                                              f"/productions/{album}/ledger"))
    assert booked == sorted((f"7101:{n}", n * 100 + 1) for n in range(1, 151))
    assert client.get(f"/productions/{album}", token=producer).json["totals"]["gross"]["amount"] == \
        sum(n * 100 + 1 for n in range(1, 151))


def test_a_refund_of_more_lines_than_one_transaction_holds_refunds_every_line(client, producer):
    album = make_production(client, producer)
    post_shopify(client, "orders/paid", shopify_order(7201, [(n, 1001, "2.00", 1, "0") for n in range(1, 121)]))

    refund = shopify_refund(1, 7201, {n: "1.50" for n in range(1, 121)})
    assert post_shopify(client, "refunds/create", refund).json == {"outcome": "taken"}

    refunds = [e for e in _every(client, producer, f"/productions/{album}/ledger") if e["kind"] == "refund"]
    assert len(refunds) == 120 and {e["amount"]["amount"] for e in refunds} == {-150}
    assert client.get(f"/productions/{album}", token=producer).json["totals"]["net"]["amount"] == 120 * 50


def test_an_order_of_more_unmatched_lines_than_one_transaction_holds_keeps_each_line(client, admin):
    order = shopify_order(7301, [(n, 8000 + n, "1.00", 1, "0") for n in range(1, 131)])

    assert post_shopify(client, "orders/paid", order).json == {"outcome": "taken"}

    unmatched = _every(client, admin, "/sales/unmatched")
    assert sorted(u["external_id"] for u in unmatched) == sorted(f"7301:{n}" for n in range(1, 131))
