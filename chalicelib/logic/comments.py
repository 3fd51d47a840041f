"""Comments on records and collaborations: post (a reply attaches to its top-level comment), edit,
remove (a tombstone), and the lists. What a comment changes is told afterwards on the event
stream: `commented` to the subject's owner, `replied` to the answered comment's author and the
top-level comment's author; never to the one who wrote it.
"""
from __future__ import annotations

import time

from chalicelib import services
from chalicelib.auth import Principal
from chalicelib.domain.comments import (
    COLLABORATION, RECORD, REMOVED, VISIBLE, Comment, CommentSubject, Thread, at_seconds_problem, at_seconds_value,
)
from chalicelib.domain.ids import is_id
from chalicelib.domain.members import Identity
from chalicelib.domain.records import READY
from chalicelib.errors import Conflict, FieldError, Forbidden, NotFound, RuleViolation
from chalicelib.storage.connection import retry

ATTEMPTS = 5


# --- subjects -----------------------------------------------------------------------------

def subject(viewer: str | None, subject_type: str, subject_id: str, *, writable: bool = False) -> CommentSubject:
    """The record or collaboration comments are read from (a record the caller may see) or
    written to (`writable`: a ready record); 404 otherwise. One read, never a long text's body."""
    if subject_type == COLLABORATION:
        from chalicelib.logic import collaborations

        collaboration = collaborations.find(subject_id)
        return CommentSubject(COLLABORATION, collaboration.id, collaboration.owner_id, collaboration.title)
    record = services.records().get_many([subject_id]).get(subject_id) if is_id(subject_id) else None
    if record is None or not record.visible_to(viewer, int(time.time())) or (writable and record.status != READY) \
            or (record.is_hidden and not record.is_owned_by(viewer)):  # hidden or disabled (Trust and safety)
        raise NotFound(f"No {'ready ' if writable else ''}record has the id '{subject_id}'.")
    return CommentSubject(RECORD, record.id, record.owner_id, record.title, kind=record.kind,
                          duration_seconds=record.media.duration_seconds if record.media else None)


def find(comment_id: str) -> Comment:
    """404 for an unknown or malformed id."""
    comment = services.comments().get(comment_id) if is_id(comment_id) else None
    if comment is None:
        raise NotFound(f"No comment has the id '{comment_id}'.")
    return comment


def _admit(identity: Identity):
    """Trust & safety's rate limit on comments (60 per member and UTC hour): the quota the write
    counts in its own transaction (429 there when over, nothing stored)."""
    from chalicelib.logic.rate_limits import quota

    return quota("comments", identity.member_id)


# --- changes ------------------------------------------------------------------------------

def post(identity: Identity, on: CommentSubject, body: str, parent_id: str | None,
         at_seconds: float | None) -> Comment:
    """A new comment on `on` (a writable subject), or a reply when `parent_id` names one of its
    comments; 422 for a parent of another subject, a removed one, or a moment that cannot be."""
    from chalicelib.domain.ids import new_id_with_time
    from chalicelib.storage.comments import SubjectGone

    problem = at_seconds_problem(on, at_seconds)
    if problem:
        raise RuleViolation(f"This comment cannot be pinned there: {problem}.",
                            errors=[FieldError("at_seconds", problem)])
    answered = _parent(on, parent_id) if parent_id is not None else None
    limit = _admit(identity)
    repository = services.comments()
    attempts = iter(range(ATTEMPTS))

    def attempt() -> tuple[Comment, Comment | None]:
        top, first = None, next(attempts, 1) == 0
        if answered is not None:  # the first attempt takes a top-level parent as it was just read
            top = answered if first and not answered.is_reply else repository.get(answered.thread_id, consistent=True)
        comment_id, now = new_id_with_time()  # a fresh id each attempt: a retry comes after the winner
        comment = Comment(id=comment_id, subject_type=on.type, subject_id=on.id, subject_owner_id=on.owner_id,
                          author_id=identity.member_id, author_handle=identity.handle, body=body, status=VISIBLE,
                          created_at=now, parent_id=top.id if top else None,
                          at_seconds=at_seconds_value(at_seconds) if at_seconds is not None else None)
        return repository.add(comment, top, limit), top

    def kept_changing():
        raise Conflict("The conversation kept changing while this comment was saved; try again.")

    try:
        stored, top = retry(attempt, ATTEMPTS, kept_changing)
    except SubjectGone:
        raise NotFound(f"No ready record has the id '{on.id}'.") from None
    _announce(identity, on, stored, answered, top)
    return stored


def _parent(on: CommentSubject, parent_id: str) -> Comment:
    parent = services.comments().get(parent_id, consistent=True) if is_id(parent_id) else None
    if parent is None or (parent.subject_type, parent.subject_id) != (on.type, on.id):
        raise RuleViolation("A reply answers a comment on the same record or collaboration.",
                            errors=[FieldError("parent_id", f"no comment on this {on.type} has this id")])
    if parent.status == REMOVED or parent.is_hidden:
        raise RuleViolation("This comment was removed; it can no longer be answered.",
                            errors=[FieldError("parent_id", "this comment was removed")])
    return parent


def _announce(identity: Identity, on: CommentSubject, comment: Comment, answered: Comment | None,
              top: Comment | None) -> None:
    from chalicelib.domain.events import Event, Subject
    from chalicelib.logic import events

    if answered is None:
        kind, recipients = "commented", [on.owner_id]
    else:
        kind, recipients = "replied", [answered.author_id, top.author_id if top else answered.author_id]
    people = tuple(p for p in dict.fromkeys(recipients) if p and p != identity.member_id)
    if not people:
        return
    events.publish(Event(kind, f"{kind}:{comment.id}", comment.created_at, Subject(on.type, on.id, on.title),
                         actor_id=identity.member_id, recipients=people,
                         data={"comment_id": comment.id, **({"parent_id": answered.id} if answered else {}),
                               "actor_handle": identity.handle}))  # the inbox shows who


def edit(comment: Comment, body: str) -> Comment:
    """The author's new body (sets `edited_at`); 409 once removed."""
    from chalicelib.domain.clock import now_rfc3339

    edited = services.comments().edit(comment, body, now_rfc3339()) if comment.status != REMOVED else None
    if edited is None:
        raise Conflict("This comment was removed; it can no longer be edited.")
    return edited


def authored(identity: Identity, comment_id: str) -> Comment:
    """The comment, if the caller wrote it (404, then 403)."""
    comment = find(comment_id)
    if comment.author_id != identity.member_id:
        raise Forbidden("Only the comment's author may edit it.")
    return comment


def remove(identity: Identity, comment_id: str) -> None:
    """The author or the subject's owner makes it a tombstone (idempotent)."""
    comment = find(comment_id)
    if not comment.may_remove(identity.member_id):
        raise Forbidden("Only the comment's author or the owner of what it is about may remove it.")
    repository, attempts = services.comments(), iter(range(ATTEMPTS))

    def attempt() -> None:
        current = comment if next(attempts, 1) == 0 else repository.get(comment.id, consistent=True)
        if current.status != REMOVED:
            repository.remove(current)

    def kept_changing():
        raise Conflict("The comment kept changing while it was removed; try again.")

    retry(attempt, ATTEMPTS, kept_changing)


# --- lists --------------------------------------------------------------------------------

def threads(principal: Principal | None, on: CommentSubject, limit: int,
            after: str | None) -> tuple[list[Thread], str | None]:
    """Top-level comments, oldest first, each with its first three replies, as the caller sees them."""
    found, last = services.comments().threads(on.type, on.id, limit, after)
    see = _viewing(principal, [c for t in found for c in (t.comment, *t.replies)])
    return [Thread(see(t.comment), tuple(see(r) for r in t.replies)) for t in found], last


def replies(principal: Principal | None, comment: Comment, limit: int,
            after: str | None) -> tuple[list[Comment], str | None]:
    """Every reply of a comment, oldest first (a reply has none: they attach to its top-level
    comment), as the caller sees them."""
    if comment.is_reply:
        return [], None
    found, last = services.comments().replies(comment.id, limit, after)
    see = _viewing(principal, found)
    return [see(c) for c in found], last


def _viewing(principal: Principal | None, comments: list[Comment]):
    """How the caller reads these comments (`Comment.seen_by`): moderators and each moderated
    comment's author see it as it is. The caller's member id is read only for a moderated one."""
    moderated = any(c.moderation is not None for c in comments)
    identity = services.members().identity(principal.sub) if moderated and principal is not None else None
    member_id = identity.member_id if identity else None
    moderator = principal is not None and principal.is_moderator
    return lambda c: c.seen_by(moderator or (member_id is not None and c.author_id == member_id))
