"""Royalty runs: the period state, runs and their figures, frozen splits, statements, balances.

Every write a run makes is a function of what it read, so a run killed midway and started
again writes the same values: balances are not updated in place but written as a new set per
period (`CarriedBalancesItem`), and a run opens its statements from the set of the run before
it, which a rerun finds unchanged. The period is marked closed last.

A run closes its productions in batches (docs/royalty-fanout.md): its plan, which production is
in which batch, is written once; each batch's productions leave their figures and statement
lines keyed by period and production, and each batch is counted once, by one conditional write
that also says which batch was counted last: that one writes the statements.
"""
from __future__ import annotations

import hashlib
import itertools
import json
from collections import defaultdict
from collections.abc import Collection
from functools import partial

from pynamodb.constants import ALL_OLD
from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError

from chalicelib.config import Settings
from chalicelib.domain.clock import now_rfc3339
from chalicelib.domain.ids import new_id
from chalicelib.domain.production_names import CLOSED, CONTRIBUTION, LINEAGE, RUNNING
from chalicelib.domain.royalties import (
    CreditedLine, Key, Line, MemberStatement, ProductionFigures, ProductionLines, Run, StatementRow,
)
from chalicelib.errors import Conflict
from chalicelib.storage import background, columns
from chalicelib.storage.connection import batch_get_raw, bind_models, condition_failed, write_transaction
from chalicelib.storage.models import (
    CarriedBalancesItem, MainTableModel, PeriodsItem, ProductionItem, RunBatchItem, RunItem, RunLinesItem,
    RunProductionItem, SplitItem, StatementBucketItem,
)

BALANCES_CHUNK = 5_000  # carried balances per item: ~45 bytes each
STATEMENT_BUCKET_BYTES = 150_000  # buckets average this; hashing spreads them, well below 400 KB
SPLIT_CHUNK = 8_000  # amounts per item: ~40 bytes each
_VIA = {CONTRIBUTION: "c", LINEAGE: "l"}
_VIA_NAME = {v: k for k, v in _VIA.items()}
_LINE_COLUMNS = 6  # owner id, owner handle, record id, record title, via, amount
_credited_line = partial(tuple.__new__, CreditedLine)  # CreditedLine._make without its Python frame


class RoyaltyBook:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        bind_models(settings)

    # The period state (see storage.ledger: bookings go past `closing` and `closed_through`).
    # A run holds the period from the moment it is accepted until it has closed: `closing` is
    # set with the run's item, in one transaction, and only a claim's own run clears it.

    def period_state(self) -> tuple[str | None, str | None]:
        try:
            item = PeriodsItem.get(*PeriodsItem.key(), consistent_read=True)
        except DoesNotExist:
            return None, None
        return item.closed_through, item.closing

    def begin_closing(self, period: str) -> tuple[Run, bool]:
        """Accepts the run of `period`: puts it, and marks the period closing (new entries go past
        it from here on), in one transaction, on the conditions that the run does not exist, no
        other run holds the periods and none at or after `period` is closed. Returns (the run,
        True), or (the stored run, False) when it exists already; Conflict when the periods
        refuse it. Of any number of concurrent starts, at most one is accepted."""
        run = RunItem(*RunItem.key(period), period=period, status=RUNNING, started_at=now_rfc3339(), gsi1sk=period)

        def fill(tx) -> None:
            tx.save(run, condition=RunItem.pk.does_not_exist(), return_values=ALL_OLD)
            tx.update(PeriodsItem(*PeriodsItem.key()), actions=[PeriodsItem.closing.set(period)],
                      condition=PeriodsItem.closing.does_not_exist()
                      & (PeriodsItem.closed_through.does_not_exist() | (PeriodsItem.closed_through < period)),
                      return_values=ALL_OLD)

        try:
            write_transaction(self._settings, fill)
        except TransactWriteError as e:
            if condition_failed(e, 0):
                return _run(RunItem.from_raw_data(e.cancellation_reasons[0].raw_item)), False
            if condition_failed(e, 1):
                state = PeriodsItem.from_raw_data(e.cancellation_reasons[1].raw_item)
                if state.closing:
                    raise Conflict(f"The run for {state.closing} is in progress; start {period} when it has "
                                   f"closed.") from e
                raise Conflict(f"Periods through {state.closed_through} are closed; {period} was closed without "
                               f"a run of its own.") from e
            raise
        return _run(run), True

    def forget_run(self, period: str) -> bool:
        """Undoes `begin_closing` when the run could not be queued: the run and its hold on the
        periods go together. False when the run has begun after all (the message did go)."""
        def fill(tx) -> None:
            tx.delete(RunItem(*RunItem.key(period)),
                      condition=(RunItem.status == RUNNING) & RunItem.productions_total.does_not_exist())
            tx.update(PeriodsItem(*PeriodsItem.key()), actions=[PeriodsItem.closing.remove()],
                      condition=PeriodsItem.closing == period)

        try:
            write_transaction(self._settings, fill)
        except TransactWriteError as e:
            if not condition_failed(e):
                raise
            return False
        return True

    def take_up(self, period: str, production_ids: list[str], per_batch: int) -> Run | None:
        """The run's first write, once it holds the periods: its plan, the productions cut into
        batches of `per_batch` (at least one batch, so that a run of no production still closes).
        The batches are written under a token of their own and the run takes them up with one
        conditional write, so of two deliveries planning at once one plan is taken up, and both
        return it. None when the run is not running (it was forgotten, or has closed)."""
        plan = new_id()
        batches = [production_ids[start:start + per_batch]
                   for start in range(0, len(production_ids), per_batch)] or [[]]
        with RunBatchItem.batch_write() as batch:
            for number, ids in enumerate(batches):
                batch.save(RunBatchItem(*RunBatchItem.key(period, plan, number), production_ids=",".join(ids)))
        try:
            item = RunItem(*RunItem.key(period))
            item.update(actions=[RunItem.plan.set(plan), RunItem.batches.set(len(batches)),
                                 RunItem.productions_total.set(len(production_ids))],
                        condition=(RunItem.status == RUNNING) & RunItem.plan.does_not_exist())
        except UpdateError as e:
            if not condition_failed(e):
                raise
            with RunBatchItem.batch_write() as batch:  # nobody reads a plan that was not taken up
                for number in range(len(batches)):
                    batch.delete(RunBatchItem(*RunBatchItem.key(period, plan, number)))
            run = self.get_run(period)
            return run if run is not None and run.status == RUNNING else None
        return _run(item)

    def batch(self, period: str, plan: str, batch: int) -> list[str]:
        """The production ids of batch `batch` of the plan."""
        item = RunBatchItem.get(*RunBatchItem.key(period, plan, batch), consistent_read=True)
        return list(filter(None, item.production_ids.split(",")))

    def count_batch(self, period: str, batch: int, productions: int) -> Run | None:
        """Counts the batch as done, once: its number joins the run's counted batches, on the
        condition that it is not among them and the run still runs, and it becomes the run's
        `last_batch`; the productions it closed add to the progress. Returns the run as that
        write left it, or None when the condition refused it (counted already, or closed)."""
        item = RunItem(*RunItem.key(period))
        try:
            item.update(actions=[RunItem.batches_counted.add({batch}), RunItem.last_batch.set(batch),
                                 RunItem.productions_done.add(productions)],
                        condition=(RunItem.status == RUNNING) & ~RunItem.batches_counted.contains(batch))
        except UpdateError as e:
            if condition_failed(e):
                return None
            raise
        return _run(item)

    def finish_closing(self, period: str) -> None:
        """`period` becomes the last closed one, if its run still holds the periods: closed_through
        never moves back. A second delivery of the run that finds it closed already changes nothing."""
        try:
            PeriodsItem(*PeriodsItem.key()).update(
                actions=[PeriodsItem.closed_through.set(period), PeriodsItem.closing.remove()],
                condition=(PeriodsItem.closing == period)
                & (PeriodsItem.closed_through.does_not_exist() | (PeriodsItem.closed_through < period)))
        except UpdateError as e:
            closed_through, _ = self.period_state()
            if not condition_failed(e) or not closed_through or closed_through < period:
                raise

    def close_production(self, production_id: str, period: str) -> None:
        """Closes `period` and every earlier one for the production: a booking racing the run
        fails its condition (see storage.ledger) and goes to the next open period."""
        ProductionItem(*ProductionItem.key(production_id)).update(actions=[ProductionItem.closed_through.set(period)])

    # Runs.

    def run_and_period_state(self, period: str) -> tuple[Run | None, str | None, str | None]:
        """`get_run` and `period_state` in one round trip (a BatchGetItem, consistent)."""
        run_key, periods_key = RunItem.key(period), PeriodsItem.key()
        found = batch_get_raw(self._settings, [run_key, periods_key])
        run = found.get(run_key)
        periods = PeriodsItem.from_raw_data(found[periods_key]) if periods_key in found else None
        return (_run(RunItem.from_raw_data(run)) if run else None,
                periods.closed_through if periods else None, periods.closing if periods else None)

    def get_run(self, period: str) -> Run | None:
        try:
            return _run(RunItem.get(*RunItem.key(period), consistent_read=True))
        except DoesNotExist:
            return None

    def mark_run_closed(self, period: str) -> None:
        try:
            RunItem(*RunItem.key(period)).update(
                actions=[RunItem.status.set(CLOSED), RunItem.finished_at.set(now_rfc3339())],
                condition=RunItem.status == RUNNING)
        except UpdateError as e:
            if not condition_failed(e):
                raise

    def run_figures(self, period: str) -> list[ProductionFigures]:
        items = RunProductionItem.query(RunItem.key(period)[0], RunProductionItem.sk.startswith("PRODUCTION#"),
                                        consistent_read=True)
        return [ProductionFigures(i.production_id, i.currency, int(i.net), int(i.pool), int(i.credited))
                for i in items]

    # A production's split at each close.

    def previous_split(self, production_id: str, period: str, allocated_through: str | None = None) -> dict[Key, int]:
        """The cumulative amounts at the latest close before `period` that included it. Given the
        production's `allocated_through` (that close, once it wrote its split), one Query of its
        chunks; otherwise its last chunk comes first (a reverse Query of one item), then the
        chunks before it."""
        partition = ProductionItem.key(production_id)[0]
        amounts: dict[Key, int] = {}
        if allocated_through is not None and allocated_through < period:
            found = False
            for item in SplitItem.query(partition, SplitItem.sk.startswith(SplitItem.prefix(allocated_through)),
                                        consistent_read=True):
                _add_amounts(item, amounts)
                found = True
            if found:  # else a close that wrote no split under that name: looked for as below
                return amounts
        last = next(iter(SplitItem.query(partition, SplitItem.sk.between("SPLIT#", SplitItem.prefix(period)),
                                         scan_index_forward=False, limit=1, consistent_read=True)), None)
        if last is None or last.sk >= SplitItem.prefix(period):
            return {}
        for item in _with_earlier_chunks(SplitItem, partition, last):
            _add_amounts(item, amounts)
        return amounts

    def save_figures(self, period: str, production_id: str, title: str, currency: str, net: int, pool: int,
                     credited: int, amounts: dict[Key, int], lines: list[CreditedLine]) -> None:
        """A production's close, keyed by period and production (a second write is the same):
        its split, its figures, and the statement lines it credits (read back in this order)."""
        packed = sorted([f"{record_id}:{_VIA[via]}={amount}" for (record_id, via), amount in amounts.items()])
        rows = [(owner_id, handle, record_id, title, _VIA[via], amount)
                for owner_id, handle, record_id, title, via, amount in lines]
        with MainTableModel.batch_write() as batch:  # items of several kinds, one table: one BatchWriteItem
            for number, start in enumerate(range(0, max(len(packed), 1), SPLIT_CHUNK)):
                batch.save(SplitItem(*SplitItem.key(production_id, period, number),
                                     amounts=",".join(packed[start:start + SPLIT_CHUNK])))
            for number, chunk in enumerate(columns.pack(rows, _LINE_COLUMNS)):
                batch.save(RunLinesItem(*RunLinesItem.key(period, production_id, number), currency=currency,
                                        production_title=title, packed=chunk))
            batch.save(RunProductionItem(*RunProductionItem.key(period, production_id), production_id=production_id,
                                         currency=currency, net=net, pool=pool, credited=credited))
        ProductionItem(*ProductionItem.key(production_id)).update(
            actions=[ProductionItem.allocated.set(pool), ProductionItem.allocated_through.set(period)])

    def run_lines(self, period: str, skip: Collection[str] = ()) -> list[ProductionLines]:
        """The statement lines every production of the run credited, but those of `skip`'s
        productions (their items are not decoded)."""
        closes: list[ProductionLines] = []
        prefix = RunLinesItem.PREFIX
        for item in RunLinesItem.query(RunItem.key(period)[0], RunLinesItem.sk.startswith(prefix),
                                       consistent_read=True):
            production_id = item.sk[len(prefix):].rpartition("#")[0]
            if production_id in skip:
                continue
            if not closes or closes[-1].production_id != production_id:  # a production's chunks come in a row
                closes.append(ProductionLines(production_id, item.production_title, item.currency, []))
            owners, handles, record_ids, titles, vias, amounts = columns.unpack(item.packed)
            closes[-1].lines.extend(map(_credited_line, zip(owners, handles, record_ids, titles,
                                                            map(_VIA_NAME.__getitem__, vias), amounts)))
        return closes

    # Statements and balances.

    def carried_before(self, period: str) -> dict[tuple[str, str], int]:
        """The balances carried forward by the latest run before `period`: (member, currency) → amount.
        Its last chunk comes first (a reverse Query of one item), then the chunks before it."""
        partition = CarriedBalancesItem.PARTITION
        last = next(iter(CarriedBalancesItem.query(partition, CarriedBalancesItem.sk < period,
                                                   scan_index_forward=False, limit=1, consistent_read=True)), None)
        if last is None:
            return {}
        carried: dict[tuple[str, str], int] = {}
        for item in _with_earlier_chunks(CarriedBalancesItem, partition, last):
            _add_balances(item, carried)
        return carried

    def save_statements(self, period: str, statements: list[MemberStatement],
                        handles: dict[str, str] | None = None) -> None:
        """The statements, their payouts (one per payable statement, written once however often
        this runs: storage.payouts) and the balances they carry forward (see the module's doc).
        The payouts are written on a storage thread meanwhile, and waited for before this returns
        (or raises): every write is determined by the statements, so their order does not matter
        to a run repeated after a crash."""
        payouts = background.start(self.save_payouts, period, statements, handles or {})
        try:
            self._save_statement_rows(period, statements)
        finally:
            payouts.result()

    def _save_statement_rows(self, period: str, statements: list[MemberStatement]) -> None:
        rows: dict[str, list] = defaultdict(list)
        for s in statements:
            st = s.statement
            rows[s.member_id].append([s.currency, st.opening, st.credits, st.closing, st.payable, st.payout,
                                      s.lines])  # a tuple of named tuples: JSON arrays
        # Each member's rows are encoded once, and a bucket's JSON object is put together from them.
        encoded = {member_id: f"{json.dumps(member_id)}:{json.dumps(member_rows, separators=(',', ':'))}"
                   for member_id, member_rows in rows.items()}
        buckets = max(1, -(-sum(map(len, encoded.values())) // STATEMENT_BUCKET_BYTES))
        grouped: list[list[str]] = [[] for _ in range(buckets)]
        for member_id, member_json in encoded.items():
            grouped[bucket_of(member_id, buckets)].append(member_json)
        with StatementBucketItem.batch_write() as batch:
            for number, group in enumerate(grouped):
                batch.save(StatementBucketItem(*StatementBucketItem.key(period, number),
                                               statements="{" + ",".join(group) + "}"))
        RunItem(*RunItem.key(period)).update(actions=[RunItem.statement_buckets.set(buckets)])
        carried = [f"{s.member_id}:{s.currency}={s.statement.next_opening}" for s in statements
                   if s.statement.next_opening]
        with CarriedBalancesItem.batch_write() as batch:
            for number, start in enumerate(range(0, max(len(carried), 1), BALANCES_CHUNK)):
                batch.save(CarriedBalancesItem(*CarriedBalancesItem.key(period, number),
                                               balances=",".join(carried[start:start + BALANCES_CHUNK])))

    def save_payouts(self, period: str, statements: list[MemberStatement], handles: dict[str, str]) -> int:
        """One payout per payable statement with a payout (member × currency); those a previous
        attempt of this run wrote are left as they are. Returns the round trips it took."""
        from chalicelib.domain.payouts import new_payout
        from chalicelib.storage.payouts import PayoutBook

        now = now_rfc3339()
        return PayoutBook(self._settings).create_all(
            new_payout(period, s.member_id, handles.get(s.member_id, ""), s.currency, s.statement.payout, now)
            for s in statements if s.statement.payable and s.statement.payout > 0)

    def statements_of(self, member_id: str, period: str) -> list[StatementRow]:
        """The member's statements of `period`, one per currency."""
        try:
            run = RunItem.get(*RunItem.key(period))
        except DoesNotExist:
            return []
        if run.statement_buckets is None:
            return []
        found = batch_get_raw(self._settings, [_bucket_key(member_id, period, int(run.statement_buckets))])
        return [row for raw in found.values() for row in _rows(member_id, period, raw)]

    def statements(self, member_id: str, limit: int, after: str | None) -> tuple[list[StatementRow], str | None]:
        """The member's statements, newest period first (currencies in order within one); `after`
        is the `<period>#<currency>` of the last one already listed."""
        after_period, _, after_currency = (after or "").partition("#")
        condition = RunItem.gsi1sk <= after_period if after else None
        runs = (r for r in RunItem.gsi1.query("RUNS", range_key_condition=condition, scan_index_forward=False)
                if r.statement_buckets is not None)
        listed: list[StatementRow] = []
        while len(listed) <= limit:
            batch = list(itertools.islice(runs, 100))
            if not batch:
                break
            keys = [_bucket_key(member_id, r.period, int(r.statement_buckets)) for r in batch]
            found = batch_get_raw(self._settings, keys)
            for run, key in zip(batch, keys):
                for row in _rows(member_id, run.period, found.get(key)):
                    if not after or row.period < after_period or row.currency > after_currency:
                        listed.append(row)
        page = listed[:limit]
        return page, (f"{page[-1].period}#{page[-1].currency}" if len(listed) > limit else None)


def _with_earlier_chunks(model, partition: str, last):
    """The chunks `<prefix>#0000` ... before `last` (read in one Query), then `last`, which was
    read first to find the prefix."""
    prefix, _, chunk = last.sk.rpartition("#")
    if int(chunk):
        yield from model.query(partition, model.sk.between(f"{prefix}#", f"{prefix}#{int(chunk) - 1:04d}"),
                               consistent_read=True)
    yield last


def _add_amounts(item: SplitItem, into: dict[Key, int]) -> None:
    for packed in filter(None, item.amounts.split(",")):  # an empty pool leaves an empty chunk
        key, _, amount = packed.partition("=")
        record_id, _, via = key.rpartition(":")
        into[(record_id, _VIA_NAME[via])] = int(amount)


def _add_balances(item: CarriedBalancesItem, into: dict[tuple[str, str], int]) -> None:
    for packed in filter(None, item.balances.split(",")):
        key, _, amount = packed.rpartition("=")
        member_id, _, currency = key.rpartition(":")
        into[(member_id, currency)] = int(amount)


def bucket_of(member_id: str, buckets: int) -> int:
    return int(hashlib.sha256(member_id.encode()).hexdigest()[:8], 16) % buckets


def _bucket_key(member_id: str, period: str, buckets: int) -> Key:
    return StatementBucketItem.key(period, bucket_of(member_id, buckets))


def _rows(member_id: str, period: str, raw: dict | None) -> list[StatementRow]:
    if raw is None:
        return []
    member_rows = json.loads(StatementBucketItem.from_raw_data(raw).statements).get(member_id, [])
    return [StatementRow(period, currency, opening, credits, closing, payable, payout,
                         tuple(Line(*fields) for fields in lines))
            for currency, opening, credits, closing, payable, payout, lines in member_rows]


def _run(item: RunItem) -> Run:
    return Run(item.period, item.status, item.started_at, item.finished_at,
               int(item.productions_total) if item.productions_total is not None else None,
               int(item.productions_done or 0), item.plan, int(item.batches) if item.batches is not None else None,
               frozenset(int(n) for n in item.batches_counted or ()),
               int(item.last_batch) if item.last_batch is not None else None)

