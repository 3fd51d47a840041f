"""Hearts: recommend a record (idempotently), a member's hearts, and what is trending."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from chalicelib.api.models import PAGE_LIMIT, Kind, RecordPage, RecordPagination, paginate, record_outs, viewer
from chalicelib.api.routing import Access, QueryParams, ResponseModel, Router
from chalicelib.logic import hearts, members

router = Router("hearts")


class HeartState(ResponseModel):
    hearted: bool
    heart_count: int = Field(description="Exact at the time of the answer.")


class TrendingQuery(QueryParams):
    kind: Kind | None = None
    window: Literal["day", "week"] = Field(default="week", description="day: last 24 hours; week: last 7 days.")
    limit: int = Field(default=20, ge=1, le=100, description=PAGE_LIMIT)
    cursor: str | None = None


@router.route("PUT", "/records/{record_id}/heart", summary="Heart a record (idempotent)",
              access=Access.MEMBER, response=HeartState, errors=(404,))
def heart(ctx, record_id: str):
    return HeartState(hearted=True, heart_count=hearts.heart(ctx.principal.sub, record_id))


@router.route("DELETE", "/records/{record_id}/heart", summary="Take a heart back (idempotent)",
              access=Access.MEMBER, response=HeartState, errors=(404,))
def unheart(ctx, record_id: str):
    return HeartState(hearted=False, heart_count=hearts.unheart(ctx.principal.sub, record_id))


@router.route("GET", "/members/{handle}/hearts", summary="Records a member hearted, most recent first",
              access=Access.PUBLIC, query=RecordPagination, response=RecordPage)
def member_hearts(ctx, handle: str):
    member = members.find_member(handle)  # before the query: 404 comes before 400
    return paginate(ctx, RecordPage, f"hearts|{member.id}", ctx.query(),
                    lambda limit, after: hearts.hearted_by(viewer(ctx), member, limit, after), record_outs)


@router.route("GET", "/trending", summary="Ready records by hearts received in the window",
              access=Access.PUBLIC, query=TrendingQuery, response=RecordPage)
def trending(ctx):
    query = ctx.query()
    return paginate(ctx, RecordPage, f"trending|{query.window}|{query.kind}", query,
                    lambda limit, after: hearts.trending(viewer(ctx), query.window, query.kind, limit, after),
                    record_outs)
