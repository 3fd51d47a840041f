"""A production's split in the open: who gets what of its pool to date, lineage included.
Released productions split over the lineage frozen at release; drafts preview today's.

The shares are named tuples, as `lineage.FrozenNode`: a large production has one per record of
a lineage of 10^5, and a frozen dataclass costs three times as much to build."""
from __future__ import annotations

from typing import NamedTuple

from chalicelib import services
from chalicelib.auth import Principal
from chalicelib.domain.productions import Production
from chalicelib.logic.productions import lineage_now, visible
from chalicelib.logic.your_data import orphan_shares


class RecordShare(NamedTuple):
    record_id: str
    title: str | None  # None: hidden now (`shown`)
    owner_id: str
    owner_handle: str
    weight: int | None  # None: reached through lineage only
    contribution: int  # what it keeps of its own contribution share
    lineage: int  # what reaches it from the records that build on it

    @property
    def amount(self) -> int:
        return self.contribution + self.lineage


class MemberShare(NamedTuple):
    member_id: str
    handle: str
    amount: int


class ProductionSplit(NamedTuple):
    production: Production
    pool: int
    records: list[RecordShare]  # largest amount first
    members: list[MemberShare]  # largest amount first


def production_split(principal: Principal | None, production_id: str) -> ProductionSplit:
    production = visible(principal, production_id)
    repository = services.productions()
    lineage = lineage_now(production) if production.is_draft else repository.frozen_lineage(production)
    weights = {c.record_id: c.weight for c in repository.contributions(production)}
    pool = production.contributor_pool
    records, members = shares(pool, weights, lineage, production.upstream_share_bps)
    records, members = shown(records, members)
    return ProductionSplit(production, pool, records, members)


def shown(records: list, members: list) -> tuple[list, list]:
    """A split's shares (these or `domain.proposals`' frozen ones) as they are read today: the
    owners that were deleted read `orphan` and the records hidden now (moderation, a suspension,
    a copyright notice) have no title. Ids and amounts never change."""
    hidden, gone = services.hidden().among([r.record_id for r in records],
                                           {r.owner_handle for r in records} | {m.handle for m in members})
    records, members = orphan_shares(records, members, gone)
    return [r._replace(title=None) if r.record_id in hidden else r for r in records], members


def shares(pool: int, weights: dict[str, int], lineage: dict, upstream_share_bps: int
           ) -> tuple[list[RecordShare], list[MemberShare]]:
    """`pool` split over the contributions `weights` and their frozen `lineage`, per record and
    per member, largest amount first (a payment proposal splits a notional pool the same way)."""
    from chalicelib.domain.royalties import CONTRIBUTION, LINEAGE, split

    amounts = split(pool, weights, {record_id: node.sources for record_id, node in lineage.items()},
                    upstream_share_bps)
    records, members = [], {}
    for record_id in sorted({record_id for record_id, _ in amounts} | set(weights)):
        node = lineage.get(record_id)
        if node is None:
            continue
        share = RecordShare(record_id, node.title, node.owner_id, node.owner_handle, weights.get(record_id),
                            amounts.get((record_id, CONTRIBUTION), 0), amounts.get((record_id, LINEAGE), 0))
        records.append(share)
        members.setdefault(node.owner_id, [node.owner_handle, 0])[1] += share.amount
    records.sort(key=lambda r: (-r.amount, r.record_id))
    return records, [MemberShare(member_id, handle, amount)
                     for member_id, (handle, amount) in sorted(members.items(), key=lambda m: (-m[1][1], m[0]))]
