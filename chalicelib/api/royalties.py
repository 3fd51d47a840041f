"""Royalties: runs that close a period, members' statements, and every production's split in
the open (who gets what of its pool to date, lineage included)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from chalicelib import services
from chalicelib.api.cursors import Paging
from chalicelib.api.fields import Period
from chalicelib.api.productions import Money, visible_production
from chalicelib.api.records import Owner, Pagination
from chalicelib.api.routing import Access, RequestBody, ResponseModel, Router, csv_response, json_response
from chalicelib.errors import NotFound

router = Router("royalties")

Via = Literal["contribution", "lineage"]


class StartRun(RequestBody):
    period: Period


class Progress(ResponseModel):
    productions_done: int
    productions_total: int | None


class RunProduction(ResponseModel):
    production_id: str
    currency: str
    net: int = Field(description="net(T), integer minor units.")
    pool: int = Field(description="pool(T).")
    credited: int = Field(description="pool(T) − pool at the previous close.")


class RunOut(ResponseModel):
    period: str
    status: Literal["running", "closed"]
    started_at: str
    finished_at: str | None
    progress: Progress
    productions: list[RunProduction]


class StatementSummary(ResponseModel):
    period: str
    currency: str
    opening: int
    credits: int
    closing: int
    payable: bool
    payout: int


class StatementPage(ResponseModel):
    items: list[StatementSummary]
    next_cursor: str | None


class StatementLine(ResponseModel):
    production_id: str
    production_title: str
    record_id: str
    record_title: str
    via: Via
    amount: int


CSV_LINE_FIELDS = list(StatementLine.model_fields)


class Statement(ResponseModel):
    currency: str
    opening: int
    credits: int
    closing: int
    payable: bool
    payout: int
    lines: list[StatementLine]


class PeriodStatements(ResponseModel):
    period: str
    statements: list[Statement]


class RecordSplit(ResponseModel):
    record_id: str
    title: str
    owner: Owner
    weight: int | None = Field(description="Its contribution weight; null for a record reached through lineage only.")
    contribution: int = Field(description="What it keeps of its own contribution share.")
    lineage: int = Field(description="What reaches it from the records that build on it.")
    amount: int


class MemberSplit(ResponseModel):
    member: Owner
    amount: int


class Splits(ResponseModel):
    production_id: str
    status: Literal["draft", "released"]
    frozen: bool = Field(description="True once released: the lineage as it was at release. Drafts: a preview "
                                     "over today's lineage.")
    pool: Money = Field(description="The contributor pool from today's net.")
    contributor_share_bps: int
    upstream_share_bps: int
    records: list[RecordSplit]
    members: list[MemberSplit]


def _run_out(run) -> RunOut:
    figures = services.royalties().run_figures(run.period)
    return RunOut(
        period=run.period, status=run.status, started_at=run.started_at, finished_at=run.finished_at,
        progress=Progress(productions_done=run.productions_done, productions_total=run.productions_total),
        productions=[RunProduction(production_id=f.production_id, currency=f.currency, net=f.net, pool=f.pool,
                                   credited=f.credited) for f in figures],
    )


@router.route("POST", "/royalty-runs", summary="Start the run that closes a period (202; 200 if it exists)",
              access=Access.ADMIN, status=202, also=(200,), body=StartRun, response=RunOut, errors=(409, 422, 503))
def start_royalty_run(ctx):
    from chalicelib.jobs.royalties import start_run

    request = ctx.body()
    run, started = start_run(request.period)
    return json_response(_run_out(run), 202 if started else 200)


@router.route("GET", "/royalty-runs/{period}", summary="A royalty run, its progress and figures",
              access=Access.ADMIN, response=RunOut, path_params={"period": Period})
def get_royalty_run(ctx, period: str):
    run = services.royalties().get_run(period)
    if run is None:
        raise NotFound(f"No royalty run for '{period}'.")
    return _run_out(run)


@router.route("GET", "/me/statements", summary="My statements, newest first", access=Access.MEMBER,
              query=Pagination, response=StatementPage)
def list_statements(ctx):
    query = ctx.query()
    paging = Paging(ctx, "statements", query.cursor)
    items, last = services.royalties().statements(ctx.identity.member_id, query.limit, paging.after)
    return StatementPage(items=[StatementSummary(
        period=i.period, currency=i.currency, opening=i.opening, credits=i.credits, closing=i.closing,
        payable=i.payable, payout=i.payout) for i in items], next_cursor=paging.next_cursor(last))


@router.route("GET", "/me/statements/{period}", summary="My statements of a period (JSON, or text/csv lines)",
              access=Access.MEMBER, response=PeriodStatements, path_params={"period": Period})
def get_statements(ctx, period: str):
    found = services.royalties().statements_of(ctx.identity.member_id, period)
    statements = [Statement(
        currency=row.currency, opening=row.opening, credits=row.credits, closing=row.closing, payable=row.payable,
        payout=row.payout,
        lines=[StatementLine(production_id=line.production_id, production_title=line.production_title,
                             record_id=line.record_id, record_title=line.record_title, via=line.via,
                             amount=line.amount) for line in row.lines]) for row in found]
    if "text/csv" in (ctx.headers.get("accept") or ""):
        return csv_response(["currency", *CSV_LINE_FIELDS], [
            [statement.currency, *(getattr(line, f) for f in CSV_LINE_FIELDS)]
            for statement in statements for line in statement.lines])
    return PeriodStatements(period=period, statements=statements)


@router.route("GET", "/productions/{production_id}/splits", summary="How the pool to date splits, lineage included",
              access=Access.PUBLIC, response=Splits)
def get_splits(ctx, production_id: str):
    from chalicelib.api.productions import lineage_now
    from chalicelib.domain.royalties import CONTRIBUTION, LINEAGE, contributor_pool, split

    production = visible_production(ctx, production_id)
    repository = services.productions()
    lineage = lineage_now(production) if production.is_draft else repository.frozen_lineage(production)
    weights = {c.record_id: c.weight for c in repository.contributions(production)}
    pool = contributor_pool(production.totals.net, production.contributor_share_bps)
    amounts = split(pool, weights, {record_id: node.sources for record_id, node in lineage.items()},
                    production.upstream_share_bps)
    records, members = [], {}
    for record_id in sorted({record_id for record_id, _ in amounts} | set(weights)):
        node = lineage.get(record_id)
        if node is None:
            continue
        kept, passed_up = amounts.get((record_id, CONTRIBUTION), 0), amounts.get((record_id, LINEAGE), 0)
        owner = Owner(id=node.owner_id, handle=node.owner_handle)
        records.append(RecordSplit(record_id=record_id, title=node.title, owner=owner, weight=weights.get(record_id),
                                   contribution=kept, lineage=passed_up, amount=kept + passed_up))
        members.setdefault(node.owner_id, [owner, 0])[1] += kept + passed_up
    records.sort(key=lambda r: (-r.amount, r.record_id))
    return Splits(
        production_id=production.id, status=production.status, frozen=not production.is_draft,
        pool=Money(amount=pool, currency=production.currency), contributor_share_bps=production.contributor_share_bps,
        upstream_share_bps=production.upstream_share_bps, records=records,
        members=[MemberSplit(member=owner, amount=amount)
                 for owner, amount in sorted(members.values(), key=lambda m: (-m[1], m[0].id))],
    )
