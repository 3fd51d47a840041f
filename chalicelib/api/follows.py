"""Follows: follow a member (idempotent), the lists both ways, and the caller's following feed."""
from __future__ import annotations

from pydantic import Field

from chalicelib.api.models import Page, Pagination, RecordPage, RecordPagination, paginate, record_outs
from chalicelib.api.routing import Access, ResponseModel, Router
from chalicelib.logic import follows, members

router = Router("follows")


class FollowStateOut(ResponseModel):
    following: bool
    follower_count: int = Field(description="The followee's followers, exact at the time of the answer.")


class FollowedMember(ResponseModel):
    id: str
    handle: str
    display_name: str
    followed_at: str = Field(description="When this follow began.")


class FollowedMemberPage(Page[FollowedMember]):
    pass


def _state(state) -> FollowStateOut:
    return FollowStateOut(following=state.following, follower_count=state.follower_count)


def _members(pairs) -> list[FollowedMember]:
    return [FollowedMember(id=p.id, handle=p.handle, display_name=p.display_name, followed_at=f.followed_at)
            for f, p in pairs]


@router.route("PUT", "/members/{handle}/follow", summary="Follow a member (idempotent; following yourself is 403)",
              access=Access.MEMBER, response=FollowStateOut, errors=(404,))
def follow(ctx, handle: str):
    return _state(follows.follow(ctx.identity, handle))


@router.route("DELETE", "/members/{handle}/follow", summary="Stop following a member (idempotent)",
              access=Access.MEMBER, response=FollowStateOut, errors=(404,))
def unfollow(ctx, handle: str):
    return _state(follows.unfollow(ctx.identity, handle))


@router.route("GET", "/members/{handle}/followers", summary="Who follows a member, most recent first",
              access=Access.PUBLIC, query=Pagination, response=FollowedMemberPage, errors=(404,))
def followers(ctx, handle: str):
    member = members.find_member(handle)  # before the query: 404 comes before 400
    return paginate(ctx, FollowedMemberPage, f"followers|{member.id}", ctx.query(),
                    lambda limit, after: follows.followers(member, limit, after), _members)


@router.route("GET", "/members/{handle}/following", summary="Whom a member follows, most recent first",
              access=Access.PUBLIC, query=Pagination, response=FollowedMemberPage, errors=(404,))
def following(ctx, handle: str):
    member = members.find_member(handle)
    return paginate(ctx, FollowedMemberPage, f"following|{member.id}", ctx.query(),
                    lambda limit, after: follows.following(member, limit, after), _members)


@router.route("GET", "/me/feed", summary="Ready records of the members you follow, newest first (a page may hold fewer than limit)",
              access=Access.MEMBER, query=RecordPagination, response=RecordPage)
def feed(ctx):
    return paginate(ctx, RecordPage, f"feed|{ctx.identity.member_id}", ctx.query(),
                    lambda limit, after: follows.feed(ctx.identity, limit, after), record_outs)
