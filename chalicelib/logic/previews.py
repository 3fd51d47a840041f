"""Previews of a record that just became ready, made in the upload function from its immutable
media; and the links a caller sees (`links`).

A preview that fails never rejects the record: any error while one is made is logged and counted
(`PreviewFailed`) and the record keeps `previews` with nothing in it, as for a format that gets
none. What each kind and format gets, and the memory bounds, are in `domain.previews`.
"""
from __future__ import annotations

from dataclasses import dataclass

from chalicelib import services
from chalicelib.domain.previews import (
    POSTER, THUMBNAIL, WAVEFORM, Previews, planned, spool_limit, thumbnail_webp, wav_waveform,
)
from chalicelib.domain.records import MEDIA_URL_TTL_SECONDS, READY, Record
from chalicelib.observability import count, get_logger


def make(record_id: str, kind: str, content_type: str) -> Previews:
    """Makes and stores the previews of a ready record (validated `content_type`); what was made.
    Stored only while the record is still ready: after a takedown meanwhile, nothing is kept."""
    preview = planned(kind, content_type)
    made = Previews()
    if preview is not None:
        try:
            made = _made(record_id, preview)
        except Exception:  # noqa: BLE001  a preview must never fail the upload
            get_logger().exception("preview failed", extra={"record_id": record_id, "preview": preview})
            count("PreviewFailed")
    if not services.records().set_previews(record_id, made):
        services.previews().delete(record_id)  # taken down meanwhile: a tombstone keeps no preview
    elif preview is not None:
        count("PreviewMade" if made != Previews() else "PreviewAbsent")
    return made


def _made(record_id: str, preview: str) -> Previews:
    store = services.previews()
    with store.spool_media(record_id, spool_limit(preview)) as spool:
        if preview == WAVEFORM:
            return Previews(waveform=wav_waveform(spool))
        image = thumbnail_webp(spool)
    if image is None:
        return Previews()
    store.put(record_id, preview, image)
    return Previews(thumbnail=preview == THUMBNAIL, poster=preview == POSTER)


@dataclass(frozen=True)
class PreviewLinks:
    """A record's previews as served: presigned GETs (image/webp, 15 minutes) and the waveform."""

    thumbnail_url: str | None = None
    poster_url: str | None = None
    waveform: tuple[int, ...] | None = None


def links(record: Record) -> PreviewLinks | None:
    """None until the previews were made (and for anything but ready media)."""
    if record.status != READY or record.media is None or record.previews is None:
        return None
    made = record.previews
    store = services.previews() if made.thumbnail or made.poster else None
    return PreviewLinks(
        thumbnail_url=store.url(record.id, THUMBNAIL, MEDIA_URL_TTL_SECONDS) if made.thumbnail else None,
        poster_url=store.url(record.id, POSTER, MEDIA_URL_TTL_SECONDS) if made.poster else None,
        waveform=made.waveform,
    )
