"""The daily `restore_countered` schedule: parses the event's time, restores what is due."""
from __future__ import annotations

from datetime import datetime, timezone


def restore_countered(event: dict) -> dict:
    from chalicelib.logic.copyright import restore_countered as restore

    at = _event_time(event)
    return {"as_of": at.isoformat(), "restored_records": restore(at)}


def _event_time(event: dict) -> datetime:
    """EventBridge's `time` (what `make fire ... AT=` sets); now when absent or unreadable."""
    raw = (event or {}).get("time")
    try:
        return datetime.fromisoformat(str(raw).replace("Z", "+00:00")).astimezone(timezone.utc)
    except ValueError:
        return datetime.now(timezone.utc)
