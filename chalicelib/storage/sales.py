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
from dataclasses import dataclass
from typing import Callable

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from chalicelib.config import Settings
from chalicelib.domain.clock import now_rfc3339
from chalicelib.domain.ids import is_id, new_id
from chalicelib.domain.ledger import (
    SALE, STRIPE_LINE, Booking, Entry, Outcome, Payment, Target, Unmatched, assign_line, record_dispute,
    record_refund_total, record_sale, record_shopify_refund,
)
from chalicelib.domain.money import MoneyError
from chalicelib.errors import BadRequest, Conflict, NotFound, RuleViolation, ServiceUnavailable
from chalicelib.observability import get_logger
from chalicelib.storage.connection import (
    add_new, batch_get_raw, bind_models, cancellation_codes, newest_first_page, write_transaction,
)
from chalicelib.storage.ledger import (
    add_postings, add_totals, closed_through, entry_items, posting, totals_updates,
)
from chalicelib.storage.models import (
    DeliveryItem, LedgerEntryItem, PaymentItem, PeriodsItem, ProductionItem, ProductMappingItem, UnmatchedSaleItem,
)

ATTEMPTS = 6
MAX_TRANSACTION_ITEMS = 100  # DynamoDB's limit for one TransactWriteItems
MARKER_AND_PURCHASE = 2  # the items every delivery's transaction writes besides its bookings
CONDITION_FAILED = "ConditionalCheckFailed"
UNMATCHED_LIST = "UNMATCHED"
TAKEN, DUPLICATE = "taken", "duplicate"

Key = tuple[str, str]


@dataclass(frozen=True)
class Delivery:
    provider: str
    delivery_id: str  # Stripe: the event id; Shopify: X-Shopify-Webhook-Id
    event_type: str
    reference: str  # the purchase it concerns
    production_ids: tuple[str, ...] = ()  # productions named by the event itself
    product_ids: tuple[str, ...] = ()  # store products to map to productions


@dataclass(frozen=True)
class UnmatchedSale:
    id: str
    provider: str
    external_id: str
    kind: str
    amount: int
    currency: str
    reason: str
    event_time: str
    received_at: str
    assigned_to: str | None


class SalesBook:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        bind_models(settings)

    def take(self, delivery: Delivery, apply: Callable[[Payment, dict[str, Target]], Outcome]) -> str:
        """Applies one delivery to its purchase and books the outcome. `apply` gets the purchase's
        state and the targets found (by production id and by product id) and changes the state."""
        payment_key = PaymentItem.key(delivery.provider, delivery.reference)
        delivery_key = DeliveryItem.key(delivery.provider, delivery.delivery_id)
        target_keys = {ProductionItem.key(p): p for p in delivery.production_ids if is_id(p)}
        target_keys |= {ProductMappingItem.key(delivery.provider, p): p for p in delivery.product_ids}
        for _ in range(ATTEMPTS):
            found = batch_get_raw(self._settings, [delivery_key, PeriodsItem.key(), payment_key, *target_keys])
            if delivery_key in found:
                pending = DeliveryItem.from_raw_data(found[delivery_key]).pending
                if pending:
                    self._write_pending(delivery_key, _unpacked(pending))
                return DUPLICATE
            raw_payment = found.get(payment_key)
            version = int(PaymentItem.from_raw_data(raw_payment).version) if raw_payment else 0
            payment = (Payment.from_dict(json.loads(PaymentItem.from_raw_data(raw_payment).state)) if raw_payment
                       else Payment(reference=delivery.reference))
            targets = {name: _target(key, found[key]) for key, name in target_keys.items() if key in found}
            outcome = apply(payment, targets)
            for refund_id in outcome.refused:
                get_logger().error("held refund refused: finer than its order's currency",
                                   extra={"provider": delivery.provider, "reference": delivery.reference,
                                          "refund_id": refund_id})
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
                codes = cancellation_codes(e)
                if codes and codes[0] == CONDITION_FAILED:
                    return DUPLICATE  # its twin was taken between our read and our write
                if CONDITION_FAILED not in codes:
                    raise
                continue
            if apart:
                self._write_pending(delivery_key, created)
            return TAKEN
        raise ServiceUnavailable("This purchase is changing too fast right now; deliver it again shortly.")

    def _write_pending(self, delivery_key: Key, created: list) -> None:
        """Writes a large delivery's entries and unmatched sales (see the module's doc)."""
        for start in range(0, len(created), MAX_TRANSACTION_ITEMS):
            try:
                write_transaction(self._settings,
                                  lambda tx, chunk=created[start:start + MAX_TRANSACTION_ITEMS]: add_new(tx, chunk))
            except TransactWriteError as e:
                if CONDITION_FAILED not in cancellation_codes(e):
                    raise  # a chunk is all or nothing: one that exists was written whole before
        DeliveryItem(*delivery_key).update(actions=[DeliveryItem.pending.remove()])

    def take_stripe(self, event) -> str:
        """A parsed Stripe event (`webhooks.stripe.Event`) with a money movement."""
        from chalicelib.webhooks.stripe import Dispute, RefundTotal, Sale

        change = event.change
        if isinstance(change, Sale):
            named = change.production_id or change.product_id

            def apply(payment: Payment, targets: dict[str, Target]) -> Outcome:
                return record_sale(payment, change.currency, {STRIPE_LINE: (change.amount, targets.get(named))},
                                   change.event_time)

            delivery = Delivery("stripe", event.id, event.type, change.reference,
                                production_ids=(change.production_id,) if change.production_id else (),
                                product_ids=() if change.production_id or not change.product_id
                                else (change.product_id,))
        elif isinstance(change, RefundTotal):
            def apply(payment: Payment, targets: dict[str, Target]) -> Outcome:
                return record_refund_total(payment, change.cumulative, change.currency, change.event_time)

            delivery = Delivery("stripe", event.id, event.type, change.reference)
        else:
            assert isinstance(change, Dispute)

            def apply(payment: Payment, targets: dict[str, Target]) -> Outcome:
                return record_dispute(payment, change.dispute_id, change.won, change.amount, change.currency,
                                      change.event_time)

            delivery = Delivery("stripe", event.id, event.type, change.reference)
        return self.take(delivery, apply)

    def take_shopify(self, webhook_id: str, topic: str, change) -> str:
        """A parsed Shopify webhook (`webhooks.shopify.OrderPaid` or `Refund`)."""
        from chalicelib.webhooks.shopify import OrderPaid

        if isinstance(change, OrderPaid):
            def apply(payment: Payment, targets: dict[str, Target]) -> Outcome:
                lines = {line.line_id: (line.amount, targets.get(line.product_id) if line.product_id else None)
                         for line in change.lines}
                return record_sale(payment, change.currency, lines, change.event_time)

            products = tuple(dict.fromkeys(line.product_id for line in change.lines if line.product_id))
            return self.take(Delivery("shopify", webhook_id, topic, change.order_id, product_ids=products), apply)

        def apply_refund(payment: Payment, targets: dict[str, Target]) -> Outcome:
            return record_shopify_refund(payment, change.refund)

        try:
            return self.take(Delivery("shopify", webhook_id, topic, change.order_id), apply_refund)
        except MoneyError as e:
            raise BadRequest(f"This refund does not fit its order's currency: {e}.") from e

    def unmatched(self, limit: int, after: str | None) -> tuple[list[UnmatchedSale], str | None]:
        page, last = newest_first_page(UnmatchedSaleItem.gsi1, UNMATCHED_LIST, UnmatchedSaleItem.gsi1sk, limit, after)
        return [_unmatched_sale(i) for i in page], last

    def assign(self, unmatched_id: str, production_id: str) -> UnmatchedSale:
        """Books an unmatched sale (and whatever its purchase held for it) to a production."""
        for _ in range(ATTEMPTS):
            item = self._unmatched_item(unmatched_id)
            if item.assigned_to:
                raise Conflict(f"This sale was already assigned to production '{item.assigned_to}'.")
            try:
                production = ProductionItem.get(*ProductionItem.key(production_id), consistent_read=True)
            except DoesNotExist:
                raise NotFound(f"No production has the id '{production_id}'.") from None
            if production.currency != item.currency:
                raise RuleViolation(
                    f"This sale is in {item.currency}; production '{production_id}' sells in {production.currency}.")
            target = Target(production_id, production.currency)
            payment_key = PaymentItem.key(item.provider, item.payment_reference)
            found = batch_get_raw(self._settings, [payment_key, PeriodsItem.key()])
            raw_payment = found[payment_key]
            version = int(PaymentItem.from_raw_data(raw_payment).version)
            payment = Payment.from_dict(json.loads(PaymentItem.from_raw_data(raw_payment).state))
            entry = Entry(item.kind, int(item.amount), item.currency, item.event_time, item.external_id)
            outcome = Outcome(bookings=[Booking(entry, production_id)])
            if item.kind == SALE:
                outcome += assign_line(payment, item.line, target)
            closed = closed_through(found.get(PeriodsItem.key()))
            now = now_rfc3339()

            def fill(tx) -> None:
                tx.update(UnmatchedSaleItem(*UnmatchedSaleItem.key(unmatched_id)),
                          actions=[UnmatchedSaleItem.assigned_to.set(production_id),
                                   UnmatchedSaleItem.gsi1pk.remove(), UnmatchedSaleItem.gsi1sk.remove()],
                          condition=UnmatchedSaleItem.assigned_to.does_not_exist())
                _save_payment(tx, payment, payment_key, version)
                add_postings(tx, [posting(b.production_id, b.entry, closed, provider=item.provider)
                                  for b in outcome.bookings], now)
                add_new(tx, [_unmatched_item(item.provider, item.payment_reference, u, now)
                              for u in outcome.unmatched])

            try:
                write_transaction(self._settings, fill)
                item.assigned_to = production_id
                return _unmatched_sale(item)
            except TransactWriteError as e:
                if CONDITION_FAILED not in cancellation_codes(e):
                    raise
        raise ServiceUnavailable("This sale is changing too fast right now; try again shortly.")

    def find_unmatched(self, unmatched_id: str) -> UnmatchedSale:
        return _unmatched_sale(self._unmatched_item(unmatched_id))

    def _unmatched_item(self, unmatched_id: str) -> UnmatchedSaleItem:
        try:
            if is_id(unmatched_id):
                return UnmatchedSaleItem.get(*UnmatchedSaleItem.key(unmatched_id), consistent_read=True)
        except DoesNotExist:
            pass
        raise NotFound(f"No unmatched sale has the id '{unmatched_id}'.")


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
        received_at=item.received_at, assigned_to=item.assigned_to,
    )
