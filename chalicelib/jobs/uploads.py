"""The upload function: S3 ObjectCreated (via SQS) → each uploaded object is checked
(`logic.uploads.process_object`)."""
from __future__ import annotations

import json
from urllib.parse import unquote_plus

from chalicelib.logic.uploads import process_object
from chalicelib.observability import get_logger


def handle_batch(event: dict, context=None) -> dict:
    """Processes an SQS batch; a failing message is reported alone and retried alone."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    result = process_partial_response(event=event, record_handler=_handle_message, processor=processor,
                                      context=context)
    for _, error, _ in processor.exceptions:
        get_logger().error("upload message failed; SQS will redeliver it", extra={"error": repr(error)})
    return result


def _handle_message(record) -> None:
    """One SQS message: an S3 notification (Powertools passes it as `record`)."""
    try:
        notification = json.loads(record.body)
    except json.JSONDecodeError:
        get_logger().warning("dropped a message that is not JSON", extra={"message_id": record.message_id})
        return
    if notification.get("Event") == "s3:TestEvent":
        return
    for entry in notification.get("Records", []):
        if not str(entry.get("eventName", "")).startswith("ObjectCreated"):
            continue
        # Keys arrive URL-encoded (spaces as '+'); the local emulator's records are thinner
        # than AWS's, so only the key is read.
        process_object(unquote_plus(entry["s3"]["object"]["key"]))
