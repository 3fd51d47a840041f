"""AWS still throttling or failing after the SDK's retries is a 503 with Retry-After, not a 500."""
from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from pynamodb.exceptions import CancellationReason, GetError, TransactWriteError, VerboseClientError

from chalicelib.api.busy import busy_problem
from chalicelib.errors import ServiceUnavailable, to_problem


def client_error(code: str, operation: str = "GetItem") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "..."}}, operation)


def pynamodb_error(code: str) -> GetError:
    try:
        raise client_error(code)
    except ClientError as e:
        return GetError("Failed to get item", e)


def cancelled(*codes: str | None) -> TransactWriteError:
    cause = VerboseClientError({"Error": {"Code": "TransactionCanceledException", "Message": "..."}},
                               "TransactWriteItems", {},
                               cancellation_reasons=[CancellationReason(code=c) if c else None for c in codes])
    return TransactWriteError("Failed to write transaction items", cause)


@pytest.mark.parametrize("error", [
    pynamodb_error("ProvisionedThroughputExceededException"),
    pynamodb_error("ThrottlingException"),
    pynamodb_error("InternalServerError"),
    client_error("ServiceUnavailable", "TransactWriteItems"),
    cancelled(None, "ThrottlingError"),
    cancelled("TransactionConflict", None),
    EndpointConnectionError(endpoint_url="http://127.0.0.1:1"),
], ids=["throughput", "throttling", "internal", "unavailable", "cancelled-throttled", "cancelled-conflict",
        "unreachable"])
def test_a_store_still_busy_after_retries_is_a_503_with_retry_after(error):
    problem = busy_problem(error)

    assert problem is not None and problem.status == 503
    assert problem.headers["Retry-After"] == "1"
    assert problem.body["type"].endswith("/service-unavailable")


def test_a_busy_error_wrapped_by_our_own_code_is_still_recognised():
    try:
        try:
            raise pynamodb_error("ProvisionedThroughputExceededException")
        except GetError as e:
            raise RuntimeError("while reading the record") from e
    except RuntimeError as wrapped:
        assert busy_problem(wrapped).status == 503


@pytest.mark.parametrize("error", [
    KeyError("a bug"), pynamodb_error("ValidationException"), cancelled("ConditionalCheckFailed", None),
], ids=["bug", "validation", "condition"])
def test_anything_else_stays_an_internal_error(error):
    assert busy_problem(error) is None


def test_a_bug_raised_while_handling_a_throttled_call_is_still_a_bug():
    try:
        try:
            raise pynamodb_error("ThrottlingException")
        except GetError:
            raise KeyError("a bug in the except block")
    except KeyError as bug:
        assert busy_problem(bug) is None


def test_every_503_the_app_raises_says_when_to_retry():
    assert to_problem(ServiceUnavailable("A royalty run is closing this period.")).headers["Retry-After"] == "1"
