"""Shopify deliveries: one sale per line item, exact decimal amounts, refunds by line or split."""
from __future__ import annotations

import base64
import string

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

    problem = assert_problem(post_shopify(client, "refunds/create", shopify_refund(96, 9101, {1: "0.50"})), 400)
    assert "refund 96 does not fit its order's currency" in problem["detail"] and "JPY" in problem["detail"]
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


# Hostile but signed: each is a 400 naming what is wrong, and stores nothing, not even the
# webhook's dedupe marker (the same X-Shopify-Webhook-Id, delivered well-formed, is then taken).

ORDER = 5100


def _line(**fields) -> dict:
    order = shopify_order(ORDER, [(1, 1001, "1.00", 1, "0.00")])
    order["line_items"][0].update(fields)
    return order


@pytest.mark.parametrize("fields, says", [
    pytest.param({"quantity": 10**40}, "line item 1: quantity 100000000000000000000000000000000000000… is not",
                 id="quantity-10^40"),
    pytest.param({"quantity": 10**12 + 1}, "is not a whole number from 1 to 10^12", id="quantity-over-bound"),
    pytest.param({"quantity": 0}, "quantity 0 is not", id="quantity-zero"),
    pytest.param({"quantity": -1}, "quantity -1 is not", id="quantity-negative"),
    pytest.param({"quantity": True}, "quantity true is not", id="quantity-bool"),
    pytest.param({"quantity": 1.0}, "quantity 1.0 is not", id="quantity-float"),
    pytest.param({"quantity": "2"}, 'quantity "2" is not', id="quantity-string"),
    pytest.param({"quantity": None}, "quantity null is not", id="quantity-null"),
    pytest.param({"price": "1000.00", "quantity": 10**9 + 1}, "price × quantity: 100000000100000 is beyond",
                 id="gross-over-bound"),
    pytest.param({"price": "10000000000.01"}, "price: 1000000000001 is beyond the bound", id="price-over-bound"),
    pytest.param({"price": "\u0661.\u0660\u0660"}, r'price: "\u0661.\u0660\u0660" is not a decimal amount',
                 id="price-arabic-digits"),
    pytest.param({"price": "\u00b2"}, "price: ", id="price-superscript"),
    pytest.param({"price": "1.00\n"}, r'price: "1.00\n" is not a decimal amount', id="price-newline"),
    pytest.param({"price": " 1.00"}, "price: ", id="price-space"),
    pytest.param({"price": "-1.00"}, 'price: "-1.00" is negative', id="price-negative"),
    pytest.param({"price": "1e3"}, "price: ", id="price-exponent"),
    pytest.param({"price": "0.001"}, "more decimals than USD has", id="price-finer-than-cents"),
    pytest.param({"price": True}, "price: true is not a decimal amount", id="price-bool"),
    pytest.param({"price": None}, "price: null is not a decimal amount", id="price-null"),
    pytest.param({"total_discount": "-0.01"}, "total_discount: ", id="discount-negative"),
    pytest.param({"total_discount": "1.01"}, 'total_discount "1.01" is more than price × quantity',
                 id="discount-over-gross"),
    pytest.param({"total_discount": "\u0661"}, "total_discount: ", id="discount-arabic"),
    pytest.param({"total_discount": False}, "total_discount: false", id="discount-bool"),
    pytest.param({"product_id": "1001\ud800"}, "product_id: ", id="product-surrogate"),
])
def test_a_signed_line_item_that_is_no_bounded_sale_is_400_and_stores_nothing(client, producer, admin, fields,
                                                                               says):
    album = make_production(client, producer)
    problem = assert_problem(post_shopify(client, "orders/paid", _line(**fields), webhook_id="wh-hostile"), 400)
    assert says in problem["detail"], problem["detail"]

    assert post_shopify(client, "orders/paid", _line(), webhook_id="wh-hostile").json == {"outcome": "taken"}
    assert entries(client, producer, album) == [("sale", f"{ORDER}:1", 100)]
    assert client.get("/sales/unmatched", token=admin).json["items"] == []


@pytest.mark.parametrize("change, says", [
    pytest.param(lambda o: o["line_items"].append({**o["line_items"][0], "id": "1"}), "line item 1 appears twice",
                 id="line-7-and-string-7"),
    pytest.param(lambda o: o["line_items"].append({**o["line_items"][0]}), "line item 1 appears twice",
                 id="line-repeated"),
    pytest.param(lambda o: o["line_items"][0].update(id="1\n"), "id: ", id="line-id-newline"),
    pytest.param(lambda o: o.update(currency="USD\n"), r'currency: "USD\n" is not', id="currency-newline"),
    pytest.param(lambda o: o.update(currency="ＵＳＤ"), "currency: ", id="currency-fullwidth"),
    pytest.param(lambda o: o.update(processed_at="0001-01-01T00:00:00+14:00"), "is not in the years 1970–9999",
                 id="year-1-at-plus-14"),
    pytest.param(lambda o: o.update(processed_at="9999-12-31T23:59:59-01:00"), "is not in the years 1970–9999",
                 id="year-10000-in-utc"),
    pytest.param(lambda o: o.update(processed_at="1969-12-31T23:59:59Z"), "processed_at: ", id="before-1970"),
    pytest.param(lambda o: o.update(processed_at="\u0662\u0660\u0662\u0666-11-20T10:00:00Z"), "processed_at: ",
                 id="arabic-digits"),
    pytest.param(lambda o: o.update(processed_at="2026-11-20T10:00:00Z\n"), "is not an ISO 8601 time",
                 id="trailing-newline"),
    pytest.param(lambda o: o.update(processed_at="2026-02-30T10:00:00Z"), "is not a time that exists",
                 id="february-30"),
    pytest.param(lambda o: o.update(processed_at=1700000000), "processed_at: 1700000000", id="a-number"),
])
def test_a_signed_order_that_is_no_bounded_sale_at_a_possible_time_is_400_and_stores_nothing(
        client, producer, admin, change, says):
    album = make_production(client, producer)
    order = _line()
    change(order)

    problem = assert_problem(post_shopify(client, "orders/paid", order, webhook_id="wh-hostile"), 400)
    assert says in problem["detail"], problem["detail"]

    assert post_shopify(client, "orders/paid", _line(), webhook_id="wh-hostile").json == {"outcome": "taken"}
    assert entries(client, producer, album) == [("sale", f"{ORDER}:1", 100)]
    assert client.get("/sales/unmatched", token=admin).json["items"] == []


def test_an_orders_total_may_reach_the_bound_but_not_pass_it(client, producer, admin):
    album = make_production(client, producer)
    lines = [(1, 1001, "5000000000.00", 1, "0"), (2, 1001, "2500000000.00", 2, "0")]

    over = post_shopify(client, "orders/paid", shopify_order(ORDER, [*lines, (3, 1001, "0.01", 1, "0")]))
    assert "the order's total: 1000000000001 is beyond the bound" in assert_problem(over, 400)["detail"]
    assert post_shopify(client, "orders/paid", shopify_order(ORDER, lines)).json == {"outcome": "taken"}

    assert client.get(f"/productions/{album}", token=producer).json["totals"]["gross"]["amount"] == 10**12
    assert client.get("/sales/unmatched", token=admin).json["items"] == []


@pytest.mark.parametrize("refund, says", [
    pytest.param(shopify_refund(1, ORDER, {1: "10000000000.01"}), "1000000000001 is beyond the bound",
                 id="subtotal-over-bound-in-usd"),
    pytest.param(shopify_refund(1, ORDER, {1: "1000000000001"}), "subtotal: ", id="subtotal-over-any-bound"),
    pytest.param(shopify_refund(1, ORDER, {1: "6000000000.00", 2: "6000000000.00"}),
                 "1200000000000 is beyond the bound", id="refund-total-over-bound"),
    pytest.param(shopify_refund(1, ORDER, transactions=["6000000000.00", "6000000000.00"]),
                 "1200000000000 is beyond the bound", id="transactions-over-bound"),
    pytest.param(shopify_refund(1, ORDER, {1: "-1.00"}), "subtotal: ", id="subtotal-negative"),
    pytest.param(shopify_refund(1, ORDER, transactions=["-1.00"]), "amount: ", id="transaction-negative"),
    pytest.param(shopify_refund(1, ORDER, {1: "\u0661.00"}), "subtotal: ", id="subtotal-arabic"),
    pytest.param(shopify_refund(1, ORDER, {1: True}), "subtotal: true", id="subtotal-bool"),
    pytest.param(shopify_refund(1, ORDER, {1: "1.00"}, processed_at="0001-01-01T00:00:00+14:00"),
                 "processed_at: ", id="time-overflows"),
])
def test_a_signed_refund_that_is_no_bounded_amount_is_400_and_stores_nothing(client, producer, admin, refund, says):
    album = make_production(client, producer)
    post_shopify(client, "orders/paid", shopify_order(ORDER, [(1, 1001, "5000000000.00", 1, "0"),
                                                              (2, 1001, "5000000000.00", 1, "0")]))

    problem = assert_problem(post_shopify(client, "refunds/create", refund, webhook_id="wh-hostile"), 400)
    assert says in problem["detail"], problem["detail"]

    good = shopify_refund(1, ORDER, {1: "1.00"})
    assert post_shopify(client, "refunds/create", good, webhook_id="wh-hostile").json == {"outcome": "taken"}
    assert entries(client, producer, album) == [("refund", f"{ORDER}:1", -100), ("sale", f"{ORDER}:1", 5 * 10**11),
                                                ("sale", f"{ORDER}:2", 5 * 10**11)]
    assert client.get("/sales/unmatched", token=admin).json["items"] == []


def _post_with(client, raw: bytes, **headers):
    sent = {"x-shopify-hmac-sha256": shopify_signature(raw), "x-shopify-topic": "orders/paid",
            "x-shopify-webhook-id": "wh-headers", **headers}
    return client.post("/webhooks/shopify", body=raw, headers={k: v for k, v in sent.items() if v is not None})


@pytest.mark.parametrize("header", ["x-shopify-webhook-id", "x-shopify-topic"])
@pytest.mark.parametrize("value", ["", "   ", "wh\u2603", "wh\u00e9", "wh\n1", "wh\x00", "x" * 256, None])
def test_a_webhook_id_or_topic_that_is_not_printable_ascii_is_400_and_stores_nothing(client, producer, admin,
                                                                                      header, value):
    album = make_production(client, producer)
    raw = body_of(_line())

    problem = assert_problem(_post_with(client, raw, **{header: value}), 400)

    assert header.lower() in problem["detail"].lower()
    assert entries(client, producer, album) == []
    assert _post_with(client, raw).json == {"outcome": "taken"}


BASE64 = string.ascii_uppercase + string.ascii_lowercase + string.digits + "+/"


@pytest.mark.parametrize("signature", [
    pytest.param(lambda s: s[:-1], id="no-padding"),
    pytest.param(lambda s: s + "=", id="extra-padding"),
    pytest.param(lambda s: s.replace("+", "-").replace("/", "_") if ("+" in s or "/" in s) else "-" + s[1:],
                 id="urlsafe-alphabet"),
    pytest.param(lambda s: s[:42] + BASE64[BASE64.index(s[42]) + 1] + "=", id="non-canonical-last-character"),
    pytest.param(lambda s: s[:20] + " " + s[20:], id="space-inside"),
    pytest.param(lambda s: "\u00b2" * 43 + "=", id="superscripts"),
    pytest.param(lambda s: "\u2603" * 44, id="non-latin-1"),
    pytest.param(lambda s: base64.b64decode(s).hex(), id="hex-digest"),
    pytest.param(lambda s: base64.b64encode(base64.b64decode(s)[:31]).decode(), id="31-bytes"),
    pytest.param(lambda s: s * 1000, id="enormous"),
    pytest.param(lambda s: s + "\u3000", id="then-an-ideographic-space"),
    pytest.param(lambda s: "\u00a0" + s, id="behind-a-no-break-space"),
])
def test_an_hmac_header_that_is_not_base64_of_a_sha256_digest_is_401(client, producer, signature):
    album = make_production(client, producer)
    raw = body_of(_line())

    assert_problem(_post_with(client, raw, **{"x-shopify-hmac-sha256": signature(shopify_signature(raw))}), 401)
    assert entries(client, producer, album) == []
