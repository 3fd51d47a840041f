"""Copyright notices and counter-notices (DMCA, 17 U.S.C. §512): their values, and the
business-day arithmetic of restoring countered records."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

ACCEPTED, COUNTERED, LAWSUIT, RESTORED = "accepted", "countered", "lawsuit", "restored"
NOTICE_STATUSES = (ACCEPTED, COUNTERED, LAWSUIT, RESTORED)
MAX_RECORDS = 50
RESTORE_AFTER_BUSINESS_DAYS = 10  # §512(g)(2)(C): not less than 10, not more than 14 business days


def is_business_day(day: date) -> bool:
    """Monday to Friday (UTC); public holidays are not taken out."""
    return day.weekday() < 5


def full_business_days_between(filed: date, today: date) -> int:
    """Business days that passed whole after `filed` and before `today`."""
    count, day = 0, filed + timedelta(days=1)
    while day < today:
        count += is_business_day(day)
        day += timedelta(days=1)
    return count


def restore_on(filed_at: datetime) -> date:
    """The first day at whose start a counter-notice filed at `filed_at` has had 10 full business
    days after it (counted from the next business day): the daily run from then restores it."""
    day, counted = filed_at.astimezone(timezone.utc).date(), 0
    while counted < RESTORE_AFTER_BUSINESS_DAYS:
        day += timedelta(days=1)
        counted += is_business_day(day)
    return day + timedelta(days=1)


def restore_due(filed_at: datetime, now: datetime) -> bool:
    return now.astimezone(timezone.utc).date() >= restore_on(filed_at)


@dataclass(frozen=True)
class Complainant:
    name: str
    email: str
    address: str
    phone: str


@dataclass(frozen=True)
class NamedRecord:
    """A record a notice names, and its owner when the notice was accepted."""

    record_id: str
    owner_id: str
    owner_sub: str


@dataclass(frozen=True)
class Notice:
    id: str
    complainant: Complainant
    signature: str
    work: str
    records: tuple[NamedRecord, ...]
    status: str
    created_at: str
    lawsuit_at: str | None = None

    @property
    def record_ids(self) -> list[str]:
        return [r.record_id for r in self.records]

    def owned_by(self, sub: str) -> list[NamedRecord]:
        return [r for r in self.records if r.owner_sub == sub]


@dataclass(frozen=True)
class CounterNotice:
    notice_id: str
    member_id: str
    member_sub: str
    name: str
    address: str
    phone: str
    signature: str
    record_ids: tuple[str, ...]
    created_at: str
    restored_at: str | None = None
