"""Opaque, signed pagination cursors.

A cursor is URL-safe base64 of `<list scope>\\n<position>` plus an HMAC, so a client can hand
it back but cannot forge, edit or reuse it on another list: any of that is a 400.
"""
from __future__ import annotations

import base64
import hashlib
import hmac

from chalicelib.errors import FieldError, ValidationFailed

_MAC_BYTES = 16


def encode(scope: str, position: str, secret: bytes) -> str:
    payload = f"{scope}\n{position}".encode()
    mac = hmac.new(secret, payload, hashlib.sha256).digest()[:_MAC_BYTES]
    return base64.urlsafe_b64encode(mac + payload).rstrip(b"=").decode()


def decode(cursor: str, scope: str, secret: bytes) -> str:
    """The position inside `scope` that `cursor` names; 400 when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (ValueError, TypeError):
        raise _invalid() from None
    mac, payload = raw[:_MAC_BYTES], raw[_MAC_BYTES:]
    expected = hmac.new(secret, payload, hashlib.sha256).digest()[:_MAC_BYTES]
    if len(mac) != _MAC_BYTES or not hmac.compare_digest(mac, expected):
        raise _invalid()
    cursor_scope, _, position = payload.decode().partition("\n")
    if cursor_scope != scope:
        raise _invalid("This cursor belongs to another list or filter.")
    return position


def _invalid(detail: str = "The cursor is malformed or was altered.") -> ValidationFailed:
    return ValidationFailed(detail, errors=[FieldError("cursor", "pass back next_cursor exactly as received")])


class Paging:
    """Where a list continues (`after`, from the request's cursor) and the cursor for what follows."""

    def __init__(self, ctx, scope: str, cursor: str | None) -> None:
        self._scope = scope
        self._secret = ctx.settings.cursor_secret.get_secret_value().encode()
        self.after = decode(cursor, scope, self._secret) if cursor else None

    def next_cursor(self, last: str | None) -> str | None:
        return encode(self._scope, last, self._secret) if last else None
