"""The event function (SQS): parses each message into an `Event` and delivers it.

The messages of a batch are delivered at once, each on a thread of its own (at most 10): a
delivery mostly waits on DynamoDB, and one event's subscribers never wait for another event's,
so the last of a batch arrives about as soon as the first (the notification budget: 3 s).
SQS orders nothing within a batch anyway.
"""
from __future__ import annotations

from chalicelib.domain.events import Event, EventError
from chalicelib.logic import events
from chalicelib.observability import get_logger

PARALLEL_DELIVERIES = 10


def handle_batch(event: dict, context=None) -> dict:
    """Delivers every event of the batch; a failed one is retried by SQS (reported in
    `batchItemFailures`, as Powertools' partial responses are), a malformed one dropped."""
    from concurrent.futures import ThreadPoolExecutor

    records = event.get("Records") or []
    if not records:
        return {"batchItemFailures": []}
    with ThreadPoolExecutor(max_workers=min(PARALLEL_DELIVERIES, len(records))) as pool:
        delivered = list(pool.map(_deliver, records))
    return {"batchItemFailures": [{"itemIdentifier": record["messageId"]}
                                  for record, ok in zip(records, delivered) if not ok]}


def _deliver(record: dict) -> bool:
    try:
        parsed = Event.from_json(record.get("body") or "")
    except EventError as e:
        get_logger().error("dropped a message that is not an event", extra={"error": str(e)})
        return True
    try:
        events.deliver(parsed)
    except Exception as error:  # noqa: BLE001 - SQS delivers it again; the others are not held back
        get_logger().error("event delivery failed; SQS will redeliver it", extra={"error": repr(error), "key": parsed.key})
        return False
    return True
