"""Stripe deliveries: signatures first, then an exact ledger whatever the order or repetition."""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import pytest

from tests.store_payloads import (
    body_of, charge, checkout_session, dispute, payment_intent, post_stripe, stripe_event, stripe_signature,
)
from tests.support import assert_problem


@pytest.fixture
def production(client, producer):
    reply = client.post("/productions", token=producer, json_body={
        "title": "Tiny Stories", "format": "book", "currency": "USD",
        "products": [{"provider": "stripe", "product_id": "prod_book"}]})
    assert reply.status == 201, reply
    return reply.json["id"]


def totals(client, token, production_id) -> dict:
    return {k: v["amount"] for k, v in client.get(f"/productions/{production_id}", token=token).json["totals"].items()}


def ledger(client, token, production_id) -> list[tuple]:
    items = client.get(f"/productions/{production_id}/ledger?limit=100", token=token).json["items"]
    return [(e["kind"], e["amount"]["amount"]) for e in items]


def sale(production_id=None, product_id=None, pi="pi_1", amount=2000, currency="usd", **kw):
    return stripe_event("checkout.session.completed",
                        checkout_session(pi, amount, currency, production_id=production_id, product_id=product_id),
                        **kw)


def test_a_paid_checkout_session_books_a_sale_to_the_named_production(client, producer, production):
    reply = post_stripe(client, sale(production_id=production))

    assert reply.status == 200 and reply.json == {"outcome": "taken"}
    assert totals(client, producer, production)["gross"] == 2000
    entry = client.get(f"/productions/{production}/ledger", token=producer).json["items"][0]
    assert entry["kind"] == "sale" and entry["external_id"] == "pi_1" and entry["provider"] == "stripe"
    assert entry["amount"] == {"amount": 2000, "currency": "USD"}


def test_a_sale_is_matched_by_product_id_through_the_products(client, producer, production):
    assert post_stripe(client, sale(product_id="prod_book")).status == 200

    assert totals(client, producer, production)["gross"] == 2000


def test_the_same_delivery_three_times_counts_once(client, producer, production):
    event = sale(production_id=production)

    outcomes = [post_stripe(client, event).json["outcome"] for _ in range(3)]

    assert outcomes == ["taken", "duplicate", "duplicate"]
    assert ledger(client, producer, production) == [("sale", 2000)]


def test_a_purchase_reported_as_payment_intent_and_checkout_session_is_one_sale(client, producer, production):
    post_stripe(client, stripe_event("payment_intent.succeeded",
                                     payment_intent("pi_9", 2000, production_id=production)))
    post_stripe(client, sale(production_id=production, pi="pi_9"))

    assert ledger(client, producer, production) == [("sale", 2000)]


def test_a_payment_intent_without_production_metadata_is_ignored(client, admin):
    reply = post_stripe(client, stripe_event("payment_intent.succeeded", payment_intent("pi_2", 500)))

    assert reply.json == {"outcome": "ignored"}
    assert client.get("/sales/unmatched", token=admin).json["items"] == []


def test_an_unpaid_session_waits_for_async_payment_succeeded(client, producer, production):
    session = checkout_session("pi_3", 1500, production_id=production, payment_status="unpaid")
    assert post_stripe(client, stripe_event("checkout.session.completed", session)).json == {"outcome": "ignored"}

    session["payment_status"] = "paid"
    post_stripe(client, stripe_event("checkout.session.async_payment_succeeded", session))

    assert ledger(client, producer, production) == [("sale", 1500)]


def test_a_session_without_payment_intent_is_keyed_by_its_own_id(client, producer, production):
    event = sale(production_id=production, pi=None)

    post_stripe(client, event)

    items = client.get(f"/productions/{production}/ledger", token=producer).json["items"]
    assert items[0]["external_id"] == event["data"]["object"]["id"]


def test_cumulative_refunds_book_only_their_increase_in_any_order(client, producer, production):
    post_stripe(client, sale(production_id=production, amount=2000))
    for cumulative in (1000, 300, 2000, 1000):  # a late, smaller report takes nothing
        post_stripe(client, stripe_event("charge.refunded", charge("pi_1", 2000, cumulative)))

    assert sorted(ledger(client, producer, production)) == [("refund", -1000), ("refund", -1000), ("sale", 2000)]
    assert totals(client, producer, production)["net"] == 0


def test_a_refund_before_its_sale_is_held_and_booked_with_it(client, producer, production, admin):
    post_stripe(client, stripe_event("charge.refunded", charge("pi_1", 2000, 500)))
    assert ledger(client, producer, production) == []
    assert client.get("/sales/unmatched", token=admin).json["items"] == []

    post_stripe(client, sale(production_id=production))

    assert sorted(ledger(client, producer, production)) == [("refund", -500), ("sale", 2000)]


def test_disputes_lost_and_won(client, producer, production):
    post_stripe(client, sale(production_id=production, pi="pi_a", amount=3000))
    post_stripe(client, sale(production_id=production, pi="pi_b", amount=1000))
    post_stripe(client, stripe_event("charge.dispute.created", dispute("pi_a", "dp_lost", 3000)))
    post_stripe(client, stripe_event("charge.dispute.created", dispute("pi_b", "dp_won", 1000)))
    post_stripe(client, stripe_event("charge.dispute.closed", dispute("pi_b", "dp_won", 1000, status="won")))
    post_stripe(client, stripe_event("charge.dispute.closed", dispute("pi_a", "dp_lost", 3000, status="lost")))

    result = totals(client, producer, production)
    assert result["gross"] == 4000 and result["disputes"] == 3000 and result["net"] == 1000
    assert sorted(ledger(client, producer, production)) == [
        ("dispute", -3000), ("dispute", -1000), ("dispute_reversal", 1000), ("sale", 1000), ("sale", 3000)]


def test_a_won_dispute_reported_before_it_opened_nets_to_zero(client, producer, production):
    post_stripe(client, sale(production_id=production))
    post_stripe(client, stripe_event("charge.dispute.closed", dispute("pi_1", "dp_1", 2000, status="won")))
    post_stripe(client, stripe_event("charge.dispute.created", dispute("pi_1", "dp_1", 2000)))

    assert totals(client, producer, production)["net"] == 2000


def test_an_unknown_product_is_kept_unmatched_then_assigned(client, producer, production, admin):
    post_stripe(client, sale(product_id="prod_unknown", pi="pi_u", amount=700))
    post_stripe(client, stripe_event("charge.refunded", charge("pi_u", 700, 200)))  # held with its sale

    unmatched = client.get("/sales/unmatched", token=admin).json["items"]
    assert [(u["external_id"], u["reason"], u["amount"]) for u in unmatched] == [
        ("pi_u", "no_production", {"amount": 700, "currency": "USD"})]
    assert ledger(client, producer, production) == []

    reply = client.post(f"/sales/unmatched/{unmatched[0]['id']}/assign", token=admin,
                        json_body={"production_id": production})

    assert reply.status == 200 and reply.json["assigned_to"] == production
    assert sorted(ledger(client, producer, production)) == [("refund", -200), ("sale", 700)]
    assert client.get("/sales/unmatched", token=admin).json["items"] == []
    assert_problem(client.post(f"/sales/unmatched/{unmatched[0]['id']}/assign", token=admin,
                               json_body={"production_id": production}), 409)
    # A refund after the assignment books straight away.
    post_stripe(client, stripe_event("charge.refunded", charge("pi_u", 700, 300)))
    assert totals(client, producer, production)["refunds"] == 300


def test_a_sale_in_another_currency_is_unmatched_and_cannot_be_assigned_to_it(client, producer, production, admin):
    post_stripe(client, sale(production_id=production, currency="eur"))

    unmatched = client.get("/sales/unmatched", token=admin).json["items"]
    assert [(u["reason"], u["amount"]["currency"]) for u in unmatched] == [("currency_mismatch", "EUR")]
    assert_problem(client.post(f"/sales/unmatched/{unmatched[0]['id']}/assign", token=admin,
                               json_body={"production_id": production}), 422)
    assert ledger(client, producer, production) == []


def test_unmatched_sales_page_through_the_whole_list(client, admin):
    for n in range(3):
        post_stripe(client, sale(product_id="nope", pi=f"pi_u{n}"))

    everything = client.get("/sales/unmatched", token=admin).json["items"]
    first = client.get("/sales/unmatched?limit=2", token=admin).json
    rest = client.get(f"/sales/unmatched?limit=2&cursor={first['next_cursor']}", token=admin).json

    assert first["items"] + rest["items"] == everything and rest["next_cursor"] is None
    assert sorted(u["external_id"] for u in everything) == ["pi_u0", "pi_u1", "pi_u2"]
    assert [u["received_at"] for u in everything] == sorted((u["received_at"] for u in everything), reverse=True)


def test_unmatched_sales_are_for_admins_only(client, producer, member):
    assert_problem(client.get("/sales/unmatched", token=producer), 403)
    assert_problem(client.get("/sales/unmatched"), 401)
    assert_problem(client.post("/sales/unmatched/01J00000000000000000000000/assign", token=member("ann"),
                               json_body={"production_id": "x"}), 403)


def test_assigning_an_unknown_sale_or_to_an_unknown_production_is_404(client, admin, production):
    assert_problem(client.post("/sales/unmatched/01J00000000000000000000000/assign", token=admin,
                               json_body={"production_id": production}), 404)
    post_stripe(client, sale(product_id="nope"))
    unmatched = client.get("/sales/unmatched", token=admin).json["items"][0]["id"]
    assert_problem(client.post(f"/sales/unmatched/{unmatched}/assign", token=admin,
                               json_body={"production_id": "01J00000000000000000000000"}), 404)


def test_an_entry_counts_in_the_month_of_its_event(client, producer, production):
    october = int(datetime(2026, 10, 31, 23, 59, tzinfo=timezone.utc).timestamp())

    post_stripe(client, sale(production_id=production, created=october))

    assert client.get(f"/productions/{production}/ledger", token=producer).json["items"][0]["period"] == "2026-10"


# Signatures: nothing is stored unless one v1 signs the raw body with our secret within 300 s.

def _nothing_stored(client, producer, production, admin):
    assert ledger(client, producer, production) == []
    assert client.get("/sales/unmatched", token=admin).json["items"] == []


@pytest.mark.parametrize("make_header", [
    pytest.param(lambda body: stripe_signature(body, secrets=("whsec_someone_else",)), id="wrong-secret"),
    pytest.param(lambda body: stripe_signature(body, timestamp=int(time.time()) - 301), id="expired"),
    pytest.param(lambda body: stripe_signature(body, timestamp=int(time.time()) + 301), id="from-the-future"),
    pytest.param(lambda body: stripe_signature(body + b" "), id="other-body"),
    pytest.param(lambda body: stripe_signature(body).replace("v1=", "v0="), id="no-v1"),
    pytest.param(lambda body: "garbage", id="malformed"),
    pytest.param(lambda body: "", id="empty"),
])
def test_a_delivery_without_a_valid_signature_is_401_and_stores_nothing(client, producer, production, admin,
                                                                         make_header):
    body = body_of(sale(production_id=production))

    assert_problem(post_stripe(client, {}, body=body, signature=make_header(body)), 401)
    _nothing_stored(client, producer, production, admin)


def test_a_tampered_body_is_refused(client, producer, production, admin):
    event = sale(production_id=production, amount=100)
    header = stripe_signature(body_of(event))
    event["data"]["object"]["amount_total"] = 100_000

    assert_problem(post_stripe(client, event, signature=header), 401)
    _nothing_stored(client, producer, production, admin)


def test_a_missing_signature_header_is_401(client):
    reply = client.post("/webhooks/stripe", body=body_of(sale()))

    assert_problem(reply, 401)


def test_any_v1_may_match_while_a_secret_is_rolled(client, producer, production):
    body = body_of(sale(production_id=production))
    header = stripe_signature(body, secrets=("whsec_the_old_one", "whsec_remixery_local"))

    assert post_stripe(client, {}, body=body, signature=header).status == 200
    assert ledger(client, producer, production) == [("sale", 2000)]


@pytest.mark.parametrize("change", [
    lambda e: e["data"]["object"].update(amount_total=10**12 + 1),
    lambda e: e["data"]["object"].update(amount_total=19.99),
    lambda e: e["data"]["object"].update(amount_total=-5),
    lambda e: e["data"]["object"].update(currency="dollars"),
    lambda e: e.pop("created"),
    lambda e: e.update(data=[]),
])
def test_a_signed_but_malformed_event_is_400_and_stores_nothing(client, producer, production, admin, change):
    event = sale(production_id=production)
    change(event)

    assert_problem(post_stripe(client, event), 400)
    _nothing_stored(client, producer, production, admin)


def test_a_signed_body_that_is_not_json_is_400(client):
    body = b"{not json"
    assert_problem(post_stripe(client, {}, body=body), 400)


def test_other_event_types_are_acknowledged_and_ignored(client):
    reply = post_stripe(client, stripe_event("customer.created", {"id": "cus_1", "object": "customer"}))

    assert reply.status == 200 and reply.json == {"outcome": "ignored"}


def test_the_webhook_answer_is_json(client, production):
    reply = post_stripe(client, sale(production_id=production))
    assert reply.headers["content-type"] == "application/json" and json.loads(reply.raw)["outcome"] == "taken"


def _close(through: str | None = None, closing: str | None = None) -> None:
    """What a royalty run leaves behind (see storage.ledger): the period state."""
    from chalicelib.storage.models import PeriodsItem

    PeriodsItem(*PeriodsItem.key(), closed_through=through, closing=closing).save()


def test_an_entry_of_a_closed_period_counts_in_the_first_open_one(client, producer, production):
    _close(through="2026-10")
    september = int(datetime(2026, 9, 15, tzinfo=timezone.utc).timestamp())

    post_stripe(client, sale(production_id=production, created=september))

    entry = client.get(f"/productions/{production}/ledger", token=producer).json["items"][0]
    assert entry["period"] == "2026-11" and entry["event_time"].startswith("2026-09-15")


def test_an_entry_never_lands_in_a_period_being_closed(client, producer, production):
    from chalicelib import services

    _close(through="2026-10", closing="2026-11")
    services.royalties().close_production(production, "2026-11")
    november = int(datetime(2026, 11, 15, tzinfo=timezone.utc).timestamp())

    post_stripe(client, sale(production_id=production, created=november))

    assert client.get(f"/productions/{production}/ledger", token=producer).json["items"][0]["period"] == "2026-12"
    assert set(services.productions().period_totals(production)) == {"2026-12"}


def test_a_booking_read_before_a_close_cannot_land_in_a_closed_period_it_never_booked_in(client, producer,
                                                                                         production):
    """The race a webhook can lose: it read the period state, then a run closed the production
    before its transaction. Even for a month with no totals yet, the write is refused (and the
    webhook's retry reads the state again and books into the first open period)."""
    from pynamodb.exceptions import TransactWriteError

    from chalicelib import services
    from chalicelib.config import get_settings
    from chalicelib.domain.ledger import SALE, Entry
    from chalicelib.storage.connection import cancellation_codes, write_transaction
    from chalicelib.storage.ledger import add_postings, posting

    august_sale = posting(production, Entry(SALE, 500, "USD", "2026-08-15T12:00:00.000Z", "pi_stale"), closed=None)
    _close(closing="2026-09")  # what a run does first, then it closes each production
    services.royalties().close_production(production, "2026-09")

    with pytest.raises(TransactWriteError) as refused:
        write_transaction(get_settings(), lambda tx: add_postings(tx, [august_sale], "2026-10-01T00:00:00.000Z"))

    assert "ConditionalCheckFailed" in cancellation_codes(refused.value)
    assert services.productions().period_totals(production) == {}
    assert totals(client, producer, production)["gross"] == 0


def test_a_refund_of_a_charge_without_payment_intent_is_taken_not_refused(client, producer, production):
    refunded = charge("pi_unused", 2000, 500)
    refunded["payment_intent"] = None

    reply = post_stripe(client, stripe_event("charge.refunded", refunded))

    assert reply.status == 200 and reply.json == {"outcome": "taken"}
    assert ledger(client, producer, production) == []  # held under the charge id: no sale to book it to


# Hostile but signed: each is a 400 naming what is wrong, and stores nothing, not even the event's
# dedupe marker (the same event id, delivered well-formed, is then taken).

def _refused_and_forgotten(client, producer, production, admin, event: dict, says: str, body: bytes | None = None):
    problem = assert_problem(post_stripe(client, event, body=body), 400)
    assert says in problem["detail"], problem["detail"]
    assert post_stripe(client, sale(production_id=production, event_id=event["id"])).json == {"outcome": "taken"}
    # Only the well-formed sale: a refund or dispute held from the refused event would book with it.
    assert ledger(client, producer, production) == [("sale", 2000)]
    assert client.get("/sales/unmatched", token=admin).json["items"] == []


def _refund(amount_refunded):
    return stripe_event("charge.refunded", charge("pi_1", 2000, 0) | {"amount_refunded": amount_refunded})


def _dispute(amount):
    return stripe_event("charge.dispute.created", dispute("pi_1", "dp_1", 0) | {"amount": amount})


def _intent(**amounts):
    return stripe_event("payment_intent.succeeded", payment_intent("pi_1", 2000, product_id="prod_book") | amounts)


def _checkout(amount_total):
    return stripe_event("checkout.session.completed", checkout_session("pi_1", 0, product_id="prod_book")
                        | {"amount_total": amount_total})


@pytest.mark.parametrize("event, says", [
    pytest.param(_checkout(10**12 + 1), "amount_total: 1000000000001 is beyond the bound", id="sale-over-bound"),
    pytest.param(_checkout(10**40), "beyond the bound of 10^12", id="sale-10^40"),
    pytest.param(_checkout(-1), "amount_total: -1 is negative", id="sale-negative"),
    pytest.param(_checkout(True), "amount_total: true is not an integer", id="sale-bool"),
    pytest.param(_checkout(2000.0), "amount_total: 2000.0 is not an integer", id="sale-float"),
    pytest.param(_checkout("2000"), 'amount_total: "2000" is not an integer', id="sale-string"),
    pytest.param(_checkout(None), "amount_total: null is not an integer", id="sale-null"),
    pytest.param(_intent(amount_received=10**13), "amount_received: 10000000000000 is beyond", id="intent-received"),
    pytest.param(_intent(amount_received=None, amount=-5), "amount: -5 is negative", id="intent-amount"),
    pytest.param(_intent(amount_received=False), "amount_received: false", id="intent-bool"),
    pytest.param(_refund(10**12 + 1), "amount_refunded: 1000000000001 is beyond", id="refund-over-bound"),
    pytest.param(_refund(True), "amount_refunded: true", id="refund-bool"),
    pytest.param(_refund(-1), "amount_refunded: -1 is negative", id="refund-negative"),
    pytest.param(_refund(1.5), "amount_refunded: 1.5", id="refund-float"),
    pytest.param(_refund(2001), "amount_refunded is more than the charge's amount", id="refund-over-charge"),
    pytest.param(_refund(10**12), "amount_refunded is more than the charge's amount", id="refund-10^12-of-2000"),
    pytest.param(stripe_event("charge.refunded", {k: v for k, v in charge("pi_1", 2000, 500).items() if k != "amount"}),
                 "lacks the field 'amount'", id="refund-without-charge-amount"),
    pytest.param(_dispute(10**15), "amount: 1000000000000000 is beyond", id="dispute-over-bound"),
    pytest.param(_dispute(False), "amount: false", id="dispute-bool"),
])
def test_a_signed_amount_that_is_no_bounded_count_of_minor_units_is_400_and_stores_nothing(
        client, producer, production, admin, event, says):
    _refused_and_forgotten(client, producer, production, admin, event, says)


@pytest.mark.parametrize("created, says", [
    pytest.param(10**19, "10000000000000000000 is not a whole number of seconds", id="10^19"),
    pytest.param(253402300800, "to 253402300799 (the end of 9999)", id="year-10000"),
    pytest.param(-1, "-1 is not a whole number of seconds", id="before-1970"),
    pytest.param(True, "created: true", id="bool"),
    pytest.param(1.7e9, "created: 1700000000.0", id="float"),
    pytest.param("1700000000", 'created: "1700000000"', id="string"),
])
def test_a_created_time_outside_1970_to_9999_is_400_and_stores_nothing(client, producer, production, admin,
                                                                       created, says):
    event = _refund(500)
    event["created"] = created

    _refused_and_forgotten(client, producer, production, admin, event, says)


@pytest.mark.parametrize("make, currency", [
    *((_checkout, c) for c in ["usd\n", "usd ", " usd", "us", "usdd", "ＵＳＤ", "üsd", "", 840, None]),
    (_refund, "usd\n"), (_dispute, "usd\n"),
])
def test_a_currency_that_is_not_three_ascii_letters_is_400_and_stores_nothing(client, producer, production, admin,
                                                                               make, currency):
    event = make(2000)
    event["data"]["object"]["currency"] = currency

    _refused_and_forgotten(client, producer, production, admin, event, "currency: ")


@pytest.mark.parametrize("field, value", [
    ("id", "evt\n1"), ("id", "evt\ud8001"), ("id", "x" * 256), ("id", 42), ("type", ""),
])
def test_an_event_id_or_type_that_no_store_could_keep_is_400(client, producer, production, admin, field, value):
    event = sale(production_id=production)
    event[field] = value

    assert_problem(post_stripe(client, event), 400)
    _nothing_stored(client, producer, production, admin)


@pytest.mark.parametrize("header", [
    pytest.param("t=\xb2,v1=" + "0" * 64, id="superscript-t"),
    pytest.param("t=\u0661\u0667\u0660\u0660\u0660\u0660\u0660\u0660\u0660\u0660,v1=" + "0" * 64, id="arabic-t"),
    pytest.param("t=1700000000\n,v1=" + "0" * 64, id="t-newline"),
    pytest.param("t=1,t=2,v1=" + "0" * 64, id="two-t"),
    pytest.param("t=" + "9" * 13 + ",v1=" + "0" * 64, id="long-t"),
    pytest.param("t=,v1=" + "0" * 64, id="empty-t"),
    pytest.param("v1=" + "0" * 64, id="no-t"),
    pytest.param("t=1700000000", id="no-v1"),
    pytest.param("t=1700000000,v1=" + "0" * 63, id="short-v1"),
    pytest.param("t=1700000000,v1=" + "0" * 65, id="long-v1"),
    pytest.param("t=1700000000,v1=" + "g" * 64, id="not-hex"),
    pytest.param("t=1700000000,v1=" + "\u0660" * 64, id="arabic-hex"),
    pytest.param("t=1700000000,,v1=" + "0" * 64, id="empty-part"),
    pytest.param("t=1700000000,v1=" + "0" * 64 + ",\u2603=snow", id="non-latin-1"),
    pytest.param("t=1700000000," + ",".join(["v1=" + "0" * 64] * 40), id="enormous"),
    pytest.param("=", id="bare-equals"),
])
def test_a_stripe_signature_header_not_shaped_as_stripe_sends_it_is_401_and_stores_nothing(
        client, producer, production, admin, header):
    body = body_of(sale(production_id=production))

    problem = assert_problem(post_stripe(client, {}, body=body, signature=header), 401)

    assert "Stripe-Signature" in problem["detail"]
    _nothing_stored(client, producer, production, admin)


def test_a_signature_in_uppercase_hex_is_accepted(client, producer, production):
    body = body_of(sale(production_id=production))
    t, v1 = stripe_signature(body).split(",")

    assert post_stripe(client, {}, body=body, signature=f"{t},{v1.upper().replace('V1=', 'v1=')}").status == 200
    assert ledger(client, producer, production) == [("sale", 2000)]
