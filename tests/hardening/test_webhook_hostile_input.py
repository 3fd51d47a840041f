"""Signed store deliveries that no store sends, over real HTTP: each is refused with a 4xx
problem+json (400 for the body and plain headers, 401 for the signature header), never a 500,
and leaves nothing behind, not even the dedupe marker: the same delivery id, sent well-formed
next, is taken. Each of these was once a 500 or was booked (see the cases' ids)."""
from __future__ import annotations

import itertools
import json
import time
from typing import NamedTuple

import pytest

from tests.hardening.world import World
from tests.store_payloads import (
    body_of, checkout_session, shopify_order, shopify_signature, stripe_event, stripe_signature,
)

PRODUCT = 4711
_orders = itertools.count(880_000)


class Shop(NamedTuple):
    world: World
    production: str  # sells Stripe's `prod_hostile` and Shopify's product 4711


@pytest.fixture(scope="module")
def shop(shared_world) -> Shop:
    return Shop(shared_world, shared_world.fresh_draft(products=[
        {"provider": "stripe", "product_id": "prod_hostile"}, {"provider": "shopify", "product_id": str(PRODUCT)}]))


class Delivery:
    """A well-formed delivery to one provider, sent as it is or spoilt."""

    def __init__(self, provider: str) -> None:
        self.provider = provider
        self.webhook_id = f"wh-hostile-{next(_orders)}"
        if provider == "stripe":
            self.body = body_of(stripe_event("checkout.session.completed", checkout_session(
                f"pi_hostile_{next(_orders)}", 1234, product_id="prod_hostile")))
        else:
            self.body = body_of(shopify_order(next(_orders), [(1, PRODUCT, "12.34", 1, "0.00")]))

    def headers(self, body: bytes, **changed: bytes | str) -> dict:
        if self.provider == "stripe":
            headers = {"Stripe-Signature": stripe_signature(body)}
        else:
            headers = {"X-Shopify-Hmac-Sha256": shopify_signature(body), "X-Shopify-Topic": "orders/paid",
                       "X-Shopify-Webhook-Id": self.webhook_id}
        return {**headers, "Content-Type": "application/json", **changed}

    def send(self, shop: Shop, body: bytes | None = None, headers: dict | None = None):
        body = self.body if body is None else body
        return shop.world.request("POST", f"/webhooks/{self.provider}", data=body,
                                  headers=self.headers(body, **(headers or {})))


def _stored(shop: Shop) -> tuple[list, list]:
    ledger = shop.world.expect(200, "GET", f"/productions/{shop.production}/ledger?limit=100", "producer")["items"]
    return ledger, shop.world.expect(200, "GET", "/sales/unmatched?limit=100", "admin")["items"]


def _refused_and_forgotten(shop: Shop, delivery: Delivery, status: int, spoilt: dict):
    """Sends the spoilt delivery, then the well-formed one under the same delivery id."""
    before = _stored(shop)
    reply = delivery.send(shop, **spoilt)
    assert reply.status_code == status, reply.text[:300]
    assert reply.headers["Content-Type"] == "application/problem+json"
    assert reply.json()["status"] == status and reply.json()["detail"]
    assert _stored(shop) == before
    taken = delivery.send(shop)
    assert taken.status_code == 200 and taken.json() == {"outcome": "taken"}, taken.text[:300]
    ledger = shop.world.expect(200, "GET", f"/productions/{shop.production}/ledger?limit=100", "producer")["items"]
    assert len(ledger) == len(before[0]) + 1  # the well-formed one, and only it, was booked
    return reply


def _with_field(body: bytes, field: bytes) -> bytes:
    """`body` (a JSON object) with `field` (`"name": value`) put first."""
    return b"{" + field + b", " + body[1:]


BODIES = {
    "nested-100000-deep": lambda b: _with_field(b, b'"x": ' + b"[" * 100_000 + b"]" * 100_000),
    "invalid-utf-8": lambda b: _with_field(b, b'"x": "\xff"'),
    "utf-8-encoded-surrogate": lambda b: _with_field(b, b'"x": "\xed\xa0\x80"'),
    "utf-16": lambda b: b.decode().encode("utf-16"),
    "byte-order-mark": lambda b: b"\xef\xbb\xbf" + b,
    "top-level-array": lambda b: b"[" + b + b"]",
    "top-level-string": lambda b: json.dumps(b.decode()).encode(),
    "top-level-null": lambda b: b"null",
    "duplicate-key": lambda b: _with_field(b, b'"id": "spoofed"'),
    "nan": lambda b: _with_field(b, b'"x": NaN'),
    "infinity": lambda b: _with_field(b, b'"x": Infinity'),
    "minus-infinity": lambda b: _with_field(b, b'"x": -Infinity'),
    "1e400": lambda b: _with_field(b, b'"x": 1e400'),
    "1e309": lambda b: _with_field(b, b'"x": -1e309'),
    "200-digit-integer": lambda b: _with_field(b, b'"x": ' + b"9" * 200),
    "trailing-garbage": lambda b: b + b" x",
    "empty": lambda b: b"",
}


@pytest.mark.parametrize("provider", ["stripe", "shopify"])
@pytest.mark.parametrize("spoil", BODIES.values(), ids=BODIES.keys())
def test_a_signed_body_that_is_no_plain_json_object_is_400_and_stores_nothing(shop, provider, spoil):
    delivery = Delivery(provider)

    _refused_and_forgotten(shop, delivery, 400, {"body": spoil(delivery.body)})


# 64 levels: the top-level object and 63 below it. Brackets inside strings are no levels.
DEEP_BUT_NOT_TOO_DEEP = b'"x": ' + b"[" * 63 + b"]" * 63 + b', "y": "' + b"[{" * 5000 + b'\\\"' + b"{" * 100 + b'"'


@pytest.mark.parametrize("provider", ["stripe", "shopify"])
def test_a_signed_body_may_nest_64_levels_but_not_65(shop, provider):
    delivery = Delivery(provider)
    _refused_and_forgotten(shop, delivery, 400, {"body": _with_field(delivery.body, b'"x": ' + b"[" * 64 + b"]" * 64)})

    deep = Delivery(provider)
    reply = deep.send(shop, _with_field(deep.body, DEEP_BUT_NOT_TOO_DEEP))

    assert reply.status_code == 200 and reply.json() == {"outcome": "taken"}, reply.text[:300]


def _now() -> bytes:
    return str(int(time.time())).encode()


STRIPE_SIGNATURES = {
    "superscript-t": lambda body: b"t=\xb2,v1=" + b"0" * 64,
    "arabic-digits-in-utf-8": lambda body: "t=\u0661\u0667\u0660\u0660,v1=".encode() + b"0" * 64,
    "valid-then-a-snowman": lambda body: stripe_signature(body).encode() + "\u2603".encode(),
    "valid-behind-a-no-break-space": lambda body: b"\xa0" + stripe_signature(body).encode(),
    "valid-with-a-latin-1-scheme": lambda body: stripe_signature(body).encode() + b",v\xe9=1",
    "t-twice": lambda body: b"t=" + _now() + b"," + stripe_signature(body).encode(),
    "16-kib": lambda body: stripe_signature(body).encode() + b",v0=" + b"a" * 16_000,
    "empty": lambda body: b"",
}


@pytest.mark.parametrize("header", STRIPE_SIGNATURES.values(), ids=STRIPE_SIGNATURES.keys())
def test_a_stripe_signature_header_of_other_bytes_than_stripe_sends_is_401_and_stores_nothing(shop, header):
    delivery = Delivery("stripe")

    reply = _refused_and_forgotten(shop, delivery, 401, {"headers": {"Stripe-Signature": header(delivery.body)}})

    assert "Stripe-Signature" in reply.json()["detail"]


SHOPIFY_HEADERS = {
    "hmac-of-superscripts": ("X-Shopify-Hmac-Sha256", lambda d: b"\xb2" * 43 + b"=", 401),
    "hmac-then-a-no-break-space": ("X-Shopify-Hmac-Sha256", lambda d: shopify_signature(d.body).encode() + b"\xa0",
                                   401),
    "hmac-in-utf-8-fullwidth": ("X-Shopify-Hmac-Sha256", lambda d: "\uff21".encode() * 44, 401),
    "webhook-id-latin-1": ("X-Shopify-Webhook-Id", lambda d: d.webhook_id.encode() + b"\xe9", 400),
    "webhook-id-utf-8": ("X-Shopify-Webhook-Id", lambda d: d.webhook_id.encode() + "\u2603".encode(), 400),
    "webhook-id-8-kib": ("X-Shopify-Webhook-Id", lambda d: b"w" * 8192, 400),
    "webhook-id-empty": ("X-Shopify-Webhook-Id", lambda d: b"", 400),
    "topic-with-a-no-break-space": ("X-Shopify-Topic", lambda d: b"orders/paid\xa0", 400),
    "topic-superscript": ("X-Shopify-Topic", lambda d: b"orders/\xb2", 400),
    "topic-empty": ("X-Shopify-Topic", lambda d: b"", 400),
}


@pytest.mark.parametrize("name, value, status", SHOPIFY_HEADERS.values(), ids=SHOPIFY_HEADERS.keys())
def test_a_shopify_header_of_other_bytes_than_shopify_sends_is_refused_and_stores_nothing(shop, name, value, status):
    delivery = Delivery("shopify")

    reply = _refused_and_forgotten(shop, delivery, status, {"headers": {name: value(delivery)}})

    assert name in reply.json()["detail"]


def _stripe_created(created: int):
    def spoil(body: bytes) -> bytes:
        event = json.loads(body)
        event["created"] = created
        return body_of(event)

    return spoil


def _shopify_line(**fields):
    def spoil(body: bytes) -> bytes:
        order = json.loads(body)
        order.update({k: v for k, v in fields.items() if k == "processed_at"})
        order["line_items"][0].update({k: v for k, v in fields.items() if k != "processed_at"})
        return body_of(order)

    return spoil


FINDINGS = {
    "stripe-created-10^19": ("stripe", _stripe_created(10**19)),
    "stripe-created-before-1970": ("stripe", _stripe_created(-86_400)),
    "shopify-quantity-10^40": ("shopify", _shopify_line(price="1.00", quantity=10**40)),
    "shopify-processed-at-year-1-at-plus-14": ("shopify", _shopify_line(processed_at="0001-01-01T00:00:00+14:00")),
    "shopify-price-in-arabic-digits": ("shopify", _shopify_line(price="\u0661\u0662.\u0663\u0664")),
}


@pytest.mark.parametrize("provider, spoil", FINDINGS.values(), ids=FINDINGS.keys())
def test_a_signed_amount_or_time_out_of_bounds_is_400_and_stores_nothing(shop, provider, spoil):
    delivery = Delivery(provider)

    _refused_and_forgotten(shop, delivery, 400, {"body": spoil(delivery.body)})
