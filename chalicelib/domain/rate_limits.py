"""Rate limits: how many accepted requests of a kind one member (or one source address) may make
per UTC clock hour, and when the next hour starts."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

# Per member and UTC hour (the contract's numbers); anonymous reports and copyright notices are
# counted per source IP address.
LIMITS = {"records": 30, "comments": 60, "reports": 20, "objections": 20, "follows": 200,
          "anonymous_reports": 20, "notices": 20}
# A counter outlives its hour by this much before DynamoDB's TTL removes it (TTL deletes lazily;
# an expired counter is never read again, as the key names its hour).
COUNTER_KEPT_SECONDS = 3600


@dataclass(frozen=True)
class Quota:
    """One request's place in a limit: the counter (`name`, `who`, `hour`) it adds one to, the
    most the counter may reach, and what a refused caller is told."""

    name: str
    who: str
    hour: str  # YYYYMMDDHH, UTC
    limit: int
    expires_at: int  # epoch seconds: the counter's TTL
    retry_after: int  # seconds until the next hour


def quota(name: str, who: str, now: datetime, scale: float = 1) -> Quota:
    """The quota of a request of kind `name` by `who` at `now`; `scale` multiplies the limit."""
    utc = now.astimezone(timezone.utc)
    start = utc.replace(minute=0, second=0, microsecond=0)
    next_hour = start + timedelta(hours=1)
    return Quota(name=name, who=who, hour=start.strftime("%Y%m%d%H"), limit=max(1, int(LIMITS[name] * scale)),
                 expires_at=int(next_hour.timestamp()) + COUNTER_KEPT_SECONDS,
                 retry_after=retry_after(utc))


def retry_after(now: datetime) -> int:
    """Whole seconds until the next UTC hour starts (at least 1)."""
    utc = now.astimezone(timezone.utc)
    elapsed = utc.minute * 60 + utc.second + utc.microsecond / 1_000_000
    return max(1, int(-(-(3600 - elapsed) // 1)))
