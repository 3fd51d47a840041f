"""Remix lineage: sources, remixes, cycles, and walks both ways."""
from __future__ import annotations

import pytest

from tests import media_samples as samples
from tests.functional.test_records import create_media, upload
from tests.support import assert_problem


@pytest.fixture
def publish(client, alice):
    """`publish("A", sources=[a_id])` → id of a ready text record by alice."""

    def make(title: str, sources: list[str] = (), token: str | None = None, **fields) -> str:
        reply = client.post("/records", token=token or alice, json_body={
            "kind": "text", "title": title, "body": title, "sources": [{"record_id": s} for s in sources], **fields})
        assert reply.status == 201, reply
        return reply.json["record"]["id"]

    return make


@pytest.fixture
def diamond(publish):
    """D remixes B and C; B and C remix A."""
    a = publish("A")
    b = publish("B", [a])
    c = publish("C", [a])
    d = publish("D", [b, c])
    return {"A": a, "B": b, "C": c, "D": d}


def lineage(client, record_id, direction="ancestors", depth=3):
    reply = client.get(f"/records/{record_id}/lineage?direction={direction}&depth={depth}")
    assert reply.status == 200, reply
    return reply.json


def test_ancestors_of_a_diamond_list_the_shared_source_once_with_exact_edges(client, diamond):
    ids = diamond
    graph = lineage(client, ids["D"])

    assert sorted(n["title"] for n in graph["nodes"]) == ["A", "B", "C", "D"]
    assert sorted((e["source"], e["remix"]) for e in graph["edges"]) == sorted([
        (ids["B"], ids["D"]), (ids["C"], ids["D"]), (ids["A"], ids["B"]), (ids["A"], ids["C"])])
    node = next(n for n in graph["nodes"] if n["title"] == "A")
    assert node == {"id": ids["A"], "title": "A", "kind": "text", "owner_handle": "alice", "status": "ready"}


def test_descendants_of_a_diamond_walk_the_remixes(client, diamond):
    ids = diamond
    graph = lineage(client, ids["A"], direction="descendants")

    assert sorted(n["title"] for n in graph["nodes"]) == ["A", "B", "C", "D"]
    assert len(graph["edges"]) == 4 and graph["truncated"] is False


def test_depth_limits_the_walk(client, publish):
    chain = [publish("0")]
    for n in range(1, 6):
        chain.append(publish(str(n), [chain[-1]]))

    assert sorted(n["title"] for n in lineage(client, chain[-1], depth=2)["nodes"]) == ["3", "4", "5"]
    assert len(lineage(client, chain[-1], depth=1)["edges"]) == 1
    assert len(lineage(client, chain[0], direction="descendants", depth=10)["nodes"]) == 6


@pytest.mark.parametrize("query, field", [("depth=0", "depth"), ("depth=11", "depth"),
                                          ("direction=sideways", "direction"), ("depth=two", "depth")])
def test_bad_lineage_parameters_are_400(client, publish, query, field):
    record_id = publish("A")

    assert_problem(client.get(f"/records/{record_id}/lineage?{query}"), 400, field=field)


def test_a_removed_source_stays_in_the_lineage_as_removed(client, alice, publish):
    a = publish("A")
    b = publish("B", [a])
    client.request("DELETE", f"/records/{a}", token=alice)

    graph = lineage(client, b)

    assert {n["id"]: n["status"] for n in graph["nodes"]} == {a: "removed", b: "ready"}
    assert client.get(f"/records/{b}").json["sources"] == [a]


def test_a_cycle_is_refused_with_the_path_that_would_loop(client, alice, publish):
    a = publish("A")
    b = publish("B", [a])
    c = publish("C", [b])

    problem = assert_problem(client.post(f"/records/{a}/sources", token=alice,
                                         json_body={"sources": [{"record_id": c}]}), 422)

    assert problem["cycle"] == [a, c, b, a]
    assert a in problem["detail"] and c in problem["detail"]
    assert client.get(f"/records/{a}").json["sources"] == []


def test_sources_added_later_are_linked_and_counted(client, alice, publish):
    a, b = publish("A"), publish("B")

    reply = client.post(f"/records/{b}/sources", token=alice, json_body={"sources": [{"record_id": a, "note": "the beat"}]})

    assert reply.status == 200, reply
    assert reply.json["sources"] == [a]
    assert client.get(f"/records/{a}").json["remix_count"] == 1
    assert [r["id"] for r in client.get(f"/records/{a}/remixes").json["items"]] == [b]


def test_only_the_owner_adds_sources(client, member, publish):
    a, b = publish("A"), publish("B")
    bob = member("bob")

    assert_problem(client.post(f"/records/{b}/sources", token=bob, json_body={"sources": [{"record_id": a}]}), 403)


@pytest.fixture
def not_remixable(publish):
    return publish("Closed", remixable=False)


def test_source_rules_at_creation(client, alice, member, publish, not_remixable):
    ready = publish("Ready")
    awaiting = create_media(client, alice, samples.png(), "image/png", "image")["record"]["id"]
    unknown = "01ARZ3NDEKTSV4RRFFQ69G5FAV"

    def attempt(sources):
        return client.post("/records", token=alice, json_body={
            "kind": "text", "title": "R", "body": "r", "sources": [{"record_id": s} for s in sources]})

    assert_problem(attempt([not_remixable]), 422)
    assert_problem(attempt([awaiting]), 422)
    assert_problem(attempt([unknown]), 404)
    assert_problem(attempt(["not-an-id"]), 404)
    assert_problem(attempt([ready, ready]), 400, field="sources.1.record_id")
    assert_problem(attempt([ready] * 51), 400, field="sources")
    assert client.get(f"/records/{ready}").json["remix_count"] == 0
    assert [r["title"] for r in client.get("/records").json["items"]] == ["Ready", "Closed"]


def test_a_rejected_record_cannot_be_a_source(client, alice, deliver):
    created = create_media(client, alice, samples.png(), "audio/mpeg", "audio")
    upload(created, samples.png())
    deliver()
    rejected = created["record"]["id"]

    reply = client.post("/records", token=alice, json_body={"kind": "text", "title": "R", "body": "r",
                                                             "sources": [{"record_id": rejected}]})

    assert "rejected" in assert_problem(reply, 422)["detail"]


def test_source_rules_when_adding_later(client, alice, publish, not_remixable):
    a, b = publish("A"), publish("B", [])
    client.post(f"/records/{b}/sources", token=alice, json_body={"sources": [{"record_id": a}]})

    assert_problem(client.post(f"/records/{b}/sources", token=alice, json_body={"sources": [{"record_id": b}]}), 422)
    assert_problem(client.post(f"/records/{b}/sources", token=alice, json_body={"sources": [{"record_id": a}]}),
                   400, field="sources.0.record_id")
    assert_problem(client.post(f"/records/{b}/sources", token=alice,
                               json_body={"sources": [{"record_id": not_remixable}]}), 422)
    assert_problem(client.post(f"/records/{b}/sources", token=alice, json_body={"sources": []}), 400, field="sources")
    assert client.get(f"/records/{b}").json["sources"] == [a]


def test_remix_count_counts_ready_remixes_only(client, alice, publish, deliver):
    a = publish("A")
    created = client.post("/records", token=alice, json_body={
        "kind": "image", "title": "pic", "sources": [{"record_id": a}],
        "file": {"filename": "p.png", "content_type": "image/png", "size": len(samples.png())}}).json
    assert client.get(f"/records/{a}").json["remix_count"] == 0
    assert client.get(f"/records/{a}/remixes").json["items"] == []

    upload(created, samples.png())
    deliver()

    assert client.get(f"/records/{a}").json["remix_count"] == 1
    assert [r["id"] for r in client.get(f"/records/{a}/remixes").json["items"]] == [created["record"]["id"]]


def test_remixes_are_listed_newest_first_across_pages(client, publish):
    a = publish("A")
    remixes = [publish(f"R{n}", [a]) for n in range(5)]

    first = client.get(f"/records/{a}/remixes?limit=3").json
    second = client.get(f"/records/{a}/remixes?limit=3&cursor={first['next_cursor']}").json

    assert [r["id"] for r in first["items"] + second["items"]] == list(reversed(remixes))
    assert second["next_cursor"] is None


def test_the_unremixed_view_follows_the_first_remix_and_its_removal(client, alice, publish):
    a = publish("A")
    unremixed = lambda: [r["id"] for r in client.get("/records?unremixed=true").json["items"]]  # noqa: E731
    assert unremixed() == [a]

    b = publish("B", [a])
    assert unremixed() == [b]

    client.request("DELETE", f"/records/{b}", token=alice)
    assert unremixed() == [a]  # its only remix was taken down: waiting for collaborators again
    assert client.get(f"/records/{a}").json["remix_count"] == 0


def test_lineage_of_a_record_the_caller_cannot_see_is_404(client, alice, member):
    awaiting = create_media(client, alice, samples.png(), "image/png", "image")["record"]["id"]

    assert_problem(client.get(f"/records/{awaiting}/lineage"), 404)
    assert client.get(f"/records/{awaiting}/lineage", token=alice).status == 200
