"""Notifications: the inbox subscriber of the event stream, and a member's inbox.

`on_event` (named in logic/events.py SUBSCRIBERS) runs in the event function, never in the
request that caused the event: events that name `recipients` make one notification each;
RECORD_READY tells the owners of the sources a ready remix cites (`remixed`); `hearted` events
(one per new heart, published by the heart-count function from the heart message, see
logic/hearts.py) fold into one notification per record and UTC day. Nobody is told of their
own action, and a redelivered event changes nothing (the notification's id is derived from the
event's key, and its put is conditional).
"""
from __future__ import annotations

from dataclasses import replace

from chalicelib import services
from chalicelib.domain.events import NOTIFICATION_TYPES, RECORD_READY, Event
from chalicelib.domain.notifications import (
    HEARTED, REMIXED, Notification, day_of, hearted_id, is_notification_id, made_from, recipients_of,
)
from chalicelib.observability import count


def on_event(event: Event) -> None:
    if event.type == RECORD_READY:
        _remixed(event)
    elif event.type == HEARTED:
        _hearted(event)
    elif event.type in NOTIFICATION_TYPES:
        inbox = services.inbox()
        for member_id in recipients_of(event):
            _added(inbox.add(made_from(event, member_id)))


def _remixed(event: Event) -> None:
    sources = [s for s in event.data.get("sources") or () if isinstance(s, str)]
    if not sources or event.subject.type != "record":
        return
    found = services.records().get_many(sources[:100])
    owners = {source_id: record.owner_id for source_id, record in found.items()}
    inbox = services.inbox()
    for member_id in recipients_of(event, owners):
        theirs = sorted(s for s, owner in owners.items() if owner == member_id)
        note = made_from(event, member_id, REMIXED)
        _added(inbox.add(replace(note, detail={"source_ids": theirs})))


def _hearted(event: Event) -> None:
    if event.subject.type != "record" or event.actor_id is None:
        return
    record = services.records().get_many([event.subject.id]).get(event.subject.id)
    if record is None or record.owner_id == event.actor_id:
        return
    day = day_of(event.at)
    note = made_from(event, record.owner_id, HEARTED)
    note = replace(note, id=hearted_id(record.id, day), subject_title=record.title, detail={"day": day})
    _added(services.inbox().heart(note))


def _added(made: bool) -> None:
    if made:
        count("NotificationMade")


# --- the inbox -----------------------------------------------------------------------------

def page(member_id: str, unread_only: bool, limit: int, after: str | None) -> tuple[list[Notification], str | None]:
    return services.inbox().page(member_id, unread_only, limit, after)


def unread_count(member_id: str) -> int:
    return services.inbox().unread(member_id)


def mark_read(member_id: str, ids: list[str] | None) -> int:
    """Marks `ids` read (those that name none of the member's notifications are ignored), or
    every unread one when `ids` is None; the unread count after it."""
    inbox = services.inbox()
    if ids is None:
        return inbox.mark_all_read(member_id)
    return inbox.mark_read(member_id, [i for i in ids if is_notification_id(i)])
