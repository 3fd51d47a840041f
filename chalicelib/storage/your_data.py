"""Your data: exports (their items and the archive streamed to S3) and account deletion (the
member's items, each touched once, in batches).

Round trips are counted (`RoundTrips`), so the bench can print what a deletion cost.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from chalicelib.config import Settings
from chalicelib.domain.clock import now_rfc3339, to_rfc3339
from chalicelib.domain.ids import new_id_with_time
from chalicelib.domain.members import Identity
from chalicelib.domain.records import Record, media_key
from chalicelib.domain.your_data import (
    EXPORT_STALE_SECONDS, NO_OWNER_SUB, ORPHAN_HANDLE, READY, RUNNING, Export, PastProfile,
)
from chalicelib.errors import Conflict
from chalicelib.storage.connection import aws_client, bind_models, condition_failed, write_transaction
from chalicelib.storage.models import (
    DeletedHandleItem, ExportItem, ExportLockItem, HeartItem, IdentityItem, MemberItem, OwnsItem, PastProfileItem, RecordItem,
)

PART_BYTES = 8 * 1024 * 1024  # S3 multipart parts (5 MiB minimum but the last)
READ_CHUNK_BYTES = 1024 * 1024
TRANSACTION_ITEMS = 100  # DynamoDB's limit per TransactWriteItems
QUERY_PAGE = 1000
FOLLOWS_PER_TRANSACTION = 50  # two items each: the edge and the other member's count


@dataclass
class RoundTrips:
    """DynamoDB calls a deletion made, by kind."""

    queries: int = 0
    batch_gets: int = 0
    batch_writes: int = 0
    transactions: int = 0

    @property
    def total(self) -> int:
        return self.queries + self.batch_gets + self.batch_writes + self.transactions


class ExportRepository:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        bind_models(settings)

    def start(self, member_id: str, handle: str, now: datetime) -> Export:
        """Stores a running export and takes the member's export lock in one transaction: the
        lock is free, or held by an export that died (older than EXPORT_STALE_SECONDS).
        Conflict: another export of the member is running."""
        export_id, created_at = new_id_with_time()
        stale = to_rfc3339(now - timedelta(seconds=EXPORT_STALE_SECONDS))
        lock = ExportLockItem(*ExportLockItem.key(member_id))
        item = ExportItem(*ExportItem.key(export_id), member_id=member_id, handle=handle, status=RUNNING,
                          created_at=created_at)

        def fill(tx) -> None:
            tx.update(lock, actions=[ExportLockItem.export_id.set(export_id), ExportLockItem.started_at.set(created_at)],
                      condition=ExportLockItem.export_id.does_not_exist() | (ExportLockItem.started_at < stale))
            tx.save(item, condition=ExportItem.pk.does_not_exist())

        try:
            write_transaction(self._settings, fill)
        except TransactWriteError as e:
            if condition_failed(e):  # the lock (a fresh id's put cannot fail)
                raise Conflict("An export of your data is already running; wait for it to be ready.") from e
            raise
        return _export(item)

    def get(self, export_id: str) -> Export | None:
        try:
            return _export(ExportItem.get(*ExportItem.key(export_id), consistent_read=True))
        except DoesNotExist:
            return None

    def finish(self, export: Export, status: str, size: int | None = None) -> Export | None:
        """running → ready (with its size) or failed, then frees the lock it holds. None if it
        had finished already (a redelivered message)."""
        now = now_rfc3339()
        item = ExportItem(*ExportItem.key(export.id))
        actions = [ExportItem.status.set(status)]
        if status == READY:
            actions += [ExportItem.ready_at.set(now), ExportItem.size.set(size)]
        try:
            item.update(actions=actions, condition=ExportItem.status == RUNNING)
        except UpdateError as e:
            if condition_failed(e):
                return None
            raise
        try:  # only its own lock: a later export that took over a stale one keeps it
            ExportLockItem(*ExportLockItem.key(export.member_id)).update(
                actions=[ExportLockItem.export_id.remove(), ExportLockItem.started_at.remove()],
                condition=ExportLockItem.export_id == export.id)
        except UpdateError as e:
            if not condition_failed(e):
                raise
        return _export(item)


def _export(item: ExportItem) -> Export:
    return Export(id=item.pk.split("#", 1)[1], member_id=item.member_id, handle=item.handle, status=item.status,
                  created_at=item.created_at, ready_at=item.ready_at,
                  size=None if item.size is None else int(item.size))


# --- the archive in S3 --------------------------------------------------------------------

class MultipartWriter(io.RawIOBase):
    """A write-only, non-seekable file whose bytes go to one S3 object as a multipart upload,
    a part of PART_BYTES at a time: memory holds one part, whatever the object's size.
    `zipfile` writes to it as a stream (data descriptors, zip64 where needed)."""

    def __init__(self, s3, bucket: str, key: str, part_bytes: int = PART_BYTES) -> None:
        super().__init__()
        self._s3, self._bucket, self._key, self._part_bytes = s3, bucket, key, part_bytes
        self._upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key, ContentType="application/zip")["UploadId"]
        self._buffer = bytearray()
        self._parts: list[dict] = []
        self.size = 0
        self._finished = False

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._buffer += data
        self.size += len(data)
        while len(self._buffer) >= self._part_bytes:
            self._send(bytes(self._buffer[:self._part_bytes]))
            del self._buffer[:self._part_bytes]
        return len(data)

    def _send(self, part: bytes) -> None:
        number = len(self._parts) + 1
        answer = self._s3.upload_part(Bucket=self._bucket, Key=self._key, UploadId=self._upload_id,
                                      PartNumber=number, Body=part)
        self._parts.append({"PartNumber": number, "ETag": answer["ETag"]})

    def complete(self) -> int:
        """Sends the last part and joins the parts into the object; its size in bytes."""
        if self._buffer or not self._parts:
            self._send(bytes(self._buffer))
            self._buffer = bytearray()
        self._s3.complete_multipart_upload(Bucket=self._bucket, Key=self._key, UploadId=self._upload_id,
                                           MultipartUpload={"Parts": self._parts})
        self._finished = True
        return self.size

    def abort(self) -> None:
        if not self._finished:
            self._finished = True
            self._s3.abort_multipart_upload(Bucket=self._bucket, Key=self._key, UploadId=self._upload_id)


class ArchiveStore:
    """Export archives in the media bucket, under `exports/` (the lifecycle rule's prefix)."""

    def __init__(self, settings: Settings) -> None:
        self._bucket = settings.media_bucket
        self._s3 = aws_client("s3", settings.region, "s3v4")

    def writer(self, key: str) -> MultipartWriter:
        return MultipartWriter(self._s3, self._bucket, key)

    def media_size(self, record_id: str) -> int | None:
        from botocore.exceptions import ClientError

        try:
            return int(self._s3.head_object(Bucket=self._bucket, Key=media_key(record_id))["ContentLength"])
        except ClientError as e:
            if e.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def media_chunks(self, record_id: str):
        """The record's original bytes, READ_CHUNK_BYTES at a time (never the whole file)."""
        body = self._s3.get_object(Bucket=self._bucket, Key=media_key(record_id))["Body"]
        try:
            yield from body.iter_chunks(READ_CHUNK_BYTES)
        finally:
            body.close()

    def url(self, key: str, filename: str, ttl_seconds: int) -> str:
        params = {"Bucket": self._bucket, "Key": key, "ResponseContentType": "application/zip",
                  "ResponseContentDisposition": f'attachment; filename="{filename}"'}
        return self._s3.generate_presigned_url("get_object", Params=params, ExpiresIn=ttl_seconds)


# --- accounts: what a member owns, and its deletion ------------------------------------------

class AccountRepository:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        bind_models(settings)

    def owned_record_ids(self, member_id: str, trips: RoundTrips | None = None) -> list[str]:
        """Every record the member created, oldest first (ids sort by creation), whatever its
        status (the caller reads the records)."""
        ids = []
        query = OwnsItem.query(f"OWNS#{member_id}", OwnsItem.sk.startswith("RECORD#"), page_size=QUERY_PAGE,
                               attributes_to_get=["record_id"])
        for item in query:
            ids.append(item.record_id)
        if trips:
            trips.queries += max(1, -(-len(ids) // QUERY_PAGE))
        return ids

    def orphan_records(self, records: list[Record], trips: RoundTrips | None = None) -> int:
        """Each record's owner fields read `orphan` and no identity owns it; the member id stays
        (royalties keep crediting it). One transaction per 100 records; a record that vanished
        meanwhile (an upload that never came, expired) is skipped."""
        done = 0
        for start in range(0, len(records), TRANSACTION_ITEMS):
            chunk = [r for r in records[start:start + TRANSACTION_ITEMS] if r.owner_handle != ORPHAN_HANDLE]
            if not chunk:
                continue
            self._write_each(chunk, _orphan, trips)
            done += len(chunk)
        return done

    def erase_hearts(self, sub: str, trips: RoundTrips | None = None) -> int:
        """Deletes the identity's heart items (who hearted what): the records' counts stay, as
        they live in the counters, not in these items. 25 deletes per BatchWriteItem."""
        keys = [(item.pk, item.sk) for item in HeartItem.query(f"HEART#{sub}", page_size=QUERY_PAGE,
                                                                attributes_to_get=["pk", "sk"])]
        with HeartItem.batch_write() as batch:
            for pk, sk in keys:
                batch.delete(HeartItem(pk, sk))
        if trips:
            trips.queries += max(1, -(-len(keys) // QUERY_PAGE))
            trips.batch_writes += -(-len(keys) // 25)
        return len(keys)

    def orphan_comments(self, comments: list, trips: RoundTrips | None = None) -> int:
        """The member's comments stay where they are, with author `orphan` (the author id is kept,
        as on records). One transaction per 100 comments."""
        from chalicelib.storage.models import CommentItem

        chunks = [comments[n:n + TRANSACTION_ITEMS] for n in range(0, len(comments), TRANSACTION_ITEMS)]
        for chunk in chunks:
            write_transaction(self._settings, lambda tx: [
                tx.update(CommentItem(*CommentItem.key(c.id)), actions=[CommentItem.author_handle.set(ORPHAN_HANDLE)],
                          condition=CommentItem.pk.exists()) for c in chunk])
            if trips:
                trips.transactions += 1
        return len(comments)

    def undo_follows(self, member_handle: str, follows: list, trips: RoundTrips | None = None) -> int:
        """Deletes the member's follow edges (`domain.follows.Follow`s, either way) and moves the
        other member's count of each, 50 follows a transaction (the member's own counts are left:
        its profile is going). Each edge is deleted on the condition that it still exists; a chunk
        that loses that race to an unfollow is done again one follow at a time."""
        from chalicelib.storage.models import FollowItem

        def undo(tx, follow) -> None:
            tx.delete(FollowItem(*FollowItem.key(follow.follower_id, follow.followee_id)),
                      condition=FollowItem.pk.exists())
            if follow.follower_handle == member_handle:
                tx.update(MemberItem(*MemberItem.key(follow.followee_handle)), actions=[MemberItem.follower_count.add(-1)])
            else:
                tx.update(MemberItem(*MemberItem.key(follow.follower_handle)), actions=[MemberItem.following_count.add(-1)])

        # One side at a time, so that no member's profile is updated twice in one transaction.
        following = [f for f in follows if f.follower_handle == member_handle]
        followers = [f for f in follows if f.follower_handle != member_handle]
        for side in (following, followers):
            for start in range(0, len(side), FOLLOWS_PER_TRANSACTION):
                self._write_each(side[start:start + FOLLOWS_PER_TRANSACTION], undo, trips)
        return len(follows)

    def _write_each(self, chunk: list, write, trips: RoundTrips | None) -> None:
        """`write(tx, x)` for each x of `chunk`, in one transaction. If a condition fails (an item
        went meanwhile: a race), each x again in a transaction of its own, those that fail skipped."""
        try:
            write_transaction(self._settings, lambda tx: [write(tx, x) for x in chunk])
            if trips:
                trips.transactions += 1
        except TransactWriteError as e:
            if not condition_failed(e):
                raise
            for x in chunk:
                try:
                    write_transaction(self._settings, lambda tx, x=x: write(tx, x))
                except TransactWriteError as error:
                    if not condition_failed(error):
                        raise
                if trips:
                    trips.transactions += 1

    def close_profile(self, identity: Identity, trips: RoundTrips | None = None) -> None:
        """One transaction: the identity is no longer registered (it may register again), the
        profile keeps only its handle (reserved forever) and the identity remembers the profile
        it had, and the handle is marked deleted for frozen lineages (storage.hidden). Conflict: it
        was deleted already (two deletions racing)."""
        now = now_rfc3339()

        def fill(tx) -> None:
            tx.delete(IdentityItem(*IdentityItem.key(identity.sub)), condition=IdentityItem.member_id == identity.member_id)
            tx.update(MemberItem(*MemberItem.key(identity.handle)),
                      actions=[MemberItem.display_name.set(""), MemberItem.bio.remove(),
                               MemberItem.deleted_at.set(now), MemberItem.updated_at.set(now)],
                      condition=(MemberItem.member_id == identity.member_id) & MemberItem.deleted_at.does_not_exist())
            tx.save(PastProfileItem(*PastProfileItem.key(identity.sub, identity.member_id), member_id=identity.member_id,
                                    handle=identity.handle, deleted_at=now))
            tx.save(DeletedHandleItem(*DeletedHandleItem.key(identity.handle)))  # frozen lineages read `orphan`

        try:
            write_transaction(self._settings, fill)
        except TransactWriteError as e:
            if condition_failed(e):
                raise Conflict("This profile has been deleted already.") from e
            raise
        if trips:
            trips.transactions += 1

    def past_profiles(self, sub: str) -> list[PastProfile]:
        """The profiles this identity deleted, oldest first."""
        query = PastProfileItem.query(f"IDENTITY#{sub}", PastProfileItem.sk.startswith("PAST#"))
        return [PastProfile(i.member_id, i.handle, i.deleted_at) for i in query]


def _orphan_actions():
    return [RecordItem.owner_handle.set(ORPHAN_HANDLE), RecordItem.owner_sub.set(NO_OWNER_SUB)]


def _orphan(tx, record: Record) -> None:
    tx.update(RecordItem(*RecordItem.key(record.id)), actions=_orphan_actions(), condition=RecordItem.pk.exists())


class ExportQueue:
    """Hands an export to the export function."""

    def __init__(self, settings: Settings) -> None:
        self._region, self._name = settings.region, settings.export_queue

    def send(self, export_id: str) -> None:
        import json

        from chalicelib.storage.queues import queue

        sqs, url = queue(self._region, self._name)
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"export_id": export_id}))
