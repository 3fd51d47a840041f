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
_CURRENCY = re.compile(r"^[A-Za-z]{3}$")
_DECIMAL = re.compile(r"^-?\d{1,15}(\.\d{1,6})?$")


class MoneyError(ValueError):
    """An amount or currency that cannot be taken exactly."""


def normalise_currency(code: str) -> str:
    """`usd` → `USD` (Stripe sends lowercase codes; the API returns uppercase)."""
    if not isinstance(code, str) or not _CURRENCY.match(code):
        raise MoneyError(f"{code!r} is not a three-letter ISO 4217 currency code")
    return code.upper()


def exponent(currency: str) -> int:
    return _EXPONENTS.get(normalise_currency(currency), 2)


def to_minor_units(amount: str, currency: str) -> int:
    """`"19.99"` USD → 1999; `"500"` JPY → 500; `"1.250"` KWD → 1250; `"0.001"` USD → error."""
    from decimal import Decimal, InvalidOperation  # on first use: not every request needs it

    if not isinstance(amount, str) or not _DECIMAL.match(amount.strip()):
        raise MoneyError(f"{amount!r} is not a decimal amount")
    try:
        scaled = Decimal(amount.strip()).scaleb(exponent(currency))
    except InvalidOperation as e:  # pragma: no cover - the pattern above admits only decimals
        raise MoneyError(f"{amount!r} is not a decimal amount") from e
    if scaled != scaled.to_integral_value():
        raise MoneyError(f"{amount!r} has more decimals than {normalise_currency(currency)} has")
    return checked(int(scaled))


def checked(amount: int) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise MoneyError(f"{amount!r} is not an integer amount of minor units")
    if abs(amount) > MAX_AMOUNT:
        raise MoneyError(f"{amount} is beyond the bound of 10^12 minor units")
    return amount


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
