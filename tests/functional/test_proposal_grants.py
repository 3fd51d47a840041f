"""Frozen licences, commercial grants and credits over HTTP.

The lineage: carol's C (cc-by-nc) <- bob's B (cc-by-nc, remixes C) <- alice's A (cc-by-nc, remixes
B); dan's D (cc-by) is a contribution beside A. A production contributes A and D: its frozen lineage
is A, D (depth 0), B (1), C (2); A, B and C are -nc and need their owners' grants.
"""
from __future__ import annotations

import pytest

from tests.support import after_window, all_pages, assert_problem, open_proposal, text_record


@pytest.fixture
def world(client, member):
    people = {name: member(name) for name in ("alice", "bob", "carol", "dan")}
    producer = member("pat", groups=["producer"])

    c = text_record(client, people["carol"], "Sea", licence="cc-by-nc")
    b = text_record(client, people["bob"], "Shore", [c], licence="cc-by-nc")
    a = text_record(client, people["alice"], "Harbour", [b], licence="cc-by-nc")
    d = text_record(client, people["dan"], "Gull", licence="cc-by")
    production = client.post("/productions", token=producer, json_body={
        "title": "Coast", "format": "album", "currency": "USD"}).json["id"]
    reply = client.request("PUT", f"/productions/{production}/contributions", token=producer, json_body={
        "contributions": [{"record_id": a, "weight": 2}, {"record_id": d, "weight": 1}]})
    assert reply.status == 200, reply
    return {**people, "producer": producer, "P": production, "A": a, "B": b, "C": c, "D": d}


def grant_path(world, record):
    return f"/records/{world[record]}/grants/{world['P']}"


def missing(client, world):
    return client.get(f"/productions/{world['P']}/proposal").json["missing_grants"]


def test_non_commercial_records_of_the_frozen_lineage_need_their_owners_grants(client, world):
    # a draft is invisible to everyone but its producer: 404, as for any other draft route
    assert_problem(client.request("PUT", grant_path(world, "A"), token=world["alice"]), 404)
    opened = open_proposal(client, world["producer"], world["P"])
    assert opened["missing_grants"] == sorted([world["A"], world["B"], world["C"]])

    granted = client.request("PUT", grant_path(world, "B"), token=world["bob"])

    assert granted.status == 200, granted
    assert granted.json["record_id"] == world["B"] and granted.json["production_id"] == world["P"]
    assert granted.json["granted_at"]
    again = client.request("PUT", grant_path(world, "B"), token=world["bob"])
    assert again.status == 200 and again.json == granted.json  # granted once
    assert missing(client, world) == sorted([world["A"], world["C"]])
    assert client.request("PUT", grant_path(world, "D"), token=world["dan"]).status == 200  # cc-by: no need
    assert missing(client, world) == sorted([world["A"], world["C"]])


def test_grants_are_the_owners_and_only_for_records_of_the_frozen_lineage(client, world):
    open_proposal(client, world["producer"], world["P"])
    outside = text_record(client, world["carol"], "Elsewhere", licence="cc-by-nc")

    assert_problem(client.request("PUT", grant_path(world, "C"), token=world["bob"]), 403)
    assert_problem(client.request("PUT", grant_path(world, "C"), token=world["producer"]), 403)
    assert_problem(client.request("PUT", f"/records/{outside}/grants/{world['P']}", token=world["carol"]), 409)
    assert_problem(client.request("PUT", f"/records/{world['C']}/grants/01J00000000000000000000000",
                                  token=world["carol"]), 404)
    assert_problem(client.request("PUT", f"/records/01J00000000000000000000000/grants/{world['P']}",
                                  token=world["carol"]), 404)
    assert len(missing(client, world)) == 3


def test_release_waits_for_every_grant_and_a_withdrawal_takes_one_back(client, world):
    open_proposal(client, world["producer"], world["P"])
    for owner, record in (("alice", "A"), ("bob", "B"), ("carol", "C")):
        assert client.request("PUT", grant_path(world, record), token=world[owner]).status == 200

    assert client.request("DELETE", grant_path(world, "C"), token=world["carol"]).status == 204
    assert client.request("DELETE", grant_path(world, "C"), token=world["carol"]).status == 204  # nothing left

    assert missing(client, world) == [world["C"]]
    with after_window():
        refused = client.post(f"/productions/{world['P']}/release", token=world["producer"])
        assert assert_problem(refused, 409)["missing"] == ["grants"]
        client.request("PUT", grant_path(world, "C"), token=world["carol"])
        released = client.post(f"/productions/{world['P']}/release", token=world["producer"])
    assert released.status == 200, released
    assert_problem(client.request("DELETE", grant_path(world, "C"), token=world["carol"]), 409)
    assert_problem(client.request("PUT", grant_path(world, "A"), token=world["alice"]), 409)


def test_a_revision_that_leaves_a_record_out_no_longer_misses_its_grant(client, world, subscribed, deliver):
    open_proposal(client, world["producer"], world["P"])

    reply = client.request("PUT", f"/productions/{world['P']}/contributions", token=world["producer"],
                           json_body={"contributions": [{"record_id": world["B"], "weight": 1},
                                                        {"record_id": world["D"], "weight": 1}]})

    assert reply.status == 200, reply
    assert missing(client, world) == sorted([world["B"], world["C"]])
    deliver()
    requested = {e.key: e for e in subscribed if e.type == "grant_requested"}
    ids = {name: client.get("/me", token=world[name]).json["id"] for name in ("alice", "bob", "carol")}
    assert set(requested[f"grant_requested:{world['P']}:1"].recipients) == set(ids.values())
    assert set(requested[f"grant_requested:{world['P']}:2"].recipients) == {ids["bob"], ids["carol"]}


def test_a_frozen_record_changes_licence_only_towards_one_that_grants_at_least_as_much(client, world):
    gull = f"/records/{world['D']}"
    assert client.patch(gull, token=world["dan"], json_body={"licence": "cc-by-sa"}).status == 200  # free so far
    assert client.patch(gull, token=world["dan"], json_body={"licence": "cc-by"}).status == 200
    open_proposal(client, world["producer"], world["P"])

    taken_back = client.patch(gull, token=world["dan"], json_body={"licence": "cc-by-nc"})

    problem = assert_problem(taken_back, 409)
    assert problem["production_id"] == world["P"] and "take back" in problem["detail"]
    assert client.get(gull).json["licence"] == "cc-by"
    assert client.patch(gull, token=world["dan"], json_body={"licence": "cc0"}).status == 200
    # the proposal was judged on the licence it froze
    credits = {c["record_id"]: c for c in client.get(f"/productions/{world['P']}/credits").json["items"]}
    assert credits[world["D"]]["licence"] == "cc-by"


def test_credits_list_the_frozen_lineage_by_depth_with_a_printable_line(client, world):
    open_proposal(client, world["producer"], world["P"])

    pages = all_pages(client, f"/productions/{world['P']}/credits", limit=3)

    credits = [c for page in pages for c in page]
    assert len(pages) == 2
    assert [(c["record_id"], c["depth"], c["via"]) for c in credits] == [
        *sorted([(world["A"], 0, "contribution"), (world["D"], 0, "contribution")]),
        (world["B"], 1, "lineage"), (world["C"], 2, "lineage")]
    sea = credits[-1]
    assert sea == {"record_id": world["C"], "title": "Sea", "owner_handle": "carol", "licence": "cc-by-nc",
                   "licence_url": "https://creativecommons.org/licenses/by-nc/4.0/", "via": "lineage", "depth": 2,
                   "attribution": f"Sea by carol, CC BY-NC 4.0, http://127.0.0.1:8000/site/#/records/{world['C']}"}
