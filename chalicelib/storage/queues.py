"""SQS queues the app sends to, by name (their URLs are looked up once per container)."""
from __future__ import annotations

import json
from functools import lru_cache

from chalicelib.config import Settings


@lru_cache(maxsize=8)
def queue(region: str, name: str):
    """(client, queue URL) for the queue called `name`."""
    from chalicelib.storage.connection import aws_client

    sqs = aws_client("sqs", region)
    return sqs, sqs.get_queue_url(QueueName=name)["QueueUrl"]


def send_all(region: str, name: str, bodies: list[str]) -> int:
    """Sends the message bodies to the queue called `name`, ten to a request; returns the number sent."""
    sqs, url = queue(region, name)
    for start in range(0, len(bodies), 10):
        batch = bodies[start:start + 10]
        answer = sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": str(n), "MessageBody": body} for n, body in enumerate(batch)])
        if answer.get("Failed"):
            raise RuntimeError(f"SQS refused {len(answer['Failed'])} of {len(batch)} messages to {name}: "
                               f"{answer['Failed'][0]}")
    return len(bodies)


class RoyaltyQueue:
    """Hands a period to the royalty run function."""

    def __init__(self, settings: Settings) -> None:
        self._region, self._name = settings.region, settings.royalty_queue

    def send(self, period: str) -> None:
        sqs, url = queue(self._region, self._name)
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"period": period}))


class ProposalQueue:
    """Hands a production whose proposal is freezing to the freeze function."""

    def __init__(self, settings: Settings) -> None:
        self._region, self._name = settings.region, settings.proposal_queue

    def send(self, production_id: str) -> None:
        sqs, url = queue(self._region, self._name)
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"production_id": production_id}))


class RoyaltyBatchQueue:
    """Hands the batches of a run's productions to the workers: one message per batch."""

    def __init__(self, settings: Settings) -> None:
        self._region, self._name = settings.region, settings.royalty_batch_queue

    def send(self, period: str, batches) -> int:
        return send_all(self._region, self._name, [json.dumps({"period": period, "batch": n}) for n in batches])


class EventQueue:
    """The event stream (`logic/events.py`): one message per event, sent in batches of ten."""

    def __init__(self, settings: Settings) -> None:
        self._region, self._name = settings.region, settings.event_queue

    def send(self, events) -> None:
        send_all(self._region, self._name, [event.to_json() for event in events])


class PayoutQueue:
    """Hands payouts to the send function: messages of up to 25 payout ids, sent ten at a time."""

    IDS_PER_MESSAGE = 25

    def __init__(self, settings: Settings) -> None:
        self._region, self._name = settings.region, settings.payout_queue

    def send(self, payout_ids) -> int:
        """Queues the ids; returns the number of messages."""
        ids = list(payout_ids)
        return send_all(self._region, self._name, [json.dumps({"payout_ids": ids[i:i + self.IDS_PER_MESSAGE]})
                                                   for i in range(0, len(ids), self.IDS_PER_MESSAGE)])
