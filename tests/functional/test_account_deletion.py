"""DELETE /me over HTTP: personal data erased, works orphaned (or taken down), the handle reserved,
lineage, splits and other members' statements unchanged, money still owed and readable."""
from __future__ import annotations

import copy

import pytest

from tests.functional.test_royalty_runs import OCTOBER, run, sell, world  # noqa: F401  (the royalty world)
from tests.store_payloads import checkout_session, post_stripe, stripe_event
from tests.support import assert_problem

ORPHAN = {"id": None, "handle": "orphan"}


def delete_me(client, token, handle, **fields):
    return client.request("DELETE", "/me", token=token, json_body={"confirm_handle": handle, **fields})


def text(client, token, title, sources=()):
    reply = client.post("/records", token=token, json_body={
        "kind": "text", "title": title, "body": "Words.", "sources": [{"record_id": s} for s in sources]})
    assert reply.status == 201, reply
    return reply.json["record"]["id"]


def orphaned(value, handle: str, member_id: str):
    """`value` with every owner field of `handle`/`member_id` as a deletion shows it."""
    if isinstance(value, dict):
        if value.get("handle") == handle and value.get("id") == member_id:
            return dict(ORPHAN)
        return {k: ("orphan" if k == "owner_handle" and v == handle
                    else v.replace(f" by {handle}, ", " by orphan, ") if k == "attribution"
                    else orphaned(v, handle, member_id))
                for k, v in value.items()}
    if isinstance(value, list):
        return [orphaned(v, handle, member_id) for v in value]
    return value


def test_a_wrong_confirm_handle_is_a_400_and_nothing_changes(client, member):
    alice = member("alice")
    record = text(client, alice, "Mine")
    before = (client.get("/me", token=alice).json, client.get(f"/records/{record}").json)

    for wrong in ("bob", "alic", "alice ", ""):
        assert_problem(delete_me(client, alice, wrong), 400)

    assert (client.get("/me", token=alice).json, client.get(f"/records/{record}").json) == before


@pytest.mark.parametrize("body", [None, "[]", '{"confirm_handle": 7}', '{"confirm_handle": "alice", "extra": 1}',
                                  '{"confirm_handle": "alice", "remove_works": "yes"}', "{not json",
                                  '{"confirm_handle": "' + "a" * 65 + '"}', '{"confirm_handle": "al\\u0000ice"}'])
def test_a_malformed_deletion_is_a_400_and_nothing_changes(client, member, body):
    alice = member("alice")

    reply = client.request("DELETE", "/me", token=alice, body=body)

    assert_problem(reply, 400)
    assert client.get("/me", token=alice).status == 200


def test_only_a_registered_member_may_delete_and_only_themselves(client, member, token):
    member("alice")
    assert_problem(delete_me(client, None, "alice"), 401)
    assert_problem(delete_me(client, token("sub-nobody"), "alice"), 403)
    bob = member("bob")
    assert_problem(delete_me(client, bob, "alice"), 400)  # another's handle is the wrong one
    assert client.get("/members/alice").status == 200


def test_deletion_erases_the_profile_reserves_the_handle_and_orphans_the_works(client, member, token, deliver):
    alice, bob = member("alice"), member("bob")
    source = text(client, alice, "Source")
    remix = text(client, bob, "Remix", [source])
    assert client.request("PUT", f"/records/{remix}/heart", token=alice).status == 200
    deliver()  # the heart-count function sums it
    lineage_before = client.get(f"/records/{remix}/lineage?direction=ancestors").json
    alice_id = client.get("/me", token=alice).json["id"]

    assert delete_me(client, alice, "ALICE").status == 204  # handles compare case-insensitively
    deliver()

    assert_problem(client.get("/members/alice"), 404)
    record = client.get(f"/records/{source}").json
    assert record["owner"] == ORPHAN and record["title"] == "Source" and record["status"] == "ready"
    assert client.get(f"/records/{remix}/lineage?direction=ancestors").json == orphaned(lineage_before, "alice", alice_id)
    assert client.get(f"/records/{remix}").json["heart_count"] == 1  # the count stays, who hearted is gone
    assert [r["id"] for r in client.get("/records").json["items"]] == [remix, source]  # still in the feeds
    assert client.get(f"/records/{source}/remixes").json["items"][0]["id"] == remix
    # the identity is no longer a member: content and member routes say "register first"
    for reply in (client.get("/me", token=alice), client.post("/records", token=alice, json_body={
            "kind": "text", "title": "Again", "body": "No."}), client.post("/me/exports", token=alice)):
        assert "register" in assert_problem(reply, 403)["detail"].lower()
    # the handle is never given again, to anyone; nor is `orphan`
    assert_problem(client.post("/members", token=token("sub-mallory"), json_body={
        "handle": "alice", "display_name": "Not Alice"}), 409)
    assert_problem(client.post("/members", token=token("sub-mallory"), json_body={
        "handle": "Orphan", "display_name": "Nobody"}), 409)
    assert_problem(client.get("/members/orphan"), 404)


def test_the_identity_registers_again_as_a_new_member_that_inherits_nothing(client, member):
    alice, bob = member("alice"), member("bob")
    mine = text(client, alice, "Old work")
    bobs = text(client, bob, "Bob's")
    assert client.request("PUT", f"/records/{bobs}/heart", token=alice).status == 200
    old_id = client.get("/me", token=alice).json["id"]
    assert delete_me(client, alice, "alice").status == 204

    again = client.post("/members", token=alice, json_body={"handle": "alice2", "display_name": "Alice Again"})

    assert again.status == 201 and again.json["id"] != old_id and again.json["record_count"] == 0
    assert client.get(f"/records/{bobs}", token=alice).json["hearted_by_me"] is False
    assert_problem(client.request("PATCH", f"/records/{mine}", token=alice, json_body={"title": "Mine again"}), 403)
    assert_problem(client.request("DELETE", f"/records/{mine}", token=alice), 403)
    assert client.get("/members/alice2/records").json["items"] == []
    assert client.get("/members/alice2/hearts").json["items"] == []
    assert client.get(f"/records/{mine}").json["owner"] == ORPHAN


def test_remove_works_takes_every_record_down_as_a_tombstone(client, member, deliver):
    alice, bob = member("alice"), member("bob")
    source = text(client, alice, "Source")
    remix = text(client, bob, "Remix", [source])

    assert delete_me(client, alice, "alice", remove_works=True).status == 204

    tombstone = client.get(f"/records/{source}").json
    assert tombstone["status"] == "removed" and tombstone["body"] is None and tombstone["owner"] == ORPHAN
    assert tombstone["title"] == "Source"
    assert client.get(f"/records/{remix}").json["sources"] == [source]  # the remix keeps its lineage
    assert [r["id"] for r in client.get("/records").json["items"]] == [remix]


def test_deletion_changes_no_lineage_split_or_other_statement_but_the_owner_fields(client, world, admin, deliver):  # noqa: F811
    sell(client, world)
    run(client, admin, deliver, "2026-09")
    carol_id = client.get("/me", token=world["carol"]).json["id"]
    production = world["P"]
    reads = {
        "splits": f"/productions/{production}/splits",
        "credits": f"/productions/{production}/credits",
        "proposal": f"/productions/{production}/proposal",
        "lineage": f"/records/{world['B']}/lineage?direction=ancestors",
        "descendants": f"/records/{world['C']}/lineage?direction=descendants",
        "production": f"/productions/{production}",
        "C": f"/records/{world['C']}",
    }
    before = {name: client.get(path).json for name, path in reads.items()}
    statements = {who: client.get("/me/statements/2026-09", token=world[who]).json for who in ("alice", "bob")}
    carol_before = client.get("/me/statements", token=world["carol"]).json

    assert delete_me(client, world["carol"], "carol").status == 204

    after = {name: client.get(path).json for name, path in reads.items()}
    assert after == orphaned(copy.deepcopy(before), "carol", carol_id)
    assert after != before  # carol's owner fields did change
    for name in ("splits", "credits", "proposal"):
        assert after[name] != before[name], name
    assert {who: client.get("/me/statements/2026-09", token=world[who]).json for who in ("alice", "bob")} == statements
    # the identity still reads what it is owed, items naming the profile
    assert client.get("/me/statements", token=world["carol"]).json == carol_before
    assert carol_before["items"][0]["member_id"] == carol_id
    period = client.get("/me/statements/2026-09", token=world["carol"]).json
    assert period["statements"][0]["member_id"] == carol_id and period["statements"][0]["closing"] == 500


def test_royalties_keep_running_for_a_deleted_member_and_follow_them_to_a_new_profile(client, world, admin, deliver):  # noqa: F811
    sell(client, world)
    run(client, admin, deliver, "2026-09")
    carol_id = client.get("/me", token=world["carol"]).json["id"]
    assert delete_me(client, world["carol"], "carol").status == 204
    post_stripe(client, stripe_event("checkout.session.completed", checkout_session(
        "pi_2", 20000, production_id=world["P"]), created=OCTOBER))

    run(client, admin, deliver, "2026-10")
    new = client.post("/members", token=world["carol"], json_body={"handle": "carol_again", "display_name": "C"})

    assert new.status == 201
    listed = client.get("/me/statements", token=world["carol"]).json["items"]
    assert [(s["member_id"], s["period"]) for s in listed] == [(carol_id, "2026-10"), (carol_id, "2026-09")]
    october = client.get("/me/statements/2026-10", token=world["carol"]).json["statements"]
    # net 10001 − 3001 + 20000 = 27000, pool 13500, B 6750 passes 1350 to C: 850 more than September
    assert [(s["member_id"], s["opening"], s["credits"], s["payout"]) for s in october] == [(carol_id, 500, 850, 1350)]
    first = client.get("/me/statements?limit=1", token=world["carol"]).json
    rest = client.get(f"/me/statements?limit=1&cursor={first['next_cursor']}", token=world["carol"]).json
    assert [s["period"] for s in first["items"] + rest["items"]] == ["2026-10", "2026-09"]


def test_an_identity_that_never_registered_reads_no_statements(client, token):
    assert "register" in assert_problem(client.get("/me/statements", token=token("sub-stranger")), 403)["detail"].lower()
    assert_problem(client.get("/me/statements/2026-09", token=token("sub-stranger")), 403)


def test_a_second_deletion_of_the_same_profile_is_refused(client, member):
    alice = member("alice")
    assert delete_me(client, alice, "alice").status == 204

    assert_problem(delete_me(client, alice, "alice"), 403)  # no profile any more: register first


def test_deletion_undoes_follows_both_ways_and_keeps_comments_authored_by_orphan(client, member, deliver):
    alice, bob, carol = member("alice"), member("bob"), member("carol")
    story = text(client, bob, "Bob's story")
    for follower, followee in ((alice, "bob"), (carol, "alice"), (bob, "alice")):
        assert client.request("PUT", f"/members/{followee}/follow", token=follower).status == 200
    comment = client.post(f"/records/{story}/comments", token=alice, json_body={"body": "Lovely."})
    assert comment.status == 201, comment
    deliver()

    assert delete_me(client, alice, "alice").status == 204
    deliver()

    bob_profile, carol_profile = client.get("/members/bob").json, client.get("/members/carol").json
    assert (bob_profile["follower_count"], bob_profile["following_count"]) == (0, 0)
    assert (carol_profile["follower_count"], carol_profile["following_count"]) == (0, 0)
    assert client.get("/members/bob/followers").json["items"] == []
    assert client.get("/members/carol/following").json["items"] == []
    listed = client.get(f"/records/{story}/comments").json["items"]
    assert [(c["id"], c["body"], c["author"]) for c in listed] == [(comment.json["id"], "Lovely.", ORPHAN)]


def test_a_deleted_identity_keeps_its_payout_account_and_payouts(client, member, token):
    alice = member("alice")
    created = client.post("/me/payout-account", token=alice)
    assert created.status == 201, created
    assert delete_me(client, alice, "alice").status == 204

    account = client.get("/me/payout-account", token=alice)
    payouts = client.get("/me/payouts", token=alice)

    assert account.status == 200 and account.json["status"] == created.json["status"]
    assert payouts.status == 200 and payouts.json == {"items": [], "next_cursor": None}
    for path in ("/me/payouts", "/me/payout-account"):
        assert "register" in assert_problem(client.get(path, token=token("sub-stranger")), 403)["detail"].lower()
