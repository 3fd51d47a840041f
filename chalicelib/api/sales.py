"""Unmatched sales: money that arrived for no production (or in another currency than its
production's), kept for an admin to assign rather than dropped."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from chalicelib import services
from chalicelib.api.cursors import Paging
from chalicelib.api.productions import Money
from chalicelib.api.records import Pagination
from chalicelib.api.routing import Access, RequestBody, ResponseModel, Router

router = Router("sales")


class UnmatchedSaleOut(ResponseModel):
    id: str
    provider: Literal["stripe", "shopify"]
    external_id: str = Field(description="Stripe: the payment_intent; Shopify: '<order id>:<line item id>'.")
    kind: Literal["sale", "refund", "dispute", "dispute_reversal"] = Field(
        description="Mostly sales; a refund or dispute in another currency than its sale is kept here too.")
    amount: Money
    reason: Literal["no_production", "currency_mismatch"]
    event_time: str
    received_at: str
    assigned_to: str | None = Field(description="The production it was assigned to.")


class UnmatchedPage(ResponseModel):
    items: list[UnmatchedSaleOut]
    next_cursor: str | None


class Assign(RequestBody):
    production_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]


def _out(sale) -> UnmatchedSaleOut:
    return UnmatchedSaleOut(
        id=sale.id, provider=sale.provider, external_id=sale.external_id, kind=sale.kind,
        amount=Money(amount=sale.amount, currency=sale.currency), reason=sale.reason, event_time=sale.event_time,
        received_at=sale.received_at, assigned_to=sale.assigned_to,
    )


@router.route("GET", "/sales/unmatched", summary="Unassigned unmatched sales, newest first", access=Access.ADMIN,
              query=Pagination, response=UnmatchedPage)
def list_unmatched(ctx):
    query = ctx.query()
    paging = Paging(ctx, "unmatched", query.cursor)
    items, last = services.sales().unmatched(query.limit, paging.after)
    return UnmatchedPage(items=[_out(s) for s in items], next_cursor=paging.next_cursor(last))


@router.route("POST", "/sales/unmatched/{unmatched_id}/assign", summary="Book an unmatched sale to a production",
              access=Access.ADMIN, body=Assign, response=UnmatchedSaleOut, errors=(404, 409, 422))
def assign_unmatched(ctx, unmatched_id: str):
    sales = services.sales()
    sales.find_unmatched(unmatched_id)  # 404 before the body, as the contract orders checks
    request = ctx.body()
    return _out(sales.assign(unmatched_id, request.production_id))
