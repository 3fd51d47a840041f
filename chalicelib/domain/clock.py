"""Time as the API shows it: RFC 3339 UTC with milliseconds."""
from __future__ import annotations

from datetime import datetime, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def to_rfc3339(moment: datetime) -> str:
    """`2026-11-25T21:57:33.120Z`. Fixed width, so stored strings sort in time order."""
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def now_rfc3339() -> str:
    return to_rfc3339(utcnow())
