"""Royalty runs: the period state, runs and their figures, frozen splits, statements, balances.

Every write a run makes is a function of what it read, so a run killed midway and started
again writes the same values. The one thing that moves forward — a member's balance — records
the opening it gave period T (`BalanceItem.opening`), so a rerun finds the same opening; and
statements are written before balances, so a crash between the two rewrites the same
statements. The period is marked closed last.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError

from chalicelib.config import Settings
from chalicelib.domain.clock import now_rfc3339
from chalicelib.domain.royalties import CONTRIBUTION, LINEAGE, Statement
from chalicelib.storage.connection import batch_get_raw, bind_models
from chalicelib.storage.models import (
    BalanceItem, PeriodsItem, PeriodTotalsItem, ProductionItem, RunItem, RunProductionItem, SplitItem,
    StatementItem,
)

RUNNING, CLOSED = "running", "closed"
CARRY = "CARRY"
SPLIT_CHUNK = 8_000  # amounts per item: ~40 bytes each
_VIA = {CONTRIBUTION: "c", LINEAGE: "l"}
_VIA_NAME = {v: k for k, v in _VIA.items()}

Key = tuple[str, str]


@dataclass(frozen=True)
class Run:
    period: str
    status: str
    started_at: str
    finished_at: str | None
    productions_total: int | None
    productions_done: int


@dataclass(frozen=True)
class ProductionFigures:
    production_id: str
    currency: str
    net: int
    pool: int
    credited: int


@dataclass(frozen=True)
class Line:
    production_id: str
    production_title: str
    record_id: str
    record_title: str
    via: str
    amount: int


@dataclass(frozen=True)
class MemberStatement:
    member_id: str
    period: str
    currency: str
    statement: Statement
    lines: tuple[Line, ...]


class RoyaltyBook:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        bind_models(settings)

    # The period state (see storage.ledger: bookings go past `closing` and `closed_through`).

    def period_state(self) -> tuple[str | None, str | None]:
        try:
            item = PeriodsItem.get(*PeriodsItem.key(), consistent_read=True)
        except DoesNotExist:
            return None, None
        return item.closed_through, item.closing

    def begin_closing(self, period: str) -> None:
        """From here on, new entries go past `period`."""
        PeriodsItem(*PeriodsItem.key()).update(actions=[PeriodsItem.closing.set(period)])

    def finish_closing(self, period: str) -> None:
        PeriodsItem(*PeriodsItem.key()).update(
            actions=[PeriodsItem.closed_through.set(period), PeriodsItem.closing.remove()])

    def close_periods(self, production_id: str, periods: list[str]) -> None:
        """Marks the production's totals of these periods closed (creating empty ones), so a
        booking racing the run fails its condition and goes to the next open period."""
        for period in periods:
            PeriodTotalsItem(*PeriodTotalsItem.key(production_id, period)).update(
                actions=[PeriodTotalsItem.closed.set(True)])

    # Runs.

    def get_run(self, period: str) -> Run | None:
        try:
            item = RunItem.get(*RunItem.key(period), consistent_read=True)
        except DoesNotExist:
            return None
        return Run(item.period, item.status, item.started_at, item.finished_at,
                   int(item.productions_total) if item.productions_total is not None else None,
                   int(item.productions_done or 0))

    def create_run(self, period: str) -> bool:
        """False when the run exists already (a concurrent start made it)."""
        try:
            RunItem(*RunItem.key(period), period=period, status=RUNNING, started_at=now_rfc3339()).save(
                condition=RunItem.pk.does_not_exist())
            return True
        except PutError as e:
            if _condition_failed(e):
                return False
            raise

    def forget_run(self, period: str) -> None:
        """Undoes `create_run` when the run could not be queued."""
        RunItem(*RunItem.key(period)).delete(condition=RunItem.status == RUNNING)

    def set_progress(self, period: str, done: int, total: int) -> None:
        RunItem(*RunItem.key(period)).update(actions=[RunItem.productions_done.set(done),
                                                      RunItem.productions_total.set(total)])

    def mark_run_closed(self, period: str) -> None:
        try:
            RunItem(*RunItem.key(period)).update(
                actions=[RunItem.status.set(CLOSED), RunItem.finished_at.set(now_rfc3339())],
                condition=RunItem.status == RUNNING)
        except UpdateError as e:
            if not _condition_failed(e):
                raise

    def run_figures(self, period: str) -> list[ProductionFigures]:
        items = RunProductionItem.query(RunItem.key(period)[0], RunProductionItem.sk.startswith("PRODUCTION#"),
                                        consistent_read=True)
        return [ProductionFigures(i.production_id, i.currency, int(i.net), int(i.pool), int(i.credited))
                for i in items]

    # A production's split at each close.

    def previous_split(self, production_id: str, period: str) -> dict[Key, int]:
        """The cumulative amounts at the latest close before `period` that included it."""
        partition = ProductionItem.key(production_id)[0]
        latest = next(iter(SplitItem.query(partition, SplitItem.sk.between("SPLIT#", SplitItem.prefix(period)),
                                           scan_index_forward=False, limit=1, consistent_read=True)), None)
        if latest is None or latest.sk >= SplitItem.prefix(period):
            return {}
        previous_period = latest.sk.split("#")[1]
        return self.split_at(production_id, previous_period)

    def split_at(self, production_id: str, period: str) -> dict[Key, int]:
        amounts: dict[Key, int] = {}
        for item in SplitItem.query(ProductionItem.key(production_id)[0], SplitItem.sk.startswith(
                SplitItem.prefix(period)), consistent_read=True):
            for packed in filter(None, item.amounts.split(",")):  # an empty pool leaves an empty chunk
                key, _, amount = packed.partition("=")
                record_id, _, via = key.rpartition(":")
                amounts[(record_id, _VIA_NAME[via])] = int(amount)
        return amounts

    def save_figures(self, period: str, production_id: str, currency: str, net: int, pool: int, credited: int,
                     amounts: dict[Key, int]) -> None:
        packed = [f"{record_id}:{_VIA[via]}={amount}" for (record_id, via), amount in sorted(amounts.items())]
        with SplitItem.batch_write() as batch:
            for number, start in enumerate(range(0, max(len(packed), 1), SPLIT_CHUNK)):
                batch.save(SplitItem(*SplitItem.key(production_id, period, number),
                                     amounts=",".join(packed[start:start + SPLIT_CHUNK])))
        RunProductionItem(*RunProductionItem.key(period, production_id), production_id=production_id,
                          currency=currency, net=net, pool=pool, credited=credited).save()
        ProductionItem(*ProductionItem.key(production_id)).update(actions=[ProductionItem.allocated.set(pool)])

    # Statements and balances.

    def carried_balances(self) -> list[tuple[str, str]]:
        """(member id, currency) of every balance carried forward (non-zero)."""
        return [(i.member_id, i.currency) for i in BalanceItem.gsi3.query(CARRY)]

    def balances(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], BalanceItem]:
        raw = batch_get_raw(self._settings, [BalanceItem.key(m, c) for m, c in keys])
        items = (BalanceItem.from_raw_data(r) for r in raw.values())
        return {(i.member_id, i.currency): i for i in items}

    def save_statements(self, statements: list[MemberStatement]) -> None:
        """Statements first, then the balances that point past them (see the module's doc)."""
        with StatementItem.batch_write() as batch:
            for s in statements:
                st = s.statement
                batch.save(StatementItem(
                    *StatementItem.key(s.member_id, s.period, s.currency), period=s.period, currency=s.currency,
                    opening=st.opening, credits=st.credits, closing=st.closing, payable=st.payable,
                    payout=st.payout, lines=json.dumps([list(_line_fields(line)) for line in s.lines],
                                                       separators=(",", ":"))))
        with BalanceItem.batch_write() as batch:
            for s in statements:
                carried = s.statement.next_opening != 0
                batch.save(BalanceItem(
                    *BalanceItem.key(s.member_id, s.currency), member_id=s.member_id, currency=s.currency,
                    period=s.period, opening=s.statement.opening, next_opening=s.statement.next_opening,
                    gsi3pk=CARRY if carried else None, gsi3sk=f"{s.member_id}#{s.currency}" if carried else None))

    def statements(self, member_id: str, limit: int, after: str | None) -> tuple[list[StatementItem], str | None]:
        condition = StatementItem.sk < after if after else StatementItem.sk.startswith("PERIOD#")
        items = list(StatementItem.query(f"STATEMENT#{member_id}", condition, scan_index_forward=False,
                                         limit=limit + 1, page_size=limit + 1))
        page = items[:limit]
        return page, (page[-1].sk if len(items) > limit else None)

    def statements_of(self, member_id: str, period: str) -> list[tuple[StatementItem, list[Line]]]:
        items = StatementItem.query(f"STATEMENT#{member_id}", StatementItem.sk.startswith(f"PERIOD#{period}#"))
        return [(i, [Line(*fields) for fields in json.loads(i.lines)]) for i in items]


def _line_fields(line: Line) -> tuple:
    return (line.production_id, line.production_title, line.record_id, line.record_title, line.via, line.amount)


def _condition_failed(error) -> bool:
    return getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException"

