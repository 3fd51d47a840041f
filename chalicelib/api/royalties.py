"""Royalties: runs that close a period, members' statements, and every production's split in
the open (who gets what of its pool to date, lineage included).

Handlers import `logic.royalties` and `logic.splits` when they run: they load the domain's
values and rules, which a cold start does not need."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from chalicelib.api.fields import Period
from chalicelib.api.models import (
    MemberSplit, Money, Page, Pagination, RecordSplit, member_splits, paginate, record_splits,
)
from chalicelib.api.routing import Access, RequestBody, ResponseModel, Router, csv_response, json_response
from chalicelib.domain.production_names import RUN_STATUSES, STATUSES, VIAS

router = Router("royalties")

Via = Literal[VIAS]


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
    status: Literal[RUN_STATUSES]
    started_at: str
    finished_at: str | None
    progress: Progress
    productions: list[RunProduction]


class StatementSummary(ResponseModel):
    member_id: str = Field(description="The profile it is owed to: after DELETE /me an identity reads the "
                                        "statements of every profile it has had.")
    period: str
    currency: str
    opening: int
    credits: int
    closing: int
    payable: bool
    payout: int
    payout_id: str | None = Field(default=None, description="The payout that sends `payout` (GET /me/payouts); "
                                                             "null when nothing is payable.")


MIN_PAYOUT_TEXT = ("Beyond the contract: the minimum payout (REMIXERY_MIN_PAYOUT), in minor units of each "
                   "statement's currency. A closing balance under it is not payable and carries forward.")


class StatementPage(Page[StatementSummary]):
    min_payout: int = Field(description=MIN_PAYOUT_TEXT)


class StatementLine(ResponseModel):
    production_id: str
    production_title: str
    record_id: str
    record_title: str
    via: Via
    amount: int = Field(description="Integer minor units of the statement's currency (cents for USD), as is the "
                                    "`amount` column of the text/csv download.")


CSV_LINE_FIELDS = list(StatementLine.model_fields)


class Statement(ResponseModel):
    member_id: str = Field(description="The profile it is owed to (see GET /me/statements).")
    currency: str
    opening: int
    credits: int
    closing: int
    payable: bool
    payout: int
    payout_id: str | None = Field(default=None, description="The payout that sends `payout`; null when nothing "
                                                             "is payable.")
    lines: list[StatementLine]


class PeriodStatements(ResponseModel):
    period: str
    statements: list[Statement]
    min_payout: int = Field(description=MIN_PAYOUT_TEXT)


class Splits(ResponseModel):
    production_id: str
    status: Literal[STATUSES]
    frozen: bool = Field(description="True once released: the lineage as it was at release. Drafts: a preview "
                                     "over today's lineage.")
    pool: Money = Field(description="The contributor pool from today's net.")
    contributor_share_bps: int
    upstream_share_bps: int
    records: list[RecordSplit]
    members: list[MemberSplit]


def run_out(view) -> RunOut:
    """A `logic.royalties.RunView` as answered."""
    run = view.run
    return RunOut(
        period=run.period, status=run.status, started_at=run.started_at, finished_at=run.finished_at,
        progress=Progress(productions_done=run.productions_done, productions_total=run.productions_total),
        productions=[RunProduction(production_id=f.production_id, currency=f.currency, net=f.net, pool=f.pool,
                                   credited=f.credited) for f in view.figures],
    )


def statement_summaries(rows: list) -> list[StatementSummary]:
    """(member id, `StatementRow`) pairs as answered."""
    return [StatementSummary(member_id=m, period=r.period, currency=r.currency, opening=r.opening, credits=r.credits,
                             closing=r.closing, payable=r.payable, payout=r.payout, payout_id=_payout_id(m, r))
            for m, r in rows]


def _payout_id(member_id: str, row) -> str | None:
    """A payable statement's payout: its id is derived from period, member and currency."""
    if not (row.payable and row.payout > 0):
        return None
    from chalicelib.domain.payouts import payout_id

    return payout_id(row.period, member_id, row.currency)


def statement_out(member_row) -> Statement:
    member_id, row = member_row
    return Statement(
        member_id=member_id, currency=row.currency, opening=row.opening, credits=row.credits, closing=row.closing, payable=row.payable,
        payout=row.payout, payout_id=_payout_id(member_id, row),
        lines=[StatementLine(production_id=line.production_id, production_title=line.production_title,
                             record_id=line.record_id, record_title=line.record_title, via=line.via,
                             amount=line.amount) for line in row.lines])


def splits_out(found) -> Splits:
    """A `logic.splits.ProductionSplit` as answered."""
    production = found.production
    return Splits(
        production_id=production.id, status=production.status, frozen=not production.is_draft,
        pool=Money(amount=found.pool, currency=production.currency),
        contributor_share_bps=production.contributor_share_bps, upstream_share_bps=production.upstream_share_bps,
        records=record_splits(found.records), members=member_splits(found.members),
    )


@router.route("POST", "/royalty-runs", summary="Start the run that closes a period (202; 200 if it exists)",
              access=Access.ADMIN, status=202, also=(200,), body=StartRun, response=RunOut, errors=(409, 422, 503))
def start_royalty_run(ctx):
    from chalicelib.logic import royalties

    view, started = royalties.request_run(ctx.body().period)
    return json_response(run_out(view), 202 if started else 200)


@router.route("GET", "/royalty-runs/{period}", summary="A royalty run, its progress and figures",
              access=Access.ADMIN, response=RunOut, path_params={"period": Period})
def get_royalty_run(ctx, period: str):
    from chalicelib.logic import royalties

    return run_out(royalties.view(period))


# Access.IDENTITY: a deleted profile's identity still reads what it is owed (every profile it has
# had, `logic.your_data.member_ids`); an identity that never registered is 403 "register first".
@router.route("GET", "/me/statements", summary="My statements, newest first (every profile I have had)",
              access=Access.IDENTITY, query=Pagination, response=StatementPage)
def list_statements(ctx):
    from chalicelib.logic import your_data

    sub = ctx.principal.sub
    return paginate(ctx, StatementPage, "statements", ctx.query(),
                    lambda limit, after: your_data.statements_page(sub, limit, after), statement_summaries,
                    min_payout=ctx.settings.min_payout)


@router.route("GET", "/me/statements/{period}", summary="My statements of a period (JSON, or text/csv lines)",
              access=Access.IDENTITY, response=PeriodStatements, path_params={"period": Period},
              csv="the lines, one row each, with a header row: `currency` and the line's fields. `amount` is in "
                  "integer minor units of `currency` (cents for USD), never a decimal.")
def get_statements(ctx, period: str):
    from chalicelib.logic import your_data

    statements = [statement_out(row) for row in your_data.statements_of(ctx.principal.sub, period)]
    if "text/csv" in (ctx.headers.get("accept") or ""):
        return csv_response(["currency", *CSV_LINE_FIELDS], [
            [statement.currency, *(getattr(line, f) for f in CSV_LINE_FIELDS)]
            for statement in statements for line in statement.lines])
    return PeriodStatements(period=period, statements=statements, min_payout=ctx.settings.min_payout)


@router.route("GET", "/productions/{production_id}/splits", summary="How the pool to date splits, lineage included",
              access=Access.PUBLIC, response=Splits)
def get_splits(ctx, production_id: str):
    from chalicelib.logic import splits

    return splits_out(splits.production_split(ctx.principal, production_id))
