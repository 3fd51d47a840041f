"""Feeds are bucketed by month: pages continue into older months and skip empty ones."""
from __future__ import annotations

import pytest
from ulid import ULID

from chalicelib import services
from chalicelib.domain.records import READY, Record


@pytest.fixture
def seed(client, member):
    """Stores ready text records created at given times, as the app would have then."""
    member("alice")
    alice = services.members().by_handle("alice")

    def store(created_at: str, kind: str = "text") -> str:
        from datetime import datetime

        record_id = str(ULID.from_datetime(datetime.fromisoformat(created_at.replace("Z", "+00:00"))))
        record = Record(id=record_id, kind=kind, title=created_at, owner_id=alice.id, owner_handle="alice",
                        owner_sub="sub-alice", status=READY, created_at=created_at, updated_at=created_at,
                        body="b" if kind == "text" else None)
        services.records().create(record, [], {})
        return record_id

    return store


def test_pages_continue_into_older_months_and_skip_empty_ones(client, seed):
    ids = [seed(t) for t in ["2026-03-02T10:00:00.000Z", "2026-03-30T10:00:00.000Z",
                             "2026-07-01T00:00:00.000Z", "2026-07-31T23:59:59.999Z", "2026-10-15T08:00:00.000Z"]]

    pages, cursor = [], None
    while True:
        reply = client.get("/records?limit=2" + (f"&cursor={cursor}" if cursor else "")).json
        pages.append([r["id"] for r in reply["items"]])
        cursor = reply["next_cursor"]
        if cursor is None:
            break

    assert pages == [[ids[4], ids[3]], [ids[2], ids[1]], [ids[0]]]


def test_a_kind_feed_only_visits_months_that_hold_that_kind(client, seed):
    text = seed("2026-02-10T00:00:00.000Z")
    seed("2026-05-10T00:00:00.000Z", kind="image")

    assert [r["id"] for r in client.get("/records?kind=text").json["items"]] == [text]
    assert len(client.get("/records").json["items"]) == 2
