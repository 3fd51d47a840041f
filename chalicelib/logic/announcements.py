"""The events that records, members, hearts and royalty runs publish (after their write), built
in one place so their producers stay one line each. Notifications and the search index
subscribe to them (logic/notifications.py, logic/search.py)."""
from __future__ import annotations

from chalicelib.domain.events import RECORD_CHANGED, RECORD_READY, Event, Subject
from chalicelib.logic.events import publish


def _now() -> str:
    from chalicelib.domain.clock import now_rfc3339

    return now_rfc3339()


def _fresh() -> str:
    from chalicelib.domain.ids import new_id

    return new_id()


def record_ready(record) -> None:
    """A record became ready (a text at creation, media once its upload passed): the owners of
    its sources hear of the remix, and the index takes it in."""
    publish(Event(RECORD_READY, f"record_ready:{record.id}", _now(), Subject("record", record.id, record.title),
                  actor_id=record.owner_id,
                  data={"sources": list(record.sources), "kind": record.kind, "actor_handle": record.owner_handle}))


def record_changed(record_id: str, title: str | None = None) -> None:
    """A record's title, tags, licence, status or visibility changed (each change its own key:
    subscribers read the record as it is now)."""
    publish(Event(RECORD_CHANGED, f"record_changed:{record_id}:{_fresh()}", _now(),
                  Subject("record", record_id, title)))


def member_changed(member_id: str, handle: str) -> None:
    """A member registered or edited the profile (the member search reads it as it is now)."""
    publish(Event(RECORD_CHANGED, f"member_changed:{member_id}:{_fresh()}", _now(), Subject("member", member_id, handle),
                  actor_id=member_id))


def hearted(record_id: str, member_id: str, handle: str, at: str) -> None:
    """A member's new heart (published by the heart-count function from the heart message)."""
    publish(Event("hearted", f"hearted:{record_id}:{member_id}:{at[:10]}", at, Subject("record", record_id),
                  actor_id=member_id, data={"actor_handle": handle}))


def statements_ready(period: str, member_ids) -> None:
    """A royalty run closed `period` with a statement for each of these members."""
    people = tuple(sorted(set(member_ids)))
    if people:
        publish(Event("statement_ready", f"statement_ready:{period}", _now(),
                      Subject("statement", period, f"Statement {period}"), recipients=people,
                      data={"period": period}))
