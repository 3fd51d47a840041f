"""Productions, their product mappings, contribution lists, costs and ledger.

A production and its `(provider, product id)` mappings are written in one transaction: a
product that already maps to another production cancels it (409). Contribution lists are
versioned: a new list is written beside the old one and the production switches to it with
one conditional update, so a reader never sees half a list and a list of 10,000 costs a few
item writes, not 10,000.
"""
from __future__ import annotations

from pynamodb.constants import ALL_OLD
from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from chalicelib.config import Settings
from chalicelib.domain.clock import now_rfc3339
from chalicelib.domain.ids import is_id
from chalicelib.domain.ledger import COST, SIGN, Entry
from chalicelib.domain.lineage import FrozenColumns, FrozenNode
from chalicelib.domain.production_names import DRAFT, PROPOSED, RELEASED
from chalicelib.domain.productions import BookedCost, Contribution, LedgerEntry, Product, Production
from chalicelib.domain.royalties import Totals
from chalicelib.errors import Conflict, ServiceUnavailable
from chalicelib.storage import lineage_snapshots
from chalicelib.storage.connection import (
    CONDITION_FAILED, batch_get_raw, bind_models, newest_first_page, retry, write_or_lose, write_transaction,
)
from chalicelib.storage.ledger import add_postings, posting, read_closed_through
from chalicelib.storage.models import (
    ContributionsItem, LedgerEntryItem, LineageSnapshotItem, PeriodTotalsItem, ProductionItem, ProductMappingItem,
)

RELEASED_LIST = "RELEASED"
PROPOSED_LIST = "PROPOSED"
ALL_LIST = "PRODUCTIONS"
CHUNK = 5_000  # contributions per item: ~35 bytes each stays far below DynamoDB's 400 KB
ATTEMPTS = 5


class ProductionRepository:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        bind_models(settings)

    def create(self, production: Production) -> None:
        def fill(tx) -> None:
            tx.save(_item(production), condition=ProductionItem.pk.does_not_exist())
            for product in production.products:
                _map(tx, product, production)

        try:
            write_transaction(self._settings, fill)
        except TransactWriteError as e:
            raise _cancelled(e, production.products, "The production could not be created; try again.") from e

    def get(self, production_id: str) -> Production | None:
        if not is_id(production_id):
            return None
        try:
            return _production(ProductionItem.get(*ProductionItem.key(production_id), consistent_read=True))
        except DoesNotExist:
            return None

    def update(self, before: Production, after: Production) -> None:
        """A draft's details; its product mappings follow in the same transaction."""
        removed = [p for p in before.products if p not in after.products]
        added = [p for p in after.products if p not in before.products]
        kept = [p for p in after.products if p in before.products]

        def fill(tx) -> None:
            condition = (ProductionItem.status.is_in(DRAFT, PROPOSED) & (ProductionItem.updated_at == before.updated_at)
                         & ProductionItem.freezing_since.does_not_exist())
            if after.currency != before.currency:  # nothing booked may be in the old currency
                condition &= (ProductionItem.sales == 0) & (ProductionItem.costs == 0) & (ProductionItem.refunds == 0)
            # Only the details are set: the totals on the same item belong to the bookings.
            tx.update(ProductionItem(*ProductionItem.key(after.id)), actions=[
                ProductionItem.title.set(after.title), ProductionItem.format.set(after.format),
                ProductionItem.currency.set(after.currency),
                ProductionItem.collaboration_id.set(after.collaboration_id) if after.collaboration_id
                else ProductionItem.collaboration_id.remove(),
                ProductionItem.contributor_share_bps.set(after.contributor_share_bps),
                ProductionItem.upstream_share_bps.set(after.upstream_share_bps),
                ProductionItem.products.set([f"{p.provider}:{p.product_id}" for p in after.products]),
                ProductionItem.updated_at.set(after.updated_at),
            ], condition=condition)
            for product in added:
                _map(tx, product, after)
            for product in removed:
                tx.delete(ProductMappingItem(*ProductMappingItem.key(product.provider, product.product_id)),
                          condition=ProductMappingItem.production_id == after.id)
            if after.currency != before.currency:
                for product in kept:
                    _map(tx, product, after, replace=True)

        try:
            write_transaction(self._settings, fill)
        except TransactWriteError as e:
            raise _cancelled(e, added, "The production changed meanwhile (released, edited, or it booked money in "
                                       "its currency); read it again.") from e

    def contributions(self, production: Production) -> list[Contribution]:
        items = ContributionsItem.query(
            ProductionItem.key(production.id)[0],
            ContributionsItem.sk.startswith(ContributionsItem.prefix(production.contributions_version)),
            consistent_read=True,
        )
        result = []
        for item in items:
            for pair in item.pairs.split(","):
                record_id, _, weight = pair.partition("=")
                result.append(Contribution(record_id, int(weight)))
        return result

    def replace_contributions(self, production: Production, contributions: list[Contribution]) -> Production:
        version = fresh_version(production.contributions_version)
        chunks = [contributions[i:i + CHUNK] for i in range(0, len(contributions), CHUNK)]
        with ContributionsItem.batch_write() as batch:
            for number, chunk in enumerate(chunks):
                batch.save(ContributionsItem(*ContributionsItem.key(production.id, version, number),
                                             pairs=",".join(f"{c.record_id}={c.weight}" for c in chunk)))
        now = now_rfc3339()
        try:
            ProductionItem(*ProductionItem.key(production.id)).update(
                actions=[ProductionItem.contributions_version.set(version),
                         ProductionItem.contribution_count.set(len(contributions)),
                         ProductionItem.updated_at.set(now)],
                condition=(ProductionItem.status == DRAFT)
                & (ProductionItem.contributions_version == production.contributions_version)
                & ProductionItem.freezing_since.does_not_exist(),
            )
        except UpdateError as e:
            self._drop_contributions(production.id, version, len(chunks))
            raise Conflict("The production changed meanwhile (proposed, released, or another list was saved); "
                           "read it again.") from e
        self._drop_contributions(production.id, production.contributions_version,
                                 -(-production.contribution_count // CHUNK))
        return production.changed(contributions_version=version, contribution_count=len(contributions),
                                  updated_at=now)

    def _drop_contributions(self, production_id: str, version: int, chunks: int) -> None:
        """Deletes a list nobody points to any more."""
        with ContributionsItem.batch_write() as batch:
            for number in range(chunks):
                batch.delete(ContributionsItem(*ContributionsItem.key(production_id, version, number)))

    def write_contribution_list(self, production_id: str, version: int, contributions: list[Contribution]) -> None:
        """A list under `version`, not yet current (a revision's transaction makes it so)."""
        with ContributionsItem.batch_write() as batch:
            for number, start in enumerate(range(0, len(contributions), CHUNK)):
                chunk = contributions[start:start + CHUNK]
                batch.save(ContributionsItem(*ContributionsItem.key(production_id, version, number),
                                             pairs=",".join(f"{c.record_id}={c.weight}" for c in chunk)))

    def save_lineage(self, production_id: str, version: int, lineage: dict[str, FrozenNode]) -> None:
        """The lineage a revision freezes (with each record's licence), beside its contribution list."""
        with LineageSnapshotItem.batch_write() as batch:
            for number, packed in enumerate(lineage_snapshots.pack(lineage.values())):
                batch.save(LineageSnapshotItem(*LineageSnapshotItem.key(production_id, version, number), packed=packed))

    def frozen_lineage(self, production: Production) -> dict[str, FrozenNode]:
        """The lineage its current revision froze (released: the one it pays through)."""
        nodes: dict[str, FrozenNode] = {}
        for item in LineageSnapshotItem.query(
                ProductionItem.key(production.id)[0],
                LineageSnapshotItem.sk.startswith(LineageSnapshotItem.prefix(production.contributions_version))):
            lineage_snapshots.unpack(item.packed, item.nodes, nodes)
        return nodes

    def frozen_columns(self, production: Production) -> FrozenColumns:
        """`frozen_lineage` as stored, without a node per record (what a royalty run reads)."""
        lineage = FrozenColumns([], [], [], [], [])
        for item in LineageSnapshotItem.query(
                ProductionItem.key(production.id)[0],
                LineageSnapshotItem.sk.startswith(LineageSnapshotItem.prefix(production.contributions_version))):
            lineage_snapshots.unpack_columns(item.packed, item.nodes, lineage)
        return lineage

    def get_many(self, production_ids: list[str]) -> list[Production]:
        """The productions of these ids that exist, in their order (BatchGetItem, consistent)."""
        keys = [ProductionItem.key(production_id) for production_id in production_ids]
        found = batch_get_raw(self._settings, keys)
        return [_production(ProductionItem.from_raw_data(found[key])) for key in keys if key in found]

    def all_productions(self) -> list[Production]:
        """Every production, drafts too: a royalty run closes periods for all of them."""
        return [_production(i) for i in ProductionItem.gsi2.query(ALL_LIST)]

    def add_cost(self, production: Production, amount: int, description: str, incurred_on: str) -> BookedCost:
        """Books a recoupable cost in its period, or the first open one: a run closing the period
        between the read of the periods and the write refuses the write, and it reads them again."""
        entry = Entry(COST, amount, production.currency, f"{incurred_on}T00:00:00.000Z", "")

        def attempt() -> BookedCost:
            cost = posting(production.id, entry, read_closed_through(self._settings), description=description)
            booked_at = now_rfc3339()
            write_or_lose(self._settings, lambda tx: add_postings(tx, [cost], booked_at))
            return BookedCost(cost.entry.amount, cost.entry.currency, cost.period, description, booked_at)

        return retry(attempt, ATTEMPTS, _still_closing)

    def list_released(self, limit: int, after: str | None) -> tuple[list[Production], str | None]:
        page, last = newest_first_page(ProductionItem.gsi1, RELEASED_LIST, ProductionItem.gsi1sk, limit, after)
        return [_production(i) for i in page], last

    def list_proposed(self, limit: int, after: str | None) -> tuple[list[Production], str | None]:
        """Productions under a payment proposal, the most recently opened first."""
        page, last = newest_first_page(ProductionItem.gsi1, PROPOSED_LIST, ProductionItem.gsi1sk, limit, after)
        return [_production(i) for i in page], last

    def ledger(self, production_id: str, limit: int, after: str | None) -> tuple[list[LedgerEntry], str | None]:
        # Ledger keys sort together, before the periods and the production on the same partition.
        condition = (LedgerEntryItem.sk > after) if after else LedgerEntryItem.sk.startswith("LEDGER#")
        items = [i for i in LedgerEntryItem.query(ProductionItem.key(production_id)[0], condition, limit=limit + 1,
                                                  page_size=limit + 1, consistent_read=True)
                 if i.sk.startswith("LEDGER#")]
        page = items[:limit]
        return [_entry(i) for i in page], (page[-1].sk if len(items) > limit else None)

    def period_totals(self, production_id: str) -> dict[str, Totals]:
        """What the production booked per period (`YYYY-MM`)."""
        items = PeriodTotalsItem.query(ProductionItem.key(production_id)[0],
                                       PeriodTotalsItem.sk.startswith("PERIOD#"), consistent_read=True)
        return {i.sk.removeprefix("PERIOD#"): Totals(int(i.sales), int(i.refunds), int(i.disputes),
                                                    int(i.dispute_reversals), int(i.costs)) for i in items}


def fresh_version(current: int) -> int:
    """A contribution-list version no other writer picks: lists, lineage snapshots and proposal
    documents are written under it before one conditional write makes it current, so two racers
    must never write under the same one."""
    import secrets

    return current + 1 + secrets.randbelow(1_000_000)


def _map(tx, product: Product, production: Production, replace: bool = False) -> None:
    condition = (ProductMappingItem.production_id == production.id) if replace else ProductMappingItem.pk.does_not_exist()
    # ALL_OLD: a mapping in the way comes back in the cancellation reason, naming the product taken.
    tx.save(ProductMappingItem(*ProductMappingItem.key(product.provider, product.product_id),
                               production_id=production.id, currency=production.currency), condition=condition,
            return_values=ALL_OLD)


def _cancelled(error: TransactWriteError, new_products, changed: str) -> Exception:
    """What refused a transaction of a production and its mappings: 409 naming the products
    another production sells, or 409 `changed` when anything else's condition failed (the
    production itself, a mapping it was dropping). Reasons are matched by the item DynamoDB
    hands back, not by position: PynamoDB sends a transaction's deletes, puts and updates in
    groups, not in the order they were added. Anything else (a conflict still busy after the
    retries) is left to be answered as such."""
    failed = [r for r in error.cancellation_reasons if r is not None and r.code == CONDITION_FAILED]
    if not failed:
        return error
    by_key = {ProductMappingItem.key(p.provider, p.product_id)[0]: p for p in new_products}
    taken = [by_key.get(((r.raw_item or {}).get(ProductMappingItem.pk.attr_name) or {}).get("S")) for r in failed]
    if None in taken:
        return Conflict(changed)
    named = ", ".join(f"{p.provider} product '{p.product_id}'" for p in taken)
    return Conflict(f"Another production already sells the {named}.")


def _still_closing() -> BookedCost:
    raise ServiceUnavailable("A royalty run is closing this period; try again shortly.")


def _entry(item: LedgerEntryItem) -> LedgerEntry:
    return LedgerEntry(item.entry_id, item.kind, SIGN[item.kind] * int(item.amount), item.currency, item.period,
                       item.event_time, item.booked_at, item.provider, item.external_id, item.description)


def _item(production: Production) -> ProductionItem:
    released = production.status == RELEASED
    return ProductionItem(
        *ProductionItem.key(production.id), production_id=production.id, title=production.title,
        format=production.format, currency=production.currency, producer_sub=production.producer_sub,
        producer_id=production.producer_id, producer_handle=production.producer_handle,
        collaboration_id=production.collaboration_id, contributor_share_bps=production.contributor_share_bps,
        upstream_share_bps=production.upstream_share_bps,
        products=[f"{p.provider}:{p.product_id}" for p in production.products], status=production.status,
        released_at=production.released_at, created_at=production.created_at, updated_at=production.updated_at,
        contribution_count=production.contribution_count, contributions_version=production.contributions_version,
        sales=production.totals.sales, refunds=production.totals.refunds, disputes=production.totals.disputes,
        dispute_reversals=production.totals.dispute_reversals, costs=production.totals.costs,
        allocated=production.allocated, allocated_through=production.allocated_through,
        gsi1pk=RELEASED_LIST if released else None,
        gsi1sk=f"{production.released_at}#{production.id}" if released else None,
        gsi2pk=ALL_LIST, gsi2sk=f"{production.created_at}#{production.id}",
    )


def _production(item: ProductionItem) -> Production:
    return Production(
        id=item.production_id, title=item.title, format=item.format, currency=item.currency,
        producer_sub=item.producer_sub, producer_id=item.producer_id, producer_handle=item.producer_handle,
        created_at=item.created_at, updated_at=item.updated_at,
        collaboration_id=item.collaboration_id, contributor_share_bps=int(item.contributor_share_bps),
        upstream_share_bps=int(item.upstream_share_bps),
        products=tuple(Product(*p.split(":", 1)) for p in item.products or ()), status=item.status,
        released_at=item.released_at, contribution_count=int(item.contribution_count or 0),
        contributions_version=int(item.contributions_version or 0),
        totals=Totals(int(item.sales or 0), int(item.refunds or 0), int(item.disputes or 0),
                      int(item.dispute_reversals or 0), int(item.costs or 0)),
        allocated=int(item.allocated or 0), allocated_through=item.allocated_through,
        freezing_since=item.freezing_since,
    )
