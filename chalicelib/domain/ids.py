"""Opaque ids: ULIDs, so that ids sort by creation time."""
from __future__ import annotations

import re

_ULID = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")


def new_id() -> str:
    from ulid import ULID

    return str(ULID())


def is_id(value: str) -> bool:
    """True for a well-formed id. A malformed id in a path is answered like an unknown one."""
    return isinstance(value, str) and _ULID.fullmatch(value) is not None  # fullmatch: `$` admits a final "\n"


def new_id_with_time() -> tuple[str, str]:
    """A new id and its creation time (RFC 3339, ms) read from the id itself, so ordering
    by (created_at, id) and ordering by id are the same order."""
    from ulid import ULID

    from chalicelib.domain.clock import to_rfc3339

    ulid = ULID()
    return str(ulid), to_rfc3339(ulid.datetime)
