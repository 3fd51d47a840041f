"""The single definition of every table, bucket and queue.

PynamoDB models, the local stack's bootstrap and the CDK stack are all built from these, so
a key or index cannot drift between them. Runtime names come from settings (one per stage).

The main table is a single-table design: `pk`/`sk` address an item, generic GSIs serve the
lists (each list is a Query on a key designed for it; nothing on a request path scans).
Key layout (grows with the features):

    pk                  sk         item
    MEMBER#<handle>     PROFILE    member profile (handle is immutable and lowercased)
    IDENTITY#<sub>      IDENTITY   which member an identity registered (one per identity)
    RECORD#<id>         RECORD     a record (upload)
    RECORD#<source>     REMIX#<id> a remix cites this source (descending = newest first)
    HEART#<sub>         RECORD#<id>  a member's heart (keyed by member: no hot partition)
    HEARTS#<id>#<nn>    COUNT      one of the record's 16 heart counters, a partition each
    RECORD#<id>         TREND#<window>  the record's place in a trending list
    COLLAB#<id>         COLLAB     a collaboration
    META#LINEAGE        VERSION    serialises sources added to existing records (cycle checks)
    META#FEED           MONTHS     the month buckets that hold records (feeds skip empty months)
    PRODUCTION#<id>     PRODUCTION a production with its totals to date
    PRODUCTION#<id>     CONTRIBUTIONS#<version>#<chunk>  its contribution list, packed
    PRODUCTION#<id>     PERIOD#<yyyy-mm>  what it booked in one period (royalty runs read these)
    PRODUCTION#<id>     LEDGER#<entry id> one ledger entry, in booking order
    PRODUCT#<provider>#<product id>  PRODUCT  the one production a store product sells
    PAYMENT#<provider>#<reference>   PAYMENT  one purchase: what it booked and what it holds
    DELIVERY#<provider>#<id>  DELIVERY  a webhook delivery already taken (dedupe)
    UNMATCHED#<id>      UNMATCHED  money no production took, until an admin assigns it
    PRODUCTION#<id>     LINEAGE#<version>#<chunk>  the lineage it pays through, frozen at release
    PRODUCTION#<id>     SPLIT#<yyyy-mm>#<chunk>    every record's cumulative amount at that close
    META#PERIODS        STATE      the last closed royalty period
    RUN#<yyyy-mm>       RUN        a royalty run and its progress
    RUN#<yyyy-mm>       PRODUCTION#<id>  one production's figures in that run
    RUN#<yyyy-mm>       BATCH#<plan>#<n>  the production ids of batch n of the run's plan
    RUN#<yyyy-mm>       LINES#<id>#<chunk>  the statement lines one production's close credits
    STATEMENTS#<yyyy-mm>   BUCKET#<n>  the statements of the members hashed to bucket n
    BALANCES            <yyyy-mm>#<chunk>  balances carried forward after that period's run
    MEMBERID#<member id>  MEMBER     which identity and handle a member id names
    REPORT#<id>         REPORT     a report (gsi1 REPORTS#<status>, oldest first)
    OPENREPORT#<reporter>  <subject type>#<id>  one open report per reporter and subject
    ACTION#<id>         ACTION     a moderation action with its statement of reasons (gsi1 KEPT_MEDIA for a
                                   removal while its media are kept, oldest first)
    HIDDEN              RECORD#<id>  a record hidden or copyright-disabled now (written by the
                                   transaction that hides it, deleted by the one that restores it)
    APPEAL#<id>         APPEAL     an appeal (gsi1 APPEALS#<status>, oldest first)
    NOTICE#<id>         NOTICE     a copyright notice (gsi1 NOTICES#<status>, gsi2 NOTICES)
    NOTICE#<id>         COUNTER#<member id>  a counter-notice (gsi1 COUNTERS#PENDING until restored)
    STRIKES#<member id> NOTICE#<id>  a notice against the member (the repeat-infringer rule)
    RATE#<limit>#<who>#<yyyymmddhh>  RATE  a rate-limit counter (TTL: expires_at)
    INBOX#<member id>   NOTE#<id>  one notification (storage/notifications.py)
    INBOX#<member id>   UNREAD     the member's unread count, exact (moved in every read-state transaction)
    INBOX#<owner id>    HEARTED#<record>#<day>#<member>  this heart counted in that day's `hearted`
    SEARCHDOC#<record|member>#<id>  SEARCH  what the search index holds for it (storage/search.py)
    TERM#<prefix>       <created_at>#<record id>  a ready record has a word starting so (prefix 1..6 chars)
    MTERM#<prefix>      <created_at>#<member id>  the same for members' handles and display names
    TAGGED#<tag>        <created_at>#<record id>  a ready record carries the tag
    TAG#<tag>           COUNT      how many ready records carry the tag
    OWNS#<member id>    RECORD#<id>  the member created this record (exports, deletion)
    EXPORT#<id>         EXPORT     a data export and its archive's state
    EXPORTS#<member id> RUNNING    the member's export in progress (one at a time)
    IDENTITY#<sub>      PAST#<member id>  a profile this identity deleted (it still reads what it is owed)

GSIs (sparse: an item is in an index only while it carries that index's key):

    gsi1  FEED#<yyyy-mm>            records, ready, newest first (sk `<created_at>#<id>`)
          COLLABS                   collaborations, newest first
          HEARTS_BY#<sub>           a member's hearts, most recent first
          TRENDING#<window>         trend items by score, ties newest first
          RELEASED                  released productions, newest release first
          UNMATCHED                 unassigned unmatched sales, newest first
          RUNS                      royalty runs, newest period first
    gsi2  FEED#<kind>#<yyyy-mm>     ready records of one kind
          TRENDING#<window>#<kind>  trend items of one kind
          PRODUCTIONS               every production, drafts too (royalty runs close them all)
    gsi3  UNREMIXED#<yyyy-mm>       ready records nobody has remixed yet
    gsi4  COLLAB#<id>               ready records of one collaboration
    gsi5  OWNER#<member id>         ready records of one member
          MODERATED#<member id>     that member's hidden or disabled records (what reinstating restores)
    gsi1  INBOX#<member id>         a member's notifications, newest first (sk `<created_at>#<id>`)
    gsi2  UNREAD#<member id>        the same, while unread
    gsi1  TERM#<kind>#<prefix>      search terms of one kind; TAGGED#<kind>#<tag>: a tag's records of one kind
    gsi1  TAGS                      tags most used first (sk `domain.search.tag_order_key`);
    gsi2..gsi5  TAGS#<first 1..4 characters>  the same narrowed by prefix

Why month buckets in the feeds: with one partition key for "all records" every upload in the
service's life would land on one GSI partition, which takes about 1,000 writes/s and grows
forever. A month bucket spreads the feed over one partition per month; a page is one Query
while it stays inside a month, and a page that reaches a month's end continues into the
next older month that holds records (`META#FEED`/`MONTHS` lists them, so empty months cost
nothing; the cursor's sort key carries the bucket). A quiet service whose page spans several
months pays one Query per month it spans. Collaborations and owners are partitions of their
own, so they need no bucket.
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
    # (prefix, days): objects under the prefix are deleted that many days after they were written
    # (an S3 lifecycle rule, locally too).
    expiring_prefixes: tuple[tuple[str, int], ...] = field(default=())


MAIN_TABLE = TableDefinition(
    logical_id="MainTable",
    hash_key="pk",
    range_key="sk",
    indexes=tuple(IndexDefinition(f"gsi{n}", f"gsi{n}pk", f"gsi{n}sk") for n in range(1, 6)),
    ttl_attribute="expires_at",
)

UPLOAD_QUEUE = QueueDefinition("UploadQueue", visibility_timeout_seconds=300, max_receive_count=5)

# "Record X's hearts changed": the heart-count function sums its shards into heart_count.
HEART_QUEUE = QueueDefinition("HeartQueue", visibility_timeout_seconds=60, max_receive_count=10)

# "Close period T": the royalty run takes the period's productions up in batches and queues them
# (seconds, docs/royalty-fanout.md), retried from here if it dies.
ROYALTY_QUEUE = QueueDefinition("RoyaltyQueue", visibility_timeout_seconds=300, max_receive_count=3)

# "Close batch n of period T": a worker closes up to `logic.royalties.PRODUCTIONS_PER_BATCH`
# productions (well under its 5 minutes); the last batch counted writes the statements.
ROYALTY_BATCH_QUEUE = QueueDefinition("RoyaltyBatchQueue", visibility_timeout_seconds=300, max_receive_count=5)

# The event stream (`logic/events.py`): notifications, search and counts react to what happened.
EVENT_QUEUE = QueueDefinition("EventQueue", visibility_timeout_seconds=60, max_receive_count=5)

# "Send payout X": transfers leave from here, never from a royalty run or an API request.
PAYOUT_QUEUE = QueueDefinition("PayoutQueue", visibility_timeout_seconds=120, max_receive_count=5)

# "Build export X": the member's ZIP is streamed to S3 in the background.
EXPORT_QUEUE = QueueDefinition("ExportQueue", visibility_timeout_seconds=900, max_receive_count=3)

# "Freeze production X's proposal": reading a lineage of 10^5 records takes 10^3 BatchGetItems,
# too many for an API request (docs/proposals.md), so its freeze works in the background.
PROPOSAL_QUEUE = QueueDefinition("ProposalQueue", visibility_timeout_seconds=900, max_receive_count=3)

# Data exports (`exports/<member id>/<export id>.zip`) are kept 7 days (Your data).
MEDIA_BUCKET = BucketDefinition("MediaBucket", notify_prefixes=("uploads/",), expiring_prefixes=(("exports/", 7),))
