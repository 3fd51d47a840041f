"""Hearts: heart a record (idempotently) and take it back, a member's hearts, what is trending;
and the heart-count function's sums (see domain.hearts)."""
from __future__ import annotations

from chalicelib import services
from chalicelib.domain.ids import is_id
from chalicelib.domain.members import MemberProfile
from chalicelib.domain.records import READY
from chalicelib.errors import Forbidden, NotFound
from chalicelib.logic.records import RecordView, views


def heart(sub: str, record_id: str) -> int:
    """Hearts someone else's ready record, once; the exact heart count after it."""
    from chalicelib.domain.clock import utcnow
    from chalicelib.storage.hearts import NotHeartable

    if not is_id(record_id):
        raise _not_ready(record_id)
    hearts = services.hearts()
    now = utcnow()
    try:
        new = hearts.heart(record_id, sub, now)
    except NotHeartable:
        _, status = hearts.state(record_id)
        if status != READY:
            raise _not_ready(record_id) from None
        raise Forbidden("You cannot heart your own record.") from None
    # Stored, so counted (a takedown after it does not undo it): the answer says so. A repeat
    # answers the same, even after a takedown, as the retry of a lost answer must.
    _announce(record_id, sub if new else None, now)  # for repeats too: a repeat after a lost message gets the count summed
    count, _ = hearts.state(record_id)
    return count


def unheart(sub: str, record_id: str) -> int:
    """Takes the caller's heart back, if there is one; the exact heart count after it."""
    if not is_id(record_id):
        raise NotFound(f"No record has the id '{record_id}'.")
    hearts = services.hearts()
    removed = hearts.unheart(record_id, sub)
    count, status = hearts.state(record_id)
    if not removed and status is None and services.records().get(record_id) is None:
        raise NotFound(f"No record has the id '{record_id}'.")
    _announce(record_id)
    return count


def _not_ready(record_id: str) -> NotFound:
    return NotFound(f"No ready record has the id '{record_id}'.")


def _announce(record_id: str, hearter: str | None = None, at=None) -> None:
    """Asks the heart-count function to sum the record's counters. The heart is stored already,
    so a failed send is logged, not answered with an error: the next heart or un-heart of the
    record sends again, and the sum covers every heart stored by then.

    A new heart's message also names the member (`hearter`), and the heart-count function
    publishes the `hearted` event from it (`announce_heart`): the notification costs PUT /heart
    no round trip (the identity was read, and is cached, by the member check of the route)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from chalicelib.observability import count, get_logger

    try:
        identity = services.members().identity(hearter) if hearter else None
        if identity is not None:
            from chalicelib.domain.clock import to_rfc3339

            services.heart_events().hearted(record_id, identity.member_id, identity.handle, to_rfc3339(at))
        else:
            services.heart_events().changed([record_id])
    except (BotoCoreError, ClientError):
        get_logger().exception("could not queue a heart recount", extra={"record_id": record_id})
        count("HeartRecountNotQueued")


def hearted_by(viewer: str | None, member: MemberProfile, limit: int,
               after: str | None) -> tuple[list[RecordView], str | None]:
    """Ready records `member` hearted, most recently hearted first."""
    return _ready(viewer, *services.hearts().hearts_by(member.sub, limit, after))


def trending(viewer: str | None, window: str, kind: str | None, limit: int,
             after: str | None) -> tuple[list[RecordView], str | None]:
    """Ready records by hearts received in the window (`day`, `week`)."""
    return _ready(viewer, *services.hearts().trending(window, kind, limit, after))


def _ready(viewer: str | None, entries: list[tuple[str, str]],
           last: str | None) -> tuple[list[RecordView], str | None]:
    """The ready records among `entries` (record id, position), in that order: one batch read,
    and one more for long bodies. A page whose bodies are too long to serve at once ends early
    and continues after the position of its last record."""
    found = services.records().get_many([record_id for record_id, _ in entries])
    ready = [(found[i], position) for i, position in entries
             if i in found and found[i].status == READY and not found[i].is_hidden]
    served, taken = services.records().serve([record for record, _ in ready])
    if taken < len(ready):
        last = ready[taken - 1][1]
    return views(viewer, served), last


def announce_heart(record_id: str, heart: dict) -> None:
    """The heart-count function's echo of a new heart: the `hearted` event (notifications)."""
    from chalicelib.logic.announcements import hearted

    member_id, handle, at = heart.get("member_id"), heart.get("handle"), heart.get("at")
    if all(isinstance(v, str) and v for v in (member_id, handle, at)):
        hearted(record_id, member_id, handle, at)


def recount(record_id: str) -> None:
    """Sums a record's heart counters into its `heart_count` and the trending lists."""
    from chalicelib.domain.clock import utcnow

    services.hearts().recount(record_id, utcnow())


def roll_up_trending() -> int:
    """Asks for every record in a trending list to be summed again, so hearts older than the
    window drop out; how many records that was."""
    record_ids = services.hearts().trending_record_ids()
    if record_ids:
        services.heart_events().changed(sorted(record_ids))
    return len(record_ids)
