"""The daily `purge_removed_media` schedule: parses the event's time, purges what is due."""
from __future__ import annotations

from chalicelib.jobs import event_time


def purge_removed_media(event: dict) -> dict:
    from chalicelib.logic.moderation import purge_removed_media as purge

    at = event_time(event)
    return {"as_of": at.isoformat(), "purged": purge(at)}
