"""The ledger's rules: any order and repetition of a purchase's events books the same entries."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.ledger import (
    DISPUTE, DISPUTE_REVERSAL, REFUND, SALE, STRIPE_LINE, Booking, HeldRefund, Payment, Target, TimeError, assign_line,
    booking_period, next_period, period_of, record_dispute, record_refund_total, record_sale, record_shopify_refund,
    unix_time, utc_time,
)
from chalicelib.domain.money import MoneyError

PRODUCTION = Target("P", "USD")
TIME = "2026-11-20T10:00:00.000Z"


def test_periods_are_utc_months_and_closed_ones_are_skipped():
    assert period_of("2026-10-31T23:30:00-01:00") == "2026-11"
    assert next_period("2026-12") == "2027-01"
    assert booking_period("2026-10", closed_through="2026-10") == "2026-11"
    assert booking_period("2026-09", closed_through="2026-10") == "2026-11"
    assert booking_period("2026-11", closed_through="2026-10") == "2026-11"
    assert booking_period("2026-11", closed_through=None) == "2026-11"


@pytest.mark.parametrize("moment, expected", [
    ("2026-11-20T10:00:00-05:00", "2026-11-20T15:00:00.000Z"), ("2026-11-20T10:00:00.123456789Z", "2026-11-20T10:00:00.123Z"),
    ("2026-11-20T10:00:00", "2026-11-20T10:00:00.000Z"), ("1970-01-01T00:00:00Z", "1970-01-01T00:00:00.000Z"),
    ("1970-01-01T01:00:00+01:00", "1970-01-01T00:00:00.000Z"), ("9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59.999Z"),
])
def test_store_times_become_utc_with_milliseconds(moment, expected):
    assert utc_time(moment) == expected


@pytest.mark.parametrize("moment", [
    "0001-01-01T00:00:00+14:00",  # the year 0 in UTC: once an OverflowError
    "9999-12-31T23:59:59-01:00", "1969-12-31T23:59:59Z", "1970-01-01T00:59:59+01:00",
    "\u0662\u0660\u0662\u0666-11-20T10:00:00Z", "2026-11-20T10:00:00Z\n", "2026-11-20 10:00:00Z", "20261120T100000Z",
    "2026-11-20", "2026-02-30T10:00:00Z", "2026-11-20T24:00:00Z", "2026-11-20T10:00:00+24:00", "", 1700000000, None,
])
def test_a_time_that_is_no_utc_time_of_1970_to_9999_is_refused(moment):
    with pytest.raises(TimeError):
        utc_time(moment)


def test_unix_times_run_from_1970_to_the_last_second_of_9999():
    assert unix_time(0) == "1970-01-01T00:00:00.000Z"
    assert unix_time(253402300799) == "9999-12-31T23:59:59.000Z"
    for seconds in (253402300800, 10**19, -1, True, 1.5, "1700000000", None):
        with pytest.raises(TimeError):
            unix_time(seconds)


def test_a_refund_whose_lines_add_up_beyond_the_bound_books_nothing():
    payment = Payment(reference="o")
    record_sale(payment, "USD", {"1": (100, PRODUCTION), "2": (100, PRODUCTION)}, TIME)

    for refund in (HeldRefund("r1", {"1": "6000000000.00", "2": "6000000000.00"}, [], TIME),
                   HeldRefund("r2", {}, ["6000000000.00", "6000000000.00"], TIME)):
        with pytest.raises(MoneyError, match="beyond the bound"):
            record_shopify_refund(payment, refund)


def test_a_refund_held_before_the_sale_is_booked_with_it():
    payment = Payment(reference="pi_1")
    assert record_refund_total(payment, 300, "USD", TIME).bookings == []

    outcome = record_sale(payment, "USD", {STRIPE_LINE: (1000, PRODUCTION)}, TIME)

    assert [(b.entry.kind, b.entry.amount) for b in outcome.bookings] == [(SALE, 1000), (REFUND, 300)]


def test_a_refund_in_another_currency_than_its_sale_is_unmatched():
    payment = Payment(reference="pi_1")
    record_sale(payment, "USD", {STRIPE_LINE: (1000, PRODUCTION)}, TIME)

    outcome = record_refund_total(payment, 300, "EUR", TIME)

    assert outcome.bookings == [] and [u.reason for u in outcome.unmatched] == ["currency_mismatch"]


def test_a_state_survives_its_round_trip_through_storage():
    payment = Payment(reference="7")
    record_shopify_refund(payment, HeldRefund("r1", {"1": "2.50"}, [], TIME))
    record_sale(payment, "USD", {"1": (1000, None)}, TIME)

    assert Payment.from_dict(payment.to_dict()) == payment


purchases = st.lists(st.tuples(
    st.integers(1, 10**6),  # sale amount
    st.booleans(),  # matched to the production at once (else unmatched, assigned at the end)
    st.lists(st.integers(0, 100), max_size=3),  # refund steps, as percentages of the amount
    st.lists(st.booleans(), max_size=2),  # disputes: won or not
), min_size=1, max_size=4)


@settings(max_examples=300)
@given(purchases, st.data())
def test_any_interleaving_and_duplication_books_the_deduplicated_sum(purchases, data):
    events, expected = [], {SALE: 0, REFUND: 0, DISPUTE: 0, DISPUTE_REVERSAL: 0}
    for n, (amount, matched, steps, disputes) in enumerate(purchases):
        ref = f"pi_{n}"
        events.append((f"{ref}-sale", ref, "sale", (amount, matched)))
        cumulative = sorted(amount * s // 100 for s in steps)
        events += [(f"{ref}-refund-{k}", ref, "refund", c) for k, c in enumerate(cumulative)]
        expected[SALE] += amount
        expected[REFUND] += max(cumulative, default=0)
        for k, won in enumerate(disputes):
            events.append((f"{ref}-dispute-{k}", ref, "dispute", (f"dp_{n}_{k}", False, amount)))
            expected[DISPUTE] += amount
            if won:
                events.append((f"{ref}-won-{k}", ref, "dispute", (f"dp_{n}_{k}", True, amount)))
                expected[DISPUTE_REVERSAL] += amount
    stream = data.draw(st.permutations(events + data.draw(st.lists(st.sampled_from(events), max_size=8))))

    states, delivered, booked, unmatched = {}, set(), [], []
    for event_id, ref, kind, value in stream:
        if event_id in delivered:  # the dedupe marker
            continue
        delivered.add(event_id)
        payment = states.setdefault(ref, Payment(reference=ref))
        if kind == "sale":
            amount, matched = value
            outcome = record_sale(payment, "USD", {STRIPE_LINE: (amount, PRODUCTION if matched else None)}, TIME)
        elif kind == "refund":
            outcome = record_refund_total(payment, value, "USD", TIME)
        else:
            outcome = record_dispute(payment, *value, "USD", TIME)
        booked += outcome.bookings
        unmatched += outcome.unmatched
    for sale in unmatched:  # an admin assigns every unmatched sale
        booked.append(Booking(sale.entry, "P"))
        booked += assign_line(states[sale.entry.external_id], sale.line, PRODUCTION).bookings

    totals = {kind: sum(b.entry.amount for b in booked if b.entry.kind == kind) for kind in expected}
    assert totals == expected
    assert all(b.production_id == "P" for b in booked)
