"""Which month a scheduled run closes, and which periods a run marks closed."""
from __future__ import annotations

from datetime import datetime, timezone

from chalicelib.jobs.royalties import _to_close, previous_month


def test_the_schedule_runs_the_month_before():
    assert previous_month(datetime(2026, 12, 1, 2, tzinfo=timezone.utc)) == "2026-11"
    assert previous_month(datetime(2027, 1, 1, 2, tzinfo=timezone.utc)) == "2026-12"


def test_a_run_closes_every_month_since_the_last_close_and_older_booked_ones():
    booked = {"2026-05": None, "2026-09": None, "2026-12": None}

    assert _to_close(booked, "2026-08", "2026-10") == ["2026-05", "2026-09", "2026-10"]
    assert _to_close(booked, None, "2026-10") == ["2026-05", "2026-09", "2026-10"]
