"""Collaborations: a brief inviting records; records join with `collaboration_id` at creation."""
from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from chalicelib.api.fields import MULTILINE, UniqueItems, no_control_characters
from chalicelib.api.models import Kind, Owner, Page, Pagination, paginate
from chalicelib.api.routing import Access, RequestBody, ResponseModel, Router
from chalicelib.errors import FieldError, ValidationFailed
from chalicelib.logic import collaborations

router = Router("collaborations")


class CreateCollaboration(RequestBody):
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120),
                     no_control_characters()]
    brief: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000),
                     no_control_characters(MULTILINE)]
    kinds: Annotated[list[Kind], Field(max_length=6, description="Kinds of records invited; empty: any."),
                     UniqueItems()] = []

    def unique_kinds(self) -> tuple[str, ...]:
        if len(set(self.kinds)) != len(self.kinds):
            raise ValidationFailed("A kind is listed twice.", errors=[FieldError("kinds", "list each kind once")])
        return tuple(self.kinds)


class CollaborationOut(ResponseModel):
    id: str
    title: str
    brief: str
    kinds: list[Kind]
    owner: Owner
    created_at: str
    record_count: int = Field(description="Ready records in this collaboration.")


class CollaborationPage(Page[CollaborationOut]):
    pass


def _out(collaboration) -> CollaborationOut:
    return CollaborationOut(
        id=collaboration.id, title=collaboration.title, brief=collaboration.brief, kinds=list(collaboration.kinds),
        owner=Owner(id=collaboration.owner_id, handle=collaboration.owner_handle),
        created_at=collaboration.created_at, record_count=collaboration.record_count,
    )


@router.route("POST", "/collaborations", summary="Start a collaboration", access=Access.MEMBER, status=201,
              body=CreateCollaboration, response=CollaborationOut)
def create_collaboration(ctx):
    request = ctx.body()
    return _out(collaborations.start(ctx.identity, request.title, request.brief, request.unique_kinds()))


@router.route("GET", "/collaborations", summary="Collaborations, newest first", access=Access.PUBLIC,
              query=Pagination, response=CollaborationPage)
def list_collaborations(ctx):
    return paginate(ctx, CollaborationPage, "collaborations", ctx.query(), collaborations.newest_first,
                    lambda items: [_out(c) for c in items])


@router.route("GET", "/collaborations/{collaboration_id}", summary="A collaboration with its record count",
              access=Access.PUBLIC, response=CollaborationOut)
def get_collaboration(ctx, collaboration_id: str):
    return _out(collaborations.find(collaboration_id))
