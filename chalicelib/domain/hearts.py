"""Hearts: how a viral record's count is kept, and what "trending" means.

The count of one record is spread over `SHARDS` counter items; a member always lands on the
same shard (a hash of the identity), so an un-heart finds what its heart added. One item takes
about 1,000 writes/s, and a transactional write costs two, so one record takes about
16 × 500 = 8,000 hearts/s instead of 500. The record's `heart_count` is the sum of its shards,
written a moment later by the heart-count function (SQS), exact once the queue is drained.

Trending ranks ready records by hearts received in the last 24 hours (day) or 7 days (week),
counted in UTC-hour buckets kept on the shards; an un-heart takes its heart out of its bucket.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

SHARDS = 16
WINDOW_HOURS = {"day": 24, "week": 24 * 7}
KEEP_HOURS = WINDOW_HOURS["week"] + 24  # older buckets are pruned


def shard_of(sub: str) -> int:
    return int.from_bytes(hashlib.sha256(sub.encode()).digest()[:4], "big") % SHARDS


def hour_of(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y%m%d%H")


def window_hours(window: str, now: datetime) -> set[str]:
    """The hour buckets inside `window`, the current hour included."""
    return {hour_of(now - timedelta(hours=n)) for n in range(WINDOW_HOURS[window])}


def stale_hours(hours: dict[str, int], now: datetime) -> list[str]:
    oldest = hour_of(now - timedelta(hours=KEEP_HOURS))
    return sorted(h for h in hours if h < oldest)


def score(hours: dict[str, int], window: str, now: datetime) -> int:
    inside = window_hours(window, now)
    return max(0, sum(n for h, n in hours.items() if h in inside))


def trend_sort_key(score_: int, created_at: str, record_id: str) -> str:
    """Descending order on this ranks by score, ties newest first (then id)."""
    return f"{score_:012d}#{created_at}#{record_id}"
