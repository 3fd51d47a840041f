"""Payment proposals over HTTP: opening one, objections and answers, revisions that restart the
window, release only once nothing is missing, and the split a proposal shows being the split the
first royalty run pays.

The community (as in test_royalty_runs): alice wrote A, carol wrote C, bob's B remixes C. The
production contributes A and B with weight 1 each (50% to contributors, 20% upstream): over the
notional pool of 1,000,000, A keeps 500,000, B 400,000 and passes 100,000 to C.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.store_payloads import checkout_session, post_stripe, stripe_event
from tests.support import (
    after_window, all_pages, assert_problem, freeze_proposals, open_proposal, release_through_proposal, text_record,
    tiny_stories,
)

DAY = 86_400


@pytest.fixture
def world(client, member):
    return tiny_stories(client, member)


def contribute(client, token, production, pairs):
    return client.request("PUT", f"/productions/{production}/contributions", token=token,
                          json_body={"contributions": [{"record_id": r, "weight": w} for r, w in pairs]})


def proposal(client, production, token=None):
    reply = client.get(f"/productions/{production}/proposal", token=token)
    assert reply.status == 200, reply
    return reply.json


def parse(moment: str) -> datetime:
    return datetime.strptime(moment, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


def object_to(client, world, token, **fields):
    body = {"kind": "missing_source", "record_id": world["C"], "body": "C deserves more.", **fields}
    return client.post(f"/productions/{world['P']}/proposal/objections", token=token, json_body=body)


def test_opening_a_proposal_freezes_the_draft_and_splits_a_notional_pool(client, world):
    opened = open_proposal(client, world["producer"], world["P"])

    assert opened["status"] == "proposed" and opened["revision"] == 1 and opened["window_open"] is True
    assert opened["opened_at"] == opened["revised_at"]
    assert parse(opened["closes_at"]) - parse(opened["revised_at"]) == timedelta(days=14)
    assert opened["pool"] == 1_000_000 and opened["changes"] == [] and opened["missing_grants"] == []
    assert opened["objections"] == {"open": 0, "answered": 0}
    assert [(r["record_id"], r["weight"], r["contribution"], r["lineage"]) for r in opened["split"]["records"]] == [
        (world["A"], 1, 500_000, 0), (world["B"], 1, 400_000, 0), (world["C"], None, 0, 100_000)]
    assert [(m["member"]["handle"], m["amount"]) for m in opened["split"]["members"]] == [
        ("alice", 500_000), ("bob", 400_000), ("carol", 100_000)]
    assert proposal(client, world["P"]) == opened  # public, without a token
    assert client.get(f"/productions/{world['P']}").json["status"] == "proposed"
    assert [p["id"] for p in client.get("/productions?status=proposed").json["items"]] == [world["P"]]
    assert client.get("/productions").json["items"] == []  # released ones only
    assert_problem(client.post(f"/productions/{world['P']}/proposal", token=world["producer"]), 409)


@pytest.fixture
def large_lineage(monkeypatch):
    """Every lineage counts as too large to freeze inside the request (the limit is 2,000 records)."""
    from chalicelib.logic import proposals

    monkeypatch.setattr(proposals, "INLINE_FREEZE_RECORDS", 0)


def test_a_small_lineage_is_frozen_at_once_and_its_window_opens_with_the_answer(client, world):
    before = datetime.now(timezone.utc) - timedelta(milliseconds=1)
    opened = client.post(f"/productions/{world['P']}/proposal", token=world["producer"])

    assert opened.status == 201, opened
    assert opened.json["status"] == "proposed" and opened.json["window_open"] is True
    assert parse(opened.json["opened_at"]) >= before
    assert proposal(client, world["P"]) == opened.json  # public at once
    assert freeze_proposals() == 0  # nothing was queued


def test_a_large_lineage_is_freezing_and_its_draft_closed_until_the_freeze_opens_its_window(
        client, world, large_lineage):
    asked = client.post(f"/productions/{world['P']}/proposal", token=world["producer"])

    assert asked.status == 202, asked
    assert asked.json["status"] == "freezing" and asked.json["revision"] == 1 and asked.json["window_open"] is False
    assert (asked.json["opened_at"], asked.json["revised_at"], asked.json["closes_at"]) == (None, None, None)
    assert asked.json["contributions"] == [{"record_id": world["A"], "weight": 1}, {"record_id": world["B"], "weight": 1}]
    assert asked.json["split"] == {"records": [], "members": []} and asked.json["missing_grants"] == []
    assert proposal(client, world["P"], world["producer"]) == asked.json
    assert_problem(client.get(f"/productions/{world['P']}/proposal"), 404)  # published when frozen
    assert client.get(f"/productions/{world['P']}", token=world["producer"]).json["status"] == "draft"
    assert_problem(client.post(f"/productions/{world['P']}/proposal", token=world["producer"]), 409)
    assert_problem(contribute(client, world["producer"], world["P"], [(world["A"], 5)]), 409)
    assert_problem(client.patch(f"/productions/{world['P']}", token=world["producer"],
                                json_body={"upstream_share_bps": 1000}), 409)
    assert_problem(object_to(client, world, world["producer"]), 409)
    refused = assert_problem(client.post(f"/productions/{world['P']}/release", token=world["producer"]), 409)
    assert refused["missing"] == ["proposal"]

    frozen_from = datetime.now(timezone.utc) - timedelta(milliseconds=1)
    assert freeze_proposals() == 1
    opened = proposal(client, world["P"])
    assert opened["status"] == "proposed" and opened["window_open"] is True
    assert parse(opened["opened_at"]) >= frozen_from  # the window opens when the freeze ends
    assert parse(opened["closes_at"]) - parse(opened["opened_at"]) == timedelta(days=14)
    assert opened["contributions"] == asked.json["contributions"]


def test_a_freeze_delivered_again_leaves_the_open_proposal_alone(client, world):
    from chalicelib.logic.proposals import freeze

    opened = open_proposal(client, world["producer"], world["P"])
    freeze(world["P"])

    assert proposal(client, world["P"]) == opened


def test_a_freeze_failing_on_its_last_delivery_gives_the_draft_back(client, world, monkeypatch, large_lineage):
    from chalicelib.errors import Conflict
    from chalicelib.logic import proposals

    assert client.post(f"/productions/{world['P']}/proposal", token=world["producer"]).status == 202

    def lineage_keeps_moving(*args):
        raise Conflict("The lineage kept changing while the proposal was frozen; try again.")

    monkeypatch.setattr(proposals, "_freeze", lineage_keeps_moving)
    with pytest.raises(Conflict):
        proposals.freeze(world["P"])
    proposals.freeze(world["P"], last_attempt=True)

    assert_problem(client.get(f"/productions/{world['P']}/proposal", token=world["producer"]), 404)
    assert contribute(client, world["producer"], world["P"], [(world["A"], 2)]).status == 200
    monkeypatch.undo()
    assert open_proposal(client, world["producer"], world["P"])["contributions"] == [
        {"record_id": world["A"], "weight": 2}]


def test_a_draft_has_no_proposal_and_a_proposal_needs_a_contribution(client, world, member):
    assert_problem(client.get(f"/productions/{world['P']}/proposal", token=world["producer"]), 404)
    assert_problem(client.get(f"/productions/{world['P']}/credits", token=world["producer"]), 404)
    other = member("quinn", groups=["producer"])
    assert_problem(client.post(f"/productions/{world['P']}/proposal", token=other), 404)
    empty = client.post("/productions", token=world["producer"], json_body={
        "title": "Empty", "format": "book", "currency": "USD"}).json["id"]

    assert_problem(client.post(f"/productions/{empty}/proposal", token=world["producer"]), 409)
    assert client.get(f"/productions/{empty}", token=world["producer"]).json["status"] == "draft"


def test_objections_are_taken_while_the_window_is_open_and_answered_once(client, world, subscribed, deliver):
    open_proposal(client, world["producer"], world["P"])

    made = object_to(client, world, world["bob"])

    assert made.status == 201, made
    objection = made.json
    assert objection["author"]["handle"] == "bob" and objection["answer"] is None
    assert objection["kind"] == "missing_source" and objection["record_id"] == world["C"]
    assert proposal(client, world["P"])["objections"] == {"open": 1, "answered": 0}
    answer_path = f"/productions/{world['P']}/proposal/objections/{objection['id']}/answer"
    assert_problem(client.post(answer_path, token=world["bob"], json_body={"decision": "accepted", "body": "x"}), 403)

    answered = client.post(answer_path, token=world["producer"], json_body={
        "decision": "declined", "body": "C is credited through B."})

    assert answered.status == 200, answered
    assert answered.json["answer"]["decision"] == "declined" and answered.json["answer"]["answered_at"]
    assert_problem(client.post(answer_path, token=world["producer"], json_body={
        "decision": "accepted", "body": "Changed my mind."}), 409)
    assert proposal(client, world["P"])["objections"] == {"open": 0, "answered": 1}
    [page] = all_pages(client, f"/productions/{world['P']}/proposal/objections")
    assert page == [answered.json]
    deliver()
    told = [e for e in subscribed if e.type == "objection_answered"]
    assert [(e.key, e.recipients) for e in told] == [(f"objection_answered:{objection['id']}", (world["ids"]["bob"],))]
    with after_window():
        assert_problem(object_to(client, world, world["carol"]), 409)
    assert proposal(client, world["P"])["objections"] == {"open": 0, "answered": 1}


@pytest.mark.parametrize("fields, status", [
    ({"kind": "praise"}, 400), ({"body": ""}, 400), ({"body": "x" * 5001}, 400), ({"extra": 1}, 400),
    ({"body": "bell\x07"}, 400), ({"record_id": "01J00000000000000000000000"}, 422),
])


def test_bad_objections_are_refused_and_store_nothing(client, world, fields, status):
    open_proposal(client, world["producer"], world["P"])

    assert_problem(object_to(client, world, world["bob"], **fields), status)
    assert proposal(client, world["P"])["objections"] == {"open": 0, "answered": 0}


def test_objections_pages_oldest_first(client, world):
    open_proposal(client, world["producer"], world["P"])
    made = [object_to(client, world, world["carol"], body=f"Objection {n}").json["id"] for n in range(3)]

    pages = all_pages(client, f"/productions/{world['P']}/proposal/objections", limit=2)

    assert [o["id"] for page in pages for o in page] == made and len(pages) == 2


def test_release_lists_what_is_missing_until_the_window_closes_and_every_objection_is_answered(client, world):
    release = f"/productions/{world['P']}/release"
    assert assert_problem(client.post(release, token=world["producer"]), 409)["missing"] == ["proposal"]
    open_proposal(client, world["producer"], world["P"])
    objection = object_to(client, world, world["bob"]).json

    assert assert_problem(client.post(release, token=world["producer"]), 409)["missing"] == [
        "window_open", "objections_unanswered"]
    with after_window():
        assert assert_problem(client.post(release, token=world["producer"]), 409)["missing"] == [
            "objections_unanswered"]
    client.post(f"/productions/{world['P']}/proposal/objections/{objection['id']}/answer", token=world["producer"],
                json_body={"decision": "accepted", "body": "Fair."})
    with after_window():
        released = client.post(release, token=world["producer"])

    assert released.status == 200 and released.json["status"] == "released", released
    kept = proposal(client, world["P"])
    assert kept["status"] == "released" and kept["revision"] == 1
    assert [p["id"] for p in client.get("/productions").json["items"]] == [world["P"]]
    assert client.get("/productions?status=proposed").json["items"] == []
    with after_window():
        assert_problem(client.post(release, token=world["producer"]), 409)
    assert_problem(contribute(client, world["producer"], world["P"], [(world["A"], 5)]), 409)
    assert_problem(client.patch(f"/productions/{world['P']}", token=world["producer"],
                                json_body={"upstream_share_bps": 1}), 409)
    assert_problem(object_to(client, world, world["carol"]), 409)


def test_a_revision_refreezes_logs_its_changes_and_restarts_the_window(client, world):
    opened = open_proposal(client, world["producer"], world["P"])
    d = text_record(client, world["carol"], "D")

    with after_window(10 * DAY):
        revised = contribute(client, world["producer"], world["P"], [(world["A"], 2), (world["B"], 1), (d, 1)])
        shares = client.patch(f"/productions/{world['P']}", token=world["producer"],
                              json_body={"upstream_share_bps": 3000, "title": "Tinier Stories"})
        same = contribute(client, world["producer"], world["P"], [(d, 1), (world["B"], 1), (world["A"], 2)])

    assert revised.status == 200 and shares.status == 200 and same.status == 200, (revised, shares, same)
    assert shares.json["title"] == "Tinier Stories" and shares.json["upstream_share_bps"] == 3000
    now = proposal(client, world["P"])
    assert now["revision"] == 3 and now["opened_at"] == opened["opened_at"]  # the identical list changed nothing
    assert parse(now["revised_at"]) - parse(opened["revised_at"]) >= timedelta(days=10)
    assert parse(now["closes_at"]) - parse(now["revised_at"]) == timedelta(days=14)
    assert [(c["revision"], c["field"], c["record_id"], c["before"], c["after"]) for c in now["changes"]] == [
        (2, "weight", world["A"], 1, 2), (2, "contribution", d, None, 1),
        (3, "upstream_share_bps", None, 2000, 3000)]
    assert now["contributions"] == [{"record_id": world["A"], "weight": 2}, {"record_id": world["B"], "weight": 1},
                                    {"record_id": d, "weight": 1}]
    with after_window(20 * DAY):  # 14 days after revision 1, but not after revision 3
        assert assert_problem(client.post(f"/productions/{world['P']}/release", token=world["producer"]),
                              409)["missing"] == ["window_open"]
    with after_window(25 * DAY):
        released = client.post(f"/productions/{world['P']}/release", token=world["producer"])
    assert released.status == 200 and released.json["upstream_share_bps"] == 3000
    contributions = client.get(f"/productions/{world['P']}/contributions").json["contributions"]
    assert contributions == now["contributions"]


def test_a_proposal_cannot_be_revised_to_no_contribution(client, world):
    open_proposal(client, world["producer"], world["P"])

    assert_problem(contribute(client, world["producer"], world["P"], []), 409)
    assert proposal(client, world["P"])["revision"] == 1


def test_opening_notifies_the_lineage_and_each_revision_the_contributors(client, world, subscribed, deliver):
    open_proposal(client, world["producer"], world["P"])
    contribute(client, world["producer"], world["P"], [(world["A"], 3), (world["B"], 1)])

    deliver()

    ids = world["ids"]
    by_key = {e.key: e for e in subscribed}
    assert set(by_key["proposal_opened:" + world["P"] + ":1"].recipients) == {ids["alice"], ids["bob"], ids["carol"]}
    assert set(by_key["contributed:" + world["P"] + ":1"].recipients) == {ids["alice"], ids["bob"]}
    assert set(by_key["contributed:" + world["P"] + ":2"].recipients) == {ids["alice"], ids["bob"]}
    assert "proposal_opened:" + world["P"] + ":2" not in by_key
    mine = [e for e in subscribed if e.type in ("proposal_opened", "contributed", "grant_requested")]
    assert len(mine) == 3 and all(e.subject.id == world["P"] and e.actor_id == ids["producer"] for e in mine)


def test_the_proposal_split_is_what_the_first_royalty_run_pays(client, world, admin, deliver):
    shown = open_proposal(client, world["producer"], world["P"])["split"]
    with after_window():
        assert client.post(f"/productions/{world['P']}/release", token=world["producer"]).status == 200
    september = int(datetime(2026, 9, 10, tzinfo=timezone.utc).timestamp())
    # net 2,000,000 at 50% to contributors: the pool is the proposal's notional 1,000,000.
    post_stripe(client, stripe_event("checkout.session.completed", checkout_session(
        "pi_proposal", 2_000_000, production_id=world["P"]), created=september))

    assert client.post("/royalty-runs", token=admin, json_body={"period": "2026-09"}).status == 202
    deliver()

    paid = {}
    for name in ("alice", "bob", "carol"):
        for statement in client.get("/me/statements/2026-09", token=world[name]).json["statements"]:
            for line in statement["lines"]:
                paid[(line["record_id"], line["via"])] = line["amount"]
    expected = {}
    for record in shown["records"]:
        if record["contribution"]:
            expected[(record["record_id"], "contribution")] = record["contribution"]
        if record["lineage"]:
            expected[(record["record_id"], "lineage")] = record["lineage"]
    assert paid == expected and sum(paid.values()) == 1_000_000


def test_the_existing_release_helper_goes_through_a_proposal(client, world):
    assert release_through_proposal(client, world["producer"], world["P"]).status == 200
    assert proposal(client, world["P"])["status"] == "released"
