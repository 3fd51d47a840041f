"""The event function (SQS): parses each message into an `Event` and delivers it."""
from __future__ import annotations

from chalicelib.domain.events import Event, EventError
from chalicelib.logic import events
from chalicelib.observability import get_logger


def handle_batch(event: dict, context=None) -> dict:
    """Delivers every event of the batch; a failed one is retried by SQS, a malformed one dropped."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

    def deliver(record) -> None:
        try:
            parsed = Event.from_json(record.body)
        except EventError as e:
            get_logger().error("dropped a message that is not an event", extra={"error": str(e)})
            return
        events.deliver(parsed)

    result = process_partial_response(event=event, record_handler=deliver, processor=processor, context=context)
    for _, error, _ in processor.exceptions:
        get_logger().error("event delivery failed; SQS will redeliver it", extra={"error": repr(error)})
    return result
