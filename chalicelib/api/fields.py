"""Field types shared by request models."""
from __future__ import annotations

from pydantic import AfterValidator


def no_control_characters(allowed: str = "") -> AfterValidator:
    """Refuses control characters other than those in `allowed` (e.g. newlines in a bio)."""

    def check(value: str) -> str:
        if any((ord(c) < 32 or ord(c) == 127) and c not in allowed for c in value):
            raise ValueError("control characters are not allowed")
        return value

    return AfterValidator(check)


MULTILINE = "\r\n\t"
