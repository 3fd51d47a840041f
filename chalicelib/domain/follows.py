"""Follows and the following feed.

The feed is fanned out on write: when a record becomes ready, the feed function (an event-stream
subscriber, never the publishing request) writes one small entry into the feed partition of each
of its owner's followers; following someone copies their most recent ready records into your feed,
unfollowing takes them out. A page of `/me/feed` is then one Query of your own partition, one
BatchGetItem of the records and one of your hearts: three round trips, whatever the number of
members you follow. docs/community.md gives the numbers behind the choice.
"""
from __future__ import annotations

from dataclasses import dataclass

BACKFILL_RECORDS = 500  # a new follow copies at most this many of the followee's newest records
FAN_OUT_CHUNK = 1000  # followers one fan-out step writes to before it hands the rest on


@dataclass(frozen=True)
class Follow:
    follower_id: str
    follower_handle: str
    followee_id: str
    followee_handle: str
    followed_at: str


@dataclass(frozen=True)
class FollowState:
    """The answer of a follow or an unfollow: whether the caller follows now, and the exact count."""

    following: bool
    follower_count: int
    changed: bool  # False: it already was so (an idempotent repeat)


@dataclass(frozen=True)
class FeedEntry:
    record_id: str
    owner_id: str
    created_at: str

    @property
    def position(self) -> str:
        return f"{self.created_at}#{self.record_id}"
