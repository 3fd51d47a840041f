"""Hearts: idempotent, exact once counted, listed per member, and ranked in trending."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib import services
from tests import media_samples as samples
from tests.functional.test_records import create_media
from tests.support import assert_problem


@pytest.fixture
def text(client, alice):
    def publish(title="A story", kind_body="words", token=None):
        reply = client.post("/records", token=token or alice, json_body={"kind": "text", "title": title, "body": kind_body})
        assert reply.status == 201, reply
        return reply.json["record"]["id"]

    return publish


def put_heart(client, token, record_id):
    return client.request("PUT", f"/records/{record_id}/heart", token=token)


def test_a_heart_is_counted_once_however_often_it_is_put(client, bob, text, deliver):
    record_id = text()

    first, second = put_heart(client, bob, record_id), put_heart(client, bob, record_id)
    deliver()

    assert (first.status, first.json) == (200, {"hearted": True, "heart_count": 1})
    assert (second.status, second.json) == (200, {"hearted": True, "heart_count": 1})
    assert client.get(f"/records/{record_id}").json["heart_count"] == 1
    assert client.get("/members/alice").json["heart_count_received"] == 1


def test_taking_a_heart_back_is_idempotent(client, bob, text, deliver):
    record_id = text()
    put_heart(client, bob, record_id)

    first = client.request("DELETE", f"/records/{record_id}/heart", token=bob)
    second = client.request("DELETE", f"/records/{record_id}/heart", token=bob)
    deliver()

    assert first.json == second.json == {"hearted": False, "heart_count": 0}
    assert client.get(f"/records/{record_id}").json["heart_count"] == 0
    assert client.get("/members/alice").json["heart_count_received"] == 0


def test_hearted_by_me_is_shown_on_records_and_every_list_when_a_token_is_sent(client, alice, bob, member, text):
    hearted, other = text("Hearted"), text("Other")
    put_heart(client, bob, hearted)
    carol = member("carol")

    assert client.get(f"/records/{hearted}", token=bob).json["hearted_by_me"] is True
    assert client.get(f"/records/{hearted}", token=carol).json["hearted_by_me"] is False
    assert client.get(f"/records/{hearted}").json["hearted_by_me"] is None
    feed = {r["id"]: r["hearted_by_me"] for r in client.get("/records", token=bob).json["items"]}
    assert feed == {hearted: True, other: False}
    assert [r["hearted_by_me"] for r in client.get("/members/alice/records", token=bob).json["items"]] == [False, True]


def test_hearting_your_own_record_is_403(client, alice, text):
    assert_problem(put_heart(client, alice, text()), 403)


def test_only_ready_records_can_be_hearted(client, alice, bob, text):
    awaiting = create_media(client, alice, samples.png(), "image/png", "image")["record"]["id"]
    removed = text("Gone")
    client.request("DELETE", f"/records/{removed}", token=alice)

    for record_id in (awaiting, removed, "01ARZ3NDEKTSV4RRFFQ69G5FAV", "nope"):
        assert_problem(put_heart(client, bob, record_id), 404)


def test_hearts_need_a_registered_member(client, token, text):
    record_id = text()

    assert_problem(put_heart(client, None, record_id), 401)
    assert_problem(put_heart(client, token("sub-stranger"), record_id), 403)


def test_a_members_hearts_are_listed_most_recently_hearted_first(client, bob, text):
    first, second, third = text("1"), text("2"), text("3")
    for record_id in (second, first, third):
        put_heart(client, bob, record_id)

    items = client.get("/members/bob/hearts").json["items"]

    assert [r["id"] for r in items] == [third, first, second]
    first_page = client.get("/members/bob/hearts?limit=2").json
    rest = client.get(f"/members/bob/hearts?limit=2&cursor={first_page['next_cursor']}").json
    assert [r["id"] for r in first_page["items"] + rest["items"]] == [third, first, second]
    assert client.get("/members/alice/hearts").json["items"] == []
    assert_problem(client.get("/members/nobody/hearts"), 404)


def test_trending_ranks_by_hearts_in_the_window_ties_newest_first(client, member, text, deliver):
    fans = [member(f"fan{n}") for n in range(3)]
    quiet, popular, tied_old, tied_new = text("quiet"), text("popular"), text("tied old"), text("tied new")
    for fan in fans:
        put_heart(client, fan, popular)
    put_heart(client, fans[0], tied_old)
    put_heart(client, fans[1], tied_new)
    deliver()

    ranked = [r["id"] for r in client.get("/trending").json["items"]]

    assert ranked == [popular, tied_new, tied_old]  # `quiet` has no heart: not listed
    assert quiet not in ranked
    assert [r["id"] for r in client.get("/trending?window=day&kind=text").json["items"]] == ranked
    assert client.get("/trending?kind=image").json["items"] == []
    for query in ("", "kind=text&"):  # both lists page by their own sort key
        first = client.get(f"/trending?{query}limit=2").json
        rest = client.get(f"/trending?{query}limit=2&cursor={first['next_cursor']}").json
        assert [r["id"] for r in first["items"] + rest["items"]] == ranked and rest["next_cursor"] is None


def test_an_unheart_takes_its_heart_out_of_trending(client, bob, text, deliver):
    record_id = text()
    put_heart(client, bob, record_id)
    deliver()
    assert [r["id"] for r in client.get("/trending").json["items"]] == [record_id]

    client.request("DELETE", f"/records/{record_id}/heart", token=bob)
    deliver()

    assert client.get("/trending").json["items"] == []


def test_window_edges_follow_utc_hours(client, member, text):
    """A heart 23 hours ago is inside the day; 25 hours ago only inside the week; 8 days ago in neither."""
    hearts, now = services.hearts(), datetime.now(timezone.utc)
    inside_day, inside_week, outside = text("23h"), text("25h"), text("8d")
    fan = member("fan")
    sub = "sub-fan"
    hearts.heart(inside_day, sub, now - timedelta(hours=23))
    hearts.heart(inside_week, sub, now - timedelta(hours=25))
    hearts.heart(outside, sub, now - timedelta(days=8))
    for record_id in (inside_day, inside_week, outside):
        hearts.recount(record_id, now)

    assert [r["id"] for r in client.get("/trending?window=day").json["items"]] == [inside_day]
    assert [r["id"] for r in client.get("/trending?window=week").json["items"]] == [inside_week, inside_day]
    assert client.get(f"/records/{outside}").json["heart_count"] == 1
    del fan


def test_the_hourly_roll_up_drops_hearts_that_left_the_window(client, bob, text, deliver, aws):
    from app import app
    from local.pump import EventPump

    record_id = text()
    hearts, now = services.hearts(), datetime.now(timezone.utc)
    hearts.heart(record_id, "sub-bob", now - timedelta(hours=23))  # the oldest hour inside the day
    hearts.recount(record_id, now)
    assert [r["id"] for r in client.get("/trending?window=day").json["items"]] == [record_id]

    hearts.recount(record_id, now + timedelta(hours=2))  # as the next hourly roll-ups would, an hour on
    assert client.get("/trending?window=day").json["items"] == []

    import boto3

    assert EventPump(app, boto3.client("sqs")).fire("roll_up_trending") == {"records": 1}


@pytest.mark.parametrize("query, field", [("window=month", "window"), ("kind=poem", "kind"), ("limit=0", "limit")])
def test_bad_trending_parameters_are_400(client, query, field):
    assert_problem(client.get(f"/trending?{query}"), 400, field=field)
