"""The sales ledger's rules: what a store event books, where, and what waits.

A store reports one purchase through several events that may arrive in any order and more
than once: the sale, cumulative refunds, disputes and their outcome. Each purchase keeps a
small state (`Payment`) — which lines were sold to which production, the refund total already
taken, the disputes already seen, and what is held because its sale has not arrived or is not
assigned yet. Applying an event to that state yields the entries to book now (`Booking`) and
the money no production can take (`Unmatched`). Because the state remembers what it took,
applying the same event twice books nothing the second time, and any order of arrival ends
with the same entries booked.

Entry amounts are positive; `SIGN` says whether a kind adds to or takes from a production's
net. Periods are calendar months (UTC) named `YYYY-MM`.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone

from chalicelib.domain.money import MoneyError, checked, shown, split_by_amounts, to_minor_units
from chalicelib.domain.sales import COST, CURRENCY_MISMATCH, DISPUTE, DISPUTE_REVERSAL, NO_PRODUCTION, REFUND, SALE

SIGN = {SALE: 1, REFUND: -1, DISPUTE: -1, DISPUTE_REVERSAL: 1, COST: -1}
# The field of `royalties.Totals` (and of the stored totals) that each kind adds to.
TOTAL_OF_KIND = {SALE: "sales", REFUND: "refunds", DISPUTE: "disputes", DISPUTE_REVERSAL: "dispute_reversals",
                 COST: "costs"}
STRIPE_LINE = ""  # a Stripe payment is one sale: its single line


@dataclass(frozen=True)
class Entry:
    kind: str
    amount: int  # positive minor units; SIGN[kind] gives its direction
    currency: str
    event_time: str  # RFC 3339; decides the period
    external_id: str  # Stripe: the payment_intent; Shopify: "<order id>:<line item id>"


@dataclass(frozen=True)
class Target:
    """A production that a sale may book to, with the currency it books in."""

    production_id: str
    currency: str


@dataclass(frozen=True)
class Booking:
    entry: Entry
    production_id: str


@dataclass(frozen=True)
class Unmatched:
    entry: Entry
    reason: str
    line: str  # the payment line it belongs to (assigning a sale assigns its line)


@dataclass
class Outcome:
    bookings: list[Booking] = field(default_factory=list)
    unmatched: list[Unmatched] = field(default_factory=list)
    # Held Shopify refunds whose amounts turned out finer than the order's currency: no cent
    # can be booked for them, and they must not hold the order back.
    refused: list[str] = field(default_factory=list)

    def __iadd__(self, other: "Outcome") -> "Outcome":
        self.bookings += other.bookings
        self.unmatched += other.unmatched
        self.refused += other.refused
        return self


@dataclass
class Line:
    amount: int
    production_id: str | None  # None while the sale is unmatched
    held: list[Entry] = field(default_factory=list)  # refunds/disputes waiting for an assignment


@dataclass
class HeldRefund:
    """A Shopify refund, its amounts kept as decimal strings until they meet the order's currency
    (the refund may come before its order: then it is held)."""

    refund_id: str
    line_subtotals: dict[str, str]  # line item id → decimal string
    transactions_total: list[str]  # successful refund transactions (decimal strings)
    event_time: str


@dataclass(frozen=True)
class SaleLine:
    key: str  # STRIPE_LINE for a Stripe payment; Shopify: the line item id
    amount: int
    production_id: str | None = None  # the production the store names
    product_id: str | None = None  # else the store product that a production sells


@dataclass(frozen=True)
class Sale:
    currency: str
    event_time: str
    lines: tuple[SaleLine, ...]


@dataclass(frozen=True)
class RefundTotal:
    cumulative: int  # Stripe's amount_refunded: everything refunded so far
    currency: str
    event_time: str


@dataclass(frozen=True)
class Dispute:
    dispute_id: str
    won: bool  # False: the dispute opened; True: it closed in the seller's favour
    amount: int
    currency: str
    event_time: str


@dataclass(frozen=True)
class Delivery:
    """A store delivery that moves money, in the ledger's terms: a sale, a Stripe refund total
    or dispute, or a Shopify refund (`HeldRefund`) of the purchase `reference`."""

    provider: str
    delivery_id: str  # Stripe: the event id; Shopify: X-Shopify-Webhook-Id
    event_type: str
    reference: str  # Stripe: the payment_intent (or session id); Shopify: the order id
    movement: Sale | RefundTotal | Dispute | HeldRefund

    @property
    def production_ids(self) -> tuple[str, ...]:
        """The productions the delivery names itself."""
        return tuple(dict.fromkeys(line.production_id for line in self._lines if line.production_id))

    @property
    def product_ids(self) -> tuple[str, ...]:
        """The store products whose productions the delivery's lines go to."""
        return tuple(dict.fromkeys(line.product_id for line in self._lines if line.product_id))

    @property
    def _lines(self) -> tuple[SaleLine, ...]:
        return self.movement.lines if isinstance(self.movement, Sale) else ()


@dataclass(frozen=True)
class UnmatchedSale:
    """Money no production took, as kept for an admin to assign."""

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
    payment_reference: str  # the purchase it belongs to
    line: str  # the purchase's line

    @property
    def entry(self) -> Entry:
        return Entry(self.kind, self.amount, self.currency, self.event_time, self.external_id)


@dataclass
class Payment:
    """What one purchase (a Stripe payment_intent, a Shopify order) has booked and holds."""

    reference: str = ""  # Stripe: the payment_intent (or session id); Shopify: the order id
    currency: str | None = None
    lines: dict[str, Line] = field(default_factory=dict)  # empty until the sale arrives
    refunded: int = 0  # Stripe: the cumulative amount_refunded taken so far
    seen: set[str] = field(default_factory=set)  # dispute and refund ids already taken
    held: list[Entry] = field(default_factory=list)  # Stripe refunds/disputes before the sale
    held_refunds: list[HeldRefund] = field(default_factory=list)  # Shopify refunds before the order

    @property
    def has_sale(self) -> bool:
        return bool(self.lines)

    def external_id(self, line_key: str) -> str:
        return self.reference if line_key == STRIPE_LINE else f"{self.reference}:{line_key}"

    def to_dict(self) -> dict:
        data = asdict(self)
        data["seen"] = sorted(self.seen)
        return data

    @classmethod
    def from_dict(cls, data: dict | None) -> "Payment":
        if not data:
            return cls()
        return cls(
            reference=data["reference"], currency=data["currency"],
            lines={key: Line(line["amount"], line["production_id"], [Entry(**e) for e in line["held"]])
                   for key, line in data["lines"].items()},
            refunded=data["refunded"], seen=set(data["seen"]),
            held=[Entry(**e) for e in data["held"]],
            held_refunds=[HeldRefund(**r) for r in data["held_refunds"]],
        )


def record_sale(payment: Payment, currency: str, lines: dict[str, tuple[int, Target | None]],
                event_time: str) -> Outcome:
    """The purchase's sale, one entry per line. A second report of the same purchase (Stripe
    sends it as a checkout session and as a payment intent) books nothing."""
    outcome = Outcome()
    if payment.has_sale:
        return outcome
    payment.currency = currency
    for key, (amount, target) in lines.items():
        entry = Entry(SALE, amount, currency, event_time, payment.external_id(key))
        payment.lines[key] = Line(amount, None)
        if target is None:
            outcome.unmatched.append(Unmatched(entry, NO_PRODUCTION, key))
        elif target.currency != currency:
            outcome.unmatched.append(Unmatched(entry, CURRENCY_MISMATCH, key))
        else:
            payment.lines[key].production_id = target.production_id
            outcome.bookings.append(Booking(entry, target.production_id))
    held, payment.held = payment.held, []
    for entry in held:
        outcome += _route(payment, STRIPE_LINE, entry)
    for refund in payment.held_refunds:
        try:
            outcome += _book_shopify_refund(payment, refund)
        except MoneyError:
            outcome.refused.append(refund.refund_id)
    payment.held_refunds = []
    return outcome


def assign_line(payment: Payment, line_key: str, target: Target) -> Outcome:
    """An admin assigned this line's unmatched sale: the sale and what it held book to `target`."""
    line = payment.lines[line_key]
    line.production_id = target.production_id
    outcome = Outcome()
    held, line.held = line.held, []
    for entry in held:
        outcome += _route(payment, line_key, entry)
    return outcome


def record_assignment(payment: Payment, sale: UnmatchedSale, target: Target) -> Outcome:
    """An admin assigned an unmatched entry to `target`: it books there, and a sale's line books
    what it held there too."""
    outcome = Outcome(bookings=[Booking(sale.entry, target.production_id)])
    if sale.kind == SALE:
        outcome += assign_line(payment, sale.line, target)
    return outcome


def record_refund_total(payment: Payment, cumulative: int, currency: str, event_time: str) -> Outcome:
    """Stripe's `amount_refunded` is cumulative: the entry is the increase over what was taken,
    so a repeated or late (smaller) report books nothing."""
    increase = cumulative - payment.refunded
    if increase <= 0:
        return Outcome()
    payment.refunded = cumulative
    return _route(payment, STRIPE_LINE, Entry(REFUND, increase, currency, event_time, payment.reference))


def record_dispute(payment: Payment, dispute_id: str, won: bool, amount: int, currency: str,
                   event_time: str) -> Outcome:
    """A dispute (`won=False`) or the reversal of a won one; each is taken once per dispute."""
    marker = f"{'won' if won else 'dispute'}:{dispute_id}"
    if marker in payment.seen:
        return Outcome()
    payment.seen.add(marker)
    kind = DISPUTE_REVERSAL if won else DISPUTE
    return _route(payment, STRIPE_LINE, Entry(kind, amount, currency, event_time, payment.reference))


def record_shopify_refund(payment: Payment, refund: HeldRefund) -> Outcome:
    marker = f"refund:{refund.refund_id}"
    if marker in payment.seen:
        return Outcome()
    payment.seen.add(marker)
    if not payment.has_sale:
        payment.held_refunds.append(refund)
        return Outcome()
    try:
        return _book_shopify_refund(payment, refund)
    except MoneyError as e:
        raise MoneyError(f"refund {refund.refund_id} does not fit its order's currency: {e}") from e


def _book_shopify_refund(payment: Payment, refund: HeldRefund) -> Outcome:
    """Per refunded line its subtotal; without lines, the refund transactions' total split over
    the order's lines in proportion to their sales (largest remainder, ties to the smaller id)."""
    currency = payment.currency
    if refund.line_subtotals:
        amounts = {line: to_minor_units(subtotal, currency) for line, subtotal in refund.line_subtotals.items()}
        checked(sum(amounts.values()))  # the refund's total, as bounded as each of its lines
    else:
        total = checked(sum(to_minor_units(amount, currency) for amount in refund.transactions_total))
        amounts = split_by_amounts(total, {key: line.amount for key, line in payment.lines.items()})
    outcome = Outcome()
    for line_key, amount in sorted(amounts.items()):
        if amount > 0:
            entry = Entry(REFUND, amount, currency, refund.event_time, payment.external_id(line_key))
            outcome += _route(payment, line_key, entry)
    return outcome


def _route(payment: Payment, line_key: str, entry: Entry) -> Outcome:
    """Books `entry` against its sale's production, or holds it while the sale is missing or
    unassigned; a refund or dispute in another currency than its sale is unmatched."""
    line = payment.lines.get(line_key)
    if line is None and not payment.has_sale:
        payment.held.append(entry)
        return Outcome()
    if line is None:  # a refunded line the order never had: no production can take it
        return Outcome(unmatched=[Unmatched(entry, NO_PRODUCTION, line_key)])
    if entry.currency != payment.currency:
        return Outcome(unmatched=[Unmatched(entry, CURRENCY_MISMATCH, line_key)])
    if line.production_id is None:
        line.held.append(entry)
        return Outcome()
    return Outcome(bookings=[Booking(entry, line.production_id)])


# ISO 8601 as the stores send it, in ASCII digits; an offset-less time is taken as UTC.
_ISO_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?"
                       r"(?:Z|[+-][0-9]{2}:[0-9]{2})?")
EARLIEST_YEAR, LATEST_YEAR = 1970, 9999
_LATEST_UNIX = int(datetime(LATEST_YEAR, 12, 31, 23, 59, 59, tzinfo=timezone.utc).timestamp())


class TimeError(ValueError):
    """An event time that is no UTC time of the years 1970–9999."""


def utc_time(moment: str) -> str:
    """An ISO 8601 time with any offset (Shopify sends the shop's) as RFC 3339 UTC, ms."""
    from chalicelib.domain.clock import to_rfc3339

    if not isinstance(moment, str) or not _ISO_TIME.fullmatch(moment):
        raise TimeError(f"{shown(moment)} is not an ISO 8601 time (YYYY-MM-DDThh:mm:ss, then Z or ±hh:mm)")
    try:
        parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    except ValueError as e:  # a 31st of February, an hour 25
        raise TimeError(f"{shown(moment)} is not a time that exists") from e
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    try:
        utc = parsed.astimezone(timezone.utc)
    except OverflowError:  # 0001-01-01T00:00:00+14:00 is in year 0
        utc = None
    if utc is None or not EARLIEST_YEAR <= utc.year <= LATEST_YEAR:
        raise TimeError(f"{shown(moment)} is not in the years {EARLIEST_YEAR}–{LATEST_YEAR} (UTC)")
    return to_rfc3339(utc)


def unix_time(seconds: int) -> str:
    """Seconds since 1970 (Stripe's `created`) as RFC 3339 UTC, ms; up to the end of 9999."""
    from chalicelib.domain.clock import to_rfc3339

    if isinstance(seconds, bool) or not isinstance(seconds, int) or not 0 <= seconds <= _LATEST_UNIX:
        raise TimeError(f"{shown(seconds)} is not a whole number of seconds from 0 (1970) to {_LATEST_UNIX} "
                        f"(the end of {LATEST_YEAR})")
    return to_rfc3339(datetime.fromtimestamp(seconds, timezone.utc))


def period_of(moment: str) -> str:
    """The calendar month (UTC) of an RFC 3339 time, as `YYYY-MM`."""
    return utc_time(moment)[:7]


def next_period(period: str) -> str:
    year, month = map(int, period.split("-"))
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


def booking_period(event_period: str, closed_through: str | None) -> str:
    """An entry's own period, or the first open one when its own is already closed."""
    if closed_through is None or event_period > closed_through:
        return event_period
    return next_period(closed_through)
