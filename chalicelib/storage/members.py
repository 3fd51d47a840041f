"""Member profiles and the identities that registered them."""
from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from chalicelib.config import Settings
from chalicelib.domain.clock import now_rfc3339
from chalicelib.domain.ids import new_id
from chalicelib.domain.members import Identity, MemberProfile
from chalicelib.errors import Conflict, NotFound
from chalicelib.storage.connection import bind_models, condition_failed, write_transaction
from chalicelib.storage.models import IdentityItem, MemberIdItem, MemberItem

_UNSET = object()
IDENTITY_CACHE_SIZE = 10_000
# An identity read is remembered this long in a container, with its standing, so a warm
# container's requests and writes pay no round trip for "registered?" and "suspended?". A deleted
# profile or a suspension reaches other containers within it (this one at once).
IDENTITY_CACHE_SECONDS = 30


class MemberRepository:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        # sub -> (when it was read, the identity, the suspend_member action in force then)
        self._identities: dict[str, tuple[float, Identity, str | None]] = {}
        bind_models(settings)

    def register(self, sub: str, handle: str, display_name: str, bio: str | None) -> MemberProfile:
        """Creates the profile and claims the identity in one transaction.

        Both puts are conditional, so two concurrent registrations of one handle (or two
        profiles for one identity) cannot both succeed: DynamoDB cancels all but one.
        """
        now = now_rfc3339()
        member_id = new_id()
        profile = MemberItem(
            *MemberItem.key(handle), member_id=member_id, sub=sub, handle=handle,
            display_name=display_name, bio=bio, created_at=now, updated_at=now,
        )
        identity = IdentityItem(*IdentityItem.key(sub), member_id=member_id, handle=handle, created_at=now)

        def fill(tx) -> None:
            tx.save(identity, condition=IdentityItem.pk.does_not_exist())
            tx.save(profile, condition=MemberItem.pk.does_not_exist())
            tx.save(MemberIdItem(*MemberIdItem.key(member_id), sub=sub, handle=handle))  # who a member id names

        try:
            write_transaction(self._settings, fill)
        except TransactWriteError as e:
            if condition_failed(e, 0):
                raise Conflict("This identity has already registered a member profile.") from e
            if condition_failed(e, 1):
                raise Conflict(f"The handle '{handle}' is taken.") from e
            raise
        return _profile(profile)

    def identity(self, sub: str) -> Identity | None:
        """The registered identity, or None (a handle never changes, so a remembered one is
        good until a deleted profile is forgotten: `forget`)."""
        import time

        cached = self._identities.get(sub)
        if cached is not None and time.monotonic() - cached[0] < IDENTITY_CACHE_SECONDS:
            return cached[1]
        return self._read(sub, consistent=cached is not None)[0]

    def suspended(self, sub: str, fresh: bool = False) -> str | None:
        """The suspend_member action in force for this identity, or None. A member's first
        request reads the identity once for both questions; `fresh` reads it again."""
        import time

        cached = self._identities.get(sub)
        if (not fresh and cached is not None and cached[2] is None
                and time.monotonic() - cached[0] < IDENTITY_CACHE_SECONDS):
            return None
        return self._read(sub, consistent=fresh)[1]

    def suspend(self, sub: str, action_id: str) -> None:
        self._identities.pop(sub, None)
        IdentityItem(*IdentityItem.key(sub)).update(actions=[IdentityItem.suspended_by.set(action_id)],
                                                    condition=IdentityItem.pk.exists())

    def reinstate(self, sub: str) -> None:
        self._identities.pop(sub, None)
        IdentityItem(*IdentityItem.key(sub)).update(actions=[IdentityItem.suspended_by.remove()],
                                                    condition=IdentityItem.pk.exists())

    def forget(self, sub: str) -> None:
        """The identity's profile was deleted: this container stops acting for it at once."""
        self._identities.pop(sub, None)

    def _read(self, sub: str, consistent: bool) -> tuple[Identity | None, str | None]:
        import time

        try:
            item = IdentityItem.get(*IdentityItem.key(sub), consistent_read=consistent)
        except DoesNotExist:
            self._identities.pop(sub, None)
            return None, None
        if len(self._identities) >= IDENTITY_CACHE_SIZE:
            self._identities.pop(next(iter(self._identities)))
        identity = Identity(sub=sub, member_id=item.member_id, handle=item.handle)
        self._identities[sub] = (time.monotonic(), identity, item.suspended_by)
        return identity, item.suspended_by

    def by_handle(self, handle: str) -> MemberProfile:
        """A live profile; a deleted one (its handle reserved, nothing else kept) is a 404."""
        try:
            item = MemberItem.get(*MemberItem.key(handle))
        except DoesNotExist as e:
            raise NotFound(f"No member has the handle '{handle}'.") from e
        if item.deleted_at or not item.member_id:
            raise NotFound(f"No member has the handle '{handle}'.")
        return _profile(item)

    def update(self, handle: str, *, display_name: str | None = None, bio=_UNSET) -> MemberProfile:
        item = MemberItem(*MemberItem.key(handle))
        actions = [MemberItem.updated_at.set(now_rfc3339())]
        if display_name is not None:
            actions.append(MemberItem.display_name.set(display_name))
        if bio is not _UNSET:
            actions.append(MemberItem.bio.remove() if bio is None else MemberItem.bio.set(bio))
        item.update(actions=actions, condition=MemberItem.pk.exists())
        return _profile(item)


def _profile(item: MemberItem) -> MemberProfile:
    return MemberProfile(
        id=item.member_id, handle=item.handle, display_name=item.display_name, bio=item.bio,
        created_at=item.created_at, updated_at=item.updated_at,
        record_count=int(item.record_count or 0),
        heart_count_received=int(item.heart_count_received or 0), sub=item.sub,
        follower_count=int(item.follower_count or 0), following_count=int(item.following_count or 0),
    )
