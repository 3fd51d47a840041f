"""Money: integer minor units of an ISO 4217 currency, never floats.

Stores report amounts in two ways: Stripe in minor units already (`1999` USD cents, `500`
JPY), Shopify as decimal strings in major units (`"19.99"`, `"500"`, `"1.250"` KWD). The
conversion is exact: a string with more decimals than its currency has is refused rather than
rounded, because a rounded cent is a lost or invented cent.
"""
from __future__ import annotations

import re

MAX_AMOUNT = 10**12  # |amount| ≤ 10^12 minor units (the contract's bound)

# Minor-unit exponents that are not 2 (ISO 4217). Every other currency code has two decimals.
_EXPONENTS = {
    **dict.fromkeys(
        "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(), 0),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
}
# Matched whole (`fullmatch`): `$` would also match before a trailing newline ("usd\n"), and
# `\d` would take other scripts' digits ("١", which Decimal reads as 1).
_CURRENCY = re.compile(r"[A-Za-z]{3}")
_DECIMAL = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]{1,6})?")
FINEST_EXPONENT = max(_EXPONENTS.values())


class MoneyError(ValueError):
    """An amount or currency that cannot be taken exactly."""


def normalise_currency(code: str) -> str:
    """`usd` → `USD` (Stripe sends lowercase codes; the API returns uppercase)."""
    if not isinstance(code, str) or not _CURRENCY.fullmatch(code):
        raise MoneyError(f"{shown(code)} is not a three-letter ISO 4217 currency code")
    return code.upper()


def exponent(currency: str) -> int:
    return _EXPONENTS.get(normalise_currency(currency), 2)


def to_minor_units(amount: str, currency: str) -> int:
    """`"19.99"` USD → 1999; `"500"` JPY → 500; `"1.250"` KWD → 1250; `"0.001"` USD → error."""
    scaled = _decimal(amount).scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise MoneyError(f"{shown(amount)} has more decimals than {normalise_currency(currency)} has")
    return checked(int(scaled))


def check_decimal_amount(amount: str) -> None:
    """Refuses a decimal amount that no currency could take, for amounts whose currency is not
    known yet: more decimals than the finest currency has (3), or beyond the bound even in a
    currency whose major unit is its minor unit (JPY)."""
    value = _decimal(amount)
    finest = value.scaleb(FINEST_EXPONENT)
    if finest != finest.to_integral_value():
        raise MoneyError(f"{shown(amount)} has more decimals than any currency has")
    checked(int(value))


def _decimal(amount: str):
    from decimal import Decimal  # on first use: not every request needs it

    if not isinstance(amount, str) or not _DECIMAL.fullmatch(amount):
        raise MoneyError(f"{shown(amount)} is not a decimal amount (ASCII digits, an optional '.' and decimals)")
    return Decimal(amount)


def checked(amount: int) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise MoneyError(f"{shown(amount)} is not an integer amount of minor units")
    if abs(amount) > MAX_AMOUNT:
        raise MoneyError(f"{amount} is beyond the bound of 10^12 minor units")
    return amount


def shown(value: object) -> str:
    """A refused value as an error message quotes it: as JSON writes it (escapes make "١" and a
    trailing newline visible), cut short, since a refused value may be a megabyte long."""
    import json
    from decimal import Decimal

    if isinstance(value, (dict, list)):
        return "an object" if isinstance(value, dict) else "an array"
    text = format(value, "f") if isinstance(value, Decimal) else json.dumps(value, default=repr)
    return text if len(text) <= 40 else text[:39] + "…"


def split_by_amounts(total: int, amounts: dict[str, int]) -> dict[str, int]:
    """`total` split over keys in proportion to `amounts`, to the cent: largest remainder,
    ties to the smaller key (compared as strings). With nothing to weigh by, equal parts."""
    if not amounts:
        return {}
    weights = amounts if sum(amounts.values()) > 0 else dict.fromkeys(amounts, 1)
    whole = sum(weights.values())
    shares, remainders = {}, []
    for key, weight in weights.items():
        share, remainder = divmod(total * weight, whole)
        shares[key] = share
        remainders.append((-remainder, key))
    for _, key in sorted(remainders)[: total - sum(shares.values())]:
        shares[key] += 1
    return shares
