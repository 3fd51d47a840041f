"""Notifications: what an event tells whom, and how a notification is named.

One event may tell several members (`Event.recipients`, or the owners of a remix's sources);
nobody is told of their own action. A notification's id is derived from the event's key and
its recipient, so a redelivered event finds the notification it made and makes no other.
`hearted` is the exception: one notification per record and UTC day, whatever the hearts; its
id comes from the record and the day, and each heart of a member that day counts once.
"""
from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field

from chalicelib.domain.events import Event

HEARTED, REMIXED = "hearted", "remixed"
MAX_READ_IDS = 100
HEART_MARKER_DAYS = 8  # a heart's marker outlives any redelivery of its event (SQS keeps 4 days)

_ID = re.compile(r"[a-z2-7]{26}")


def notification_id(*parts: str) -> str:
    """A 26-character id (base32 of a hash), the same for the same parts."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()[:16]
    return base64.b32encode(digest).decode().rstrip("=").lower()


def is_notification_id(value: str) -> bool:
    return isinstance(value, str) and _ID.fullmatch(value) is not None


def hearted_id(record_id: str, day: str) -> str:
    return notification_id(HEARTED, record_id, day)


def day_of(timestamp: str) -> str:
    """`2026-12-01T10:00:00.000Z` → `2026-12-01` (UTC)."""
    return timestamp[:10]


@dataclass(frozen=True)
class Actor:
    id: str
    handle: str | None


@dataclass(frozen=True)
class Notification:
    id: str
    member_id: str
    type: str
    created_at: str
    read: bool
    count: int
    actor: Actor | None
    subject_type: str
    subject_id: str
    subject_title: str | None
    detail: dict = field(default_factory=dict)


def actor_of(event: Event) -> Actor | None:
    """Who acted, with the handle the producer named (`data.actor_handle`), or, for an event
    whose subject is the acting member (`followed`), the subject's title."""
    if event.actor_id is None:
        return None
    handle = event.data.get("actor_handle")
    if not isinstance(handle, str) and event.subject.type == "member" and event.subject.id == event.actor_id:
        handle = event.subject.title
    return Actor(event.actor_id, handle if isinstance(handle, str) else None)


def detail_of(event: Event) -> dict:
    """What a notification shows besides its subject: the event's data without the actor's handle."""
    return {k: v for k, v in event.data.items() if k != "actor_handle"}


def recipients_of(event: Event, owners: dict[str, str] | None = None) -> list[str]:
    """The members an event tells, each once, never the actor. `owners` (remixes): source id →
    the owner's member id, for RECORD_READY, whose recipients are the sources' owners."""
    people = list(owners.values()) if owners is not None else list(event.recipients)
    return [m for m in dict.fromkeys(people) if m and m != event.actor_id]


def made_from(event: Event, member_id: str, type_: str | None = None) -> Notification:
    """The notification `event` makes for `member_id` (a new one: unread, count 1)."""
    type_ = type_ or event.type
    return Notification(
        id=notification_id(type_, event.key, member_id), member_id=member_id, type=type_, created_at=event.at,
        read=False, count=1, actor=actor_of(event), subject_type=event.subject.type, subject_id=event.subject.id,
        subject_title=event.subject.title, detail=detail_of(event),
    )
