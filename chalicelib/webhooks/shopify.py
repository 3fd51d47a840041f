"""Shopify webhooks: the `X-Shopify-Hmac-Sha256` check and the topics that move money.

Signature (Shopify's documented scheme): base64 of the HMAC-SHA256 of the raw body with the
app's secret, compared in constant time. Amounts are decimal strings in major units (or JSON
numbers, kept as `Decimal` by `payload.load`), converted exactly; every one is non-negative and
within the bound, and so is each line's price × quantity and the order's total.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
from contextlib import contextmanager
from decimal import Decimal

from chalicelib.domain.ledger import Delivery, HeldRefund, Sale, SaleLine, utc_time
from chalicelib.domain.sales import SHOPIFY
from chalicelib.domain.money import (
    MAX_AMOUNT, MoneyError, check_decimal_amount, checked, normalise_currency, shown, to_minor_units,
)
from chalicelib.errors import BadRequest, Unauthorized

# Canonical base64 of a 32-byte digest: 43 characters, the last with its two spare bits zero, then "=".
_HMAC = re.compile(r"[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=")
_HEADER_TEXT = re.compile(r"[ -~]{1,255}")  # printable ASCII
_ID = re.compile(r"[!-~]{1,64}")


def verify(raw_body: bytes, header: str | None, secrets: list[bytes]) -> None:
    if not header:
        raise Unauthorized("The X-Shopify-Hmac-Sha256 header is missing.")
    value = header.strip(" \t")
    if not _HMAC.fullmatch(value):
        raise Unauthorized("X-Shopify-Hmac-Sha256 is not a base64 SHA-256 digest (44 characters ending in '=').")
    given = base64.b64decode(value, validate=True)
    matched = False
    for secret in secrets:
        matched |= hmac.compare_digest(given, hmac.new(secret, raw_body, hashlib.sha256).digest())
    if not matched:
        raise Unauthorized("X-Shopify-Hmac-Sha256 does not match this body.")


def header_text(name: str, value: str | None) -> str:
    """X-Shopify-Webhook-Id and X-Shopify-Topic: printable ASCII, at most 255 characters."""
    value = (value or "").strip(" \t")
    if not value:
        raise BadRequest(f"The {name} header is missing: Shopify sends it with every webhook.")
    if not _HEADER_TEXT.fullmatch(value):
        raise BadRequest(f"The {name} header is not 1 to 255 printable ASCII characters.")
    return value


def parse(webhook_id: str, topic: str, payload: dict) -> Delivery | None:
    """The topic's money movement; None for topics that move none here."""
    try:
        if topic == "orders/paid":
            order_id, movement = _order(payload)
        elif topic == "refunds/create":
            order_id, movement = _refund(payload)
        else:
            return None
    except KeyError as e:
        raise BadRequest(f"This Shopify {topic} payload lacks the field {e}.") from e
    except (TypeError, ValueError, AttributeError) as e:
        raise BadRequest(f"This Shopify {topic} payload is not shaped as Shopify sends it: {e}.") from e
    return Delivery(SHOPIFY, webhook_id, topic, order_id, movement)


def _order(order: dict) -> tuple[str, Sale]:
    currency = _field(normalise_currency, order, "currency")
    lines: dict[str, SaleLine] = {}
    for item in _objects(order, "line_items"):
        line_id = _field(_id, item, "id")
        if line_id in lines:  # 7 and "7" name the same line: its sale would be booked twice
            raise ValueError(f"line item {line_id} appears twice in the order")
        with _about(f"line item {line_id}"):
            lines[line_id] = _line(line_id, item, currency)
    if not lines:
        raise ValueError("an order has line items")
    with _about("the order's total"):
        checked(sum(line.amount for line in lines.values()))
    return _field(_id, order, "id"), Sale(currency, _time(order), tuple(lines.values()))


def _line(line_id: str, item: dict, currency: str) -> SaleLine:
    """price × quantity − total_discount, in minor units, for the product's production."""
    quantity = item["quantity"]
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 < quantity <= MAX_AMOUNT:
        raise ValueError(f"quantity {shown(quantity)} is not a whole number from 1 to 10^12")
    with _about("price × quantity"):
        gross = checked(_field(_amount, item, "price", currency) * quantity)
    discount = 0 if item.get("total_discount") is None else _field(_amount, item, "total_discount", currency)
    if discount > gross:
        raise ValueError(f"total_discount {shown(item['total_discount'])} is more than price × quantity")
    product = item.get("product_id")
    return SaleLine(line_id, gross - discount, product_id=None if product is None else _field(_id, item, "product_id"))


def _refund(refund: dict) -> tuple[str, HeldRefund]:
    """Kept as decimal strings until the order's currency is known (the refund may come first);
    checked now for what no currency could take."""
    subtotals: dict[str, str] = {}
    for item in _objects(refund, "refund_line_items"):
        line = _field(_id, item, "line_item_id")
        with _about(f"refund line item for line {line}"):
            subtotals[line] = _sum(subtotals.get(line, "0"), _field(_decimal, item, "subtotal"))
    transactions = [
        _field(_decimal, t, "amount") for t in _objects(refund, "transactions")
        if t.get("kind") == "refund" and t.get("status") == "success"
    ]
    with _about("the refund's total"):
        _sum(*subtotals.values())
        _sum(*transactions)
    order_id = _field(_id, refund, "order_id")
    return order_id, HeldRefund(_field(_id, refund, "id"), subtotals, transactions, _time(refund))


def _time(obj: dict) -> str:
    name = "processed_at" if obj.get("processed_at") else "created_at"
    return _field(utc_time, obj, name)


def _amount(value, currency: str) -> int:
    """A non-negative decimal amount (a string, or a JSON number) in `currency`'s minor units."""
    return to_minor_units(_decimal(value), currency)


def _decimal(value) -> str:
    """A non-negative decimal amount as a string that some currency could take."""
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise MoneyError(f"{shown(value)} is not a decimal amount")
    amount = format(value, "f") if isinstance(value, Decimal) else str(value)
    check_decimal_amount(amount)
    if amount.startswith("-"):
        raise MoneyError(f"{shown(amount)} is negative: Shopify's amounts never are")
    return amount


def _sum(*amounts: str) -> str:
    total = str(sum((Decimal(a) for a in amounts), Decimal(0)))
    check_decimal_amount(total)
    return total


def _objects(obj: dict, name: str) -> list[dict]:
    """A list of objects; absent or null counts as empty."""
    value = obj.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ValueError(f"{name} is not a list of objects")
    return value


def _id(value) -> str:
    """Shopify's ids are integers; a string id is taken when it is plain ASCII."""
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not _ID.fullmatch(str(value)):
        raise ValueError(f"{shown(value)} is not an id (an integer, or 1 to 64 printable ASCII characters)")
    return str(value)


def _field(parse, obj: dict, name: str, *args):
    """`parse(obj[name], *args)`, its refusal naming the field."""
    with _about(name):
        return parse(obj[name], *args)


@contextmanager
def _about(where: str):
    try:
        yield
    except ValueError as e:
        raise type(e)(f"{where}: {e}") from e
