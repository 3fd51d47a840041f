"""Collaborations: create, list, get with record_count; records join at creation."""
from __future__ import annotations

import pytest

from tests.support import assert_problem


def start(client, token, title="A book of tiny stories", **fields):
    reply = client.post("/collaborations", token=token, json_body={"title": title, "brief": "Write 100 words.", **fields})
    assert reply.status == 201, reply
    return reply.json


def test_a_collaboration_is_created_and_read_back(client, alice):
    created = start(client, alice, kinds=["text", "image"])

    assert created["owner"]["handle"] == "alice" and created["record_count"] == 0
    assert client.get(f"/collaborations/{created['id']}").json == created


def test_collaborations_are_listed_newest_first(client, alice):
    ids = [start(client, alice, title=f"C{n}")["id"] for n in range(3)]

    first = client.get("/collaborations?limit=2").json
    second = client.get(f"/collaborations?limit=2&cursor={first['next_cursor']}").json

    assert [c["id"] for c in first["items"] + second["items"]] == list(reversed(ids))
    assert second["next_cursor"] is None


def test_records_join_at_creation_and_are_listed_and_counted(client, alice):
    collaboration = start(client, alice)["id"]
    joined = client.post("/records", token=alice, json_body={
        "kind": "text", "title": "Story", "body": "Once.", "collaboration_id": collaboration}).json["record"]
    client.post("/records", token=alice, json_body={"kind": "text", "title": "Other", "body": "x"})

    assert joined["collaboration_id"] == collaboration
    assert [r["id"] for r in client.get(f"/records?collaboration_id={collaboration}").json["items"]] == [joined["id"]]
    assert client.get(f"/collaborations/{collaboration}").json["record_count"] == 1

    client.request("DELETE", f"/records/{joined['id']}", token=alice)
    assert client.get(f"/collaborations/{collaboration}").json["record_count"] == 0


def test_a_collaboration_that_invites_some_kinds_refuses_others(client, alice):
    collaboration = start(client, alice, kinds=["image"])["id"]

    reply = client.post("/records", token=alice, json_body={
        "kind": "text", "title": "Story", "body": "x", "collaboration_id": collaboration})

    assert_problem(reply, 422)


@pytest.mark.parametrize("body, field", [
    ({"title": "", "brief": "b"}, "title"), ({"title": "t", "brief": ""}, "brief"),
    ({"title": "t"}, "brief"), ({"title": "t", "brief": "b", "kinds": ["poem"]}, "kinds.0"),
    ({"title": "t", "brief": "b", "kinds": ["text", "text"]}, "kinds"),
    ({"title": "t", "brief": "b", "budget": 5}, "budget"),
])
def test_invalid_collaborations_are_400(client, alice, body, field):
    assert_problem(client.post("/collaborations", token=alice, json_body=body), 400, field=field)
    assert client.get("/collaborations").json["items"] == []


def test_unknown_collaborations_are_404(client):
    assert_problem(client.get("/collaborations/01ARZ3NDEKTSV4RRFFQ69G5FAV"), 404)
    assert_problem(client.get("/collaborations/nope"), 404)
    assert client.get("/records?collaboration_id=nope").json == {"items": [], "next_cursor": None}


def test_starting_a_collaboration_needs_a_member(client, token):
    assert_problem(client.post("/collaborations", token=token("sub-x"), json_body={"title": "t", "brief": "b"}), 403)
    assert_problem(client.post("/collaborations", json_body={"title": "t", "brief": "b"}), 401)
