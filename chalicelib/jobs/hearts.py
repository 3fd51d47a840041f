"""The heart-count function (SQS) and the hourly roll-up that slides the trending windows."""
from __future__ import annotations

import json

from chalicelib.logic import hearts
from chalicelib.observability import get_logger


def handle_batch(event: dict, context=None) -> dict:
    """Sums each record named in the batch once, however many messages name it."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    done: set[str] = set()

    def recount(record) -> None:
        body = json.loads(record.body)
        record_id = body.get("record_id")
        if isinstance(record_id, str) and record_id not in done:
            hearts.recount(record_id)
            done.add(record_id)
        if isinstance(record_id, str) and isinstance(body.get("heart"), dict):
            hearts.announce_heart(record_id, body["heart"])  # a new heart: the `hearted` event

    result = process_partial_response(event=event, record_handler=recount, processor=processor, context=context)
    for _, error, _ in processor.exceptions:
        get_logger().error("heart recount failed; SQS will redeliver it", extra={"error": repr(error)})
    return result


def roll_up_trending() -> dict:
    """Every record in a trending list is summed again, so hearts older than the window drop out."""
    return {"records": hearts.roll_up_trending()}
