"""The business-day arithmetic of restoring countered records (Mon-Fri, UTC)."""
from datetime import date, datetime, time, timedelta, timezone

from chalicelib.domain.copyright import full_business_days_between, is_business_day, restore_due, restore_on


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def test_weekends_are_not_business_days():
    assert [is_business_day(date(2026, 12, d)) for d in range(5, 12)] == [False, False, True, True, True, True, True]


def test_full_business_days_count_neither_the_filing_day_nor_today():
    assert full_business_days_between(date(2026, 12, 7), date(2026, 12, 8)) == 0
    assert full_business_days_between(date(2026, 12, 7), date(2026, 12, 9)) == 1
    assert full_business_days_between(date(2026, 12, 4), date(2026, 12, 8)) == 1  # Sat, Sun skipped, Mon counted


def test_a_counter_notice_filed_on_a_monday_is_restored_on_the_tuesday_two_weeks_later():
    filed = at("2026-12-07T16:00:00")  # Monday
    assert restore_on(filed) == date(2026, 12, 22)  # Dec 8..21: ten business days
    assert full_business_days_between(filed.date(), restore_on(filed)) == 10


def test_a_counter_notice_filed_on_a_saturday_counts_from_monday():
    filed = at("2026-12-05T09:00:00")
    assert restore_on(filed) == date(2026, 12, 19)  # Mon 7 .. Fri 18 are the ten; due from Sat 19


def test_restoration_is_never_due_before_ten_full_business_days_nor_later_than_the_next_day():
    for day in range(1, 29):
        filed = at(f"2026-12-{day:02d}T23:59:59")
        due = restore_on(filed)
        assert full_business_days_between(filed.date(), due) == 10
        midnight = datetime.combine(due, time.min, timezone.utc)
        assert not restore_due(filed, midnight - timedelta(seconds=1))
        assert restore_due(filed, midnight)


def test_restoration_lands_within_ten_to_fourteen_business_days_of_the_counter_notice():
    for day in range(1, 29):
        filed = at(f"2026-11-{day:02d}T12:00:00")
        due = restore_on(filed)
        # restored by the 00:30 run of `due`: business days after filing, up to and including that day
        counted = full_business_days_between(filed.date(), due) + is_business_day(due)
        assert 10 <= counted <= 14
