"""Stripe Connect through the official `stripe` library: Express accounts, account links,
transfers and their lookup by transfer_group. The library is imported here only, on the payout
paths (it costs ~300 ms of import; a cold start of the API must not pay it).

Stripe's answers become domain values; its errors become the two the payout rules know:
`TransferRefused` (a definite 4xx: the same key would replay it) and `TransferUncertain` (a
5xx, a timeout or a lost connection, a 409, a 429 or an idempotency error: a transfer may exist).
The library's own network retries are off: the payout's state machine decides when to send again.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

from chalicelib.config import Settings
from chalicelib.domain.payouts import (
    AccountLink, ConnectedAccount, Payout, Transfer, TransferRefused, TransferUncertain, account_idempotency_key,
)

TIMEOUT_SECONDS = 20  # per request; the send function's timeout is 60 s
SECRET_MAX_AGE_SECONDS = 300
_ATTEMPT = re.compile(r"[0-9]{1,5}")


class StripeConnect:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._client = None
        self._key = None

    def _stripe(self):
        key = _secret_key(self._settings)
        if self._client is None or key != self._key:
            import stripe

            base = self._settings.stripe_api_base
            self._client = stripe.StripeClient(
                key, base_addresses={"api": base, "connect": base}, max_network_retries=0,
                http_client=stripe.RequestsClient(timeout=TIMEOUT_SECONDS))
            self._key = key
        return self._client

    # --- accounts --------------------------------------------------------------------------

    def create_account(self, member_id: str) -> ConnectedAccount:
        """The member's Express account; the same key gives the same account (for 24 hours)."""
        account = self._call(lambda s: s.v1.accounts.create(params={
            "type": "express", "metadata": {"member_id": member_id},
            "capabilities": {"transfers": {"requested": True}},
        }, options={"idempotency_key": account_idempotency_key(member_id)}))
        return _account(account)

    def account(self, account_id: str) -> tuple[ConnectedAccount, str | None]:
        """The account as Stripe reports it now, and the member id in its metadata."""
        account = self._call(lambda s: s.v1.accounts.retrieve(account_id))
        return _account(account), (account.get("metadata") or {}).get("member_id")

    def account_link(self, account_id: str, refresh_url: str, return_url: str) -> AccountLink:
        link = self._call(lambda s: s.v1.account_links.create(params={
            "account": account_id, "type": "account_onboarding", "refresh_url": refresh_url,
            "return_url": return_url}))
        return AccountLink(url=link["url"], expires_at=_rfc3339(link["expires_at"]))

    # --- transfers -------------------------------------------------------------------------

    def create_transfer(self, payout: Payout, destination: str) -> Transfer:
        """Sends what the payout still owes, with its key, transfer_group and metadata."""
        transfer = self._call(lambda s: s.v1.transfers.create(params={
            "amount": payout.owed, "currency": payout.currency.lower(), "destination": destination,
            "transfer_group": payout.transfer_group, "metadata": payout.metadata,
        }, options={"idempotency_key": payout.idempotency_key}))
        return _transfer(transfer)

    def transfers_of(self, payout: Payout, destination: str) -> list[Transfer]:
        """Stripe's transfers of the payout's transfer_group to the member's account that carry
        this payout's id in their metadata (any attempt)."""
        found, after = [], None
        while True:
            params = {"transfer_group": payout.transfer_group, "destination": destination, "limit": 100}
            if after:
                params["starting_after"] = after
            page = self._call(lambda s: s.v1.transfers.list(params=params))
            data = list(page["data"])
            found += [_transfer(t) for t in data if (t.get("metadata") or {}).get("payout_id") == payout.id]
            if not page.get("has_more") or not data:
                return found
            after = data[-1]["id"]

    def _call(self, request):
        import stripe

        try:
            answer = request(self._stripe())
            return answer.to_dict() if hasattr(answer, "to_dict") else answer  # plain JSON values
        except (stripe.APIConnectionError, stripe.RateLimitError, stripe.IdempotencyError) as e:
            raise TransferUncertain(f"{type(e).__name__}: {e.user_message or e}") from e
        except stripe.StripeError as e:
            status = e.http_status
            if status is None or status >= 500 or status in (409, 429):
                raise TransferUncertain(f"{type(e).__name__} ({status}): {e.user_message or e}") from e
            error = (e.json_body or {}).get("error") or {}
            raise TransferRefused(e.code or error.get("type") or f"http_{status}", e.user_message or "") from e


def _secret_key(settings: Settings) -> str:
    if settings.stripe_secret_key is not None:
        return settings.stripe_secret_key.get_secret_value()
    from aws_lambda_powertools.utilities.parameters import get_secret

    return str(get_secret(settings.stripe_secret_key_name, max_age=SECRET_MAX_AGE_SECONDS)).strip()


def _account(account) -> ConnectedAccount:
    return ConnectedAccount(id=account["id"], details_submitted=bool(account.get("details_submitted")),
                            payouts_enabled=bool(account.get("payouts_enabled")))


def _transfer(transfer) -> Transfer:
    metadata = transfer.get("metadata") or {}
    attempt = str(metadata.get("attempt") or "0")
    return Transfer(id=transfer["id"], amount=int(transfer["amount"]),
                    amount_reversed=int(transfer.get("amount_reversed") or 0),
                    attempt=int(attempt) if _ATTEMPT.fullmatch(attempt) else 0)


def _rfc3339(unix: int) -> str:
    from chalicelib.domain.clock import to_rfc3339

    return to_rfc3339(datetime.fromtimestamp(int(unix), tz=timezone.utc))
