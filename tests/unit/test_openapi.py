"""The OpenAPI document is generated from the route table and the request/response models."""
from __future__ import annotations

import json

import pytest
from openapi_spec_validator import validate

from app import app
from chalicelib.api.openapi import document_json


@pytest.fixture(scope="module")
def document():
    return json.loads(document_json())


def test_the_document_is_valid_openapi_3_1(document):
    validate(document)
    assert document["openapi"] == "3.1.0"


def test_every_route_of_the_app_is_documented(document):
    served = {(path, method.lower()) for path, entries in app.routes.items() for method in entries}
    documented = {(path, method) for path, operations in document["paths"].items() for method in operations}

    assert served == documented


def test_request_bodies_and_responses_reference_the_pydantic_schemas(document):
    register = document["paths"]["/members"]["post"]
    body_ref = register["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = document["components"]["schemas"][body_ref.rsplit("/", 1)[1]]

    assert body["additionalProperties"] is False
    assert set(body["required"]) == {"handle", "display_name"}
    assert body["properties"]["display_name"]["maxLength"] == 80
    assert "201" in register["responses"] and "409" in register["responses"]


def test_errors_are_documented_as_problem_json(document):
    responses = document["paths"]["/me"]["patch"]["responses"]

    for status in ("400", "401", "403", "413"):
        assert "application/problem+json" in responses[status]["content"]


def test_public_routes_take_an_optional_token_and_others_require_one(document):
    assert {} in document["paths"]["/members/{handle}"]["get"]["security"]
    assert document["paths"]["/me"]["get"]["security"] == [{"bearer": []}]


def test_routes_that_answer_csv_document_it_and_say_their_amounts_are_minor_units(document):
    for path in ("/me/statements/{period}", "/payouts"):
        success = document["paths"][path]["get"]["responses"]["200"]
        assert set(success["content"]) == {"application/json", "text/csv"}, path
        assert "integer minor units" in success["description"], path


def test_statement_answers_document_the_minimum_payout(document):
    schemas = document["components"]["schemas"]
    for name in ("StatementPage", "PeriodStatements"):
        assert "min_payout" in schemas[name]["required"]
        assert "REMIXERY_MIN_PAYOUT" in schemas[name]["properties"]["min_payout"]["description"]
