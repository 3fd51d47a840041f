"""Members' inboxes: notifications, the unread counter and the day's hearts (see models).

Every change of a notification's read state moves the member's unread counter in the same
transaction, on the condition that the state is the one read, so the counter is exact however
many deliveries and readers race; reading it is one GetItem.
"""
from __future__ import annotations

import json
import time

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from chalicelib.config import Settings
from chalicelib.domain.notifications import HEART_MARKER_DAYS, Actor, Notification
from chalicelib.storage.connection import (
    LostRace, bind_models, condition_failed, retry, write_or_lose, write_unless,
)
from chalicelib.storage.models import HeartMarkerItem, NotificationItem, UnreadCountItem

ATTEMPTS = 8
TRANSACTION_NOTES = 99  # with the counter, DynamoDB's 100 items per transaction
MARK_ALL_PAGES = 20  # `{}` marks at most 20 × 99 notifications read per request


class Inbox:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        bind_models(settings)

    # --- making them ---------------------------------------------------------------------

    def add(self, note: Notification) -> bool:
        """Stores a new, unread notification and counts it; False if it exists (a redelivery)."""
        item = _item(note)

        def fill(tx) -> None:
            tx.save(item, condition=NotificationItem.pk.does_not_exist())
            tx.update(UnreadCountItem(*UnreadCountItem.key(note.member_id)), actions=[UnreadCountItem.unread.add(1)])

        return write_unless(self._settings, fill)

    def heart(self, note: Notification) -> bool:
        """Counts the heart of `note.actor` in the owner's `hearted` notification of that record
        and day (`note`, as a new one would be): a member counts once a day; the actor becomes
        the latest; a read notification is unread again and moves to the top. False: this
        member's heart was counted already."""
        member_id, actor = note.member_id, note.actor
        day = note.detail.get("day", note.created_at[:10])
        marker = HeartMarkerItem(*HeartMarkerItem.key(member_id, note.subject_id, day, actor.id),
                                 expires_at=int(time.time()) + HEART_MARKER_DAYS * 86400)
        counter = UnreadCountItem(*UnreadCountItem.key(member_id))

        def attempt() -> bool:
            current = self._get(member_id, note.id)

            def fill(tx) -> None:
                tx.save(marker, condition=HeartMarkerItem.pk.does_not_exist())
                if current is None:
                    tx.save(_item(note), condition=NotificationItem.pk.does_not_exist())
                    tx.update(counter, actions=[UnreadCountItem.unread.add(1)])
                    return
                at = max(note.created_at, current.created_at)
                sort_key = f"{at}#{note.id}"
                tx.update(NotificationItem(*NotificationItem.key(member_id, note.id)), actions=[
                    NotificationItem.count.add(1), NotificationItem.created_at.set(at),
                    NotificationItem.actor_id.set(actor.id), _set_or_remove(NotificationItem.actor_handle, actor.handle),
                    NotificationItem.subject_title.set(note.subject_title or current.subject_title or ""),
                    NotificationItem.read.set(False), NotificationItem.gsi1sk.set(sort_key),
                    NotificationItem.gsi2pk.set(f"UNREAD#{member_id}"), NotificationItem.gsi2sk.set(sort_key),
                ], condition=NotificationItem.read == current.read)
                if current.read:
                    tx.update(counter, actions=[UnreadCountItem.unread.add(1)])

            try:
                return write_unless(self._settings, fill)
            except TransactWriteError as e:
                if condition_failed(e):
                    raise LostRace() from e
                raise

        return retry(attempt, ATTEMPTS, _busy)

    # --- reading them --------------------------------------------------------------------

    def unread(self, member_id: str) -> int:
        """The member's unread count: one GetItem."""
        try:
            return int(UnreadCountItem.get(*UnreadCountItem.key(member_id)).unread or 0)
        except DoesNotExist:
            return 0

    def page(self, member_id: str, unread_only: bool, limit: int,
             after: str | None) -> tuple[list[Notification], str | None]:
        """Newest first (one Query); the position after the page (None: no more)."""
        index, partition, sort_key = ((NotificationItem.gsi2, f"UNREAD#{member_id}", NotificationItem.gsi2sk)
                                      if unread_only else
                                      (NotificationItem.gsi1, f"INBOX#{member_id}", NotificationItem.gsi1sk))
        items = list(index.query(partition, range_key_condition=sort_key < after if after else None,
                                 scan_index_forward=False, limit=limit + 1, page_size=limit + 1))
        page = items[:limit]
        last = getattr(page[-1], sort_key.attr_name) if len(items) > limit else None
        return [_note(i) for i in page], last

    # --- marking them read -----------------------------------------------------------------

    def mark_read(self, member_id: str, ids: list[str]) -> int:
        """Marks the member's notifications `ids` read (unknown ones are ignored); the unread
        count after it."""
        ids = list(dict.fromkeys(ids))
        for start in range(0, len(ids), TRANSACTION_NOTES):
            chunk = ids[start:start + TRANSACTION_NOTES]
            retry(lambda: self._mark(member_id, chunk), ATTEMPTS, _busy)
        return self._unread_consistent(member_id)

    def mark_all_read(self, member_id: str) -> int:
        """Marks every unread notification read (at most MARK_ALL_PAGES × 99 per call: the
        answer's count says what is left); the unread count after it."""
        seen: set[str] = set()
        for _ in range(MARK_ALL_PAGES):
            items = list(NotificationItem.gsi2.query(f"UNREAD#{member_id}", limit=TRANSACTION_NOTES,
                                                     page_size=TRANSACTION_NOTES))
            fresh = [i.notification_id for i in items if i.notification_id not in seen]
            if not fresh:
                break  # the index may still list some just read: they are not unread any more
            seen.update(fresh)
            retry(lambda: self._mark(member_id, fresh), ATTEMPTS, _busy)
        return self._unread_consistent(member_id)

    def _mark(self, member_id: str, ids: list[str]) -> None:
        from chalicelib.storage.connection import batch_get_raw

        found = batch_get_raw(self._settings, [NotificationItem.key(member_id, i) for i in ids])
        unread = [NotificationItem.from_raw_data(raw) for raw in found.values()]
        unread = [item for item in unread if not item.read]
        if not unread:
            return

        def fill(tx) -> None:
            for item in unread:
                tx.update(NotificationItem(item.pk, item.sk), actions=[
                    NotificationItem.read.set(True), NotificationItem.gsi2pk.remove(), NotificationItem.gsi2sk.remove(),
                ], condition=NotificationItem.read == False)  # noqa: E712 - a DynamoDB condition, not a test
            tx.update(UnreadCountItem(*UnreadCountItem.key(member_id)), actions=[UnreadCountItem.unread.add(-len(unread))])

        write_or_lose(self._settings, fill)

    def _get(self, member_id: str, notification_id: str) -> NotificationItem | None:
        try:
            return NotificationItem.get(*NotificationItem.key(member_id, notification_id), consistent_read=True)
        except DoesNotExist:
            return None

    def _unread_consistent(self, member_id: str) -> int:
        try:
            return int(UnreadCountItem.get(*UnreadCountItem.key(member_id), consistent_read=True).unread or 0)
        except DoesNotExist:
            return 0


def _busy():
    from chalicelib.errors import Conflict

    raise Conflict("The inbox kept changing while it was written; try again.")


def _set_or_remove(attribute, value):
    return attribute.remove() if value is None else attribute.set(value)


def _item(note: Notification) -> NotificationItem:
    sort_key = f"{note.created_at}#{note.id}"
    return NotificationItem(
        *NotificationItem.key(note.member_id, note.id), member_id=note.member_id, notification_id=note.id,
        note_type=note.type, created_at=note.created_at, read=note.read, count=note.count,
        actor_id=note.actor.id if note.actor else None, actor_handle=note.actor.handle if note.actor else None,
        subject_type=note.subject_type, subject_id=note.subject_id, subject_title=note.subject_title,
        detail=json.dumps(note.detail, separators=(",", ":"), ensure_ascii=False),
        gsi1pk=f"INBOX#{note.member_id}", gsi1sk=sort_key,
        gsi2pk=None if note.read else f"UNREAD#{note.member_id}", gsi2sk=None if note.read else sort_key,
    )


def _note(item: NotificationItem) -> Notification:
    return Notification(
        id=item.notification_id, member_id=item.member_id, type=item.note_type, created_at=item.created_at,
        read=bool(item.read), count=int(item.count or 1),
        actor=Actor(item.actor_id, item.actor_handle) if item.actor_id else None,
        subject_type=item.subject_type, subject_id=item.subject_id, subject_title=item.subject_title,
        detail=json.loads(item.detail or "{}"),
    )
