"""PynamoDB models of the main table's items (see `definitions.MAIN_TABLE` for the layout).

Table name and region are bound from settings by `connection.bind_models` before first use,
never read at import time.
"""
from __future__ import annotations

from pynamodb.attributes import (
    BinaryAttribute, BooleanAttribute, ListAttribute, MapAttribute, NumberAttribute, NumberSetAttribute,
    UnicodeAttribute, UnicodeSetAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib.storage.definitions import MAIN_TABLE


class MainTableModel(Model):
    """Base of every item in the main table: the generic keys of the single-table design."""

    class Meta:
        table_name = None  # bound from settings
        region = None

    pk = UnicodeAttribute(hash_key=True, attr_name=MAIN_TABLE.hash_key)
    sk = UnicodeAttribute(range_key=True, attr_name=MAIN_TABLE.range_key)


class MemberItem(MainTableModel):
    """`MEMBER#<handle>` / `PROFILE`: the public profile, read by handle in one GetItem."""

    SK = "PROFILE"

    member_id = UnicodeAttribute()
    sub = UnicodeAttribute()
    handle = UnicodeAttribute()
    display_name = UnicodeAttribute()
    bio = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    record_count = NumberAttribute(default=0)
    heart_count_received = NumberAttribute(default=0)
    follower_count = NumberAttribute(default=0)  # moved with each follow, in its transaction
    following_count = NumberAttribute(default=0)
    deleted_at = UnicodeAttribute(null=True)  # set by DELETE /me: the handle stays reserved forever

    @staticmethod
    def key(handle: str) -> tuple[str, str]:
        return f"MEMBER#{handle}", MemberItem.SK


class IdentityItem(MainTableModel):
    """`IDENTITY#<sub>` / `IDENTITY`: one per identity; its existence means "registered"."""

    SK = "IDENTITY"

    member_id = UnicodeAttribute()
    handle = UnicodeAttribute()
    created_at = UnicodeAttribute()
    suspended_by = UnicodeAttribute(null=True)  # the suspend_member action, while suspended

    @staticmethod
    def key(sub: str) -> tuple[str, str]:
        return f"IDENTITY#{sub}", IdentityItem.SK


def _index(number: int) -> GlobalSecondaryIndex:
    """The PynamoDB view of generic index `gsi<number>` (see `definitions.MAIN_TABLE`)."""
    meta = type("Meta", (), {"index_name": f"gsi{number}", "projection": AllProjection()})
    index = type(f"Gsi{number}", (GlobalSecondaryIndex,), {
        "Meta": meta,
        f"gsi{number}pk": UnicodeAttribute(hash_key=True),
        f"gsi{number}sk": UnicodeAttribute(range_key=True),
    })
    return index()


class MediaAttribute(MapAttribute):
    content_type = UnicodeAttribute()
    size = NumberAttribute()
    sha256 = UnicodeAttribute()
    width = NumberAttribute(null=True)
    height = NumberAttribute(null=True)
    duration_seconds = NumberAttribute(null=True)


class PreviewsAttribute(MapAttribute):
    """What the upload function made (domain.previews.Previews); the waveform's 200 peaks as one
    comma-separated string, cheaper to store and to read than a list of 200 numbers."""

    thumbnail = BooleanAttribute(default=False)
    poster = BooleanAttribute(default=False)
    waveform = UnicodeAttribute(null=True)


class DeclaredFileAttribute(MapAttribute):
    filename = UnicodeAttribute()
    content_type = UnicodeAttribute()
    size = NumberAttribute()


class RecordItem(MainTableModel):
    """`RECORD#<id>` / `RECORD`. Listed in gsi1..gsi5 while ready (see definitions). A text
    body too long to keep in the item is stored beside it in `RecordBodyItem`s, and
    `body_bytes` says how long it is (see storage.records)."""

    SK = "RECORD"

    record_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    title = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    tags = ListAttribute(of=UnicodeAttribute, default=list)
    owner_id = UnicodeAttribute()
    owner_handle = UnicodeAttribute()
    owner_sub = UnicodeAttribute()
    status = UnicodeAttribute()
    rejection_reason = UnicodeAttribute(null=True)
    licence = UnicodeAttribute(null=True)  # absent on records stored before licences: `remixery`
    remixable = BooleanAttribute(default=True)
    sources = ListAttribute(of=UnicodeAttribute, default=list)
    collaboration_id = UnicodeAttribute(null=True)
    heart_count = NumberAttribute(default=0)  # written by the heart-count function
    comment_count = NumberAttribute(default=0)  # visible comments and replies, moved in their transactions
    heart_ops = NumberAttribute(null=True)  # the shards' change count that heart_count reflects
    remix_count = NumberAttribute(default=0)
    remix_ids = ListAttribute(of=UnicodeAttribute, null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    body = UnicodeAttribute(null=True)
    body_bytes = NumberAttribute(null=True)  # set while the body is stored beside the item
    media = MediaAttribute(null=True)
    declared_file = DeclaredFileAttribute(null=True)
    expires_at = NumberAttribute(null=True)  # TTL: set while awaiting upload
    # Trust and safety: while hidden or disabled the record carries no feed keys (gsi1-4) and its
    # gsi5 key moves to `MODERATED#<owner id>` (what a reinstatement restores).
    moderation_state = UnicodeAttribute(null=True)  # hidden | copyright_disabled | removed
    moderation_reason = UnicodeAttribute(null=True)
    moderation_action_id = UnicodeAttribute(null=True)
    moderation_notice_id = UnicodeAttribute(null=True)
    previews = PreviewsAttribute(null=True)  # set by the upload function once tried (ready media)

    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    gsi3pk = UnicodeAttribute(null=True)
    gsi3sk = UnicodeAttribute(null=True)
    gsi4pk = UnicodeAttribute(null=True)
    gsi4sk = UnicodeAttribute(null=True)
    gsi5pk = UnicodeAttribute(null=True)
    gsi5sk = UnicodeAttribute(null=True)

    gsi1 = _index(1)
    gsi2 = _index(2)
    gsi3 = _index(3)
    gsi4 = _index(4)
    gsi5 = _index(5)

    @staticmethod
    def key(record_id: str) -> tuple[str, str]:
        return f"RECORD#{record_id}", RecordItem.SK


class RecordBodyItem(MainTableModel):
    """`RECORD#<id>` / `BODY#<nn>`: one piece of a long text body's UTF-8, in order. Written
    with the record, deleted with its takedown; bodies never change."""

    part = BinaryAttribute(legacy_encoding=False)

    @staticmethod
    def key(record_id: str, piece: int) -> tuple[str, str]:
        return f"RECORD#{record_id}", f"BODY#{piece:02d}"


class HeartItem(MainTableModel):
    """`HEART#<sub>` / `RECORD#<record>`: this identity hearts this record. Keyed by the member,
    so a viral record's hearts spread over many partitions. Listed by member in gsi1 under
    `HEARTS_BY#<sub>`, most recent first."""

    record_id = UnicodeAttribute()
    hearted_at = UnicodeAttribute()
    hour = UnicodeAttribute()  # the trending bucket its heart was counted in
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)

    gsi1 = _index(1)

    @staticmethod
    def key(record_id: str, sub: str) -> tuple[str, str]:
        return f"HEART#{sub}", f"RECORD#{record_id}"


class HeartShardItem(MainTableModel):
    """`HEARTS#<record>#<nn>` / `COUNT`: one of a record's heart counters (see domain.hearts), each
    on a partition key of its own, so the throughput limits of a partition apply per shard.
    Carries the record's status and owner, so a heart is checked without reading the record."""

    count = NumberAttribute(default=0)
    ops = NumberAttribute(default=0)  # every heart and un-heart: tells newer sums from older
    hours = MapAttribute(default=dict)  # "YYYYMMDDHH" -> hearts counted in that hour
    status = UnicodeAttribute()
    owner_sub = UnicodeAttribute()

    @staticmethod
    def key(record_id: str, shard: int) -> tuple[str, str]:
        return f"HEARTS#{record_id}#{shard:02d}", "COUNT"


class TrendItem(MainTableModel):
    """`RECORD#<record>` / `TREND#<window>`: the record's place in a trending list, in gsi1
    (`TRENDING#<window>`) and gsi2 (`TRENDING#<window>#<kind>`); absent with no heart inside."""

    record_id = UnicodeAttribute()
    score = NumberAttribute()
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)

    gsi1 = _index(1)
    gsi2 = _index(2)

    @staticmethod
    def key(record_id: str, window: str) -> tuple[str, str]:
        return f"RECORD#{record_id}", f"TREND#{window}"


class RemixEdgeItem(MainTableModel):
    """`RECORD#<source>` / `REMIX#<remix id>`: the remix cites the source. Ids are ULIDs, so a
    descending Query on the source's partition lists its remixes newest first."""

    remix_id = UnicodeAttribute()
    note = UnicodeAttribute(null=True)

    @staticmethod
    def key(source_id: str, remix_id: str) -> tuple[str, str]:
        return f"RECORD#{source_id}", f"REMIX#{remix_id}"


class LineageVersionItem(MainTableModel):
    """`META#LINEAGE` / `VERSION`: bumped by every source added to an existing record, so such
    additions are serialised and a cycle check never races another one."""

    version = NumberAttribute(default=0)

    @staticmethod
    def key() -> tuple[str, str]:
        return "META#LINEAGE", "VERSION"


class CollaborationItem(MainTableModel):
    """`COLLAB#<id>` / `COLLAB`; listed newest first in gsi1 under `COLLABS#<yyyy-mm>`."""

    SK = "COLLAB"

    collaboration_id = UnicodeAttribute()
    title = UnicodeAttribute()
    brief = UnicodeAttribute()
    kinds = ListAttribute(of=UnicodeAttribute, default=list)
    owner_id = UnicodeAttribute()
    owner_handle = UnicodeAttribute()
    record_count = NumberAttribute(default=0)
    created_at = UnicodeAttribute()
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)

    gsi1 = _index(1)

    @staticmethod
    def key(collaboration_id: str) -> tuple[str, str]:
        return f"COLLAB#{collaboration_id}", CollaborationItem.SK


class FeedMonthsItem(MainTableModel):
    """`META#FEED` / `MONTHS`: the month buckets that hold records (`2026-11`, and per kind
    `text|2026-11`), so a feed walking back skips empty months."""

    months = UnicodeSetAttribute(null=True)

    @staticmethod
    def key() -> tuple[str, str]:
        return "META#FEED", "MONTHS"


class ProductionItem(MainTableModel):
    """`PRODUCTION#<id>` / `PRODUCTION`, with its totals to date (summed on every booking).
    Every production is in gsi2 (`PRODUCTIONS`, for royalty runs); released ones also in gsi1
    (`RELEASED`, newest release first). `closed_through` is the last period a royalty run closed
    for it, set before the run reads its totals; every booking updates this item on the
    condition that its period is later, so a closed period never changes."""

    SK = "PRODUCTION"

    production_id = UnicodeAttribute()
    title = UnicodeAttribute()
    format = UnicodeAttribute()
    currency = UnicodeAttribute()
    producer_sub = UnicodeAttribute()
    producer_id = UnicodeAttribute()
    producer_handle = UnicodeAttribute()
    collaboration_id = UnicodeAttribute(null=True)
    contributor_share_bps = NumberAttribute()
    upstream_share_bps = NumberAttribute()
    products = ListAttribute(of=UnicodeAttribute, default=list)  # "<provider>:<product id>"
    status = UnicodeAttribute()
    released_at = UnicodeAttribute(null=True)
    freezing_since = UnicodeAttribute(null=True)  # set while its proposal is being frozen
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    contribution_count = NumberAttribute(default=0)
    contributions_version = NumberAttribute(default=0)
    sales = NumberAttribute(default=0)
    refunds = NumberAttribute(default=0)
    disputes = NumberAttribute(default=0)
    dispute_reversals = NumberAttribute(default=0)
    costs = NumberAttribute(default=0)
    allocated = NumberAttribute(default=0)
    allocated_through = UnicodeAttribute(null=True)  # the period whose close set `allocated`
    closed_through = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)

    gsi1 = _index(1)
    gsi2 = _index(2)

    @staticmethod
    def key(production_id: str) -> tuple[str, str]:
        return f"PRODUCTION#{production_id}", ProductionItem.SK


class ProductMappingItem(MainTableModel):
    """`PRODUCT#<provider>#<product id>` / `PRODUCT`: the one production a store product sells.
    Its existence makes the pair unique; it carries the currency, so a sale is matched and
    checked without reading the production."""

    production_id = UnicodeAttribute()
    currency = UnicodeAttribute()

    @staticmethod
    def key(provider: str, product_id: str) -> tuple[str, str]:
        return f"PRODUCT#{provider}#{product_id}", "PRODUCT"


class ContributionsItem(MainTableModel):
    """`PRODUCTION#<id>` / `CONTRIBUTIONS#<version>#<chunk>`: one chunk of a version of the
    contribution list, packed as `<record id>=<weight>` pairs (10,000 fit in two items). A new
    list is written as a new version, then the production switches to it."""

    pairs = UnicodeAttribute()

    @staticmethod
    def key(production_id: str, version: int, chunk: int) -> tuple[str, str]:
        return f"PRODUCTION#{production_id}", f"{ContributionsItem.prefix(version)}{chunk:04d}"

    @staticmethod
    def prefix(version: int) -> str:
        return f"CONTRIBUTIONS#{version:08d}#"


class PeriodTotalsItem(MainTableModel):
    """`PRODUCTION#<id>` / `PERIOD#<yyyy-mm>`: what the production booked in one period.
    A closed period never changes: see `ProductionItem.closed_through`."""

    sales = NumberAttribute(default=0)
    refunds = NumberAttribute(default=0)
    disputes = NumberAttribute(default=0)
    dispute_reversals = NumberAttribute(default=0)
    costs = NumberAttribute(default=0)

    @staticmethod
    def key(production_id: str, period: str) -> tuple[str, str]:
        return f"PRODUCTION#{production_id}", f"PERIOD#{period}"


class LedgerEntryItem(MainTableModel):
    """`PRODUCTION#<id>` / `LEDGER#<entry id>`: one booked entry; ids sort by booking time."""

    entry_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    amount = NumberAttribute()  # positive; the kind gives the direction
    currency = UnicodeAttribute()
    period = UnicodeAttribute()
    event_time = UnicodeAttribute()
    booked_at = UnicodeAttribute()
    provider = UnicodeAttribute(null=True)
    external_id = UnicodeAttribute(null=True)
    event_id = UnicodeAttribute(null=True)
    description = UnicodeAttribute(null=True)

    @staticmethod
    def key(production_id: str, entry_id: str) -> tuple[str, str]:
        return f"PRODUCTION#{production_id}", f"LEDGER#{entry_id}"


class PaymentItem(MainTableModel):
    """`PAYMENT#<provider>#<reference>` / `PAYMENT`: what one purchase has booked and holds
    (`domain.ledger.Payment` as JSON). `version` makes concurrent events on it take turns."""

    state = UnicodeAttribute()
    version = NumberAttribute()

    @staticmethod
    def key(provider: str, reference: str) -> tuple[str, str]:
        return f"PAYMENT#{provider}#{reference}", "PAYMENT"


class DeliveryItem(MainTableModel):
    """`DELIVERY#<provider>#<event or webhook id>` / `DELIVERY`: this delivery was taken. Written
    in the transaction that books it, so a redelivery finds it and changes nothing.

    `pending`, while present: the ledger entries and unmatched sales of a delivery too large for
    one transaction, still to be written (see storage.sales); zlib-compressed JSON."""

    event_type = UnicodeAttribute()
    received_at = UnicodeAttribute()
    pending = BinaryAttribute(legacy_encoding=False, null=True)

    @staticmethod
    def key(provider: str, delivery_id: str) -> tuple[str, str]:
        return f"DELIVERY#{provider}#{delivery_id}", "DELIVERY"


class UnmatchedSaleItem(MainTableModel):
    """`UNMATCHED#<id>` / `UNMATCHED`: money no production took. Listed newest first in gsi1
    (`UNMATCHED`) until an admin assigns it."""

    unmatched_id = UnicodeAttribute()
    provider = UnicodeAttribute()
    external_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    amount = NumberAttribute()
    currency = UnicodeAttribute()
    reason = UnicodeAttribute()
    event_time = UnicodeAttribute()
    received_at = UnicodeAttribute()
    payment_reference = UnicodeAttribute()
    line = UnicodeAttribute(default="")
    assigned_to = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)

    gsi1 = _index(1)

    @staticmethod
    def key(unmatched_id: str) -> tuple[str, str]:
        return f"UNMATCHED#{unmatched_id}", "UNMATCHED"


class PeriodsItem(MainTableModel):
    """`META#PERIODS` / `STATE`: the last closed period, and the one a running close is taking
    (entries already go past it)."""

    closed_through = UnicodeAttribute(null=True)
    closing = UnicodeAttribute(null=True)

    @staticmethod
    def key() -> tuple[str, str]:
        return "META#PERIODS", "STATE"


class LineageSnapshotItem(MainTableModel):
    """`PRODUCTION#<id>` / `LINEAGE#<version>#<chunk>`: the lineage frozen at release, packed by
    `storage.lineage_snapshots` (`packed`: compressed columns); items written before it hold JSON
    rows `[[id, owner id, owner handle, title, [source ids]], ...]` in `nodes`, ~300 KB a chunk."""

    nodes = UnicodeAttribute(null=True)
    packed = BinaryAttribute(null=True, legacy_encoding=False)

    @staticmethod
    def key(production_id: str, version: int, chunk: int) -> tuple[str, str]:
        return f"PRODUCTION#{production_id}", f"{LineageSnapshotItem.prefix(version)}{chunk:04d}"

    @staticmethod
    def prefix(version: int) -> str:
        return f"LINEAGE#{version:08d}#"


class SplitItem(MainTableModel):
    """`PRODUCTION#<id>` / `SPLIT#<period>#<chunk>`: every record's cumulative amount when the
    period closed, packed `<record id>:<c|l>=<amount>` (c: contribution, l: lineage). The next
    run credits the difference."""

    amounts = UnicodeAttribute()

    @staticmethod
    def key(production_id: str, period: str, chunk: int) -> tuple[str, str]:
        return f"PRODUCTION#{production_id}", f"{SplitItem.prefix(period)}{chunk:04d}"

    @staticmethod
    def prefix(period: str) -> str:
        return f"SPLIT#{period}#"


class RunItem(MainTableModel):
    """`RUN#<period>` / `RUN`: a royalty run and its progress. Its plan (`plan`: the token of the
    batches it took up, `batches` of them) is set once; `batches_counted` holds the number of
    every batch whose productions are closed (its size is the count of finished batches), and
    `last_batch` the one counted last, which writes the statements."""

    period = UnicodeAttribute()
    status = UnicodeAttribute()  # running | closed
    started_at = UnicodeAttribute()
    finished_at = UnicodeAttribute(null=True)
    productions_total = NumberAttribute(null=True)
    productions_done = NumberAttribute(default=0)
    plan = UnicodeAttribute(null=True)
    batches = NumberAttribute(null=True)
    batches_counted = NumberSetAttribute(null=True)
    last_batch = NumberAttribute(null=True)
    statement_buckets = NumberAttribute(null=True)  # set once its statements are written
    gsi1pk = UnicodeAttribute(default="RUNS")  # every run, newest period first
    gsi1sk = UnicodeAttribute()

    gsi1 = _index(1)

    @staticmethod
    def key(period: str) -> tuple[str, str]:
        return f"RUN#{period}", "RUN"


class RunProductionItem(MainTableModel):
    """`RUN#<period>` / `PRODUCTION#<id>`: one production's figures in that run."""

    production_id = UnicodeAttribute()
    currency = UnicodeAttribute()
    net = NumberAttribute()
    pool = NumberAttribute()
    credited = NumberAttribute()

    @staticmethod
    def key(period: str, production_id: str) -> tuple[str, str]:
        return f"RUN#{period}", f"PRODUCTION#{production_id}"


class RunBatchItem(MainTableModel):
    """`RUN#<period>` / `BATCH#<plan>#<n>`: the production ids of batch n of a run's plan, comma-separated."""

    production_ids = UnicodeAttribute()

    @staticmethod
    def key(period: str, plan: str, batch: int) -> tuple[str, str]:
        return f"RUN#{period}", f"BATCH#{plan}#{batch:05d}"


class RunLinesItem(MainTableModel):
    """`RUN#<period>` / `LINES#<production id>#<chunk>`: the statement lines one production's close
    credits, as `storage.royalties` packs them (compressed columns); the run's last batch reads
    them all to write the statements."""

    currency = UnicodeAttribute()
    production_title = UnicodeAttribute()
    packed = BinaryAttribute(legacy_encoding=False)

    PREFIX = "LINES#"

    @staticmethod
    def key(period: str, production_id: str, chunk: int) -> tuple[str, str]:
        return f"RUN#{period}", f"{RunLinesItem.PREFIX}{production_id}#{chunk:04d}"


class StatementBucketItem(MainTableModel):
    """`STATEMENTS#<period>` / `BUCKET#<n>`: the statements of the members that hash to bucket n
    of that period, as JSON `{member id: [[currency, opening, credits, closing, payable, payout,
    [[production id, production title, record id, record title, via, amount], ...]], ...]}`.
    A run writes a few large items rather than one per member (`RunItem.statement_buckets`
    says how many); a member's statement is one GetItem."""

    statements = UnicodeAttribute()

    @staticmethod
    def key(period: str, bucket: int) -> tuple[str, str]:
        return f"STATEMENTS#{period}", f"BUCKET#{bucket:05d}"


class CarriedBalancesItem(MainTableModel):
    """`BALANCES` / `<period>#<chunk>`: every balance carried forward (non-zero) after that
    period's run, packed `<member id>:<currency>=<amount>`. The next run opens each member's
    statement from the latest of these before its own period, in one Query."""

    balances = UnicodeAttribute()

    PARTITION = "BALANCES"

    @staticmethod
    def key(period: str, chunk: int) -> tuple[str, str]:
        return CarriedBalancesItem.PARTITION, f"{period}#{chunk:04d}"


ALL_MODELS: tuple[type[MainTableModel], ...] = (
    MainTableModel, MemberItem, IdentityItem, RecordItem, RecordBodyItem, HeartItem, HeartShardItem, TrendItem,
    RemixEdgeItem, LineageVersionItem,
    CollaborationItem, FeedMonthsItem,
    ProductionItem, ProductMappingItem, ContributionsItem, PeriodTotalsItem, LedgerEntryItem,
    PaymentItem, DeliveryItem, UnmatchedSaleItem, PeriodsItem,
    LineageSnapshotItem, SplitItem, RunItem, RunProductionItem, StatementBucketItem, CarriedBalancesItem,
    RunBatchItem, RunLinesItem,
)


# --- notifications (storage/notifications.py) ---------------------------------------------

class NotificationItem(MainTableModel):
    """`INBOX#<member>` / `NOTE#<id>`: one notification. Listed newest first in gsi1
    (`INBOX#<member>`, sk `<created_at>#<id>`) and, while unread, in gsi2 (`UNREAD#<member>`)."""

    member_id = UnicodeAttribute()
    notification_id = UnicodeAttribute()
    note_type = UnicodeAttribute(attr_name="type")
    created_at = UnicodeAttribute()
    read = BooleanAttribute(default=False)
    count = NumberAttribute(default=1)
    actor_id = UnicodeAttribute(null=True)
    actor_handle = UnicodeAttribute(null=True)
    subject_type = UnicodeAttribute()
    subject_id = UnicodeAttribute()
    subject_title = UnicodeAttribute(null=True)
    detail = UnicodeAttribute(default="{}")  # JSON
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)

    gsi1 = _index(1)
    gsi2 = _index(2)

    @staticmethod
    def key(member_id: str, notification_id: str) -> tuple[str, str]:
        return f"INBOX#{member_id}", f"NOTE#{notification_id}"


class UnreadCountItem(MainTableModel):
    """`INBOX#<member>` / `UNREAD`: the member's unread notifications, moved in the transaction
    that makes, reads or re-opens each one (so exact, and one GetItem to read)."""

    unread = NumberAttribute(default=0)

    @staticmethod
    def key(member_id: str) -> tuple[str, str]:
        return f"INBOX#{member_id}", "UNREAD"


HIDDEN_PARTITION = "HIDDEN"


class HiddenRecordItem(MainTableModel):
    """`HIDDEN` / `RECORD#<id>`: the record is hidden or copyright-disabled now. The partition
    holds what a frozen lineage shows differently today (this, and `DeletedHandleItem`): splits,
    credits and proposals read all of it in one Query, whatever the lineage's size."""

    @staticmethod
    def key(record_id: str) -> tuple[str, str]:
        return HIDDEN_PARTITION, f"RECORD#{record_id}"


class DeletedHandleItem(MainTableModel):
    """`HIDDEN` / `HANDLE#<handle>`: the member with this handle deleted the profile, so frozen
    lineages show their owner as `orphan` (see `HiddenRecordItem`)."""

    @staticmethod
    def key(handle: str) -> tuple[str, str]:
        return HIDDEN_PARTITION, f"HANDLE#{handle}"


class HeartMarkerItem(MainTableModel):
    """`INBOX#<owner>` / `HEARTED#<record>#<day>#<member>`: this member's heart of that record
    counted in that day's `hearted` notification (a second heart that day does not count)."""

    expires_at = NumberAttribute(null=True)  # TTL

    @staticmethod
    def key(owner_id: str, record_id: str, day: str, member_id: str) -> tuple[str, str]:
        return f"INBOX#{owner_id}", f"HEARTED#{record_id}#{day}#{member_id}"


# --- tags and search (storage/search.py) --------------------------------------------------

class SearchDocItem(MainTableModel):
    """`SEARCHDOC#<record|member>#<id>` / `SEARCH`: what the index holds for one record or member
    (its terms and counted tags), so a change writes only the difference. `version` orders the
    index writers of one subject."""

    terms = UnicodeSetAttribute(null=True)
    tags = UnicodeSetAttribute(null=True)
    sort_key = UnicodeAttribute(null=True)  # `<created_at>#<id>` its term items are sorted by
    carried = UnicodeAttribute(null=True)  # what every term item carries (words, kind, handle)
    version = NumberAttribute(default=0)

    @staticmethod
    def key(subject_type: str, subject_id: str) -> tuple[str, str]:
        return f"SEARCHDOC#{subject_type}#{subject_id}", "SEARCH"


class TermItem(MainTableModel):
    """`TERM#<prefix>` / `<created_at>#<record>`: a ready record has a word starting with the
    prefix; by kind in gsi1 (`TERM#<kind>#<prefix>`). `words` lets a query check its other words.
    `MTERM#<prefix>` / `<created_at>#<member>` is the same for members (`handle` set)."""

    subject_id = UnicodeAttribute()
    words = UnicodeAttribute()  # space-separated
    kind = UnicodeAttribute(null=True)
    handle = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)

    gsi1 = _index(1)

    @staticmethod
    def key(prefix: str, sort_key: str, members: bool = False) -> tuple[str, str]:
        return f"{'MTERM' if members else 'TERM'}#{prefix}", sort_key


class TaggedItem(MainTableModel):
    """`TAGGED#<tag>` / `<created_at>#<record>`: a ready record carries the tag; by kind in gsi1
    (`TAGGED#<kind>#<tag>`)."""

    record_id = UnicodeAttribute()
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)

    gsi1 = _index(1)

    @staticmethod
    def key(tag: str, sort_key: str) -> tuple[str, str]:
        return f"TAGGED#{tag}", sort_key


class TagItem(MainTableModel):
    """`TAG#<tag>` / `COUNT`: how many ready records carry the tag. While it is above 0 it is
    listed most used first in gsi1 (`TAGS`) and, by its first 1..4 characters, in gsi2..gsi5
    (`TAGS#<prefix>`), all sorted by `domain.search.tag_order_key`."""

    tag = UnicodeAttribute()
    record_count = NumberAttribute(default=0)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    gsi3pk = UnicodeAttribute(null=True)
    gsi3sk = UnicodeAttribute(null=True)
    gsi4pk = UnicodeAttribute(null=True)
    gsi4sk = UnicodeAttribute(null=True)
    gsi5pk = UnicodeAttribute(null=True)
    gsi5sk = UnicodeAttribute(null=True)

    gsi1 = _index(1)
    gsi2 = _index(2)
    gsi3 = _index(3)
    gsi4 = _index(4)
    gsi5 = _index(5)

    @staticmethod
    def key(tag: str) -> tuple[str, str]:
        return f"TAG#{tag}", "COUNT"


ALL_MODELS += (NotificationItem, UnreadCountItem, HeartMarkerItem, HiddenRecordItem, DeletedHandleItem, SearchDocItem, TermItem,
               TaggedItem, TagItem)


class CommentItem(MainTableModel):
    """`COMMENT#<id>` / `COMMENT`: a comment or a reply (see domain.comments), read by id in one
    GetItem. Listed in
    - gsi1 `THREAD#<subject type>#<subject id>`: a top-level comment at `<its id>#0`, and each of
      the first three replies under it at `<top id>#1#<reply id>` (sparse: later replies are not
      there), so one ascending Query returns a page of top-level comments, oldest first, each
      followed by its first replies;
    - gsi2 `REPLIES#<top id>` / `<reply id>`: every reply of a top-level comment, oldest first;
    - gsi3 `COMMENTS_BY#<author id>` / `<created_at>#<id>`: an author's comments (exports)."""

    SK = "COMMENT"

    comment_id = UnicodeAttribute()
    subject_type = UnicodeAttribute()
    subject_id = UnicodeAttribute()
    subject_owner_id = UnicodeAttribute()
    author_id = UnicodeAttribute()
    author_handle = UnicodeAttribute()
    body = UnicodeAttribute(null=True)  # absent once removed (kept, never served, after a moderator's removal)
    parent_id = UnicodeAttribute(null=True)
    at_seconds = NumberAttribute(null=True)
    status = UnicodeAttribute()
    reply_count = NumberAttribute(default=0)
    created_at = UnicodeAttribute()
    edited_at = UnicodeAttribute(null=True)
    moderation_state = UnicodeAttribute(null=True)  # hidden | removed (by a moderator)
    moderation_reason = UnicodeAttribute(null=True)
    moderation_action_id = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    gsi3pk = UnicodeAttribute(null=True)
    gsi3sk = UnicodeAttribute(null=True)

    gsi1 = _index(1)
    gsi2 = _index(2)
    gsi3 = _index(3)

    @staticmethod
    def key(comment_id: str) -> tuple[str, str]:
        return f"COMMENT#{comment_id}", CommentItem.SK


class FollowItem(MainTableModel):
    """`FOLLOW#<follower id>` / `FOLLOWS#<followee id>`: one member follows another. Listed in gsi1
    `FOLLOWING#<follower id>` and gsi2 `FOLLOWERS#<followee id>`, both `<followed_at>#<other id>`
    (most recent first, descending)."""

    follower_id = UnicodeAttribute()
    follower_handle = UnicodeAttribute()
    followee_id = UnicodeAttribute()
    followee_handle = UnicodeAttribute()
    followed_at = UnicodeAttribute()
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)

    gsi1 = _index(1)
    gsi2 = _index(2)

    @staticmethod
    def key(follower_id: str, followee_id: str) -> tuple[str, str]:
        return f"FOLLOW#{follower_id}", f"FOLLOWS#{followee_id}"


class FeedEntryItem(MainTableModel):
    """`HOMEFEED#<member id>` / `<created_at>#<record id>`: a ready record of someone the member
    follows, written by the feed fan-out (logic.feed); a member's /me/feed is one descending Query."""

    record_id = UnicodeAttribute()
    owner_id = UnicodeAttribute()

    @staticmethod
    def key(member_id: str, created_at: str, record_id: str) -> tuple[str, str]:
        return f"HOMEFEED#{member_id}", f"{created_at}#{record_id}"


COMMUNITY_MODELS: tuple[type[MainTableModel], ...] = (CommentItem, FollowItem, FeedEntryItem)
ALL_MODELS = ALL_MODELS + COMMUNITY_MODELS


class OwnsItem(MainTableModel):
    """`OWNS#<member id>` / `RECORD#<id>`: the member created this record, whatever its status
    (exports and deletion read every record of a member in one Query). Written in the record's
    creating transaction (no round trip of its own)."""

    record_id = UnicodeAttribute()

    @staticmethod
    def key(member_id: str, record_id: str) -> tuple[str, str]:
        return f"OWNS#{member_id}", f"RECORD#{record_id}"


class ExportItem(MainTableModel):
    """`EXPORT#<id>` / `EXPORT`: one export of a member's data and its archive's state."""

    member_id = UnicodeAttribute()
    handle = UnicodeAttribute()
    status = UnicodeAttribute()  # running | ready | failed
    created_at = UnicodeAttribute()
    ready_at = UnicodeAttribute(null=True)
    size = NumberAttribute(null=True)

    @staticmethod
    def key(export_id: str) -> tuple[str, str]:
        return f"EXPORT#{export_id}", "EXPORT"


class ExportLockItem(MainTableModel):
    """`EXPORTS#<member id>` / `RUNNING`: the member's export in progress (one at a time); the
    conditional write that starts one is what makes a second a 409."""

    export_id = UnicodeAttribute(null=True)
    started_at = UnicodeAttribute(null=True)

    @staticmethod
    def key(member_id: str) -> tuple[str, str]:
        return f"EXPORTS#{member_id}", "RUNNING"


class PastProfileItem(MainTableModel):
    """`IDENTITY#<sub>` / `PAST#<member id>`: a profile this identity deleted; beside its
    `IDENTITY` item, so one Query names every profile the identity has had."""

    member_id = UnicodeAttribute()
    handle = UnicodeAttribute()
    deleted_at = UnicodeAttribute()

    @staticmethod
    def key(sub: str, member_id: str) -> tuple[str, str]:
        return f"IDENTITY#{sub}", f"PAST#{member_id}"


ALL_MODELS += (OwnsItem, ExportItem, ExportLockItem, PastProfileItem)


# --- Trust and safety ---------------------------------------------------------------------

class MemberIdItem(MainTableModel):
    """`MEMBERID#<member id>` / `MEMBER`: the identity and handle a member id names (reports and
    suspensions address members by id). Written with the profile."""

    sub = UnicodeAttribute()
    handle = UnicodeAttribute()

    @staticmethod
    def key(member_id: str) -> tuple[str, str]:
        return f"MEMBERID#{member_id}", "MEMBER"


class ReportItem(MainTableModel):
    """`REPORT#<id>` / `REPORT`; in gsi1 under `REPORTS#<status>`, oldest first."""

    report_id = UnicodeAttribute()
    subject_type = UnicodeAttribute()
    subject_id = UnicodeAttribute()
    reason = UnicodeAttribute()
    body = UnicodeAttribute(null=True)
    status = UnicodeAttribute()
    reporter_id = UnicodeAttribute(null=True)
    reporter_handle = UnicodeAttribute(null=True)
    reporter_sub = UnicodeAttribute(null=True)
    email = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    closed_at = UnicodeAttribute(null=True)
    action_id = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)

    gsi1 = _index(1)

    @staticmethod
    def key(report_id: str) -> tuple[str, str]:
        return f"REPORT#{report_id}", "REPORT"


class OpenReportItem(MainTableModel):
    """`OPENREPORT#<reporter>` / `<subject type>#<subject id>`: this reporter has an open report on
    this subject (one at a time); deleted when the report closes."""

    report_id = UnicodeAttribute()

    @staticmethod
    def key(reporter_key: str, subject_type: str, subject_id: str) -> tuple[str, str]:
        return f"OPENREPORT#{reporter_key}", f"{subject_type}#{subject_id}"


class ActionItem(MainTableModel):
    """`ACTION#<id>` / `ACTION`: a moderation action and its statement of reasons. A removal is in
    gsi1 `KEPT_MEDIA` / `<created_at>#<id>`, oldest first, while what it keeps (media, text) is
    stored: the daily purge Queries the removals older than the appeal period."""

    action_id = UnicodeAttribute()
    subject_type = UnicodeAttribute()
    subject_id = UnicodeAttribute()
    action = UnicodeAttribute()
    reason = UnicodeAttribute()
    report_ids = ListAttribute(of=UnicodeAttribute, default=list)
    moderator_id = UnicodeAttribute(null=True)
    moderator_handle = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    member_id = UnicodeAttribute(null=True)  # the member it concerns
    member_sub = UnicodeAttribute(null=True)
    member_handle = UnicodeAttribute(null=True)
    appeal_id = UnicodeAttribute(null=True)  # set once: one appeal per action
    undone = BooleanAttribute(default=False)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)

    gsi1 = _index(1)

    @staticmethod
    def key(action_id: str) -> tuple[str, str]:
        return f"ACTION#{action_id}", "ACTION"


class AppealItem(MainTableModel):
    """`APPEAL#<id>` / `APPEAL`; in gsi1 under `APPEALS#<status>`, oldest first."""

    appeal_id = UnicodeAttribute()
    action_id = UnicodeAttribute()
    body = UnicodeAttribute()
    status = UnicodeAttribute()
    appellant_sub = UnicodeAttribute()
    created_at = UnicodeAttribute()
    decision = UnicodeAttribute(null=True)
    decision_reason = UnicodeAttribute(null=True)
    decided_at = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)

    gsi1 = _index(1)

    @staticmethod
    def key(appeal_id: str) -> tuple[str, str]:
        return f"APPEAL#{appeal_id}", "APPEAL"


class ComplainantAttribute(MapAttribute):
    name = UnicodeAttribute()
    email = UnicodeAttribute()
    address = UnicodeAttribute()
    phone = UnicodeAttribute()


class NoticeItem(MainTableModel):
    """`NOTICE#<id>` / `NOTICE`: a copyright notice; in gsi1 under `NOTICES#<status>` and in gsi2
    under `NOTICES`, oldest first."""

    notice_id = UnicodeAttribute()
    complainant = ComplainantAttribute()
    signature = UnicodeAttribute()
    work = UnicodeAttribute()
    record_ids = ListAttribute(of=UnicodeAttribute)
    owner_subs = ListAttribute(of=UnicodeAttribute, default=list)
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()
    lawsuit_at = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)

    gsi1 = _index(1)
    gsi2 = _index(2)

    @staticmethod
    def key(notice_id: str) -> tuple[str, str]:
        return f"NOTICE#{notice_id}", "NOTICE"


class CounterNoticeItem(MainTableModel):
    """`NOTICE#<id>` / `COUNTER#<member id>`: one owner's counter-notice (once per owner and
    notice); in gsi1 under `COUNTERS#PENDING` by filing time until its records are restored or a
    lawsuit is recorded (what the daily `restore_countered` schedule reads)."""

    notice_id = UnicodeAttribute()
    member_id = UnicodeAttribute()
    member_sub = UnicodeAttribute()
    name = UnicodeAttribute()
    address = UnicodeAttribute()
    phone = UnicodeAttribute()
    signature = UnicodeAttribute()
    record_ids = ListAttribute(of=UnicodeAttribute)
    created_at = UnicodeAttribute()
    restored_at = UnicodeAttribute(null=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)

    gsi1 = _index(1)

    @staticmethod
    def key(notice_id: str, member_id: str) -> tuple[str, str]:
        return f"NOTICE#{notice_id}", f"COUNTER#{member_id}"


class StrikeItem(MainTableModel):
    """`STRIKES#<member id>` / `NOTICE#<notice id>`: a notice accepted against the member's records
    (the repeat-infringer rule counts those without a counter-notice)."""

    at = UnicodeAttribute()
    countered = BooleanAttribute(default=False)

    @staticmethod
    def key(member_id: str, notice_id: str) -> tuple[str, str]:
        return f"STRIKES#{member_id}", f"NOTICE#{notice_id}"


class RateCounterItem(MainTableModel):
    """`RATE#<limit>#<who>#<yyyymmddhh>` / `RATE`: accepted requests in one UTC hour, written in the
    request's own transaction on the condition that the count is under the limit; removed by the
    table's TTL (`expires_at`) after its hour."""

    count = NumberAttribute(default=0)
    expires_at = NumberAttribute()

    @staticmethod
    def key(limit_name: str, who: str, hour: str) -> tuple[str, str]:
        return f"RATE#{limit_name}#{who}#{hour}", "RATE"


ALL_MODELS += (MemberIdItem, ReportItem, OpenReportItem, ActionItem, AppealItem, NoticeItem, CounterNoticeItem,
               StrikeItem, RateCounterItem)
