"""Tags and search: the index subscriber of the event stream, and the four reads.

`on_event` (named in logic/events.py SUBSCRIBERS) keeps the index (storage/search.py) as the
record or member is now: RECORD_READY and RECORD_CHANGED of a record (PATCH, takedown,
moderation), RECORD_CHANGED of a member (registration, profile edits). It reads the subject
afresh, so a redelivered or late event writes the current state, never an old one.

The reads check every hit against the record or member as it is (one BatchGetItem), so a
takedown or an edit is reflected at once, and the index only has to catch up for new words.
"""
from __future__ import annotations

from chalicelib import services
from chalicelib.domain.events import RECORD_CHANGED, RECORD_READY, Event
from chalicelib.domain.records import READY, Record, feed_sort_key
from chalicelib.domain.search import (
    MAX_TAG, lookup_term, matches, member_words, normalize_tag, record_words,
)
from chalicelib.logic.records import RecordView, views


def on_event(event: Event) -> None:
    if event.type not in (RECORD_READY, RECORD_CHANGED):
        return
    if event.subject.type == "record":
        index_record(event.subject.id)
    elif event.subject.type == "member" and event.subject.title:
        index_member(event.subject.id, event.subject.title)
        for record_id in event.data.get("records") or ():  # a deleted member's works (taken down or kept)
            if isinstance(record_id, str):
                index_record(record_id)


def index_record(record_id: str):
    """Brings the index in line with the record as it is now; what was written (a report)."""

    def state():
        record = services.records().get_many([record_id], consistent=True).get(record_id)
        if record is None or not _listed(record):
            return None
        from chalicelib.storage.search import Indexed

        return Indexed(sort_key=feed_sort_key(record.created_at, record.id),
                       words=record_words(record.title, record.tags), kind=record.kind, tags=tuple(record.tags))

    return services.search_index().update("record", record_id, state(), state)


def index_member(member_id: str, handle: str):
    def state():
        from chalicelib.errors import NotFound
        from chalicelib.storage.search import Indexed

        try:
            profile = services.members().by_handle(handle)
        except NotFound:
            return None
        if profile.id != member_id:
            return None
        return Indexed(sort_key=f"{profile.created_at}#{profile.id}",
                       words=member_words(profile.handle, profile.display_name), handle=profile.handle)

    return services.search_index().update("member", member_id, state(), state)


def _listed(record: Record) -> bool:
    """Ready and not hidden from the public (moderation or a copyright notice)."""
    return record.status == READY and record.visible_to(None, 0) and not getattr(record, "is_hidden", False)


# --- reads ---------------------------------------------------------------------------------

def search_records(viewer: str | None, wanted: tuple[str, ...], kind: str | None, limit: int,
                   after: str | None) -> tuple[list[RecordView], str | None]:
    """Ready records whose title or tag words start with every word wanted, newest first: one
    Query, one BatchGetItem of the candidates, and (with a viewer) one for `hearted_by_me`."""
    if not wanted:
        return [], None
    hits, more = services.search_index().hits(lookup_term(wanted), kind, after)
    chosen, last = _first(hits, more, limit, lambda hit: matches(wanted, hit.words))
    found = services.records().get_many([hit.subject_id for hit in chosen])
    ready = [(found[h.subject_id], h.position) for h in chosen
             if h.subject_id in found and _listed(found[h.subject_id])
             and (kind is None or found[h.subject_id].kind == kind)
             and matches(wanted, record_words(found[h.subject_id].title, found[h.subject_id].tags))]
    return _served(viewer, ready, last)


def tag_records(viewer: str | None, tag: str, kind: str | None, limit: int,
                after: str | None) -> tuple[list[RecordView], str | None]:
    """Ready records carrying `tag` (normalised), newest first."""
    tag = normalize_tag(tag)
    if not tag or len(tag) > MAX_TAG:
        return [], None
    entries, last = services.search_index().tagged(tag, kind, limit, after)
    found = services.records().get_many([record_id for record_id, _ in entries])
    ready = [(found[i], position) for i, position in entries
             if i in found and _listed(found[i]) and tag in found[i].tags]
    return _served(viewer, ready, last)


def search_members(wanted: tuple[str, ...], limit: int, after: str | None):
    """Members whose handle or display-name words start with every word wanted, newest first:
    one Query and one BatchGetItem of the profiles."""
    if not wanted:
        return [], None
    hits, more = services.search_index().hits(lookup_term(wanted), None, after, members=True)
    chosen, last = _first(hits, more, limit, lambda hit: matches(wanted, hit.words))
    profiles = services.search_index().profiles([hit.handle for hit in chosen if hit.handle])
    found = [profiles[h.handle] for h in chosen if h.handle in profiles and profiles[h.handle].id == h.subject_id]
    return [p for p in found if matches(wanted, member_words(p.handle, p.display_name))], last


def tags(prefix: str | None, limit: int, after: str | None) -> tuple[list[tuple[str, int]], str | None]:
    """Tags of ready records, most used first (ties by tag), starting with `prefix` (normalised; a
    blank prefix counts as absent, like an empty query value)."""
    wanted = normalize_tag(prefix) if prefix is not None else ""
    return services.search_index().tags(wanted, limit, after)


def _first(hits, more: bool, limit: int, keep) -> tuple[list, str | None]:
    """The first `limit` hits that `keep`, and the position after the last hit looked at when
    more may follow (None: the end)."""
    chosen, examined = [], 0
    for hit in hits:
        examined += 1
        if keep(hit):
            chosen.append(hit)
            if len(chosen) == limit:
                break
    more = more or examined < len(hits)
    return chosen, (hits[examined - 1].position if more and examined else None)


def _served(viewer: str | None, ready: list[tuple[Record, str]], last: str | None):
    served, taken = services.records().serve([record for record, _ in ready])
    if taken < len(ready):
        last = ready[taken - 1][1]
    return views(viewer, served), last
