"""A royalty run fanned out: the run queues its productions in batches, workers close them in
any order, as often as SQS delivers them, and the last batch counted writes the statements.

The community of test_royalty_runs (alice wrote A, carol C, bob's B remixes C; 50% to
contributors, 20% upstream) with three released productions and a draft, one production per
batch (four batches):
    P1 contributes A and B: a sale of 10001 → pool 5000: alice 2500 (A), bob 2000 (B), carol 500 (C)
    P2 contributes B:       a sale of 4000  → pool 2000: bob 1600 (B), carol 400 (C)
    P3 contributes A:       a sale of 2000  → pool 1000: alice 1000 (A)
    D, a draft, is closed and pays nothing.
September's statements (minimum payout 1000): alice 3500 and bob 3600 are paid, carol's 900 carries.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

import boto3
import pytest

from tests.store_payloads import checkout_session, post_stripe, stripe_event
from tests.support import release_through_proposal, text_record

SEPTEMBER = "2026-09"
SOLD_ON = int(datetime(2026, 9, 10, tzinfo=timezone.utc).timestamp())
EXPECTED = {
    "alice": [(0, 3500, 3500, True, 3500, [("P1", "A", "contribution", 2500), ("P3", "A", "contribution", 1000)])],
    "bob": [(0, 3600, 3600, True, 3600, [("P1", "B", "contribution", 2000), ("P2", "B", "contribution", 1600)])],
    "carol": [(0, 900, 900, False, 0, [("P1", "C", "lineage", 500), ("P2", "C", "lineage", 400)])],
}


@pytest.fixture
def one_production_per_batch(monkeypatch):
    from chalicelib.logic import royalties

    monkeypatch.setattr(royalties, "PRODUCTIONS_PER_BATCH", 1)


@pytest.fixture
def world(client, member, one_production_per_batch):
    tokens = {handle: member(handle) for handle in ("alice", "bob", "carol")}
    producer = member("pat", groups=["producer"])

    records = {"A": text_record(client, tokens["alice"], "A"), "C": text_record(client, tokens["carol"], "C")}
    records["B"] = text_record(client, tokens["bob"], "B", [records["C"]])

    def production(title, contributions, release=True):
        production_id = client.post("/productions", token=producer, json_body={
            "title": title, "format": "book", "currency": "USD"}).json["id"]
        client.request("PUT", f"/productions/{production_id}/contributions", token=producer, json_body={
            "contributions": [{"record_id": records[r], "weight": 1} for r in contributions]})
        if release:
            assert release_through_proposal(client, producer, production_id).status == 200
        return production_id

    productions = {"P1": production("P1", "AB"), "P2": production("P2", "B"), "P3": production("P3", "A"),
                   "D": production("D", "AB", release=False)}
    for n, (title, amount) in enumerate((("P1", 10001), ("P2", 4000), ("P3", 2000))):
        post_stripe(client, stripe_event("checkout.session.completed", checkout_session(
            f"pi_{n}", amount, production_id=productions[title]), created=SOLD_ON))
    return {"tokens": tokens, "records": records, "productions": productions}


class Batches:
    """The run's batch messages, taken off the worker queue, delivered to the worker function by hand."""

    def __init__(self) -> None:
        from app import app
        from chalicelib.config import get_settings
        from local.pump import EventPump

        self._app = app
        self._pump = EventPump(app, boto3.client("sqs"))
        self._sqs = boto3.client("sqs")
        self._url = self._sqs.get_queue_url(QueueName=get_settings().royalty_batch_queue)["QueueUrl"]

    def start(self, client, admin, period: str = SEPTEMBER) -> list[dict]:
        """Accepts the run, delivers its message to the run function and takes the batches it queued."""
        assert client.post("/royalty-runs", token=admin, json_body={"period": period}).status == 202
        (run,) = [source for source in self._pump.queues if source.name == "run_royalties"]
        assert self._pump.poll_once(run, wait_seconds=0) == 1
        return self.take()

    def take(self) -> list[dict]:
        """Every message on the worker queue (removed from it), in batch order."""
        messages = []
        while received := self._sqs.receive_message(QueueUrl=self._url, MaxNumberOfMessages=10,
                                                    AttributeNames=["All"]).get("Messages", []):
            for message in received:
                self._sqs.delete_message(QueueUrl=self._url, ReceiptHandle=message["ReceiptHandle"])
            messages += received
        return sorted(messages, key=lambda m: json.loads(m["Body"])["batch"])

    def deliver(self, message: dict) -> list[str]:
        """One delivery to the worker function, as Lambda makes it; returns the ids it reported failed."""
        from local.pump import LambdaContext

        queue = self._url.rsplit("/", 1)[1]
        result = self._app.handler_map["close_royalty_batch"](
            {"Records": [self._pump._record(message, queue)]}, LambdaContext("close_royalty_batch"))
        return [failure["itemIdentifier"] for failure in (result or {}).get("batchItemFailures", [])]


@pytest.fixture
def batches(aws):
    return Batches()


def statements(client, world) -> dict:
    names = {production_id: title for title, production_id in world["productions"].items()}
    titles = {record_id: title for title, record_id in world["records"].items()}
    found = {}
    for handle, token in world["tokens"].items():
        found[handle] = [
            (s["opening"], s["credits"], s["closing"], s["payable"], s["payout"],
             [(names[line["production_id"]], titles[line["record_id"]], line["via"], line["amount"])
              for line in s["lines"]])
            for s in client.get(f"/me/statements/{SEPTEMBER}", token=token).json["statements"]]
    return found


def run_of(client, admin) -> dict:
    return client.get(f"/royalty-runs/{SEPTEMBER}", token=admin).json


@pytest.mark.parametrize("order", [lambda m: m, lambda m: m[::-1], lambda m: [m[2], m[0], m[3], m[1]]],
                         ids=["in-order", "reversed", "shuffled"])
def test_batches_delivered_in_any_order_give_the_same_statements(client, world, admin, batches, deliver, order):
    messages = batches.start(client, admin)
    assert len(messages) == 4

    for message in order(messages):
        assert batches.deliver(message) == []
    deliver()

    run = run_of(client, admin)
    assert run["status"] == "closed"
    assert sorted((p["net"], p["pool"], p["credited"]) for p in run["productions"]) == [
        (2000, 1000, 1000), (4000, 2000, 2000), (10001, 5000, 5000)]
    assert statements(client, world) == EXPECTED


def test_a_batch_delivered_twice_counts_once(client, world, admin, batches, deliver):
    messages = batches.start(client, admin)

    batches.deliver(messages[0])
    batches.deliver(messages[0])

    assert run_of(client, admin)["status"] == "running"
    assert run_of(client, admin)["progress"] == {"productions_done": 1, "productions_total": 4}
    for message in messages[1:]:
        batches.deliver(message)
    deliver()
    assert run_of(client, admin)["status"] == "closed"
    assert run_of(client, admin)["progress"] == {"productions_done": 4, "productions_total": 4}
    assert statements(client, world) == EXPECTED


def _killed_at_count(monkeypatch, write_first: bool) -> None:
    """The worker dies at its count: before the write, or after it (its answer lost)."""
    from chalicelib.storage.royalties import RoyaltyBook

    count_batch = RoyaltyBook.count_batch

    def killed(self, *args, **kwargs):
        if write_first:
            count_batch(self, *args, **kwargs)
        raise ConnectionError("the worker was killed here")

    monkeypatch.setattr(RoyaltyBook, "count_batch", killed)


@pytest.mark.parametrize("write_first", [False, True], ids=["before-the-count", "count-answer-lost"])
@pytest.mark.parametrize("which", [0, -1], ids=["a-first-batch", "the-last-batch"])
def test_a_worker_killed_after_its_figures_before_its_count_is_retried_to_the_same_cents(
        client, world, admin, batches, deliver, monkeypatch, write_first, which):
    messages = batches.start(client, admin)
    killed, others = messages[which], [m for m in messages if m is not messages[which]]
    if which == -1:
        for message in others:
            batches.deliver(message)

    _killed_at_count(monkeypatch, write_first)
    assert batches.deliver(killed) == [killed["MessageId"]]  # SQS will deliver it again
    monkeypatch.undo()
    assert run_of(client, admin)["status"] == "running"
    if which == 0:
        for message in others:
            batches.deliver(message)
    assert batches.deliver(killed) == []
    deliver()

    run = run_of(client, admin)
    assert (run["status"], run["progress"]) == ("closed", {"productions_done": 4, "productions_total": 4})
    assert sum(p["credited"] for p in run["productions"]) == 8000  # Σ pools, each credited once
    assert statements(client, world) == EXPECTED


def test_the_statements_are_written_once_however_often_the_batches_come(client, world, admin, batches, deliver,
                                                                        monkeypatch):
    from chalicelib.storage.royalties import RoyaltyBook

    written = []
    save_statements = RoyaltyBook.save_statements
    monkeypatch.setattr(RoyaltyBook, "save_statements",
                        lambda self, period, *args: written.append(period) or save_statements(self, period, *args))
    messages = batches.start(client, admin)

    for message in messages + messages[::-1] + messages:
        batches.deliver(message)
    deliver()
    assert client.post("/royalty-runs", token=admin, json_body={"period": SEPTEMBER}).status == 200
    deliver()

    assert written == [SEPTEMBER]
    assert statements(client, world) == EXPECTED


def test_a_run_delivered_again_queues_the_same_batches_and_a_counted_one_is_skipped(client, world, admin, batches,
                                                                                      deliver):
    from chalicelib.logic.royalties import run_period

    messages = batches.start(client, admin)
    batches.deliver(messages[0])

    run_period(SEPTEMBER)  # the run's message again
    again = batches.take()

    assert [m["Body"] for m in again] == [m["Body"] for m in messages]
    for message in again:
        assert batches.deliver(message) == []
    deliver()
    assert run_of(client, admin)["progress"] == {"productions_done": 4, "productions_total": 4}
    assert statements(client, world) == EXPECTED


def test_a_run_over_no_production_closes(client, admin, deliver):
    assert client.post("/royalty-runs", token=admin, json_body={"period": SEPTEMBER}).status == 202

    deliver()

    run = run_of(client, admin)
    assert (run["status"], run["productions"], run["progress"]) == (
        "closed", [], {"productions_done": 0, "productions_total": 0})
