"""Rate limits at their real numbers (the suite runs with REMIXERY_RATE_LIMIT_SCALE raised):
counted in the request's own transaction, only accepted requests count, 429 with Retry-After,
nothing stored, and exactly the limit accepted under concurrency."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import pytest
import requests

from tests.support import all_pages, assert_problem


@pytest.fixture
def real_limits(monkeypatch):
    """The limits as the contract states them (scale 1) for the requests of this test."""
    from chalicelib.config import get_settings
    from chalicelib.logic import rate_limits

    settings = get_settings().model_copy(update={"rate_limit_scale": 1})
    monkeypatch.setattr(rate_limits, "get_settings", lambda: settings)


@pytest.fixture
def clock(monkeypatch):
    """Sets the time the rate limits read: `clock("2026-12-01T10:59:30")`."""
    from chalicelib.domain import clock as module

    def set_to(text: str) -> None:
        moment = datetime.fromisoformat(text).replace(tzinfo=timezone.utc)
        monkeypatch.setattr(module, "utcnow", lambda: moment)

    return set_to


def text(client, token, title="A story"):
    return client.post("/records", token=token, json_body={"kind": "text", "title": title, "body": "Words."})


def test_the_31st_record_in_an_hour_is_429_with_retry_after_and_is_not_stored(client, member, real_limits, clock):
    alice = member("alice")
    clock("2026-12-01T10:15:00")
    for n in range(30):
        assert text(client, alice, f"Story {n}").status == 201
    clock("2026-12-01T10:59:30")

    refused = text(client, alice, "One too many")

    assert_problem(refused, 429)
    assert refused.headers["retry-after"] == "30"
    titles = [r["title"] for page in all_pages(client, "/members/alice/records") for r in page]
    assert len(titles) == 30 and "One too many" not in titles
    assert client.get("/members/alice").json["record_count"] == 30
    clock("2026-12-01T11:00:00")  # the next hour
    assert text(client, alice, "Next hour").status == 201


def test_refused_requests_do_not_count(client, member, real_limits, clock):
    alice = member("alice")
    clock("2026-12-01T09:00:00")
    for _ in range(5):  # 400s: no title
        assert client.post("/records", token=alice, json_body={"kind": "text", "body": "x"}).status == 400
        assert client.post("/records", token=alice, json_body={
            "kind": "text", "title": "T", "body": "b", "sources": [{"record_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}]}).status == 404
    for n in range(30):
        assert text(client, alice, f"Story {n}").status == 201, n


def test_limits_are_per_member(client, member, real_limits, clock):
    alice, bob = member("alice"), member("bob")
    clock("2026-12-01T09:00:00")
    for n in range(30):
        assert text(client, alice, f"Story {n}").status == 201
    assert_problem(text(client, alice), 429)
    assert text(client, bob).status == 201


def test_anonymous_reports_are_limited_per_source_address(client, member, real_limits, clock):
    alice = member("alice")
    clock("2026-12-01T09:00:00")
    records = [text(client, alice, f"Story {n}").json["record"]["id"] for n in range(21)]
    for n, record in enumerate(records[:20]):
        reply = client.post("/reports", json_body={"subject": {"type": "record", "id": record}, "reason": "spam",
                                                   "email": f"r{n}@example.org"})
        assert reply.status == 201, reply
    refused = client.post("/reports", json_body={"subject": {"type": "record", "id": records[20]},
                                                 "reason": "spam", "email": "late@example.org"})
    assert_problem(refused, 429)
    assert int(refused.headers["retry-after"]) == 3600


def test_concurrent_records_past_the_limit_leave_exactly_the_limit_accepted(base_url, real_limits, clock):
    from local.tokens import mint

    clock("2026-12-01T09:30:00")  # the local server runs in this process: one hour for every request
    alice = mint("sub-alice")
    headers = {"Authorization": f"Bearer {alice}"}
    requests.post(f"{base_url}/members", json={"handle": "alice", "display_name": "A"}, headers=headers,
                  timeout=60).raise_for_status()

    def publish(n: int) -> int:
        return requests.post(f"{base_url}/records", json={"kind": "text", "title": f"T{n}", "body": "b"},
                             headers=headers, timeout=120).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(publish, range(40)))

    assert sorted(set(statuses)) == [201, 429], statuses
    assert statuses.count(201) == 30
    profile = requests.get(f"{base_url}/members/alice", timeout=60).json()
    assert profile["record_count"] == 30


def test_the_61st_comment_in_an_hour_is_429(client, member, real_limits, clock):
    alice, bob = member("alice"), member("bob")
    clock("2026-12-01T09:00:00")
    record = text(client, alice).json["record"]["id"]
    for n in range(60):
        assert client.post(f"/records/{record}/comments", token=bob, json_body={"body": f"Nice {n}"}).status == 201
    refused = client.post(f"/records/{record}/comments", token=bob, json_body={"body": "One more"})
    assert_problem(refused, 429)
    bodies = [c["body"] for page in all_pages(client, f"/records/{record}/comments") for c in page]
    assert len(bodies) == 60 and "One more" not in bodies


def test_follows_count_against_their_limit_and_a_repeat_follow_does_not(client, member, real_limits, clock,
                                                                        monkeypatch):
    from chalicelib.domain import rate_limits

    monkeypatch.setitem(rate_limits.LIMITS, "follows", 2)  # 200 members would make a slow test
    alice = member("alice")
    for handle in ("bob", "carol", "dave"):
        member(handle)
    clock("2026-12-01T09:00:00")
    assert client.request("PUT", "/members/bob/follow", token=alice).status == 200
    assert client.request("PUT", "/members/bob/follow", token=alice).status == 200  # a repeat: not counted
    assert client.request("PUT", "/members/carol/follow", token=alice).status == 200
    assert_problem(client.request("PUT", "/members/dave/follow", token=alice), 429)
    assert client.get("/members/dave").json["follower_count"] == 0
