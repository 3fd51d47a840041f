"""Notifications: a member's inbox, its unread count and marking it read.

Notifications are made asynchronously from the event stream (logic/notifications.py), never in
the request that caused them.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from chalicelib.api.fields import no_control_characters
from chalicelib.api.models import Page, paginate
from chalicelib.api.routing import Access, QueryParams, RequestBody, ResponseModel, Router
from chalicelib.domain.events import NOTIFICATION_TYPES

router = Router("notifications")

NotificationType = Literal[tuple(sorted(NOTIFICATION_TYPES))]
NotificationId = Annotated[str, StringConstraints(min_length=1, max_length=64), no_control_characters()]


class Actor(ResponseModel):
    id: str
    handle: str | None = Field(description="Null only when the event did not name it.")


class NotificationSubject(ResponseModel):
    type: str = Field(description="record, collaboration, member, production, statement, payout, export, …")
    id: str
    title: str | None = Field(description="The record's or production's title, a follower's handle, …")


class NotificationOut(ResponseModel):
    id: str
    type: NotificationType
    created_at: str = Field(description="When it happened; for `hearted`, the day's latest heart (it moves up).")
    read: bool
    count: int = Field(description="`hearted`: distinct members who hearted the record that UTC day; else 1.")
    actor: Actor | None = Field(description="Who acted (the latest, for `hearted`); null for the system.")
    subject: NotificationSubject
    detail: dict[str, Any] = Field(description="By type: `comment_id` (commented, replied), `day` (hearted), "
                                               "`source_ids` (remixed: your records it cites), reasons (moderation)…")


class NotificationPage(Page[NotificationOut]):
    pass


class NotificationsQuery(QueryParams):
    unread: bool | None = Field(default=None, description="true: only unread ones.")
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = None


class UnreadCount(ResponseModel):
    unread: int


class MarkRead(RequestBody):
    ids: Annotated[list[NotificationId], Field(max_length=100)] | None = Field(
        default=None, description="Left out: every unread notification. Ids that name none of yours, and repeats, are ignored.")


def _out(note) -> NotificationOut:
    return NotificationOut(
        id=note.id, type=note.type, created_at=note.created_at, read=note.read, count=note.count,
        actor=Actor(id=note.actor.id, handle=note.actor.handle) if note.actor else None,
        subject=NotificationSubject(type=note.subject_type, id=note.subject_id, title=note.subject_title),
        detail=note.detail,
    )


@router.route("GET", "/me/notifications", summary="Your notifications, newest first",
              access=Access.MEMBER, query=NotificationsQuery, response=NotificationPage)
def list_notifications(ctx):
    from chalicelib.logic import notifications

    query, member_id = ctx.query(), ctx.identity.member_id
    return paginate(ctx, NotificationPage, f"notifications|{member_id}|{bool(query.unread)}", query,
                    lambda limit, after: notifications.page(member_id, bool(query.unread), limit, after),
                    lambda notes: [_out(n) for n in notes])


@router.route("GET", "/me/notifications/unread-count", summary="How many of your notifications are unread "
              "(one read)", access=Access.MEMBER, response=UnreadCount)
def unread_count(ctx):
    from chalicelib.logic import notifications

    return UnreadCount(unread=notifications.unread_count(ctx.identity.member_id))


@router.route("POST", "/me/notifications/read", summary="Mark notifications read (`{}`: all of them)",
              access=Access.MEMBER, body=MarkRead, response=UnreadCount, errors=(409,))
def mark_read(ctx):
    from chalicelib.logic import notifications

    ids = ctx.body().ids
    return UnreadCount(unread=notifications.mark_read(ctx.identity.member_id, ids))
