"""Collaborations: a brief inviting records; records join with `collaboration_id` at creation."""
from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from chalicelib import services
from chalicelib.api.cursors import Paging
from chalicelib.api.fields import MULTILINE, UniqueItems, no_control_characters
from chalicelib.api.records import Kind, Owner, Pagination
from chalicelib.api.routing import Access, RequestBody, ResponseModel, Router
from chalicelib.domain.ids import is_id
from chalicelib.errors import FieldError, NotFound, ValidationFailed

router = Router("collaborations")


class CreateCollaboration(RequestBody):
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120),
                     no_control_characters()]
    brief: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000),
                     no_control_characters(MULTILINE)]
    kinds: Annotated[list[Kind], Field(max_length=6, description="Kinds of records invited; empty: any."),
                     UniqueItems()] = []


class CollaborationOut(ResponseModel):
    id: str
    title: str
    brief: str
    kinds: list[Kind]
    owner: Owner
    created_at: str
    record_count: int = Field(description="Ready records in this collaboration.")


class CollaborationPage(ResponseModel):
    items: list[CollaborationOut]
    next_cursor: str | None


def _out(collaboration) -> CollaborationOut:
    return CollaborationOut(
        id=collaboration.id, title=collaboration.title, brief=collaboration.brief, kinds=list(collaboration.kinds),
        owner=Owner(id=collaboration.owner_id, handle=collaboration.owner_handle),
        created_at=collaboration.created_at, record_count=collaboration.record_count,
    )


@router.route("POST", "/collaborations", summary="Start a collaboration", access=Access.MEMBER, status=201,
              body=CreateCollaboration, response=CollaborationOut)
def create_collaboration(ctx):
    from chalicelib.domain.collaborations import Collaboration
    from chalicelib.domain.ids import new_id_with_time

    request = ctx.body()
    if len(set(request.kinds)) != len(request.kinds):
        raise ValidationFailed("A kind is listed twice.", errors=[FieldError("kinds", "list each kind once")])
    collaboration_id, now = new_id_with_time()
    collaboration = Collaboration(
        id=collaboration_id, title=request.title, brief=request.brief, kinds=tuple(request.kinds),
        owner_id=ctx.identity.member_id, owner_handle=ctx.identity.handle, created_at=now,
    )
    services.collaborations().create(collaboration)
    return _out(collaboration)


@router.route("GET", "/collaborations", summary="Collaborations, newest first", access=Access.PUBLIC,
              query=Pagination, response=CollaborationPage)
def list_collaborations(ctx):
    query = ctx.query()
    paging = Paging(ctx, "collaborations", query.cursor)
    items, last = services.collaborations().list(query.limit, paging.after)
    return CollaborationPage(items=[_out(c) for c in items], next_cursor=paging.next_cursor(last))


@router.route("GET", "/collaborations/{collaboration_id}", summary="A collaboration with its record count",
              access=Access.PUBLIC, response=CollaborationOut)
def get_collaboration(ctx, collaboration_id: str):
    collaboration = services.collaborations().get(collaboration_id) if is_id(collaboration_id) else None
    if collaboration is None:
        raise NotFound(f"No collaboration has the id '{collaboration_id}'.")
    return _out(collaboration)
