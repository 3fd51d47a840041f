"""Pure heart rules: shards, hour buckets, windows and trending order."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from chalicelib.domain.hearts import SHARDS, hour_of, score, shard_of, stale_hours, trend_sort_key

NOW = datetime(2026, 11, 26, 10, 30, tzinfo=timezone.utc)


def test_a_member_always_lands_on_the_same_shard_and_members_spread():
    assert shard_of("alice") == shard_of("alice")
    assert len({shard_of(f"member-{n}") for n in range(500)}) == SHARDS


def test_the_day_window_is_the_last_24_utc_hours_including_this_one():
    hours = {hour_of(NOW): 1, hour_of(NOW - timedelta(hours=23)): 2, hour_of(NOW - timedelta(hours=24)): 4}

    assert score(hours, "day", NOW) == 3
    assert score(hours, "week", NOW) == 7


def test_the_week_window_ends_after_168_hours():
    hours = {hour_of(NOW - timedelta(hours=167)): 1, hour_of(NOW - timedelta(hours=168)): 10}

    assert score(hours, "week", NOW) == 1


def test_an_unheart_in_a_later_hour_takes_the_heart_out_of_its_own_hour():
    hours = {hour_of(NOW - timedelta(hours=2)): 0}

    assert score(hours, "day", NOW) == 0


def test_buckets_older_than_the_week_and_a_day_are_stale():
    old, recent = hour_of(NOW - timedelta(days=9)), hour_of(NOW - timedelta(days=6))

    assert stale_hours({old: 1, recent: 1}, NOW) == [old]


def test_trending_order_is_score_then_newest_then_id():
    keys = [trend_sort_key(2, "2026-11-01T00:00:00.000Z", "B"), trend_sort_key(10, "2026-10-01T00:00:00.000Z", "A"),
            trend_sort_key(2, "2026-11-02T00:00:00.000Z", "A")]

    assert sorted(keys, reverse=True) == [keys[1], keys[2], keys[0]]
