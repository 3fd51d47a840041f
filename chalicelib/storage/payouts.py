"""Payouts and payout accounts: every transition a conditional write.

A payout is written whole (`save`) on the condition that its stored `version` is the one the
transition was computed from (LostRace otherwise, for `connection.retry` to read again), so two
writers never both act on one state: this is what makes "one send in flight" a claim. The
royalty run creates the payouts of a period in transactions of up to 100 conditional puts (one
round trip per 100 payouts); a run repeated after a crash finds them (their ids are derived from
period, member and currency) and writes only the missing ones.
"""
from __future__ import annotations

import json
from typing import Iterable, Iterator

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError

from chalicelib.config import Settings
from chalicelib.domain.clock import now_rfc3339
from chalicelib.domain.payouts import Payout, PayoutAccount, Transfer
from chalicelib.storage.connection import (
    CONDITION_FAILED, LostRace, add_new_raw, applied, cancellation_codes, condition_failed, newest_first_page, raw_item,
    write_transaction,
)
from chalicelib.storage.models import DeliveryItem
from chalicelib.storage.payout_models import PayoutAccountItem, PayoutItem, bind

CREATE_BATCH = 100  # payouts per transaction (DynamoDB's limit): ≤ 1 round trip per 100
PAGE_MAX = 10_000  # the CSV's largest page


class PayoutBook:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        bind(settings)

    # --- payouts ---------------------------------------------------------------------------

    def create_all(self, payouts: Iterable[Payout]) -> int:
        """Writes the payouts that do not exist yet, in transactions of CREATE_BATCH; returns the
        number of round trips. A payout that exists already (a run repeated after a crash) is
        left as it is: it may have been sent since."""
        trips, batch = 0, []
        for payout in payouts:
            batch.append(payout)
            if len(batch) == CREATE_BATCH:
                trips += self._create_batch(batch)
                batch = []
        if batch:
            trips += self._create_batch(batch)
        return trips

    def _create_batch(self, batch: list[Payout]) -> int:
        trips = 0
        while batch:
            items = [raw_item(PayoutItem, _values(p)) for p in batch]
            trips += 1
            try:
                write_transaction(self._settings, lambda tx, items=items: add_new_raw(tx, PayoutItem, items))
                return trips
            except TransactWriteError as e:
                codes = cancellation_codes(e)
                if CONDITION_FAILED not in codes:
                    raise
                # The transaction wrote nothing: again without the payouts that exist.
                batch = [p for p, code in zip(batch, codes) if code != CONDITION_FAILED]
        return trips

    def get(self, payout_id: str) -> Payout | None:
        try:
            return _payout(PayoutItem.get(*PayoutItem.key(payout_id), consistent_read=True))
        except DoesNotExist:
            return None

    def save(self, payout: Payout, expected_version: int) -> None:
        """Writes the payout's next state if the stored one is still `expected_version`."""
        try:
            _item(payout).save(condition=PayoutItem.version == expected_version)
        except PutError as e:
            if condition_failed(e):
                raise LostRace() from e
            raise

    def of_member(self, member_id: str, limit: int, after: str | None) -> tuple[list[Payout], str | None]:
        items, last = newest_first_page(PayoutItem.gsi1, f"PAYOUTS_OF#{member_id}", PayoutItem.gsi1sk, limit, after)
        return [_payout(i) for i in items], last

    def listing(self, period: str | None, status: str | None, limit: int,
                after: str | None) -> tuple[list[Payout], str | None]:
        """Every payout, or those of a period, a status or both: newest first, one Query a page."""
        index, sort_key, partition = _index_for(period, status)
        items, last = newest_first_page(index, partition, sort_key, limit, after)
        return [_payout(i) for i in items], last

    def with_status(self, status: str) -> Iterator[Payout]:
        """Every payout in `status` (the daily retry reads held, failed and pending ones)."""
        for item in PayoutItem.gsi3.query(f"PAYOUTS_STATUS#{status}", page_size=500):
            yield _payout(item)

    # --- accounts --------------------------------------------------------------------------

    def account(self, member_id: str) -> PayoutAccount | None:
        try:
            return _account(PayoutAccountItem.get(*PayoutAccountItem.key(member_id), consistent_read=True))
        except DoesNotExist:
            return None

    def add_account(self, member_id: str, account_id: str, status: str,
                    payouts_enabled: bool) -> tuple[PayoutAccount, bool]:
        """Records the member's account once: (the account, True), or (the one recorded first,
        False) when another call recorded one already."""
        now = now_rfc3339()
        item = PayoutAccountItem(*PayoutAccountItem.key(member_id), member_id=member_id, account_id=account_id,
                                 status=status, payouts_enabled=payouts_enabled, created_at=now, updated_at=now)
        try:
            item.save(condition=PayoutAccountItem.pk.does_not_exist())
        except PutError as e:
            if not condition_failed(e):
                raise
            return self.account(member_id), False
        return _account(item), True

    def update_account(self, member_id: str, account_id: str, status: str, payouts_enabled: bool) -> bool:
        """Sets what Stripe reports of the account; False when the member's account is another one."""
        return applied(lambda: PayoutAccountItem(*PayoutAccountItem.key(member_id)).update(
            actions=[PayoutAccountItem.status.set(status), PayoutAccountItem.payouts_enabled.set(payouts_enabled),
                     PayoutAccountItem.updated_at.set(now_rfc3339())],
            condition=PayoutAccountItem.account_id == account_id))

    def take_delivery(self, provider: str, delivery_id: str, event_type: str) -> bool:
        """Marks a webhook delivery taken; False when it was taken before (a redelivery)."""
        return applied(lambda: DeliveryItem(*DeliveryItem.key(provider, delivery_id), event_type=event_type,
                                            received_at=now_rfc3339()).save(condition=DeliveryItem.pk.does_not_exist()))

    def delivery_taken(self, provider: str, delivery_id: str) -> bool:
        try:
            DeliveryItem.get(*DeliveryItem.key(provider, delivery_id), consistent_read=True)
        except DoesNotExist:
            return False
        return True


def _index_for(period: str | None, status: str | None):
    if period and status:
        return PayoutItem.gsi4, PayoutItem.gsi4sk, f"PAYOUTS_IN#{period}#{status}"
    if period:
        return PayoutItem.gsi2, PayoutItem.gsi2sk, f"PAYOUTS_IN#{period}"
    if status:
        return PayoutItem.gsi3, PayoutItem.gsi3sk, f"PAYOUTS_STATUS#{status}"
    return PayoutItem.gsi5, PayoutItem.gsi5sk, "PAYOUTS"


def _item(p: Payout) -> PayoutItem:
    return PayoutItem(**_values(p))


def _values(p: Payout) -> dict:
    """The payout's attributes, by PayoutItem's names."""
    position = f"{p.created_at}#{p.id}"
    pk, sk = PayoutItem.key(p.id)
    return dict(
        pk=pk, sk=sk, payout_id=p.id, member_id=p.member_id, handle=p.handle, period=p.period,
        currency=p.currency, amount=p.amount, status=p.status, attempt=p.attempt, uncertain=p.uncertain,
        transfers=json.dumps([[t.id, t.amount, t.amount_reversed, t.attempt] for t in p.transfers],
                             separators=(",", ":")),
        failure_reason=p.failure_reason, claim=p.claim, claimed_at=p.claimed_at, version=p.version,
        created_at=p.created_at, updated_at=p.updated_at,
        gsi1pk=f"PAYOUTS_OF#{p.member_id}", gsi1sk=position,
        gsi2pk=f"PAYOUTS_IN#{p.period}", gsi2sk=position,
        gsi3pk=f"PAYOUTS_STATUS#{p.status}", gsi3sk=position,
        gsi4pk=f"PAYOUTS_IN#{p.period}#{p.status}", gsi4sk=position,
        gsi5pk="PAYOUTS", gsi5sk=position)


def _payout(item: PayoutItem) -> Payout:
    return Payout(
        id=item.payout_id, member_id=item.member_id, handle=item.handle, period=item.period, currency=item.currency,
        amount=int(item.amount), created_at=item.created_at, updated_at=item.updated_at, status=item.status,
        attempt=int(item.attempt or 0), uncertain=bool(item.uncertain),
        transfers=tuple(Transfer(t, int(a), int(r), int(n)) for t, a, r, n in json.loads(item.transfers or "[]")),
        failure_reason=item.failure_reason, claim=item.claim, claimed_at=item.claimed_at,
        version=int(item.version or 0))


def _account(item: PayoutAccountItem) -> PayoutAccount:
    return PayoutAccount(member_id=item.member_id, account_id=item.account_id, status=item.status,
                         payouts_enabled=bool(item.payouts_enabled), created_at=item.created_at,
                         updated_at=item.updated_at)
