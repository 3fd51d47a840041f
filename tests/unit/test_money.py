"""Money: exact conversion of decimal strings to minor units, and splits to the cent."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.money import MoneyError, normalise_currency, split_by_amounts, to_minor_units


@pytest.mark.parametrize("amount, currency, expected", [
    ("19.99", "USD", 1999), ("20", "usd", 2000), ("0.10", "EUR", 10), ("1500", "JPY", 1500),
    ("1500.00", "JPY", 1500), ("1.250", "KWD", 1250), ("0.001", "BHD", 1), ("-3.50", "USD", -350),
])
def test_decimal_strings_convert_exactly(amount, currency, expected):
    assert to_minor_units(amount, currency) == expected


@pytest.mark.parametrize("amount, currency", [
    ("0.001", "USD"), ("1500.5", "JPY"), ("1.2345", "KWD"), ("1e3", "USD"), ("", "USD"), ("NaN", "USD"),
    ("12,50", "EUR"), ("10000000000.01", "USD"),
])
def test_amounts_that_are_not_exact_or_out_of_bounds_are_refused(amount, currency):
    with pytest.raises(MoneyError):
        to_minor_units(amount, currency)


def test_currency_codes_are_uppercased_and_checked():
    assert normalise_currency("usd") == "USD"
    with pytest.raises(MoneyError):
        normalise_currency("dollars")


def test_a_split_gives_the_odd_cents_to_the_largest_remainders_then_the_smaller_key():
    assert split_by_amounts(100, {"b": 1, "a": 1, "c": 1}) == {"a": 34, "b": 33, "c": 33}
    assert split_by_amounts(10, {"x": 2, "y": 1}) == {"x": 7, "y": 3}


@given(st.integers(0, 10**12), st.dictionaries(st.text(min_size=1, max_size=3), st.integers(0, 10**9), min_size=1))
def test_a_split_always_adds_up_to_the_total(total, amounts):
    shares = split_by_amounts(total, amounts)

    assert sum(shares.values()) == total and set(shares) == set(amounts)
