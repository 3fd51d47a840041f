"""Stripe webhooks: the `Stripe-Signature` check and the events that move a production's money.

Signature (Stripe's documented scheme): `t=<unix>,v1=<hex>[,v1=<hex>…]`, each `v1` an
HMAC-SHA256 of `"<t>.<raw body>"` with the endpoint secret. Any `v1` may match (Stripe signs
with both secrets while one is rolled), compared in constant time; `t` must be within 300 s.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import time

from chalicelib.domain.ledger import STRIPE_LINE, Delivery, Dispute, RefundTotal, Sale, SaleLine, unix_time
from chalicelib.domain.sales import STRIPE
from chalicelib.domain.money import MoneyError, checked, normalise_currency
from chalicelib.domain.payouts import ConnectEvent, TransferReversal
from chalicelib.errors import BadRequest, Unauthorized
from chalicelib.webhooks.payload import text

TOLERANCE_SECONDS = 300
MAX_HEADER_CHARS = 2048  # a t, a few v1 (two while a secret is rolled) and Stripe's test-mode v0
MAX_SIGNATURES = 8
# Matched whole, in ASCII: `str.isdigit()` also takes "²", which `int()` then refuses.
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"[0-9a-fA-F]{64}")
_OTHER_SCHEME = re.compile(r"[a-z][a-z0-9_]{0,15}=[!-+\--~]{0,256}")  # printable ASCII but ","
_ATTEMPT = re.compile(r"[0-9]{1,5}")
_ACCOUNT = re.compile(r"acct_[A-Za-z0-9_]{1,64}")
_SHAPE = "expected t=<unix seconds>,v1=<64 hex digits>[,v1=<64 hex digits>…]"


def verify(raw_body: bytes, header: str | None, secrets: list[bytes], now: float | None = None) -> None:
    """Raises Unauthorized unless one `v1` signs `raw_body` with one of `secrets` within the tolerance."""
    if not header:
        raise Unauthorized("The Stripe-Signature header is missing.")
    timestamp, signatures = _signature_header(header.strip(" \t"))
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


def _signature_header(header: str) -> tuple[str, list[str]]:
    """`t=<unix>,v1=<hex>[,v1=<hex>…]`, parsed as Stripe sends it: one `t` in ASCII digits, each
    `v1` 64 hex digits; other schemes (`v0`) are ignored but must be as plain."""
    if len(header) > MAX_HEADER_CHARS:
        raise Unauthorized(f"The Stripe-Signature header is longer than {MAX_HEADER_CHARS} characters.")
    timestamp, signatures = None, []
    for part in header.split(","):
        name, _, value = part.partition("=")
        if name == "t" and timestamp is None and _TIMESTAMP.fullmatch(value):
            timestamp = value
        elif name == "v1" and _SIGNATURE.fullmatch(value):
            signatures.append(value.lower())
        elif name in ("t", "v1") or not _OTHER_SCHEME.fullmatch(part):
            raise Unauthorized(f"The Stripe-Signature header is malformed: {_SHAPE}.")
    if timestamp is None or not signatures:
        raise Unauthorized(f"The Stripe-Signature header lacks its {'t' if timestamp is None else 'v1'}: {_SHAPE}.")
    if len(signatures) > MAX_SIGNATURES:
        raise Unauthorized(f"The Stripe-Signature header has more than {MAX_SIGNATURES} v1 values.")
    return timestamp, signatures


def parse(payload: object) -> Delivery | TransferReversal | None:
    """The event's money movement (a sale's, or a payout transfer's reversal); None for an event
    that moves no money here. A malformed event is a 400 (it was signed, so it is ours to refuse,
    not to guess at)."""
    try:
        return _parse(payload)
    except KeyError as e:
        raise BadRequest(f"This Stripe event lacks the field {e}.") from e
    except (TypeError, ValueError, AttributeError) as e:
        raise BadRequest(f"This Stripe event is not shaped as Stripe sends it: {e}.") from e


def _parse(payload) -> Delivery | None:
    event_id, kind = text(payload["id"]), text(payload["type"])
    when = _field(unix_time, payload, "created")
    obj = _object(payload["data"], "data")["object"]
    _object(obj, "data.object")
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        if kind == "checkout.session.completed" and obj.get("payment_status") != "paid":
            return None  # async payments report success later
        reference = text(obj.get("payment_intent") or obj["id"])
        return Delivery(STRIPE, event_id, kind, reference, _sale(obj, "amount_total", when))
    if kind == "payment_intent.succeeded":
        metadata = _object(obj.get("metadata") or {}, "metadata")
        if not (metadata.get("production_id") or metadata.get("product_id")):
            return None
        amount = "amount_received" if obj.get("amount_received") is not None else "amount"
        return Delivery(STRIPE, event_id, kind, text(obj["id"]), _sale(obj, amount, when))
    if kind == "transfer.reversed":
        return _reversal(event_id, obj)
    if kind == "charge.refunded":
        refunded = _field(_amount, obj, "amount_refunded")
        if refunded > _field(_amount, obj, "amount"):
            raise ValueError("amount_refunded is more than the charge's amount")
        return Delivery(STRIPE, event_id, kind, _reference(obj), RefundTotal(refunded, _currency(obj), when))
    if kind == "charge.dispute.created" or (kind == "charge.dispute.closed" and obj.get("status") == "won"):
        return Delivery(STRIPE, event_id, kind, _reference(obj), Dispute(
            text(obj["id"]), kind == "charge.dispute.closed", _field(_amount, obj, "amount"), _currency(obj), when))
    return None


def _reversal(event_id: str, obj: dict) -> TransferReversal:
    """The transfer as it is now; its metadata names the payout (none: not a payout's transfer)."""
    metadata = _object(obj.get("metadata") or {}, "metadata")
    attempt = text(metadata.get("attempt") or "0")
    amount, reversed_ = _field(_amount, obj, "amount"), _field(_amount, obj, "amount_reversed")
    if reversed_ > amount:
        raise ValueError("amount_reversed is more than the transfer's amount")
    payout_id = metadata.get("payout_id")
    return TransferReversal(event_id, text(obj["id"]), text(payout_id) if payout_id else None, amount, reversed_,
                            int(attempt) if _ATTEMPT.fullmatch(attempt) else 0)


def parse_connect(payload: object) -> ConnectEvent:
    """An event of the Connect endpoint: its id, type and, for account events, the account."""
    try:
        event_id, kind = text(payload["id"]), text(payload["type"])
        obj = _object(_object(payload["data"], "data")["object"], "data.object")
        account = obj.get("id") if obj.get("object") == "account" else payload.get("account")
        if account is not None and not (isinstance(account, str) and _ACCOUNT.fullmatch(account)):
            raise ValueError("the account is not a Stripe account id")
        return ConnectEvent(event_id, kind, account)
    except KeyError as e:
        raise BadRequest(f"This Stripe event lacks the field {e}.") from e
    except (TypeError, ValueError, AttributeError) as e:
        raise BadRequest(f"This Stripe event is not shaped as Stripe sends it: {e}.") from e


def _sale(obj: dict, amount_field: str, when: str) -> Sale:
    """One line, to the production the metadata names, else to its product's production."""
    metadata = _object(obj.get("metadata") or {}, "metadata")
    production_id, product_id = metadata.get("production_id"), metadata.get("product_id")
    amount, currency = _field(_amount, obj, amount_field), _currency(obj)
    production_id, product_id = (text(production_id) if production_id else None,
                                 text(product_id) if product_id else None)
    return Sale(currency, when, (SaleLine(STRIPE_LINE, amount, production_id, None if production_id else product_id),))


def _reference(obj: dict) -> str:
    """Refunds and disputes attach to their sale by payment_intent. A charge made without one
    (the legacy Charges API) is kept under its charge id: held there, never dropped."""
    charge = obj["id"] if obj.get("object") == "charge" else obj.get("charge")
    return text(obj.get("payment_intent") or charge)


def _field(parse, obj: dict, name: str):
    """`parse(obj[name])`, its refusal naming the field."""
    try:
        return parse(obj[name])
    except ValueError as e:
        raise ValueError(f"{name}: {e}") from e


def _currency(obj: dict) -> str:
    return _field(normalise_currency, obj, "currency")


def _object(value, name: str) -> dict:
    if not isinstance(value, dict):
        raise ValueError(f"{name} is not a JSON object")
    return value


def _amount(value) -> int:
    """An integer of minor units from 0 to 10^12: not a bool, a float or a string."""
    amount = checked(value)
    if amount < 0:
        raise MoneyError(f"{amount} is negative: Stripe's amounts never are")
    return amount
