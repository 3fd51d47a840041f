"""Comments and replies (see `models.CommentItem` for the keys and the three lists).

A comment is written in one transaction with what it moves: the record's `comment_count` (on
the condition that the record is still ready; a collaboration is checked to exist), and for a
reply its top-level comment's `reply_count`. Whether a reply is among the first three shown under
its top-level comment is decided by that count: while it is under three the update is
conditioned on the count read (two racing replies cannot both take the third place; the loser
reads again), afterwards it is not conditioned at all, so a busy thread does not make repliers
take turns.
"""
from __future__ import annotations

from dataclasses import replace

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from chalicelib.config import Settings
from chalicelib.domain.comments import PREVIEW_REPLIES, RECORD, REMOVED, VISIBLE, Comment, Thread
from chalicelib.domain.moderation import MODERATOR_REMOVED, Moderation
from chalicelib.domain.records import READY
from chalicelib.storage.connection import (
    LostRace, applied, bind_models, condition_failed, write_or_lose, write_transaction,
)
from chalicelib.storage.models import CollaborationItem, CommentItem, RecordItem


class SubjectGone(Exception):
    """The record stopped being ready (or the collaboration is unknown) before the comment was stored."""


class CommentRepository:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        bind_models(settings)

    def get(self, comment_id: str, consistent: bool = False) -> Comment | None:
        try:
            return _comment(CommentItem.get(*CommentItem.key(comment_id), consistent_read=consistent))
        except DoesNotExist:
            return None

    # --- changes ---------------------------------------------------------------------------

    def add(self, comment: Comment, top: Comment | None, quota=None) -> Comment:
        """Stores a new comment (a reply when `top`, its top-level comment as read, is given) and
        returns it as stored. SubjectGone: the record is no longer ready; LostRace: the top-level
        comment's first replies filled up since it was read."""
        from chalicelib.storage.rate_limits import Charge

        preview = top is not None and top.reply_count < PREVIEW_REPLIES
        stored = replace(comment, preview=preview)
        item = _item(stored)
        charge = Charge(quota) if quota is not None else None  # the rate limit, counted with the comment

        def fill(tx) -> None:
            tx.save(item, condition=CommentItem.pk.does_not_exist())
            if comment.subject_type == RECORD:
                tx.update(RecordItem(*RecordItem.key(comment.subject_id)), actions=[RecordItem.comment_count.add(1)],
                          condition=RecordItem.status == READY)
            else:
                tx.condition_check(CollaborationItem, *CollaborationItem.key(comment.subject_id),
                                   condition=CollaborationItem.pk.exists())
            if top is not None:
                counted = CommentItem.reply_count == top.reply_count if preview else None
                tx.update(CommentItem(*CommentItem.key(top.id)), actions=[CommentItem.reply_count.add(1)],
                          condition=CommentItem.pk.exists() & counted if counted is not None else CommentItem.pk.exists())
            if charge is not None:
                charge.add_to(tx)  # the last update (storage.rate_limits)

        try:
            write_transaction(self._settings, fill)
        except TransactWriteError as e:
            if charge is not None:
                charge.raise_if_over(e)
            if condition_failed(e, 1):
                raise SubjectGone(comment.subject_id) from e
            if condition_failed(e):
                raise LostRace() from e
            raise
        return stored

    def edit(self, comment: Comment, body: str, edited_at: str) -> Comment | None:
        """The comment with its new body; None if it was removed meanwhile."""
        item = CommentItem(*CommentItem.key(comment.id))
        try:
            item.update(actions=[CommentItem.body.set(body), CommentItem.edited_at.set(edited_at)],
                        condition=CommentItem.status == VISIBLE)
        except UpdateError as e:
            if condition_failed(e):
                return None
            raise
        return _comment(item)

    def remove(self, comment: Comment) -> bool:
        """Makes the comment a tombstone and stops counting it; False if it was one already.
        LostRace: a moderator hid or restored it since it was read."""

        def fill(tx) -> None:
            tx.update(CommentItem(*CommentItem.key(comment.id)),
                      actions=[CommentItem.status.set(REMOVED), CommentItem.body.remove()],
                      condition=(CommentItem.status == VISIBLE) & _moderation_is(comment.moderation))
            if comment.is_counted:
                self._count(tx, comment, -1)

        try:
            write_transaction(self._settings, fill)
        except TransactWriteError as e:
            if condition_failed(e, 0):
                current = self.get(comment.id, consistent=True)
                if current is not None and current.status == VISIBLE:
                    raise LostRace() from e
                return False
            raise
        return True

    # --- moderation ------------------------------------------------------------------------

    def moderate(self, comment: Comment, moderation: Moderation) -> None:
        """Hides the comment (`hidden`) or removes it as a moderator does (`removed`: a tombstone
        whose body stays stored, never served, until the removal stands); either way it stops
        counting. LostRace: it changed since it was read."""
        actions = [CommentItem.moderation_state.set(moderation.state),
                   CommentItem.moderation_reason.set(moderation.reason),
                   CommentItem.moderation_action_id.set(moderation.action_id)]
        if moderation.state == MODERATOR_REMOVED:
            actions.append(CommentItem.status.set(REMOVED))

        def fill(tx) -> None:
            tx.update(CommentItem(*CommentItem.key(comment.id)), actions=actions,
                      condition=(CommentItem.status == comment.status) & _moderation_is(comment.moderation))
            if comment.is_counted:
                self._count(tx, comment, -1)

        write_or_lose(self._settings, fill, 0)

    def unmoderate(self, comment: Comment) -> None:
        """Undoes `moderate`: visible and counted again (a comment its author removed meanwhile
        stays a tombstone). LostRace: it changed since it was read."""
        visible = comment.status == VISIBLE or comment.moderation.state == MODERATOR_REMOVED
        actions = [CommentItem.moderation_state.remove(), CommentItem.moderation_reason.remove(),
                   CommentItem.moderation_action_id.remove(), *([CommentItem.status.set(VISIBLE)] if visible else [])]

        def fill(tx) -> None:
            tx.update(CommentItem(*CommentItem.key(comment.id)), actions=actions,
                      condition=(CommentItem.status == comment.status) & _moderation_is(comment.moderation))
            if visible:
                self._count(tx, comment, +1)

        write_or_lose(self._settings, fill, 0)

    def drop_kept(self, comment_id: str, action_id: str) -> bool:
        """A moderator's removal that stands: the body it kept goes; False if the comment is no
        longer removed by `action_id`."""
        return applied(lambda: CommentItem(*CommentItem.key(comment_id)).update(
            actions=[CommentItem.body.remove()],
            condition=(CommentItem.status == REMOVED) & (CommentItem.moderation_action_id == action_id)))

    @staticmethod
    def _count(tx, comment: Comment, delta: int) -> None:
        if comment.subject_type == RECORD:
            tx.update(RecordItem(*RecordItem.key(comment.subject_id)), actions=[RecordItem.comment_count.add(delta)],
                      condition=RecordItem.pk.exists())

    # --- lists -----------------------------------------------------------------------------

    def threads(self, subject_type: str, subject_id: str, limit: int,
                after: str | None) -> tuple[list[Thread], str | None]:
        """Top-level comments oldest first after top-level comment `after`, each with its first
        replies: ONE Query (DynamoDB's page of up to 1 MB holds at least 12 whole threads, as a
        thread of four comments is at most ~84 KB). A page that DynamoDB cut short ends at its
        last whole thread, with a cursor."""
        wanted = (limit + 1) * (PREVIEW_REPLIES + 1)
        condition = CommentItem.gsi1sk > f"{after}#2" if after else None  # past `after`'s replies
        result = CommentItem.gsi1.query(f"THREAD#{subject_type}#{subject_id}", range_key_condition=condition,
                                        scan_index_forward=True, page_size=wanted)
        page = next(result.page_iter)
        cut = result.page_iter.last_evaluated_key is not None
        groups: list[list[Comment]] = []
        for raw in page.get("Items", []):
            comment = _comment(CommentItem.from_raw_data(raw))
            if not comment.is_reply:
                groups.append([comment])
            elif groups and groups[-1][0].id == comment.parent_id:
                groups[-1].append(comment)
        if len(groups) > limit:
            groups = groups[:limit]
        elif cut and len(groups) > 1:
            groups = groups[:-1]  # its replies may go on past the cut
        elif not cut:
            return [Thread(g[0], tuple(g[1:])) for g in groups], None
        threads = [Thread(g[0], tuple(g[1:])) for g in groups]
        return threads, (threads[-1].comment.id if threads else None)

    def replies(self, top_id: str, limit: int, after: str | None) -> tuple[list[Comment], str | None]:
        """Replies of a top-level comment, oldest first, after reply `after` (one Query)."""
        condition = CommentItem.gsi2sk > after if after else None
        found = [_comment(i) for i in CommentItem.gsi2.query(
            f"REPLIES#{top_id}", range_key_condition=condition, scan_index_forward=True,
            limit=limit + 1, page_size=limit + 1)]
        page = found[:limit]
        return page, (page[-1].id if len(found) > limit else None)

    def by_author(self, author_id: str, limit: int, after: str | None) -> tuple[list[Comment], str | None]:
        """An author's comments, newest first (for exports of one's data)."""
        from chalicelib.storage.connection import newest_first_page

        page, last = newest_first_page(CommentItem.gsi3, f"COMMENTS_BY#{author_id}", CommentItem.gsi3sk, limit, after)
        return [_comment(i) for i in page], last


def _item(comment: Comment) -> CommentItem:
    item = CommentItem(
        *CommentItem.key(comment.id), comment_id=comment.id, subject_type=comment.subject_type,
        subject_id=comment.subject_id, subject_owner_id=comment.subject_owner_id, author_id=comment.author_id,
        author_handle=comment.author_handle, body=comment.body, parent_id=comment.parent_id,
        at_seconds=comment.at_seconds, status=comment.status, reply_count=0, created_at=comment.created_at,
        gsi3pk=f"COMMENTS_BY#{comment.author_id}", gsi3sk=f"{comment.created_at}#{comment.id}",
    )
    thread = f"THREAD#{comment.subject_type}#{comment.subject_id}"
    if comment.parent_id is None:
        item.gsi1pk, item.gsi1sk = thread, f"{comment.id}#0"
    else:
        item.gsi2pk, item.gsi2sk = f"REPLIES#{comment.parent_id}", comment.id
        if comment.preview:
            item.gsi1pk, item.gsi1sk = thread, f"{comment.parent_id}#1#{comment.id}"
    return item


def _moderation_is(moderation: Moderation | None):
    """The comment's moderation is still the one read."""
    if moderation is None:
        return CommentItem.moderation_state.does_not_exist()
    return (CommentItem.moderation_state == moderation.state) & (CommentItem.moderation_action_id == moderation.action_id)


def _comment(item: CommentItem) -> Comment:
    if item.status == REMOVED:  # a moderator's removal keeps the body stored, never served
        item.body = None
    return Comment(
        id=item.comment_id, subject_type=item.subject_type, subject_id=item.subject_id,
        subject_owner_id=item.subject_owner_id, author_id=item.author_id, author_handle=item.author_handle,
        body=item.body, status=item.status, created_at=item.created_at, parent_id=item.parent_id,
        at_seconds=float(item.at_seconds) if item.at_seconds is not None else None,
        reply_count=int(item.reply_count or 0), edited_at=item.edited_at,
        preview=item.parent_id is not None and item.gsi1pk is not None,
        moderation=Moderation(item.moderation_state, item.moderation_reason, item.moderation_action_id)
        if item.moderation_state else None,
    )
