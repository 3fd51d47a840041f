"""Unmatched sales: money that arrived for no production (or in another currency than its
production's), kept for an admin to assign rather than dropped."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from chalicelib.api.models import Money, Page, Pagination, paginate
from chalicelib.api.routing import Access, RequestBody, ResponseModel, Router
from chalicelib.domain.sales import PROVIDERS, REASONS, STORE_KINDS

router = Router("sales")


class UnmatchedSaleOut(ResponseModel):
    id: str
    provider: Literal[PROVIDERS]
    external_id: str = Field(description="Stripe: the payment_intent; Shopify: '<order id>:<line item id>'.")
    kind: Literal[STORE_KINDS] = Field(
        description="Mostly sales; a refund or dispute in another currency than its sale is kept here too.")
    amount: Money
    reason: Literal[REASONS]
    event_time: str
    received_at: str
    assigned_to: str | None = Field(description="The production it was assigned to.")


class UnmatchedPage(Page[UnmatchedSaleOut]):
    pass


class Assign(RequestBody):
    production_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]


def _out(sale) -> UnmatchedSaleOut:
    """A `domain.ledger.UnmatchedSale` as answered."""
    return UnmatchedSaleOut(
        id=sale.id, provider=sale.provider, external_id=sale.external_id, kind=sale.kind,
        amount=Money(amount=sale.amount, currency=sale.currency), reason=sale.reason, event_time=sale.event_time,
        received_at=sale.received_at, assigned_to=sale.assigned_to,
    )


@router.route("GET", "/sales/unmatched", summary="Unassigned unmatched sales, newest first", access=Access.ADMIN,
              query=Pagination, response=UnmatchedPage)
def list_unmatched(ctx):
    from chalicelib.logic import sales

    return paginate(ctx, UnmatchedPage, "unmatched", ctx.query(), sales.unmatched,
                    lambda items: [_out(sale) for sale in items])


@router.route("POST", "/sales/unmatched/{unmatched_id}/assign", summary="Book an unmatched sale to a production",
              access=Access.ADMIN, body=Assign, response=UnmatchedSaleOut, errors=(404, 409, 422))
def assign_unmatched(ctx, unmatched_id: str):
    from chalicelib.logic import sales

    sale = sales.unmatched_sale(unmatched_id)  # 404 before the body, as the contract orders checks
    return _out(sales.assign_unmatched(sale.id, ctx.body().production_id))
