"""Which month a scheduled run closes."""
from __future__ import annotations

from datetime import datetime, timezone

from chalicelib.domain.royalties import previous_month


def test_the_schedule_runs_the_month_before():
    assert previous_month(datetime(2026, 12, 1, 2, tzinfo=timezone.utc)) == "2026-11"
    assert previous_month(datetime(2027, 1, 1, 2, tzinfo=timezone.utc)) == "2026-12"

