"""Shopify webhooks: the `X-Shopify-Hmac-Sha256` check and the topics that move money.

Signature (Shopify's documented scheme): base64 of the HMAC-SHA256 of the raw body with the
app's secret, compared in constant time. Amounts are decimal strings in major units; the body
is parsed with decimals kept as `Decimal`, so a number sent as JSON (older API versions send
refund subtotals that way) is never rounded through a float.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from decimal import Decimal

from chalicelib.domain.ledger import HeldRefund
from chalicelib.domain.money import MoneyError, normalise_currency, to_minor_units
from chalicelib.errors import BadRequest, Unauthorized


def verify(raw_body: bytes, header: str | None, secrets: list[bytes]) -> None:
    if not header:
        raise Unauthorized("The X-Shopify-Hmac-Sha256 header is missing.")
    given = header.strip().encode()
    matched = False
    for secret in secrets:
        expected = base64.b64encode(hmac.new(secret, raw_body, hashlib.sha256).digest())
        matched |= hmac.compare_digest(given, expected)
    if not matched:
        raise Unauthorized("X-Shopify-Hmac-Sha256 does not match this body.")


@dataclass(frozen=True)
class OrderLine:
    line_id: str
    product_id: str | None
    amount: int  # price × quantity − total_discount, in minor units


@dataclass(frozen=True)
class OrderPaid:
    order_id: str
    currency: str
    event_time: str
    lines: tuple[OrderLine, ...]


@dataclass(frozen=True)
class Refund:
    order_id: str
    refund: HeldRefund


def load(raw_body: bytes) -> object:
    try:
        return json.loads(raw_body, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as e:
        raise BadRequest("The body is not valid JSON.") from e


def parse(topic: str | None, payload: object) -> OrderPaid | Refund | None:
    """The topic's money movement; None for topics that move none here."""
    try:
        if topic == "orders/paid":
            return _order(payload)
        if topic == "refunds/create":
            return _refund(payload)
        return None
    except (KeyError, TypeError, ValueError, AttributeError, MoneyError) as e:
        raise BadRequest(f"This Shopify {topic} payload is not shaped as Shopify sends it: {e}.") from e


def _order(order) -> OrderPaid:
    currency = normalise_currency(order["currency"])
    lines = []
    for item in order["line_items"]:
        quantity = item["quantity"]
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
            raise ValueError("a line item's quantity must be a whole number")
        price = to_minor_units(_decimal(item["price"]), currency)
        discount = to_minor_units(_decimal(item.get("total_discount") or "0"), currency)
        product = item.get("product_id")
        lines.append(OrderLine(_id(item["id"]), _id(product) if product is not None else None,
                               max(0, price * quantity - discount)))
    if not lines:
        raise ValueError("an order has line items")
    return OrderPaid(_id(order["id"]), currency, _time(order), tuple(lines))


def _refund(refund) -> Refund:
    subtotals: dict[str, str] = {}
    for item in refund.get("refund_line_items") or []:
        line = _id(item["line_item_id"])
        subtotal = _decimal(item["subtotal"])
        to_minor_units(subtotal, "KWD")  # a decimal amount, before it is added up
        subtotals[line] = str(Decimal(subtotal) + Decimal(subtotals.get(line, "0")))
    transactions = [
        _decimal(t["amount"]) for t in refund.get("transactions") or []
        if t.get("kind") == "refund" and t.get("status") == "success"
    ]
    for amount in [*subtotals.values(), *transactions]:
        to_minor_units(amount, "KWD")  # the finest currency: refuses what no currency could take
    return Refund(_id(refund["order_id"]), HeldRefund(_id(refund["id"]), subtotals, transactions, _time(refund)))


def _time(obj) -> str:
    from chalicelib.domain.ledger import utc_time

    moment = obj.get("processed_at") or obj["created_at"]
    if not isinstance(moment, str):
        raise ValueError(f"{moment!r} is not a time")
    return utc_time(moment)


def _decimal(value) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise ValueError(f"{value!r} is not a decimal amount")
    return str(value)


def _id(value) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, str)) or str(value) == "" or len(str(value)) > 64:
        raise ValueError(f"{value!r} is not an id")
    return str(value)
