"""Trust and safety over HTTP: reports, the moderators' queue, actions and their effect on every
list, count and lineage, suspensions, appeals."""
from __future__ import annotations

import pytest

from tests.support import all_pages, assert_problem


@pytest.fixture
def mod(member):
    return member("mona", groups=["moderator"])


def publish(client, token, **fields):
    body = {"kind": "text", "title": "A story", "body": "Once upon a time.", **fields}
    reply = client.post("/records", token=token, json_body=body)
    assert reply.status == 201, reply
    return reply.json["record"]


def act(client, mod, subject, action, reason="Breaks the rules on spam.", report_ids=(), status=201):
    reply = client.post("/moderation/actions", token=mod, json_body={
        "subject": subject, "action": action, "reason": reason, "report_ids": list(report_ids)})
    assert reply.status == status, reply
    return reply.json


def record_subject(record):
    return {"type": "record", "id": record["id"]}


def member_id(client, handle):
    return client.get(f"/members/{handle}").json["id"]


def ids(client, path, token=None):
    return [item["id"] for page in all_pages(client, path, token=token) for item in page]


# --- roles -------------------------------------------------------------------------------------

def test_members_and_producers_acting_as_moderators_are_403(client, alice, producer):
    for token in (alice, producer):
        assert_problem(client.get("/moderation/reports", token=token), 403)
        assert_problem(client.post("/moderation/actions", token=token, json_body={
            "subject": {"type": "record", "id": "x"}, "action": "dismiss", "reason": "r"}), 403)


def test_moderators_and_admins_read_the_queue(client, mod, admin):
    assert client.get("/moderation/reports", token=mod).status == 200
    assert client.get("/moderation/reports", token=admin).status == 200


# --- reports -----------------------------------------------------------------------------------

def test_an_anonymous_report_needs_an_email_and_is_queued_oldest_first(client, alice, mod):
    record = publish(client, alice)
    subject = record_subject(record)
    assert_problem(client.post("/reports", json_body={"subject": subject, "reason": "spam"}), 400, "email")
    first = client.post("/reports", json_body={"subject": subject, "reason": "spam", "email": "a@example.org"})
    second = client.post("/reports", json_body={"subject": subject, "reason": "hate", "email": "b@example.org",
                                                "body": "Look at the title.\nReally."})
    assert first.status == 201 and first.json["status"] == "open", first
    queue = client.get("/moderation/reports", token=mod).json["items"]
    assert [r["id"] for r in queue] == [first.json["id"], second.json["id"]]
    assert queue[0]["reporter"] is None and queue[0]["email"] == "a@example.org" and queue[0]["subject"] == subject


def test_a_second_open_report_by_the_same_reporter_on_the_same_subject_is_409(client, alice, bob):
    record = publish(client, alice)
    body = {"subject": record_subject(record), "reason": "spam"}
    assert client.post("/reports", token=bob, json_body=body).status == 201
    assert_problem(client.post("/reports", token=bob, json_body=body), 409)
    assert client.post("/reports", json_body={**body, "email": "x@example.org"}).status == 201
    assert_problem(client.post("/reports", json_body={**body, "email": "X@EXAMPLE.org"}), 409)


@pytest.mark.parametrize("subject", [
    {"type": "record", "id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}, {"type": "member", "id": "nobody"},
    {"type": "collaboration", "id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"},
    {"type": "production", "id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}])
def test_a_report_on_an_unknown_subject_is_404(client, bob, subject):
    assert_problem(client.post("/reports", token=bob, json_body={"subject": subject, "reason": "spam"}), 404)


@pytest.mark.parametrize("body, field", [
    ({"reason": "spam"}, "subject"), ({"subject": {"type": "record", "id": "x"}}, "reason"),
    ({"subject": {"type": "planet", "id": "x"}, "reason": "spam"}, "subject.type"),
    ({"subject": {"type": "record", "id": "x"}, "reason": "boring"}, "reason"),
    ({"subject": {"type": "record", "id": "x"}, "reason": "spam", "body": "x" * 2001}, "body"),
    ({"subject": {"type": "record", "id": "x"}, "reason": "spam", "email": "not-an-address"}, "email"),
])
def test_bad_reports_are_400_naming_the_field(client, bob, body, field):
    assert_problem(client.post("/reports", token=bob, json_body=body), 400, field)


def test_a_draft_production_cannot_be_reported_by_those_who_cannot_see_it(client, producer, bob):
    draft = client.post("/productions", token=producer, json_body={"title": "D", "format": "album",
                                                                  "currency": "USD"}).json
    subject = {"type": "production", "id": draft["id"]}
    assert_problem(client.post("/reports", token=bob, json_body={"subject": subject, "reason": "spam"}), 404)


def test_a_member_is_reported_by_member_id(client, alice, bob):
    subject = {"type": "member", "id": member_id(client, "alice")}
    assert client.post("/reports", token=bob, json_body={"subject": subject, "reason": "harassment"}).status == 201


# --- hide and restore ----------------------------------------------------------------------------

def test_hiding_takes_a_record_out_of_every_list_and_count_and_restore_puts_it_back(client, alice, bob, mod):
    collab = client.post("/collaborations", token=alice, json_body={"title": "Jam", "brief": "Loops."}).json
    source = publish(client, bob, title="Source")
    hidden = publish(client, alice, title="Hidden one", collaboration_id=collab["id"],
                     sources=[{"record_id": source["id"]}])
    report = client.post("/reports", token=bob, json_body={"subject": record_subject(hidden), "reason": "spam"}).json

    lists = ["/records", "/records?kind=text", f"/records?collaboration_id={collab['id']}",
             "/members/alice/records"]
    for path in lists:
        assert hidden["id"] in ids(client, path), path
    assert client.get(f"/records/{source['id']}").json["remix_count"] == 1
    assert source["id"] not in ids(client, "/records?unremixed=true")

    action = act(client, mod, record_subject(hidden), "hide", report_ids=[report["id"]])

    assert action["action"] == "hide" and action["report_ids"] == [report["id"]]
    assert action["moderator"]["handle"] == "mona"
    for path in lists:
        assert hidden["id"] not in ids(client, path), path
    assert hidden["id"] not in ids(client, "/records?unremixed=true")
    assert client.get("/members/alice").json["record_count"] == 0
    assert client.get(f"/collaborations/{collab['id']}").json["record_count"] == 0
    assert client.get(f"/records/{source['id']}").json["remix_count"] == 0
    assert source["id"] in ids(client, "/records?unremixed=true")
    assert_problem(client.get(f"/records/{hidden['id']}"), 404)
    assert_problem(client.get(f"/records/{hidden['id']}", token=bob), 404)
    owner_view = client.get(f"/records/{hidden['id']}", token=alice).json
    assert owner_view["status"] == "ready"
    assert owner_view["moderation"] == {"state": "hidden", "reason": "Breaks the rules on spam.",
                                        "action_id": action["id"], "notice_id": None}
    assert client.get(f"/records/{hidden['id']}", token=mod).json["moderation"]["state"] == "hidden"
    closed = client.get("/moderation/reports?status=closed", token=mod).json["items"]
    assert [(r["id"], r["action_id"]) for r in closed] == [(report["id"], action["id"])]
    assert closed[0]["closed_at"] is not None

    act(client, mod, record_subject(hidden), "restore", reason="Reviewed again: fine.")

    for path in lists:
        assert hidden["id"] in ids(client, path), path
    assert client.get("/members/alice").json["record_count"] == 1
    assert client.get(f"/collaborations/{collab['id']}").json["record_count"] == 1
    assert client.get(f"/records/{source['id']}").json["remix_count"] == 1
    assert source["id"] not in ids(client, "/records?unremixed=true")
    assert hidden["id"] in ids(client, "/records?unremixed=true")
    restored = client.get(f"/records/{hidden['id']}", token=bob).json
    assert restored["moderation"] is None and restored["title"] == "Hidden one"


def test_a_hidden_record_is_a_hidden_node_without_title_in_lineage_and_cannot_be_cited_or_hearted(
        client, alice, bob, mod):
    source = publish(client, bob, title="Offensive title")
    remix = publish(client, alice, title="Remix", sources=[{"record_id": source["id"]}])
    act(client, mod, record_subject(source), "hide")

    lineage = client.get(f"/records/{remix['id']}/lineage").json
    nodes = {n["id"]: n for n in lineage["nodes"]}
    assert nodes[source["id"]]["status"] == "hidden" and nodes[source["id"]]["title"] is None
    assert nodes[remix["id"]]["title"] == "Remix"
    assert {"source": source["id"], "remix": remix["id"]} in lineage["edges"]
    cited = client.post("/records", token=alice, json_body={"kind": "text", "title": "T", "body": "b",
                                                             "sources": [{"record_id": source["id"]}]})
    assert_problem(cited, 422)
    assert_problem(client.request("PUT", f"/records/{source['id']}/heart", token=alice), 404)
    assert_problem(client.get(f"/records/{source['id']}/lineage"), 404)
    assert client.get(f"/records/{source['id']}/lineage", token=bob).status == 200


def test_an_action_without_a_reason_is_400_and_changes_nothing(client, alice, mod):
    record = publish(client, alice)
    for reason in (None, "", "   ", "x" * 2001):
        body = {"subject": record_subject(record), "action": "hide"}
        if reason is not None:
            body["reason"] = reason
        assert_problem(client.post("/moderation/actions", token=mod, json_body=body), 400, "reason")
    assert client.get(f"/records/{record['id']}").status == 200


def test_hiding_twice_is_409_and_restoring_what_is_not_moderated_is_409(client, alice, mod):
    record = publish(client, alice)
    act(client, mod, record_subject(record), "restore", status=409)
    act(client, mod, record_subject(record), "hide")
    act(client, mod, record_subject(record), "hide", status=409)


def test_an_action_naming_a_closed_or_unknown_report_is_refused(client, alice, bob, mod):
    record = publish(client, alice)
    report = client.post("/reports", token=bob, json_body={"subject": record_subject(record), "reason": "spam"}).json
    act(client, mod, record_subject(record), "dismiss", report_ids=[report["id"]])
    act(client, mod, record_subject(record), "dismiss", report_ids=[report["id"]], status=409)
    act(client, mod, record_subject(record), "dismiss", report_ids=["01ARZ3NDEKTSV4RRFFQ69G5FAV"], status=422)
    # the closed report frees the reporter to report again
    assert client.post("/reports", token=bob, json_body={"subject": record_subject(record), "reason": "spam"}).status == 201


def test_dismiss_changes_nothing_but_closes_the_reports(client, alice, bob, mod):
    record = publish(client, alice)
    report = client.post("/reports", token=bob, json_body={"subject": record_subject(record), "reason": "spam"}).json
    act(client, mod, record_subject(record), "dismiss", report_ids=[report["id"]], reason="Not spam.")
    assert client.get(f"/records/{record['id']}").json["moderation"] is None
    assert client.get("/moderation/reports", token=mod).json["items"] == []


# --- remove ---------------------------------------------------------------------------------------

def test_remove_is_a_takedown_whose_reversed_appeal_restores_the_record_with_its_body(client, alice, mod):
    record = publish(client, alice, body="Keep me.")
    action = act(client, mod, record_subject(record), "remove", reason="Illegal content.")
    tombstone = client.get(f"/records/{record['id']}").json
    assert tombstone["status"] == "removed" and tombstone["body"] is None and tombstone["title"] == "A story"
    assert record["id"] not in ids(client, "/records")
    assert client.get(f"/records/{record['id']}", token=alice).json["moderation"]["state"] == "removed"

    appeal = client.post(f"/moderation/actions/{action['id']}/appeal", token=alice,
                         json_body={"body": "It is my own work."})
    assert appeal.status == 201 and appeal.json["status"] == "open", appeal
    decided = client.post(f"/moderation/appeals/{appeal.json['id']}/decide", token=mod,
                          json_body={"decision": "reversed", "reason": "Mistaken."})
    assert decided.status == 200 and decided.json["decision"] == "reversed", decided

    back = client.get(f"/records/{record['id']}").json
    assert back["status"] == "ready" and back["body"] == "Keep me." and back["moderation"] is None
    assert record["id"] in ids(client, "/records")
    assert client.get("/members/alice").json["record_count"] == 1


def image(client, token, deliver, title="A drawing"):
    from tests import media_samples as samples
    from tests.functional.test_exports import create_media

    record = create_media(client, token, samples.png(16, 9), "image/png", "image", title)
    deliver()
    assert client.get(f"/records/{record['id']}").json["status"] == "ready"
    return record


def stored(record_id) -> bool:
    import boto3

    from chalicelib.config import get_settings

    listed = boto3.client("s3").list_objects_v2(Bucket=get_settings().media_bucket, Prefix=f"media/{record_id}")
    return bool(listed.get("Contents"))


def purge(days_from_now: int):
    """The daily schedule as `make fire SCHEDULE=purge_removed_media AT=...` runs it."""
    from datetime import datetime, timedelta, timezone

    from app import app

    at = (datetime.now(timezone.utc) + timedelta(days=days_from_now)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return app.handler_map["purge_removed_media"]({
        "time": at, "detail-type": "Scheduled Event", "source": "aws.events", "detail": {}, "id": "x",
        "account": "1", "region": "us-east-1", "resources": [], "version": "0"}, None)["purged"]


def test_an_upheld_appeal_of_a_removal_deletes_its_media(client, alice, mod, deliver):
    record = image(client, alice, deliver)
    action = act(client, mod, record_subject(record), "remove", reason="Illegal content.")
    assert stored(record["id"])  # kept, never served
    assert client.get(f"/records/{record['id']}", token=alice).json["media"] is None
    appeal = client.post(f"/moderation/actions/{action['id']}/appeal", token=alice, json_body={"body": "No."}).json

    client.post(f"/moderation/appeals/{appeal['id']}/decide", token=mod, json_body={"decision": "upheld", "reason": "It is."})

    assert not stored(record["id"])
    assert purge(days_from_now=200) == []  # nothing left to purge


def test_the_daily_purge_deletes_what_a_removal_kept_once_its_appeal_period_ended(client, alice, mod, deliver):
    record = image(client, alice, deliver)
    act(client, mod, record_subject(record), "remove", reason="Illegal content.")

    assert purge(days_from_now=170) == []  # still appealable
    assert stored(record["id"])
    assert purge(days_from_now=186) == [record["id"]]
    assert not stored(record["id"])
    assert purge(days_from_now=187) == []  # purged once
    tombstone = client.get(f"/records/{record['id']}", token=alice).json
    assert tombstone["status"] == "removed" and tombstone["media"] is None and tombstone["title"] == "A drawing"


def test_the_purge_keeps_the_media_of_a_removal_under_open_appeal_so_reversing_it_restores_them(
        client, alice, mod, deliver):
    record = image(client, alice, deliver)
    sha256 = client.get(f"/records/{record['id']}").json["media"]["sha256"]
    action = act(client, mod, record_subject(record), "remove", reason="Illegal content.")
    appeal = client.post(f"/moderation/actions/{action['id']}/appeal", token=alice, json_body={"body": "Mine."}).json

    assert purge(days_from_now=200) == []

    client.post(f"/moderation/appeals/{appeal['id']}/decide", token=mod,
                json_body={"decision": "reversed", "reason": "Licensed."})
    back = client.get(f"/records/{record['id']}").json
    assert back["status"] == "ready" and back["media"]["sha256"] == sha256
    assert stored(record["id"]) and purge(days_from_now=201) == []


def test_the_purge_leaves_a_record_restored_after_its_removal(client, alice, mod, deliver):
    record = image(client, alice, deliver)
    act(client, mod, record_subject(record), "remove", reason="Illegal content.")
    act(client, mod, record_subject(record), "restore", reason="Wrong record.")

    assert purge(days_from_now=200) == []
    assert stored(record["id"]) and client.get(f"/records/{record['id']}").json["media"] is not None


# --- suspensions ----------------------------------------------------------------------------------

def test_a_suspended_member_cannot_write_but_reads_and_appeals_and_reinstating_restores(client, alice, bob, mod):
    mine = publish(client, alice, title="Mine")
    theirs = publish(client, bob)
    subject = {"type": "member", "id": member_id(client, "alice")}
    action = act(client, mod, subject, "suspend_member", reason="Repeated harassment.")

    assert mine["id"] not in ids(client, "/records")
    assert client.get("/members/alice").json["record_count"] == 0
    refused = client.post("/records", token=alice, json_body={"kind": "text", "title": "T", "body": "b"})
    assert assert_problem(refused, 403)["type"].endswith("/suspended")
    assert "suspended" in refused.json["detail"]
    for reply in (client.request("PUT", f"/records/{theirs['id']}/heart", token=alice),
                  client.post("/collaborations", token=alice, json_body={"title": "J", "brief": "b"}),
                  client.patch(f"/records/{mine['id']}", token=alice, json_body={"title": "New"}),
                  client.post("/reports", token=alice, json_body={"subject": record_subject(theirs), "reason": "spam"})):
        assert assert_problem(reply, 403)["type"].endswith("/suspended"), reply
    assert client.get("/records", token=alice).status == 200
    assert client.get(f"/records/{mine['id']}", token=alice).json["moderation"]["action_id"] == action["id"]
    act(client, mod, subject, "suspend_member", status=409)
    appeal = client.post(f"/moderation/actions/{action['id']}/appeal", token=alice, json_body={"body": "Sorry."})
    assert appeal.status == 201, appeal

    act(client, mod, subject, "reinstate_member", reason="Served its time.")

    assert mine["id"] in ids(client, "/records")
    assert client.get("/members/alice").json["record_count"] == 1
    assert client.post("/records", token=alice, json_body={"kind": "text", "title": "T", "body": "b"}).status == 201


def test_a_record_hidden_on_its_own_stays_hidden_after_its_owner_is_reinstated(client, alice, mod):
    separately = publish(client, alice, title="Separately hidden")
    act(client, mod, record_subject(separately), "hide")
    subject = {"type": "member", "id": member_id(client, "alice")}
    act(client, mod, subject, "suspend_member")
    act(client, mod, subject, "reinstate_member")
    assert_problem(client.get(f"/records/{separately['id']}"), 404)


# --- appeals --------------------------------------------------------------------------------------

def test_only_the_member_concerned_appeals_once_and_an_appeal_is_decided_once(client, alice, bob, mod):
    record = publish(client, alice)
    action = act(client, mod, record_subject(record), "hide")
    path = f"/moderation/actions/{action['id']}/appeal"
    assert_problem(client.post(path, token=bob, json_body={"body": "Not mine, but."}), 403)
    assert_problem(client.post(path, token=alice, json_body={"body": ""}), 400, "body")
    appeal = client.post(path, token=alice, json_body={"body": "Please look again."}).json
    assert_problem(client.post(path, token=alice, json_body={"body": "Again."}), 409)
    assert [a["id"] for a in client.get("/moderation/appeals", token=mod).json["items"]] == [appeal["id"]]

    decide = f"/moderation/appeals/{appeal['id']}/decide"
    upheld = client.post(decide, token=mod, json_body={"decision": "upheld", "reason": "It is spam."})
    assert upheld.status == 200 and upheld.json["status"] == "decided" and upheld.json["decided_at"], upheld
    assert_problem(client.post(decide, token=mod, json_body={"decision": "reversed", "reason": "x"}), 409)
    assert_problem(client.get(f"/records/{record['id']}"), 404)
    assert client.get("/moderation/appeals?status=decided", token=mod).json["items"][0]["decision"] == "upheld"


def test_a_reversed_appeal_of_a_hide_restores_the_record(client, alice, mod):
    record = publish(client, alice)
    action = act(client, mod, record_subject(record), "hide")
    appeal = client.post(f"/moderation/actions/{action['id']}/appeal", token=alice, json_body={"body": "Why?"}).json
    client.post(f"/moderation/appeals/{appeal['id']}/decide", token=mod,
                json_body={"decision": "reversed", "reason": "Our mistake."})
    assert client.get(f"/records/{record['id']}").status == 200
    assert record["id"] in ids(client, "/records")


def test_an_appeal_after_six_months_is_409(client, alice, mod, monkeypatch):
    from datetime import timedelta

    from chalicelib.domain import clock

    record = publish(client, alice)
    action = act(client, mod, record_subject(record), "hide")
    later = clock.utcnow() + timedelta(days=190)
    monkeypatch.setattr(clock, "utcnow", lambda: later)
    assert_problem(client.post(f"/moderation/actions/{action['id']}/appeal", token=alice,
                               json_body={"body": "Late."}), 409)


def test_moderation_never_changes_money_credited_to_a_hidden_record(client, alice, mod, producer):
    record = publish(client, alice)
    production = client.post("/productions", token=producer, json_body={
        "title": "Album", "format": "album", "currency": "USD"}).json
    client.request("PUT", f"/productions/{production['id']}/contributions", token=producer,
                   json_body={"contributions": [{"record_id": record["id"], "weight": 1}]})
    before = client.get(f"/productions/{production['id']}/splits", token=producer).json
    act(client, mod, record_subject(record), "hide")
    after = client.get(f"/productions/{production['id']}/splits", token=producer).json
    assert [r.get("record_id") for r in after.get("records", [])] == [r.get("record_id") for r in before.get("records", [])]


# --- comments -------------------------------------------------------------------------------------

def test_a_comment_is_reported_and_a_hidden_record_takes_no_comments(client, alice, bob, mod):
    record = publish(client, alice)
    comment = client.post(f"/records/{record['id']}/comments", token=bob, json_body={"body": "Buy pills."}).json
    reported = client.post("/reports", token=alice, json_body={"subject": {"type": "comment", "id": comment["id"]},
                                                                "reason": "spam"})
    assert reported.status == 201, reported
    act(client, mod, record_subject(record), "hide")
    assert_problem(client.post(f"/records/{record['id']}/comments", token=bob, json_body={"body": "Hm."}), 404)
    assert_problem(client.get(f"/records/{record['id']}/comments"), 404)
