"""Follows: idempotent, exact counts (also under 50 concurrent followers), the lists both ways,
followed_by_me, and the following feed (fanned out on write, asynchronously)."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests

from tests.support import all_pages, assert_problem


def follow(client, token, handle):
    return client.request("PUT", f"/members/{handle}/follow", token=token)


def unfollow(client, token, handle):
    return client.request("DELETE", f"/members/{handle}/follow", token=token)


def publish(client, token, title):
    """A ready text record (its creation publishes `record_ready`, which the fan-out takes)."""
    reply = client.post("/records", token=token, json_body={"kind": "text", "title": title, "body": "Words."})
    assert reply.status == 201, reply
    return reply.json["record"]["id"]


def feed_ids(client, token, query=""):
    reply = client.get(f"/me/feed{query}", token=token)
    assert reply.status == 200, reply
    return [r["id"] for r in reply.json["items"]]


# --- follow and unfollow -------------------------------------------------------------------

def test_following_is_idempotent_and_the_answer_holds_the_exact_count(client, alice, bob, carol):
    first, again = follow(client, bob, "alice"), follow(client, bob, "ALICE")
    by_carol = follow(client, carol, "alice")

    assert (first.status, first.json) == (200, {"following": True, "follower_count": 1})
    assert again.json == {"following": True, "follower_count": 1}
    assert by_carol.json == {"following": True, "follower_count": 2}
    profile = client.get("/members/alice").json
    assert (profile["follower_count"], profile["following_count"]) == (2, 0)
    assert client.get("/members/bob").json["following_count"] == 1


def test_unfollowing_is_idempotent(client, alice, bob):
    follow(client, bob, "alice")

    first, again = unfollow(client, bob, "alice"), unfollow(client, bob, "alice")

    assert first.json == again.json == {"following": False, "follower_count": 0}
    assert (client.get("/members/alice").json["follower_count"], client.get("/members/bob").json["following_count"]) == (0, 0)


def test_following_yourself_is_403_and_unknown_members_404(client, alice):
    assert_problem(follow(client, alice, "alice"), 403)
    assert_problem(unfollow(client, alice, "Alice"), 403)
    assert_problem(follow(client, alice, "nobody_here"), 404)
    assert_problem(follow(client, alice, "no!"), 404)
    assert client.get("/members/alice").json["follower_count"] == 0


def test_followed_by_me_is_null_without_a_token_and_says_whether_the_caller_follows(client, alice, bob, carol, token):
    follow(client, bob, "alice")

    assert client.get("/members/alice").json["followed_by_me"] is None
    assert client.get("/members/alice", token=bob).json["followed_by_me"] is True
    assert client.get("/members/alice", token=carol).json["followed_by_me"] is False
    assert client.get("/members/alice", token=alice).json["followed_by_me"] is False
    assert client.get("/members/alice", token=token("sub-unregistered")).json["followed_by_me"] is False


def test_followers_and_following_are_listed_most_recent_first_and_paginated(client, alice, bob, carol, member):
    dave = member("dave")
    for fan in (bob, carol, dave):
        follow(client, fan, "alice")
    follow(client, bob, "carol")
    follow(client, bob, "dave")

    followers = all_pages(client, "/members/alice/followers", limit=2)
    following = all_pages(client, "/members/bob/following", limit=2)

    assert [[m["handle"] for m in page] for page in followers] == [["dave", "carol"], ["bob"]]
    assert [m["handle"] for page in following for m in page] == ["dave", "carol", "alice"]
    first = followers[0][0]
    assert set(first) == {"id", "handle", "display_name", "followed_at"} and first["display_name"] == "Dave"
    unfollow(client, carol, "alice")
    assert [m["handle"] for m in client.get("/members/alice/followers").json["items"]] == ["dave", "bob"]
    assert_problem(client.get("/members/nobody_here/followers"), 404)
    assert_problem(client.get("/members/alice/following?cursor=forged"), 400, field="cursor")
    assert_problem(client.get("/members/alice/following?limit=101"), 400, field="limit")


def test_a_follow_tells_the_followee_once_with_a_stable_key(client, alice, bob, deliver, subscribed):
    ids = {h: client.get(f"/members/{h}").json["id"] for h in ("alice", "bob")}

    follow(client, bob, "alice")
    follow(client, bob, "alice")  # a repeat publishes nothing
    deliver()

    followed = [e for e in subscribed if e.type == "followed"]
    assert [e.key for e in followed] == [f"followed:{ids['bob']}:{ids['alice']}"]
    assert followed[0].recipients == (ids["alice"],) and followed[0].actor_id == ids["bob"]
    assert (followed[0].subject.type, followed[0].subject.id, followed[0].subject.title) == ("member", ids["bob"], "bob")


# --- the feed ------------------------------------------------------------------------------

def test_the_feed_holds_ready_records_of_followees_newest_first_including_earlier_ones(
        client, alice, bob, carol, deliver):
    before = publish(client, alice, "Before the follow")
    publish(client, carol, "Not followed")
    follow(client, bob, "alice")
    deliver()
    after = publish(client, alice, "After the follow")
    deliver()

    assert feed_ids(client, bob) == [after, before]
    assert feed_ids(client, alice) == []  # one's own records are not in one's feed


def test_a_feed_merges_several_followees_and_pages_without_missing_any(client, alice, bob, carol, member, deliver):
    dave = member("dave")
    follow(client, dave, "alice")
    follow(client, dave, "bob")
    follow(client, dave, "carol")
    deliver()
    published = [publish(client, token, f"R{n}") for n, token in enumerate([alice, bob, carol, alice, bob])]
    deliver()

    pages = all_pages(client, "/me/feed", limit=2, token=dave)

    assert [r["id"] for page in pages for r in page] == list(reversed(published))
    assert pages[0][0]["hearted_by_me"] is False and pages[0][0]["owner"]["handle"] == "bob"


def test_unfollowing_takes_the_followees_records_out_of_the_feed(client, alice, bob, carol, deliver):
    follow(client, bob, "alice")
    follow(client, bob, "carol")
    deliver()
    publish(client, alice, "Alice's")
    kept = publish(client, carol, "Carol's")
    deliver()

    unfollow(client, bob, "alice")
    deliver()

    assert feed_ids(client, bob) == [kept]


def test_records_taken_down_leave_the_feed(client, alice, bob, deliver):
    follow(client, bob, "alice")
    deliver()
    gone, stays = publish(client, alice, "Gone"), publish(client, alice, "Stays")
    deliver()

    client.request("DELETE", f"/records/{gone}", token=alice)

    assert feed_ids(client, bob) == [stays]


def test_publishing_does_not_wait_for_followers(client, alice, bob):
    follow(client, bob, "alice")
    publish(client, alice, "Fresh")

    assert feed_ids(client, bob) == []  # nothing delivered yet: the fan-out is asynchronous


def test_a_fan_out_beyond_one_chunk_reaches_every_follower(client, alice, member, deliver, monkeypatch):
    from chalicelib.logic import feed

    monkeypatch.setattr(feed, "FAN_OUT_CHUNK", 2)
    fans = [member(f"fan{n}") for n in range(5)]
    for fan in fans:
        follow(client, fan, "alice")
    deliver()
    record = publish(client, alice, "For everyone")
    deliver()

    assert all(feed_ids(client, fan) == [record] for fan in fans)


def test_the_feed_needs_a_member_and_refuses_bad_cursors(client, alice, token):
    assert_problem(client.get("/me/feed"), 401)
    assert_problem(client.get("/me/feed", token=token("sub-stranger")), 403)
    assert_problem(client.get("/me/feed?cursor=forged", token=alice), 400, field="cursor")


# --- concurrency ---------------------------------------------------------------------------

def test_fifty_members_following_at_once_are_counted_exactly(base_url, token):
    star = token("sub-star")
    tokens = [token(f"sub-fan{n}") for n in range(50)]
    for bearer, handle in [(star, "star")] + [(t, f"fan{n}") for n, t in enumerate(tokens)]:
        reply = requests.post(f"{base_url}/members", json={"handle": handle, "display_name": handle},
                              headers={"Authorization": f"Bearer {bearer}"}, timeout=60)
        assert reply.status_code == 201, reply.text

    def put(bearer):
        reply = requests.put(f"{base_url}/members/star/follow", headers={"Authorization": f"Bearer {bearer}"}, timeout=120)
        return reply.status_code, reply.json()["follower_count"]

    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(put, tokens + tokens[:10]))  # ten of them twice

    assert {status for status, _ in answers} == {200}
    assert max(count for _, count in answers) == 50
    assert requests.get(f"{base_url}/members/star", timeout=60).json()["follower_count"] == 50
    listed = requests.get(f"{base_url}/members/star/followers?limit=100", timeout=60).json()["items"]
    assert len(listed) == 50


def test_follow_steps_delivered_late_or_twice_converge_on_the_follow_as_it_is(client, alice, bob, deliver):
    from chalicelib.logic import feed

    ids = {h: client.get(f"/members/{h}").json["id"] for h in ("alice", "bob")}
    record = publish(client, alice, "A story")
    follow(client, bob, "alice")
    unfollow(client, bob, "alice")
    deliver()  # the backfill finds no follow any more: nothing is copied
    assert feed_ids(client, bob) == []

    follow(client, bob, "alice")
    deliver()
    feed.take_out(ids["bob"], ids["alice"])  # a stale unfollow, redelivered after the new follow
    feed.fan_out(record, None)  # and the record's fan-out, twice
    feed.fan_out(record, None)

    assert feed_ids(client, bob) == [record]


def test_a_media_record_reaches_the_feed_once_its_upload_made_it_ready(client, alice, bob, deliver):
    from tests import media_samples as samples
    from tests.functional.test_records import create_media, upload

    follow(client, bob, "alice")
    data = samples.png()
    created = create_media(client, alice, data, "image/png", "image")
    deliver()
    assert feed_ids(client, bob) == []  # awaiting its upload: not in anyone's feed

    upload(created, data)
    deliver()

    assert feed_ids(client, bob) == [created["record"]["id"]]
