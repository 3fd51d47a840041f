"""Booking sales: a store delivery applied to its purchase by the ledger's rules, and the
unmatched sales an admin lists and assigns to a production."""
from __future__ import annotations

from chalicelib import services
from chalicelib.domain.ledger import (
    Delivery, Dispute, Outcome, Payment, RefundTotal, Sale, Target, UnmatchedSale, record_assignment, record_dispute,
    record_refund_total, record_sale, record_shopify_refund,
)
from chalicelib.domain.payouts import TransferReversal
from chalicelib.domain.sales import IGNORED, TAKEN
from chalicelib.errors import Conflict, NotFound, RuleViolation, ServiceUnavailable
from chalicelib.storage.connection import retry

ATTEMPTS = 6  # reads and writes of one assignment, when what it read keeps changing under it


def book(delivery: Delivery | TransferReversal | None) -> str:
    """Books a delivery (None: one that moves no money here) once: TAKEN, DUPLICATE or IGNORED.
    A payout transfer's reversal goes to the payouts (`logic.payouts.take_reversal`)."""
    if delivery is None:
        return IGNORED
    if isinstance(delivery, TransferReversal):
        from chalicelib.logic.payouts import take_reversal

        return take_reversal(delivery)
    applied: list[Outcome] = []

    def apply(payment: Payment, targets: dict[str, Target]) -> Outcome:
        applied.append(_rule(delivery, payment, targets))
        return applied[-1]

    taken = services.sales().take(delivery, apply)
    if taken == TAKEN:
        _log_refused(delivery, applied[-1].refused)
    return taken


def _rule(delivery: Delivery, payment: Payment, targets: dict[str, Target]) -> Outcome:
    """The ledger's rule for the delivery's movement; `targets` are the productions found for the
    production ids and products it names."""
    movement = delivery.movement
    if isinstance(movement, Sale):
        lines = {line.key: (line.amount, targets.get(line.production_id or line.product_id))
                 for line in movement.lines}
        return record_sale(payment, movement.currency, lines, movement.event_time)
    if isinstance(movement, RefundTotal):
        return record_refund_total(payment, movement.cumulative, movement.currency, movement.event_time)
    if isinstance(movement, Dispute):
        return record_dispute(payment, movement.dispute_id, movement.won, movement.amount, movement.currency,
                              movement.event_time)
    return record_shopify_refund(payment, movement)


def _log_refused(delivery: Delivery, refund_ids: list[str]) -> None:
    from chalicelib.observability import get_logger

    for refund_id in refund_ids:
        get_logger().error("held refund refused: finer than its order's currency",
                           extra={"provider": delivery.provider, "reference": delivery.reference,
                                  "refund_id": refund_id})


def unmatched(limit: int, after: str | None) -> tuple[list[UnmatchedSale], str | None]:
    """Unassigned unmatched sales, newest first, after position `after`."""
    return services.sales().unmatched(limit, after)


def unmatched_sale(unmatched_id: str) -> UnmatchedSale:
    sale = services.sales().unmatched_sale(unmatched_id)
    if sale is None:
        raise NotFound(f"No unmatched sale has the id '{unmatched_id}'.")
    return sale


def assign_unmatched(unmatched_id: str, production_id: str) -> UnmatchedSale:
    """Books an unmatched sale (and whatever its purchase held for it) to a production in its
    currency, once."""
    sales = services.sales()

    def attempt() -> UnmatchedSale:
        sale = unmatched_sale(unmatched_id)
        if sale.assigned_to:
            raise Conflict(f"This sale was already assigned to production '{sale.assigned_to}'.")
        target = sales.target(production_id)
        if target is None:
            raise NotFound(f"No production has the id '{production_id}'.")
        if target.currency != sale.currency:
            raise RuleViolation(
                f"This sale is in {sale.currency}; production '{production_id}' sells in {target.currency}.")
        return sales.assign(sale, target, lambda payment: record_assignment(payment, sale, target))  # LostRace

    def kept_changing() -> UnmatchedSale:
        raise ServiceUnavailable("This sale is changing too fast right now; try again shortly.")

    return retry(attempt, ATTEMPTS, kept_changing)
