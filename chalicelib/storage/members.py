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
# A profile can be deleted (DELETE /me): another container forgets its identity this soon after.
IDENTITY_CACHE_SECONDS = 30


class MemberRepository:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._identities: dict[str, tuple[float, Identity]] = {}
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
        """Registered identities are remembered per container for IDENTITY_CACHE_SECONDS: a
        handle never changes, so a member's requests skip this read while it is warm; a deleted
        profile is forgotten at once here (`forget`) and within that time elsewhere."""
        import time

        cached = self._identities.get(sub)
        if cached is not None and time.monotonic() - cached[0] < IDENTITY_CACHE_SECONDS:
            return cached[1]
        try:
            item = IdentityItem.get(*IdentityItem.key(sub), consistent_read=cached is not None)
        except DoesNotExist:
            self._identities.pop(sub, None)
            return None
        if len(self._identities) >= IDENTITY_CACHE_SIZE:
            self._identities.pop(next(iter(self._identities)))
        identity = Identity(sub=sub, member_id=item.member_id, handle=item.handle)
        self._identities[sub] = (time.monotonic(), identity)
        return identity

    def forget(self, sub: str) -> None:
        """The identity's profile was deleted: this container stops acting for it at once."""
        self._identities.pop(sub, None)

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
