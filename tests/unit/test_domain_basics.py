"""Small domain rules: time format, ids, handles."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from chalicelib.domain.clock import to_rfc3339
from chalicelib.domain.ids import is_id, new_id
from chalicelib.domain.members import is_valid_handle, normalize_handle


def test_timestamps_are_utc_with_milliseconds_and_a_z():
    moment = datetime(2026, 11, 25, 22, 57, 33, 120999, tzinfo=timezone(timedelta(hours=1)))

    assert to_rfc3339(moment) == "2026-11-25T21:57:33.120Z"


def test_new_ids_are_well_formed_and_sort_by_creation():
    first, second = new_id(), new_id()

    assert is_id(first) and is_id(second)
    assert first[:10] <= second[:10]  # the time part


def test_malformed_ids_are_recognised():
    assert not is_id("not-an-id")
    assert not is_id(new_id().lower())
    assert not is_id(new_id() + "0")
    assert not is_id(new_id() + "\n")


def test_handles_are_lowercased_before_they_are_checked():
    assert normalize_handle("Alice_01") == "alice_01"
    assert is_valid_handle("alice_01")
    assert not is_valid_handle("Alice_01")


def test_a_handle_with_a_trailing_newline_is_not_valid():
    assert not is_valid_handle("alice\n")
