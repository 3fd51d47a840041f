"""Stripe webhooks: the `Stripe-Signature` check and the events that move a production's money.

Signature (Stripe's documented scheme): `t=<unix>,v1=<hex>[,v1=<hex>…]`, each `v1` an
HMAC-SHA256 of `"<t>.<raw body>"` with the endpoint secret. Any `v1` may match (Stripe signs
with both secrets while one is rolled), compared in constant time; `t` must be within 300 s.
"""
from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from chalicelib.domain.clock import to_rfc3339
from chalicelib.domain.money import MoneyError, checked, normalise_currency
from chalicelib.errors import BadRequest, Unauthorized

TOLERANCE_SECONDS = 300


def verify(raw_body: bytes, header: str | None, secrets: list[bytes], now: float | None = None) -> None:
    """Raises Unauthorized unless one `v1` signs `raw_body` with one of `secrets` within the tolerance."""
    if not header:
        raise Unauthorized("The Stripe-Signature header is missing.")
    timestamp, signatures = None, []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t":
            timestamp = value
        elif name == "v1":
            signatures.append(value)
    if timestamp is None or not timestamp.isdigit() or not signatures:
        raise Unauthorized("The Stripe-Signature header is malformed.")
    if abs((time.time() if now is None else now) - int(timestamp)) > TOLERANCE_SECONDS:
        raise Unauthorized("The Stripe-Signature timestamp is outside the 300 s tolerance.")
    signed = timestamp.encode() + b"." + raw_body
    expected = [hmac.new(secret, signed, hashlib.sha256).hexdigest() for secret in secrets]
    # Every pair is compared, so the time taken does not tell which one matched.
    matched = False
    for signature in signatures:
        for candidate in expected:
            matched |= hmac.compare_digest(signature.encode(), candidate.encode())
    if not matched:
        raise Unauthorized("No Stripe-Signature v1 value matches this body.")


@dataclass(frozen=True)
class Sale:
    reference: str  # payment_intent, or the checkout session id when that is null
    amount: int
    currency: str
    event_time: str
    production_id: str | None
    product_id: str | None


@dataclass(frozen=True)
class RefundTotal:
    reference: str
    cumulative: int  # Stripe's amount_refunded: everything refunded so far
    currency: str
    event_time: str


@dataclass(frozen=True)
class Dispute:
    reference: str
    dispute_id: str
    won: bool  # False: the dispute opened; True: it closed in the seller's favour
    amount: int
    currency: str
    event_time: str


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    change: Sale | RefundTotal | Dispute | None  # None: an event that moves no money here


def parse(payload: object) -> Event:
    """The event's money movement; a malformed event is a 400 (it was signed, so it is ours
    to refuse, not to guess at)."""
    try:
        return _parse(payload)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise BadRequest(f"This Stripe event is not shaped as Stripe sends it: {e}.") from e


def _parse(payload) -> Event:
    event_id, kind = _text(payload["id"]), _text(payload["type"])
    created = payload["created"]
    if isinstance(created, bool) or not isinstance(created, int):
        raise ValueError("'created' must be a unix time")
    when = to_rfc3339(datetime.fromtimestamp(created, timezone.utc))
    obj = payload["data"]["object"]
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        if kind == "checkout.session.completed" and obj.get("payment_status") != "paid":
            return Event(event_id, kind, None)  # async payments report success later
        return Event(event_id, kind, _sale(obj, obj.get("payment_intent") or obj["id"], obj["amount_total"], when))
    if kind == "payment_intent.succeeded":
        metadata = obj.get("metadata") or {}
        if not (metadata.get("production_id") or metadata.get("product_id")):
            return Event(event_id, kind, None)
        amount = obj["amount_received"] if obj.get("amount_received") is not None else obj["amount"]
        return Event(event_id, kind, _sale(obj, obj["id"], amount, when))
    if kind == "charge.refunded":
        return Event(event_id, kind, RefundTotal(
            _reference(obj), _amount(obj["amount_refunded"]), normalise_currency(obj["currency"]), when))
    if kind == "charge.dispute.created" or (kind == "charge.dispute.closed" and obj.get("status") == "won"):
        return Event(event_id, kind, Dispute(
            _reference(obj), _text(obj["id"]), kind == "charge.dispute.closed", _amount(obj["amount"]),
            normalise_currency(obj["currency"]), when))
    return Event(event_id, kind, None)


def _sale(obj: dict, reference, amount, when: str) -> Sale:
    metadata = obj.get("metadata") or {}
    production_id, product_id = metadata.get("production_id"), metadata.get("product_id")
    return Sale(_text(reference), _amount(amount), normalise_currency(obj["currency"]), when,
                _text(production_id) if production_id else None, _text(product_id) if product_id else None)


def _reference(obj: dict) -> str:
    """Refunds and disputes attach to their sale by payment_intent. A charge made without one
    (the legacy Charges API) is kept under its charge id: held there, never dropped."""
    charge = obj["id"] if obj.get("object") == "charge" else obj.get("charge")
    return _text(obj.get("payment_intent") or charge)


def _amount(value) -> int:
    try:
        amount = checked(value)
    except MoneyError as e:
        raise ValueError(str(e)) from e
    if amount < 0:
        raise ValueError("amounts are never negative")
    return amount


def _text(value) -> str:
    if not isinstance(value, str) or not value or len(value) > 255:
        raise ValueError(f"{value!r} is not an id")
    return value
