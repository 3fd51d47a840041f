"""Member profile rules."""
from __future__ import annotations

import re
from dataclasses import dataclass

HANDLE_PATTERN = re.compile(r"^[a-z0-9_]{3,30}$")
HANDLE_RULE = "3 to 30 characters of a-z, 0-9 and _ (letters are lowercased)"


def normalize_handle(raw: str) -> str:
    """Handles are compared lowercased: `Alice` and `alice` are one handle."""
    return raw.lower()


def is_valid_handle(handle: str) -> bool:
    return bool(HANDLE_PATTERN.fullmatch(handle))  # `$` in match would also accept a trailing newline


@dataclass(frozen=True)
class Identity:
    """What an authenticated identity needs to act as a member, read with one GetItem."""

    sub: str
    member_id: str
    handle: str


@dataclass(frozen=True)
class MemberProfile:
    id: str
    handle: str
    display_name: str
    bio: str | None
    created_at: str
    updated_at: str
    record_count: int = 0
    heart_count_received: int = 0
    follower_count: int = 0
    following_count: int = 0
    sub: str = ""  # the identity behind it: internal, never shown
