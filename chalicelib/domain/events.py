"""Events: what happened, told once to whatever reacts to it later (notifications, search, counts).

Producers publish an `Event` after their own write succeeded (`logic/events.py`); the event
function (`jobs/events.py`, fed by the event queue) hands each one to every subscriber. A
delivery may repeat, so every event carries a `key` that is the same for the same happening
(for example `followed:<follower>:<followee>`): subscribers make their effect conditional on it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

# Facts other features react to, and the notification types the contract names.
RECORD_READY = "record_ready"  # data: {"sources": [source ids]} — the inbox turns it into `remixed`
RECORD_CHANGED = "record_changed"  # title, tags, licence, status or visibility changed (search, feeds)
NOTIFICATION_TYPES = frozenset({
    "remixed", "hearted", "commented", "replied", "followed", "contributed", "proposal_opened",
    "objection_answered", "grant_requested", "statement_ready", "payout_sent", "payout_failed",
    "moderation", "report_closed", "export_ready",
})
TYPES = frozenset({RECORD_READY, RECORD_CHANGED}) | NOTIFICATION_TYPES
# The following feed (logic/feed.py): a follow ended (its entries leave the follower's feed), and
# the next chunk of a record's followers to fan out to (data: {"after": position}).
UNFOLLOWED, FEED_FAN_OUT = "unfollowed", "feed_fan_out"
TYPES = TYPES | {UNFOLLOWED, FEED_FAN_OUT}

MAX_KEY = 512
MAX_RECIPIENTS = 100  # per message; `chunks()` splits a longer list over several events


class EventError(ValueError):
    """A message on the event queue that is not an event (dropped and logged, never retried)."""


@dataclass(frozen=True)
class Subject:
    type: str  # record | collaboration | member | production | statement | payout | export | comment …
    id: str
    title: str | None = None


@dataclass(frozen=True)
class Event:
    type: str
    key: str  # the same happening always has the same key: the dedupe of every subscriber
    at: str  # RFC 3339, when it happened
    subject: Subject
    actor_id: str | None = None  # the member who did it (never notified of it), or None for the system
    recipients: tuple[str, ...] = ()  # member ids to tell, when the producer knows them
    data: dict = field(default_factory=dict)  # small JSON values that the type defines

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise EventError(f"unknown event type {self.type!r}")
        if not self.key or len(self.key) > MAX_KEY:
            raise EventError("an event key is 1-512 characters")

    def chunks(self) -> list["Event"]:
        """This event as messages of at most MAX_RECIPIENTS recipients, each with its own key."""
        if len(self.recipients) <= MAX_RECIPIENTS:
            return [self]
        people = self.recipients
        return [Event(self.type, f"{self.key}#{n}", self.at, self.subject, self.actor_id,
                      people[start:start + MAX_RECIPIENTS], self.data)
                for n, start in enumerate(range(0, len(people), MAX_RECIPIENTS))]

    def to_json(self) -> str:
        return json.dumps({
            "type": self.type, "key": self.key, "at": self.at,
            "subject": {"type": self.subject.type, "id": self.subject.id, "title": self.subject.title},
            "actor_id": self.actor_id, "recipients": list(self.recipients), "data": self.data,
        }, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "Event":
        try:
            raw = json.loads(text)
            subject = raw["subject"]
            return cls(type=raw["type"], key=raw["key"], at=raw["at"],
                       subject=Subject(subject["type"], subject["id"], subject.get("title")),
                       actor_id=raw.get("actor_id"), recipients=tuple(raw.get("recipients") or ()),
                       data=dict(raw.get("data") or {}))
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise EventError(f"not an event: {e}") from e
