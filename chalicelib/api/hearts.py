"""Hearts: recommend a record (idempotently), a member's hearts, and what is trending."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from chalicelib import services
from chalicelib.api.cursors import Paging
from chalicelib.api.members import find_member
from chalicelib.api.records import PAGE_LIMIT, Kind, RecordPage, RecordPagination, record_outs
from chalicelib.api.routing import Access, QueryParams, ResponseModel, Router
from chalicelib.domain.ids import is_id
from chalicelib.errors import Forbidden, NotFound

router = Router("hearts")


class HeartState(ResponseModel):
    hearted: bool
    heart_count: int = Field(description="Exact at the time of the answer.")


class TrendingQuery(QueryParams):
    kind: Kind | None = None
    window: Literal["day", "week"] = Field(default="week", description="day: last 24 hours; week: last 7 days.")
    limit: int = Field(default=20, ge=1, le=100, description=PAGE_LIMIT)
    cursor: str | None = None


def _not_found(record_id: str) -> NotFound:
    return NotFound(f"No ready record has the id '{record_id}'.")


@router.route("PUT", "/records/{record_id}/heart", summary="Heart a record (idempotent)",
              access=Access.MEMBER, response=HeartState, errors=(404,))
def heart(ctx, record_id: str):
    from chalicelib.domain.clock import utcnow
    from chalicelib.domain.records import READY
    from chalicelib.storage.hearts import NotHeartable

    if not is_id(record_id):
        raise _not_found(record_id)
    hearts = services.hearts()
    try:
        hearts.heart(record_id, ctx.principal.sub, utcnow())
    except NotHeartable:
        _, status = hearts.state(record_id)
        if status != READY:
            raise _not_found(record_id) from None
        raise Forbidden("You cannot heart your own record.") from None
    # Stored, so counted (a takedown after it does not undo it): the answer says so. A repeat
    # answers the same, even after a takedown, as the retry of a lost answer must.
    _announce(record_id)  # for repeats too: a repeat after a lost message gets the count summed
    count, _ = hearts.state(record_id)
    return HeartState(hearted=True, heart_count=count)


@router.route("DELETE", "/records/{record_id}/heart", summary="Take a heart back (idempotent)",
              access=Access.MEMBER, response=HeartState, errors=(404,))
def unheart(ctx, record_id: str):
    if not is_id(record_id):
        raise NotFound(f"No record has the id '{record_id}'.")
    hearts = services.hearts()
    removed = hearts.unheart(record_id, ctx.principal.sub)
    count, status = hearts.state(record_id)
    if not removed and status is None and services.records().get(record_id) is None:
        raise NotFound(f"No record has the id '{record_id}'.")
    _announce(record_id)
    return HeartState(hearted=False, heart_count=count)


def _announce(record_id: str) -> None:
    """Asks the heart-count function to sum the record's counters. The heart is stored already,
    so a failed send is logged, not answered with an error: the next heart or un-heart of the
    record sends again, and the sum covers every heart stored by then."""
    from botocore.exceptions import BotoCoreError, ClientError

    from chalicelib.observability import count, get_logger

    try:
        services.heart_events().changed([record_id])
    except (BotoCoreError, ClientError):
        get_logger().exception("could not queue a heart recount", extra={"record_id": record_id})
        count("HeartRecountNotQueued")


@router.route("GET", "/members/{handle}/hearts", summary="Records a member hearted, most recent first",
              access=Access.PUBLIC, query=RecordPagination, response=RecordPage)
def member_hearts(ctx, handle: str):
    member = find_member(handle)
    query = ctx.query()
    paging = Paging(ctx, f"hearts|{member.id}", query.cursor)
    return _ready_page(ctx, paging, *services.hearts().hearts_by(member.sub, query.limit, paging.after))


@router.route("GET", "/trending", summary="Ready records by hearts received in the window",
              access=Access.PUBLIC, query=TrendingQuery, response=RecordPage)
def trending(ctx):
    query = ctx.query()
    paging = Paging(ctx, f"trending|{query.window}|{query.kind}", query.cursor)
    return _ready_page(ctx, paging, *services.hearts().trending(query.window, query.kind, query.limit, paging.after))


def _ready_page(ctx, paging: Paging, entries: list[tuple[str, str]], last: str | None) -> RecordPage:
    """The ready records among `entries` (record id, position), in that order: one batch read,
    and one more for long bodies. A page whose bodies are too long to serve at once ends early
    and continues after the position of its last record."""
    from chalicelib.domain.records import READY

    found = services.records().get_many([record_id for record_id, _ in entries])
    ready = [(found[i], position) for i, position in entries if i in found and found[i].status == READY]
    served, taken = services.records().serve([record for record, _ in ready])
    if taken < len(ready):
        last = ready[taken - 1][1]
    return RecordPage(items=record_outs(ctx, served), next_cursor=paging.next_cursor(last))
