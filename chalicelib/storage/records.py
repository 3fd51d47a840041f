"""Records, their remix links and their lists.

A status change, the counters it moves (member, collaboration, each source's `remix_count`)
and the listing keys are written in one transaction, so counts stay exact. Edge items (a
source's `REMIX#<id>` entries) are written just before the transaction that links them: an
edge whose remix does not cite the source (a creation that failed) is ignored on read.

A text body of up to `INLINE_BODY_BYTES` lives in the record's item. A longer one (up to
400,000 bytes: 100,000 characters of 4 bytes) would take the item past DynamoDB's 400 KB with
the other fields at their limits, so it is stored beside it, in pieces of `BODY_CHUNK_BYTES`
written in the record's creating transaction and deleted in its takedown's. With every other
field at its limit in 4-byte characters (title 480 bytes, description 20,000, tags 1,200,
50 sources, 100 remembered remixes, index keys) the item stays under 64 KB, whatever PATCH
changes. The item's `body_bytes` tells a long body's size; reads that serve records fetch the
pieces of a whole page in one BatchGetItem, reads that do not (lineage walks, source checks)
never touch them.
"""
from __future__ import annotations

import itertools
import time
from dataclasses import replace

from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.expressions.condition import size

from chalicelib.config import Settings
from chalicelib.domain.clock import now_rfc3339
from chalicelib.domain.hearts import SHARDS
from chalicelib.domain.licences import DEFAULT_LICENCE
from chalicelib.domain.lineage import REMIX_IDS_CAP, FrozenNode
from chalicelib.domain.moderation import INVISIBLE_STATES, Moderation
from chalicelib.domain.previews import Previews
from chalicelib.domain.records import (
    AWAITING_UPLOAD, READY, REJECTED, REMOVED, DeclaredFile, Feed, Media, Record, SourceLink, feed_sort_key,
    fitting_page, month_of,
)
from chalicelib.errors import Conflict, NotFound
from chalicelib.storage.connection import (
    LostRace, applied, batch_get_raw, bind_models, condition_failed, retry, write_or_lose, write_transaction,
    write_unless,
)
from chalicelib.storage.models import (
    CollaborationItem, DeclaredFileAttribute, FeedMonthsItem, HeartShardItem, HiddenRecordItem, LineageVersionItem,
    MediaAttribute, MemberItem, OwnsItem, PreviewsAttribute, RecordBodyItem, RecordItem, RemixEdgeItem, TrendItem,
)

ATTEMPTS = 5
# Remixes a licence change reads to check that they may still cite the record; a record cited
# by more (edges of creations that failed count too) keeps its licence (see `citing`).
MAX_CITING = 1000
MONTHS_CACHE_SECONDS = 60
BATCH_GET_KEYS = 100  # DynamoDB's limit per BatchGetItem
PARALLEL_BATCH_GETS = 8
FROZEN_ATTRIBUTES = ("pk", "sk", "record_id", "owner_id", "owner_handle", "title", "sources", "licence")
INLINE_BODY_BYTES = 32 * 1024
BODY_CHUNK_BYTES = 256 * 1024


class RecordRepository:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._marked_months: set[str] = set()  # buckets this container has recorded already
        self._months: tuple[float, frozenset[str]] | None = None  # (read at, buckets) cache
        bind_models(settings)

    # --- reads ---------------------------------------------------------------------------

    def get(self, record_id: str) -> Record | None:
        """A record with its body. A body gone by the time it is read was taken down since the
        item was read: the item is read again, consistently."""
        reads = itertools.count()

        def attempt() -> Record | None:
            try:
                item = RecordItem.get(*RecordItem.key(record_id), consistent_read=next(reads) > 0)
            except DoesNotExist:
                return None
            whole = self.with_bodies([_record(item)])
            if not whole:
                raise LostRace()
            return whole[0]

        def kept_changing():
            raise Conflict("The record kept changing while it was read; try again.")

        return retry(attempt, ATTEMPTS, kept_changing)

    def get_many(self, record_ids, consistent: bool = False) -> dict[str, Record]:
        """One BatchGetItem per 100 ids; more than 100 are read by up to 8 such calls at once.
        Bodies stored beside their item are not read (`with_bodies` reads them)."""
        return _in_batches([RecordItem.key(i) for i in dict.fromkeys(record_ids)],
                           lambda batch: self._get_batch(batch, consistent))

    def _get_batch(self, keys: list, consistent: bool) -> dict[str, Record]:
        if not keys:
            return {}
        return {item.record_id: _record(item) for item in RecordItem.batch_get(keys, consistent_read=consistent)}

    def frozen_many(self, record_ids) -> dict[str, FrozenNode]:
        """What a freeze keeps of each record, read consistently as `get_many` reads (a proposal
        of 10^5 records reads 10^3 batches): only those attributes, parsed from the raw answer
        without building an item, a third of `get_many`'s CPU per record."""
        settings = self._settings
        return _in_batches([RecordItem.key(i) for i in dict.fromkeys(record_ids)],
                           lambda batch: {node.id: node for node in map(_frozen_node, batch_get_raw(
                               settings, batch, attributes=FROZEN_ATTRIBUTES).values())})

    def with_bodies(self, records: list[Record]) -> list[Record]:
        """`records` with their bodies: those stored beside their items are read in one
        BatchGetItem, consistently, as they were written with the record. A record whose body is
        gone was taken down since it was read, and is left out."""
        beside = {r.id: _pieces(r.body_size) for r in records if r.body is None and r.body_size}
        if not beside:
            return records
        found = batch_get_raw(self._settings, [RecordBodyItem.key(i, n) for i, pieces in beside.items()
                                               for n in range(pieces)])
        bodies = {}
        for record_id, pieces in beside.items():
            raw = [found.get(RecordBodyItem.key(record_id, n)) for n in range(pieces)]
            if all(raw):
                bodies[record_id] = b"".join(RecordBodyItem.from_raw_data(r).part for r in raw).decode()
        return [replace(r, body=bodies[r.id]) if r.id in bodies else r
                for r in records if r.id not in beside or r.id in bodies]

    def serve(self, records: list[Record]) -> tuple[list[Record], int]:
        """A page as served: its first records, as many as the page's body budget takes
        (`domain.records.fitting_page`), with their bodies; and how many of `records` those were
        (a next page continues after the last of them)."""
        taken = fitting_page([r.body_size for r in records])
        return self.with_bodies(records[:taken]), taken

    def lineage_version(self) -> int:
        try:
            return int(LineageVersionItem.get(*LineageVersionItem.key(), consistent_read=True).version)
        except DoesNotExist:
            return 0

    # --- creation and status changes -----------------------------------------------------

    def create(self, record: Record, links: list[SourceLink], sources: dict[str, Record], quota=None) -> None:
        """Stores a new record citing `links` (whose records, read beforehand, are `sources`).
        LostRace: a source changed since it was read (made unremixable, taken down). `quota` (a
        `domain.rate_limits.Quota`) counts the request against its rate limit in the same
        transaction: TooManyRequests when it is over."""
        from chalicelib.storage.rate_limits import Charge

        charge = Charge(quota) if quota is not None else None
        self._write_edges(record.id, links)
        item = _item(record)
        pieces = _split(record.body) if _stored_beside(record) else []

        def fill(tx) -> None:
            tx.save(item, condition=RecordItem.pk.does_not_exist())
            tx.save(OwnsItem(*OwnsItem.key(record.owner_id, record.id), record_id=record.id))
            collaboration_exists = CollaborationItem.pk.exists()
            if record.status == READY:
                self._count_ready(tx, record, +1, collaboration_condition=collaboration_exists)
                _open_heart_shards(tx, record)
            elif record.collaboration_id:
                tx.condition_check(CollaborationItem, *CollaborationItem.key(record.collaboration_id),
                                   condition=collaboration_exists)
            self._cite(tx, record, [sources[link.record_id] for link in links])
            for n, piece in enumerate(pieces):  # last: failures are mapped by position
                tx.save(RecordBodyItem(*RecordBodyItem.key(record.id, n), part=piece))
            if charge is not None:
                charge.add_to(tx)  # the last update: see storage.rate_limits

        try:
            write_transaction(self._settings, fill)
        except TransactWriteError as e:
            if charge is not None:
                charge.raise_if_over(e)
            if record.collaboration_id and condition_failed(e, 1):
                raise NotFound(f"No collaboration has the id '{record.collaboration_id}'.") from e
            if condition_failed(e):
                raise LostRace() from e
            raise
        self._mark_month(record.kind, month_of(record.created_at))

    def add_sources(self, record: Record, links: list[SourceLink], sources: dict[str, Record],
                    lineage_version: int) -> Record:
        """Cites more sources from an existing record, serialised by the lineage version.
        LostRace: the record, a source or the lineage changed since they were read."""
        self._write_edges(record.id, links)
        new_ids = [link.record_id for link in links]

        def fill(tx) -> None:
            _bump_lineage_version(tx, lineage_version)
            tx.update(RecordItem(*RecordItem.key(record.id)),
                      actions=[RecordItem.sources.set(RecordItem.sources.append(new_ids)),
                               RecordItem.updated_at.set(now_rfc3339())],
                      condition=(RecordItem.status == record.status) & (size(RecordItem.sources) == len(record.sources)))
            self._cite(tx, record, [sources[i] for i in new_ids])

        write_or_lose(self._settings, fill)
        return self.get(record.id)

    def mark_ready(self, record_id: str, media: Media) -> bool:
        """awaiting_upload → ready: listed, counted, and counted by its sources. False if it is
        not awaiting its upload any more (done already, or taken down)."""

        def attempt() -> bool:
            record = self._get_consistent(record_id)
            if record is None or record.status != AWAITING_UPLOAD:
                return False
            ready = Record(**{**record.__dict__, "status": READY, "media": media})
            sources = self.get_many(record.sources)

            def fill(tx) -> None:
                # The sources read are the sources counted: one added meanwhile fails the write.
                tx.update(
                    RecordItem(*RecordItem.key(record.id)),
                    actions=[RecordItem.status.set(READY), RecordItem.media.set(MediaAttribute(**media.__dict__)),
                             RecordItem.expires_at.remove(), RecordItem.updated_at.set(now_rfc3339()),
                             *_listing_actions(ready)],
                    condition=(RecordItem.status == AWAITING_UPLOAD) & (size(RecordItem.sources) == len(record.sources)),
                )
                self._count_ready(tx, ready, +1)
                _open_heart_shards(tx, ready)
                for source in sources.values():
                    self._count_remix(tx, source, ready.id)

            write_or_lose(self._settings, fill)
            return True

        def kept_changing():
            raise Conflict("The record or its sources kept changing; the upload will be retried.")

        return retry(attempt, ATTEMPTS, kept_changing)

    def _get_consistent(self, record_id: str) -> Record | None:
        try:
            return _record(RecordItem.get(*RecordItem.key(record_id), consistent_read=True))
        except DoesNotExist:
            return None

    def mark_rejected(self, record_id: str, reason: str) -> bool:
        item = RecordItem(*RecordItem.key(record_id))
        return applied(lambda: item.update(
            actions=[RecordItem.status.set(REJECTED), RecordItem.rejection_reason.set(reason),
                     RecordItem.updated_at.set(now_rfc3339())],
            condition=RecordItem.status == AWAITING_UPLOAD))

    def set_previews(self, record_id: str, previews: Previews) -> bool:
        """Stores what the upload function made; False (nothing stored) unless the record is still
        ready (a takedown meanwhile: the caller deletes what it stored)."""
        waveform = ",".join(map(str, previews.waveform)) if previews.waveform is not None else None
        item = RecordItem(*RecordItem.key(record_id))
        return applied(lambda: item.update(
            actions=[RecordItem.previews.set(PreviewsAttribute(
                thumbnail=previews.thumbnail, poster=previews.poster, waveform=waveform))],
            condition=RecordItem.status == READY))

    def remove(self, record: Record, moderation: Moderation | None = None) -> None:
        """Takedown: a tombstone that keeps title and lineage, drops body, media and listings.
        A ready record stops counting for its owner, collaboration and sources. LostRace: the
        record or a source changed since it was read (the caller reads it again)."""
        # A hidden record stopped counting when it was hidden. A moderator's takedown
        # (`moderation`) keeps body and media stored, never served (`_record`), so that a reversed
        # appeal can restore the record.
        counted = record.status == READY and not record.is_hidden
        keep = moderation is not None
        sources = self.get_many(record.sources) if counted else {}

        def fill(tx) -> None:
            tx.update(
                RecordItem(*RecordItem.key(record.id)),
                actions=[
                    RecordItem.status.set(REMOVED),
                    *([] if keep else [RecordItem.body.remove(), RecordItem.body_bytes.remove(),
                                        RecordItem.media.remove()]),
                    *(_moderation_actions(moderation) if keep else []),
                    RecordItem.previews.remove(),
                    RecordItem.expires_at.remove(),
                    RecordItem.updated_at.set(now_rfc3339()),
                    *[getattr(RecordItem, f"gsi{n}{part}").remove() for n in range(1, 6) for part in ("pk", "sk")],
                ],
                condition=(RecordItem.status == record.status) & (size(RecordItem.sources) == len(record.sources))
                & _moderation_is(record.moderation),
            )
            if keep:
                _mark_hidden(tx, record.id, moderation.state)
            if record.status == READY:
                if counted:
                    self._count_ready(tx, record, -1)
                for shard in range(SHARDS):  # no more hearts for a tombstone
                    tx.update(HeartShardItem(*HeartShardItem.key(record.id, shard)),
                              actions=[HeartShardItem.status.set(REMOVED)])
                for source in sources.values():
                    self._uncount_remix(tx, source)
            if _stored_beside(record) and not keep:
                for n in range(_pieces(record.body_size)):
                    tx.delete(RecordBodyItem(*RecordBodyItem.key(record.id, n)))

        write_or_lose(self._settings, fill)

    def drop_kept(self, record_id: str, action_id: str) -> bool:
        """What a moderator's removal kept (body, media facts) goes, as an owner's takedown drops
        it, while the record is still removed by `action_id`; False otherwise (restored meanwhile)."""
        try:  # a removed Record hides its body's size: read it from the item
            kept = _int(RecordItem.get(*RecordItem.key(record_id), consistent_read=True,
                                       attributes_to_get=["pk", "body_bytes"]).body_bytes) or 0
        except DoesNotExist:
            return False

        def fill(tx) -> None:
            tx.update(RecordItem(*RecordItem.key(record_id)),
                      actions=[RecordItem.body.remove(), RecordItem.body_bytes.remove(), RecordItem.media.remove(),
                               RecordItem.updated_at.set(now_rfc3339())],
                      condition=(RecordItem.status == REMOVED) & (RecordItem.moderation_action_id == action_id))
            if kept > INLINE_BODY_BYTES:
                for n in range(_pieces(kept)):
                    tx.delete(RecordBodyItem(*RecordBodyItem.key(record_id, n)))

        return write_unless(self._settings, fill)

    def update_details(self, record: Record, changes: dict) -> Record:
        """Sets `changes` on a record whose licence is still the one they were checked against.
        Conflict: it was removed; LostRace: its licence changed meanwhile."""
        item = RecordItem(*RecordItem.key(record.id))
        actions = [RecordItem.updated_at.set(now_rfc3339())]
        actions += [getattr(RecordItem, name).set(value) for name, value in changes.items()]
        try:
            item.update(actions=actions, condition=(RecordItem.status != REMOVED) & _licence_is(record.licence))
        except UpdateError as e:
            if condition_failed(e):
                raise self._lost_or_removed(record) from e
            raise
        return replace(_record(item), body=record.body)  # bodies never change

    def relicense(self, record: Record, changes: dict, lineage_version: int) -> Record:
        """`update_details` for a change of licence, serialised by the lineage version with
        every other licence change and every addition of sources: what its check read (the
        record's sources, the remixes citing it) is what the licences are when it is written.
        LostRace: the record or the lineage changed since they were read."""
        actions = [RecordItem.updated_at.set(now_rfc3339())]
        actions += [getattr(RecordItem, name).set(value) for name, value in changes.items()]

        def fill(tx) -> None:
            _bump_lineage_version(tx, lineage_version)
            tx.update(RecordItem(*RecordItem.key(record.id)), actions=actions,
                      condition=(RecordItem.status != REMOVED) & _licence_is(record.licence)
                      & (size(RecordItem.sources) == len(record.sources)))

        try:
            write_transaction(self._settings, fill)
        except TransactWriteError as e:
            if condition_failed(e, 0):
                raise LostRace() from e
            if condition_failed(e):
                raise self._lost_or_removed(record) from e
            raise
        return self.get(record.id)

    def _lost_or_removed(self, record: Record) -> Exception:
        current = self._get_consistent(record.id)
        if current is None or current.status == REMOVED:
            return Conflict("This record has been removed; it can no longer be changed.")
        return LostRace()

    # --- moderation ----------------------------------------------------------------------

    def moderate(self, record: Record, moderation: Moderation) -> None:
        """Hides or disables a record (`moderation.hides`): in one transaction it leaves every list
        (its feed keys go, its owner key moves to `MODERATED#<owner id>`) and every count (owner,
        collaboration, its sources' remix counts, the unremixed list), hearts are refused and it
        leaves the trending lists. A record moderated already only changes its reasons. LostRace:
        the record or a source changed since it was read."""
        counted = record.status == READY and not record.is_hidden
        sources = self.get_many(record.sources) if counted else {}

        def fill(tx) -> None:
            actions = [RecordItem.updated_at.set(now_rfc3339()), *_moderation_actions(moderation)]
            if counted:
                actions += [getattr(RecordItem, f"gsi{n}{part}").remove() for n in range(1, 5) for part in ("pk", "sk")]
                actions.append(RecordItem.gsi5pk.set(f"MODERATED#{record.owner_id}"))
            tx.update(RecordItem(*RecordItem.key(record.id)), actions=actions,
                      condition=(RecordItem.status == record.status) & _moderation_is(record.moderation)
                      & (size(RecordItem.sources) == len(record.sources)))
            _mark_hidden(tx, record.id, moderation.state)
            if counted:
                self._count_ready(tx, record, -1)
                self._mark_shards(tx, record.id, moderation.state)
                for window in ("day", "week"):
                    tx.delete(TrendItem(*TrendItem.key(record.id, window)))
                for source in sources.values():
                    self._uncount_remix(tx, source)

        write_or_lose(self._settings, fill)

    def unmoderate(self, record: Record) -> None:
        """Undoes `moderate` and a moderator's takedown: the record is listed and counted again as
        a ready record, with its media and body as they were. LostRace: it or a source moved."""
        if record.moderation is None:
            return
        # a record its owner took down stays a tombstone
        relist = record.status == (READY if record.is_hidden else REMOVED if record.moderation.state == "removed" else None)
        sources = self.get_many(record.sources) if relist else {}
        ready = replace(record, status=READY, moderation=None)

        def fill(tx) -> None:
            actions = [RecordItem.updated_at.set(now_rfc3339()), RecordItem.moderation_state.remove(),
                       RecordItem.moderation_reason.remove(), RecordItem.moderation_action_id.remove(),
                       RecordItem.moderation_notice_id.remove()]
            if relist:
                actions += [RecordItem.status.set(READY), *_listing_actions(ready)]
            tx.update(RecordItem(*RecordItem.key(record.id)), actions=actions,
                      condition=(RecordItem.status == record.status) & _moderation_is(record.moderation)
                      & (RecordItem.remix_count == record.remix_count)
                      & (size(RecordItem.sources) == len(record.sources)))
            _mark_hidden(tx, record.id, None)
            if relist:
                self._count_ready(tx, ready, +1)
                self._mark_shards(tx, record.id, READY)
                for source in sources.values():
                    tx.update(RecordItem(*RecordItem.key(source.id)),
                              actions=[RecordItem.remix_count.add(1), RecordItem.gsi3pk.remove(),
                                       RecordItem.gsi3sk.remove()],
                              condition=RecordItem.remix_count == source.remix_count)

        write_or_lose(self._settings, fill)

    def moderated_of(self, owner_id: str, action_id: str) -> list[Record]:
        """The owner's records that `action_id` hid (a suspension), from `MODERATED#<owner id>`."""
        items = RecordItem.gsi5.query(f"MODERATED#{owner_id}",
                                      filter_condition=RecordItem.moderation_action_id == action_id)
        return [_record(i) for i in items]

    def listed_of(self, owner_id: str) -> list[Record]:
        """Every listed (ready, visible) record of an owner (what a suspension hides)."""
        return [_record(i) for i in RecordItem.gsi5.query(f"OWNER#{owner_id}")]

    @staticmethod
    def _mark_shards(tx, record_id: str, status: str) -> None:
        for shard in range(SHARDS):  # hearts are taken only while the shards say ready
            tx.update(HeartShardItem(*HeartShardItem.key(record_id, shard)), actions=[HeartShardItem.status.set(status)])

    def citing(self, source_id: str) -> list[Record] | None:
        """Every record that cites `source_id`, whatever its status, read from its remix edges;
        None when there are more than `MAX_CITING` edges."""
        edges = list(RemixEdgeItem.query(f"RECORD#{source_id}", range_key_condition=RemixEdgeItem.sk.startswith("REMIX#"),
                                         limit=MAX_CITING + 1, page_size=MAX_CITING + 1))
        if len(edges) > MAX_CITING:
            return None
        remixes = self.get_many((e.remix_id for e in edges), consistent=True)
        return [r for r in remixes.values() if source_id in r.sources]

    # --- the pieces of those transactions ------------------------------------------------

    def _count_ready(self, tx, record: Record, delta: int, collaboration_condition=None) -> None:
        """Counters of ready records. The collaboration's update comes right after the record's
        (creation maps failures by position) and may carry its existence check."""
        if record.collaboration_id:
            tx.update(CollaborationItem(*CollaborationItem.key(record.collaboration_id)),
                      actions=[CollaborationItem.record_count.add(delta)], condition=collaboration_condition)
        tx.update(MemberItem(*MemberItem.key(record.owner_handle)),
                  actions=[MemberItem.record_count.add(delta)])

    def _cite(self, tx, remix: Record, sources: list[Record]) -> None:
        """Each source must still be ready, remixable and under the licence the rules were
        checked against; a ready remix is counted at once."""
        for source in sources:
            allowed = ((RecordItem.status == READY) & (RecordItem.remixable == True)  # noqa: E712
                       & _licence_is(source.licence) & RecordItem.moderation_state.does_not_exist())
            if remix.status == READY and not remix.is_hidden:
                self._count_remix(tx, source, remix.id, condition=allowed)
            else:
                tx.condition_check(RecordItem, *RecordItem.key(source.id), condition=allowed)

    def _count_remix(self, tx, source: Record, remix_id: str, condition=None) -> None:
        """One more ready remix: `remix_count` + 1, out of the unremixed list, remembered for
        descendant walks while there is room (the list length read is part of the condition)."""
        actions = [RecordItem.remix_count.add(1), RecordItem.gsi3pk.remove(), RecordItem.gsi3sk.remove()]
        room = len(source.remix_ids) < REMIX_IDS_CAP
        if room:
            actions.append(RecordItem.remix_ids.set((RecordItem.remix_ids | []).append([remix_id])))
        same_length = size(RecordItem.remix_ids) == len(source.remix_ids)
        if not source.remix_ids:
            same_length = RecordItem.remix_ids.does_not_exist() | same_length
        combined = same_length if condition is None else condition & same_length
        tx.update(RecordItem(*RecordItem.key(source.id)), actions=actions, condition=combined if room else condition)

    def _uncount_remix(self, tx, source: Record) -> None:
        """One ready remix fewer; a ready source left with none is unremixed again."""
        actions = [RecordItem.remix_count.add(-1)]
        condition = (RecordItem.remix_count == source.remix_count) & (RecordItem.status == source.status)
        if source.remix_count == 1 and source.status == READY and not source.is_hidden:
            sk = feed_sort_key(source.created_at, source.id)
            actions += [RecordItem.gsi3pk.set(f"UNREMIXED#{month_of(source.created_at)}"), RecordItem.gsi3sk.set(sk)]
            condition = condition & RecordItem.moderation_state.does_not_exist()  # a hidden source stays unlisted
        tx.update(RecordItem(*RecordItem.key(source.id)), actions=actions, condition=condition)

    def _write_edges(self, remix_id: str, links: list[SourceLink]) -> None:
        if not links:
            return
        with RemixEdgeItem.batch_write() as batch:
            for link in links:
                batch.save(RemixEdgeItem(*RemixEdgeItem.key(link.record_id, remix_id), remix_id=remix_id,
                                         note=link.note))

    def _mark_month(self, kind: str, month: str) -> None:
        """Records that `month` holds records (of `kind`), so feeds walking back skip empty
        months. An idempotent set ADD, once per container and bucket: no hot item."""
        buckets = {month, f"{kind}|{month}"} - self._marked_months
        if buckets:
            FeedMonthsItem(*FeedMonthsItem.key()).update(actions=[FeedMonthsItem.months.add(buckets)])
            self._marked_months |= buckets

    # --- lists ---------------------------------------------------------------------------

    def list(self, feed: Feed, limit: int, after: str | None) -> tuple[list[Record], str | None]:
        """Up to `limit` ready records newest first, strictly after sort key `after`.

        Returns the records and the sort key to continue after (None at the end).
        """
        index, partition, bucketed, condition = self._plan(feed)
        month = month_of(after) if after else month_of(now_rfc3339())
        months = [month] + (self._older_months(month, feed.kind) if bucketed else [])
        found: list[RecordItem] = []
        for month in months:
            range_condition = _sort_key_of(index) < after if after else None
            found += index.query(partition(month), range_key_condition=range_condition, scan_index_forward=False,
                                 filter_condition=condition, limit=limit + 1 - len(found), page_size=limit + 1)
            if len(found) > limit:
                break
            after = None
        page = [_record(i) for i in found[:limit]]
        served, taken = self.serve(page)
        if len(found) <= limit and taken == len(page):
            return served, None
        return served, feed_sort_key(page[taken - 1].created_at, page[taken - 1].id)

    def remixes(self, source_id: str, limit: int, after: str | None) -> tuple[list[Record], str | None]:
        """Direct remixes that are ready, newest first; continues after remix id `after`."""
        found: list[Record] = []
        start = f"REMIX#{after}" if after else None
        while len(found) <= limit:
            range_condition = RemixEdgeItem.sk < start if start else RemixEdgeItem.sk.startswith("REMIX#")
            edges = list(RemixEdgeItem.query(f"RECORD#{source_id}", range_key_condition=range_condition,
                                             scan_index_forward=False, limit=limit + 1, page_size=limit + 1))
            remixes = self.get_many(e.remix_id for e in edges)
            for edge in edges:
                remix = remixes.get(edge.remix_id)
                if remix and remix.status == READY and source_id in remix.sources:
                    found.append(remix)
            if len(edges) <= limit:
                break
            start = edges[-1].sk
        page = found[:limit]
        served, taken = self.serve(page)
        return served, (page[taken - 1].id if len(found) > limit or taken < len(page) else None)

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

    def _older_months(self, month: str, kind: str | None) -> list[str]:
        """Buckets before `month` that hold records (of `kind`), newest first. Read once a
        minute per container: a bucket only appears while its month is the current one."""
        if self._months is None or time.monotonic() - self._months[0] > MONTHS_CACHE_SECONDS:
            try:
                buckets = FeedMonthsItem.get(*FeedMonthsItem.key()).months or set()
            except DoesNotExist:
                buckets = set()
            self._months = (time.monotonic(), frozenset(buckets))
        prefix = f"{kind}|" if kind else ""
        wanted = {b[len(prefix):] for b in self._months[1] if b.startswith(prefix) and (kind or "|" not in b)}
        return sorted((m for m in wanted if m < month), reverse=True)


def _bump_lineage_version(tx, read: int) -> None:
    """The lineage version moves on from `read`, the value the change's checks were made under."""
    version = LineageVersionItem.version
    tx.update(LineageVersionItem(*LineageVersionItem.key()), actions=[version.add(1)],
              condition=(version == read) | version.does_not_exist() if read == 0 else version == read)


def _licence_is(licence: str):
    condition = RecordItem.licence == licence
    return condition | RecordItem.licence.does_not_exist() if licence == DEFAULT_LICENCE else condition


def _mark_hidden(tx, record_id: str, state: str | None) -> None:
    """The record's HIDDEN marker as its moderation state says, in the transaction that sets it."""
    marker = HiddenRecordItem(*HiddenRecordItem.key(record_id))
    if state in INVISIBLE_STATES:
        tx.save(marker)
    else:
        tx.delete(marker)


def _moderation_actions(moderation: Moderation) -> list:
    fields = [(RecordItem.moderation_state, moderation.state), (RecordItem.moderation_reason, moderation.reason),
              (RecordItem.moderation_action_id, moderation.action_id),
              (RecordItem.moderation_notice_id, moderation.notice_id)]
    return [attribute.set(value) if value is not None else attribute.remove() for attribute, value in fields]


def _moderation_is(moderation: Moderation | None):
    """The record is still in the moderation state it was read in."""
    if moderation is None:
        return RecordItem.moderation_state.does_not_exist()
    same = RecordItem.moderation_state == moderation.state
    if moderation.action_id is not None:
        same = same & (RecordItem.moderation_action_id == moderation.action_id)
    if moderation.notice_id is not None:
        same = same & (RecordItem.moderation_notice_id == moderation.notice_id)
    return same


def _open_heart_shards(tx, record: Record) -> None:
    """A record that becomes ready gets its heart counters (see domain.hearts)."""
    for shard in range(SHARDS):
        tx.save(HeartShardItem(*HeartShardItem.key(record.id, shard), count=0, ops=0, hours={},
                               status=READY, owner_sub=record.owner_sub))


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


def _stored_beside(record: Record) -> bool:
    size = len(record.body.encode()) if record.body is not None else record.body_size
    return (size or 0) > INLINE_BODY_BYTES


def _split(body: str) -> list[bytes]:
    data = body.encode()
    return [data[n:n + BODY_CHUNK_BYTES] for n in range(0, len(data), BODY_CHUNK_BYTES)]


def _pieces(body_bytes: int | None) -> int:
    """How many pieces a body of `body_bytes` stored beside its item was written in."""
    return -(-(body_bytes or 0) // BODY_CHUNK_BYTES)


def _item(record: Record) -> RecordItem:
    beside = _stored_beside(record)
    item = RecordItem(
        *RecordItem.key(record.id), record_id=record.id, kind=record.kind, title=record.title,
        description=record.description, tags=list(record.tags), owner_id=record.owner_id,
        owner_handle=record.owner_handle, owner_sub=record.owner_sub, status=record.status,
        licence=record.licence, remixable=record.remixable, sources=list(record.sources), collaboration_id=record.collaboration_id,
        created_at=record.created_at, updated_at=record.updated_at, body=None if beside else record.body,
        body_bytes=len(record.body.encode()) if beside else None,
        expires_at=record.expires_at, remix_ids=list(record.remix_ids),
        declared_file=DeclaredFileAttribute(**record.declared_file.__dict__) if record.declared_file else None,
    )
    if record.status == READY:
        for name, value in _listing_keys(record).items():
            setattr(item, name, value)
    return item


def _in_batches(keys: list, read):
    """`read(keys)` per 100 keys, up to `PARALLEL_BATCH_GETS` at once, merged."""
    if len(keys) <= BATCH_GET_KEYS:
        return read(keys)
    from concurrent.futures import ThreadPoolExecutor

    found = {}
    with ThreadPoolExecutor(max_workers=PARALLEL_BATCH_GETS) as pool:
        for part in pool.map(read, [keys[n:n + BATCH_GET_KEYS] for n in range(0, len(keys), BATCH_GET_KEYS)]):
            found.update(part)
    return found


def _frozen_node(raw: dict) -> FrozenNode:
    return FrozenNode(raw["record_id"]["S"], raw["owner_id"]["S"], raw["owner_handle"]["S"], raw["title"]["S"],
                      tuple(s["S"] for s in raw.get("sources", {}).get("L", ())),
                      raw["licence"]["S"] if "licence" in raw else DEFAULT_LICENCE)


def _record(item: RecordItem) -> Record:
    if item.status == REMOVED:  # a moderator's takedown keeps body and media stored, never served
        item.media, item.body, item.body_bytes = None, None, None
    media = item.media
    declared = item.declared_file
    return Record(
        id=item.record_id, kind=item.kind, title=item.title, owner_id=item.owner_id,
        owner_handle=item.owner_handle, owner_sub=item.owner_sub, status=item.status,
        created_at=item.created_at, updated_at=item.updated_at, description=item.description,
        tags=tuple(item.tags or ()), rejection_reason=item.rejection_reason,
        licence=item.licence or DEFAULT_LICENCE, remixable=item.remixable,
        sources=tuple(item.sources or ()), collaboration_id=item.collaboration_id,
        heart_count=int(item.heart_count or 0), remix_count=int(item.remix_count or 0),
        comment_count=int(item.comment_count or 0),
        remix_ids=tuple(item.remix_ids or ()), body=item.body,
        body_size=_int(item.body_bytes) if item.body is None else len(item.body.encode()),
        media=Media(
            content_type=media.content_type, size=int(media.size), sha256=media.sha256,
            width=_int(media.width), height=_int(media.height), duration_seconds=media.duration_seconds,
        ) if media else None,
        declared_file=DeclaredFile(declared.filename, declared.content_type, int(declared.size)) if declared else None,
        expires_at=_int(item.expires_at),
        moderation=Moderation(item.moderation_state, item.moderation_reason, item.moderation_action_id,
                              item.moderation_notice_id) if item.moderation_state else None,
        previews=_previews(item.previews),
    )


def _previews(stored) -> Previews | None:
    if stored is None:
        return None
    peaks = tuple(int(peak) for peak in stored.waveform.split(",")) if stored.waveform else None
    return Previews(thumbnail=bool(stored.thumbnail), poster=bool(stored.poster), waveform=peaks)


def _int(value) -> int | None:
    return None if value is None else int(value)
