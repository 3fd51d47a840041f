"""The upload function: S3 ObjectCreated (via SQS) → the stored bytes are checked → ready or rejected.

Nothing the client claimed is trusted: size comes from HEAD, the format from the bytes'
magic, the hash from streaming the object, and the Content-Type the object was stored with is
replaced by the validated one on its immutable copy. Every step is safe to repeat, so redelivered and
duplicate events change nothing: only an `awaiting_upload` record moves, by a conditional write.
"""
from __future__ import annotations

import json
from urllib.parse import unquote_plus

from chalicelib import services
from chalicelib.domain.media import SNIFF_PREFIX_BYTES, check_upload
from chalicelib.domain.records import AWAITING_UPLOAD, Media, record_id_from_upload_key
from chalicelib.observability import count, get_logger


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


def process_object(key: str) -> str:
    """Checks one uploaded object; returns what happened (for logs and tests)."""
    from chalicelib.storage.media import ObjectChanged

    logger = get_logger()
    records, media = services.records(), services.media()
    record_id = record_id_from_upload_key(key)
    record = records.get(record_id) if record_id else None
    if record is None:
        logger.warning("dropped an event for an unknown key", extra={"key": key})
        return "unknown"
    if record.status != AWAITING_UPLOAD:
        media.delete_upload(record.id)  # a later upload, or a redelivery: the media never changes
        return "discarded"
    stored = media.head_upload(record.id)
    if stored is None:
        return "gone"  # processed by a concurrent delivery already

    try:
        prefix = media.read_prefix(record.id, stored, SNIFF_PREFIX_BYTES) if stored.size else b""
        verdict = check_upload(record.kind, record.declared_file.content_type, record.declared_file.size,
                               stored.size, prefix)
        if verdict.reason:
            if records.mark_rejected(record.id, verdict.reason):
                count("UploadRejected")
                logger.info("upload rejected", extra={"record_id": record.id, "reason": verdict.reason})
            media.delete_upload(record.id)
            return verdict.reason
        facts = verdict.facts
        checked = Media(
            content_type=record.declared_file.content_type, size=stored.size, sha256=media.sha256(record.id, stored),
            width=facts.width, height=facts.height, duration_seconds=facts.duration_seconds,
        )
        media.promote(record.id, stored, checked.content_type)
    except ObjectChanged:
        return "replaced"  # a newer upload replaced the object; its own event will check it

    if records.mark_ready(record.id, checked):
        count("UploadReady")
        logger.info("upload ready", extra={"record_id": record.id, "size": stored.size})
        outcome = "ready"
    else:
        current = records.get(record.id)
        if current is None or current.status != "ready":
            media.delete_media(record.id)  # removed meanwhile: keep no media for a tombstone
        outcome = "duplicate"
    media.delete_upload(record.id)
    return outcome
