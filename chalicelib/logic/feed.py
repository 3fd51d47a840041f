"""The following feed's fan-out: an event-stream subscriber (never a publishing request).

- `record_ready`: the record goes into the feed of each of its owner's followers,
  FAN_OUT_CHUNK followers per step; a longer list hands the rest on as a `feed_fan_out` event.
- `followed`: the followee's newest BACKFILL_RECORDS ready records go into the follower's feed
  (so records published before the follow are there too).
- `unfollowed`: the followee's entries leave the follower's feed.

Every step is idempotent (an entry's key is the record's), so a redelivery writes the same
items again. A follow and an unfollow delivered out of order converge: each step first reads
whether the follow exists now, and does only what that state asks for.
"""
from __future__ import annotations

from chalicelib import services
from chalicelib.domain.events import FEED_FAN_OUT, RECORD_READY, UNFOLLOWED, Event, Subject
from chalicelib.domain.follows import BACKFILL_RECORDS, FAN_OUT_CHUNK, FeedEntry
from chalicelib.domain.records import READY


def on_event(event: Event) -> None:
    if event.type in (RECORD_READY, FEED_FAN_OUT) and event.subject.type == "record":
        fan_out(event.subject.id, event.data.get("after") if event.type == FEED_FAN_OUT else None)
    elif event.type == "followed":
        backfill(event.data.get("follower_id") or event.actor_id, event.data.get("followee_id") or event.recipients[0])
    elif event.type == UNFOLLOWED:
        take_out(event.data.get("follower_id") or event.actor_id, event.data.get("followee_id") or event.recipients[0])


def fan_out(record_id: str, after: str | None) -> None:
    """One step: the ready record into the feeds of the next FAN_OUT_CHUNK followers of its owner."""
    from chalicelib.domain.clock import now_rfc3339
    from chalicelib.logic import events

    record = services.records().get_many([record_id]).get(record_id)
    if record is None or record.status != READY:
        return
    repository = services.follows()
    followers, last = repository.follower_ids(record.owner_id, FAN_OUT_CHUNK, after)
    if last is not None:  # the next chunk first, so the steps of a long list run side by side
        events.publish(Event(FEED_FAN_OUT, f"{FEED_FAN_OUT}:{record.id}:{last}", now_rfc3339(),
                             Subject("record", record.id, record.title), actor_id=record.owner_id,
                             data={"after": last}))
    repository.add_to_feeds(followers, FeedEntry(record.id, record.owner_id, record.created_at))


def backfill(follower_id: str, followee_id: str) -> None:
    repository = services.follows()
    if not repository.follows(follower_id, followee_id, consistent=True):
        return  # unfollowed since
    repository.add_to_feed(follower_id, repository.owner_entries(followee_id, BACKFILL_RECORDS))


def take_out(follower_id: str, followee_id: str) -> None:
    repository = services.follows()
    if repository.follows(follower_id, followee_id, consistent=True):
        return  # followed again since
    repository.remove_from_feed(follower_id, repository.feed_entries_of(follower_id, followee_id))
