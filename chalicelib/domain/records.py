"""Records: what a member publishes, and who may see it in which state."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from chalicelib.domain.licences import DEFAULT_LICENCE
from chalicelib.domain.moderation import Moderation
from chalicelib.domain.previews import Previews

AWAITING_UPLOAD, READY, REJECTED, REMOVED = "awaiting_upload", "ready", "rejected", "removed"
STATUSES = (AWAITING_UPLOAD, READY, REJECTED, REMOVED)

UPLOAD_URL_TTL_SECONDS = 15 * 60
# An upload that never arrives: the record is deleted by DynamoDB's TTL once the presigned
# POST has expired plus this margin (time for a late upload's event to be processed).
UPLOAD_CLEANUP_MARGIN_SECONDS = 60 * 60
MEDIA_URL_TTL_SECONDS = 15 * 60

# The bodies one page of a list serves at most, in UTF-8 bytes. 100 bodies of 100,000 4-byte
# characters are 40 MB, and a Lambda answers 6 MB at most; so a page stops early, holding fewer
# records than asked (never none) and a cursor to the rest. In JSON the bodies take at most
# twice this (line breaks and quotes are escaped), the rest of 100 records at their limits
# about 2.5 MB.
PAGE_BODY_BYTES = 1024 * 1024

_UPLOAD_KEY = re.compile(r"^uploads/([0-9A-HJKMNP-TV-Z]{26})$")


def upload_key(record_id: str) -> str:
    """Where the presigned POST puts the bytes. Derived from the id only, never client text."""
    return f"uploads/{record_id}"


def media_key(record_id: str) -> str:
    """Where validated bytes live once the record is ready; never written again."""
    return f"media/{record_id}"


def record_id_from_upload_key(key: str) -> str | None:
    match = _UPLOAD_KEY.match(key)
    return match.group(1) if match else None


def fitting_page(body_sizes: list[int | None]) -> int:
    """How many of a page's records, in order, its body budget takes: at least one."""
    total = 0
    for n, size in enumerate(body_sizes):
        total += size or 0
        if n and total > PAGE_BODY_BYTES:
            return n
    return len(body_sizes)


def feed_sort_key(created_at: str, record_id: str) -> str:
    """Newest first is a descending sort on this: creation time, then id."""
    return f"{created_at}#{record_id}"


def month_of(timestamp: str) -> str:
    return timestamp[:7]


@dataclass(frozen=True)
class Media:
    content_type: str
    size: int
    sha256: str
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None


@dataclass(frozen=True)
class DeclaredFile:
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class SourceLink:
    """A record cited as a source, with the citing author's note."""

    record_id: str
    note: str | None = None


@dataclass(frozen=True)
class Draft:
    """A record as its author submits it, before it has an id: text carries a body, media a
    declared file (what the upload must match). `remixable` None: not said (true, unless the
    licence forbids derivatives)."""

    kind: str
    title: str
    description: str | None = None
    tags: tuple[str, ...] = ()
    licence: str = DEFAULT_LICENCE
    remixable: bool | None = None
    sources: tuple[SourceLink, ...] = ()
    collaboration_id: str | None = None
    body: str | None = None
    file: DeclaredFile | None = None


@dataclass(frozen=True)
class PresignedUpload:
    """Where and how the client sends a media record's bytes (a presigned S3 POST)."""

    url: str
    fields: dict[str, str]
    expires_at: str


@dataclass(frozen=True)
class Feed:
    """Which list to read: at most one of owner, collaboration; kind and unremixed filter."""

    kind: str | None = None
    collaboration_id: str | None = None
    unremixed: bool = False
    owner_id: str | None = None


@dataclass(frozen=True)
class Record:
    id: str
    kind: str
    title: str
    owner_id: str
    owner_handle: str
    owner_sub: str
    status: str
    created_at: str
    updated_at: str
    description: str | None = None
    tags: tuple[str, ...] = ()
    rejection_reason: str | None = None
    licence: str = DEFAULT_LICENCE
    remixable: bool = True
    sources: tuple[str, ...] = ()
    collaboration_id: str | None = None
    heart_count: int = 0
    comment_count: int = 0  # visible comments and replies
    remix_count: int = 0
    remix_ids: tuple[str, ...] = ()  # direct remixes that were ever ready, oldest first, capped
    body: str | None = None
    # The body's UTF-8 bytes, known even where the body itself was not read (storage reads a
    # long body only where it is served).
    body_size: int | None = None
    media: Media | None = None
    declared_file: DeclaredFile | None = None
    expires_at: int | None = field(default=None, compare=False)
    moderation: Moderation | None = None  # hidden, disabled by a copyright notice, removed by a moderator
    previews: Previews | None = None  # ready media, once the upload function tried (domain.previews)

    @property
    def is_hidden(self) -> bool:
        """Hidden or copyright-disabled: out of every list and count, seen by its owner and moderators only."""
        return self.moderation is not None and self.moderation.hides

    def is_owned_by(self, sub: str | None) -> bool:
        return sub is not None and sub == self.owner_sub

    def visible_to(self, sub: str | None, now_epoch: int) -> bool:
        """Ready and removed records are public; the others only their owner's, and an
        upload that never arrived is gone even before DynamoDB's TTL deletes it."""
        if self.status in (READY, REMOVED):
            return True
        if self.status == AWAITING_UPLOAD and self.expires_at is not None and self.expires_at <= now_epoch:
            return False
        return self.is_owned_by(sub)
