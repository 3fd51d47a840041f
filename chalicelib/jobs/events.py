"""The event function (SQS): parses each message into an `Event` and delivers the batch.

`logic.events.deliver_batch` runs the subscribers one after the other, each over the whole
batch at once (threads: a delivery mostly waits on DynamoDB), the inbox first, so a batch's last
notification is not held behind the other events' search and feed work (the budget: 3 s).
SQS orders nothing within a batch anyway.
"""
from __future__ import annotations

from chalicelib.domain.events import Event, EventError
from chalicelib.logic import events
from chalicelib.observability import get_logger


def handle_batch(event: dict, context=None) -> dict:
    """Delivers every event of the batch; a failed one is retried by SQS (reported in
    `batchItemFailures`, as Powertools' partial responses are), a malformed one dropped."""
    parsed: list[tuple[str, Event]] = []
    for record in event.get("Records") or []:
        try:
            parsed.append((record["messageId"], Event.from_json(record.get("body") or "")))
        except EventError as e:
            get_logger().error("dropped a message that is not an event", extra={"error": str(e)})
    delivered = events.deliver_batch([e for _, e in parsed]) if parsed else []
    return {"batchItemFailures": [{"itemIdentifier": message_id}
                                  for (message_id, _), ok in zip(parsed, delivered) if not ok]}
