"""Follows: follow and unfollow (idempotent, exact counts in the answer), the two lists, whether
the caller follows a member, and the caller's following feed (see domain.follows)."""
from __future__ import annotations

from chalicelib import services
from chalicelib.domain.follows import Follow, FollowState
from chalicelib.domain.members import Identity, MemberProfile
from chalicelib.domain.records import READY
from chalicelib.errors import Forbidden
from chalicelib.logic.members import find_member


def _admit(identity: Identity):
    """Trust & safety's rate limit on follows (200 per member and UTC hour): the quota the follow
    counts in its own transaction (429 there when over, nothing stored)."""
    from chalicelib.logic.rate_limits import quota

    return quota("follows", identity.member_id)


def _followee(identity: Identity, handle: str) -> MemberProfile:
    followee = find_member(handle)  # 404
    if followee.id == identity.member_id:
        raise Forbidden("You cannot follow yourself.")
    return followee


def follow(identity: Identity, handle: str) -> FollowState:
    """The caller follows `handle` (a repeat changes nothing); `followed` is told to the followee."""
    from chalicelib.domain.clock import now_rfc3339

    followee = _followee(identity, handle)
    limit = _admit(identity)
    now = now_rfc3339()
    repository = services.follows()
    changed = repository.follow(Follow(identity.member_id, identity.handle, followee.id, followee.handle, now), limit)
    state = FollowState(True, repository.follower_count(followee.handle), changed)
    if changed:
        _announce("followed", identity, followee, now)
    return state


def unfollow(identity: Identity, handle: str) -> FollowState:
    from chalicelib.domain.clock import now_rfc3339
    from chalicelib.domain.events import UNFOLLOWED

    followee = _followee(identity, handle)
    repository = services.follows()
    changed = repository.unfollow(identity.member_id, identity.handle, followee.id, followee.handle)
    state = FollowState(False, repository.follower_count(followee.handle), changed)
    if changed:
        _announce(UNFOLLOWED, identity, followee, now_rfc3339())
    return state


def _announce(kind: str, identity: Identity, followee: MemberProfile, at: str) -> None:
    """`followed` (the inbox tells the followee; the feed copies the followee's records) or
    `unfollowed` (the feed takes them out). The subject is the follower, as the inbox shows it."""
    from chalicelib.domain.events import Event, Subject
    from chalicelib.logic import events

    key = f"{kind}:{identity.member_id}:{followee.id}" + (f":{at}" if kind != "followed" else "")
    events.publish(Event(kind, key, at, Subject("member", identity.member_id, identity.handle),
                         actor_id=identity.member_id, recipients=(followee.id,),
                         data={"follower_id": identity.member_id, "followee_id": followee.id}))


def profile(viewer: str | None, handle: str) -> tuple[MemberProfile, bool | None]:
    """A member's profile and whether the caller follows them (None without a token)."""
    member = find_member(handle)
    if viewer is None:
        return member, None
    identity = services.members().identity(viewer)
    if identity is None or identity.member_id == member.id:
        return member, False
    return member, services.follows().follows(identity.member_id, member.id)


def followers(member: MemberProfile, limit: int, after: str | None):
    """Who follows `member`, most recent first: (follow, profile) pairs."""
    return _with_profiles(*services.follows().followers(member.id, limit, after), lambda f: f.follower_handle)


def following(member: MemberProfile, limit: int, after: str | None):
    """Whom `member` follows, most recent first: (follow, profile) pairs."""
    return _with_profiles(*services.follows().following(member.id, limit, after), lambda f: f.followee_handle)


def _with_profiles(page, last, handle_of):
    profiles = services.follows().profiles([handle_of(f) for f in page]) if page else {}
    return [(f, profiles[handle_of(f)]) for f in page if handle_of(f) in profiles], last


def feed(identity: Identity, limit: int, after: str | None):
    """Ready records of the members the caller follows, newest first: the feed's entries (one
    Query), their records (one BatchGetItem) and the caller's hearts on them (one more). Entries
    of records no longer ready are skipped, so a page may hold fewer than `limit`."""
    from chalicelib.logic.records import views

    entries, last = services.follows().feed(identity.member_id, limit, after)
    found = services.records().get_many([e.record_id for e in entries])
    ready = [(found[e.record_id], e.position) for e in entries
             if e.record_id in found and found[e.record_id].status == READY]
    served, taken = services.records().serve([record for record, _ in ready])
    if taken < len(ready):
        last = ready[taken - 1][1]
    return views(identity.sub, served), last
