"""Productions: what gets sold, who made it (contributions) and what it has earned (totals)."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from chalicelib.domain.royalties import Totals

DRAFT, RELEASED = "draft", "released"
MAX_CONTRIBUTIONS = 10_000
MAX_PRODUCTS = 20
DEFAULT_CONTRIBUTOR_SHARE_BPS = 5000
DEFAULT_UPSTREAM_SHARE_BPS = 2000


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

    @property
    def is_draft(self) -> bool:
        return self.status == DRAFT

    def changed(self, **changes) -> "Production":
        return replace(self, **changes)


@dataclass(frozen=True)
class Contribution:
    record_id: str
    weight: int
