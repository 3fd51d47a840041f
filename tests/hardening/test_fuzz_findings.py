"""What the schema fuzzer (and an attacker reading its document) found, kept as plain regression
tests (each failed before its fix). The tests share one world: none leaves it less usable."""
from __future__ import annotations

import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, urlencode

import pytest

from chalicelib.api.openapi import document_json
from tests.hardening.world import unique
from tests.store_payloads import checkout_session

DOCUMENT = json.loads(document_json())
SCHEMAS = DOCUMENT["components"]["schemas"]


def ecma_matches(pattern: str, value: str) -> bool:
    """An anchored schema pattern as ECMA reads it: its `$` is the very end (Python's `$` also
    matches before a trailing newline)."""
    return re.fullmatch(pattern.removeprefix("^").removesuffix("$"), value) is not None


def test_a_handle_with_a_trailing_newline_is_refused(shared_world):
    from local.tokens import mint

    world = shared_world
    world.tokens["newcomer"] = mint("sub-newcomer")

    reply = world.request("POST", "/members", "newcomer", json={"handle": "newline\n", "display_name": "N"})

    assert reply.status_code == 400 and reply.json()["errors"][0]["field"] == "handle"
    assert not ecma_matches(SCHEMAS["RegisterMember"]["properties"]["handle"]["pattern"], "newline\n")


def test_citing_a_source_that_is_not_remixable_is_a_documented_422(shared_world):
    world = shared_world
    closed = world.fresh_record("other_member", remixable=False)

    reply = world.request("POST", "/records", "member", json={
        "kind": "text", "title": "Remix", "body": "x", "sources": [{"record_id": closed}]})

    assert reply.status_code == 422
    assert "422" in DOCUMENT["paths"]["/records"]["post"]["responses"]
    assert "409" in DOCUMENT["paths"]["/records/{record_id}"]["delete"]["responses"]


@pytest.mark.parametrize("model, field", [("UpdateMe", "display_name"), ("UpdateRecord", "title"),
                                          ("UpdateRecord", "tags"), ("UpdateRecord", "remixable"),
                                          ("UpdateProduction", "currency"), ("UpdateProduction", "products")])
def test_patch_fields_that_cannot_be_null_are_not_documented_as_nullable(model, field):
    schema = SCHEMAS[model]["properties"][field]

    assert "anyOf" not in schema and schema.get("type") != "null" and "default" not in schema


def test_patching_a_title_to_null_is_refused_naming_the_field(shared_world):
    world = shared_world

    reply = world.request("PATCH", f"/records/{world.record}", "member", json={"title": None})

    assert reply.status_code == 400 and reply.json()["errors"][0]["field"] == "title"


@pytest.mark.parametrize("title", ["   ", "a\u0007b", "\t", "\u0085\u0085", "\u3000", "a\u009b31mb", "a\u0080b",
                                   "a\u007fb"])
def test_titles_the_app_refuses_are_the_ones_the_schema_refuses(shared_world, title):
    world = shared_world
    pattern = SCHEMAS["CreateRecord"]["properties"]["title"]["pattern"]

    reply = world.request("POST", "/records", "member", json={"kind": "text", "title": title, "body": "x"})

    assert reply.status_code == 400 and re.search(pattern, title) is None


@pytest.mark.parametrize("description, status", [("two\r\n\tlines", 201), ("C1 \u0085 next line", 400),
                                                 ("escape \u009b[2J", 400), ("bell \u0007", 400), ("nul \u0000", 400)])
def test_multi_line_text_keeps_newlines_and_tabs_and_refuses_every_other_control_character(shared_world, description,
                                                                                          status):
    world = shared_world
    pattern = SCHEMAS["AddCost"]["properties"]["description"]["pattern"]

    reply = world.request("POST", f"/productions/{world.draft}/costs", "producer", json={
        "amount": {"amount": 1, "currency": "USD"}, "description": description, "incurred_on": "2026-10-01"})

    assert reply.status_code == status, reply.text
    assert ecma_matches(pattern, description) == (status == 201)


def test_an_empty_query_value_counts_as_absent_and_is_documented_so(shared_world):
    world = shared_world
    parameters = DOCUMENT["paths"]["/trending"]["get"]["parameters"]

    assert world.request("GET", "/trending?kind=&window=").status_code == 200
    assert all(p["allowEmptyValue"] for p in parameters if p["in"] == "query")


@pytest.mark.parametrize("model, field", [("CreateCollaboration", "kinds"), ("CreateProduction", "products")])
def test_lists_that_refuse_repeats_say_so(model, field):
    assert SCHEMAS[model]["properties"][field]["uniqueItems"] is True


# --- dates and periods: ASCII, years 1970–9999, one parser for every field and path ----------

BAD_DAYS = ["0999-06-15", "1969-12-31", "10000-01-01", "２０２６-10-01", "٢٠٢٦-10-01", "2026-1-01", "2026-10-1",
            "2026-13-01", "2026-00-10", "2026-02-30", "2025-02-29", "2026-10-32", "2026-10-01\n", " 2026-10-01",
            "+2026-10-01", "2026-W40-1", "20261001", "2026-10-01T00:00:00Z", "2026/10/01", ""]
GOOD_DAYS = {"1970-01-01": "1970-01", "9999-12-31": "9999-12", "2024-02-29": "2024-02", "2026-10-31": "2026-10"}
BAD_PERIODS = ["0999-06", "1969-12", "10000-01", "２０２６-01", "٢٠٢٦-01", "2026-1", "2026-13", "2026-00",
               "2026-01\n", "2026-01-01", "202601", "+2026-01", "2026-٠١"]


def _cost(incurred_on: str) -> dict:
    return {"amount": {"amount": 700, "currency": "USD"}, "description": "Printing", "incurred_on": incurred_on}


@pytest.mark.parametrize("day", BAD_DAYS)
def test_a_cost_on_a_day_that_is_not_an_ascii_date_from_1970_to_9999_is_refused_and_books_nothing(shared_world, day):
    world = shared_world
    before = world.expect(200, "GET", f"/productions/{world.draft}", "producer")

    reply = world.request("POST", f"/productions/{world.draft}/costs", "producer", json=_cost(day))

    assert reply.status_code == 400 and reply.json()["errors"][0]["field"] == "incurred_on", reply.text
    assert world.expect(200, "GET", f"/productions/{world.draft}", "producer") == before


@pytest.mark.parametrize("day, period", GOOD_DAYS.items())
def test_a_cost_on_any_day_from_1970_to_9999_is_booked_in_its_own_period(shared_world, day, period):
    draft = shared_world.fresh_draft()

    cost = shared_world.expect(201, "POST", f"/productions/{draft}/costs", "producer", json=_cost(day))

    assert cost["period"] == period
    ledger = shared_world.expect(200, "GET", f"/productions/{draft}/ledger", "producer")["items"]
    assert [e["period"] for e in ledger] == [period]


@pytest.mark.parametrize("period", BAD_PERIODS)
def test_a_period_that_is_not_an_ascii_month_from_1970_to_9999_is_a_400_in_a_body_and_in_a_path(shared_world, period):
    world = shared_world
    quoted = quote(period, safe="")

    replies = [world.request("POST", "/royalty-runs", "admin", json={"period": period}),
               world.request("GET", f"/royalty-runs/{quoted}", "admin"),
               world.request("GET", f"/me/statements/{quoted}", "member"),
               world.request("GET", f"/me/statements/{quoted}", "member", headers={"Accept": "text/csv"})]

    for reply in replies:
        assert reply.status_code == 400, (reply.request.method, reply.request.url, reply.status_code, reply.text)
        assert reply.headers["Content-Type"] == "application/problem+json"
        assert reply.json()["errors"][0]["field"] == "period"
    assert world.expect(200, "GET", "/me/statements", "member")["items"] == []


def test_the_first_and_last_periods_are_periods(shared_world):
    world = shared_world

    assert world.expect(200, "GET", "/me/statements/9999-12", "member") == {"period": "9999-12", "statements": [],
                                                                             "min_payout": 1000}
    world.expect(404, "GET", "/royalty-runs/1970-01", "admin")
    world.expect(422, "POST", "/royalty-runs", "admin", json={"period": "9999-12"})  # not ended yet


@pytest.mark.parametrize("value", [*BAD_DAYS, *GOOD_DAYS])
def test_the_documented_date_pattern_is_the_check_the_app_makes(value):
    from chalicelib.api.fields import parse_day

    pattern = SCHEMAS["AddCost"]["properties"]["incurred_on"]["pattern"]
    try:
        parse_day(value)
        accepted = True
    except ValueError:
        accepted = False

    assert accepted == (value in GOOD_DAYS)
    assert "\\d" not in pattern and pattern.startswith("^") and pattern.endswith("$")
    if value not in ("2026-02-30", "2025-02-29"):  # the calendar is the `format: date` half of the schema
        assert ecma_matches(pattern, value) == accepted


@pytest.mark.parametrize("value", [*BAD_PERIODS, "1970-01", "9999-12", "2026-10"])
def test_the_documented_period_pattern_is_the_check_the_app_makes_in_bodies_and_paths(value):
    from chalicelib.api.fields import parse_period

    body = SCHEMAS["StartRun"]["properties"]["period"]["pattern"]
    paths = [next(p for p in DOCUMENT["paths"][path]["get"]["parameters"] if p["name"] == "period")["schema"]["pattern"]
             for path in ("/royalty-runs/{period}", "/me/statements/{period}")]
    try:
        parse_period(value)
        accepted = True
    except ValueError:
        accepted = False

    assert accepted == (value not in BAD_PERIODS)
    assert paths == [body, body] and "\\d" not in body
    assert ecma_matches(body, value) == accepted
    assert "400" in DOCUMENT["paths"]["/royalty-runs/{period}"]["get"]["responses"]
    assert "400" in DOCUMENT["paths"]["/me/statements/{period}"]["get"]["responses"]


# --- a product another production sells: 409, and nothing changes ------------------------------

def _stripe_products(product_ids: list[str]) -> list[dict]:
    return [{"provider": "stripe", "product_id": p} for p in product_ids]


def _sellers_of(world, product_id: str, candidates: list[str]) -> list[str]:
    """Which of `candidates` a sale of `product_id` is booked to (none: it maps to no production)."""
    def gross() -> dict[str, int]:
        return {p: world.expect(200, "GET", f"/productions/{p}", "producer")["totals"]["gross"]["amount"]
                for p in candidates}

    before = gross()
    world.stripe(checkout_session(unique("pi_probe_"), 100, product_id=product_id))
    after = gross()
    return [p for p in candidates if after[p] != before[p]]


@pytest.mark.parametrize("dropped, taken", [(0, 1), (1, 1), (2, 1), (5, 1), (2, 3), (5, "released")])
def test_a_patch_adding_a_product_another_production_sells_is_a_409_that_changes_nothing(shared_world, dropped, taken):
    world = shared_world
    own = [unique("prod_own_") for _ in range(6)]
    mine = world.fresh_draft(products=_stripe_products(own))
    if taken == "released":
        theirs, taken_ids = world.released, ["prod_matrix"]
    else:
        taken_ids = [unique("prod_taken_") for _ in range(taken)]
        theirs = world.fresh_draft(products=_stripe_products(taken_ids))
    free = unique("prod_free_")
    before = {p: world.expect(200, "GET", f"/productions/{p}", "producer") for p in (mine, theirs)}

    reply = world.request("PATCH", f"/productions/{mine}", "producer", json={
        "title": "Changed", "products": _stripe_products([*own[dropped:], free, *taken_ids])})

    assert reply.status_code == 409, reply.text
    assert reply.headers["Content-Type"] == "application/problem+json"
    assert any(t in reply.json()["detail"] for t in taken_ids), reply.json()
    assert {p: world.expect(200, "GET", f"/productions/{p}", "producer") for p in (mine, theirs)} == before
    assert [_sellers_of(world, p, [mine, theirs]) for p in own] == [[mine]] * len(own)
    assert [_sellers_of(world, p, [mine, theirs]) for p in taken_ids] == [[theirs]] * len(taken_ids)
    assert _sellers_of(world, free, [mine, theirs]) == []


def test_a_new_production_listing_a_product_another_sells_is_a_409_and_maps_none_of_its_products(shared_world):
    world = shared_world
    free = [unique("prod_free_") for _ in range(3)]

    reply = world.request("POST", "/productions", "producer", json={
        "title": "Late", "format": "book", "currency": "USD", "products": _stripe_products([*free, "prod_matrix"])})

    assert reply.status_code == 409 and "prod_matrix" in reply.json()["detail"], reply.text
    assert [_sellers_of(world, p, [world.released]) for p in free] == [[], [], []]
    assert _sellers_of(world, "prod_matrix", [world.released]) == [world.released]


@pytest.mark.parametrize("products", [["prod_matrix", "prod_matrix"], ["prod_same", "prod_same"]])
def test_a_product_listed_twice_in_one_patch_is_a_400_naming_the_repeat(shared_world, products):
    world = shared_world
    mine = world.fresh_draft()
    before = world.expect(200, "GET", f"/productions/{mine}", "producer")

    reply = world.request("PATCH", f"/productions/{mine}", "producer", json={"products": _stripe_products(products)})

    assert reply.status_code == 400 and reply.json()["errors"][0]["field"] == "products.1", reply.text
    assert world.expect(200, "GET", f"/productions/{mine}", "producer") == before


def _race(world, requests_: list[tuple[str, dict]]) -> list[int]:
    """Sends the PATCHes at once (one thread each); their statuses, in order."""
    barrier = threading.Barrier(len(requests_))

    def send(production_id: str, body: dict) -> int:
        barrier.wait()
        return world.request("PATCH", f"/productions/{production_id}", "producer", json=body).status_code

    with ThreadPoolExecutor(len(requests_)) as pool:
        return list(pool.map(lambda r: send(*r), requests_))


def test_two_productions_racing_for_one_product_get_one_200_and_one_409(shared_world):
    world = shared_world
    for _ in range(3):
        first, second, product = world.fresh_draft(), world.fresh_draft(), unique("prod_contested_")

        statuses = _race(world, [(p, {"products": _stripe_products([product])}) for p in (first, second)])

        assert sorted(statuses) == [200, 409]
        winner = (first, second)[statuses.index(200)]
        assert _sellers_of(world, product, [first, second]) == [winner]


def test_racing_patches_of_one_production_leave_its_products_and_their_mappings_in_step(shared_world):
    world = shared_world
    for _ in range(3):
        own = [unique("prod_own_") for _ in range(3)]
        mine = world.fresh_draft(products=_stripe_products(own))
        added = [unique("prod_new_"), unique("prod_new_")]

        statuses = _race(world, [(mine, {"products": _stripe_products([*own[:n], *own[n + 1:], added[n]])})
                                 for n in (0, 1)])

        assert 200 in statuses and set(statuses) <= {200, 409}
        listed = {p["product_id"] for p in world.expect(200, "GET", f"/productions/{mine}", "producer")["products"]}
        for product in [*own, *added]:
            assert _sellers_of(world, product, [mine]) == ([mine] if product in listed else []), product


# --- a field given twice: pydantic kept the last value, which a proxy or a log may not have read ---

REPEATED_COSTS = {
    "amount.amount": b'{"amount": {"amount": 5, "amount": 700000, "currency": "USD"}, "description": "Printing", '
                     b'"incurred_on": "2026-10-01"}',
    "amount.currency": b'{"amount": {"amount": 5, "currency": "EUR", "currency": "USD"}, "description": "Printing", '
                       b'"incurred_on": "2026-10-01"}',
    "incurred_on": b'{"amount": {"amount": 5, "currency": "USD"}, "description": "Printing", '
                   b'"incurred_on": "2026-10-01", "incurred_on": "2026-11-01"}',
}


@pytest.mark.parametrize("field", REPEATED_COSTS)
def test_a_cost_giving_a_field_twice_is_a_400_naming_it_that_books_nothing(shared_world, field):
    world = shared_world
    draft = world.fresh_draft()

    reply = world.request("POST", f"/productions/{draft}/costs", "producer", data=REPEATED_COSTS[field],
                          headers={"Content-Type": "application/json"})

    assert reply.status_code == 400 and reply.headers["Content-Type"] == "application/problem+json", reply.text
    assert [e["field"] for e in reply.json()["errors"]] == [field]
    assert world.expect(200, "GET", f"/productions/{draft}/ledger", "producer")["items"] == []


def test_a_product_giving_its_id_twice_is_a_400_naming_it_that_maps_nothing(shared_world):
    world = shared_world
    mine = world.fresh_draft()
    before = world.expect(200, "GET", f"/productions/{mine}", "producer")
    mapped = unique("prod_first_")

    reply = world.request("PATCH", f"/productions/{mine}", "producer", headers={"Content-Type": "application/json"},
                          data=json.dumps({"products": [{"provider": "stripe", "product_id": mapped}]})
                          .replace('"product_id"', '"product_id": "prod_matrix", "product_id"').encode())

    assert reply.status_code == 400 and [e["field"] for e in reply.json()["errors"]] == ["products.0.product_id"]
    assert world.expect(200, "GET", f"/productions/{mine}", "producer") == before
    assert _sellers_of(world, mapped, [mine]) == []


# --- a collaboration id in a production's body had no bound: 5,000 characters or a NUL were looked
# up and echoed back in a 404 that named no field ---

@pytest.mark.parametrize("collaboration_id", ["x" * 5000, "a\u0000b", "01ARZ3NDEKTSV4RRFFQ69G5FAV\n", ""])
def test_a_collaboration_id_that_is_no_id_is_a_400_naming_it_on_create_and_on_patch(shared_world, collaboration_id):
    world = shared_world
    draft = world.fresh_draft()
    before = world.expect(200, "GET", f"/productions/{draft}", "producer")

    replies = [world.request("POST", "/productions", "producer", json={
                   "title": "Joined", "format": "book", "currency": "USD", "collaboration_id": collaboration_id}),
               world.request("PATCH", f"/productions/{draft}", "producer", json={"collaboration_id": collaboration_id})]

    for reply in replies:
        assert reply.status_code == 400 and reply.headers["Content-Type"] == "application/problem+json", reply.text
        assert [e["field"] for e in reply.json()["errors"]] == ["collaboration_id"]
        assert len(reply.content) < 2000
    assert world.expect(200, "GET", f"/productions/{draft}", "producer") == before
    for model in ("CreateProduction", "UpdateProduction"):
        documented = next(s for s in SCHEMAS[model]["properties"]["collaboration_id"]["anyOf"] if s["type"] == "string")
        assert documented["maxLength"] == 64 and not ecma_matches(documented["pattern"], "a\u0000b")


@pytest.mark.parametrize("collaboration_id", ["x" * 5000, "a\u0000b"])
def test_a_collaboration_id_that_is_no_id_is_a_400_naming_it_on_a_record_and_in_the_feed(shared_world,
                                                                                          collaboration_id):
    world = shared_world
    feed = world.expect(200, "GET", "/records")

    created = world.request("POST", "/records", "producer", json={
        "kind": "text", "title": "Joined", "body": "Once.", "collaboration_id": collaboration_id})
    listed = world.request("GET", "/records?" + urlencode({"collaboration_id": collaboration_id}))

    for reply in (created, listed):
        assert reply.status_code == 400 and reply.headers["Content-Type"] == "application/problem+json", reply.text
        assert [e["field"] for e in reply.json()["errors"]] == ["collaboration_id"]
    assert world.expect(200, "GET", "/records") == feed
