"""Productions: drafts, contributions, release, costs, visibility and who may change them."""
from __future__ import annotations

import pytest

from tests.support import assert_problem, release_through_proposal


def create(client, token, **fields):
    body = {"title": "Tiny Stories", "format": "book", "currency": "usd", **fields}
    reply = client.post("/productions", token=token, json_body=body)
    assert reply.status == 201, reply
    return reply.json


def text_record(client, token, title="Story"):
    reply = client.post("/records", token=token, json_body={"kind": "text", "title": title, "body": "Once."})
    assert reply.status == 201, reply
    return reply.json["record"]["id"]


def contribute(client, token, production_id, contributions):
    return client.request("PUT", f"/productions/{production_id}/contributions", token=token,
                          json_body={"contributions": contributions})


def test_a_draft_is_created_with_defaults_and_zero_totals(client, producer):
    production = create(client, producer, products=[{"provider": "stripe", "product_id": "prod_1"}])

    assert production["status"] == "draft" and production["currency"] == "USD"
    assert production["contributor_share_bps"] == 5000 and production["upstream_share_bps"] == 2000
    assert production["producer"]["handle"] == "pat"
    assert production["totals"]["net"] == {"amount": 0, "currency": "USD"}
    assert client.get(f"/productions/{production['id']}", token=producer).json == production


def test_a_draft_is_hidden_from_everyone_but_its_producer_and_admins(client, producer, alice, token):
    production = create(client, producer)["id"]

    assert_problem(client.get(f"/productions/{production}"), 404)
    assert_problem(client.get(f"/productions/{production}", token=alice), 404)
    assert client.get(f"/productions/{production}", token=token("root", ["admin"])).status == 200
    assert client.get("/productions").json["items"] == []


def test_only_producers_create_productions(client, alice, token):
    assert_problem(client.post("/productions", token=alice, json_body={}), 403)
    assert_problem(client.post("/productions", json_body={}), 401)
    unregistered_producer = token("nobody", ["producer"])
    assert_problem(client.post("/productions", token=unregistered_producer, json_body={}), 403)


@pytest.mark.parametrize("field, value", [
    ("format", "poster"), ("currency", "dollars"), ("contributor_share_bps", 10001), ("upstream_share_bps", -1),
    ("title", ""), ("products", [{"provider": "paypal", "product_id": "x"}]),
])
def test_invalid_production_fields_are_400(client, producer, field, value):
    body = {"title": "T", "format": "book", "currency": "USD", field: value}
    assert_problem(client.post("/productions", token=producer, json_body=body), 400)


def test_a_product_maps_to_one_production_only(client, producer, member):
    create(client, producer, products=[{"provider": "shopify", "product_id": "42"}])
    other = member("quinn", groups=["producer"])

    problem = assert_problem(client.post("/productions", token=other, json_body={
        "title": "Other", "format": "album", "currency": "USD",
        "products": [{"provider": "stripe", "product_id": "42"}, {"provider": "shopify", "product_id": "42"}]}), 409)
    assert "42" in problem["detail"]
    # The same id at another provider is a different product.
    create(client, other, products=[{"provider": "stripe", "product_id": "42"}])


def test_patch_changes_a_draft_and_moves_its_product_mappings(client, producer):
    production = create(client, producer, products=[{"provider": "stripe", "product_id": "old"}])

    reply = client.patch(f"/productions/{production['id']}", token=producer, json_body={
        "title": "Tiny Stories, Vol. 1", "contributor_share_bps": 6000,
        "products": [{"provider": "stripe", "product_id": "new"}]})

    assert reply.status == 200, reply
    assert reply.json["title"] == "Tiny Stories, Vol. 1" and reply.json["contributor_share_bps"] == 6000
    # "old" is free again, "new" is taken.
    create(client, producer, products=[{"provider": "stripe", "product_id": "old"}])
    assert_problem(client.post("/productions", token=producer, json_body={
        "title": "X", "format": "book", "currency": "USD", "products": [{"provider": "stripe", "product_id": "new"}]}),
        409)


def test_another_producer_may_not_change_a_released_production(client, producer, member):
    production = create(client, producer)["id"]
    assert contribute(client, producer, production, [{"record_id": text_record(client, producer), "weight": 1}]
                      ).status == 200
    assert release_through_proposal(client, producer, production).status == 200
    other = member("quinn", groups=["producer"])

    assert_problem(client.patch(f"/productions/{production}", token=other, json_body={"title": "Mine"}), 403)
    assert_problem(client.post(f"/productions/{production}/costs", token=other, json_body={}), 403)
    assert_problem(client.get(f"/productions/{production}/ledger", token=other), 403)


def test_contributions_replace_the_list_and_are_read_back(client, producer, alice):
    production = create(client, producer)["id"]
    first, second = text_record(client, alice, "A"), text_record(client, alice, "B")

    assert contribute(client, producer, production, [{"record_id": first, "weight": 3}]).status == 200
    reply = contribute(client, producer, production, [{"record_id": first, "weight": 1},
                                                      {"record_id": second, "weight": 2}])

    assert reply.status == 200, reply
    listed = client.get(f"/productions/{production}/contributions", token=producer).json["contributions"]
    assert listed == [{"record_id": first, "weight": 1}, {"record_id": second, "weight": 2}]
    assert client.get(f"/productions/{production}", token=producer).json["contribution_count"] == 2


def test_contributions_must_name_existing_uploaded_records_once(client, producer, alice):
    production = create(client, producer)["id"]
    record = text_record(client, alice)
    awaiting = client.post("/records", token=alice, json_body={
        "kind": "image", "title": "Pic", "file": {"filename": "a.png", "content_type": "image/png", "size": 10}}
    ).json["record"]["id"]

    assert_problem(contribute(client, producer, production, [{"record_id": record, "weight": 1}] * 2), 400,
                   "contributions.1.record_id")
    assert_problem(contribute(client, producer, production, [{"record_id": "01J00000000000000000000000",
                                                              "weight": 1}]), 404, "contributions.0.record_id")
    assert_problem(contribute(client, producer, production, [{"record_id": awaiting, "weight": 1}]), 422,
                   "contributions.0.record_id")
    assert_problem(contribute(client, producer, production, [{"record_id": record, "weight": 0}]), 400)
    assert client.get(f"/productions/{production}", token=producer).json["contribution_count"] == 0


def test_release_needs_a_proposal_and_freezes_the_production(client, producer):
    production = create(client, producer)["id"]
    assert assert_problem(client.post(f"/productions/{production}/release", token=producer), 409)["missing"] == [
        "proposal"]
    assert_problem(client.post(f"/productions/{production}/proposal", token=producer), 409)  # no contribution
    contribute(client, producer, production, [{"record_id": text_record(client, producer), "weight": 1}])

    released = release_through_proposal(client, producer, production)

    assert released.status == 200 and released.json["status"] == "released" and released.json["released_at"]
    assert_problem(client.patch(f"/productions/{production}", token=producer, json_body={"title": "X"}), 409)
    assert_problem(contribute(client, producer, production, []), 409)
    assert_problem(client.post(f"/productions/{production}/release", token=producer), 409)
    assert [p["id"] for p in client.get("/productions").json["items"]] == [production]
    assert client.get(f"/productions/{production}").status == 200


def test_a_cost_is_booked_in_its_period_and_taken_from_net(client, producer):
    production = create(client, producer)["id"]

    reply = client.post(f"/productions/{production}/costs", token=producer, json_body={
        "amount": {"amount": 2500, "currency": "usd"}, "description": "Printing", "incurred_on": "2026-10-31"})

    assert reply.status == 201, reply
    assert reply.json["period"] == "2026-10" and reply.json["amount"] == {"amount": 2500, "currency": "USD"}
    totals = client.get(f"/productions/{production}", token=producer).json["totals"]
    assert totals["costs"]["amount"] == 2500 and totals["net"]["amount"] == -2500
    assert totals["contributor_pool"]["amount"] == 0
    ledger = client.get(f"/productions/{production}/ledger", token=producer).json["items"]
    assert [(e["kind"], e["amount"]["amount"], e["period"]) for e in ledger] == [("cost", -2500, "2026-10")]


@pytest.mark.parametrize("body, status", [
    ({"amount": {"amount": 100, "currency": "EUR"}, "description": "x", "incurred_on": "2026-10-01"}, 422),
    ({"amount": {"amount": 0, "currency": "USD"}, "description": "x", "incurred_on": "2026-10-01"}, 400),
    ({"amount": {"amount": 10**12 + 1, "currency": "USD"}, "description": "x", "incurred_on": "2026-10-01"}, 400),
    ({"amount": {"amount": 1.5, "currency": "USD"}, "description": "x", "incurred_on": "2026-10-01"}, 400),
    ({"amount": {"amount": 100, "currency": "USD"}, "description": "x", "incurred_on": "2026-02-30"}, 400),
])
def test_invalid_costs_are_refused_and_book_nothing(client, producer, body, status):
    production = create(client, producer)["id"]

    assert_problem(client.post(f"/productions/{production}/costs", token=producer, json_body=body), status)
    assert client.get(f"/productions/{production}/ledger", token=producer).json["items"] == []


def test_the_ledger_pages_oldest_first(client, producer):
    production = create(client, producer)["id"]
    for day in (1, 2, 3):
        client.post(f"/productions/{production}/costs", token=producer, json_body={
            "amount": {"amount": day, "currency": "USD"}, "description": f"c{day}", "incurred_on": f"2026-10-0{day}"})

    first = client.get(f"/productions/{production}/ledger?limit=2", token=producer).json
    rest = client.get(f"/productions/{production}/ledger?limit=2&cursor={first['next_cursor']}", token=producer).json

    assert [e["description"] for e in first["items"] + rest["items"]] == ["c1", "c2", "c3"]
    assert rest["next_cursor"] is None
