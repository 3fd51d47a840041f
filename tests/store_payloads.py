"""Store webhook payloads shaped like the providers' real ones, and their signatures.

Stripe: an `event` wrapping a checkout.session / payment_intent / charge / dispute object,
signed `t=<unix>,v1=<hex>` over `"<t>.<body>"`. Shopify: an order (orders/paid) or a refund
(refunds/create), signed with a base64 HMAC of the body, with topic and webhook id headers.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import time

STRIPE_SECRET = "whsec_remixery_local"
SHOPIFY_SECRET = "shpss_remixery_local"
_serial = itertools.count(1)


def _next(prefix: str) -> str:
    return f"{prefix}_{next(_serial):024d}"


def stripe_signature(body: bytes, secrets=(STRIPE_SECRET,), timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    signatures = [hmac.new(s.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest() for s in secrets]
    return ",".join([f"t={t}", *(f"v1={s}" for s in signatures)])


def stripe_event(event_type: str, obj: dict, created: int | None = None, event_id: str | None = None) -> dict:
    return {
        "id": event_id or _next("evt"), "object": "event", "api_version": "2024-06-20",
        "created": int(time.time()) if created is None else created, "data": {"object": obj},
        "livemode": False, "pending_webhooks": 1, "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def checkout_session(payment_intent: str | None, amount: int, currency: str = "usd", *, production_id=None,
                     product_id=None, payment_status: str = "paid") -> dict:
    metadata = {k: v for k, v in (("production_id", production_id), ("product_id", product_id)) if v}
    return {
        "id": _next("cs_test"), "object": "checkout.session", "amount_subtotal": amount, "amount_total": amount,
        "currency": currency, "customer_details": {"email": "buyer@example.com"}, "livemode": False,
        "metadata": metadata, "mode": "payment", "payment_intent": payment_intent,
        "payment_status": payment_status, "status": "complete",
    }


def payment_intent(payment_intent_id: str, amount: int, currency: str = "usd", *, production_id=None,
                   product_id=None, amount_received: int | None = None) -> dict:
    metadata = {k: v for k, v in (("production_id", production_id), ("product_id", product_id)) if v}
    return {
        "id": payment_intent_id, "object": "payment_intent", "amount": amount,
        "amount_received": amount if amount_received is None else amount_received, "currency": currency,
        "metadata": metadata, "status": "succeeded", "latest_charge": _next("ch"),
    }


def charge(payment_intent_id: str, amount: int, amount_refunded: int, currency: str = "usd") -> dict:
    return {
        "id": _next("ch"), "object": "charge", "amount": amount, "amount_captured": amount,
        "amount_refunded": amount_refunded, "currency": currency, "paid": True,
        "payment_intent": payment_intent_id, "refunded": amount_refunded >= amount, "status": "succeeded",
    }


def dispute(payment_intent_id: str, dispute_id: str, amount: int, currency: str = "usd",
            status: str = "needs_response") -> dict:
    return {
        "id": dispute_id, "object": "dispute", "amount": amount, "charge": _next("ch"), "currency": currency,
        "payment_intent": payment_intent_id, "reason": "fraudulent", "status": status,
    }


def shopify_signature(body: bytes, secret: str = SHOPIFY_SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def shopify_order(order_id: int, lines: list[tuple], currency: str = "USD",
                  processed_at: str = "2026-11-20T10:00:00-05:00") -> dict:
    """`lines`: (line item id, product id, price, quantity, total_discount) tuples."""
    return {
        "id": order_id, "admin_graphql_api_id": f"gid://shopify/Order/{order_id}", "currency": currency,
        "created_at": processed_at, "processed_at": processed_at, "financial_status": "paid",
        "name": f"#{order_id % 10000}", "presentment_currency": currency,
        "line_items": [
            {"id": line_id, "product_id": product_id, "variant_id": None, "title": f"Item {line_id}",
             "price": price, "quantity": quantity, "total_discount": discount, "taxable": True,
             "price_set": {"shop_money": {"amount": price, "currency_code": currency}}}
            for line_id, product_id, price, quantity, discount in lines
        ],
    }


def shopify_refund(refund_id: int, order_id: int, line_subtotals: dict | None = None,
                   transactions: list[str] = (), processed_at: str = "2026-11-21T09:00:00Z",
                   currency: str = "USD") -> dict:
    return {
        "id": refund_id, "order_id": order_id, "created_at": processed_at, "processed_at": processed_at,
        "note": "refund", "restock": False,
        "refund_line_items": [
            {"id": n, "line_item_id": line_id, "quantity": 1, "subtotal": subtotal, "total_tax": "0.00"}
            for n, (line_id, subtotal) in enumerate((line_subtotals or {}).items(), start=1)
        ],
        "transactions": [
            {"id": n, "order_id": order_id, "kind": "refund", "status": "success", "amount": amount,
             "currency": currency, "gateway": "bogus"}
            for n, amount in enumerate(transactions, start=1)
        ],
    }


def body_of(payload: dict) -> bytes:
    return json.dumps(payload).encode()


def post_stripe(client, event: dict, *, signature: str | None = None, body: bytes | None = None):
    raw = body_of(event) if body is None else body
    header = stripe_signature(raw) if signature is None else signature
    return client.post("/webhooks/stripe", body=raw, headers={"stripe-signature": header})


def post_shopify(client, topic: str, payload: dict, *, webhook_id: str | None = None,
                 signature: str | None = None, body: bytes | None = None):
    raw = body_of(payload) if body is None else body
    return client.post("/webhooks/shopify", body=raw, headers={
        "x-shopify-hmac-sha256": shopify_signature(raw) if signature is None else signature,
        "x-shopify-topic": topic, "x-shopify-webhook-id": webhook_id or _next("wh"),
        "x-shopify-shop-domain": "remixery-test.myshopify.com",
    })
