"""Moderators act on comments over HTTP: hide, restore, remove and dismiss, with their effect on
the threads, the replies, the record's comment_count, the author's `moderation` notification,
the reports they close, appeals, and the comments of a suspended member."""
from __future__ import annotations

import pytest

from chalicelib.storage.models import CommentItem
from tests.functional.test_moderation import purge
from tests.support import assert_problem


@pytest.fixture
def mod(member):
    return member("mona", groups=["moderator"])


@pytest.fixture
def story(client, alice):
    reply = client.post("/records", token=alice, json_body={"kind": "text", "title": "A story", "body": "Once."})
    assert reply.status == 201, reply
    return reply.json["record"]["id"]


def say(client, token, record_id, body, parent_id=None):
    reply = client.post(f"/records/{record_id}/comments", token=token,
                        json_body={"body": body, **({"parent_id": parent_id} if parent_id else {})})
    assert reply.status == 201, reply
    return reply.json


def act(client, mod, comment, action, reason="Spam: the same link forty times.", report_ids=(), status=201):
    reply = client.post("/moderation/actions", token=mod, json_body={
        "subject": {"type": "comment", "id": comment["id"]}, "action": action, "reason": reason,
        "report_ids": list(report_ids)})
    assert reply.status == status, reply
    return reply.json


def thread(client, record_id, token=None):
    reply = client.get(f"/records/{record_id}/comments", token=token)
    assert reply.status == 200, reply
    return reply.json["items"]


def comment_count(client, record_id) -> int:
    return client.get(f"/records/{record_id}").json["comment_count"]


def stored_body(comment) -> str | None:
    """What the table keeps of a comment's body (a moderator's removal keeps it, never served)."""
    return CommentItem.get(*CommentItem.key(comment["id"]), consistent_read=True).body


def test_a_hidden_comment_is_a_tombstone_to_the_public_and_uncounted_but_its_author_and_moderators_read_it(
        client, alice, bob, mod, story):
    spam = say(client, bob, story, "Buy pills.")
    answer = say(client, alice, story, "No thanks.", parent_id=spam["id"])
    assert comment_count(client, story) == 2

    action = act(client, mod, spam, "hide")

    assert action["subject"] == {"type": "comment", "id": spam["id"]} and action["action"] == "hide"
    [public] = thread(client, story)
    assert public["id"] == spam["id"] and public["status"] == "removed" and public["body"] is None
    assert public["moderation"] is None
    assert [r["id"] for r in public["replies"]] == [answer["id"]]  # the reply keeps its place
    assert thread(client, story, token=alice)[0]["body"] is None  # the record's owner is the public here
    for token in (bob, mod):
        [seen] = thread(client, story, token=token)
        assert seen["status"] == "visible" and seen["body"] == "Buy pills."
        assert seen["moderation"] == {"state": "hidden", "reason": "Spam: the same link forty times.",
                                      "action_id": action["id"], "notice_id": None}
    assert comment_count(client, story) == 1
    assert_problem(client.post(f"/records/{story}/comments", token=alice,
                               json_body={"body": "Hm.", "parent_id": spam["id"]}), 422)
    assert_problem(client.post("/reports", token=alice, json_body={
        "subject": {"type": "comment", "id": spam["id"]}, "reason": "spam"}), 404)
    act(client, mod, spam, "hide", status=409)

    act(client, mod, spam, "restore", reason="Not spam after all.")

    [back] = thread(client, story)
    assert back["status"] == "visible" and back["body"] == "Buy pills." and back["moderation"] is None
    assert comment_count(client, story) == 2
    act(client, mod, spam, "restore", status=409)


def test_a_hidden_reply_leaves_the_public_replies_as_a_tombstone(client, alice, bob, mod, story):
    top = say(client, alice, story, "What do you think?")
    reply = say(client, bob, story, "Rude words.", parent_id=top["id"])

    act(client, mod, reply, "hide")

    [listed] = client.get(f"/comments/{top['id']}/replies").json["items"]
    assert listed["id"] == reply["id"] and listed["status"] == "removed" and listed["body"] is None
    assert client.get(f"/comments/{top['id']}/replies", token=bob).json["items"][0]["body"] == "Rude words."
    assert comment_count(client, story) == 1


def test_the_author_is_told_why_and_the_report_is_closed_and_its_reporter_told(client, alice, bob, mod, story,
                                                                               deliver):
    spam = say(client, bob, story, "Buy pills.")
    report = client.post("/reports", token=alice, json_body={
        "subject": {"type": "comment", "id": spam["id"]}, "reason": "spam"}).json

    action = act(client, mod, spam, "hide", report_ids=[report["id"]])
    deliver()

    assert client.get("/moderation/reports", token=mod).json["items"] == []
    [closed] = client.get("/moderation/reports?status=closed", token=mod).json["items"]
    assert closed["id"] == report["id"] and closed["action_id"] == action["id"]
    [note] = [n for n in client.get("/me/notifications", token=bob).json["items"] if n["type"] == "moderation"]
    assert note["subject"]["type"] == "comment" and note["subject"]["id"] == spam["id"]
    assert note["detail"]["reason"] == "Spam: the same link forty times." and note["detail"]["action"] == "hide"
    assert "report_closed" in [n["type"] for n in client.get("/me/notifications", token=alice).json["items"]]


def test_removing_a_comment_keeps_its_body_for_a_reversed_appeal_and_an_upheld_one_deletes_it(
        client, alice, bob, mod, story):
    first = say(client, bob, story, "First words.")
    second = say(client, bob, story, "Second words.")

    removal = act(client, mod, first, "remove", reason="Harassment.")
    other = act(client, mod, second, "remove", reason="Harassment.")

    for token in (None, bob):
        listed = {c["id"]: c for c in thread(client, story, token=token)}
        assert listed[first["id"]]["status"] == "removed" and listed[first["id"]]["body"] is None
    assert thread(client, story, token=bob)[0]["moderation"]["state"] == "removed"
    assert comment_count(client, story) == 0
    assert_problem(client.patch(f"/comments/{first['id']}", token=bob, json_body={"body": "Edited."}), 409)
    act(client, mod, first, "remove", status=409)

    def appeal_and_decide(action, decision):
        appeal = client.post(f"/moderation/actions/{action['id']}/appeal", token=bob,
                             json_body={"body": "I meant no harm."})
        assert appeal.status == 201, appeal
        decided = client.post(f"/moderation/appeals/{appeal.json['id']}/decide", token=mod,
                              json_body={"decision": decision, "reason": "Looked again."})
        assert decided.status == 200, decided

    appeal_and_decide(removal, "reversed")
    appeal_and_decide(other, "upheld")

    listed = {c["id"]: c for c in thread(client, story)}
    assert listed[first["id"]]["status"] == "visible" and listed[first["id"]]["body"] == "First words."
    assert listed[second["id"]]["status"] == "removed"
    assert comment_count(client, story) == 1
    assert stored_body(second) is None  # deleted


def test_dismissing_a_comment_report_changes_nothing_and_tells_nobody_but_the_reporter(client, alice, bob, mod,
                                                                                       story, deliver):
    fine = say(client, bob, story, "Lovely.")
    report = client.post("/reports", token=alice, json_body={
        "subject": {"type": "comment", "id": fine["id"]}, "reason": "other"}).json

    act(client, mod, fine, "dismiss", reason="Nothing wrong here.", report_ids=[report["id"]])
    deliver()

    assert thread(client, story)[0]["body"] == "Lovely." and comment_count(client, story) == 1
    assert client.get("/moderation/reports", token=mod).json["items"] == []
    assert "moderation" not in [n["type"] for n in client.get("/me/notifications", token=bob).json["items"]]


def test_an_unknown_comment_is_404(client, mod):
    act(client, mod, {"id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}, "hide", status=404)


def test_the_author_removing_a_hidden_comment_counts_it_once(client, alice, bob, mod, story):
    spam = say(client, bob, story, "Buy pills.")
    act(client, mod, spam, "hide")
    assert client.request("DELETE", f"/comments/{spam['id']}", token=bob).status == 204
    act(client, mod, spam, "restore")  # the author's tombstone stays one

    assert thread(client, story)[0]["status"] == "removed"
    assert comment_count(client, story) == 0


def test_a_suspension_hides_the_members_comments_and_reinstating_shows_them_again(client, alice, bob, mod, story):
    said = say(client, bob, story, "Hello.")
    bob_id = client.get("/members/bob").json["id"]
    subject = {"type": "member", "id": bob_id}
    suspended = client.post("/moderation/actions", token=mod, json_body={
        "subject": subject, "action": "suspend_member", "reason": "Harassment elsewhere."})
    assert suspended.status == 201, suspended

    assert thread(client, story)[0]["body"] is None and comment_count(client, story) == 0
    assert thread(client, story, token=bob)[0]["moderation"]["action_id"] == suspended.json["id"]

    assert client.post("/moderation/actions", token=mod, json_body={
        "subject": subject, "action": "reinstate_member", "reason": "Served."}).status == 201

    [back] = thread(client, story)
    assert back["id"] == said["id"] and back["body"] == "Hello." and comment_count(client, story) == 1


def test_the_daily_purge_deletes_the_body_a_comments_removal_kept_once_its_appeal_period_ended(
        client, alice, bob, mod, story):
    said = say(client, bob, story, "Harsh words.")
    act(client, mod, said, "remove", reason="Harassment.")

    assert purge(days_from_now=170) == []
    assert stored_body(said) == "Harsh words."  # kept, never served
    assert purge(days_from_now=186) == [said["id"]]
    assert stored_body(said) is None
    assert thread(client, story, token=bob)[0]["status"] == "removed"
