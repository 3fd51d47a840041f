"""Comments: what members say about a record or a collaboration, with one level of replies.

A reply always hangs from a top-level comment: answering a reply attaches the answer to that
reply's top-level comment (the answered reply's author is still told). A removed comment stays
as a tombstone (status `removed`, no body), so the replies under it keep their place. A comment
hidden by moderation (or its author's suspension) reads as such a tombstone to everyone but its
author and moderators, and is not counted.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from chalicelib.domain.moderation import Moderation

RECORD, COLLABORATION = "record", "collaboration"
SUBJECT_TYPES = (RECORD, COLLABORATION)
VISIBLE, REMOVED = "visible", "removed"
COMMENT_STATUSES = (VISIBLE, REMOVED)

MAX_BODY = 5000  # characters
PREVIEW_REPLIES = 3  # replies shown under each top-level comment of a page
MAX_AT_SECONDS = 10_000_000  # about 115 days: beyond any media, and within what the store keeps exactly
TIMED_KINDS = ("audio", "video")  # the kinds a comment may be pinned to a moment of


@dataclass(frozen=True)
class CommentSubject:
    """What a comment is about, as read when it is written: its owner may remove comments on it;
    `kind` and `duration_seconds` (records) bound `at_seconds`."""

    type: str
    id: str
    owner_id: str
    title: str
    kind: str | None = None
    duration_seconds: float | None = None


@dataclass(frozen=True)
class Comment:
    id: str
    subject_type: str
    subject_id: str
    subject_owner_id: str
    author_id: str
    author_handle: str
    body: str | None
    status: str
    created_at: str
    parent_id: str | None = None  # the top-level comment of a reply
    at_seconds: float | None = None
    reply_count: int = 0  # replies under a top-level comment, tombstones included
    edited_at: str | None = None
    preview: bool = False  # a reply among its top-level comment's first PREVIEW_REPLIES
    moderation: Moderation | None = None  # hidden, or removed by a moderator (its body kept, never served)

    @property
    def is_reply(self) -> bool:
        return self.parent_id is not None

    @property
    def is_hidden(self) -> bool:
        return self.moderation is not None and self.moderation.hides

    @property
    def is_counted(self) -> bool:
        """In its record's `comment_count`: visible and not hidden."""
        return self.status == VISIBLE and not self.is_hidden

    def seen_by(self, author_or_moderator: bool) -> Comment:
        """As the viewer reads it: a hidden comment is a tombstone to the public, and only its
        author and moderators read why it is moderated."""
        if author_or_moderator or self.moderation is None:
            return self
        if self.is_hidden:
            return replace(self, status=REMOVED, body=None, moderation=None)
        return replace(self, moderation=None)

    @property
    def thread_id(self) -> str:
        """The top-level comment this comment belongs to (itself, if it is one)."""
        return self.parent_id or self.id

    def may_remove(self, member_id: str) -> bool:
        """The author and the subject's owner may remove a comment."""
        return member_id in (self.author_id, self.subject_owner_id)


@dataclass(frozen=True)
class Thread:
    """A top-level comment with its first replies, oldest first."""

    comment: Comment
    replies: tuple[Comment, ...] = ()


def at_seconds_problem(subject: CommentSubject, at_seconds: float | None) -> str | None:
    """Why `at_seconds` cannot pin a comment on `subject` (None: it can, or none is given)."""
    if at_seconds is None:
        return None
    if subject.type != RECORD or subject.kind not in TIMED_KINDS:
        return "only comments on audio and video records are pinned to a moment"
    if subject.duration_seconds is not None and at_seconds > float(subject.duration_seconds):
        return f"beyond the media's duration ({float(subject.duration_seconds):g} s)"
    return None


def at_seconds_value(value: float) -> float:
    """A moment as stored: to the millisecond (so the store keeps it exactly)."""
    return round(float(value), 3) + 0.0  # + 0.0: -0.0 is stored as 0
