"""Member profiles: register, read and edit your own, read anyone's by handle."""
from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints, WithJsonSchema

from chalicelib.api.fields import MULTILINE, no_control_characters, omittable
from chalicelib.api.routing import Access, RequestBody, ResponseModel, Router
from chalicelib.domain.members import HANDLE_RULE, is_valid_handle, normalize_handle
from chalicelib.logic import members

router = Router("members")


HANDLE_INPUT = r"^[A-Za-z0-9_]{3,30}$"  # what lowercases to a valid handle, and nothing else


def _handle(value: str) -> str:
    handle = normalize_handle(value)
    # fullmatch: `is_valid_handle` alone lets a trailing newline through (`$` matches before it)
    if not re.fullmatch(HANDLE_INPUT[1:-1], value) or not is_valid_handle(handle):
        raise ValueError(f"a handle is {HANDLE_RULE}")
    return handle


Handle = Annotated[str, AfterValidator(_handle), WithJsonSchema({"type": "string", "pattern": HANDLE_INPUT})]
DisplayName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80), no_control_characters(),
]
Bio = Annotated[str, StringConstraints(max_length=1000), no_control_characters(MULTILINE)]


class RegisterMember(RequestBody):
    handle: Handle = Field(description=f"Unique; {HANDLE_RULE}.", examples=["alice"])
    display_name: DisplayName
    bio: Bio | None = None


class UpdateMe(RequestBody):
    display_name: DisplayName = omittable("Leave it out to keep it; it cannot be null.")
    bio: Bio | None = Field(default=None, description="null clears the bio.")

    def changes(self) -> dict:
        changes = {} if self.display_name is None else {"display_name": self.display_name}
        if "bio" in self.model_fields_set:
            changes["bio"] = self.bio
        return changes


class Member(ResponseModel):
    id: str
    handle: str
    display_name: str
    bio: str | None
    created_at: str = Field(description="RFC 3339 UTC, milliseconds.")
    record_count: int = Field(description="Ready records of this member.")
    heart_count_received: int
    follower_count: int = Field(default=0, description="Members following this one (may settle a moment later).")
    following_count: int = Field(default=0, description="Members this one follows.")
    followed_by_me: bool | None = Field(default=None, description="Whether the caller follows this member; "
                                                                  "null without a token.")


class Me(Member):
    updated_at: str


def _member(profile) -> Member:
    return Member(
        id=profile.id, handle=profile.handle, display_name=profile.display_name, bio=profile.bio,
        created_at=profile.created_at, record_count=profile.record_count,
        heart_count_received=profile.heart_count_received,
        follower_count=profile.follower_count, following_count=profile.following_count,
    )


def _me(profile) -> Me:
    return Me(**_member(profile).model_dump(), updated_at=profile.updated_at)


@router.route("POST", "/members", summary="Register the caller's member profile",
              access=Access.IDENTITY, status=201, body=RegisterMember, response=Me, errors=(409,))
def register_member(ctx):
    request = ctx.body()
    return _me(members.register(ctx.principal.sub, request.handle, request.display_name, request.bio))


@router.route("GET", "/me", summary="The caller's own profile", access=Access.MEMBER, response=Me)
def get_me(ctx):
    return _me(members.own_profile(ctx.identity))


@router.route("PATCH", "/me", summary="Edit the caller's display name or bio",
              access=Access.MEMBER, body=UpdateMe, response=Me)
def update_me(ctx):
    return _me(members.edit_profile(ctx.identity, **ctx.body().changes()))


@router.route("GET", "/members/{handle}", summary="A member's public profile",
              access=Access.PUBLIC, response=Member, errors=(404,))
def get_member(ctx, handle: str):
    from chalicelib.logic import follows

    profile, followed_by_me = follows.profile(ctx.principal.sub if ctx.principal else None, handle)
    return _member(profile).model_copy(update={"followed_by_me": followed_by_me})
