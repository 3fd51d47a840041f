"""Records: publish (text inline, media through a presigned S3 POST), read, edit, take down, list."""
from __future__ import annotations

import time
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from chalicelib import services
from chalicelib.api.cursors import Paging
from chalicelib.api.fields import MULTILINE, no_control_characters, omittable
from chalicelib.api.routing import Access, QueryParams, RequestBody, ResponseModel, Router
from chalicelib.domain.ids import is_id
from chalicelib.domain.records import PAGE_BODY_BYTES
from chalicelib.errors import FieldError, Forbidden, NotFound, ValidationFailed

router = Router("records")

Kind = Literal["audio", "video", "image", "photo", "animation", "text"]



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


def _unique_sources(sources: list[SourceIn]) -> list[FieldError]:
    seen, errors = set(), []
    for n, source in enumerate(sources):
        if source.record_id in seen:
            errors.append(FieldError(f"sources.{n}.record_id", "this source is already cited"))
        seen.add(source.record_id)
    return errors


class CreateRecord(RequestBody):
    kind: Kind
    title: Title
    description: Description | None = None
    tags: Tags = []
    remixable: bool = True
    sources: Sources = []
    collaboration_id: str | None = None
    body: TextBody | None = Field(default=None, description="Text records only.")
    file: FileDeclaration | None = Field(default=None, description="Media records only.")


class AddSources(RequestBody):
    sources: Annotated[list[SourceIn], Field(min_length=1, max_length=50)]


class UpdateRecord(RequestBody):
    """Fields left out keep their value; only `description` may be null."""

    title: Title = omittable()
    description: Description | None = Field(default=None, description="null clears it.")
    tags: Tags = omittable()
    remixable: bool = omittable()


class Owner(ResponseModel):
    id: str
    handle: str


class MediaOut(ResponseModel):
    content_type: str
    size: int
    sha256: str
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None


class RecordOut(ResponseModel):
    id: str
    kind: Kind
    title: str
    description: str | None
    tags: list[str]
    owner: Owner
    status: Literal["awaiting_upload", "ready", "rejected", "removed"]
    rejection_reason: str | None
    remixable: bool
    sources: list[str]
    collaboration_id: str | None
    heart_count: int
    remix_count: int
    created_at: str
    updated_at: str
    body: str | None = Field(description="Text records; null once removed.")
    media: MediaOut | None = Field(description="Ready media records.")
    media_url: str | None = Field(default=None, description="Presigned GET, valid 15 minutes (ready media).")
    hearted_by_me: bool | None = Field(default=None, description="Whether the caller hearts it; null without a token.")


class Upload(ResponseModel):
    url: str
    fields: dict[str, str] = Field(description="Send these as form fields, then the file as `file`.")
    expires_at: str


class CreatedRecord(ResponseModel):
    record: RecordOut
    upload: Upload | None


class RecordPage(ResponseModel):
    items: list[RecordOut]
    next_cursor: str | None


PAGE_LIMIT = (f"The most records on the page. A page of long texts ends sooner (at {PAGE_BODY_BYTES // 2**20} MiB "
              "of bodies, after one record at least), with a next_cursor to the rest.")


class ListRecords(QueryParams):
    kind: Kind | None = None
    collaboration_id: str | None = None
    unremixed: bool | None = Field(default=None, description="true: only records nobody has remixed yet.")
    limit: int = Field(default=20, ge=1, le=100, description=PAGE_LIMIT)
    cursor: str | None = None


class Pagination(QueryParams):
    limit: int = Field(default=20, ge=1, le=100)
    cursor: str | None = None


class RecordPagination(QueryParams):
    limit: int = Field(default=20, ge=1, le=100, description=PAGE_LIMIT)
    cursor: str | None = None


def record_outs(ctx, records) -> list[RecordOut]:
    """Records as listed: with media URLs and, when a token was sent, `hearted_by_me` from one
    BatchGetItem for the whole page."""
    hearted = services.hearts().hearted(ctx.principal.sub, [r.id for r in records]) \
        if ctx.principal and records else set()
    return [record_out(r, with_media_url=True, hearted_by_me=(r.id in hearted) if ctx.principal else None)
            for r in records]


def record_out(record, with_media_url: bool = False, hearted_by_me: bool | None = None) -> RecordOut:
    from chalicelib.domain.records import MEDIA_URL_TTL_SECONDS, READY

    media_url = None
    if with_media_url and record.status == READY and record.media is not None:
        media_url = services.media().media_url(record.id, record.media.content_type, MEDIA_URL_TTL_SECONDS)
    return RecordOut(
        id=record.id, kind=record.kind, title=record.title, description=record.description,
        tags=list(record.tags), owner=Owner(id=record.owner_id, handle=record.owner_handle),
        status=record.status, rejection_reason=record.rejection_reason, remixable=record.remixable,
        sources=list(record.sources), collaboration_id=record.collaboration_id,
        heart_count=record.heart_count, remix_count=record.remix_count, created_at=record.created_at,
        updated_at=record.updated_at, body=record.body,
        media=MediaOut(**record.media.__dict__) if record.media else None, media_url=media_url,
        hearted_by_me=hearted_by_me,
    )


def _visible_record(ctx, record_id: str):
    record = services.records().get(record_id) if is_id(record_id) else None
    sub = ctx.principal.sub if ctx.principal else None
    if record is None or not record.visible_to(sub, int(time.time())):
        raise NotFound(f"No record has the id '{record_id}'.")
    return record


def _owned_record(ctx, record_id: str):
    record = _visible_record(ctx, record_id)
    if not record.is_owned_by(ctx.principal.sub):
        raise Forbidden("Only the record's owner may change it.")
    return record


def _body_rules(request: CreateRecord) -> list[FieldError]:
    return _media_rules(request) + _unique_sources(request.sources)


def _media_rules(request: CreateRecord) -> list[FieldError]:
    from chalicelib.domain.media import MAX_BYTES, allowed_content_types

    if request.kind == "text":
        errors = [] if request.body is not None else [FieldError("body", "text records need a body")]
        if request.file is not None:
            errors.append(FieldError("file", "text records have no upload"))
        return errors
    errors = [] if request.file is not None else [FieldError("file", f"{request.kind} records need a file")]
    if request.body is not None:
        errors.append(FieldError("body", "only text records have a body"))
    if request.file is not None:
        allowed = allowed_content_types(request.kind)
        if request.file.content_type.lower() not in allowed:
            errors.append(FieldError("file.content_type", f"{request.kind} accepts {', '.join(sorted(allowed))}"))
        if request.file.size > MAX_BYTES[request.kind]:
            errors.append(FieldError("file.size", f"{request.kind} uploads are at most {MAX_BYTES[request.kind]} bytes"))
    return errors


@router.route("POST", "/records", summary="Publish a record (text inline; media via a presigned S3 POST)",
              access=Access.MEMBER, status=201, body=CreateRecord, response=CreatedRecord, errors=(404, 409, 422))
def create_record(ctx):
    from chalicelib.domain.ids import new_id_with_time
    from chalicelib.domain.media import MAX_BYTES
    from chalicelib.domain.records import (
        AWAITING_UPLOAD, READY, UPLOAD_CLEANUP_MARGIN_SECONDS, UPLOAD_URL_TTL_SECONDS, DeclaredFile, Record,
    )
    from chalicelib.observability import count

    request = ctx.body()
    errors = _body_rules(request)
    if errors:
        raise ValidationFailed(f"The body has {len(errors)} invalid field(s).", errors=errors)
    if request.collaboration_id is not None:
        _check_collaboration(request.collaboration_id, request.kind)

    record_id, now = new_id_with_time()
    identity = ctx.identity
    is_text = request.kind == "text"
    declared = None if is_text else DeclaredFile(
        request.file.filename, request.file.content_type.lower(), request.file.size)
    record = Record(
        id=record_id, kind=request.kind, title=request.title, owner_id=identity.member_id,
        owner_handle=identity.handle, owner_sub=identity.sub, status=READY if is_text else AWAITING_UPLOAD,
        created_at=now, updated_at=now, description=request.description, tags=tuple(request.tags),
        remixable=request.remixable, collaboration_id=request.collaboration_id, body=request.body,
        declared_file=declared, sources=tuple(s.record_id for s in request.sources),
        expires_at=None if is_text else int(time.time()) + UPLOAD_URL_TTL_SECONDS + UPLOAD_CLEANUP_MARGIN_SECONDS,
    )
    _link_sources(lambda links, found: services.records().create(record, links, found), record.id, request.sources)
    count("RecordCreated")
    upload = None if is_text else Upload(**services.media().presigned_upload(
        record.id, declared.content_type, MAX_BYTES[record.kind], UPLOAD_URL_TTL_SECONDS))
    return CreatedRecord(record=record_out(record), upload=upload)


def _check_collaboration(collaboration_id: str, kind: str) -> None:
    from chalicelib.errors import RuleViolation

    collaboration = services.collaborations().get(collaboration_id) if is_id(collaboration_id) else None
    if collaboration is None:
        raise NotFound(f"No collaboration has the id '{collaboration_id}'.")
    if collaboration.kinds and kind not in collaboration.kinds:
        raise RuleViolation(f"This collaboration invites {', '.join(collaboration.kinds)} records, not {kind}.")


def _link_sources(write, remix_id: str, sources: list[SourceIn]):
    """Reads the cited records, applies the source rules, then writes; a source that changed
    between the read and the write (made unremixable, taken down) is read again."""
    from chalicelib.domain.lineage import check_sources
    from chalicelib.storage.records import SourceLink, SourcesChanged

    links = [SourceLink(s.record_id, s.note) for s in sources]
    ids = [link.record_id for link in links]
    for _ in range(5):
        found = services.records().get_many(i for i in ids if is_id(i)) if ids else {}
        check_sources(remix_id, ids, found)
        try:
            return write(links, found)
        except SourcesChanged:
            continue
    from chalicelib.errors import Conflict

    raise Conflict("The cited records kept changing while this record was saved; try again.")


@router.route("GET", "/records/{record_id}", summary="A record (tombstone once removed)",
              access=Access.PUBLIC, response=RecordOut)
def get_record(ctx, record_id: str):
    return record_outs(ctx, [_visible_record(ctx, record_id)])[0]


@router.route("PATCH", "/records/{record_id}", summary="Edit title, description, tags or remixable",
              access=Access.MEMBER, body=UpdateRecord, response=RecordOut, errors=(409,))
def update_record(ctx, record_id: str):
    record = _owned_record(ctx, record_id)
    request = ctx.body()
    changes = {}
    for name in request.model_fields_set:
        value = getattr(request, name)
        changes[name] = list(value) if name == "tags" else value
    updated = services.records().update_details(record, changes) if changes else record
    return record_out(updated, with_media_url=True)


@router.route("DELETE", "/records/{record_id}", summary="Take a record down (a tombstone stays)",
              access=Access.MEMBER, status=204, errors=(409,))
def delete_record(ctx, record_id: str):
    from chalicelib.domain.records import REMOVED

    from chalicelib.errors import Conflict

    record = _owned_record(ctx, record_id)
    for _ in range(5):
        if record.status == REMOVED or services.records().remove(record):
            break
        record = services.records().get(record.id)  # it or a source moved meanwhile (e.g. became ready)
    else:
        raise Conflict("The record kept changing while it was being taken down; try again.")
    if record.kind != "text":
        services.media().delete_media(record.id)
        services.media().delete_upload(record.id)
    return None


@router.route("GET", "/records", summary="Ready records, newest first", access=Access.PUBLIC,
              query=ListRecords, response=RecordPage)
def list_records(ctx):
    from chalicelib.storage.records import Feed

    query = ctx.query()
    feed = Feed(kind=query.kind, collaboration_id=query.collaboration_id, unremixed=bool(query.unremixed))
    return _page(ctx, feed, query, scope=f"records|{feed.kind}|{feed.collaboration_id}|{feed.unremixed}")


@router.route("GET", "/members/{handle}/records", summary="A member's ready records, newest first",
              access=Access.PUBLIC, query=RecordPagination, response=RecordPage)
def list_member_records(ctx, handle: str):
    from chalicelib.api.members import find_member
    from chalicelib.storage.records import Feed

    member = find_member(handle)
    return _page(ctx, Feed(owner_id=member.id), ctx.query(), scope=f"member-records|{member.id}")


def _page(ctx, feed, query, scope: str) -> RecordPage:
    if feed.collaboration_id is not None and not is_id(feed.collaboration_id):
        return RecordPage(items=[], next_cursor=None)
    paging = Paging(ctx, scope, query.cursor)
    records, last = services.records().list(feed, query.limit, paging.after)
    return RecordPage(items=record_outs(ctx, records), next_cursor=paging.next_cursor(last))


@router.route("POST", "/records/{record_id}/sources", summary="Cite more sources (422 if it would close a cycle)",
              access=Access.MEMBER, body=AddSources, response=RecordOut, errors=(404, 409, 422))
def add_sources(ctx, record_id: str):
    from chalicelib.domain.lineage import MAX_SOURCES, find_cycle
    from chalicelib.errors import Conflict, RuleViolation

    record = _owned_record(ctx, record_id)
    request = ctx.body()
    errors = _unique_sources(request.sources)
    already = set(record.sources)
    errors += [FieldError(f"sources.{n}.record_id", "this source is already cited")
               for n, s in enumerate(request.sources) if s.record_id in already]
    if len(record.sources) + len(request.sources) > MAX_SOURCES:
        errors.append(FieldError("sources", f"a record cites at most {MAX_SOURCES} sources"))
    if errors:
        raise ValidationFailed(f"The body has {len(errors)} invalid field(s).", errors=errors)
    if record.status == "removed":
        raise Conflict("This record has been removed; it can no longer be changed.")

    repository = services.records()

    def write(links, found):
        # Read under the lineage version the write is conditioned on: if another addition
        # commits first, the write fails and this runs again against the new lineage.
        version = repository.lineage_version()
        current = repository.get(record.id)
        if any(link.record_id in current.sources for link in links):
            raise ValidationFailed("A source is already cited.", errors=[FieldError("sources", "already cited")])
        cycle = find_cycle(current.id, [link.record_id for link in links],
                           lambda ids: repository.get_many(ids, consistent=True))
        if cycle:
            raise RuleViolation("Citing these sources would make the record build on itself: "
                                + " builds on ".join(cycle) + ".", extensions={"cycle": cycle})
        return repository.add_sources(current, links, found, version)

    return record_out(_link_sources(write, record.id, request.sources), with_media_url=True)


@router.route("GET", "/records/{record_id}/remixes", summary="Direct remixes that are ready, newest first",
              access=Access.PUBLIC, query=RecordPagination, response=RecordPage)
def list_remixes(ctx, record_id: str):
    record = _visible_record(ctx, record_id)
    query = ctx.query()
    paging = Paging(ctx, f"remixes|{record.id}", query.cursor)
    remixes, last = services.records().remixes(record.id, query.limit, paging.after)
    return RecordPage(items=record_outs(ctx, remixes), next_cursor=paging.next_cursor(last))


class LineageQuery(QueryParams):
    direction: Literal["ancestors", "descendants"] = "ancestors"
    depth: int = Field(default=3, ge=1, le=10)


class LineageNode(ResponseModel):
    id: str
    title: str
    kind: Kind
    owner_handle: str
    status: Literal["awaiting_upload", "ready", "rejected", "removed"]


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
    from chalicelib.domain.lineage import walk

    start = _visible_record(ctx, record_id)
    query = ctx.query()
    lineage = walk(start, query.direction, query.depth, services.records().get_many)
    return LineageOut(
        nodes=[LineageNode(id=n.id, title=n.title, kind=n.kind, owner_handle=n.owner_handle, status=n.status)
               for n in lineage.nodes],
        edges=[LineageEdge(source=source, remix=remix) for source, remix in lineage.edges],
        truncated=lineage.truncated,
    )
