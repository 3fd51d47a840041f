"""Response and query models more than one resource module uses, and the one paging helper."""
from __future__ import annotations

from typing import Callable, Generic, Literal, TypeVar

from pydantic import Field, model_serializer

from pydantic import model_validator

from chalicelib.api.routing import QueryParams, ResponseModel
from chalicelib.domain.licences import LICENCE_IDS
from chalicelib.domain.media import KINDS
from chalicelib.domain.records import PAGE_BODY_BYTES, STATUSES
from chalicelib.domain.your_data import ORPHAN_HANDLE

T = TypeVar("T")

Kind = Literal[KINDS]
Status = Literal[STATUSES]
LicenceId = Literal[LICENCE_IDS]


class Owner(ResponseModel):
    """Who a thing belongs to. The works of a deleted member read `{id: null, handle: "orphan"}`."""

    id: str | None = Field(description="null for a deleted member's works (handle `orphan`).")
    handle: str

    @model_validator(mode="after")
    def _orphaned(self):
        if self.handle == ORPHAN_HANDLE:
            self.id = None
        return self


class Money(ResponseModel):
    amount: int = Field(description="Integer minor units.")
    currency: str


class Pagination(QueryParams):
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = None


class Page(ResponseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(description="Pass it back as `cursor` for the next page; null at the end.")


def paginate(ctx, page: type[Page], scope: str, query, fetch: Callable, present: Callable[[list], list],
             **fields) -> Page:
    """One page of a list: `fetch(limit, after)` reads it (items and the position after the
    last, or None at the end), `present(items)` turns the items into the page's models. `scope`
    names the list and its filters, so a cursor of one list is refused by another. `fields`: the
    page's own fields beside `items` and `next_cursor`."""
    from chalicelib.api.cursors import Paging

    paging = Paging(ctx, scope, query.cursor)
    items, last = fetch(query.limit, paging.after)
    return page(items=present(items), next_cursor=paging.next_cursor(last), **fields)


def viewer(ctx) -> str | None:
    """The caller's identity (`sub`) for reads that show what it hearts; None without a token."""
    return ctx.principal.sub if ctx.principal else None


class MediaOut(ResponseModel):
    content_type: str
    size: int
    sha256: str
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None


class PreviewsOut(ResponseModel):
    """A preview that was not made is absent from the object (never null, never an error)."""

    thumbnail_url: str | None = Field(default=None, description=(
        "Images and photos: a WebP thumbnail, aspect kept, never enlarged, longest side at most 480 px. "
        "Presigned GET, valid 15 minutes, served as image/webp."))
    poster_url: str | None = Field(default=None, description=(
        "Animations (GIF): the first frame as a WebP of the thumbnail's size. Presigned GET, valid 15 minutes, "
        "served as image/webp. Video and MP4/WebM animations have none (no video decoder in the function)."))
    waveform: list[int] | None = Field(default=None, min_length=200, max_length=200, description=(
        "Audio (WAV): exactly 200 peaks, integers 0-1000, scaled so the loudest is 1000; all 0 for silence. "
        "Other audio formats have none."))

    @model_serializer(mode="wrap")
    def _without_absent(self, serialize):
        return {name: value for name, value in serialize(self).items() if value is not None}


class RecordOut(ResponseModel):
    id: str
    kind: Kind
    title: str
    description: str | None
    tags: list[str]
    owner: Owner
    status: Status
    rejection_reason: str | None
    licence: LicenceId = Field(description="See GET /licences.")
    remixable: bool = Field(description="Always false under a no-derivatives licence.")
    sources: list[str]
    collaboration_id: str | None
    heart_count: int
    remix_count: int
    comment_count: int = Field(description="Visible comments and replies (may settle a moment after a change).")
    created_at: str
    updated_at: str
    body: str | None = Field(description="Text records; null once removed.")
    media: MediaOut | None = Field(description="Ready media records.")
    media_url: str | None = Field(default=None, description="Presigned GET, valid 15 minutes (ready media).")
    hearted_by_me: bool | None = Field(default=None, description="Whether the caller hearts it; null without a token.")
    moderation: "ModerationOut | None" = Field(default=None, description=(
        "null for everyone but the record's owner and moderators: why it is hidden, disabled by a copyright "
        "notice or removed by a moderator (Trust and safety)."))
    previews: PreviewsOut | None = Field(default=None, description=(
        "Ready media records, once made (a few seconds after `ready`; null until then and for other records). "
        "A preview that cannot be made is absent from the object."))


class RecordPage(Page[RecordOut]):
    pass


PAGE_LIMIT = (f"The most records on the page. A page of long texts ends sooner (at {PAGE_BODY_BYTES // 2**20} MiB "
              "of bodies, after one record at least), with a next_cursor to the rest.")


class RecordPagination(QueryParams):
    limit: int = Field(default=20, ge=1, le=100, description=PAGE_LIMIT)
    cursor: str | None = None


def record_out(view) -> RecordOut:
    """A `logic.records.RecordView` as answered."""
    record = view.record
    return RecordOut(
        id=record.id, kind=record.kind, title=record.title, description=record.description,
        tags=list(record.tags), owner=Owner(id=record.owner_id, handle=record.owner_handle),
        status=record.status, rejection_reason=record.rejection_reason, licence=record.licence,
        remixable=record.remixable,
        sources=list(record.sources), collaboration_id=record.collaboration_id, comment_count=record.comment_count,
        heart_count=record.heart_count, remix_count=record.remix_count, created_at=record.created_at,
        updated_at=record.updated_at, body=record.body, moderation=moderation_out(getattr(view, "moderation", None)),
        media=MediaOut(**record.media.__dict__) if record.media else None, media_url=view.media_url,
        hearted_by_me=view.hearted_by_me, previews=_previews_out(view.previews),
    )


def _previews_out(links) -> PreviewsOut | None:
    if links is None:
        return None
    return PreviewsOut(thumbnail_url=links.thumbnail_url, poster_url=links.poster_url,
                       waveform=list(links.waveform) if links.waveform is not None else None)


def record_outs(views: list) -> list[RecordOut]:
    return [record_out(view) for view in views]


class ModerationOut(ResponseModel):
    """Why a record (or a comment) is moderated: `hidden` or `removed` by a moderation action (`reason`, `action_id`:
    appeal it at POST /moderation/actions/{id}/appeal), or `copyright_disabled` by a copyright notice
    (`notice_id`: counter it at POST /copyright/notices/{id}/counter)."""

    state: Literal["hidden", "copyright_disabled", "removed"]
    reason: str | None = None
    action_id: str | None = None
    notice_id: str | None = None


RecordOut.model_rebuild()


def moderation_out(moderation) -> ModerationOut | None:
    if moderation is None:
        return None
    return ModerationOut(state=moderation.state, reason=moderation.reason, action_id=moderation.action_id,
                         notice_id=moderation.notice_id)


def moderator(ctx) -> bool:
    """Whether the caller may act as a moderator (moderators and admins)."""
    return ctx.principal is not None and ctx.principal.is_moderator


class RecordSplit(ResponseModel):
    """One record's share of a split (`/splits` and a proposal's `split` answer the same objects)."""

    record_id: str
    title: str | None = Field(description="null while the record is hidden (by moderation, its owner's suspension "
                                          "or a copyright notice); its id and amounts stay.")
    owner: Owner
    weight: int | None = Field(description="Its contribution weight; null for a record reached through lineage only.")
    contribution: int = Field(description="What it keeps of its own contribution share.")
    lineage: int = Field(description="What reaches it from the records that build on it.")
    amount: int


class MemberSplit(ResponseModel):
    member: Owner
    amount: int


def record_splits(records) -> list[RecordSplit]:
    """`logic.splits` record amounts as answered."""
    return [RecordSplit(record_id=r.record_id, title=r.title, owner=Owner(id=r.owner_id, handle=r.owner_handle),
                        weight=r.weight, contribution=r.contribution, lineage=r.lineage, amount=r.amount)
            for r in records]


def member_splits(members) -> list[MemberSplit]:
    return [MemberSplit(member=Owner(id=m.member_id, handle=m.handle), amount=m.amount) for m in members]
