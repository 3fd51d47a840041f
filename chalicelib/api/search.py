"""Tags and search: tags most used first, a tag's records, word-prefix search over records and
members. The index is kept asynchronously from the event stream (logic/search.py); every hit is
checked against the record or member as it is now.
"""
from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from chalicelib.api.fields import no_control_characters
from chalicelib.api.models import PAGE_LIMIT, Kind, Page, RecordPage, paginate, record_outs, viewer
from chalicelib.api.routing import Access, QueryParams, ResponseModel, Router
from chalicelib.domain.search import query_words

router = Router("search")

SHORT_PAGES = ("A page reads at most 3 times, so it may hold fewer than `limit` items (even none) with a "
               "non-null next_cursor.")
Query = Annotated[str, StringConstraints(min_length=1, max_length=100), no_control_characters()]
Prefix = Annotated[str, StringConstraints(min_length=1, max_length=30), no_control_characters()]


class TagsQuery(QueryParams):
    prefix: Prefix | None = Field(default=None, description="Normalised like tags (trimmed, lowercased).")
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = None


class TagOut(ResponseModel):
    tag: str
    record_count: int = Field(description="Ready records carrying it.")


class TagPage(Page[TagOut]):
    pass


class TagRecordsQuery(QueryParams):
    kind: Kind | None = None
    limit: int = Field(default=20, ge=1, le=100, description=PAGE_LIMIT)
    cursor: str | None = None


class SearchRecordsQuery(QueryParams):
    q: Query = Field(description="1-100 characters. Words are split at anything but letters and digits; "
                                 "case, accents and punctuation do not matter; every word must start a "
                                 "title or tag word. A query with no letter or digit finds nothing.")
    kind: Kind | None = None
    limit: int = Field(default=20, ge=1, le=100, description=PAGE_LIMIT)
    cursor: str | None = None


class SearchMembersQuery(QueryParams):
    q: Query = Field(description="As for records: every word must start a handle or display-name word.")
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = None


class MemberHit(ResponseModel):
    id: str
    handle: str
    display_name: str


class MemberHitPage(Page[MemberHit]):
    pass


@router.route("GET", "/tags", summary="Tags of ready records, most used first (ties by tag)",
              access=Access.PUBLIC, query=TagsQuery, response=TagPage)
def list_tags(ctx):
    from chalicelib.logic import search

    query = ctx.query()
    return paginate(ctx, TagPage, f"tags|{query.prefix}", query,
                    lambda limit, after: search.tags(query.prefix, limit, after),
                    lambda found: [TagOut(tag=tag, record_count=n) for tag, n in found])


@router.route("GET", "/tags/{tag}/records", summary="Ready records carrying a tag, newest first",
              access=Access.PUBLIC, query=TagRecordsQuery, response=RecordPage)
def tag_records(ctx, tag: str):
    from urllib.parse import unquote

    from chalicelib.logic import search

    query, tag = ctx.query(), unquote(tag)  # the local runner passes path parameters still percent-encoded
    return paginate(ctx, RecordPage, f"tag-records|{tag.strip().lower()}|{query.kind}", query,
                    lambda limit, after: search.tag_records(viewer(ctx), tag, query.kind, limit, after), record_outs)


@router.route("GET", "/search/records", summary="Records whose title or tag words start with every word of q. "
              + SHORT_PAGES, access=Access.PUBLIC, query=SearchRecordsQuery, response=RecordPage)
def search_records(ctx):
    from chalicelib.logic import search

    query = ctx.query()
    wanted = query_words(query.q)
    return paginate(ctx, RecordPage, f"search|{' '.join(wanted)}|{query.kind}", query,
                    lambda limit, after: search.search_records(viewer(ctx), wanted, query.kind, limit, after),
                    record_outs)


@router.route("GET", "/search/members", summary="Members whose handle or display-name words start with every "
              "word of q. " + SHORT_PAGES, access=Access.PUBLIC, query=SearchMembersQuery, response=MemberHitPage)
def search_members(ctx):
    from chalicelib.logic import search

    query = ctx.query()
    wanted = query_words(query.q)
    return paginate(ctx, MemberHitPage, f"search-members|{' '.join(wanted)}", query,
                    lambda limit, after: search.search_members(wanted, limit, after),
                    lambda found: [MemberHit(id=p.id, handle=p.handle, display_name=p.display_name) for p in found])
