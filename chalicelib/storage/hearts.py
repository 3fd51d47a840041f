"""Hearts, their sharded counters, their roll-up into records and the trending lists."""
from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from chalicelib.config import Settings
from chalicelib.domain.clock import to_rfc3339
from chalicelib.domain.hearts import SHARDS, WINDOW_HOURS, hour_of, score, shard_of, stale_hours, trend_sort_key
from chalicelib.domain.records import READY
from chalicelib.storage.connection import (
    bind_models, condition_failed, newest_first_page, retry, write_or_lose, write_transaction, write_unless,
)
from chalicelib.storage.models import HeartItem, HeartShardItem, MemberItem, RecordItem, TrendItem


class NotHeartable(Exception):
    """The record is not ready (or unknown), or it is the caller's own."""


class HeartRepository:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        bind_models(settings)

    def heart(self, record_id: str, sub: str, now: datetime) -> bool:
        """One transaction: the heart item, and its shard's counts, on the condition that the
        shard says the record is ready. A takedown marks every shard removed in the transaction
        that removes the record, so a heart is counted before it or refused after it, and the
        record item itself stays out of hearts' transactions (a viral record's hearts would
        conflict on it). False if already hearted."""
        hearted_at, hour = to_rfc3339(now), hour_of(now)
        heart = HeartItem(*HeartItem.key(record_id, sub), record_id=record_id, hearted_at=hearted_at, hour=hour,
                          gsi1pk=f"HEARTS_BY#{sub}", gsi1sk=f"{hearted_at}#{record_id}")
        bucket = HeartShardItem.hours[hour]

        def fill(tx) -> None:
            tx.save(heart, condition=HeartItem.pk.does_not_exist())
            tx.update(HeartShardItem(*HeartShardItem.key(record_id, shard_of(sub))),
                      actions=[HeartShardItem.count.add(1), HeartShardItem.ops.add(1), bucket.set((bucket | 0) + 1)],
                      condition=(HeartShardItem.status == READY) & (HeartShardItem.owner_sub != sub))

        try:
            return write_unless(self._settings, fill)
        except TransactWriteError as e:
            if condition_failed(e, 1):
                raise NotHeartable(record_id) from e
            raise

    def unheart(self, record_id: str, sub: str, attempts: int = 3) -> bool:
        """Takes the heart and its count back out (of the hour it was counted in). False if none."""

        def attempt() -> bool:
            try:
                heart = HeartItem.get(*HeartItem.key(record_id, sub), consistent_read=True)
            except DoesNotExist:
                return False
            bucket = HeartShardItem.hours[heart.hour]

            def fill(tx) -> None:
                # The heart read is the heart deleted: a re-heart in between is read again.
                tx.delete(heart, condition=HeartItem.hearted_at == heart.hearted_at)
                tx.update(HeartShardItem(*HeartShardItem.key(record_id, shard_of(sub))),
                          actions=[HeartShardItem.count.add(-1), HeartShardItem.ops.add(1),
                                   bucket.set((bucket | 0) - 1)])

            write_or_lose(self._settings, fill, 0)
            return True

        return retry(attempt, attempts, lambda: False)

    def state(self, record_id: str) -> tuple[int, str | None]:
        """The exact count now and the record's status as its counters know it (one batch read);
        status None when the record never became ready."""
        shards = self._shards(record_id)
        return sum(int(s.count) for s in shards), (shards[0].status if shards else None)

    def hearted(self, sub: str, record_ids) -> set[str]:
        """Which of `record_ids` this identity hearts: one BatchGetItem per 100 records."""
        keys = [HeartItem.key(r, sub) for r in dict.fromkeys(record_ids)]
        return {item.record_id for item in HeartItem.batch_get(keys)} if keys else set()

    def hearts_by(self, sub: str, limit: int, after: str | None) -> tuple[list[tuple[str, str]], str | None]:
        """(record id, position) of the records this identity hearted, most recently hearted
        first, and the position the next page starts after (None: no more)."""
        page, last = newest_first_page(HeartItem.gsi1, f"HEARTS_BY#{sub}", HeartItem.gsi1sk, limit, after)
        return [(i.record_id, i.gsi1sk) for i in page], last

    def recount(self, record_id: str, now: datetime, attempts: int = 5) -> None:
        """Sums the shards into the record's `heart_count` (and its owner's received count) and
        places it in the trending lists. Conditioned on the change count it read, so a slower,
        older sum never overwrites a newer one and the owner's count moves by exact deltas."""

        def attempt() -> None:
            shards = self._shards(record_id)
            try:
                record = RecordItem.get(*RecordItem.key(record_id), consistent_read=True)
            except DoesNotExist:
                return
            if not shards:
                return
            count, ops = sum(int(s.count) for s in shards), sum(int(s.ops) for s in shards)
            hours: dict[str, int] = {}
            for shard in shards:
                for hour, n in _hours(shard).items():
                    hours[hour] = hours.get(hour, 0) + int(n)
            if ops <= int(record.heart_ops or 0):
                # The count is current; the windows may have moved on (the hourly roll-up).
                write_transaction(self._settings, lambda tx: self._place_in_trending(tx, record, hours, now))
            else:
                # LostRace: another recount moved it first, so this one sums again
                write_or_lose(self._settings, lambda tx: self._publish(tx, record, count, ops, hours, now), 0)
            self._prune(shards, now)

        retry(attempt, attempts, lambda: None)

    def _publish(self, tx, record: RecordItem, count: int, ops: int, hours: dict[str, int], now: datetime) -> None:
        seen_ops = record.heart_ops
        unchanged = RecordItem.heart_ops.does_not_exist() if seen_ops is None else RecordItem.heart_ops == seen_ops
        tx.update(RecordItem(*RecordItem.key(record.record_id)),
                  actions=[RecordItem.heart_count.set(count), RecordItem.heart_ops.set(ops)], condition=unchanged)
        delta = count - int(record.heart_count or 0)
        if delta:
            tx.update(MemberItem(*MemberItem.key(record.owner_handle)),
                      actions=[MemberItem.heart_count_received.add(delta)])
        self._place_in_trending(tx, record, hours, now)

    def _place_in_trending(self, tx, record: RecordItem, hours: dict[str, int], now: datetime) -> None:
        for window in WINDOW_HOURS:
            points = score(hours, window, now) if record.status == READY and not record.moderation_state else 0
            key = TrendItem.key(record.record_id, window)
            if points:
                sk = trend_sort_key(points, record.created_at, record.record_id)
                tx.save(TrendItem(*key, record_id=record.record_id, score=points,
                                  gsi1pk=f"TRENDING#{window}", gsi1sk=sk,
                                  gsi2pk=f"TRENDING#{window}#{record.kind}", gsi2sk=sk))
            else:
                tx.delete(TrendItem(*key))

    def _prune(self, shards: list[HeartShardItem], now: datetime) -> None:
        for shard in shards:
            stale = stale_hours(_hours(shard), now)
            if stale:
                shard.update(actions=[HeartShardItem.hours[h].remove() for h in stale])

    def trending(self, window: str, kind: str | None, limit: int,
                 after: str | None) -> tuple[list[tuple[str, str]], str | None]:
        """(record id, position) by hearts inside the window, ties newest first (one Query), and
        the position the next page starts after (None: no more)."""
        index, partition = (TrendItem.gsi2, f"TRENDING#{window}#{kind}") if kind else (TrendItem.gsi1, f"TRENDING#{window}")
        sort_key = TrendItem.gsi2sk if kind else TrendItem.gsi1sk
        page, last = newest_first_page(index, partition, sort_key, limit, after)
        return [(i.record_id, getattr(i, sort_key.attr_name)) for i in page], last

    def trending_record_ids(self) -> set[str]:
        """Every record in a trending list (for the hourly roll-up that slides the windows)."""
        ids: set[str] = set()
        for window in WINDOW_HOURS:
            ids |= {i.record_id for i in TrendItem.gsi1.query(f"TRENDING#{window}")}
        return ids

    def _shards(self, record_id: str) -> list[HeartShardItem]:
        keys = [HeartShardItem.key(record_id, shard) for shard in range(SHARDS)]
        return list(HeartShardItem.batch_get(keys, consistent_read=True))


def _hours(shard: HeartShardItem) -> dict[str, int]:
    return shard.hours.as_dict() if shard.hours is not None else {}


class HeartEvents:
    """Tells the heart-count function that a record's hearts changed (SQS)."""

    def __init__(self, settings: Settings) -> None:
        self._queue = settings.heart_queue
        self._region = settings.region

    def changed(self, record_ids) -> None:
        import json

        from chalicelib.storage.queues import queue

        sqs, url = queue(self._region, self._queue)
        ids = list(dict.fromkeys(record_ids))
        for start in range(0, len(ids), 10):
            sqs.send_message_batch(QueueUrl=url, Entries=[
                {"Id": str(n), "MessageBody": json.dumps({"record_id": rid})}
                for n, rid in enumerate(ids[start:start + 10])])


    def hearted(self, record_id: str, member_id: str, handle: str, at: str) -> None:
        """`changed([record_id])` for a new heart, naming who hearted it and when (one message)."""
        import json

        from chalicelib.storage.queues import queue

        sqs, url = queue(self._region, self._queue)
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(
            {"record_id": record_id, "heart": {"member_id": member_id, "handle": handle, "at": at}}))
