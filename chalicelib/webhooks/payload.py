"""What both stores' bodies are: a UTF-8 JSON object, nested at most 64 deep, without repeated
keys, whose numbers are finite. Anything else is refused (400) before a field is read.

Numbers with a fraction or an exponent are kept as `Decimal`, so that an amount sent as a JSON
number (older Shopify API versions send refund subtotals that way) is never rounded through a
float; a field that must be an integer refuses them.
"""
from __future__ import annotations

import json
import re
from decimal import Decimal

from chalicelib.domain.money import shown
from chalicelib.errors import BadRequest

MAX_DEPTH = 64  # Stripe's and Shopify's bodies nest fewer than 10 levels
MAX_EXPONENT = 308  # beyond a double's range no JSON reader agrees on the value
MAX_INTEGER_DIGITS = 100
# Escapes are removed first, so that a string is `"[^"]*"`, a pattern that cannot backtrack: with
# escapes in the pattern, an unterminated string (`"\"\"\"…`) takes quadratic time.
_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_STRING = re.compile(rb'"[^"]*"')
_NOT_A_BRACKET = bytes(sorted(set(range(256)) - set(b"[]{}")))
_OPENING = frozenset(b"[{")


def load(raw: bytes) -> dict:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise BadRequest(f"The body is not UTF-8 (byte {e.start} is not).") from e
    if _depth_exceeds(raw, MAX_DEPTH):
        raise BadRequest(f"The body nests deeper than {MAX_DEPTH} levels.")
    try:
        payload = json.loads(text, parse_int=_integer, parse_float=_number, parse_constant=_no_constant,
                             object_pairs_hook=_object)
    except ValueError as e:
        raise BadRequest(f"The body is not valid JSON: {e}.") from e
    if not isinstance(payload, dict):
        raise BadRequest("The body is not a JSON object.")
    return payload


def text(value: object, max_length: int = 255) -> str:
    """An id or name from a body: a string of 1 to `max_length` characters, with no control
    character and no lone surrogate (a `\\ud800` escape, which no store could write back)."""
    if not isinstance(value, str) or not 0 < len(value) <= max_length:
        raise ValueError(f"{shown(value)} is not an id (a string of 1 to {max_length} characters)")
    if any(ord(c) < 32 or 127 <= ord(c) < 160 or 0xD800 <= ord(c) < 0xE000 for c in value):
        raise ValueError(f"{shown(value)} holds a control character or a lone surrogate")
    return value


def _depth_exceeds(raw: bytes, limit: int) -> bool:
    """The brackets outside strings, counted on the raw bytes: `json` would recurse once per
    level and fail with a RecursionError long before a deep body's end."""
    depth = 0
    for byte in _STRING.sub(b"", _ESCAPE.sub(b"", raw)).translate(None, _NOT_A_BRACKET):
        depth += 1 if byte in _OPENING else -1
        if depth > limit:
            return True
    return False


def _integer(literal: str) -> int:
    if len(literal.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise ValueError(f"the integer {literal[:20]}… has more than {MAX_INTEGER_DIGITS} digits")
    return int(literal)


def _number(literal: str) -> Decimal:
    value = Decimal(literal)
    if value and value.adjusted() > MAX_EXPONENT:
        raise ValueError(f"the number {literal[:20]} is beyond the range of a double")
    return value


def _no_constant(literal: str):
    raise ValueError(f"{literal} is not a JSON number")


def _object(pairs: list[tuple[str, object]]) -> dict:
    obj = {}
    for key, value in pairs:
        if key in obj:  # readers disagree on which one counts: the signed body would be ambiguous
            raise ValueError(f"the key {shown(key)} appears twice in one object")
        obj[key] = value
    return obj
