"""Field types shared by request models."""
from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, StringConstraints, WithJsonSchema

# Unicode's control characters (general category Cc): C0, DEL and C1.
CONTROL_CHARACTERS = [*range(32), *range(127, 160)]
UNICODE_WHITE_SPACE = {*range(0x09, 0x0E), 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x2028, 0x2029,
                       0x202F, 0x205F, 0x3000}


def no_control_characters(allowed: str = "") -> "NoControlCharacters":
    """Refuses control characters other than those in `allowed` (e.g. newlines in a bio)."""
    return NoControlCharacters(allowed)


class NoControlCharacters:
    """The check, and the same rule in the JSON schema as a `pattern`, so that the document says
    what is refused. Where the text is stripped and must keep a character (`StringConstraints(
    strip_whitespace=True, min_length=1)` before this annotation), the pattern also asks for one
    character that is not white space."""

    def __init__(self, allowed: str) -> None:
        self.allowed = allowed
        self.refused = frozenset(c for c in CONTROL_CHARACTERS if chr(c) not in allowed)

    def check(self, value: str) -> str:
        if any(ord(c) in self.refused for c in value):
            raise ValueError("control characters are not allowed")
        return value

    def __get_pydantic_core_schema__(self, source, handler):
        from pydantic_core import core_schema

        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(self, schema, handler):
        json_schema = handler(schema)
        inner = schema.get("schema", {})
        forbidden = _character_class(sorted(self.refused))
        if inner.get("strip_whitespace") and inner.get("min_length", 0) >= 1:
            # Spelled out rather than `\s`, which differs between regex engines: what the
            # stripping removes is Unicode's White_Space.
            visible = _character_class(sorted(self.refused | UNICODE_WHITE_SPACE))
            json_schema["pattern"] = f"^[^{forbidden}]*[^{visible}][^{forbidden}]*$"
        else:
            json_schema["pattern"] = f"^[^{forbidden}]*$"
        return json_schema


class UniqueItems:
    """Documents that a list's items must differ (the route refuses repeats with a 400)."""

    def __get_pydantic_json_schema__(self, schema, handler):
        json_schema = handler(schema)
        json_schema["uniqueItems"] = True
        return json_schema


def _character_class(codes: list[int]) -> str:
    """`[0, 1, 2, 9, 127]` → `\\x00-\\x02\\x09\\x7f` (the inside of a regex character class)."""
    runs: list[list[int]] = []
    for code in codes:
        if runs and code == runs[-1][1] + 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])

    def escaped(code: int) -> str:
        return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"

    return "".join(escaped(a) if a == b else f"{escaped(a)}-{escaped(b)}" for a, b in runs)


MULTILINE = "\r\n\t"


def omittable(description: str | None = None):
    """A PATCH field that may be left out but not sent as null: left out, it reads None, and the
    schema shows it as its type alone (a null default would not match the type it documents)."""
    from pydantic import Field

    extra = {"description": description} if description else {}
    return Field(default=None, json_schema_extra=_without_default, **extra)


def _without_default(schema: dict) -> None:
    schema.pop("default", None)


# Dates and periods are ASCII, years 1970–9999. The patterns are the check itself (fullmatch, so
# `$` cannot match before a trailing newline) and what the schema says, in ECMA syntax: `[0-9]`,
# never `\d`, which matches other scripts' digits in Python and in pydantic's regex engine.
_YEAR = "(19[7-9][0-9]|[2-9][0-9]{3})"
_MONTH = "(0[1-9]|1[0-2])"
DAY_PATTERN = f"^{_YEAR}-{_MONTH}-(0[1-9]|[12][0-9]|3[01])$"
PERIOD_PATTERN = f"^{_YEAR}-{_MONTH}$"


def parse_day(value: str) -> str:
    """`YYYY-MM-DD`, a day of the calendar from 1970-01-01 to 9999-12-31; ValueError otherwise."""
    if not re.fullmatch(DAY_PATTERN, value):
        raise ValueError("a date is YYYY-MM-DD in ASCII digits, years 1970 to 9999")
    try:
        date(int(value[:4]), int(value[5:7]), int(value[8:]))
    except ValueError:
        raise ValueError(f"{value} is not a day of the calendar") from None
    return value


def parse_period(value: str) -> str:
    """`YYYY-MM`, a UTC month from 1970-01 to 9999-12; ValueError otherwise."""
    if not re.fullmatch(PERIOD_PATTERN, value):
        raise ValueError("a period is YYYY-MM in ASCII digits, years 1970 to 9999")
    return value


Day = Annotated[str, AfterValidator(parse_day), WithJsonSchema({
    "type": "string", "format": "date", "pattern": DAY_PATTERN, "description": "YYYY-MM-DD, 1970-01-01 to 9999-12-31"})]
Period = Annotated[str, AfterValidator(parse_period), WithJsonSchema({
    "type": "string", "pattern": PERIOD_PATTERN, "description": "YYYY-MM (a UTC month), 1970-01 to 9999-12"})]
# An id the app made (ULIDs); bounded so that a made-up one is refused before it reaches a key.
Id = Annotated[str, StringConstraints(min_length=1, max_length=64), no_control_characters()]
