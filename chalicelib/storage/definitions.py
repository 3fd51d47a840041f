"""The single definition of every table, bucket and queue.

PynamoDB models, the local stack's bootstrap and the CDK stack are all built from these, so
a key or index cannot drift between them. Runtime names come from settings (one per stage).

The main table is a single-table design: `pk`/`sk` address an item, generic GSIs serve the
lists (each list is a Query on a key designed for it; nothing on a request path scans).
Key layout (grows with the features):

    MEMBER#<handle>   PROFILE    member profile (handle is immutable and lowercased)
    IDENTITY#<sub>    IDENTITY   which member an identity registered (one per identity)
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class IndexDefinition:
    name: str
    hash_key: str
    range_key: str


@dataclass(frozen=True)
class TableDefinition:
    logical_id: str
    hash_key: str
    range_key: str
    indexes: tuple[IndexDefinition, ...] = ()
    ttl_attribute: str | None = None

    @property
    def key_attributes(self) -> list[str]:
        names = [self.hash_key, self.range_key]
        for index in self.indexes:
            names += [index.hash_key, index.range_key]
        return list(dict.fromkeys(names))


@dataclass(frozen=True)
class QueueDefinition:
    logical_id: str
    visibility_timeout_seconds: int
    max_receive_count: int  # deliveries before a message moves to the dead-letter queue


@dataclass(frozen=True)
class BucketDefinition:
    logical_id: str
    # S3 key prefixes whose ObjectCreated events are sent to the queue (S3 → SQS → Lambda).
    notify_prefixes: tuple[str, ...] = field(default=())


MAIN_TABLE = TableDefinition(
    logical_id="MainTable",
    hash_key="pk",
    range_key="sk",
    indexes=(IndexDefinition("gsi1", "gsi1pk", "gsi1sk"),),
    ttl_attribute="expires_at",
)

UPLOAD_QUEUE = QueueDefinition("UploadQueue", visibility_timeout_seconds=300, max_receive_count=5)

MEDIA_BUCKET = BucketDefinition("MediaBucket", notify_prefixes=("uploads/",))
