"""The local bank: Stripe Connect's part played on the local stage when no secret key is set,
so `make dev` shows the whole payout flow offline. Same interface as `StripeConnect`.

Its accounts and transfers are items of the local table (`LOCALBANK#...`), so they live as long
as the local stack. An account link opens a local page (`GET /local-bank/onboarding/{account}`,
served by the app on the local stage only) whose button activates the account at once.
Transfers always succeed, once per idempotency key, as Stripe's do.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import urlsplit

from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib.config import Settings
from chalicelib.domain.clock import now_rfc3339, to_rfc3339
from chalicelib.domain.payouts import AccountLink, ConnectedAccount, Payout, Transfer, TransferRefused
from chalicelib.storage.connection import condition_failed
from chalicelib.storage.payout_models import LocalBankAccountItem, LocalBankTransferItem, bind

LINK_TTL_SECONDS = 300  # as Stripe's account links: a few minutes


class LocalBank:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        bind(settings)

    def create_account(self, member_id: str) -> ConnectedAccount:
        account_id = "acct_local_" + hashlib.sha256(member_id.encode()).hexdigest()[:16]
        try:
            LocalBankAccountItem(*LocalBankAccountItem.key(account_id), member_id=member_id).save(
                condition=LocalBankAccountItem.pk.does_not_exist())
        except PutError as e:
            if not condition_failed(e):
                raise
        return self.account(account_id)[0]

    def account(self, account_id: str) -> tuple[ConnectedAccount, str | None]:
        try:
            item = LocalBankAccountItem.get(*LocalBankAccountItem.key(account_id), consistent_read=True)
        except DoesNotExist:
            raise TransferRefused("account_invalid", f"No such account: {account_id}") from None
        return ConnectedAccount(account_id, bool(item.details_submitted), bool(item.payouts_enabled)), item.member_id

    def account_link(self, account_id: str, refresh_url: str, return_url: str) -> AccountLink:
        expires = int(time.time()) + LINK_TTL_SECONDS
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(return_url))
        url = f"{origin}/local-bank/onboarding/{account_id}?expires={expires}&signature={self.sign(account_id, expires)}"
        from datetime import datetime, timezone

        return AccountLink(url=url, expires_at=to_rfc3339(datetime.fromtimestamp(expires, tz=timezone.utc)))

    def sign(self, account_id: str, expires: int) -> str:
        secret = self._settings.cursor_secret.get_secret_value().encode()
        return hmac.new(secret, f"local-bank\n{account_id}\n{expires}".encode(), hashlib.sha256).hexdigest()

    def activate(self, account_id: str, expires: int, signature: str) -> bool:
        """The onboarding page's button: details submitted, payouts enabled. False for a link that
        is not one of ours, has expired, or names no account."""
        if expires < time.time() or not hmac.compare_digest(signature, self.sign(account_id, expires)):
            return False
        try:
            LocalBankAccountItem(*LocalBankAccountItem.key(account_id)).update(
                actions=[LocalBankAccountItem.details_submitted.set(True),
                         LocalBankAccountItem.payouts_enabled.set(True)],
                condition=LocalBankAccountItem.pk.exists())
        except Exception as e:  # noqa: BLE001 - UpdateError
            if condition_failed(e):
                return False
            raise
        return True

    def create_transfer(self, payout: Payout, destination: str) -> Transfer:
        key = payout.idempotency_key
        item = LocalBankTransferItem(
            *LocalBankTransferItem.key(destination, key),
            transfer_id="tr_local_" + hashlib.sha256(key.encode()).hexdigest()[:24], amount=payout.owed,
            currency=payout.currency.lower(), transfer_group=payout.transfer_group,
            metadata=json.dumps(payout.metadata), created_at=now_rfc3339())
        try:
            item.save(condition=LocalBankTransferItem.pk.does_not_exist())
        except PutError as e:
            if not condition_failed(e):
                raise
            item = LocalBankTransferItem.get(*LocalBankTransferItem.key(destination, key), consistent_read=True)
        return _transfer(item)

    def transfers_of(self, payout: Payout, destination: str) -> list[Transfer]:
        items = LocalBankTransferItem.query(LocalBankTransferItem.key(destination, "")[0], consistent_read=True)
        return [_transfer(i) for i in items if i.transfer_group == payout.transfer_group
                and json.loads(i.metadata).get("payout_id") == payout.id]


def _transfer(item: LocalBankTransferItem) -> Transfer:
    return Transfer(item.transfer_id, int(item.amount), 0, int(json.loads(item.metadata).get("attempt", "0")))
