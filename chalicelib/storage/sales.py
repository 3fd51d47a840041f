"""Store deliveries into the ledger: two DynamoDB round trips each.

1. One BatchGetItem: the delivery's dedupe marker, the purchase's state (`PaymentItem`), the
   period state and whatever names the production (the production, or the product mappings).
2. One TransactWriteItems: the dedupe marker, the purchase's new state (conditional on the
   version read), the ledger entries with their period and production totals, and any
   unmatched sales. All or nothing: a crash or a retry can neither lose nor double an entry.

If the transaction loses a race (the same purchase changed, a period closed) it is read and
tried again; a redelivery that finds its marker, or loses to its twin, changes nothing.

A delivery whose writes do not fit one transaction (DynamoDB takes 100 items: a Shopify order
or refund of about 95 line items or more) commits the money in its transaction all the same —
marker, purchase state and totals — with its ledger entries and unmatched sales packed into the
marker as `pending`. They are written next, in transactions of up to 100 new items, and the
marker's `pending` is dropped last. A redelivery that finds `pending` writes what is missing
(a chunk already written fails its conditions and is skipped, so nothing is written twice or
overwritten) before it answers `duplicate`.
"""
from __future__ import annotations

import json
import zlib
from dataclasses import replace
from typing import Callable

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from chalicelib.config import Settings
from chalicelib.domain.clock import now_rfc3339
from chalicelib.domain.ids import is_id, new_id
from chalicelib.domain.ledger import Delivery, Outcome, Payment, Target, Unmatched, UnmatchedSale
from chalicelib.domain.sales import DUPLICATE, TAKEN
from chalicelib.errors import ServiceUnavailable
from chalicelib.storage.connection import (
    LostRace, add_new, batch_get_raw, bind_models, condition_failed, newest_first_page, retry, write_or_lose,
    write_transaction,
)
from chalicelib.storage.ledger import add_postings, add_totals, closed_through, entry_items, posting, totals_updates
from chalicelib.storage.models import (
    DeliveryItem, LedgerEntryItem, PaymentItem, PeriodsItem, ProductionItem, ProductMappingItem, UnmatchedSaleItem,
)

ATTEMPTS = 6
MAX_TRANSACTION_ITEMS = 100  # DynamoDB's limit for one TransactWriteItems
MARKER_AND_PURCHASE = 2  # the items every delivery's transaction writes besides its bookings
UNMATCHED_LIST = "UNMATCHED"

Key = tuple[str, str]


class SalesBook:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        bind_models(settings)

    def take(self, delivery: Delivery, apply: Callable[[Payment, dict[str, Target]], Outcome]) -> str:
        """Applies one delivery to its purchase and books the outcome: TAKEN, or DUPLICATE when
        it was taken before. `apply` gets the purchase's state and the targets found (by
        production id and by product id), changes the state and says what to book."""
        payment_key = PaymentItem.key(delivery.provider, delivery.reference)
        delivery_key = DeliveryItem.key(delivery.provider, delivery.delivery_id)
        target_keys = {ProductionItem.key(p): p for p in delivery.production_ids if is_id(p)}
        target_keys |= {ProductMappingItem.key(delivery.provider, p): p for p in delivery.product_ids}

        def attempt() -> str:
            found = batch_get_raw(self._settings, [delivery_key, PeriodsItem.key(), payment_key, *target_keys])
            if delivery_key in found:
                pending = DeliveryItem.from_raw_data(found[delivery_key]).pending
                if pending:
                    self._write_pending(delivery_key, _unpacked(pending))
                return DUPLICATE
            payment, version = _payment(found.get(payment_key), delivery.reference)
            targets = {name: _target(key, found[key]) for key, name in target_keys.items() if key in found}
            outcome = apply(payment, targets)
            now = now_rfc3339()
            closed = closed_through(found.get(PeriodsItem.key()))
            postings = [posting(b.production_id, b.entry, closed, provider=delivery.provider,
                                delivery_id=delivery.delivery_id) for b in outcome.bookings]
            created = [*entry_items(postings, now),
                       *(_unmatched_item(delivery.provider, delivery.reference, u, now) for u in outcome.unmatched)]
            apart = MARKER_AND_PURCHASE + len(created) + totals_updates(postings) > MAX_TRANSACTION_ITEMS

            def fill(tx) -> None:
                tx.save(DeliveryItem(*delivery_key, event_type=delivery.event_type, received_at=now,
                                     pending=_packed(created) if apart else None),
                        condition=DeliveryItem.pk.does_not_exist())
                _save_payment(tx, payment, payment_key, version)
                if not apart:
                    add_new(tx, created)
                add_totals(tx, postings)

            try:
                write_transaction(self._settings, fill)
            except TransactWriteError as e:
                if condition_failed(e, 0):
                    return DUPLICATE  # its twin was taken between our read and our write
                if condition_failed(e):
                    raise LostRace() from e
                raise
            if apart:
                self._write_pending(delivery_key, created)
            return TAKEN

        def changing_too_fast() -> str:
            raise ServiceUnavailable("This purchase is changing too fast right now; deliver it again shortly.")

        return retry(attempt, ATTEMPTS, changing_too_fast)

    def _write_pending(self, delivery_key: Key, created: list) -> None:
        """Writes a large delivery's entries and unmatched sales (see the module's doc)."""
        for start in range(0, len(created), MAX_TRANSACTION_ITEMS):
            try:
                write_transaction(self._settings,
                                  lambda tx, chunk=created[start:start + MAX_TRANSACTION_ITEMS]: add_new(tx, chunk))
            except TransactWriteError as e:
                if not condition_failed(e):
                    raise  # a chunk is all or nothing: one that exists was written whole before
        DeliveryItem(*delivery_key).update(actions=[DeliveryItem.pending.remove()])

    def unmatched(self, limit: int, after: str | None) -> tuple[list[UnmatchedSale], str | None]:
        page, last = newest_first_page(UnmatchedSaleItem.gsi1, UNMATCHED_LIST, UnmatchedSaleItem.gsi1sk, limit, after)
        return [_unmatched_sale(i) for i in page], last

    def unmatched_sale(self, unmatched_id: str) -> UnmatchedSale | None:
        if not is_id(unmatched_id):
            return None
        try:
            return _unmatched_sale(UnmatchedSaleItem.get(*UnmatchedSaleItem.key(unmatched_id), consistent_read=True))
        except DoesNotExist:
            return None

    def target(self, production_id: str) -> Target | None:
        """The production a sale may be assigned to; None when no production has that id."""
        try:
            item = ProductionItem.get(*ProductionItem.key(production_id), consistent_read=True)
        except DoesNotExist:
            return None
        return Target(item.production_id, item.currency)

    def assign(self, sale: UnmatchedSale, target: Target, apply: Callable[[Payment], Outcome]) -> UnmatchedSale:
        """Books an unmatched sale to `target`, with what `apply` makes of its purchase's state.
        LostRace: the sale, its purchase, the production or the periods changed since read."""
        payment_key = PaymentItem.key(sale.provider, sale.payment_reference)
        found = batch_get_raw(self._settings, [payment_key, PeriodsItem.key()])
        payment, version = _payment(found[payment_key], sale.payment_reference)
        outcome = apply(payment)
        closed = closed_through(found.get(PeriodsItem.key()))
        now = now_rfc3339()

        def fill(tx) -> None:
            tx.update(UnmatchedSaleItem(*UnmatchedSaleItem.key(sale.id)),
                      actions=[UnmatchedSaleItem.assigned_to.set(target.production_id),
                               UnmatchedSaleItem.gsi1pk.remove(), UnmatchedSaleItem.gsi1sk.remove()],
                      condition=UnmatchedSaleItem.assigned_to.does_not_exist())
            _save_payment(tx, payment, payment_key, version)
            add_postings(tx, [posting(b.production_id, b.entry, closed, provider=sale.provider)
                              for b in outcome.bookings], now)
            add_new(tx, [_unmatched_item(sale.provider, sale.payment_reference, u, now) for u in outcome.unmatched])

        write_or_lose(self._settings, fill)
        return replace(sale, assigned_to=target.production_id)


def _payment(raw: dict | None, reference: str) -> tuple[Payment, int]:
    """A purchase's state and its version (0: none stored yet)."""
    if not raw:
        return Payment(reference=reference), 0
    item = PaymentItem.from_raw_data(raw)
    return Payment.from_dict(json.loads(item.state)), int(item.version)


def _target(key: Key, raw: dict) -> Target:
    if key[0].startswith("PRODUCTION#"):
        item = ProductionItem.from_raw_data(raw)
        return Target(item.production_id, item.currency)
    item = ProductMappingItem.from_raw_data(raw)
    return Target(item.production_id, item.currency)


def _save_payment(tx, payment: Payment, key: Key, version: int) -> None:
    condition = PaymentItem.version == version if version else PaymentItem.pk.does_not_exist()
    tx.save(PaymentItem(*key, state=json.dumps(payment.to_dict(), separators=(",", ":")), version=version + 1),
            condition=condition)


def _unmatched_item(provider: str, reference: str, unmatched: Unmatched, now: str) -> UnmatchedSaleItem:
    unmatched_id = new_id()
    entry = unmatched.entry
    return UnmatchedSaleItem(
        *UnmatchedSaleItem.key(unmatched_id), unmatched_id=unmatched_id, provider=provider,
        external_id=entry.external_id, kind=entry.kind, amount=entry.amount, currency=entry.currency,
        reason=unmatched.reason, event_time=entry.event_time, received_at=now, payment_reference=reference,
        line=unmatched.line, gsi1pk=UNMATCHED_LIST, gsi1sk=f"{now}#{unmatched_id}",
    )


_PACKED_MODELS = {model.__name__: model for model in (LedgerEntryItem, UnmatchedSaleItem)}


def _packed(items: list) -> bytes:
    return zlib.compress(json.dumps([[type(i).__name__, i.serialize()] for i in items],
                                    separators=(",", ":")).encode())


def _unpacked(pending: bytes) -> list:
    return [_PACKED_MODELS[name].from_raw_data(raw) for name, raw in json.loads(zlib.decompress(pending))]


def _unmatched_sale(item: UnmatchedSaleItem) -> UnmatchedSale:
    return UnmatchedSale(
        id=item.unmatched_id, provider=item.provider, external_id=item.external_id, kind=item.kind,
        amount=int(item.amount), currency=item.currency, reason=item.reason, event_time=item.event_time,
        received_at=item.received_at, assigned_to=item.assigned_to, payment_reference=item.payment_reference,
        line=item.line,
    )
