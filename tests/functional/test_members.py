"""Member profiles through the app (chalice.test.Client) against the local AWS stack."""
from __future__ import annotations

import pytest

from tests.support import assert_problem

ALICE = {"handle": "Alice_1", "display_name": "Alice Liddell", "bio": "I draw rabbits."}


def test_registering_returns_the_profile_with_the_handle_lowercased(client, token):
    reply = client.post("/members", token=token("sub-alice"), json_body=ALICE)

    assert reply.status == 201, reply
    profile = reply.json
    assert profile["handle"] == "alice_1"
    assert profile["display_name"] == "Alice Liddell"
    assert profile["bio"] == "I draw rabbits."
    assert profile["record_count"] == 0 and profile["heart_count_received"] == 0
    assert len(profile["id"]) == 26
    assert profile["created_at"].endswith("Z") and len(profile["created_at"]) == 24


def test_public_profile_is_found_by_handle_in_any_case(client, token):
    created = client.post("/members", token=token("sub-alice"), json_body=ALICE).json

    reply = client.get("/members/ALICE_1")

    assert reply.status == 200
    assert reply.json == {**{k: created[k] for k in
                             ("id", "handle", "display_name", "bio", "created_at", "record_count",
                              "heart_count_received")},
                          "follower_count": 0, "following_count": 0, "followed_by_me": None}


def test_a_taken_handle_is_a_conflict_whatever_its_case(client, token):
    client.post("/members", token=token("sub-alice"), json_body=ALICE)

    reply = client.post("/members", token=token("sub-mallory"), json_body={**ALICE, "handle": "ALICE_1"})

    assert "taken" in assert_problem(reply, 409)["detail"]


def test_an_identity_registers_only_one_profile(client, token):
    alice = token("sub-alice")
    client.post("/members", token=alice, json_body=ALICE)

    reply = client.post("/members", token=alice, json_body={**ALICE, "handle": "another_alice"})

    assert "already registered" in assert_problem(reply, 409)["detail"]
    assert client.get("/members/another_alice").status == 404


@pytest.mark.parametrize("handle", ["ab", "a" * 31, "alice!", "al ice", "élise", "", "al-ice"])
def test_invalid_handles_are_refused_naming_the_field(client, token, handle):
    reply = client.post("/members", token=token("sub-x"), json_body={**ALICE, "handle": handle})

    assert_problem(reply, 400, field="handle")


@pytest.mark.parametrize("body, field", [
    ({"handle": "alice", "display_name": ""}, "display_name"),
    ({"handle": "alice", "display_name": "   "}, "display_name"),
    ({"handle": "alice", "display_name": "x" * 81}, "display_name"),
    ({"handle": "alice", "display_name": "line\nbreak"}, "display_name"),
    ({"handle": "alice", "display_name": "A", "bio": "x" * 1001}, "bio"),
    ({"handle": "alice", "display_name": 42}, "display_name"),
    ({"handle": 7, "display_name": "A"}, "handle"),
    ({"display_name": "A"}, "handle"),
    ({"handle": "alice", "display_name": "A", "role": "admin"}, "role"),
])
def test_invalid_registrations_are_400_naming_the_field_and_store_nothing(client, token, body, field):
    reply = client.post("/members", token=token("sub-x"), json_body=body)

    assert_problem(reply, 400, field=field)
    assert client.get("/members/alice").status == 404


def test_a_body_that_is_not_a_json_object_is_400(client, token):
    for body in ["[1, 2]", '"alice"', "null"]:
        assert_problem(client.post("/members", token=token("sub-x"), body=body), 400)


def test_malformed_json_is_400(client, token):
    problem = assert_problem(client.post("/members", token=token("sub-x"), body='{"handle": "al'), 400)

    assert "JSON" in problem["detail"]


def test_a_missing_body_is_400(client, token):
    assert_problem(client.post("/members", token=token("sub-x")), 400)


def test_a_body_over_one_mebibyte_is_413_and_stores_nothing(client, token):
    huge = {**ALICE, "bio": "x" * (1024 * 1024)}

    assert_problem(client.post("/members", token=token("sub-x"), json_body=huge), 413)
    assert client.get("/members/alice_1").status == 404


def test_a_body_that_is_not_json_by_content_type_is_415(client, token):
    reply = client.post("/members", token=token("sub-x"), body="handle=alice",
                        headers={"content-type": "application/x-www-form-urlencoded"})

    assert_problem(reply, 415)


def test_registering_without_a_token_is_401(client):
    problem = assert_problem(client.post("/members", json_body=ALICE), 401)

    assert "Bearer" in problem["detail"]


def test_me_without_a_profile_says_register_first(client, token):
    problem = assert_problem(client.get("/me", token=token("sub-newcomer")), 403)

    assert problem["type"].endswith("/register-first")
    assert "POST /members" in problem["detail"]


def test_me_returns_the_callers_own_profile(client, member):
    alice = member("alice")
    member("bob")

    reply = client.get("/me", token=alice)

    assert reply.status == 200
    assert reply.json["handle"] == "alice"
    assert reply.json["updated_at"] == reply.json["created_at"]


def test_patch_me_changes_display_name_and_bio_only(client, member):
    alice = member("alice")

    reply = client.patch("/me", token=alice, json_body={"display_name": "  Alice L.  ", "bio": "Hi"})

    assert reply.status == 200, reply
    assert reply.json["display_name"] == "Alice L."
    assert reply.json["bio"] == "Hi"
    assert reply.json["updated_at"] >= reply.json["created_at"]
    assert client.get("/members/alice").json["display_name"] == "Alice L."


def test_patch_me_with_a_null_bio_clears_it(client, member):
    alice = member("alice")
    client.patch("/me", token=alice, json_body={"bio": "Hi"})

    reply = client.patch("/me", token=alice, json_body={"bio": None})

    assert reply.json["bio"] is None
    assert client.get("/members/alice").json["bio"] is None


@pytest.mark.parametrize("body, field", [
    ({"handle": "someone_else"}, "handle"),
    ({"display_name": None}, "display_name"),
    ({"display_name": ""}, "display_name"),
    ({"bio": "x" * 1001}, "bio"),
])
def test_patch_me_refuses_what_cannot_change(client, member, body, field):
    alice = member("alice")

    assert_problem(client.patch("/me", token=alice, json_body=body), 400, field=field)
    assert client.get("/members/alice").json["display_name"] == "Alice"


@pytest.mark.parametrize("handle", ["nobody", "no", "bad%20handle", "x" * 200])
def test_unknown_or_malformed_handles_are_404(client, handle):
    assert_problem(client.get(f"/members/{handle}"), 404)


def test_an_invalid_token_is_401_even_on_a_public_route(client, token):
    reply = client.get("/members/alice", token=token("sub-x", secret="not-the-dev-secret"))

    assert_problem(reply, 401)


def test_a_public_route_works_without_a_token(client, member):
    member("alice")

    assert client.get("/members/alice").status == 200
