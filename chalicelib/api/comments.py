"""Comments on records and collaborations: one level of replies, pinned moments on audio and
video, edits by the author, tombstones that keep replies in place."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from chalicelib.api.fields import MULTILINE, no_control_characters
from chalicelib.api.models import ModerationOut, Owner, Page, Pagination, moderation_out, paginate, viewer
from chalicelib.api.routing import Access, RequestBody, ResponseModel, Router
from chalicelib.domain.comments import COMMENT_STATUSES, MAX_AT_SECONDS, MAX_BODY, SUBJECT_TYPES
from chalicelib.logic import comments

router = Router("comments")

Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_BODY),
                 no_control_characters(MULTILINE)]


class PostComment(RequestBody):
    body: Body = Field(description=f"1-{MAX_BODY} characters after trimming; lines may break (\\n, \\r, \\t).")
    parent_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = Field(
        default=None, description="Answer this comment of the same subject (422 otherwise, and for a removed "
                                  "one). A reply to a reply attaches to its top-level comment.")
    at_seconds: float | None = Field(
        default=None, ge=0, le=MAX_AT_SECONDS, allow_inf_nan=False,
        description="Pins the comment to a moment (seconds, kept to the millisecond): audio and video records "
                    "only, at most the media's duration where it is known (422 otherwise).")


class EditComment(RequestBody):
    body: Body


class CommentSubjectOut(ResponseModel):
    type: Literal[SUBJECT_TYPES]
    id: str


class CommentOut(ResponseModel):
    id: str
    subject: CommentSubjectOut
    author: Owner
    body: str | None = Field(description="null once removed, and for a hidden comment (but to its author and "
                                         "moderators).")
    parent_id: str | None = Field(description="A reply's top-level comment.")
    at_seconds: float | None
    status: Literal[COMMENT_STATUSES] = Field(description="`removed`: a tombstone (body null) that keeps its place "
                                                           "for the replies under it. A comment hidden by moderation "
                                                           "or its author's suspension reads as one too, but to its "
                                                           "author and moderators.")
    reply_count: int = Field(description="Replies under a top-level comment, removed ones included (they keep "
                                         "their place); 0 for a reply.")
    created_at: str
    edited_at: str | None
    moderation: ModerationOut | None = Field(default=None, description=(
        "null for everyone but the comment's author and moderators: why it is hidden, or removed by a "
        "moderator (`reason`, `action_id`: appeal it at POST /moderation/actions/{id}/appeal)."))


class ThreadOut(CommentOut):
    replies: list[CommentOut] = Field(description="Its first three replies, oldest first.")


class ThreadPage(Page[ThreadOut]):
    pass


class CommentPage(Page[CommentOut]):
    pass


def _out(comment) -> CommentOut:
    return CommentOut(
        id=comment.id, subject=CommentSubjectOut(type=comment.subject_type, id=comment.subject_id),
        author=Owner(id=comment.author_id, handle=comment.author_handle), body=comment.body,
        parent_id=comment.parent_id, at_seconds=comment.at_seconds, status=comment.status,
        reply_count=comment.reply_count, created_at=comment.created_at, edited_at=comment.edited_at,
        moderation=moderation_out(comment.moderation),
    )


def _threads(threads) -> list[ThreadOut]:
    return [ThreadOut(**_out(t.comment).model_dump(), replies=[_out(r) for r in t.replies]) for t in threads]


def _post(ctx, on) -> CommentOut:
    request = ctx.body()  # after the subject's 404, as the contract orders
    return _out(comments.post(ctx.identity, on, request.body, request.parent_id, request.at_seconds))


def _list(ctx, on) -> ThreadPage:
    return paginate(ctx, ThreadPage, f"comments|{on.type}|{on.id}", ctx.query(),
                    lambda limit, after: comments.threads(ctx.principal, on, limit, after), _threads)


POST_ERRORS = (404, 409, 422)


@router.route("POST", "/records/{record_id}/comments", summary="Comment on a ready record (or reply)",
              access=Access.MEMBER, status=201, body=PostComment, response=CommentOut, errors=POST_ERRORS)
def comment_on_record(ctx, record_id: str):
    return _post(ctx, comments.subject(viewer(ctx), "record", record_id, writable=True))


@router.route("POST", "/collaborations/{collaboration_id}/comments", summary="Comment on a collaboration (or reply)",
              access=Access.MEMBER, status=201, body=PostComment, response=CommentOut, errors=POST_ERRORS)
def comment_on_collaboration(ctx, collaboration_id: str):
    return _post(ctx, comments.subject(viewer(ctx), "collaboration", collaboration_id, writable=True))


@router.route("GET", "/records/{record_id}/comments",
              summary="Top-level comments oldest first, each with reply_count and its first 3 replies",
              access=Access.PUBLIC, query=Pagination, response=ThreadPage, errors=(404,))
def record_comments(ctx, record_id: str):
    return _list(ctx, comments.subject(viewer(ctx), "record", record_id))


@router.route("GET", "/collaborations/{collaboration_id}/comments",
              summary="Top-level comments oldest first, each with reply_count and its first 3 replies",
              access=Access.PUBLIC, query=Pagination, response=ThreadPage, errors=(404,))
def collaboration_comments(ctx, collaboration_id: str):
    return _list(ctx, comments.subject(viewer(ctx), "collaboration", collaboration_id))


@router.route("GET", "/comments/{comment_id}/replies", summary="Every reply of a comment, oldest first",
              access=Access.PUBLIC, query=Pagination, response=CommentPage, errors=(404,))
def comment_replies(ctx, comment_id: str):
    comment = comments.find(comment_id)  # before the query: 404 comes before 400
    return paginate(ctx, CommentPage, f"replies|{comment.id}", ctx.query(),
                    lambda limit, after: comments.replies(ctx.principal, comment, limit, after),
                    lambda items: [_out(c) for c in items])


@router.route("PATCH", "/comments/{comment_id}", summary="Edit your comment (sets edited_at)",
              access=Access.MEMBER, body=EditComment, response=CommentOut, errors=(404, 409))
def edit_comment(ctx, comment_id: str):
    comment = comments.authored(ctx.identity, comment_id)  # 404, 403 before the body's 400
    return _out(comments.edit(comment, ctx.body().body))


@router.route("DELETE", "/comments/{comment_id}",
              summary="Remove a comment (its author or the subject's owner): a tombstone stays", access=Access.MEMBER,
              status=204, errors=(404,))
def delete_comment(ctx, comment_id: str):
    comments.remove(ctx.identity, comment_id)
