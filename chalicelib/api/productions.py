"""Productions: what gets sold. Its producer (or an admin) shapes a draft, releases it
(freezing contributions and shares), books costs and reads its ledger; the public sees
released productions with their totals to date."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from chalicelib import services
from chalicelib.api.cursors import Paging
from chalicelib.api.fields import MULTILINE, Day, UniqueItems, no_control_characters, omittable
from chalicelib.api.records import Owner, Pagination
from chalicelib.api.routing import Access, RequestBody, ResponseModel, Router
from chalicelib.domain.money import MAX_AMOUNT, normalise_currency
from chalicelib.domain.productions import MAX_CONTRIBUTIONS, MAX_PRODUCTS
from chalicelib.domain.royalties import contributor_pool
from chalicelib.errors import Conflict, FieldError, Forbidden, NotFound, RuleViolation, ValidationFailed

router = Router("productions")

Format = Literal["book", "album", "film", "event", "merch", "other"]
Bps = Annotated[int, Field(ge=0, le=10_000, description="Basis points: 10000 = 100%.")]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120),
                  no_control_characters()]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$"),
                     Field(description="ISO 4217; compared case-insensitively, returned uppercase.")]


class ProductIn(RequestBody):
    provider: Literal["stripe", "shopify"]
    product_id: Annotated[str, StringConstraints(min_length=1, max_length=255), no_control_characters()]


Products = Annotated[list[ProductIn], Field(max_length=MAX_PRODUCTS,
                                            description="Store products this production sells; each maps "
                                                        "to one production only (409)."), UniqueItems()]


class CreateProduction(RequestBody):
    title: Title
    format: Format
    currency: Currency
    collaboration_id: str | None = None
    contributor_share_bps: Bps = 5000
    upstream_share_bps: Bps = 2000
    products: Products = []


class UpdateProduction(RequestBody):
    """Fields left out keep their value; only `collaboration_id` may be null."""

    title: Title = omittable()
    format: Format = omittable()
    currency: Currency = omittable("Only while nothing is booked (409).")
    collaboration_id: str | None = Field(default=None, description="null detaches it.")
    contributor_share_bps: Bps = omittable()
    upstream_share_bps: Bps = omittable()
    products: Products = omittable()


class ContributionIn(RequestBody):
    record_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    weight: Annotated[int, Field(ge=1, le=1_000_000)]


class ReplaceContributions(RequestBody):
    contributions: Annotated[list[ContributionIn], Field(max_length=MAX_CONTRIBUTIONS)]


class MoneyIn(RequestBody):
    amount: Annotated[int, Field(gt=0, le=MAX_AMOUNT, description="Integer minor units.")]
    currency: Currency


class AddCost(RequestBody):
    amount: MoneyIn
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500),
                           no_control_characters(MULTILINE)]
    incurred_on: Day


class Money(ResponseModel):
    amount: int = Field(description="Integer minor units.")
    currency: str


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
    status: Literal["draft", "released"]
    producer: Owner
    collaboration_id: str | None
    contributor_share_bps: int
    upstream_share_bps: int
    products: list[ProductOut]
    contribution_count: int
    totals: Totals
    created_at: str
    updated_at: str
    released_at: str | None


class ProductionPage(ResponseModel):
    items: list[ProductionOut]
    next_cursor: str | None


class ContributionOut(ResponseModel):
    record_id: str
    weight: int


class ContributionList(ResponseModel):
    production_id: str
    contributions: list[ContributionOut]


class LedgerEntryOut(ResponseModel):
    id: str
    kind: Literal["sale", "refund", "dispute", "dispute_reversal", "cost"]
    amount: Money = Field(description="Signed: sales and won reversals add to net; refunds, disputes and "
                                      "costs take from it.")
    period: str = Field(description="The royalty period (YYYY-MM) it counts in.")
    event_time: str
    booked_at: str
    provider: str | None
    external_id: str | None
    description: str | None


class LedgerPage(ResponseModel):
    items: list[LedgerEntryOut]
    next_cursor: str | None


class CostOut(ResponseModel):
    kind: Literal["cost"]
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
            net=money(totals.net),
            contributor_pool=money(contributor_pool(totals.net, production.contributor_share_bps)),
            allocated=money(production.allocated),
        ),
        created_at=production.created_at, updated_at=production.updated_at, released_at=production.released_at,
    )


def visible_production(ctx, production_id: str):
    """The production, if the caller may see it: drafts only to their producer and admins."""
    production = services.productions().get(production_id)
    if production is None or (production.is_draft and not _may_change(ctx, production)):
        raise NotFound(f"No production has the id '{production_id}'.")
    return production


def _own_production(ctx, production_id: str):
    production = visible_production(ctx, production_id)
    if not _may_change(ctx, production):
        raise Forbidden("Only this production's producer (or an admin) may do this.")
    return production


def _may_change(ctx, production) -> bool:
    principal = ctx.principal
    return principal is not None and (principal.is_admin or principal.sub == production.producer_sub)


def _unique_products(products: list[ProductIn]) -> list[FieldError]:
    seen, errors = set(), []
    for n, product in enumerate(products):
        if (product.provider, product.product_id) in seen:
            errors.append(FieldError(f"products.{n}", "this product is already listed"))
        seen.add((product.provider, product.product_id))
    return errors


def _check_collaboration(collaboration_id: str | None) -> None:
    from chalicelib.domain.ids import is_id

    if collaboration_id is not None and (
            not is_id(collaboration_id) or services.collaborations().get(collaboration_id) is None):
        raise NotFound(f"No collaboration has the id '{collaboration_id}'.")


@router.route("POST", "/productions", summary="Create a draft production", access=Access.PRODUCER, status=201,
              body=CreateProduction, response=ProductionOut, errors=(404, 409))
def create_production(ctx):
    from chalicelib.domain.ids import new_id_with_time
    from chalicelib.domain.productions import Product, Production

    identity = ctx.require_member()
    request = ctx.body()
    if errors := _unique_products(request.products):
        raise ValidationFailed("A product is listed twice.", errors=errors)
    _check_collaboration(request.collaboration_id)
    production_id, now = new_id_with_time()
    production = Production(
        id=production_id, title=request.title, format=request.format, currency=normalise_currency(request.currency),
        producer_sub=ctx.principal.sub, producer_id=identity.member_id, producer_handle=identity.handle,
        created_at=now, updated_at=now, collaboration_id=request.collaboration_id,
        contributor_share_bps=request.contributor_share_bps, upstream_share_bps=request.upstream_share_bps,
        products=tuple(Product(p.provider, p.product_id) for p in request.products),
    )
    services.productions().create(production)
    return production_out(production)


@router.route("GET", "/productions", summary="Released productions, newest release first", access=Access.PUBLIC,
              query=Pagination, response=ProductionPage)
def list_productions(ctx):
    query = ctx.query()
    paging = Paging(ctx, "productions", query.cursor)
    items, last = services.productions().list_released(query.limit, paging.after)
    return ProductionPage(items=[production_out(p) for p in items], next_cursor=paging.next_cursor(last))


@router.route("GET", "/productions/{production_id}", summary="A production with its totals to date",
              access=Access.PUBLIC, response=ProductionOut)
def get_production(ctx, production_id: str):
    return production_out(visible_production(ctx, production_id))


@router.route("PATCH", "/productions/{production_id}", summary="Edit a draft production", access=Access.PRODUCER,
              body=UpdateProduction, response=ProductionOut, errors=(404, 409))
def update_production(ctx, production_id: str):
    from chalicelib.domain.clock import now_rfc3339
    from chalicelib.domain.productions import Product

    production = _own_production(ctx, production_id)
    request = ctx.body()
    changes = request.model_dump(exclude_unset=True)
    if errors := _unique_products(request.products or []):
        raise ValidationFailed("A product is listed twice.", errors=errors)
    if not production.is_draft:
        raise Conflict("A released production is frozen.")
    if "collaboration_id" in changes:
        _check_collaboration(request.collaboration_id)
    if "currency" in changes:
        changes["currency"] = normalise_currency(request.currency)
    if "products" in changes:
        changes["products"] = tuple(Product(p.provider, p.product_id) for p in request.products)
    updated = production.changed(**changes, updated_at=now_rfc3339())
    services.productions().update(production, updated)
    return production_out(updated)


@router.route("GET", "/productions/{production_id}/contributions", summary="A production's contributions",
              access=Access.PUBLIC, response=ContributionList)
def get_contributions(ctx, production_id: str):
    production = visible_production(ctx, production_id)
    contributions = services.productions().contributions(production)
    return ContributionList(production_id=production.id, contributions=[
        ContributionOut(record_id=c.record_id, weight=c.weight) for c in contributions])


@router.route("PUT", "/productions/{production_id}/contributions", summary="Replace a draft's contributions",
              access=Access.PRODUCER, body=ReplaceContributions, response=ContributionList,
              errors=(404, 409, 422))
def replace_contributions(ctx, production_id: str):
    from chalicelib.domain.productions import Contribution
    from chalicelib.domain.records import AWAITING_UPLOAD, REJECTED

    production = _own_production(ctx, production_id)
    request = ctx.body()
    seen, duplicates = set(), []
    for n, c in enumerate(request.contributions):
        if c.record_id in seen:
            duplicates.append(FieldError(f"contributions.{n}.record_id", "this record is already listed"))
        seen.add(c.record_id)
    if duplicates:
        raise ValidationFailed("A record is listed twice.", errors=duplicates[:20])
    if not production.is_draft:
        raise Conflict("A released production's contributions are frozen.")
    from chalicelib.domain.ids import is_id

    records = services.records().get_many([c.record_id for c in request.contributions if is_id(c.record_id)])
    missing = [FieldError(f"contributions.{n}.record_id", "no record has this id")
               for n, c in enumerate(request.contributions) if c.record_id not in records]
    if missing:
        raise NotFound(f"{len(missing)} contributed record(s) do not exist.", errors=missing[:20])
    ineligible = [FieldError(f"contributions.{n}.record_id", f"this record is {records[c.record_id].status}")
                  for n, c in enumerate(request.contributions)
                  if records[c.record_id].status in (AWAITING_UPLOAD, REJECTED)]
    if ineligible:
        raise RuleViolation(f"{len(ineligible)} record(s) cannot be contributed: only uploaded records can.",
                            errors=ineligible[:20])
    contributions = [Contribution(c.record_id, c.weight) for c in request.contributions]
    services.productions().replace_contributions(production, contributions)
    return ContributionList(production_id=production.id, contributions=[
        ContributionOut(record_id=c.record_id, weight=c.weight) for c in contributions])


@router.route("POST", "/productions/{production_id}/release", summary="Release: freeze contributions and shares",
              access=Access.PRODUCER, response=ProductionOut, errors=(404, 409))
def release_production(ctx, production_id: str):
    production = _own_production(ctx, production_id)
    if not production.is_draft:
        raise Conflict("This production is already released.")
    if production.contribution_count == 0:
        raise Conflict("A production needs at least one contribution before it is released.")
    return production_out(services.productions().release(production, lineage_now(production)))


def lineage_now(production) -> dict:
    """The lineage its contributions build on today (frozen at release; a preview for drafts)."""
    from chalicelib.domain.lineage import freeze_ancestors
    from chalicelib.domain.royalties import MAX_DEPTH

    contributions = services.productions().contributions(production)
    return freeze_ancestors([c.record_id for c in contributions],
                            lambda ids: services.records().get_many(ids, consistent=True), MAX_DEPTH)


@router.route("POST", "/productions/{production_id}/costs", summary="Book a recoupable cost",
              access=Access.PRODUCER, status=201, body=AddCost, response=CostOut, errors=(404, 422))
def add_cost(ctx, production_id: str):
    production = _own_production(ctx, production_id)
    request = ctx.body()
    if normalise_currency(request.amount.currency) != production.currency:
        raise RuleViolation(f"This production books costs in {production.currency}.",
                            errors=[FieldError("amount.currency", f"use {production.currency}")])
    cost = services.productions().add_cost(production, request.amount.amount, request.description,
                                           request.incurred_on)
    return CostOut(kind="cost", amount=Money(amount=cost["amount"], currency=cost["currency"]),
                   period=cost["period"], description=cost["description"], booked_at=cost["booked_at"])


@router.route("GET", "/productions/{production_id}/ledger", summary="Every ledger entry, oldest first",
              access=Access.PRODUCER, query=Pagination, response=LedgerPage, errors=(404,))
def get_ledger(ctx, production_id: str):
    from chalicelib.domain.ledger import SIGN

    production = _own_production(ctx, production_id)
    query = ctx.query()
    paging = Paging(ctx, f"ledger:{production.id}", query.cursor)
    items, last = services.productions().ledger(production.id, query.limit, paging.after)
    return LedgerPage(items=[
        LedgerEntryOut(id=i.entry_id, kind=i.kind, amount=Money(amount=SIGN[i.kind] * int(i.amount),
                                                                  currency=i.currency),
                       period=i.period, event_time=i.event_time, booked_at=i.booked_at, provider=i.provider,
                       external_id=i.external_id, description=i.description)
        for i in items], next_cursor=paging.next_cursor(last))
