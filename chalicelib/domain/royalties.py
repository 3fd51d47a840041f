"""Royalty rules (API.md, "Royalties"): net, pool, the contribution and lineage split, period
credits and member statements. Pure and exact: integer minor units throughout, no floats, no
storage. The same inputs always give the same cents, whatever order they arrive in.

Amounts are cumulative: a period's pool is split from scratch, and what a period credits is the
difference from the split at the previous closed period (`credits`), so rounding never drifts
and Σ credits is exactly pool(T) − pool(previous).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import NamedTuple

from chalicelib.domain.production_names import CONTRIBUTION, LINEAGE

MAX_DEPTH = 8  # level 8 keeps all it holds: nothing reaches level 9
BPS = 10_000  # basis points in a whole

Key = tuple[str, str]  # (record_id, via)


@dataclass(frozen=True)
class Totals:
    """A production's ledger entries added up, in minor units; entries of several periods add up
    with `+` (so `sum(periods, Totals())` is the cumulative total)."""

    sales: int = 0
    refunds: int = 0
    disputes: int = 0
    dispute_reversals: int = 0  # disputes won: the money comes back
    costs: int = 0

    @property
    def net(self) -> int:
        return self.sales - self.refunds - self.disputes + self.dispute_reversals - self.costs

    def __add__(self, other: Totals) -> Totals:
        if not isinstance(other, Totals):
            return NotImplemented
        return Totals(self.sales + other.sales, self.refunds + other.refunds, self.disputes + other.disputes,
                      self.dispute_reversals + other.dispute_reversals, self.costs + other.costs)


def previous_month(moment: datetime) -> str:
    """The period (`YYYY-MM`) before the month of `moment`."""
    return f"{moment.year - (moment.month == 1):04d}-{(moment.month - 2) % 12 + 1:02d}"


def contributor_pool(net: int, contributor_share_bps: int) -> int:
    """floor(max(0, net) × bps / 10000): a loss makes an empty pool, never a negative one."""
    _check_bps(contributor_share_bps)
    return max(0, net) * contributor_share_bps // BPS


def largest_remainder(total: int, weights: Mapping[str, int]) -> dict[str, int]:
    """`total` split by weight: each id gets floor(total × w / W), and the cents left over go one
    each to the largest remainders, ties to the larger weight, then the smaller id (code point
    order). Every id of `weights` is in the result (zeros included); the values add up to `total`."""
    if total < 0:
        raise ValueError(f"cannot split a negative total ({total})")
    if not weights:
        if total:
            raise ValueError(f"nothing to split {total} over")
        return {}
    whole = 0
    for record_id, weight in weights.items():
        if not isinstance(weight, int) or weight < 1:
            raise ValueError(f"weight of {record_id!r} must be a whole number >= 1, not {weight!r}")
        whole += weight
    shares: dict[str, int] = {}
    remainders = []
    given = 0
    for record_id, weight in weights.items():
        share, remainder = divmod(total * weight, whole)
        shares[record_id] = share
        given += share
        if remainder:  # only a non-zero remainder can win a leftover cent (there are fewer cents)
            remainders.append((-remainder, -weight, record_id))
    left_over = total - given
    if left_over:
        remainders.sort()
        for _, _, record_id in remainders[:left_over]:
            shares[record_id] += 1
    return shares


def split(pool: int, contributions: Mapping[str, int], sources: Mapping[str, Sequence[str]],
          upstream_share_bps: int, max_depth: int = MAX_DEPTH) -> dict[Key, int]:
    """The cumulative amount of every record, keyed by (record_id, via), zeros left out.

    Level 0 holds each contribution's largest-remainder share of `pool`. At each level below
    `max_depth`, a record with sources passes floor(x × upstream_share_bps / 10000) of what it
    holds, split equally over its distinct direct sources (the odd cents to the smaller ids), and
    keeps the rest; shares reaching one record at one level add up first. At `max_depth`, or
    without sources, a record keeps all it holds. Kept at level 0 is `contribution`, later
    `lineage`. `sources` is the frozen snapshot (id → direct source ids; absent means none).
    Each level is processed once, so even a cycle ends at `max_depth`. Σ values == pool."""
    _check_bps(upstream_share_bps)
    if max_depth < 0:
        raise ValueError(f"max_depth must be >= 0, not {max_depth}")
    holding = {record_id: amount for record_id, amount in largest_remainder(pool, contributions).items() if amount}
    kept_by_contribution: dict[str, int] = {}
    kept_by_lineage: dict[str, int] = {}
    ordered: dict[str, tuple[str, ...]] = {}  # record id -> its distinct sources, smallest id first
    for level in range(max_depth + 1):
        if not holding:
            break
        kept = kept_by_contribution if level == 0 else kept_by_lineage
        if level == max_depth:
            for record_id, amount in holding.items():
                kept[record_id] = kept.get(record_id, 0) + amount
            break
        passed_on: dict[str, int] = {}
        for record_id, amount in holding.items():
            cited = ordered.get(record_id)
            if cited is None:
                listed = sources.get(record_id)
                cited = ordered[record_id] = (tuple(sorted(set(listed))) if listed and len(listed) > 1
                                              else tuple(listed or ()))
            passed = amount * upstream_share_bps // BPS if cited else 0
            if amount != passed:
                kept[record_id] = kept.get(record_id, 0) + amount - passed
            if not passed:
                continue
            count = len(cited)
            if count == 1:
                source = cited[0]
                passed_on[source] = passed_on.get(source, 0) + passed
                continue
            # Equal weights: every remainder is the same, so the odd cents go to the smaller ids.
            each, odd = divmod(passed, count)
            if each:
                for source in cited:
                    passed_on[source] = passed_on.get(source, 0) + each
            for source in cited[:odd]:
                passed_on[source] = passed_on.get(source, 0) + 1
        holding = passed_on
    amounts = {(record_id, CONTRIBUTION): amount for record_id, amount in kept_by_contribution.items()}
    amounts.update(((record_id, LINEAGE), amount) for record_id, amount in kept_by_lineage.items())
    return amounts


def credits(current: Mapping[Key, int], previous: Mapping[Key, int]) -> dict[Key, int]:
    """What period T credits each (record_id, via): its cumulative amount at T minus at the
    previous closed period. Negative after refunds; zeros left out."""
    result = {key: amount - previous.get(key, 0) for key, amount in current.items()
              if amount != previous.get(key, 0)}
    result.update((key, -amount) for key, amount in previous.items() if key not in current and amount)
    return result


@dataclass(frozen=True)
class Statement:
    """A member's statement for one period and currency: opening + credits = closing."""

    opening: int
    credits: int
    closing: int
    payable: bool
    payout: int
    next_opening: int


def settle(opening: int, credits: int, min_payout: int) -> Statement:
    """Pays the closing balance once it reaches `min_payout`; otherwise it carries forward,
    small and negative balances alike."""
    if min_payout < 0:
        raise ValueError(f"min_payout must be >= 0, not {min_payout}")
    closing = opening + credits
    payable = closing >= min_payout
    return Statement(opening=opening, credits=credits, closing=closing, payable=payable,
                     payout=closing if payable else 0, next_opening=0 if payable else closing)


@dataclass(frozen=True)
class Run:
    period: str
    status: str
    started_at: str
    finished_at: str | None
    productions_total: int | None
    productions_done: int
    plan: str | None = None  # the batches it took up (None: not yet)
    batches: int | None = None
    counted: frozenset[int] = frozenset()  # the batches whose productions are closed
    last_batch: int | None = None  # the batch counted last

    @property
    def last_counted(self) -> bool:
        """Every batch is counted: the last one counted writes the statements."""
        return self.batches is not None and len(self.counted) == self.batches


@dataclass(frozen=True)
class ProductionFigures:
    """What a run closed for one production: net(T), pool(T) and what the period credited."""

    production_id: str
    currency: str
    net: int
    pool: int
    credited: int


class Line(NamedTuple):
    """One credit on a member's statement. A named tuple, as `lineage.FrozenNode`: a run makes
    one per credit (10^5 at scale), and a frozen dataclass costs three times as much to build."""

    production_id: str
    production_title: str
    record_id: str
    record_title: str
    via: str
    amount: int


class CreditedLine(NamedTuple):
    """A line of one production's close with the member it credits (its statement line, once
    the production is named)."""

    owner_id: str
    owner_handle: str
    record_id: str
    record_title: str
    via: str
    amount: int


class ProductionLines(NamedTuple):
    """The lines one production's close credits, in (record id, via) order."""

    production_id: str
    title: str
    currency: str
    lines: list[CreditedLine]


def member_lines(closes: Iterable[ProductionLines]) -> tuple[dict[tuple[str, str], list[Line]], dict[str, str]]:
    """The closes' statement lines by (member id, currency), and each member's handle (as the
    last of the productions, in id order, gives it)."""
    lines: dict[tuple[str, str], list[Line]] = defaultdict(list)
    handles: dict[str, str] = {}
    for close in sorted(closes, key=attrgetter("production_id")):
        production_id, title, currency = close.production_id, close.title, close.currency
        handles.update((line.owner_id, line.owner_handle) for line in close.lines)
        for owner_id, _, record_id, record_title, via, amount in close.lines:
            lines[(owner_id, currency)].append(Line(production_id, title, record_id, record_title, via, amount))
    return lines, handles


@dataclass(frozen=True)
class MemberStatement:
    """A statement as a run writes it."""

    member_id: str
    period: str
    currency: str
    statement: Statement
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class StatementRow:
    """A statement as a member reads it."""

    period: str
    currency: str
    opening: int
    credits: int
    closing: int
    payable: bool
    payout: int
    lines: tuple[Line, ...]


def _check_bps(bps: int) -> None:
    if not isinstance(bps, int) or not 0 <= bps <= BPS:
        raise ValueError(f"basis points must be a whole number from 0 to {BPS}, not {bps!r}")
