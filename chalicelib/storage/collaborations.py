"""Collaborations. Listed newest first from one partition of gsi1 (`COLLABS`): they are created
rarely, far below what one partition takes, unlike records (see `definitions`)."""
from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from chalicelib.config import Settings
from chalicelib.domain.collaborations import Collaboration
from chalicelib.storage.connection import bind_models, newest_first_page
from chalicelib.storage.models import CollaborationItem

PARTITION = "COLLABS"


class CollaborationRepository:
    def __init__(self, settings: Settings) -> None:
        bind_models(settings)

    def create(self, collaboration: Collaboration) -> None:
        CollaborationItem(
            *CollaborationItem.key(collaboration.id), collaboration_id=collaboration.id,
            title=collaboration.title, brief=collaboration.brief, kinds=list(collaboration.kinds),
            owner_id=collaboration.owner_id, owner_handle=collaboration.owner_handle,
            created_at=collaboration.created_at, gsi1pk=PARTITION,
            gsi1sk=f"{collaboration.created_at}#{collaboration.id}",
        ).save(condition=CollaborationItem.pk.does_not_exist())

    def get(self, collaboration_id: str) -> Collaboration | None:
        try:
            return _collaboration(CollaborationItem.get(*CollaborationItem.key(collaboration_id)))
        except DoesNotExist:
            return None

    def list(self, limit: int, after: str | None) -> tuple[list[Collaboration], str | None]:
        page, last = newest_first_page(CollaborationItem.gsi1, PARTITION, CollaborationItem.gsi1sk, limit, after)
        return [_collaboration(i) for i in page], last


def _collaboration(item: CollaborationItem) -> Collaboration:
    return Collaboration(
        id=item.collaboration_id, title=item.title, brief=item.brief, kinds=tuple(item.kinds or ()),
        owner_id=item.owner_id, owner_handle=item.owner_handle, created_at=item.created_at,
        record_count=int(item.record_count or 0),
    )
