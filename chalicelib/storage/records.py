"""Records and their lists. Status changes and the counters they move share one transaction."""
from __future__ import annotations

from dataclasses import dataclass

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from chalicelib.config import Settings
from chalicelib.domain.clock import now_rfc3339
from chalicelib.domain.records import (
    AWAITING_UPLOAD, READY, REMOVED, DeclaredFile, Media, Record, feed_sort_key, month_of,
    previous_month,
)
from chalicelib.errors import Conflict, NotFound
from chalicelib.storage.connection import bind_models, cancellation_codes, write_transaction
from chalicelib.storage.models import (
    CollaborationItem, DeclaredFileAttribute, FeedStartItem, MediaAttribute, MemberItem, RecordItem,
)


@dataclass(frozen=True)
class Feed:
    """Which list to read: at most one of owner, collaboration; kind and unremixed filter."""

    kind: str | None = None
    collaboration_id: str | None = None
    unremixed: bool = False
    owner_id: str | None = None


class RecordRepository:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._first_month: str | None = None  # cached: it only moves when a new month starts
        self._marked_months: set[str] = set()
        bind_models(settings)

    # --- single records ------------------------------------------------------------------

    def create(self, record: Record) -> None:
        item = _item(record)
        collaboration_id = record.collaboration_id

        def fill(tx) -> None:
            tx.save(item, condition=RecordItem.pk.does_not_exist())
            collaboration_exists = CollaborationItem.pk.exists()
            if record.status == READY:
                self._count_ready(tx, record, +1, collaboration_condition=collaboration_exists)
            elif collaboration_id:
                tx.condition_check(CollaborationItem, *CollaborationItem.key(collaboration_id),
                                   condition=collaboration_exists)

        try:
            write_transaction(self._settings, fill)
        except TransactWriteError as e:
            codes = cancellation_codes(e)
            if len(codes) > 1 and codes[1] == "ConditionalCheckFailed":
                raise NotFound(f"No collaboration has the id '{collaboration_id}'.") from e
            raise
        self._mark_feed_start(month_of(record.created_at))

    def _mark_feed_start(self, month: str) -> None:
        """Keeps the oldest month that has records, so feeds know where to stop walking back.

        Written once per container and month (not in every transaction: that would make it a
        hot item), as a minimum: only an earlier month replaces what is there.
        """
        if month in self._marked_months:
            return
        item = FeedStartItem(*FeedStartItem.key())
        try:
            item.update(actions=[FeedStartItem.first_month.set(month)],
                        condition=FeedStartItem.first_month.does_not_exist() | (FeedStartItem.first_month > month))
        except UpdateError as e:
            if e.cause_response_code != "ConditionalCheckFailedException":
                raise
        self._marked_months.add(month)

    def get(self, record_id: str) -> Record | None:
        try:
            return _record(RecordItem.get(*RecordItem.key(record_id)))
        except DoesNotExist:
            return None

    def update_details(self, record: Record, changes: dict) -> Record:
        item = RecordItem(*RecordItem.key(record.id))
        actions = [RecordItem.updated_at.set(now_rfc3339())]
        actions += [getattr(RecordItem, name).set(value) for name, value in changes.items()]
        try:
            item.update(actions=actions, condition=RecordItem.status != REMOVED)
        except UpdateError as e:
            if e.cause_response_code == "ConditionalCheckFailedException":
                raise Conflict("This record has been removed; it can no longer be changed.") from e
            raise
        return _record(item)

    def mark_ready(self, record: Record, media: Media) -> bool:
        """awaiting_upload → ready, listed in the feeds, owner's count +1. False if already done."""
        ready = Record(**{**record.__dict__, "status": READY, "media": media})

        def fill(tx) -> None:
            listing = _listing_actions(ready)
            tx.update(
                RecordItem(*RecordItem.key(record.id)),
                actions=[
                    RecordItem.status.set(READY),
                    RecordItem.media.set(MediaAttribute(**media.__dict__)),
                    RecordItem.expires_at.remove(),
                    RecordItem.updated_at.set(now_rfc3339()),
                    *listing,
                ],
                condition=RecordItem.status == AWAITING_UPLOAD,
            )
            self._count_ready(tx, ready, +1)

        try:
            write_transaction(self._settings, fill)
        except TransactWriteError as e:
            if cancellation_codes(e)[:1] == ["ConditionalCheckFailed"]:
                return False
            raise
        return True

    def mark_rejected(self, record_id: str, reason: str) -> bool:
        item = RecordItem(*RecordItem.key(record_id))
        try:
            item.update(
                actions=[RecordItem.status.set("rejected"), RecordItem.rejection_reason.set(reason),
                         RecordItem.updated_at.set(now_rfc3339())],
                condition=RecordItem.status == AWAITING_UPLOAD,
            )
        except UpdateError as e:
            if e.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def remove(self, record: Record) -> bool:
        """Takedown: a tombstone that keeps title and lineage, drops body, media and listings."""

        def fill(tx) -> None:
            tx.update(
                RecordItem(*RecordItem.key(record.id)),
                actions=[
                    RecordItem.status.set(REMOVED),
                    RecordItem.body.remove(), RecordItem.media.remove(), RecordItem.expires_at.remove(),
                    RecordItem.updated_at.set(now_rfc3339()),
                    *[getattr(RecordItem, f"gsi{n}{part}").remove() for n in range(1, 6) for part in ("pk", "sk")],
                ],
                condition=RecordItem.status == record.status,
            )
            if record.status == READY:
                self._count_ready(tx, record, -1)

        try:
            write_transaction(self._settings, fill)
        except TransactWriteError as e:
            if cancellation_codes(e)[:1] == ["ConditionalCheckFailed"]:
                return False  # changed meanwhile (removed twice, or became ready): caller re-reads
            raise
        return True

    def _count_ready(self, tx, record: Record, delta: int, collaboration_condition=None) -> None:
        """The counters that count ready records move in the same transaction as the status.

        The collaboration's update comes right after the record's (callers map failures by
        position); `collaboration_condition` lets creation check that it exists in the same op.
        """
        if record.collaboration_id:
            tx.update(CollaborationItem(*CollaborationItem.key(record.collaboration_id)),
                      actions=[CollaborationItem.record_count.add(delta)], condition=collaboration_condition)
        tx.update(MemberItem(*MemberItem.key(record.owner_handle)),
                  actions=[MemberItem.record_count.add(delta)])

    # --- lists ---------------------------------------------------------------------------

    def list(self, feed: Feed, limit: int, after: str | None) -> tuple[list[Record], str | None]:
        """Up to `limit` ready records newest first, strictly after sort key `after`.

        Returns the records and the sort key to continue after (None at the end).
        """
        index, partition, bucketed, condition = self._plan(feed)
        month = month_of(after) if after else month_of(now_rfc3339())
        found: list[RecordItem] = []
        while True:
            range_condition = _sort_key_of(index) < after if after else None
            found += index.query(partition(month), range_key_condition=range_condition, scan_index_forward=False,
                                 filter_condition=condition, limit=limit + 1 - len(found), page_size=limit + 1)
            if len(found) > limit or not bucketed:
                break
            first = self._feed_start()
            if first is None or month <= first:
                break
            month, after = previous_month(month), None
        page = found[:limit]
        more = len(found) > limit
        return [_record(i) for i in page], (feed_sort_key(page[-1].created_at, page[-1].record_id) if more else None)

    def _plan(self, feed: Feed):
        kind_filter = (RecordItem.kind == feed.kind) if feed.kind else None
        if feed.owner_id:
            return RecordItem.gsi5, lambda _: f"OWNER#{feed.owner_id}", False, None
        if feed.collaboration_id:
            condition = kind_filter
            if feed.unremixed:
                unremixed = RecordItem.remix_count == 0
                condition = unremixed if condition is None else condition & unremixed
            return RecordItem.gsi4, lambda _: f"COLLAB#{feed.collaboration_id}", False, condition
        if feed.unremixed:
            return RecordItem.gsi3, lambda m: f"UNREMIXED#{m}", True, kind_filter
        if feed.kind:
            return RecordItem.gsi2, lambda m: f"FEED#{feed.kind}#{m}", True, None
        return RecordItem.gsi1, lambda m: f"FEED#{m}", True, None

    def _feed_start(self) -> str | None:
        if self._first_month is None:
            try:
                self._first_month = FeedStartItem.get(*FeedStartItem.key()).first_month
            except DoesNotExist:
                return None
        return self._first_month


def _sort_key_of(index):
    return getattr(RecordItem, index.Meta.index_name + "sk")


def _listing_keys(record: Record) -> dict[str, str]:
    """The index keys that list a ready record (see `definitions` for the layout)."""
    sk = feed_sort_key(record.created_at, record.id)
    month = month_of(record.created_at)
    partitions = {1: f"FEED#{month}", 2: f"FEED#{record.kind}#{month}", 5: f"OWNER#{record.owner_id}"}
    if record.remix_count == 0:
        partitions[3] = f"UNREMIXED#{month}"
    if record.collaboration_id:
        partitions[4] = f"COLLAB#{record.collaboration_id}"
    keys = {}
    for n, pk in partitions.items():
        keys[f"gsi{n}pk"], keys[f"gsi{n}sk"] = pk, sk
    return keys


def _listing_actions(record: Record) -> list:
    return [getattr(RecordItem, name).set(value) for name, value in _listing_keys(record).items()]


def _item(record: Record) -> RecordItem:
    item = RecordItem(
        *RecordItem.key(record.id), record_id=record.id, kind=record.kind, title=record.title,
        description=record.description, tags=list(record.tags), owner_id=record.owner_id,
        owner_handle=record.owner_handle, owner_sub=record.owner_sub, status=record.status,
        remixable=record.remixable, sources=list(record.sources), collaboration_id=record.collaboration_id,
        created_at=record.created_at, updated_at=record.updated_at, body=record.body,
        expires_at=record.expires_at,
        declared_file=DeclaredFileAttribute(**record.declared_file.__dict__) if record.declared_file else None,
    )
    if record.status == READY:
        for name, value in _listing_keys(record).items():
            setattr(item, name, value)
    return item


def _record(item: RecordItem) -> Record:
    media = item.media
    declared = item.declared_file
    return Record(
        id=item.record_id, kind=item.kind, title=item.title, owner_id=item.owner_id,
        owner_handle=item.owner_handle, owner_sub=item.owner_sub, status=item.status,
        created_at=item.created_at, updated_at=item.updated_at, description=item.description,
        tags=tuple(item.tags or ()), rejection_reason=item.rejection_reason, remixable=item.remixable,
        sources=tuple(item.sources or ()), collaboration_id=item.collaboration_id,
        heart_count=int(item.heart_count or 0), remix_count=int(item.remix_count or 0), body=item.body,
        media=Media(
            content_type=media.content_type, size=int(media.size), sha256=media.sha256,
            width=_int(media.width), height=_int(media.height), duration_seconds=media.duration_seconds,
        ) if media else None,
        declared_file=DeclaredFile(declared.filename, declared.content_type, int(declared.size)) if declared else None,
        expires_at=_int(item.expires_at),
    )


def _int(value) -> int | None:
    return None if value is None else int(value)
