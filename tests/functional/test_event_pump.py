"""The local event pump delivers SQS messages and scheduled events as Lambda would."""
from __future__ import annotations

import json

import boto3
import pytest
from chalice import Chalice

from local.pump import EventPump


@pytest.fixture
def sqs(aws):
    return boto3.client("sqs")


@pytest.fixture
def events_app():
    app = Chalice(app_name="pump-test")
    app.seen = []

    @app.on_sqs_message(queue="pump-test-jobs", batch_size=5)
    def jobs(event):
        for record in event:
            body = json.loads(record.body)
            if body.get("fail"):
                raise RuntimeError("this batch fails")
            app.seen.append(body["n"])

    @app.on_sqs_message(queue="pump-test-partial", batch_size=10)
    def partial(event):
        failures = [{"itemIdentifier": r.to_dict()["messageId"]} for r in event if json.loads(r.body)["n"] % 2]
        app.seen.extend(json.loads(r.body)["n"] for r in event if not json.loads(r.body)["n"] % 2)
        return {"batchItemFailures": failures}

    @app.schedule("cron(0 2 1 * ? *)")
    def monthly(event):
        app.seen.append(("scheduled", event.to_dict()["detail-type"]))
        return {"ran": True}

    return app


def test_messages_reach_the_sqs_handler_and_are_deleted(sqs, events_app):
    url = sqs.create_queue(QueueName="pump-test-jobs")["QueueUrl"]
    sqs.create_queue(QueueName="pump-test-partial")
    for n in range(7):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": n}))

    delivered = EventPump(events_app, sqs).drain()

    assert delivered == 7
    assert sorted(events_app.seen) == list(range(7))
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_a_batch_whose_handler_raises_stays_on_the_queue_for_a_retry(sqs, events_app):
    url = sqs.create_queue(QueueName="pump-test-jobs")["QueueUrl"]
    sqs.create_queue(QueueName="pump-test-partial")
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"fail": True}))

    EventPump(events_app, sqs).drain()

    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "1"
    assert events_app.seen == []


def test_only_the_messages_a_handler_reports_as_failed_are_retried(sqs, events_app):
    sqs.create_queue(QueueName="pump-test-jobs")
    url = sqs.create_queue(QueueName="pump-test-partial")["QueueUrl"]
    for n in range(4):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": n}))

    EventPump(events_app, sqs).drain()

    assert sorted(events_app.seen) == [0, 2]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "2"


def test_a_schedule_runs_only_when_fired(sqs, events_app):
    pump = EventPump(events_app, sqs)
    assert events_app.seen == []

    result = pump.fire("monthly")

    assert result == {"ran": True}
    assert events_app.seen == [("scheduled", "Scheduled Event")]


def test_firing_an_unknown_schedule_names_the_known_ones(sqs, events_app):
    with pytest.raises(KeyError, match="monthly"):
        EventPump(events_app, sqs).fire("weekly")


@pytest.fixture
def slow_app():
    """A queue whose first batch waits until the test lets it go, and a quick queue beside it."""
    import threading

    app = Chalice(app_name="pump-test-slow")
    app.seen, app.release, app.first_started = [], threading.Event(), threading.Event()

    @app.on_sqs_message(queue="pump-test-slow", batch_size=1)
    def slow(event):
        for record in event:
            n = json.loads(record.body)["n"]
            if n == 0:
                app.first_started.set()
                assert app.release.wait(30)
            app.seen.append(("slow", n))

    @app.on_sqs_message(queue="pump-test-quick", batch_size=1)
    def quick(event):
        app.seen.extend(("quick", json.loads(record.body)["n"]) for record in event)

    return app


def wait_until(condition, seconds: float = 20) -> bool:
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def started(sqs, app, concurrency: dict[str, int]) -> tuple[EventPump, str, str]:
    slow_url = sqs.create_queue(QueueName="pump-test-slow")["QueueUrl"]
    quick_url = sqs.create_queue(QueueName="pump-test-quick")["QueueUrl"]
    pump = EventPump(app, sqs, concurrency=concurrency)
    pump.start()
    sqs.send_message(QueueUrl=slow_url, MessageBody=json.dumps({"n": 0}))
    assert app.first_started.wait(20)
    return pump, slow_url, quick_url


def test_a_slow_batch_does_not_hold_back_the_next_batch_of_its_queue(sqs, slow_app):
    pump, slow_url, _ = started(sqs, slow_app, {"slow": 2})
    try:
        sqs.send_message(QueueUrl=slow_url, MessageBody=json.dumps({"n": 1}))

        assert wait_until(lambda: ("slow", 1) in slow_app.seen)
        assert ("slow", 0) not in slow_app.seen
    finally:
        slow_app.release.set()
        pump.stop()
    assert sorted(slow_app.seen) == [("slow", 0), ("slow", 1)]


def test_a_slow_queue_does_not_hold_back_another_queue(sqs, slow_app):
    pump, _, quick_url = started(sqs, slow_app, {})
    try:
        sqs.send_message(QueueUrl=quick_url, MessageBody=json.dumps({"n": 7}))

        assert wait_until(lambda: ("quick", 7) in slow_app.seen)
    finally:
        slow_app.release.set()
        pump.stop()


def test_a_queue_handles_no_more_batches_at_once_than_its_concurrency(sqs, slow_app):
    import time

    pump, slow_url, _ = started(sqs, slow_app, {"slow": 1})
    try:
        sqs.send_message(QueueUrl=slow_url, MessageBody=json.dumps({"n": 1}))
        time.sleep(1.5)  # longer than a long poll: the receiver would have taken it by now
        attributes = sqs.get_queue_attributes(QueueUrl=slow_url, AttributeNames=["All"])["Attributes"]

        assert slow_app.seen == []
        assert attributes["ApproximateNumberOfMessages"] == "1"  # still on the queue, not held by the pump
    finally:
        slow_app.release.set()
    assert wait_until(lambda: len(slow_app.seen) == 2)
    pump.stop()
    assert slow_app.seen == [("slow", 0), ("slow", 1)]
