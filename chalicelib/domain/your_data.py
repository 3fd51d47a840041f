"""Your data: the export of everything a member made, and the deletion of the account.

Pure values and rules; no AWS. See docs/your-data.md for the design (what is kept and why).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# The owner every response shows for the works of a deleted member: `{id: null, handle: "orphan"}`.
# Stored items keep the member id (royalties keep crediting it); the handle field reads `orphan`.
ORPHAN_HANDLE = "orphan"
# A deleted member's records are owned by no identity: a token's `sub` never contains '#'
# (auth bounds it), so this matches none, and the identity that registers again owns nothing.
NO_OWNER_SUB = "#deleted"

RUNNING, READY, FAILED = "running", "ready", "failed"
EXPORT_STATUSES = (RUNNING, READY, FAILED)
EXPORT_URL_SECONDS = 3600  # each GET signs a new URL, valid one hour
EXPORT_KEPT_DAYS = 7  # the S3 lifecycle rule on the exports/ prefix deletes archives after this
EXPORT_PREFIX = "exports/"
# A running export older than this is taken to have died (its queue message went to the
# dead-letter queue): a new one may start. Lambda runs at most 15 minutes, and SQS retries it 3 times.
EXPORT_STALE_SECONDS = 3 * 3600

# Media extension by validated content type (the original bytes keep their format).
EXTENSIONS = {
    "audio/mpeg": "mp3", "audio/wav": "wav", "audio/x-wav": "wav", "audio/wave": "wav", "audio/flac": "flac",
    "audio/ogg": "ogg", "audio/mp4": "m4a", "audio/x-m4a": "m4a", "video/mp4": "mp4", "video/quicktime": "mov",
    "video/webm": "webm", "image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp",
}


def media_extension(content_type: str) -> str:
    return EXTENSIONS.get(content_type, "bin")


def export_key(member_id: str, export_id: str) -> str:
    """The archive's S3 key: under the lifecycle rule's prefix; no client-chosen text."""
    return f"{EXPORT_PREFIX}{member_id}/{export_id}.zip"


@dataclass(frozen=True)
class Export:
    id: str
    member_id: str
    handle: str
    status: str
    created_at: str
    ready_at: str | None = None
    size: int | None = None

    @property
    def key(self) -> str:
        return export_key(self.member_id, self.id)


def kept_until(ready_at: str) -> str:
    """When the lifecycle rule deletes the archive: 7 days after it was ready (S3 rounds up to
    the next midnight UTC, so the archive is there at least that long)."""
    from chalicelib.domain.clock import to_rfc3339

    ready = datetime.fromisoformat(ready_at.replace("Z", "+00:00"))
    return to_rfc3339(ready + timedelta(days=EXPORT_KEPT_DAYS))


@dataclass(frozen=True)
class PastProfile:
    """A profile an identity had and deleted: it still reads what that profile is owed."""

    member_id: str
    handle: str
    deleted_at: str


def is_orphan(handle: str) -> bool:
    return handle == ORPHAN_HANDLE


@dataclass(frozen=True)
class Erasure:
    """What a deletion did, in round trips of each kind (printed by bench/your_data.py)."""

    records: int = 0
    hearts: int = 0
    removed: int = 0
    follows: int = 0
    comments: int = 0
    round_trips: int = 0
