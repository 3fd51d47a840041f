"""Copyright notices over HTTP: the elements, 451 for the public, the owner's view, counter-notices,
the notice → counter-notice → restore timeline on a controlled clock, lawsuits, repeat infringers."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.hardening.world import COUNTER_BODY, notice_body
from tests.support import all_pages, assert_problem


@pytest.fixture
def mod(member):
    return member("mona", groups=["moderator"])


@pytest.fixture
def clock(monkeypatch):
    from chalicelib.domain import clock as module

    def set_to(text: str) -> datetime:
        moment = datetime.fromisoformat(text).replace(tzinfo=timezone.utc)
        monkeypatch.setattr(module, "utcnow", lambda: moment)
        return moment

    return set_to


def publish(client, token, title="A song"):
    reply = client.post("/records", token=token, json_body={"kind": "text", "title": title, "body": "Lyrics."})
    assert reply.status == 201, reply
    return reply.json["record"]["id"]


def notice(client, record_ids):
    reply = client.post("/copyright/notices", json_body=notice_body(record_ids))
    assert reply.status == 201, reply
    return reply.json


def fire(at: str):
    """The daily schedule as `make fire SCHEDULE=restore_countered AT=...` runs it."""
    from app import app

    return app.handler_map["restore_countered"]({"time": at, "detail-type": "Scheduled Event", "source": "aws.events",
                                                 "detail": {}, "id": "x", "account": "1", "region": "us-east-1",
                                                 "resources": [], "version": "0"}, None)


def listed(client, record_id):
    return record_id in [r["id"] for page in all_pages(client, "/records") for r in page]


def test_a_notice_missing_elements_is_400_naming_each_one(client):
    reply = client.post("/copyright/notices", json_body={"complainant": {"name": "C"}, "record_ids": ["x"],
                                                         "good_faith": False})
    problem = assert_problem(reply, 400)
    named = {e["field"] for e in problem["errors"]}
    assert {"complainant.email", "complainant.address", "complainant.phone", "signature", "work", "good_faith",
            "accurate_under_penalty"} <= named


def test_a_notice_naming_an_unknown_or_non_ready_record_is_422_naming_it(client, alice):
    ready = publish(client, alice)
    reply = client.post("/copyright/notices", json_body=notice_body([ready, "01ARZ3NDEKTSV4RRFFQ69G5FAV"]))
    assert_problem(reply, 422, "record_ids.1")
    assert client.get(f"/records/{ready}").status == 200  # nothing disabled
    assert_problem(client.post("/copyright/notices", json_body=notice_body([ready, ready])), 400, "record_ids")


def test_an_accepted_notice_disables_its_records_with_451_for_the_public(client, alice, bob, mod):
    record = publish(client, alice)
    accepted = notice(client, [record])
    assert accepted["status"] == "accepted" and accepted["record_ids"] == [record]

    problem = assert_problem(client.get(f"/records/{record}"), 451)
    assert problem["notice_id"] == accepted["id"]
    assert_problem(client.get(f"/records/{record}", token=bob), 451)
    mine = client.get(f"/records/{record}", token=alice).json
    assert mine["moderation"] == {"state": "copyright_disabled", "notice_id": accepted["id"], "reason": None,
                                  "action_id": None}
    assert not listed(client, record)
    assert client.get("/members/alice").json["record_count"] == 0
    assert_problem(client.post("/reports", token=bob, json_body={"subject": {"type": "record", "id": record},
                                                                 "reason": "copyright"}), 404)


def test_the_owner_reads_the_notice_without_address_and_phone_and_others_cannot(client, alice, bob, mod):
    record = publish(client, alice)
    accepted = notice(client, [record])
    full = client.get(f"/copyright/notices/{accepted['id']}", token=mod).json
    assert full["complainant"]["address"] and full["complainant"]["phone"]
    owner = client.get(f"/copyright/notices/{accepted['id']}", token=alice).json
    assert owner["complainant"]["address"] is None and owner["complainant"]["phone"] is None
    assert owner["complainant"]["email"] == "carla@example.org" and owner["work"] == "My song 'Sea'"
    assert_problem(client.get(f"/copyright/notices/{accepted['id']}", token=bob), 403)
    assert [n["id"] for n in client.get("/copyright/notices?status=accepted", token=mod).json["items"]] == [accepted["id"]]
    assert_problem(client.get("/copyright/notices", token=alice), 403)


def test_a_counter_notice_is_the_owners_once_and_names_each_missing_element(client, alice, bob):
    record = publish(client, alice)
    accepted = notice(client, [record])
    path = f"/copyright/notices/{accepted['id']}/counter"
    assert_problem(client.post(path, token=bob, json_body=COUNTER_BODY), 403)
    problem = assert_problem(client.post(path, token=alice, json_body={"name": "A", "statement": False}), 400)
    assert {"address", "phone", "signature", "statement", "consent_to_jurisdiction", "accept_service"} <= {
        e["field"] for e in problem["errors"]}
    assert client.post(path, token=alice, json_body=COUNTER_BODY).status == 201
    assert_problem(client.post(path, token=alice, json_body=COUNTER_BODY), 409)


def test_countered_records_come_back_after_ten_full_business_days(client, alice, mod, clock):
    record = publish(client, alice)
    accepted = notice(client, [record])
    clock("2026-12-07T16:00:00")  # a Monday
    counter = client.post(f"/copyright/notices/{accepted['id']}/counter", token=alice, json_body=COUNTER_BODY)
    assert counter.status == 201 and counter.json["restore_on"] == "2026-12-22", counter

    assert fire("2026-12-21T00:30:00Z")["restored_records"] == 0  # nine full business days
    assert_problem(client.get(f"/records/{record}"), 451)
    assert fire("2026-12-22T00:30:00Z")["restored_records"] == 1
    assert client.get(f"/records/{record}").json["moderation"] is None
    assert listed(client, record)
    assert client.get(f"/copyright/notices/{accepted['id']}", token=mod).json["status"] == "restored"
    assert fire("2026-12-23T00:30:00Z")["restored_records"] == 0  # once
    assert_problem(client.post(f"/copyright/notices/{accepted['id']}/lawsuit", token=mod, json_body={}), 409)


def test_a_recorded_lawsuit_keeps_the_records_disabled(client, alice, mod, clock):
    record = publish(client, alice)
    accepted = notice(client, [record])
    lawsuit = f"/copyright/notices/{accepted['id']}/lawsuit"
    assert_problem(client.post(lawsuit, token=mod, json_body={}), 409)  # before any counter-notice
    clock("2026-12-07T16:00:00")
    client.post(f"/copyright/notices/{accepted['id']}/counter", token=alice, json_body=COUNTER_BODY)
    sued = client.post(lawsuit, token=mod, json_body={})
    assert sued.status == 200 and sued.json["status"] == "lawsuit" and sued.json["lawsuit_at"], sued
    assert fire("2027-01-15T00:30:00Z")["restored_records"] == 0
    assert_problem(client.get(f"/records/{record}"), 451)


def test_three_uncountered_notices_in_a_year_suspend_their_owner(client, alice, mod):
    records = [publish(client, alice, f"Song {n}") for n in range(4)]
    first = notice(client, [records[0]])
    client.post(f"/copyright/notices/{first['id']}/counter", token=alice, json_body=COUNTER_BODY)  # countered
    notice(client, [records[1]])
    notice(client, [records[2]])
    kept = client.post("/records", token=alice, json_body={"kind": "text", "title": "T", "body": "b"})
    assert kept.status == 201

    notice(client, [records[3]])  # the third without a counter-notice

    refused = client.post("/records", token=alice, json_body={"kind": "text", "title": "T", "body": "b"})
    assert assert_problem(refused, 403)["type"].endswith("/suspended")
    # the system's suspend_member hid her listed record and is appealable like any other action
    assert client.get("/members/alice/records").json["items"] == []
    moderation = client.get(f"/records/{kept.json['record']['id']}", token=alice).json["moderation"]
    assert moderation["state"] == "hidden"
    appeal = client.post(f"/moderation/actions/{moderation['action_id']}/appeal", token=alice,
                         json_body={"body": "Two of those were mistaken."})
    assert appeal.status == 201, appeal
