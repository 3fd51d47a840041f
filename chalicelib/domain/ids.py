"""Opaque ids: ULIDs, so that ids sort by creation time."""
from __future__ import annotations

import re

_ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


def new_id() -> str:
    from ulid import ULID

    return str(ULID())


def is_id(value: str) -> bool:
    """True for a well-formed id. A malformed id in a path is answered like an unknown one."""
    return bool(_ULID.match(value))
