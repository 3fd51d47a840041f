"""Money: exact conversion of decimal strings to minor units, and splits to the cent."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.money import (
    MoneyError, check_decimal_amount, normalise_currency, shown, split_by_amounts, to_minor_units,
)


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


@pytest.mark.parametrize("amount", [
    "\u0661.\u0660\u0660", "\u00b2", "1\u00b2", "\uff11.00", "1.00\n", " 1.00", "1.00 ", "1.\u0660", "+1.00", "1.", ".5",
    "1_000", 100, None,
])
def test_decimal_amounts_are_ascii_digits_matched_whole(amount):
    with pytest.raises(MoneyError):
        to_minor_units(amount, "USD")


def test_the_bound_is_ten_to_the_twelve_minor_units_either_way():
    assert to_minor_units("10000000000.00", "USD") == 10**12
    assert to_minor_units("-10000000000.00", "USD") == -(10**12)
    assert to_minor_units("1000000000000", "JPY") == 10**12
    for amount, currency in (("10000000000.01", "USD"), ("1000000000.001", "KWD"), ("1000000000001", "JPY")):
        with pytest.raises(MoneyError, match="beyond the bound of 10\\^12"):
            to_minor_units(amount, currency)


@pytest.mark.parametrize("amount", ["1.250", "1000000000000", "0.001", "-5"])
def test_an_amount_some_currency_could_take_passes_before_its_currency_is_known(amount):
    check_decimal_amount(amount)


@pytest.mark.parametrize("amount", ["1.2345", "1000000000001", "\u0661", "1e3"])
def test_an_amount_no_currency_could_take_is_refused_before_its_currency_is_known(amount):
    with pytest.raises(MoneyError):
        check_decimal_amount(amount)


def test_currency_codes_are_uppercased_and_checked():
    assert normalise_currency("usd") == "USD"
    with pytest.raises(MoneyError):
        normalise_currency("dollars")


@pytest.mark.parametrize("code", ["usd\n", "USD\n", " usd", "usd ", "us", "\uff35\uff33\uff24", "\u00fcsd", "us1", "", 840, None,
                                  b"usd"])
def test_a_currency_code_is_exactly_three_ascii_letters(code):
    with pytest.raises(MoneyError):
        normalise_currency(code)


def test_refused_values_are_quoted_as_json_and_cut_short():
    assert shown("usd\n") == '"usd\\n"' and shown(True) == "true" and shown(None) == "null"
    assert shown("\u0661") == '"\\u0661"' and shown([1]) == "an array"
    assert len(shown("x" * 10_000)) == 40


def test_a_split_gives_the_odd_cents_to_the_largest_remainders_then_the_smaller_key():
    assert split_by_amounts(100, {"b": 1, "a": 1, "c": 1}) == {"a": 34, "b": 33, "c": 33}
    assert split_by_amounts(10, {"x": 2, "y": 1}) == {"x": 7, "y": 3}


@given(st.integers(0, 10**12), st.dictionaries(st.text(min_size=1, max_size=3), st.integers(0, 10**9), min_size=1))
def test_a_split_always_adds_up_to_the_total(total, amounts):
    shares = split_by_amounts(total, amounts)

    assert sum(shares.values()) == total and set(shares) == set(amounts)
