"""The names productions and royalty runs are described with: statuses, formats, limits, default
shares, how an amount reaches a record. Plain values, apart from the rules and values of
`domain.productions` and `domain.royalties`, so that the API's models name them without loading
those at cold start (as `domain.sales` does for the ledger)."""
from __future__ import annotations

DRAFT, PROPOSED, RELEASED = "draft", "proposed", "released"
STATUSES = (DRAFT, PROPOSED, RELEASED)
FORMATS = ("book", "album", "film", "event", "merch", "other")
MAX_CONTRIBUTIONS = 10_000
MAX_PRODUCTS = 20
DEFAULT_CONTRIBUTOR_SHARE_BPS = 5000
DEFAULT_UPSTREAM_SHARE_BPS = 2000

CONTRIBUTION, LINEAGE = "contribution", "lineage"  # what a record keeps of its own share; what reaches it
VIAS = (CONTRIBUTION, LINEAGE)

RUNNING, CLOSED = "running", "closed"
RUN_STATUSES = (RUNNING, CLOSED)
