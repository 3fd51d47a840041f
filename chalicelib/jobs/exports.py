"""The export function (SQS: one export per message); the work is `logic.your_data`'."""
from __future__ import annotations

import json

from chalicelib.logic import your_data
from chalicelib.observability import get_logger

# The export queue's max_receive_count (storage.definitions.EXPORT_QUEUE): the last delivery
# marks the export failed instead of raising, so the member learns of it and may ask again.
LAST_RECEIVE = 3


def handle_batch(event: dict, context=None) -> dict:
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

    def build(record) -> None:
        try:
            export_id = json.loads(record.body)["export_id"]
        except (ValueError, KeyError, TypeError):
            get_logger().error("dropped a message that names no export")
            return
        receives = int((record.attributes.approximate_receive_count or "1"))
        your_data.build_export(export_id, last_attempt=receives >= LAST_RECEIVE)

    result = process_partial_response(event=event, record_handler=build, processor=processor, context=context)
    for _, error, _ in processor.exceptions:
        get_logger().error("export failed; SQS will deliver it again", extra={"error": repr(error)})
    return result
