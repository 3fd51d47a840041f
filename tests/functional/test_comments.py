"""Comments: on ready records and collaborations, one level of replies, pinned moments, edits,
tombstones, exact counts under concurrency, and the events they publish."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests import media_samples as samples
from tests.functional.test_records import create_media, upload
from tests.support import all_pages, assert_problem


@pytest.fixture
def story(client, alice):
    reply = client.post("/records", token=alice, json_body={"kind": "text", "title": "A story", "body": "Once."})
    assert reply.status == 201, reply
    return reply.json["record"]["id"]


@pytest.fixture
def song(client, alice, deliver):
    """Alice's ready audio record of one second."""
    data = samples.wav(seconds=1.0)
    created = create_media(client, alice, data, "audio/wav", "audio")
    upload(created, data)
    deliver()
    record = client.get(f"/records/{created['record']['id']}").json
    assert record["status"] == "ready" and record["media"]["duration_seconds"] == pytest.approx(1.0), record
    return record["id"]


def comment(client, token, record_id, body="Nice.", **fields):
    return client.post(f"/records/{record_id}/comments", token=token, json_body={"body": body, **fields})


def posted(client, token, record_id, body="Nice.", **fields) -> dict:
    reply = comment(client, token, record_id, body, **fields)
    assert reply.status == 201, reply
    return reply.json


def comment_count(client, record_id) -> int:
    return client.get(f"/records/{record_id}").json["comment_count"]


# --- posting and reading -------------------------------------------------------------------

def test_a_comment_on_a_ready_record_is_listed_and_counted(client, bob, story):
    reply = comment(client, bob, story, "Lovely\nending.\tReally.")

    assert reply.status == 201, reply
    created = reply.json
    assert created["subject"] == {"type": "record", "id": story}
    assert created["author"]["handle"] == "bob" and created["body"] == "Lovely\nending.\tReally."
    assert (created["parent_id"], created["at_seconds"], created["status"]) == (None, None, "visible")
    assert (created["reply_count"], created["edited_at"]) == (0, None)
    assert created["created_at"].endswith("Z")
    listed = client.get(f"/records/{story}/comments").json
    assert listed == {"items": [{**created, "replies": []}], "next_cursor": None}
    assert comment_count(client, story) == 1


def test_top_level_comments_are_listed_oldest_first_with_their_first_three_replies(client, alice, bob, carol, story):
    first = posted(client, bob, story, "First")
    replies = [posted(client, token, story, f"Reply {n}", parent_id=first["id"])
               for n, token in enumerate([alice, carol, alice, bob, carol])]
    second = posted(client, carol, story, "Second")

    items = client.get(f"/records/{story}/comments").json["items"]

    assert [c["body"] for c in items] == ["First", "Second"]
    assert items[0]["reply_count"] == 5 and items[1]["reply_count"] == 0
    assert [r["body"] for r in items[0]["replies"]] == ["Reply 0", "Reply 1", "Reply 2"]
    assert all(r["parent_id"] == first["id"] for r in replies)
    assert items[1]["id"] == second["id"] and items[1]["replies"] == []
    assert comment_count(client, story) == 7


def test_a_reply_to_a_reply_attaches_to_its_top_level_comment(client, alice, bob, carol, story):
    top = posted(client, bob, story, "Top")
    reply = posted(client, carol, story, "Reply", parent_id=top["id"])

    answer = posted(client, alice, story, "Answer to the reply", parent_id=reply["id"])

    assert answer["parent_id"] == top["id"]
    replies = client.get(f"/comments/{top['id']}/replies").json
    assert [r["id"] for r in replies["items"]] == [reply["id"], answer["id"]] and replies["next_cursor"] is None
    assert client.get(f"/comments/{reply['id']}/replies").json == {"items": [], "next_cursor": None}


def test_every_page_of_comments_holds_whole_threads_and_the_pages_miss_nothing(client, alice, bob, story):
    tops = [posted(client, bob, story, f"Top {n}") for n in range(5)]
    for top in tops[1:3]:
        for n in range(4):
            posted(client, alice, story, f"{top['body']} reply {n}", parent_id=top["id"])

    pages = all_pages(client, f"/records/{story}/comments", limit=2)

    assert [len(p) for p in pages] == [2, 2, 1]
    flat = [c for page in pages for c in page]
    assert [c["id"] for c in flat] == [t["id"] for t in tops]
    assert [[r["body"] for r in c["replies"]] for c in flat[1:3]] == [
        [f"Top {n} reply {m}" for m in range(3)] for n in (1, 2)]
    assert [c["reply_count"] for c in flat] == [0, 4, 4, 0, 0]


def test_replies_are_paginated_oldest_first(client, alice, bob, story):
    top = posted(client, bob, story, "Top")
    ids = [posted(client, alice, story, f"R{n}", parent_id=top["id"])["id"] for n in range(5)]

    pages = all_pages(client, f"/comments/{top['id']}/replies", limit=2)

    assert [[r["id"] for r in page] for page in pages] == [ids[0:2], ids[2:4], ids[4:]]


def test_comments_on_a_collaboration_are_posted_listed_and_removed_by_its_owner(client, alice, bob):
    collaboration = client.post("/collaborations", token=alice, json_body={"title": "Jam", "brief": "Loops."}).json["id"]

    created = client.post(f"/collaborations/{collaboration}/comments", token=bob, json_body={"body": "In!"})
    pinned = client.post(f"/collaborations/{collaboration}/comments", token=bob,
                         json_body={"body": "At 3 s", "at_seconds": 3})

    assert created.status == 201 and created.json["subject"] == {"type": "collaboration", "id": collaboration}
    assert_problem(pinned, 422, field="at_seconds")
    assert [c["body"] for c in client.get(f"/collaborations/{collaboration}/comments").json["items"]] == ["In!"]
    assert client.request("DELETE", f"/comments/{created.json['id']}", token=alice).status == 204
    assert client.get(f"/collaborations/{collaboration}/comments").json["items"][0]["status"] == "removed"


# --- the rules -----------------------------------------------------------------------------

def test_only_ready_records_take_comments(client, alice, bob, story):
    awaiting = create_media(client, alice, samples.png(), "image/png", "image")["record"]["id"]
    client.request("DELETE", f"/records/{story}", token=alice)

    assert_problem(comment(client, alice, awaiting), 404)
    assert_problem(comment(client, bob, story), 404)  # removed
    assert_problem(comment(client, bob, "01HZZZZZZZZZZZZZZZZZZZZZZZ"), 404)
    assert_problem(comment(client, bob, "not-an-id"), 404)
    assert_problem(client.post("/collaborations/01HZZZZZZZZZZZZZZZZZZZZZZZ/comments", token=bob,
                               json_body={"body": "x"}), 404)
    assert client.get(f"/records/{story}/comments").json["items"] == []  # a tombstone's list is still readable
    assert_problem(client.get(f"/records/{awaiting}/comments"), 404)  # not visible to others


def test_a_reply_to_a_comment_of_another_subject_or_to_nothing_is_422_and_stores_nothing(client, alice, bob):
    first = client.post("/records", token=alice, json_body={"kind": "text", "title": "One", "body": "1"}).json["record"]["id"]
    second = client.post("/records", token=alice, json_body={"kind": "text", "title": "Two", "body": "2"}).json["record"]["id"]
    elsewhere = posted(client, bob, first, "On the first")

    for parent in (elsewhere["id"], "01HZZZZZZZZZZZZZZZZZZZZZZZ", "nonsense"):
        assert_problem(comment(client, bob, second, "Reply", parent_id=parent), 422, field="parent_id")

    assert client.get(f"/records/{second}/comments").json["items"] == []
    assert comment_count(client, second) == 0
    assert client.get(f"/records/{first}/comments").json["items"][0]["reply_count"] == 0


def test_a_removed_comment_cannot_be_answered(client, bob, carol, story):
    top = posted(client, bob, story)
    client.request("DELETE", f"/comments/{top['id']}", token=bob)

    assert_problem(comment(client, carol, story, "Hello?", parent_id=top["id"]), 422, field="parent_id")


def test_a_comment_pins_a_moment_of_an_audio_record_within_its_duration(client, bob, song, story):
    pinned = posted(client, bob, song, "That note!", at_seconds=0.5)
    at_start = posted(client, bob, song, "Start", at_seconds=0)
    at_end = posted(client, bob, song, "End", at_seconds=1)

    assert (pinned["at_seconds"], at_start["at_seconds"], at_end["at_seconds"]) == (0.5, 0, 1)
    assert_problem(comment(client, bob, song, "Later", at_seconds=1.5), 422, field="at_seconds")
    assert_problem(comment(client, bob, story, "On text", at_seconds=1), 422, field="at_seconds")
    assert [c["at_seconds"] for c in client.get(f"/records/{song}/comments").json["items"]] == [0.5, 0, 1]


@pytest.mark.parametrize("value", [-1, -0.001, "1", True, None, [], 10_000_001])
def test_at_seconds_that_is_not_a_number_of_seconds_is_400(client, bob, song, value):
    body = {"body": "x", "at_seconds": value}
    if value is None:
        body["at_seconds"] = {}  # an object, not null: null means "not pinned"
    reply = client.post(f"/records/{song}/comments", token=bob, json_body=body)
    assert_problem(reply, 400, field="at_seconds")


def test_at_seconds_refuses_nan_and_infinity(client, bob, song):
    for raw in ('{"body": "x", "at_seconds": NaN}', '{"body": "x", "at_seconds": Infinity}',
                '{"body": "x", "at_seconds": 1e400}'):
        assert client.post(f"/records/{song}/comments", token=bob, body=raw).status == 400


@pytest.mark.parametrize("body", ["", "   ", "\n\t", "x" * 5001, "bell\u0007", "nul\u0000", "esc\u001b[31m",
                                  "c1\u0085inside"])


def test_bad_bodies_are_400_naming_the_body_and_store_nothing(client, bob, story, body):
    assert_problem(comment(client, bob, story, body), 400, field="body")
    assert client.get(f"/records/{story}/comments").json["items"] == []
    assert comment_count(client, story) == 0


def test_bad_requests_are_400(client, bob, story):
    assert_problem(client.post(f"/records/{story}/comments", token=bob, json_body={"body": "x", "extra": 1}), 400)
    assert_problem(client.post(f"/records/{story}/comments", token=bob, json_body={"text": "x"}), 400, field="body")
    assert_problem(client.post(f"/records/{story}/comments", token=bob, json_body={"body": 5}), 400, field="body")
    assert_problem(client.post(f"/records/{story}/comments", token=bob,
                               json_body={"body": "x", "parent_id": "p" * 65}), 400, field="parent_id")
    assert_problem(client.post(f"/records/{story}/comments", token=bob, body="not json"), 400)
    assert_problem(client.get(f"/records/{story}/comments?cursor=forged"), 400, field="cursor")
    assert_problem(client.get(f"/records/{story}/comments?limit=0"), 400, field="limit")


def test_the_longest_body_is_kept_exactly(client, bob, story):
    body = "é" * 4999 + "\U0001F3B5"
    assert posted(client, bob, story, body)["body"] == body


# --- edits and removal ---------------------------------------------------------------------

def test_the_author_edits_a_comment_and_edited_at_is_set(client, bob, carol, story):
    created = posted(client, bob, story, "Typo")

    edited = client.patch(f"/comments/{created['id']}", token=bob, json_body={"body": "Fixed"})

    assert edited.status == 200 and edited.json["body"] == "Fixed" and edited.json["edited_at"]
    assert client.get(f"/records/{story}/comments").json["items"][0]["body"] == "Fixed"
    assert_problem(client.patch(f"/comments/{created['id']}", token=carol, json_body={"body": "Mine now"}), 403)
    assert_problem(client.patch(f"/comments/{created['id']}", token=bob, json_body={"body": ""}), 400, field="body")
    assert_problem(client.patch("/comments/01HZZZZZZZZZZZZZZZZZZZZZZZ", token=bob, json_body={"body": "x"}), 404)


def test_a_removed_comment_stays_as_a_tombstone_that_keeps_its_replies(client, alice, bob, carol, story):
    top = posted(client, bob, story, "Top")
    reply = posted(client, carol, story, "Reply", parent_id=top["id"])

    assert client.request("DELETE", f"/comments/{top['id']}", token=bob).status == 204
    assert client.request("DELETE", f"/comments/{top['id']}", token=bob).status == 204  # idempotent

    listed = client.get(f"/records/{story}/comments").json["items"]
    assert (listed[0]["status"], listed[0]["body"], listed[0]["reply_count"]) == ("removed", None, 1)
    assert listed[0]["replies"][0]["id"] == reply["id"]
    assert comment_count(client, story) == 1  # only the reply is still visible
    assert_problem(client.patch(f"/comments/{top['id']}", token=bob, json_body={"body": "Back"}), 409)


def test_the_records_owner_may_remove_comments_on_it_and_nobody_else_but_the_author(client, alice, bob, carol, story):
    by_bob = posted(client, bob, story, "Spam")

    assert_problem(client.request("DELETE", f"/comments/{by_bob['id']}", token=carol), 403)
    assert client.request("DELETE", f"/comments/{by_bob['id']}", token=alice).status == 204
    assert_problem(client.request("DELETE", "/comments/01HZZZZZZZZZZZZZZZZZZZZZZZ", token=alice), 404)
    assert comment_count(client, story) == 0


# --- events --------------------------------------------------------------------------------

def test_a_comment_tells_the_subjects_owner_and_a_reply_tells_both_authors_but_never_the_actor(
        client, alice, bob, carol, story, deliver, subscribed):
    ids = {h: client.get(f"/members/{h}").json["id"] for h in ("alice", "bob", "carol")}
    top = posted(client, bob, story, "Top")
    reply = posted(client, carol, story, "Reply", parent_id=top["id"])
    answer = posted(client, alice, story, "Owner answers carol", parent_id=reply["id"])
    posted(client, alice, story, "Own comment")  # the owner is not told of their own comment
    deliver()

    by_key = {e.key: e for e in subscribed if e.type in ("commented", "replied")}
    assert set(by_key) == {f"commented:{top['id']}", f"replied:{reply['id']}", f"replied:{answer['id']}"}
    assert by_key[f"commented:{top['id']}"].recipients == (ids["alice"],)
    assert by_key[f"commented:{top['id']}"].actor_id == ids["bob"]
    assert by_key[f"commented:{top['id']}"].data["comment_id"] == top["id"]
    assert by_key[f"commented:{top['id']}"].subject.id == story
    assert by_key[f"replied:{reply['id']}"].recipients == (ids["bob"],)
    assert set(by_key[f"replied:{answer['id']}"].recipients) == {ids["carol"], ids["bob"]}


# --- concurrency ---------------------------------------------------------------------------

def _register(base_url, token, handle):
    reply = requests.post(f"{base_url}/members", json={"handle": handle, "display_name": handle},
                          headers={"Authorization": f"Bearer {token}"}, timeout=60)
    assert reply.status_code == 201, reply.text


def test_fifty_members_commenting_and_replying_at_once_are_counted_exactly(base_url, token):
    tokens = [token(f"sub-crowd{n}") for n in range(50)]
    owner = token("sub-owner")
    _register(base_url, owner, "owner")
    for n, bearer in enumerate(tokens):
        _register(base_url, bearer, f"crowd{n}")
    headers = {"Authorization": f"Bearer {owner}"}
    record = requests.post(f"{base_url}/records", json={"kind": "text", "title": "Hot", "body": "Take"},
                           headers=headers, timeout=60).json()["record"]["id"]
    top = requests.post(f"{base_url}/records/{record}/comments", json={"body": "Top"}, headers=headers,
                        timeout=60).json()["id"]

    def say(n: int) -> int:
        body = {"body": f"Comment {n}"} if n % 2 else {"body": f"Reply {n}", "parent_id": top}
        return requests.post(f"{base_url}/records/{record}/comments", json=body,
                             headers={"Authorization": f"Bearer {tokens[n]}"}, timeout=120).status_code

    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(say, range(50)))

    assert statuses == [201] * 50
    assert requests.get(f"{base_url}/records/{record}", timeout=60).json()["comment_count"] == 51
    threads = requests.get(f"{base_url}/records/{record}/comments?limit=100", timeout=60).json()["items"]
    assert len(threads) == 26 and threads[0]["reply_count"] == 25
    replies = requests.get(f"{base_url}/comments/{top}/replies?limit=100", timeout=60).json()["items"]
    assert len(replies) == 25
    assert [r["id"] for r in threads[0]["replies"]] == [r["id"] for r in replies[:3]]
