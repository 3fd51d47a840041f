"""Payment proposals: the window, what a revision changed, which records still need a commercial
grant, the credits of a frozen lineage and the values a proposal is read as. Pure rules; the
split itself is `domain.royalties.split` over a notional pool.
"""
from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import NamedTuple

from chalicelib.domain.licences import CC_BY_NC, CC_BY_NC_ND, CC_BY_NC_SA, LICENCES
from chalicelib.domain.lineage import FrozenNode

NOTIONAL_POOL = 1_000_000  # minor units a proposal splits, so every share reads as parts per million
DEFAULT_WINDOW_SECONDS = 1_209_600  # 14 days: deployed stages refuse less
NEEDS_GRANT = frozenset({CC_BY_NC, CC_BY_NC_SA, CC_BY_NC_ND})  # -nc: commercial use needs the owner's grant
FROZEN_BUCKETS = 256  # partitions of the record -> frozen lineages index

FREEZING = "freezing"  # a proposal's state from its request until its freeze opens the window

OBJECTION_KINDS = ("missing_source", "missing_contribution", "weight", "credit", "licence", "other")
ACCEPTED, DECLINED = "accepted", "declined"
DECISIONS = (ACCEPTED, DECLINED)
MAX_OBJECTION_BODY = 5000

# What release may be missing, in the contract's words.
MISSING_PROPOSAL, WINDOW_OPEN, OBJECTIONS_UNANSWERED, GRANTS = "proposal", "window_open", "objections_unanswered", "grants"

# The fields a change names.
WEIGHT, CONTRIBUTION = "weight", "contribution"
CONTRIBUTOR_SHARE, UPSTREAM_SHARE = "contributor_share_bps", "upstream_share_bps"


class Change(NamedTuple):
    revision: int
    at: str
    field: str
    record_id: str | None
    before: int | None
    after: int | None


class Shares(NamedTuple):
    contributor_share_bps: int
    upstream_share_bps: int


def closes_at(revised: datetime, window_seconds: float) -> datetime:
    return revised + timedelta(seconds=window_seconds)


def changes_between(revision: int, at: str, before: Mapping[str, int], after: Mapping[str, int],
                    old: Shares, new: Shares) -> list[Change]:
    """What revision `revision` changed: weights, added and removed contributions (by record
    id), then the shares. Empty when nothing did."""
    found = []
    for record_id in sorted(before.keys() | after.keys()):
        was, now = before.get(record_id), after.get(record_id)
        if was == now:
            continue
        field = WEIGHT if was is not None and now is not None else CONTRIBUTION
        found.append(Change(revision, at, field, record_id, was, now))
    for field, was, now in ((CONTRIBUTOR_SHARE, old.contributor_share_bps, new.contributor_share_bps),
                            (UPSTREAM_SHARE, old.upstream_share_bps, new.upstream_share_bps)):
        if was != now:
            found.append(Change(revision, at, field, None, was, now))
    return found


def needing_grant(lineage: Iterable[FrozenNode]) -> list[str]:
    """Records of a frozen lineage whose frozen licence is non-commercial (-nc): a production
    may use them only with their owner's grant. Sorted by id."""
    return sorted(node.id for node in lineage if node.licence in NEEDS_GRANT)


def missing_grants(needing: Iterable[str], granted: set[str]) -> list[str]:
    return [record_id for record_id in needing if record_id not in granted]


def bucket_of(record_id: str) -> int:
    """Which partition of the frozen-lineage index holds a record (stable across processes)."""
    return zlib.crc32(record_id.encode()) % FROZEN_BUCKETS


def depths(contributions: Iterable[str], lineage: Mapping[str, FrozenNode]) -> dict[str, int]:
    """Each record of a frozen lineage at its smallest distance from a contribution (0)."""
    level = [r for r in dict.fromkeys(contributions) if r in lineage]
    found = {r: 0 for r in level}
    distance = 0
    while level:
        distance += 1
        following = []
        for record_id in level:
            for source_id in lineage[record_id].sources:
                if source_id in lineage and source_id not in found:
                    found[source_id] = distance
                    following.append(source_id)
        level = following
    return found


class Credit(NamedTuple):
    record_id: str
    title: str | None  # None: the record is hidden now (`credit_shown`)
    owner_handle: str
    licence: str
    licence_url: str
    via: str
    depth: int
    attribution: str


def credits(contributions: Iterable[str], lineage: Mapping[str, FrozenNode], site_url: str) -> list[Credit]:
    """Every record of a frozen lineage once, by depth then id, with its printable line:
    "<title> by <handle>, <licence name>, <site>/#/records/<id>"."""
    found = depths(contributions, lineage)
    result = []
    for record_id, depth in sorted(found.items(), key=lambda item: (item[1], item[0])):
        node = lineage[record_id]
        licence = LICENCES[node.licence]
        result.append(Credit(record_id, node.title, node.owner_handle, licence.id, licence.url,
                             "contribution" if depth == 0 else "lineage", depth,
                             _attribution(record_id, node.title, node.owner_handle, licence.id, site_url)))
    return result


def credit_shown(credit: Credit, site_url: str, hidden: bool, orphaned: bool) -> Credit:
    """A credit as it is read today: a record hidden now (moderation, a suspension, a copyright
    notice) shows no title, a deleted owner reads `orphan`, and its attribution says neither."""
    from chalicelib.domain.your_data import ORPHAN_HANDLE

    if not hidden and not orphaned:
        return credit
    title = None if hidden else credit.title
    handle = ORPHAN_HANDLE if orphaned else credit.owner_handle
    return credit._replace(title=title, owner_handle=handle,
                           attribution=_attribution(credit.record_id, title, handle, credit.licence, site_url))


def _attribution(record_id: str, title: str | None, handle: str, licence_id: str, site_url: str) -> str:
    """"<title> by <handle>, <licence name>, <record URL>"; "A work by ..." without a title."""
    return (f"{title if title is not None else 'A work'} by {handle}, {LICENCES[licence_id].name}, "
            f"{site_url.rstrip('/')}/#/records/{record_id}")


def credit_position(credit: Credit) -> str:
    """Where a page of credits ends: sorts as the credits do."""
    return f"{credit.depth:02d}:{credit.record_id}"


class Objection(NamedTuple):
    id: str
    production_id: str
    kind: str
    record_id: str | None
    body: str
    author_id: str
    author_handle: str
    created_at: str
    revision: int
    decision: str | None = None
    answer: str | None = None
    answered_at: str | None = None

    @property
    def answered(self) -> bool:
        return self.decision is not None


class SplitRecord(NamedTuple):
    record_id: str
    title: str | None  # as frozen; None only as read today (`logic.splits.shown`)
    owner_id: str
    owner_handle: str
    weight: int | None
    contribution: int
    lineage: int

    @property
    def amount(self) -> int:
        return self.contribution + self.lineage


class SplitMember(NamedTuple):
    member_id: str
    handle: str
    amount: int


class Frozen(NamedTuple):
    """What one revision froze and how it splits: stored once per revision, read by GET."""

    revision: int
    opened_at: str
    revised_at: str
    closes_at: str
    contributions: list[tuple[str, int]]
    shares: Shares
    records: list[SplitRecord]
    members: list[SplitMember]
    changes: list[Change]
    needing_grant: list[str]

    def to_json(self) -> list:
        return [self.revision, self.opened_at, self.revised_at, self.closes_at,
                [list(c) for c in self.contributions], list(self.shares),
                [list(r) for r in self.records], [list(m) for m in self.members],
                [list(c) for c in self.changes], self.needing_grant]

    @classmethod
    def from_json(cls, raw: list) -> "Frozen":
        return cls(raw[0], raw[1], raw[2], raw[3], [tuple(c) for c in raw[4]], Shares(*raw[5]),
                   [SplitRecord(*r) for r in raw[6]], [SplitMember(*m) for m in raw[7]],
                   [Change(*c) for c in raw[8]], list(raw[9]))


class ProposalView(NamedTuple):
    production_id: str
    frozen: Frozen
    window_open: bool
    objections_open: int
    objections_answered: int
    missing_grants: list[str]


def release_missing(status_proposed: bool, window_open: bool, objections_open: int, missing_grants: int) -> list[str]:
    """What a release still needs, in the contract's words (empty: it may go)."""
    if not status_proposed:
        return [MISSING_PROPOSAL]
    missing = []
    if window_open:
        missing.append(WINDOW_OPEN)
    if objections_open > 0:
        missing.append(OBJECTIONS_UNANSWERED)
    if missing_grants > 0:
        missing.append(GRANTS)
    return missing


class ProposalHead(NamedTuple):
    """A production's proposal as every proposal write is conditioned on it."""

    production_id: str
    status: str  # freezing | proposed | released
    revision: int
    version: int  # the contribution-list version its revision froze (freezing: is freezing)
    opened_at: str | None  # None while freezing: the window opens when the freeze ends
    revised_at: str | None
    closes_at: str | None
    objections_open: int = 0
    objections_answered: int = 0
    missing_grants: int = 0
    grant_seq: int = 0

    def window_open(self, now: str) -> bool:
        return self.closes_at is not None and now < self.closes_at


class Grant(NamedTuple):
    record_id: str
    production_id: str
    owner_id: str
    granted_at: str
