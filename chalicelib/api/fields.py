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


def omittable(description: str | None = None):
    """A PATCH field that may be left out but not sent as null: left out, it reads None, and the
    schema shows it as its type alone (a null default would not match the type it documents)."""
    from pydantic import Field

    extra = {"description": description} if description else {}
    return Field(default=None, json_schema_extra=_without_default, **extra)


def _without_default(schema: dict) -> None:
    schema.pop("default", None)
