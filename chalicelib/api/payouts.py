"""Payouts through Stripe Connect: the member's connected account and payouts, every payout for
admins (JSON or CSV), and the local bank's onboarding page (local stage without a Stripe key).

Handlers import `logic.payouts` when they run: neither it nor the `stripe` library is loaded at
cold start."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from chalicelib.api.fields import Period
from chalicelib.api.models import Money, Owner, Page, paginate
from chalicelib.api.routing import Access, QueryParams, ResponseModel, Router, csv_response, json_response
from chalicelib.domain.payout_names import ACCOUNT_STATUSES, NONE, STATUSES, STRIPE
from chalicelib.errors import FieldError, ValidationFailed

router = Router("payouts")

JSON_LIMIT, CSV_LIMIT = 100, 10_000
CSV_COLUMNS = ["id", "member_id", "handle", "period", "currency", "amount", "sent", "status", "transfer_id",
               "failure_reason", "created_at", "updated_at"]


class PayoutAccountOut(ResponseModel):
    provider: Literal[STRIPE] = STRIPE
    status: Literal[ACCOUNT_STATUSES] = Field(description="none before any account; pending until details are "
                                                          "submitted; active while Stripe reports payouts_enabled; "
                                                          "restricted when submitted but payouts are disabled.")
    payouts_enabled: bool
    onboarding_url: str | None = Field(default=None, description="POST only: a fresh Stripe account link.")
    onboarding_expires_at: str | None = Field(default=None, description="POST only: the link's expires_at.")


class TransferOut(ResponseModel):
    id: str
    amount: int = Field(description="Integer minor units of the payout's currency.")
    amount_reversed: int = Field(description="What Stripe reversed of it, cumulative.")


class PayoutOut(ResponseModel):
    id: str
    member_id: str
    period: str
    amount: Money = Field(description="The payable statement's payout.")
    sent: Money = Field(description="What the member's account holds of it: Σ transfers − reversals; paid when "
                                    "sent = amount.")
    status: Literal[STATUSES] = Field(description="held (no active payout account yet), pending, paid, failed.")
    transfer_id: str | None = Field(description="The last transfer's id.")
    transfers: list[TransferOut]
    failure_reason: str | None = Field(description="Stripe's error code, or `reversed`; null unless failed.")
    created_at: str
    updated_at: str


class AdminPayoutOut(PayoutOut):
    member: Owner


class PayoutPage(Page[PayoutOut]):
    pass


class AdminPayoutPage(Page[AdminPayoutOut]):
    pass


class MyPayoutsQuery(QueryParams):
    limit: int = Field(default=20, ge=1, le=JSON_LIMIT)
    cursor: str | None = None


class PayoutsQuery(QueryParams):
    period: Period | None = None
    status: Literal[STATUSES] | None = None
    limit: int = Field(default=20, ge=1, le=CSV_LIMIT,
                       description=f"1..{JSON_LIMIT}; up to {CSV_LIMIT} with Accept: text/csv.")
    cursor: str | None = None


class Activation(QueryParams):
    expires: int = Field(ge=0, le=2**40)
    signature: str = Field(pattern=r"^[0-9a-f]{64}$")


def account_out(view) -> PayoutAccountOut:
    """A `logic.payouts.AccountView` as answered."""
    account, link = view.account, view.link
    return PayoutAccountOut(status=account.status if account else NONE,
                            payouts_enabled=bool(account and account.payouts_enabled),
                            onboarding_url=link.url if link else None,
                            onboarding_expires_at=link.expires_at if link else None)


def payout_out(p, model: type[PayoutOut] = PayoutOut) -> PayoutOut:
    extra = {"member": Owner(id=p.member_id, handle=p.handle)} if model is AdminPayoutOut else {}
    return model(id=p.id, member_id=p.member_id, period=p.period, amount=Money(amount=p.amount, currency=p.currency),
                 sent=Money(amount=p.sent, currency=p.currency), status=p.status, transfer_id=p.transfer_id,
                 transfers=[TransferOut(id=t.id, amount=t.amount, amount_reversed=t.amount_reversed)
                            for t in p.transfers],
                 failure_reason=p.failure_reason, created_at=p.created_at, updated_at=p.updated_at, **extra)


def _site_url(ctx) -> str:
    """Where Stripe sends the member back after onboarding (the site, `#/payouts` appended). The
    local stack serves the site on the API's own loopback port, whichever it is."""
    import re

    host = ctx.headers.get("host") or ""
    if ctx.settings.is_local and re.fullmatch(r"(127\.0\.0\.1|localhost):[0-9]{1,5}", host):
        return f"http://{host}/site/"
    return ctx.settings.site_url.rstrip("/") + "/"


def _admin_page(ctx, query, as_csv: bool) -> AdminPayoutPage:
    from chalicelib.logic import payouts

    if not as_csv and query.limit > JSON_LIMIT:
        raise ValidationFailed(f"JSON pages hold up to {JSON_LIMIT} payouts; ask for text/csv for more.",
                               errors=[FieldError("limit", f"at most {JSON_LIMIT} without Accept: text/csv")])
    return paginate(ctx, AdminPayoutPage, f"payouts:{query.period or ''}:{query.status or ''}", query,
                    lambda limit, after: payouts.listing(query.period, query.status, limit, after),
                    lambda items: [payout_out(p, AdminPayoutOut) for p in items])


def _csv(page: AdminPayoutPage):
    response = csv_response(CSV_COLUMNS, [
        [p.id, p.member_id, p.member.handle, p.period, p.amount.currency, p.amount.amount, p.sent.amount, p.status,
         p.transfer_id, p.failure_reason, p.created_at, p.updated_at] for p in page.items])
    if page.next_cursor:
        response.headers["X-Next-Cursor"] = page.next_cursor
    return response


# Access.IDENTITY: after DELETE /me the identity keeps its payout account and payouts (the live
# profile's, else its last: `logic.your_data`); an identity that never registered is 403.
@router.route("POST", "/me/payout-account", summary="Create my Stripe Express account once; a fresh onboarding link",
              access=Access.IDENTITY, status=201, also=(200,), response=PayoutAccountOut, errors=(503,))
def create_payout_account(ctx):
    from chalicelib.logic import payouts, your_data

    view, created = payouts.open_account(your_data.payout_member_id(ctx.principal.sub), _site_url(ctx))
    return json_response(account_out(view), 201 if created else 200)


@router.route("GET", "/me/payout-account", summary="My payout account's status", access=Access.IDENTITY,
              response=PayoutAccountOut)
def get_payout_account(ctx):
    from chalicelib.logic import payouts, your_data

    return account_out(payouts.account_of(your_data.payout_member_id(ctx.principal.sub)))


@router.route("GET", "/me/payouts", summary="My payouts, newest first (every profile I have had)",
              access=Access.IDENTITY, query=MyPayoutsQuery, response=PayoutPage)
def list_my_payouts(ctx):
    from chalicelib.logic import your_data

    sub = ctx.principal.sub
    return paginate(ctx, PayoutPage, "my-payouts", ctx.query(),
                    lambda limit, after: your_data.payouts_page(sub, limit, after),
                    lambda items: [payout_out(p) for p in items])


@router.route("GET", "/payouts", summary="Every payout, newest first, by period and status (JSON, or text/csv with "
                                         "the next cursor in X-Next-Cursor)",
              access=Access.ADMIN, query=PayoutsQuery, response=AdminPayoutPage,
              csv="the page's payouts, one row each, with a header row; `amount` and `sent` are in integer minor "
                  "units of `currency`; the next cursor is in the X-Next-Cursor header.")
def list_payouts(ctx):
    as_csv = "text/csv" in (ctx.headers.get("accept") or "")
    page = _admin_page(ctx, ctx.query(), as_csv)
    return _csv(page) if as_csv else page


@router.route("GET", "/local-bank/onboarding/{account_id}",
              summary="Local stage only (no Stripe key): the local bank's onboarding page (HTML)",
              access=Access.PUBLIC, query=Activation, errors=(404,))
def local_bank_page(ctx, account_id: str):
    from chalicelib.logic import payouts

    import html

    ctx.query()  # a link's shape: expires and signature
    payouts.require_local_bank(account_id)
    return _html(200, f"""<h1>Local bank</h1><p>Account <code>{html.escape(account_id)}</code> asks to receive
payouts. This page plays Stripe's onboarding on the local stage.</p><form method="post"><button>Activate this
account</button></form>""")


@router.route("POST", "/local-bank/onboarding/{account_id}",
              summary="Local stage only (no Stripe key): activates the local bank account (303 to the site)",
              access=Access.PUBLIC, status=303, query=Activation, errors=(404,))
def local_bank_activate(ctx, account_id: str):
    from chalicelib.logic import payouts

    query = ctx.query()
    payouts.activate_local_account(account_id, query.expires, query.signature)
    return _html(303, "<p>Activated.</p>", {"Location": _site_url(ctx) + "#/payouts"})


def _html(status: int, body: str, headers: dict | None = None):
    from chalice import Response

    page = f"<!doctype html><meta charset=utf-8><title>Local bank</title>{body}"
    return Response(body=page, status_code=status, headers={"Content-Type": "text/html; charset=utf-8",
                                                            "Content-Security-Policy": "default-src 'none'",
                                                            **(headers or {})})
