"""Licences over HTTP: the list, licences on records, the citation rules at creation and when
sources are added, no-derivatives records, and licence changes."""
from __future__ import annotations

import pytest

from tests.support import assert_problem

ALL = ["remixery", "cc0", "cc-by", "cc-by-sa", "cc-by-nc", "cc-by-nc-sa", "cc-by-nd", "cc-by-nc-nd"]

# (source licence, remix licence, the rule named): one case of each rule
BROKEN = [("cc-by-nd", "cc-by", "no_derivatives"), ("cc-by-sa", "cc-by", "share_alike"),
          ("cc-by-nc", "cc-by", "non_commercial"), ("cc-by", "cc0", "attribution"),
          ("remixery", "cc-by-nc", "remixery")]


@pytest.fixture
def publish(client, alice):
    """`publish("A", "cc-by", sources=[id])` → id of a ready text record by alice."""

    def make(title: str, licence: str | None = None, sources: list[str] = (), **fields) -> str:
        body = {"kind": "text", "title": title, "body": title, "sources": [{"record_id": s} for s in sources], **fields}
        reply = client.post("/records", token=alice, json_body={**body, **({"licence": licence} if licence else {})})
        assert reply.status == 201, reply
        return reply.json["record"]["id"]

    return make


def record(client, record_id, token=None) -> dict:
    reply = client.get(f"/records/{record_id}", token=token)
    assert reply.status == 200, reply
    return reply.json


def relicense(client, token, record_id, licence, **fields):
    return client.patch(f"/records/{record_id}", token=token, json_body={"licence": licence, **fields})


# --- the list ----------------------------------------------------------------------------------

def test_the_licences_are_listed_publicly_with_their_flags_and_canonical_deeds(client):
    reply = client.get("/licences")

    assert reply.status == 200, reply
    assert reply.json["next_cursor"] is None
    items = {item["id"]: item for item in reply.json["items"]}
    assert list(items) == ALL
    assert items["remixery"] == {"id": "remixery", "name": "Remixery community licence",
                                 "url": "https://remixery.org/licence", "derivatives": True, "share_alike": False,
                                 "non_commercial": True, "attribution": True}
    assert items["cc0"]["url"] == "https://creativecommons.org/publicdomain/zero/1.0/"
    assert items["cc-by-nc-nd"] == {"id": "cc-by-nc-nd", "name": "CC BY-NC-ND 4.0",
                                    "url": "https://creativecommons.org/licenses/by-nc-nd/4.0/",
                                    "derivatives": False, "share_alike": False, "non_commercial": True,
                                    "attribution": True}


def test_the_licence_list_takes_no_query_parameters(client):
    assert_problem(client.get("/licences?limit=5"), 400, "limit")


# --- licences on records ---------------------------------------------------------------------

def test_a_record_is_under_the_community_licence_unless_it_says_otherwise(client, publish):
    assert record(client, publish("Plain"))["licence"] == "remixery"
    assert record(client, publish("Open", "cc-by"))["licence"] == "cc-by"


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_an_unknown_licence_is_a_400_naming_the_allowed_ones(client, alice, publish, method):
    mine = publish("Mine")
    if method == "POST":
        reply = client.post("/records", token=alice, json_body={"kind": "text", "title": "T", "body": "B",
                                                                "licence": "cc-by-3.0"})
    else:
        reply = relicense(client, alice, mine, "gpl")

    problem = assert_problem(reply, 400, "licence")
    message = next(e["message"] for e in problem["errors"] if e["field"] == "licence")
    assert all(f"'{licence}'" in message for licence in ALL), message
    assert record(client, mine)["licence"] == "remixery"


# --- the rules when citing -------------------------------------------------------------------

@pytest.mark.parametrize("source_licence, remix_licence, rule", BROKEN)
def test_a_remix_whose_licence_a_source_does_not_allow_is_refused_naming_the_rule_and_source(
        client, alice, publish, source_licence, remix_licence, rule):
    fine = publish("Fine", "cc0")
    source = publish("Source", source_licence)

    reply = client.post("/records", token=alice, json_body={
        "kind": "text", "title": "Remix", "body": "R", "licence": remix_licence,
        "sources": [{"record_id": fine}, {"record_id": source}]})

    problem = assert_problem(reply, 422, "sources.1.record_id")
    assert (problem["rule"], problem["source_id"]) == (rule, source)
    assert client.get("/members/alice").json["record_count"] == 2
    assert client.get(f"/records/{fine}/remixes").json["items"] == []


@pytest.mark.parametrize("source_licence, remix_licence, rule", BROKEN)
def test_sources_added_later_are_held_to_the_remix_licence(client, alice, publish, source_licence, remix_licence, rule):
    remix = publish("Remix", remix_licence)
    fine = publish("Fine", "cc0")
    source = publish("Source", source_licence)

    reply = client.post(f"/records/{remix}/sources", token=alice,
                        json_body={"sources": [{"record_id": fine}, {"record_id": source}]})

    problem = assert_problem(reply, 422, "sources.1.record_id")
    assert (problem["rule"], problem["source_id"]) == (rule, source)
    assert record(client, remix)["sources"] == []


def test_share_alike_sources_of_two_licences_cannot_meet_and_the_first_conflicting_is_named(client, alice, publish):
    sa, nc_sa = publish("SA", "cc-by-sa"), publish("NC-SA", "cc-by-nc-sa")

    reply = client.post("/records", token=alice, json_body={
        "kind": "text", "title": "Remix", "body": "R", "licence": "cc-by-sa",
        "sources": [{"record_id": sa}, {"record_id": nc_sa}]})

    problem = assert_problem(reply, 422, "sources.1.record_id")
    assert (problem["rule"], problem["source_id"]) == ("share_alike", nc_sa)


def test_a_source_added_later_is_held_to_the_sources_already_cited(client, alice, publish):
    sa = publish("SA", "cc-by-sa")
    remix = publish("Remix", "cc-by-sa", sources=[sa])
    nc_sa = publish("NC-SA", "cc-by-nc-sa")

    reply = client.post(f"/records/{remix}/sources", token=alice, json_body={"sources": [{"record_id": nc_sa}]})

    problem = assert_problem(reply, 422, "sources.0.record_id")
    assert (problem["rule"], problem["source_id"]) == ("share_alike", nc_sa)


def test_sources_whose_licences_allow_the_remix_are_cited_at_creation_and_later(client, alice, publish):
    nc, community, by = publish("NC", "cc-by-nc"), publish("Community"), publish("BY", "cc-by")
    remix = publish("Remix", sources=[nc, community])

    reply = client.post(f"/records/{remix}/sources", token=alice, json_body={"sources": [{"record_id": by}]})

    assert reply.status == 200, reply
    assert reply.json["sources"] == [nc, community, by] and reply.json["licence"] == "remixery"


# --- no derivatives ----------------------------------------------------------------------------

def test_a_no_derivatives_record_is_not_remixable_and_cannot_be_made_so(client, alice, publish):
    nd = publish("ND", "cc-by-nd")
    assert record(client, nd)["remixable"] is False

    reply = client.post("/records", token=alice, json_body={"kind": "text", "title": "T", "body": "B",
                                                            "licence": "cc-by-nc-nd", "remixable": True})
    assert assert_problem(reply, 422, "remixable")
    assert client.get("/members/alice").json["record_count"] == 1

    assert_problem(client.patch(f"/records/{nd}", token=alice, json_body={"remixable": True}), 422, "remixable")
    assert record(client, nd)["remixable"] is False


def test_changing_to_a_no_derivatives_licence_makes_a_record_unremixable(client, alice, publish):
    mine = publish("Mine", "cc-by")

    reply = relicense(client, alice, mine, "cc-by-nd")

    assert reply.status == 200, reply
    assert (reply.json["licence"], reply.json["remixable"]) == ("cc-by-nd", False)
    assert record(client, mine) == reply.json
    assert_problem(relicense(client, alice, mine, "cc-by-nc-nd", remixable=True), 422, "remixable")
    assert record(client, mine)["licence"] == "cc-by-nd"


# --- licence changes ---------------------------------------------------------------------------

def test_a_licence_is_free_to_change_while_nothing_cites_the_record(client, alice, publish):
    mine = publish("Mine", "cc-by")

    assert relicense(client, alice, mine, "cc-by-nc-sa").json["licence"] == "cc-by-nc-sa"
    assert relicense(client, alice, mine, "remixery").json["licence"] == "remixery"
    assert record(client, mine)["licence"] == "remixery"


def test_only_the_owner_changes_a_licence(client, alice, member, publish):
    mine = publish("Mine", "cc-by")

    assert_problem(relicense(client, member("bob"), mine, "cc0"), 403)
    assert record(client, mine)["licence"] == "cc-by"


def test_a_remix_cannot_change_to_a_licence_its_own_sources_do_not_allow(client, alice, publish):
    nc = publish("NC", "cc-by-nc")
    remix = publish("Remix", "cc-by-nc", sources=[publish("BY", "cc-by"), nc])

    problem = assert_problem(relicense(client, alice, remix, "cc-by"), 422, "licence")

    assert (problem["rule"], problem["source_id"]) == ("non_commercial", nc)
    assert record(client, remix)["licence"] == "cc-by-nc"


def test_a_licence_change_a_citing_remix_could_not_follow_is_a_409_naming_the_remix_and_rule(client, alice, publish):
    source = publish("Source", "cc-by-nc-sa")
    remix = publish("Remix", "cc-by-nc-sa", sources=[source])

    problem = assert_problem(relicense(client, alice, source, "cc-by-sa"), 409)  # grants more, breaks the remix

    assert (problem["rule"], problem["remix_id"]) == ("share_alike", remix)
    assert record(client, source)["licence"] == "cc-by-nc-sa"


def test_once_a_remix_cites_a_record_its_licence_only_changes_to_one_that_grants_at_least_as_much(
        client, alice, publish):
    source = publish("Source", "cc-by")
    remix = publish("Remix", "cc-by-nc", sources=[source])

    problem = assert_problem(relicense(client, alice, source, "cc-by-nc"), 409)  # the remix could follow

    assert problem["remix_id"] == remix and "grants at least as much" in problem["detail"]
    assert record(client, source)["licence"] == "cc-by"
    assert relicense(client, alice, source, "cc0").json["licence"] == "cc0"


def test_the_community_licence_may_open_up_to_cc_by_nc_under_a_citing_remix(client, alice, publish):
    source = publish("Source")
    publish("Remix", sources=[source])

    assert_problem(relicense(client, alice, source, "cc-by-nc-sa"), 409)
    reply = relicense(client, alice, source, "cc-by-nc")

    assert reply.status == 200, reply
    assert record(client, source)["licence"] == "cc-by-nc"


def test_a_remix_awaiting_its_upload_holds_the_licence_of_what_it_cites(client, alice, publish):
    source = publish("Source", "cc-by")
    reply = client.post("/records", token=alice, json_body={
        "kind": "image", "title": "Drawing", "licence": "cc-by", "sources": [{"record_id": source}],
        "file": {"filename": "a.png", "content_type": "image/png", "size": 10}})
    assert reply.status == 201 and reply.json["record"]["status"] == "awaiting_upload", reply

    problem = assert_problem(relicense(client, alice, source, "cc-by-nc"), 409)

    assert (problem["rule"], problem["remix_id"]) == ("non_commercial", reply.json["record"]["id"])


def test_a_remix_taken_down_no_longer_holds_the_licence_of_what_it_cites(client, alice, publish):
    source = publish("Source", "cc-by")
    remix = publish("Remix", "cc-by", sources=[source])
    assert client.request("DELETE", f"/records/{remix}", token=alice).status == 204

    reply = relicense(client, alice, source, "cc-by-nc")

    assert reply.status == 200, reply
    assert reply.json["licence"] == "cc-by-nc"
