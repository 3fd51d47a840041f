"""Background work run by app.py's event handlers: upload processing, royalty runs, schedules."""
from __future__ import annotations

from datetime import datetime, timezone


def event_time(event: dict) -> datetime:
    """A schedule's moment: EventBridge's `time` (what `make fire ... AT=` sets); now when absent
    or unreadable."""
    raw = (event or {}).get("time")
    try:
        return datetime.fromisoformat(str(raw).replace("Z", "+00:00")).astimezone(timezone.utc)
    except ValueError:
        return datetime.now(timezone.utc)
