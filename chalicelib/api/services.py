"""Lazy, cached factories for the repositories the routes use (one per warm container)."""
from __future__ import annotations

from functools import lru_cache

from chalicelib.config import get_settings


@lru_cache(maxsize=1)
def members():
    from chalicelib.storage.members import MemberRepository

    return MemberRepository(get_settings())
