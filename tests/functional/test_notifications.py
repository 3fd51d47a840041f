"""Notifications over HTTP: made asynchronously from the event stream, never to the actor, once per
event however often it is delivered; `hearted` per record and UTC day; the unread count; read."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib.domain.events import Event, Subject
from chalicelib.logic import events
from tests.support import all_pages, assert_problem


def text(client, token, title="A story", sources=()):
    reply = client.post("/records", token=token, json_body={
        "kind": "text", "title": title, "body": "words", "sources": [{"record_id": s} for s in sources]})
    assert reply.status == 201, reply
    return reply.json["record"]


def inbox(client, token, query=""):
    reply = client.get(f"/me/notifications{query}", token=token)
    assert reply.status == 200, reply
    return reply.json["items"]


def unread(client, token) -> int:
    reply = client.get("/me/notifications/unread-count", token=token)
    assert reply.status == 200, reply
    return reply.json["unread"]


def member_id(client, token) -> str:
    return client.get("/me", token=token).json["id"]


def followed_by_fans(followee_id: str, fans: int, deliver) -> None:
    """`fans` members (fan0, fan1... a second apart, never registered) follow `followee_id`, and
    the events are delivered."""
    for n in range(fans):
        events.publish(Event("followed", f"followed:F{n}:{followee_id}", f"2026-12-01T10:00:0{n}.000Z",
                             Subject("member", f"F{n}", f"fan{n}"), actor_id=f"F{n}", recipients=(followee_id,)))
    deliver()


@pytest.fixture
def people(member):
    return {name: member(name) for name in ("alice", "bob", "carol")}


def test_a_ready_remix_tells_each_source_owner_once_and_never_the_remixer(client, people, deliver):
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    a1, a2 = text(client, alice, "First"), text(client, alice, "Second")
    b1 = text(client, bob, "Bob's")
    c1 = text(client, carol, "Carol's own")
    deliver()

    remix = text(client, carol, "The remix", sources=(a1["id"], a2["id"], b1["id"], c1["id"]))
    assert inbox(client, alice) == []  # never in the request's path
    deliver()

    [note] = inbox(client, alice)
    assert note["type"] == "remixed" and note["read"] is False and note["count"] == 1
    assert note["subject"] == {"type": "record", "id": remix["id"], "title": "The remix"}
    assert note["actor"] == {"id": member_id(client, carol), "handle": "carol"}
    assert sorted(note["detail"]["source_ids"]) == sorted([a1["id"], a2["id"]])
    assert [n["type"] for n in inbox(client, bob)] == ["remixed"]
    assert inbox(client, carol) == []


def test_a_redelivered_event_makes_one_notification(client, people, deliver):
    bob_id = member_id(client, people["bob"])
    event = Event("followed", "followed:alice:bob", "2026-12-01T10:00:00.000Z",
                  Subject("member", member_id(client, people["alice"]), "alice"),
                  actor_id=member_id(client, people["alice"]), recipients=(bob_id,))

    events.publish(event)
    events.publish(event)
    deliver()
    events.deliver(event)

    [note] = inbox(client, people["bob"])
    assert note["type"] == "followed" and note["actor"]["handle"] == "alice"
    assert note["subject"] == {"type": "member", "id": member_id(client, people["alice"]), "title": "alice"}
    assert unread(client, people["bob"]) == 1


def test_recipients_are_told_but_never_the_actor(client, people, deliver):
    alice_id, bob_id = member_id(client, people["alice"]), member_id(client, people["bob"])
    events.publish(Event("commented", "commented:c1", "2026-12-01T10:00:00.000Z", Subject("record", "R1", "Song"),
                         actor_id=alice_id, recipients=(alice_id, bob_id, bob_id),
                         data={"comment_id": "c1", "actor_handle": "alice"}))
    deliver()

    [note] = inbox(client, people["bob"])
    assert note["detail"] == {"comment_id": "c1"} and note["actor"] == {"id": alice_id, "handle": "alice"}
    assert inbox(client, people["alice"]) == []


def test_a_statement_from_the_system_has_no_actor(client, people, deliver):
    from chalicelib.logic.announcements import statements_ready

    statements_ready("2026-10", [member_id(client, people["alice"])])
    deliver()

    [note] = inbox(client, people["alice"])
    assert note["type"] == "statement_ready" and note["actor"] is None
    assert note["subject"]["type"] == "statement" and note["subject"]["id"] == "2026-10"


def test_hearts_fold_into_one_notification_per_record_and_day(client, people, member, deliver):
    alice = people["alice"]
    record = text(client, alice, "Loved")
    hearts = [people["bob"], people["carol"], member("dave")]
    for token in hearts:
        assert client.request("PUT", f"/records/{record['id']}/heart", token=token).status == 200
    deliver()

    [note] = inbox(client, alice)
    assert note["type"] == "hearted" and note["count"] == 3
    assert note["subject"] == {"type": "record", "id": record["id"], "title": "Loved"}
    assert note["detail"]["day"] == note["created_at"][:10]
    assert note["actor"]["handle"] in {"bob", "carol", "dave"}
    assert unread(client, alice) == 1

    # an un-heart does not lower it, and the same member hearting again that day counts once
    client.request("DELETE", f"/records/{record['id']}/heart", token=people["bob"])
    client.request("PUT", f"/records/{record['id']}/heart", token=people["bob"])
    deliver()
    assert inbox(client, alice)[0]["count"] == 3

    # read, then a new member's heart makes it unread again, with the latest actor
    assert client.post("/me/notifications/read", token=alice, json_body={}).json == {"unread": 0}
    client.request("PUT", f"/records/{record['id']}/heart", token=member("erin"))
    deliver()
    [note] = inbox(client, alice)
    assert note["count"] == 4 and note["read"] is False and note["actor"]["handle"] == "erin"
    assert unread(client, alice) == 1


def test_concurrent_hearts_count_each_member_once_and_the_unread_count_stays_exact(client, people, deliver):
    record = text(client, people["alice"], "Viral")
    at = "2026-12-01T10:00:00.000Z"
    heart_events = [Event("hearted", f"hearted:{record['id']}:M{n:03d}:2026-12-01", at, Subject("record", record["id"]),
                          actor_id=f"M{n:03d}", data={"actor_handle": f"fan{n}"}) for n in range(24)]

    from chalicelib.logic.notifications import on_event

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(on_event, heart_events + heart_events))  # each delivered twice, at once

    [note] = inbox(client, people["alice"])
    assert note["count"] == 24
    assert unread(client, people["alice"]) == 1


def test_mark_read_by_ids_and_all_keeps_the_count_exact(client, people, deliver):
    followed_by_fans(member_id(client, people["bob"]), 5, deliver)
    notes = inbox(client, people["bob"])
    assert [n["actor"]["handle"] for n in notes] == [f"fan{n}" for n in reversed(range(5))]  # newest first
    assert unread(client, people["bob"]) == 5

    reply = client.post("/me/notifications/read", token=people["bob"],
                        json_body={"ids": [notes[0]["id"], notes[1]["id"], notes[0]["id"], "unknown"]})
    assert reply.status == 200 and reply.json == {"unread": 3}
    assert [n["id"] for n in inbox(client, people["bob"], "?unread=true")] == [n["id"] for n in notes[2:]]
    assert client.post("/me/notifications/read", token=people["bob"],
                       json_body={"ids": [notes[0]["id"]]}).json == {"unread": 3}  # twice is once

    assert client.post("/me/notifications/read", token=people["bob"], json_body={}).json == {"unread": 0}
    assert all(n["read"] for n in inbox(client, people["bob"]))
    assert inbox(client, people["bob"], "?unread=true") == []
    assert unread(client, people["bob"]) == 0


def test_the_inbox_pages_newest_first_with_cursors(client, people, deliver):
    followed_by_fans(member_id(client, people["bob"]), 7, deliver)

    pages = all_pages(client, "/me/notifications", limit=3, token=people["bob"])
    assert [len(p) for p in pages] == [3, 3, 1]
    times = [n["created_at"] for page in pages for n in page]
    assert times == sorted(times, reverse=True)
    assert inbox(client, people["alice"]) == []  # another member's inbox is their own


@pytest.mark.parametrize("body, field", [
    ({"ids": ["x"] * 101}, "ids"),
    ({"ids": "all"}, "ids"),
    ({"ids": [""]}, "ids.0"),
    ({"ids": ["a\u0000"]}, "ids.0"),
    ({"all": True}, "all"),
])
def test_bad_read_requests_are_400_naming_the_field(client, people, body, field):
    assert_problem(client.post("/me/notifications/read", token=people["bob"], json_body=body), 400, field)


def test_bad_inbox_queries_are_400(client, people):
    assert_problem(client.get("/me/notifications?unread=maybe", token=people["bob"]), 400, "unread")
    assert_problem(client.get("/me/notifications?cursor=forged", token=people["bob"]), 400, "cursor")
    assert_problem(client.get("/me/notifications?limit=101", token=people["bob"]), 400, "limit")


def test_the_inbox_needs_a_registered_member(client, token):
    assert client.get("/me/notifications").status == 401
    assert client.get("/me/notifications/unread-count", token=token("nobody")).status == 403


def test_a_ready_record_citing_a_source_later_tells_its_owner(client, people, deliver):
    alice, bob = people["alice"], people["bob"]
    source, remix = text(client, alice, "Source"), text(client, bob, "Later remix")
    deliver()
    assert inbox(client, alice) == []

    assert client.post(f"/records/{remix['id']}/sources", token=bob,
                       json_body={"sources": [{"record_id": source["id"]}]}).status == 200
    deliver()

    [note] = inbox(client, alice)
    assert note["type"] == "remixed" and note["subject"]["id"] == remix["id"]
    assert note["detail"]["source_ids"] == [source["id"]]


def test_comments_replies_and_follows_reach_the_inbox_with_who_did_them(client, people, deliver):
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    record = text(client, alice, "Talked about")
    comment = client.post(f"/records/{record['id']}/comments", token=bob, json_body={"body": "Nice."}).json
    client.post(f"/records/{record['id']}/comments", token=carol, json_body={"body": "Agreed.", "parent_id": comment["id"]})
    assert client.request("PUT", "/members/alice/follow", token=carol).status == 200
    deliver()

    notes = {n["type"]: n for n in inbox(client, alice)}
    assert set(notes) == {"commented", "followed"}  # carol's reply tells bob, not alice
    assert notes["commented"]["actor"]["handle"] == "bob" and notes["commented"]["detail"]["comment_id"] == comment["id"]
    assert notes["commented"]["subject"] == {"type": "record", "id": record["id"], "title": "Talked about"}
    assert notes["followed"]["actor"]["handle"] == "carol"
    [reply] = inbox(client, bob)
    assert reply["type"] == "replied" and reply["actor"]["handle"] == "carol"
