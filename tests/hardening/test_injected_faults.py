"""DynamoDB throttling and transient server errors, injected between the app and the local
store (`dynamodb_faults.py`), over real HTTP: nothing lost, nothing written twice, and a client
that is told to come back (503 + Retry-After), never a bare 500.

The app's DynamoDB clients are PynamoDB's: botocore's standard retry mode, 4 attempts in all,
exponential backoff with jitter (up to 1 s, 2 s, 4 s before the 2nd, 3rd, 4th attempt).
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

import boto3
import pytest

from tests.hardening.dynamodb_faults import (
    INTERNAL_SERVER_ERROR, PROVISIONED_THROUGHPUT_EXCEEDED, SERVICE_UNAVAILABLE, THROTTLED, DynamoDBFaults,
)
from tests.hardening.world import World, unique
from tests.support import unsigned
from tests.store_payloads import (
    body_of, checkout_session, shopify_order, shopify_signature, stripe_event, stripe_signature,
)

ATTEMPTS = 4  # botocore's standard mode as PynamoDB configures it: 1 + max_retry_attempts (3)
EVERY_ATTEMPT = 1000


def _reconnect() -> None:
    """The app's DynamoDB clients read their endpoint when they are created: drop the cached
    ones so the next request makes clients that see (or, afterwards, no longer see) the proxy."""
    from chalicelib.services import FACTORIES
    from chalicelib.storage import connection

    connection._bound.clear()
    connection._connection_for.cache_clear()
    for factory in FACTORIES:
        factory.cache_clear()


@pytest.fixture
def faults(aws, base_url):
    with DynamoDBFaults(aws.endpoint) as proxy:
        _reconnect()
        yield proxy
    _reconnect()


@pytest.fixture
def alice(base_url):
    """A world of one member, with her identity already read (and cached) once."""
    world = World(base_url)
    from local.tokens import mint

    world.tokens["member"] = mint("sub-alice")
    world.expect(201, "POST", "/members", "member", json={"handle": "alice", "display_name": "Alice"})
    return world


def _create(world: World):
    return world.request("POST", "/records", "member", json={"kind": "text", "title": unique("T"), "body": "x"})


def _my_records(world: World) -> list[str]:
    return [r["id"] for r in world.expect(200, "GET", "/members/alice/records")["items"]]


@pytest.mark.parametrize("fault", [PROVISIONED_THROUGHPUT_EXCEEDED, THROTTLED, INTERNAL_SERVER_ERROR,
                                   SERVICE_UNAVAILABLE], ids=lambda f: f.code)
def test_a_read_that_fails_twice_is_retried_and_answered(faults, alice, fault):
    record = alice.fresh_record()
    faults.reset_counts()
    faults.fail("GetItem", fault, times=2)

    reply = alice.request("GET", f"/records/{record}")

    assert reply.status_code == 200 and reply.json()["id"] == record
    assert (faults.injected("GetItem"), faults.attempts("GetItem")) == (2, 3)


@pytest.mark.parametrize("fault", [PROVISIONED_THROUGHPUT_EXCEEDED, THROTTLED, INTERNAL_SERVER_ERROR,
                                   SERVICE_UNAVAILABLE], ids=lambda f: f.code)
def test_a_transaction_that_fails_twice_is_retried_and_written_once(faults, alice, fault):
    _create(alice)  # the member's identity is read and cached by the first one
    faults.reset_counts()
    faults.fail("TransactWriteItems", fault, times=2)

    reply = _create(alice)

    assert reply.status_code == 201, reply.text
    assert faults.attempts("TransactWriteItems") == 3
    assert len(_my_records(alice)) == 2
    assert reply.json()["record"]["id"] in _my_records(alice)


def test_when_the_retries_run_out_the_client_is_told_to_retry_later_and_nothing_was_written(faults, alice):
    _create(alice)
    faults.reset_counts()
    faults.fail("TransactWriteItems", PROVISIONED_THROUGHPUT_EXCEEDED, times=EVERY_ATTEMPT)

    reply = _create(alice)

    assert reply.status_code == 503, reply.text
    assert reply.headers["Content-Type"] == "application/problem+json"
    assert int(reply.headers["Retry-After"]) >= 1
    assert reply.json()["status"] == 503 and "Traceback" not in reply.text
    assert faults.attempts("TransactWriteItems") == ATTEMPTS
    faults.clear()
    assert len(_my_records(alice)) == 1
    assert alice.expect(200, "GET", "/members/alice")["record_count"] == 1


def test_a_read_throttled_on_every_attempt_is_a_503_with_retry_after(faults, alice):
    record = alice.fresh_record()
    faults.fail("GetItem", THROTTLED, times=EVERY_ATTEMPT)

    reply = alice.request("GET", f"/records/{record}")

    assert (reply.status_code, reply.headers["Content-Type"]) == (503, "application/problem+json")
    assert reply.headers["Retry-After"] == "1"


def test_a_write_whose_answer_was_lost_is_not_booked_twice(faults, alice):
    """DynamoDB did the write but its answer never came back; the SDK sends it again."""
    _create(alice)
    faults.reset_counts()
    faults.fail("TransactWriteItems", INTERNAL_SERVER_ERROR, times=1, after_forwarding=True)

    reply = _create(alice)

    assert faults.attempts("TransactWriteItems") == 2
    assert len(_my_records(alice)) == 2  # written once, whatever the answer says
    assert reply.status_code == 201, reply.text


# --- webhooks: a failure after the signature check --------------------------------------------

@pytest.fixture
def shop(base_url):
    """A producer with a released production that sells on Stripe."""
    world = World(base_url)
    from local.tokens import mint

    world.tokens["producer"] = mint("sub-paula", ["producer"])
    world.expect(201, "POST", "/members", "producer", json={"handle": "paula", "display_name": "Paula"})
    world.tokens["member"] = world.tokens["producer"]
    world.record = world.fresh_record("producer")
    world.released = world.fresh_draft()
    world.release(world.released)
    return world


def _deliver(world: World, raw: bytes):
    return world.request("POST", "/webhooks/stripe", data=raw, headers={
        "Stripe-Signature": stripe_signature(raw), "Content-Type": "application/json"})


def _gross_and_ledger(world: World) -> tuple[int, int]:
    production = world.expect(200, "GET", f"/productions/{world.released}")
    ledger = world.expect(200, "GET", f"/productions/{world.released}/ledger", "producer")["items"]
    return production["totals"]["gross"]["amount"], len(ledger)


def test_a_stripe_delivery_whose_booking_fails_is_booked_exactly_once_when_stripe_retries(faults, shop):
    raw = body_of(stripe_event("checkout.session.completed",
                               checkout_session(unique("pi_"), 4200, production_id=shop.released)))
    faults.fail("TransactWriteItems", THROTTLED, times=EVERY_ATTEMPT)

    failed = _deliver(shop, raw)
    faults.clear()
    retried = _deliver(shop, raw)  # Stripe retries a delivery that was not answered 2xx
    again = _deliver(shop, raw)

    assert failed.status_code == 503 and "Retry-After" in failed.headers
    assert (retried.status_code, retried.json()) == (200, {"outcome": "taken"})
    assert (again.status_code, again.json()) == (200, {"outcome": "duplicate"})
    assert _gross_and_ledger(shop) == (4200, 1)


def test_a_stripe_delivery_that_loses_the_race_with_a_royalty_run_books_into_the_first_open_period(faults, shop):
    """It read the periods before the run began, and the run closed its production before the
    delivery's write, for a month the production never booked in: the write is refused, and the
    delivery reads again and books after the close."""
    from chalicelib import services

    august = int(datetime(2026, 8, 20, tzinfo=timezone.utc).timestamp())
    raw = body_of(stripe_event("checkout.session.completed",
                               checkout_session(unique("pi_"), 700, production_id=shop.released), created=august))

    run_writes = []

    def a_run_closes_september() -> None:
        book = services.royalties()
        with faults.measure() as run:
            book.begin_closing("2026-09")  # the run's claim is a transaction of its own
            book.close_production(shop.released, "2026-09")
        run_writes.append(run.by_operation.get("TransactWriteItems", 0))

    faults.reset_counts()
    faults.before("TransactWriteItems", a_run_closes_september)

    reply = _deliver(shop, raw)

    assert (reply.status_code, reply.json()) == (200, {"outcome": "taken"})
    ledger = shop.expect(200, "GET", f"/productions/{shop.released}/ledger", "producer")["items"]
    assert [(e["period"], e["amount"]["amount"]) for e in ledger] == [("2026-10", 700)]
    assert set(services.productions().period_totals(shop.released)) == {"2026-10"}
    assert faults.attempts("TransactWriteItems") - sum(run_writes) == 2  # refused once, then booked


def test_a_stripe_delivery_whose_commit_answer_was_lost_is_booked_once(faults, shop):
    raw = body_of(stripe_event("checkout.session.completed",
                               checkout_session(unique("pi_"), 900, production_id=shop.released)))
    faults.fail("TransactWriteItems", INTERNAL_SERVER_ERROR, times=1, after_forwarding=True)

    first = _deliver(shop, raw)
    retried = _deliver(shop, raw)

    assert first.status_code == 200 and retried.json() == {"outcome": "duplicate"}
    assert _gross_and_ledger(shop) == (900, 1)


def test_a_large_shopify_order_whose_entries_failed_after_its_commit_is_completed_by_its_redelivery(faults, shop):
    """An order too large for one transaction commits its money first, then writes its ledger
    entries; when those writes fail, Shopify's redelivery writes them, once."""
    production = shop.fresh_draft(products=[{"provider": "shopify", "product_id": "9100"}])
    raw = body_of(shopify_order(9101, [(n, 9100, "1.00", 1, "0") for n in range(1, 121)]))

    def deliver():
        return shop.request("POST", "/webhooks/shopify", data=raw, headers={
            "X-Shopify-Hmac-Sha256": shopify_signature(raw), "X-Shopify-Topic": "orders/paid",
            "X-Shopify-Webhook-Id": "wh-large-order", "Content-Type": "application/json"})

    def gross_and_ledger() -> tuple[int, int]:
        totals = shop.expect(200, "GET", f"/productions/{production}", "producer")["totals"]
        entries, cursor = 0, ""
        while cursor is not None:
            page = shop.expect(200, "GET", f"/productions/{production}/ledger?limit=100&cursor={cursor}", "producer")
            entries, cursor = entries + len(page["items"]), page["next_cursor"]
        return totals["gross"]["amount"], entries

    faults.fail("TransactWriteItems", THROTTLED, times=EVERY_ATTEMPT, passing=1)  # the commit goes through
    failed = deliver()
    faults.clear()
    after_failure = gross_and_ledger()
    retried, again = deliver(), deliver()

    assert failed.status_code == 503 and "Retry-After" in failed.headers
    assert after_failure == (12_000, 0)
    assert retried.json() == {"outcome": "duplicate"} and again.json() == {"outcome": "duplicate"}
    assert gross_and_ledger() == (12_000, 120)


# --- upload events ---------------------------------------------------------------------------

def test_an_upload_event_whose_processing_is_throttled_is_redelivered_and_counts_once(faults, alice):
    """The upload function fails the message while DynamoDB throttles; SQS delivers it again
    and it is processed once; delivering the same event once more changes nothing."""
    import requests

    from app import app
    from chalicelib.config import get_settings
    from local.pump import EventPump
    from tests import media_samples as samples

    data = samples.png(4, 4)
    created = alice.expect(201, "POST", "/records", "member", json={
        "kind": "image", "title": "Drawing", "file": {"filename": "a.png", "content_type": "image/png",
                                                      "size": len(data)}})
    record_id = created["record"]["id"]
    post = created["upload"]
    assert requests.post(post["url"], data=post["fields"], files={"file": ("a.png", data)}, timeout=60).ok
    pump = EventPump(app, boto3.client("sqs"))

    faults.fail("TransactWriteItems", PROVISIONED_THROUGHPUT_EXCEEDED, times=EVERY_ATTEMPT)
    faults.fail("UpdateItem", PROVISIONED_THROUGHPUT_EXCEEDED, times=EVERY_ATTEMPT)
    pump.drain(max_rounds=1)
    assert faults.injected("TransactWriteItems") + faults.injected("UpdateItem") >= ATTEMPTS
    assert _status(alice, record_id) == "awaiting_upload"

    faults.clear()
    ready = _drain_until(pump, lambda: alice.expect(200, "GET", f"/records/{record_id}", "member"),
                         lambda record: record["status"] != "awaiting_upload")
    assert ready["status"] == "ready" and ready["media"]["width"] == 4

    settings = get_settings()
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=settings.upload_queue)["QueueUrl"]
    event = {"Records": [{"eventName": "ObjectCreated:Post", "s3": {
        "bucket": {"name": settings.media_bucket}, "object": {"key": f"uploads%2F{record_id}", "size": len(data)}}}]}
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(event))
    pump.drain()

    after = alice.expect(200, "GET", f"/records/{record_id}", "member")
    assert unsigned(after) == unsigned(ready)
    assert alice.expect(200, "GET", "/members/alice")["record_count"] == 1


def _status(world: World, record_id: str) -> str:
    return world.expect(200, "GET", f"/records/{record_id}", "member")["status"]


def _drain_until(pump, read, done, seconds: float = 30):
    """Delivers what is due (a failed message comes back after its visibility timeout) until
    `done(read())`."""
    import time

    deadline = time.monotonic() + seconds
    while True:
        pump.drain()
        value = read()
        if done(value):
            return value
        assert time.monotonic() < deadline, f"still {value}"
        time.sleep(0.5)
