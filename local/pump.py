"""Delivers what Lambda's event sources would: SQS messages and scheduled events.

`chalice local` serves HTTP only. The pump long-polls every queue that has an
`@app.on_sqs_message` handler and invokes the handler with a Lambda-shaped SQS event; messages
the handler reports as failed (Powertools' `batchItemFailures`), or all of them if it raises,
become visible again shortly, so they are retried until the queue's redrive policy moves them
to the dead-letter queue. Scheduled handlers (`@app.schedule`) run only when fired, on demand
or on the opt-in demo clock, and never catch up missed periods.

As Lambda's SQS event source does, each queue has one receiver that keeps long-polling while
the batches it received are being handled, each batch on a thread of its own (an "instance"),
up to the queue's concurrency (CONCURRENCY; 1 unless named): a batch whose handler is slow
holds back neither its own queue's next batch (while an instance is free) nor any other queue,
and a message is received as soon as it is sent (the emulator answers a waiting long poll at
once). Once every instance is busy the receiver waits for one before it receives again, so
what cannot be handled yet stays on the queue (not received, its receive count unchanged), as
deployed.
"""
from __future__ import annotations

import json
import threading
import traceback
import uuid
from datetime import datetime, timezone

RETRY_AFTER_SECONDS = 2
LONG_POLL_SECONDS = 1  # how long an idle receive waits (a message ends the wait at once); stop() waits as long
# Batches of one queue handled at once, as Lambda runs several instances of a function. The event
# function's deliveries are independent (subscribers are idempotent): a batch's search and feed
# work, which runs after its notifications, must not hold the next batch's notifications back
# (the budget: 3 s, p99). A royalty run's batches of productions are closed by several workers
# at once, as deployed (up to 50 there; 4 on a laptop's cores).
CONCURRENCY = {"deliver_events": 10, "close_royalty_batch": 4}


class LambdaContext:
    """The parts of Lambda's context object that handlers and Powertools read."""

    def __init__(self, function_name: str) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 1024
        self.aws_request_id = str(uuid.uuid4())
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 900_000


class EventPump:
    def __init__(self, app, sqs_client, region: str = "us-east-1", concurrency: dict[str, int] | None = None) -> None:
        from chalice.app import ScheduledEventConfig, SQSEventConfig

        self._app = app
        self._concurrency = CONCURRENCY if concurrency is None else concurrency
        self._sqs = sqs_client
        self._region = region
        self.queues = [s for s in app.event_sources if isinstance(s, SQSEventConfig)]
        self.schedules = {s.name: s for s in app.event_sources if isinstance(s, ScheduledEventConfig)}
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._instances: set[threading.Thread] = set()  # batches being handled
        self._instances_lock = threading.Lock()
        self._queue_urls: dict[str, str] = {}

    # --- SQS -------------------------------------------------------------------------------

    def poll_once(self, source, wait_seconds: int = LONG_POLL_SECONDS) -> int:
        """Receives one batch for `source` and delivers it; returns how many messages came."""
        received = self._receive(source, wait_seconds)
        if received:
            self._deliver(source, received)
        return len(received)

    def _receive(self, source, wait_seconds: int) -> list[dict]:
        return self._sqs.receive_message(
            QueueUrl=self._queue_url(source.queue), MaxNumberOfMessages=min(source.batch_size, 10),
            WaitTimeSeconds=wait_seconds, AttributeNames=["All"], MessageAttributeNames=["All"],
        ).get("Messages", [])

    def _deliver(self, source, received: list[dict]) -> None:
        """Invokes the handler with the batch; deletes what it handled, retries the rest."""
        url = self._queue_url(source.queue)
        event = {"Records": [self._record(m, source.queue) for m in received]}
        try:
            result = self._app.handler_map[source.name](event, LambdaContext(source.name))
            failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
        except Exception:
            traceback.print_exc()
            failed = {m["MessageId"] for m in received}
        # One request each for the handled and the failed, as Lambda's event source deletes (a batch
        # is at most 10 messages, SQS's limit per request); one that fails comes back after its
        # visibility timeout and is delivered again, as deployed.
        handled = [m for m in received if m["MessageId"] not in failed]
        retried = [m for m in received if m["MessageId"] in failed]
        if handled:
            answer = self._sqs.delete_message_batch(QueueUrl=url, Entries=[
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(handled)])
            for failure in answer.get("Failed", []):
                print(f"{source.queue}: a handled message was not deleted: {failure}")
        if retried:
            self._sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": RETRY_AFTER_SECONDS}
                for n, m in enumerate(retried)])

    def drain(self, max_rounds: int = 50) -> int:
        """Delivers until every queue is empty right now (for tests and scripts)."""
        delivered = 0
        for _ in range(max_rounds):
            batch = sum(self.poll_once(source, wait_seconds=0) for source in self.queues)
            delivered += batch
            if batch == 0:
                break
        return delivered

    def _queue_url(self, name: str) -> str:
        if name not in self._queue_urls:
            self._queue_urls[name] = self._sqs.get_queue_url(QueueName=name)["QueueUrl"]
        return self._queue_urls[name]

    def _record(self, message: dict, queue: str) -> dict:
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": message.get("MessageAttributes", {}),
            "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs",
            "eventSourceARN": f"arn:aws:sqs:{self._region}:123456789012:{queue}",
            "awsRegion": self._region,
        }

    # --- Schedules -----------------------------------------------------------------------

    def fire(self, name: str, at: str | None = None):
        """Runs the scheduled handler `name` now, as EventBridge would, its event's `time` being
        `at` (RFC 3339) when given: the handler runs as of that time; returns its result."""
        if name not in self.schedules:
            raise KeyError(f"no scheduled function named {name!r}; known: {sorted(self.schedules)}")
        event = {
            "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event",
            "source": "aws.events", "account": "123456789012",
            "time": at or datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self._region, "resources": [f"arn:aws:events:{self._region}:123456789012:rule/{name}"],
            "detail": {},
        }
        return self._app.handler_map[name](event, LambdaContext(name))

    # --- Background threads --------------------------------------------------------------

    def start(self, demo_clock_seconds: float | None = None) -> None:
        for source in self.queues:
            self._spawn(self._poll_forever, source)
        if demo_clock_seconds:
            self._spawn(self._tick_forever, demo_clock_seconds)

    def stop(self) -> None:
        """Stops receiving, then waits (up to 5 s each) for the receivers and the batches in hand."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        with self._instances_lock:
            instances = list(self._instances)
        for thread in instances:
            thread.join(timeout=5)

    def _spawn(self, target, arg) -> None:
        thread = threading.Thread(target=target, args=(arg,), daemon=True)
        thread.start()
        self._threads.append(thread)

    def _poll_forever(self, source) -> None:
        """The queue's receiver: long-polls while an instance is free and hands each batch to one."""
        free = threading.BoundedSemaphore(self._concurrency.get(source.name, 1))
        while not self._stop.is_set():
            if not free.acquire(timeout=LONG_POLL_SECONDS):
                continue  # every instance is busy: the messages wait on the queue
            try:
                received = self._receive(source, LONG_POLL_SECONDS)
            except Exception:
                free.release()
                traceback.print_exc()
                self._stop.wait(1)
                continue
            if not received:
                free.release()
                continue
            instance = threading.Thread(target=self._invoke, args=(source, received, free), daemon=True,
                                        name=f"{source.name}-instance")
            with self._instances_lock:
                self._instances.add(instance)
            instance.start()

    def _invoke(self, source, received: list[dict], free: threading.BoundedSemaphore) -> None:
        try:
            self._deliver(source, received)
        except Exception:  # deleting or retrying failed: the messages come back after their visibility timeout
            traceback.print_exc()
        finally:
            with self._instances_lock:
                self._instances.discard(threading.current_thread())
            free.release()

    def _tick_forever(self, seconds: float) -> None:
        while not self._stop.wait(seconds):
            for name in self.schedules:
                try:
                    print(f"demo clock: firing {name} -> {json.dumps(self.fire(name), default=str)}")
                except Exception:
                    traceback.print_exc()
