"""A record hidden by moderation, by its owner's suspension or by a copyright notice keeps its
place (its id and its money) in a production's splits, credits and proposal, and in lineage,
with a null title that no attribution prints."""
from __future__ import annotations

import pytest

from tests.hardening.world import notice_body
from tests.support import text_record


@pytest.fixture
def mod(member):
    return member("mona", groups=["moderator"])


@pytest.fixture
def world(client, member, producer):
    alice, bob = member("alice"), member("bob")

    source = text_record(client, bob, "Offensive title", licence="cc-by")
    remix = text_record(client, alice, "Harbour", [source], licence="cc-by")
    production = client.post("/productions", token=producer, json_body={
        "title": "Coast", "format": "album", "currency": "USD"}).json["id"]
    assert client.request("PUT", f"/productions/{production}/contributions", token=producer, json_body={
        "contributions": [{"record_id": remix, "weight": 2}, {"record_id": source, "weight": 1}]}).status == 200
    assert client.post(f"/productions/{production}/proposal", token=producer).status == 201
    return {"alice": alice, "bob": bob, "P": production, "source": source, "remix": remix,
            "bob_id": client.get("/me", token=bob).json["id"]}


def hide_by_moderation(client, world, mod):
    reply = client.post("/moderation/actions", token=mod, json_body={
        "subject": {"type": "record", "id": world["source"]}, "action": "hide", "reason": "A slur in the title."})
    assert reply.status == 201, reply


def hide_by_suspension(client, world, mod):
    reply = client.post("/moderation/actions", token=mod, json_body={
        "subject": {"type": "member", "id": world["bob_id"]}, "action": "suspend_member", "reason": "Harassment."})
    assert reply.status == 201, reply


def hide_by_copyright_notice(client, world, mod):
    assert client.post("/copyright/notices", json_body=notice_body([world["source"]])).status == 201


def shown(client, world):
    production = world["P"]
    splits = {r["record_id"]: r for r in client.get(f"/productions/{production}/splits").json["records"]}
    proposal = client.get(f"/productions/{production}/proposal").json["split"]["records"]
    credits = {c["record_id"]: c for c in client.get(f"/productions/{production}/credits").json["items"]}
    lineage = {n["id"]: n for n in client.get(f"/records/{world['remix']}/lineage").json["nodes"]}
    return splits, {r["record_id"]: r for r in proposal}, credits, lineage


@pytest.mark.parametrize("hide", [hide_by_moderation, hide_by_suspension, hide_by_copyright_notice])
def test_a_hidden_record_keeps_its_id_and_share_with_a_null_title_in_splits_credits_proposal_and_lineage(
        client, world, mod, hide):
    before_splits, before_proposal, before_credits, _ = shown(client, world)
    source = world["source"]
    assert before_splits[source]["title"] == "Offensive title"

    hide(client, world, mod)

    splits, proposal, credits, lineage = shown(client, world)
    for listed, before in ((splits, before_splits), (proposal, before_proposal)):
        assert listed[source]["title"] is None
        assert {k: v for k, v in listed[source].items() if k != "title"} == {
            k: v for k, v in before[source].items() if k != "title"}
        assert listed[world["remix"]] == before[world["remix"]]
    credit = credits[source]
    assert credit["title"] is None and credit["owner_handle"] == "bob" and credit["via"] == "contribution"
    assert "Offensive" not in credit["attribution"]
    assert credit["attribution"].startswith("A work by bob, CC BY 4.0, ")
    assert credit["attribution"].endswith(f"/#/records/{source}")
    assert credits[world["remix"]] == before_credits[world["remix"]]
    assert lineage[source]["status"] == "hidden" and lineage[source]["title"] is None


def test_a_restored_record_shows_its_title_again_in_splits_and_credits(client, world, mod):
    hide_by_moderation(client, world, mod)
    reply = client.post("/moderation/actions", token=mod, json_body={
        "subject": {"type": "record", "id": world["source"]}, "action": "restore", "reason": "Renamed."})
    assert reply.status == 201, reply

    splits, proposal, credits, lineage = shown(client, world)
    for listed in (splits, proposal, credits):
        assert listed[world["source"]]["title"] == "Offensive title"
    assert credits[world["source"]]["attribution"].startswith("Offensive title by bob, ")
    assert lineage[world["source"]]["title"] == "Offensive title"
