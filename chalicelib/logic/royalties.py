"""Royalty runs: starting the run that closes a period (from the API or the monthly schedule)
and the run itself, which closes the period for every production and credits members in the
background (starting only queues it; a crash is retried from the queue). The run fans out: it
queues its productions in batches, workers close them in parallel, and the last batch counted
writes the statements (docs/royalty-fanout.md).

The run reads per-period totals, contribution lists, the lineage frozen at release and the
split of the previous close — never individual sales — so its reads do not grow with sales.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from chalicelib import services
from chalicelib.logic import payouts
from chalicelib.domain.clock import utcnow
from chalicelib.domain.production_names import RUNNING
from chalicelib.domain.royalties import (
    CreditedLine, MemberStatement, ProductionFigures, ProductionLines, Run, StatementRow, Totals, contributor_pool,
    credits, member_lines, previous_month, settle, split,
)
from chalicelib.errors import Conflict, NotFound, RuleViolation, ServiceUnavailable
from chalicelib.observability import get_logger

PRODUCTIONS_PER_BATCH = 100  # a worker's share of a run: ~10 round trips each, well under its 5 minutes


@dataclass(frozen=True)
class RunView:
    """A run as it stands, with the figures of the productions it has closed so far."""

    run: Run
    figures: list[ProductionFigures]


def start_run(period: str, now: datetime | None = None) -> tuple[Run, bool]:
    """Queues the run of `period`; returns (run, started). A period runs once: an existing run is
    returned as it stands. Periods close in order, so one at or before the last close, or any
    while another runs, cannot start (Conflict): accepting a run and claiming the periods for it
    are one conditional write, so concurrent starts cannot both pass."""
    book = services.royalties()
    if period >= (now or utcnow()).strftime("%Y-%m"):
        raise RuleViolation(f"{period} has not ended yet; a period can be run from the first day after it.")
    run, started = book.begin_closing(period)
    if not started:
        return run, False
    try:
        services.royalty_queue().send(period)
    except Exception as e:
        if book.forget_run(period):
            raise ServiceUnavailable("The run could not be queued; try again shortly.") from e
        get_logger().warning("the run's message failed to send, yet the run has begun", extra={"period": period})
    return run, True


def start_scheduled(now: datetime | None = None) -> dict:
    """The monthly schedule: queues last month's run unless it or a later period is closed."""
    period = previous_month(now or utcnow())
    try:
        run, started = start_run(period, now)
    except (Conflict, RuleViolation) as skipped:
        get_logger().info("scheduled royalty run skipped", extra={"period": period, "reason": skipped.detail})
        return {"period": period, "started": False}
    return {"period": period, "started": started, "status": run.status}


def request_run(period: str) -> tuple[RunView, bool]:
    """POST /royalty-runs: `start_run`, answered with the run as it stands."""
    run, started = start_run(period)
    return RunView(run, services.royalties().run_figures(period)), started


def view(period: str) -> RunView:
    run = services.royalties().get_run(period)
    if run is None:
        raise NotFound(f"No royalty run for '{period}'.")
    return RunView(run, services.royalties().run_figures(period))


def statements_page(member_id: str, limit: int, after: str | None) -> tuple[list[StatementRow], str | None]:
    """The member's statements, newest period first."""
    return services.royalties().statements(member_id, limit, after)


def statements_of(member_id: str, period: str) -> list[StatementRow]:
    """The member's statements of `period`, one per currency."""
    return services.royalties().statements_of(member_id, period)


def run_period(period: str) -> None:
    """The run function: takes up the run of `period` (and any earlier open one) — its plan,
    every production in batches of `PRODUCTIONS_PER_BATCH`, fixed once — and queues each batch
    to the workers (`close_batch`). Delivered again, it queues the same batches again: a batch
    already counted is skipped."""
    book = services.royalties()
    run = _holding(book, period)
    if run is None:
        return
    if run.plan is None:
        everything = services.productions().all_productions()
        run = book.take_up(period, [production.id for production in everything], PRODUCTIONS_PER_BATCH)
        if run is None:
            get_logger().warning("the royalty run was withdrawn before it began", extra={"period": period})
            return
    services.royalty_batch_queue().send(period, range(run.batches))


def close_batch(period: str, batch: int) -> None:
    """A worker: closes batch `batch` of the run's productions (each production's figures and
    lines are keyed by period and production, so a batch delivered again writes the same), then
    counts the batch, once. The batch counted last writes the statements (`_finish`); a
    delivery of that batch again after a crash finishes what it had not."""
    book, productions = services.royalties(), services.productions()
    run = _holding(book, period)
    if run is None:
        return
    closed = None  # the lines of the batch's productions, once closed here
    if batch not in run.counted:
        production_ids = book.batch(period, run.plan, batch)
        closed = []
        with gc_paused():
            for production in productions.get_many(production_ids):
                book.close_production(production.id, period)
                if production.is_released:  # a proposal pays nothing until it is released
                    closed.append(_run_production(book, productions, production, period))
        run = book.count_batch(period, batch, len(production_ids)) or book.get_run(period)
    if run.status == RUNNING and run.last_counted and run.last_batch == batch:
        closes = closed or []
        if closed is None or run.batches > 1:  # the lines it holds are not read back (a run of one batch: none)
            closes += book.run_lines(period, {c.production_id for c in closes})
        _finish(book, period, closes)


def _holding(book, period: str) -> Run | None:
    """The running run of `period` while it holds the periods; None (and nothing to do) otherwise."""
    run, closed_through, closing = book.run_and_period_state(period)
    if run is None or run.status != RUNNING:
        get_logger().warning("no running royalty run for this period", extra={"period": period})
        return None
    if closing != period:
        # Closed already (a delivery again after a crash before the run's last write): writing
        # its figures again could overwrite a later close's.
        if closed_through and closed_through >= period:
            book.mark_run_closed(period)
        else:
            get_logger().error("a running royalty run that does not hold the periods", extra={"period": period})
        return None
    return run


def _finish(book, period: str, closes: list[ProductionLines]) -> None:
    """The statements from every production's lines, their payouts, then the close. Safe to
    repeat: every write is determined by what was read, and the period is marked closed last."""
    with gc_paused():
        lines, handles = member_lines(closes)
        statements = _statements(book, period, lines)
        book.save_statements(period, statements, handles)  # and their payouts, once
        payouts.start_sending(period, statements)  # before the close: a crash here runs it again
        book.finish_closing(period)
        book.mark_run_closed(period)
    from chalicelib.logic.announcements import statements_ready

    statements_ready(period, [s.member_id for s in statements])  # after the run closed: statement_ready


@contextmanager
def gc_paused():
    """A run holds ~10^5 long-lived objects (the frozen lineage, the splits) and makes no
    reference cycles; the cyclic collector would rescan them all at every collection, which
    doubles the run's time. Plain reference counting still frees everything."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _run_production(book, productions, production, period: str) -> ProductionLines:
    # Read after closing: whatever was booked up to `period` is in, and nothing more can be.
    totals = sum((t for p, t in productions.period_totals(production.id).items() if p <= period), Totals())
    pool = contributor_pool(totals.net, production.contributor_share_bps)
    lineage = productions.frozen_columns(production)
    weights = {c.record_id: c.weight for c in productions.contributions(production)}
    amounts = split(pool, weights, lineage.sources_by_id(), production.upstream_share_bps)
    previous = book.previous_split(production.id, period, production.allocated_through)
    credited = credits(amounts, previous)
    index = lineage.index({record_id for record_id, _ in credited})
    owners, handles, titles = lineage.owner_ids, lineage.owner_handles, lineage.titles
    lines = []
    for record_id, via in sorted(credited):
        at = index[record_id]
        lines.append(CreditedLine(owners[at], handles[at], record_id, titles[at], via, credited[(record_id, via)]))
    book.save_figures(period, production.id, production.title, production.currency, totals.net, pool,
                      pool - sum(previous.values()), amounts, lines)
    return ProductionLines(production.id, production.title, production.currency, lines)


def _statements(book, period: str, lines) -> list:
    """Every member with a credit or a carried balance gets a statement per currency."""
    from chalicelib.config import get_settings

    carried = book.carried_before(period)
    minimum = get_settings().min_payout
    statements = []
    for member_id, currency in sorted(set(lines) | set(carried)):
        member_lines = sorted(lines.get((member_id, currency), []),
                              key=lambda line: (line.production_id, line.record_id, line.via))
        statement = settle(carried.get((member_id, currency), 0), sum(line.amount for line in member_lines), minimum)
        statements.append(MemberStatement(member_id, period, currency, statement, tuple(member_lines)))
    return statements
