"""Productions: what gets sold, who made it (contributions) and what it has earned (totals)."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from chalicelib.domain.production_names import (
    DEFAULT_CONTRIBUTOR_SHARE_BPS, DEFAULT_UPSTREAM_SHARE_BPS, DRAFT, PROPOSED, RELEASED,
)
from chalicelib.domain.royalties import Totals, contributor_pool


@dataclass(frozen=True)
class Product:
    provider: str
    product_id: str


@dataclass(frozen=True)
class Production:
    id: str
    title: str
    format: str
    currency: str
    producer_sub: str  # the identity that may change it (with admins)
    producer_id: str  # its member profile, shown publicly
    producer_handle: str
    created_at: str
    updated_at: str
    collaboration_id: str | None = None
    contributor_share_bps: int = DEFAULT_CONTRIBUTOR_SHARE_BPS
    upstream_share_bps: int = DEFAULT_UPSTREAM_SHARE_BPS
    products: tuple[Product, ...] = ()
    status: str = DRAFT
    released_at: str | None = None
    contribution_count: int = 0
    contributions_version: int = 0
    totals: Totals = field(default_factory=Totals)
    allocated: int = 0  # the pool at the last royalty run that closed a period for it
    freezing_since: str | None = None  # its proposal was asked for and is being frozen: no edits meanwhile
    allocated_through: str | None = None  # the period whose close set `allocated`; None before any run included it

    @property
    def is_draft(self) -> bool:
        return self.status == DRAFT

    @property
    def is_proposed(self) -> bool:
        return self.status == PROPOSED

    @property
    def is_freezing(self) -> bool:
        """A draft whose payment proposal is being frozen (it becomes `proposed` when that ends)."""
        return self.freezing_since is not None

    @property
    def is_released(self) -> bool:
        return self.status == RELEASED

    @property
    def contributor_pool(self) -> int:
        """The pool from today's net."""
        return contributor_pool(self.totals.net, self.contributor_share_bps)

    def changed(self, **changes) -> "Production":
        return replace(self, **changes)


@dataclass(frozen=True)
class Contribution:
    record_id: str
    weight: int


@dataclass(frozen=True)
class LedgerEntry:
    """A booked entry as its production's ledger lists it."""

    id: str
    kind: str
    amount: int  # signed: sales and won reversals add to net; refunds, disputes and costs take from it
    currency: str
    period: str  # the royalty period it counts in
    event_time: str
    booked_at: str
    provider: str | None
    external_id: str | None
    description: str | None


@dataclass(frozen=True)
class BookedCost:
    amount: int
    currency: str
    period: str
    description: str
    booked_at: str
