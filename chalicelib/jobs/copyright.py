"""The daily `restore_countered` schedule: parses the event's time, restores what is due."""
from __future__ import annotations

from chalicelib.jobs import event_time


def restore_countered(event: dict) -> dict:
    from chalicelib.logic.copyright import restore_countered as restore

    at = event_time(event)
    return {"as_of": at.isoformat(), "restored_records": restore(at)}
