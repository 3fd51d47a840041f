"""Collaborations: start one, find one, list them."""
from __future__ import annotations

from chalicelib import services
from chalicelib.domain.collaborations import Collaboration
from chalicelib.domain.ids import is_id, new_id_with_time
from chalicelib.domain.members import Identity
from chalicelib.errors import NotFound


def start(identity: Identity, title: str, brief: str, kinds: tuple[str, ...]) -> Collaboration:
    collaboration_id, now = new_id_with_time()
    collaboration = Collaboration(id=collaboration_id, title=title, brief=brief, kinds=kinds,
                                  owner_id=identity.member_id, owner_handle=identity.handle, created_at=now)
    services.collaborations().create(collaboration)
    return collaboration


def find(collaboration_id: str) -> Collaboration:
    """404 for an unknown or malformed id."""
    collaboration = services.collaborations().get(collaboration_id) if is_id(collaboration_id) else None
    if collaboration is None:
        raise NotFound(f"No collaboration has the id '{collaboration_id}'.")
    return collaboration


def newest_first(limit: int, after: str | None) -> tuple[list[Collaboration], str | None]:
    return services.collaborations().list(limit, after)
