"""An uploaded object is checked: the record it belongs to becomes ready or rejected.

Nothing the client claimed is trusted: size comes from HEAD, the format from the bytes'
magic, the hash from streaming the object, and the Content-Type the object was stored with is
replaced by the validated one on its immutable copy. Every step is safe to repeat, so redelivered and
duplicate events change nothing: only an `awaiting_upload` record moves, by a conditional write.
"""
from __future__ import annotations

from chalicelib import services
from chalicelib.domain.media import SNIFF_PREFIX_BYTES, check_upload
from chalicelib.domain.records import AWAITING_UPLOAD, READY, Media, record_id_from_upload_key
from chalicelib.observability import count, get_logger
from chalicelib.storage.media import ObjectChanged


def process_object(key: str) -> str:
    """Checks one uploaded object; returns what happened (for logs and tests)."""
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
        from chalicelib.logic.announcements import record_ready

        record_ready(record)  # remixed notifications, the search index (a redelivery never gets here)
        outcome = "ready"
        media.delete_upload(record.id)  # before the previews: they read the immutable media
        from chalicelib.logic.previews import make

        make(record.id, record.kind, checked.content_type)
        return outcome
    else:
        current = records.get(record.id)
        if current is None or current.status != READY:
            media.delete_media(record.id)  # removed meanwhile: keep no media for a tombstone
        outcome = "duplicate"
    media.delete_upload(record.id)
    return outcome
