"""The one event stream: events published after a write reach every subscriber through the queue."""
from __future__ import annotations

import boto3
import pytest

from chalicelib.domain.events import MAX_RECIPIENTS, Event, EventError, Subject
from chalicelib.logic import events


def followed(n: int = 1, recipients: tuple[str, ...] = ("m2",)) -> Event:
    return Event("followed", f"followed:m1:m{n}", "2026-12-01T10:00:00.000Z", Subject("member", "m1", "ada"),
                 actor_id="m1", recipients=recipients, data={"n": n})


def test_a_published_event_reaches_every_subscriber_once_through_the_queue(aws, deliver, subscribed):
    events.publish(followed(1), followed(2))

    deliver()

    assert sorted(e.key for e in subscribed) == ["followed:m1:m1", "followed:m1:m2"]
    assert subscribed[0].subject == Subject("member", "m1", "ada") and subscribed[0].recipients == ("m2",)


def test_an_event_for_many_recipients_is_split_into_messages_with_their_own_keys(aws, deliver, subscribed):
    people = tuple(f"m{n}" for n in range(MAX_RECIPIENTS * 2 + 1))

    events.publish(followed(recipients=people))
    deliver()

    assert sorted(r for e in subscribed for r in e.recipients) == sorted(people)
    assert len({e.key for e in subscribed}) == 3


def test_a_message_that_is_not_an_event_is_dropped_and_the_rest_delivered(aws, deliver, subscribed):
    from chalicelib.config import get_settings

    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=get_settings().event_queue)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody='{"type": "followed"}')
    events.publish(followed())

    deliver()

    assert [e.key for e in subscribed] == ["followed:m1:m1"]
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])[
        "Attributes"]["ApproximateNumberOfMessages"] == "0"


def test_publishing_when_the_queue_is_gone_does_not_fail_the_caller(aws, subscribed):
    from chalicelib.config import get_settings

    sqs = boto3.client("sqs")
    sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName=get_settings().event_queue)["QueueUrl"])

    events.publish(followed())  # logged as lost, not raised

    assert subscribed == []


def test_unknown_types_and_empty_keys_are_not_events():
    with pytest.raises(EventError):
        Event("shouted", "k", "2026-12-01T10:00:00.000Z", Subject("member", "m1"))
    with pytest.raises(EventError):
        Event("followed", "", "2026-12-01T10:00:00.000Z", Subject("member", "m1"))
    with pytest.raises(EventError):
        Event.from_json("[1]")
