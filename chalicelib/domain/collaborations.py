"""Collaborations: a brief that invites records; records join one when they are created."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Collaboration:
    id: str
    title: str
    brief: str
    kinds: tuple[str, ...]
    owner_id: str
    owner_handle: str
    created_at: str
    record_count: int = 0
