"""Records: publish (text inline, media through a presigned S3 POST), read, edit, take down, list.

A route on a record or a member looks it up before it reads the body or the query: the
contract answers 404/403 before 400.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from chalicelib.api.fields import MULTILINE, Id, no_control_characters, omittable
from chalicelib.api.models import (
    PAGE_LIMIT, Kind, LicenceId, RecordOut, RecordPage, RecordPagination, Status, paginate, record_out, record_outs, viewer,
)
from chalicelib.api.models import moderator
from chalicelib.api.routing import Access, QueryParams, RequestBody, ResponseModel, Router
from chalicelib.domain.licences import DEFAULT_LICENCE
from chalicelib.domain.records import DeclaredFile, Draft, Feed, SourceLink
from chalicelib.logic import members, records

router = Router("records")

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120),
                  no_control_characters()]
Description = Annotated[str, StringConstraints(max_length=5000), no_control_characters(MULTILINE)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30),
                no_control_characters()]
Tags = Annotated[list[Tag], Field(max_length=10)]
TextBody = Annotated[str, StringConstraints(min_length=1, max_length=100_000), no_control_characters(MULTILINE)]


class FileDeclaration(RequestBody):
    filename: Annotated[str, StringConstraints(min_length=1, max_length=255), no_control_characters()] = Field(
        description="Shown to people only; never part of a storage key.")
    content_type: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    size: Annotated[int, Field(ge=1, description="Bytes; the upload must be exactly this size.")]


class SourceIn(RequestBody):
    record_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    note: Annotated[str, StringConstraints(max_length=500), no_control_characters(MULTILINE)] | None = None


Sources = Annotated[list[SourceIn], Field(max_length=50, description="What this record builds on; each once.")]
LICENCE = ("See GET /licences. Each source's licence must allow it (422 naming the `rule` and the `source_id`).")


class CreateRecord(RequestBody):
    kind: Kind
    title: Title
    description: Description | None = None
    tags: Tags = []
    licence: LicenceId = Field(default=DEFAULT_LICENCE, description=LICENCE)
    remixable: bool = Field(default=True, description="Default true, but false under a no-derivatives licence "
                                                      "(where true is a 422).")
    sources: Sources = []
    collaboration_id: Id | None = None
    body: TextBody | None = Field(default=None, description="Text records only.")
    file: FileDeclaration | None = Field(default=None, description="Media records only.")

    def draft(self) -> Draft:
        declared = self.file and DeclaredFile(self.file.filename, self.file.content_type.lower(), self.file.size)
        return Draft(kind=self.kind, title=self.title, description=self.description, tags=tuple(self.tags),
                     licence=self.licence, remixable=self.remixable if "remixable" in self.model_fields_set else None,
                     sources=tuple(_links(self.sources)),
                     collaboration_id=self.collaboration_id, body=self.body, file=declared)


class AddSources(RequestBody):
    sources: Annotated[list[SourceIn], Field(min_length=1, max_length=50)]


def _links(sources: list[SourceIn]) -> list[SourceLink]:
    return [SourceLink(s.record_id, s.note) for s in sources]


class UpdateRecord(RequestBody):
    """Fields left out keep their value; only `description` may be null."""

    title: Title = omittable()
    description: Description | None = Field(default=None, description="null clears it.")
    tags: Tags = omittable()
    remixable: bool = omittable("Never true under a no-derivatives licence (422).")
    licence: LicenceId = omittable(
        "The record's own sources must allow it (422), and so must the remixes citing it (409); once a "
        "remix cites it, only a licence that grants at least as much (409). A no-derivatives licence "
        "sets remixable to false.")

    def changes(self) -> dict:
        return {name: list(getattr(self, name)) if name == "tags" else getattr(self, name)
                for name in self.model_fields_set}


class Upload(ResponseModel):
    url: str
    fields: dict[str, str] = Field(description="Send these as form fields, then the file as `file`.")
    expires_at: str


class CreatedRecord(ResponseModel):
    record: RecordOut
    upload: Upload | None


class ListRecords(QueryParams):
    kind: Kind | None = None
    collaboration_id: Id | None = None
    unremixed: bool | None = Field(default=None, description="true: only records nobody has remixed yet.")
    limit: int = Field(default=20, ge=1, le=100, description=PAGE_LIMIT)
    cursor: str | None = None


@router.route("POST", "/records", summary="Publish a record (text inline; media via a presigned S3 POST)",
              access=Access.MEMBER, status=201, body=CreateRecord, response=CreatedRecord, errors=(404, 409, 422))
def create_record(ctx):
    record, upload = records.publish(ctx.identity, ctx.body().draft())
    return CreatedRecord(record=record_out(record), upload=upload and Upload(
        url=upload.url, fields=upload.fields, expires_at=upload.expires_at))


@router.route("GET", "/records/{record_id}", summary="A record (tombstone once removed)",
              access=Access.PUBLIC, response=RecordOut)
def get_record(ctx, record_id: str):
    return record_out(records.view(viewer(ctx), record_id, moderator(ctx)))


@router.route("PATCH", "/records/{record_id}", summary="Edit title, description, tags, remixable or licence",
              access=Access.MEMBER, body=UpdateRecord, response=RecordOut, errors=(409, 422))
def update_record(ctx, record_id: str):
    record = records.owned(ctx.principal.sub, record_id)
    return record_out(records.edit(record, ctx.body().changes()))


@router.route("DELETE", "/records/{record_id}", summary="Take a record down (a tombstone stays)",
              access=Access.MEMBER, status=204, errors=(409,))
def delete_record(ctx, record_id: str):
    records.take_down(ctx.principal.sub, record_id)


@router.route("GET", "/records", summary="Ready records, newest first", access=Access.PUBLIC,
              query=ListRecords, response=RecordPage)
def list_records(ctx):
    query = ctx.query()
    feed = Feed(kind=query.kind, collaboration_id=query.collaboration_id, unremixed=bool(query.unremixed))
    return paginate(ctx, RecordPage, f"records|{feed.kind}|{feed.collaboration_id}|{feed.unremixed}", query,
                    lambda limit, after: records.feed_page(viewer(ctx), feed, limit, after), record_outs)


@router.route("GET", "/members/{handle}/records", summary="A member's ready records, newest first",
              access=Access.PUBLIC, query=RecordPagination, response=RecordPage)
def list_member_records(ctx, handle: str):
    member = members.find_member(handle)
    feed = Feed(owner_id=member.id)
    return paginate(ctx, RecordPage, f"member-records|{member.id}", ctx.query(),
                    lambda limit, after: records.feed_page(viewer(ctx), feed, limit, after), record_outs)


@router.route("POST", "/records/{record_id}/sources", summary="Cite more sources (422 if it would close a cycle)",
              access=Access.MEMBER, body=AddSources, response=RecordOut, errors=(404, 409, 422))
def add_sources(ctx, record_id: str):
    record = records.owned(ctx.principal.sub, record_id)
    return record_out(records.cite(record, _links(ctx.body().sources)))


@router.route("GET", "/records/{record_id}/remixes", summary="Direct remixes that are ready, newest first",
              access=Access.PUBLIC, query=RecordPagination, response=RecordPage)
def list_remixes(ctx, record_id: str):
    record = records.visible(viewer(ctx), record_id)
    return paginate(ctx, RecordPage, f"remixes|{record.id}", ctx.query(),
                    lambda limit, after: records.remixes(viewer(ctx), record, limit, after), record_outs)


class LineageQuery(QueryParams):
    direction: Literal["ancestors", "descendants"] = "ancestors"
    depth: int = Field(default=3, ge=1, le=10)


class LineageNode(ResponseModel):
    id: str
    title: str | None = Field(description="null for a hidden (or copyright-disabled) record.")
    kind: Kind
    owner_handle: str
    status: Status | Literal["hidden"] = Field(description="`hidden` for a hidden or copyright-disabled record "
                                                           "(the starting record shows its own status to its owner).")


class LineageEdge(ResponseModel):
    source: str
    remix: str


class LineageOut(ResponseModel):
    nodes: list[LineageNode]
    edges: list[LineageEdge]
    truncated: bool = Field(description="True when the walk stopped at 1,000 nodes. Descendant walks "
                                        "follow at most 100 remixes of each record (GET .../remixes lists all).")


@router.route("GET", "/records/{record_id}/lineage", summary="What a record builds on, or what builds on it",
              access=Access.PUBLIC, query=LineageQuery, response=LineageOut)
def get_lineage(ctx, record_id: str):
    start = records.visible(viewer(ctx), record_id, moderator(ctx))
    query = ctx.query()
    lineage = records.lineage(start, query.direction, query.depth)
    return LineageOut(
        nodes=[LineageNode(id=n.id, title=None if hidden else n.title, kind=n.kind, owner_handle=n.owner_handle,
                           status="hidden" if hidden else n.status)
               for n in lineage.nodes for hidden in [n.is_hidden and n.id != start.id]],
        edges=[LineageEdge(source=source, remix=remix) for source, remix in lineage.edges],
        truncated=lineage.truncated,
    )
