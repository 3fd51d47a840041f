"""Productions: what gets sold. Its producer (or an admin) shapes a draft, opens its payment
proposal (api/proposals.py), releases it, books costs and reads its ledger; the public sees
released productions with their totals to date.

Handlers import `logic.productions` when they run: it loads the domain's values and rules,
which a cold start does not need."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from chalicelib.api.fields import MULTILINE, Day, Id, UniqueItems, no_control_characters, omittable
from chalicelib.api.models import Money, Owner, Page, Pagination, paginate
from chalicelib.api.routing import Access, RequestBody, ResponseModel, Router
from chalicelib.domain.money import MAX_AMOUNT
from chalicelib.domain.production_names import (
    DEFAULT_CONTRIBUTOR_SHARE_BPS, DEFAULT_UPSTREAM_SHARE_BPS, FORMATS, MAX_CONTRIBUTIONS, MAX_PRODUCTS, STATUSES,
)
from chalicelib.domain.sales import COST, PROVIDERS, STORE_KINDS

router = Router("productions")

Format = Literal[FORMATS]
Bps = Annotated[int, Field(ge=0, le=10_000, description="Basis points: 10000 = 100%.")]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120),
                  no_control_characters()]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$"),
                     Field(description="ISO 4217; compared case-insensitively, returned uppercase.")]


class ProductIn(RequestBody):
    provider: Literal[PROVIDERS]
    product_id: Annotated[str, StringConstraints(min_length=1, max_length=255), no_control_characters()]


Products = Annotated[list[ProductIn], Field(max_length=MAX_PRODUCTS,
                                            description="Store products this production sells; each maps "
                                                        "to one production only (409)."), UniqueItems()]


def _products(products: list[ProductIn]) -> tuple:
    from chalicelib.domain.productions import Product

    return tuple(Product(p.provider, p.product_id) for p in products)


class CreateProduction(RequestBody):
    title: Title
    format: Format
    currency: Currency
    collaboration_id: Id | None = None
    contributor_share_bps: Bps = DEFAULT_CONTRIBUTOR_SHARE_BPS
    upstream_share_bps: Bps = DEFAULT_UPSTREAM_SHARE_BPS
    products: Products = []

    def details(self) -> dict:
        fields = {name: getattr(self, name) for name in type(self).model_fields}
        return {**fields, "products": _products(self.products)}


class UpdateProduction(RequestBody):
    """Fields left out keep their value; only `collaboration_id` may be null."""

    title: Title = omittable()
    format: Format = omittable()
    currency: Currency = omittable("Only while nothing is booked (409).")
    collaboration_id: Id | None = Field(default=None, description="null detaches it.")
    contributor_share_bps: Bps = omittable()
    upstream_share_bps: Bps = omittable()
    products: Products = omittable()

    def changes(self) -> dict:
        return {name: _products(self.products) if name == "products" else getattr(self, name)
                for name in self.model_fields_set}


class ContributionIn(RequestBody):
    record_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    weight: Annotated[int, Field(ge=1, le=1_000_000)]


class ReplaceContributions(RequestBody):
    contributions: Annotated[list[ContributionIn], Field(max_length=MAX_CONTRIBUTIONS)]

    def listed(self) -> list:
        from chalicelib.domain.productions import Contribution

        return [Contribution(c.record_id, c.weight) for c in self.contributions]


class MoneyIn(RequestBody):
    amount: Annotated[int, Field(gt=0, le=MAX_AMOUNT, description="Integer minor units.")]
    currency: Currency


class AddCost(RequestBody):
    amount: MoneyIn
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500),
                           no_control_characters(MULTILINE)]
    incurred_on: Day


class ProductOut(ResponseModel):
    provider: str
    product_id: str


class Totals(ResponseModel):
    gross: Money
    refunds: Money
    disputes: Money = Field(description="Disputes net of won reversals.")
    costs: Money
    net: Money
    contributor_pool: Money = Field(description="The pool from today's net.")
    allocated: Money = Field(description="The pool at the last closed royalty period.")


class ProductionOut(ResponseModel):
    id: str
    title: str
    format: str
    currency: str
    status: Literal[STATUSES]
    producer: Owner
    collaboration_id: str | None
    contributor_share_bps: int
    upstream_share_bps: int
    products: list[ProductOut]
    contribution_count: int
    totals: Totals
    allocated_through: str | None = Field(description=(
        "Beyond the contract: the period (YYYY-MM) whose close `totals.allocated` is as of, the last month on "
        "members' statements for this production; null before a royalty run included it."))
    created_at: str
    updated_at: str
    released_at: str | None


class ProductionPage(Page[ProductionOut]):
    pass


class ProductionQuery(Pagination):
    status: Literal["released", "proposed"] = Field(
        default="released", description="`released` (newest release first) or `proposed` (productions under a "
                                        "payment proposal, windows closed or not; most recently opened first).")


class ContributionOut(ResponseModel):
    record_id: str
    weight: int


class ContributionList(ResponseModel):
    production_id: str
    contributions: list[ContributionOut]


class LedgerEntryOut(ResponseModel):
    id: str
    kind: Literal[(*STORE_KINDS, COST)]
    amount: Money = Field(description="Signed: sales and won reversals add to net; refunds, disputes and "
                                      "costs take from it.")
    period: str = Field(description="The royalty period (YYYY-MM) it counts in.")
    event_time: str
    booked_at: str
    provider: str | None
    external_id: str | None
    description: str | None


class LedgerPage(Page[LedgerEntryOut]):
    pass


class CostOut(ResponseModel):
    kind: Literal[COST]
    amount: Money
    period: str
    description: str
    booked_at: str


def production_out(production) -> ProductionOut:
    totals, currency = production.totals, production.currency

    def money(amount: int) -> Money:
        return Money(amount=amount, currency=currency)

    return ProductionOut(
        id=production.id, title=production.title, format=production.format, currency=currency,
        status=production.status, producer=Owner(id=production.producer_id, handle=production.producer_handle),
        collaboration_id=production.collaboration_id, contributor_share_bps=production.contributor_share_bps,
        upstream_share_bps=production.upstream_share_bps,
        products=[ProductOut(provider=p.provider, product_id=p.product_id) for p in production.products],
        contribution_count=production.contribution_count,
        totals=Totals(
            gross=money(totals.sales), refunds=money(totals.refunds),
            disputes=money(totals.disputes - totals.dispute_reversals), costs=money(totals.costs),
            net=money(totals.net), contributor_pool=money(production.contributor_pool),
            allocated=money(production.allocated),
        ),
        allocated_through=production.allocated_through,
        created_at=production.created_at, updated_at=production.updated_at, released_at=production.released_at,
    )


def production_outs(items: list) -> list[ProductionOut]:
    return [production_out(p) for p in items]


def contribution_list(production_id: str, contributions: list) -> ContributionList:
    return ContributionList(production_id=production_id, contributions=[
        ContributionOut(record_id=c.record_id, weight=c.weight) for c in contributions])


def ledger_outs(entries: list) -> list[LedgerEntryOut]:
    return [LedgerEntryOut(id=e.id, kind=e.kind, amount=Money(amount=e.amount, currency=e.currency), period=e.period,
                           event_time=e.event_time, booked_at=e.booked_at, provider=e.provider,
                           external_id=e.external_id, description=e.description) for e in entries]


@router.route("POST", "/productions", summary="Create a draft production", access=Access.PRODUCER, status=201,
              body=CreateProduction, response=ProductionOut, errors=(404, 409))
def create_production(ctx):
    from chalicelib.logic import productions

    identity = ctx.require_member()
    return production_out(productions.create(identity, ctx.body().details()))


@router.route("GET", "/productions", summary="Released productions, newest release first (?status=proposed: "
              "those under a payment proposal)", access=Access.PUBLIC, query=ProductionQuery, response=ProductionPage)
def list_productions(ctx):
    from chalicelib.logic import productions

    query = ctx.query()
    return paginate(ctx, ProductionPage, f"productions:{query.status}", query, productions.listed(query.status),
                    production_outs)


@router.route("GET", "/productions/{production_id}", summary="A production with its totals to date",
              access=Access.PUBLIC, response=ProductionOut)
def get_production(ctx, production_id: str):
    from chalicelib.logic import productions

    return production_out(productions.visible(ctx.principal, production_id))


@router.route("PATCH", "/productions/{production_id}",
              summary="Edit a draft or proposed production (under a proposal a change of shares is a new revision)",
              access=Access.PRODUCER,
              body=UpdateProduction, response=ProductionOut, errors=(404, 409))
def update_production(ctx, production_id: str):
    from chalicelib.logic import productions, proposals

    production = productions.owned(ctx.principal, production_id)
    return production_out(proposals.edit(production, ctx.body().changes()))


@router.route("GET", "/productions/{production_id}/contributions", summary="A production's contributions",
              access=Access.PUBLIC, response=ContributionList)
def get_contributions(ctx, production_id: str):
    from chalicelib.logic import productions

    production, contributions = productions.contributions_of(ctx.principal, production_id)
    return contribution_list(production.id, contributions)


@router.route("PUT", "/productions/{production_id}/contributions",
              summary="Replace the contributions of a draft, or of a proposal (a new revision; an identical list "
                      "changes nothing)",
              access=Access.PRODUCER, body=ReplaceContributions, response=ContributionList,
              errors=(404, 409, 422))
def replace_contributions(ctx, production_id: str):
    from chalicelib.logic import productions, proposals

    production = productions.owned(ctx.principal, production_id)
    return contribution_list(production.id, proposals.replace_contributions(production, ctx.body().listed()))


@router.route("POST", "/productions/{production_id}/release",
              summary="Release exactly the proposal's last revision: its window closed, every objection answered, "
                      "every grant in place (else 409 with `missing`)",
              access=Access.PRODUCER, response=ProductionOut, errors=(404, 409))
def release_production(ctx, production_id: str):
    from chalicelib.logic import proposals

    return production_out(proposals.release(ctx.principal, production_id))


@router.route("POST", "/productions/{production_id}/costs", summary="Book a recoupable cost",
              access=Access.PRODUCER, status=201, body=AddCost, response=CostOut, errors=(404, 422))
def add_cost(ctx, production_id: str):
    from chalicelib.logic import productions

    production = productions.owned(ctx.principal, production_id)
    request = ctx.body()
    cost = productions.add_cost(production, request.amount.amount, request.amount.currency, request.description,
                                request.incurred_on)
    return CostOut(kind=COST, amount=Money(amount=cost.amount, currency=cost.currency), period=cost.period,
                   description=cost.description, booked_at=cost.booked_at)


@router.route("GET", "/productions/{production_id}/ledger", summary="Every ledger entry, oldest first",
              access=Access.PRODUCER, query=Pagination, response=LedgerPage, errors=(404,))
def get_ledger(ctx, production_id: str):
    from chalicelib.logic import productions

    production = productions.owned(ctx.principal, production_id)
    return paginate(ctx, LedgerPage, f"ledger:{production.id}", ctx.query(),
                    lambda limit, after: productions.ledger(production, limit, after), ledger_outs)
