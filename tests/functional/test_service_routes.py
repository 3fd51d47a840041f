"""Health, the OpenAPI document and the error model shared by every route."""
from __future__ import annotations

from tests.support import assert_problem


def test_health_is_ok(client):
    reply = client.get("/health")

    assert reply.status == 200
    assert reply.json == {"status": "ok"}


def test_openapi_document_is_served_and_lists_itself_and_health(client):
    reply = client.get("/openapi.json")

    assert reply.status == 200
    assert reply.json["openapi"].startswith("3.")
    assert {"/health", "/openapi.json", "/members"} <= set(reply.json["paths"])


def test_query_parameters_on_a_route_that_takes_none_are_400(client):
    assert_problem(client.get("/health?verbose=1"), 400, field="verbose")


def test_an_empty_query_value_counts_as_absent(client):
    assert client.get("/health?verbose=").status == 200


def test_an_authorization_header_that_is_not_bearer_is_401(client):
    reply = client.get("/health", headers={"authorization": "Basic YWxpY2U6c2VjcmV0"})

    problem = assert_problem(reply, 401)
    assert reply.headers["www-authenticate"].startswith("Bearer")
    assert "Bearer" in problem["detail"]


def test_every_response_carries_the_request_id_its_log_lines_are_correlated_by(client):
    first, second = client.get("/health"), client.get("/members/nobody")

    assert first.headers["x-request-id"] and second.headers["x-request-id"]
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
