"""Booking ledger entries: the entry, its period's totals and the production's totals to date,
always added to the caller's transaction together, so they can never disagree.

An entry goes to the period of its event unless that one is closed (`booking_period`, from the
period state the caller read). The production's item is updated on the condition that the
production is not closed through the entry's period: a royalty run marks each production
closed before it reads its totals, so an entry computed from a state read before the close —
into any closed period, even one the production never booked in — fails its condition, and
the caller reads the periods again and books it into the first open period.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from chalicelib.config import Settings
from chalicelib.domain.ids import new_id
from chalicelib.domain.ledger import TOTAL_OF_KIND, Entry, booking_period, period_of
from chalicelib.storage.connection import add_new
from chalicelib.storage.models import LedgerEntryItem, PeriodsItem, PeriodTotalsItem, ProductionItem


@dataclass(frozen=True)
class Posting:
    production_id: str
    entry: Entry
    period: str
    provider: str | None = None  # None for costs
    delivery_id: str | None = None
    description: str | None = None


def closed_through(raw_periods: dict | None) -> str | None:
    """The last period entries may no longer go to: the closed one, or the one being closed."""
    if not raw_periods:
        return None
    item = PeriodsItem.from_raw_data(raw_periods)
    return max(filter(None, (item.closed_through, item.closing)), default=None)


def posting(production_id: str, entry: Entry, closed: str | None, **details) -> Posting:
    return Posting(production_id, entry, booking_period(period_of(entry.event_time), closed), **details)


def add_postings(tx, postings: list[Posting], booked_at: str) -> None:
    """Adds every write the postings need to `tx`: the entries and the totals they add to."""
    add_new(tx, entry_items(postings, booked_at))
    add_totals(tx, postings)


def entry_items(postings: list[Posting], booked_at: str) -> list[LedgerEntryItem]:
    """One new ledger entry per posting."""
    items = []
    for p in postings:
        entry, entry_id = p.entry, new_id()
        items.append(LedgerEntryItem(
            *LedgerEntryItem.key(p.production_id, entry_id), entry_id=entry_id, kind=entry.kind,
            amount=entry.amount, currency=entry.currency, period=p.period, event_time=entry.event_time,
            booked_at=booked_at, provider=p.provider, external_id=entry.external_id or None,
            event_id=p.delivery_id, description=p.description,
        ))
    return items


def totals_updates(postings: list[Posting]) -> int:
    """How many items `add_totals` updates: one per (production, period) and one per production."""
    return len({(p.production_id, p.period) for p in postings}) + len({p.production_id for p in postings})


def add_totals(tx, postings: list[Posting]) -> None:
    """Adds the postings to their period's and their production's totals in `tx`, once per item
    (a transaction may touch an item only once)."""
    periods: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    productions: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    currencies: dict[str, str] = {}
    earliest: dict[str, str] = {}  # production -> the earliest period it books into here
    for p in postings:
        entry = p.entry
        periods[(p.production_id, p.period)][TOTAL_OF_KIND[entry.kind]] += entry.amount
        productions[p.production_id][TOTAL_OF_KIND[entry.kind]] += entry.amount
        currencies[p.production_id] = entry.currency
        earliest[p.production_id] = min(p.period, earliest.get(p.production_id, p.period))
    for (production_id, period), sums in periods.items():
        item = PeriodTotalsItem(*PeriodTotalsItem.key(production_id, period))
        tx.update(item, actions=[getattr(PeriodTotalsItem, name).add(amount) for name, amount in sums.items()])
    for production_id, sums in productions.items():
        item = ProductionItem(*ProductionItem.key(production_id))
        # The currency condition keeps a booking and a currency change of a draft apart.
        tx.update(item, actions=[getattr(ProductionItem, name).add(amount) for name, amount in sums.items()],
                  condition=ProductionItem.pk.exists() & (ProductionItem.currency == currencies[production_id])
                  & (ProductionItem.closed_through.does_not_exist()
                     | (ProductionItem.closed_through < earliest[production_id])))


def read_closed_through(settings: Settings) -> str | None:
    from chalicelib.storage.connection import batch_get_raw

    return closed_through(batch_get_raw(settings, [PeriodsItem.key()]).get(PeriodsItem.key()))
