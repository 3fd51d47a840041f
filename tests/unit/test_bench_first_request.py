"""The first-request benchmark's arithmetic, its events and how it replays the recorded calls."""
from __future__ import annotations

from bench.first_request import (
    MAX_RATIO, Result, Timing, median_timing, proxy_event, requests_of, retargeted,
)


def _result(app_total: float, floor_total: float) -> Result:
    return Result(app=Timing(app_total / 2, app_total / 2), floor=Timing(floor_total / 4, floor_total * 3 / 4),
                  bare=Timing(0.1, 0.1))


def test_the_ratio_is_the_apps_time_to_its_second_response_over_the_floors():
    result = _result(0.6, 0.5)

    assert abs(result.ratio - 1.2) < 1e-9
    assert result.passed


def test_an_app_beyond_the_budget_ratio_fails_and_at_it_passes():
    assert _result(0.5 * MAX_RATIO, 0.5).passed
    assert not _result(0.5 * MAX_RATIO + 0.001, 0.5).passed


def test_medians_are_taken_per_request():
    timings = [Timing(1.0, 9.0), Timing(2.0, 1.0), Timing(3.0, 5.0)]

    assert median_timing(timings) == Timing(2.0, 5.0)


def test_recorded_calls_are_grouped_by_the_request_that_made_them():
    calls = [["dynamodb", "Query", {"a": 1}], None, ["dynamodb", "GetItem", {}], ["sqs", "SendMessage", {}], None]

    first, second = requests_of(calls)

    assert first == [["dynamodb", "Query", {"a": 1}]]
    assert [operation for _, operation, _ in second] == ["GetItem", "SendMessage"]


def test_the_hearts_calls_are_replayed_on_another_record_with_a_fresh_idempotency_token():
    heart = [["dynamodb", "TransactWriteItems", {"ClientRequestToken": "t1", "TransactItems": [
        {"Put": {"Item": {"pk": {"S": "RECORD#01AAA"}, "sk": {"S": "HEART#m"}}}}]}]]

    replayed = retargeted(heart, "01AAA", "01BBB")

    assert "ClientRequestToken" not in replayed[0][2]
    assert replayed[0][2]["TransactItems"][0]["Put"]["Item"]["pk"] == {"S": "RECORD#01BBB"}
    assert heart[0][2]["ClientRequestToken"] == "t1"  # the recording is left as it was


def test_events_are_api_gateway_proxy_events_routed_by_resource_path():
    event = proxy_event("PUT", "/records/{record_id}/heart", "/records/01AAA/heart",
                        parameters={"record_id": "01AAA"}, token="tok")

    assert event["requestContext"]["resourcePath"] == "/records/{record_id}/heart"
    assert event["requestContext"]["httpMethod"] == "PUT"
    assert event["pathParameters"] == {"record_id": "01AAA"}
    assert event["headers"]["authorization"] == "Bearer tok"
    anonymous = proxy_event("GET", "/records", "/records", {"limit": "20"})
    assert "authorization" not in anonymous["headers"]
    assert anonymous["multiValueQueryStringParameters"] == {"limit": ["20"]}
