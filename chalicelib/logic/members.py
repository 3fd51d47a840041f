"""Member profiles: register one, read and edit your own, find anyone's by handle."""
from __future__ import annotations

from chalicelib import services
from chalicelib.domain.members import Identity, MemberProfile, is_valid_handle, normalize_handle
from chalicelib.errors import Conflict, NotFound

ORPHAN_HANDLE = "orphan"  # the owner of deleted members' works (domain.your_data): never a member's


def register(sub: str, handle: str, display_name: str, bio: str | None) -> MemberProfile:
    from chalicelib.observability import count

    if handle == ORPHAN_HANDLE:
        raise Conflict(f"The handle '{handle}' is reserved.")
    profile = services.members().register(sub, handle, display_name, bio)
    count("MemberRegistered")
    _announce(profile)
    return profile


def own_profile(identity: Identity) -> MemberProfile:
    return services.members().by_handle(identity.handle)


def edit_profile(identity: Identity, **changes) -> MemberProfile:
    """`changes`: `display_name` and/or `bio` (None clears the bio); those left out are kept."""
    profile = services.members().update(identity.handle, **changes)
    _announce(profile)
    return profile


def _announce(profile: MemberProfile) -> None:
    from chalicelib.logic.announcements import member_changed

    member_changed(profile.id, profile.handle)  # the member search reads the profile as it is now


def find_member(handle: str) -> MemberProfile:
    """The member a handle names, in any case; 404 for unknown or malformed handles."""
    wanted = normalize_handle(handle)
    if not is_valid_handle(wanted) or wanted == ORPHAN_HANDLE:
        raise NotFound(f"No member has the handle '{handle}'.")
    return services.members().by_handle(wanted)
