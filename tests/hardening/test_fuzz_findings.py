"""What the schema fuzzer found, kept as plain regression tests (each failed before its fix)."""
from __future__ import annotations

import json
import re

import pytest

from chalicelib.api.openapi import document_json

DOCUMENT = json.loads(document_json())
SCHEMAS = DOCUMENT["components"]["schemas"]


def test_a_handle_with_a_trailing_newline_is_refused(world):
    from local.tokens import mint

    world.tokens["newcomer"] = mint("sub-newcomer")

    reply = world.request("POST", "/members", "newcomer", json={"handle": "newline\n", "display_name": "N"})

    assert reply.status_code == 400 and reply.json()["errors"][0]["field"] == "handle"
    pattern = SCHEMAS["RegisterMember"]["properties"]["handle"]["pattern"]  # ECMA: `$` is the very end
    assert re.fullmatch(pattern.removeprefix("^").removesuffix("$"), "newline\n") is None


def test_citing_a_source_that_is_not_remixable_is_a_documented_422(world):
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


def test_patching_a_title_to_null_is_refused_naming_the_field(world):
    reply = world.request("PATCH", f"/records/{world.record}", "member", json={"title": None})

    assert reply.status_code == 400 and reply.json()["errors"][0]["field"] == "title"


@pytest.mark.parametrize("title", ["   ", "a\u0007b", "\t", "\u0085\u0085", "\u3000"])
def test_titles_the_app_refuses_are_the_ones_the_schema_refuses(world, title):
    pattern = SCHEMAS["CreateRecord"]["properties"]["title"]["pattern"]

    reply = world.request("POST", "/records", "member", json={"kind": "text", "title": title, "body": "x"})

    assert reply.status_code == 400 and re.search(pattern, title) is None


def test_an_empty_query_value_counts_as_absent_and_is_documented_so(world):
    parameters = DOCUMENT["paths"]["/trending"]["get"]["parameters"]

    assert world.request("GET", "/trending?kind=&window=").status_code == 200
    assert all(p["allowEmptyValue"] for p in parameters if p["in"] == "query")


@pytest.mark.parametrize("model, field", [("CreateCollaboration", "kinds"), ("CreateProduction", "products")])
def test_lists_that_refuse_repeats_say_so(model, field):
    assert SCHEMAS[model]["properties"][field]["uniqueItems"] is True
