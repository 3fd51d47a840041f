"""Payouts: connected accounts, sending what payable statements owe, reversals, the daily retry.

Transfers leave from the payout queue's function only (`send`), never from a royalty run or an
API request. Every change of a payout is a domain transition written on the condition that the
payout is still the version it was computed from (`_settle`); the claim that starts a send is
one, so at most one send is in flight. See domain/payouts.py for the rules.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from chalicelib import services
from chalicelib.domain import payouts as rules
from chalicelib.domain.clock import to_rfc3339, utcnow
from chalicelib.domain.events import Event, Subject
from chalicelib.domain.payout_names import ACTIVE, FAILED, HELD, PAID, PENDING
from chalicelib.domain.payouts import (
    AccountLink, ConnectEvent, Payout, PayoutAccount, PayoutError, Transfer, TransferRefused, TransferReversal,
    TransferUncertain,
)
from chalicelib.errors import NotFound, ServiceUnavailable
from chalicelib.logic.paging import every_item
from chalicelib.observability import count, get_logger
from chalicelib.storage.connection import LostRace

ATTEMPTS = 8  # reads and writes of one transition while other writers change the payout
CONNECT = "stripe-connect"  # the Connect endpoint's deliveries, deduplicated by event id

# Outcomes of one send (the queue's function retries RETRY later).
SENT, HELD_OUTCOME, NOTHING_OWED, REFUSED, RETRY, MISSING = "sent", "held", "nothing_owed", "refused", "retry", "missing"

# Tests inject a crash here: after Stripe's answer, before the payout records it.
AFTER_TRANSFER = None


@dataclass(frozen=True)
class AccountView:
    account: PayoutAccount | None
    link: AccountLink | None = None


# --- accounts ------------------------------------------------------------------------------

def open_account(member_id: str, site_url: str) -> tuple[AccountView, bool]:
    """POST /me/payout-account: the member's Express account, created once (the same
    Idempotency-Key at Stripe, and a conditional write here, so concurrent calls make one), and
    a fresh onboarding link. (view, True) the first time."""
    book, gateway = services.payouts(), services.connect()
    account, created = book.account(member_id), False
    try:
        if account is None:
            made = gateway.create_account(member_id)
            account, created = book.add_account(member_id, made.id, made.status, made.payouts_enabled)
        link = gateway.account_link(account.account_id, refresh_url=f"{site_url}#/payouts?refresh=1",
                                    return_url=f"{site_url}#/payouts")
    except (TransferUncertain, TransferRefused) as e:
        get_logger().warning("Stripe did not answer the account request", extra={"error": str(e)})
        raise ServiceUnavailable("Stripe could not be reached; try again shortly.") from e
    return AccountView(account, link), created


def account_of(member_id: str) -> AccountView:
    return AccountView(services.payouts().account(member_id))


def take_connect_event(event: ConnectEvent) -> str:
    """An event of the Connect endpoint, once per event id. account.updated re-reads the account
    from Stripe (events may arrive out of order) and keeps what Stripe reports now."""
    book = services.payouts()
    if book.delivery_taken(CONNECT, event.event_id):
        return "duplicate"
    outcome = "ignored"
    if event.type == "account.updated" and event.account_id:
        outcome = refresh_account(event.account_id)
    book.take_delivery(CONNECT, event.event_id, event.type)
    return outcome


def refresh_account(account_id: str) -> str:
    try:
        account, member_id = services.connect().account(account_id)
    except TransferRefused:
        return "ignored"  # no such account (another platform's, or deleted)
    except TransferUncertain as e:
        raise ServiceUnavailable("Stripe could not be reached; deliver the event again.") from e
    if not member_id or not services.payouts().update_account(member_id, account.id, account.status,
                                                               account.payouts_enabled):
        return "ignored"
    if account.status == ACTIVE:
        _queue(p.id for p in every_item(partial(services.payouts().of_member, member_id)) if p.status in (HELD, FAILED, PENDING) and p.owed > 0)
    return "taken"


def require_local_bank(account_id: str) -> None:
    """The local bank's pages exist on the local stage without a Stripe key only, for its accounts."""
    import re

    from chalicelib.config import get_settings

    if not get_settings().uses_local_bank:
        raise NotFound("There is no local bank on this stage.")
    if not re.fullmatch(r"acct_local_[0-9a-f]{16}", account_id):
        raise NotFound(f"The local bank has no account '{account_id[:64]}'.")


def activate_local_account(account_id: str, expires: int, signature: str) -> None:
    """The local bank's onboarding page: the account is active at once, as if onboarding was done."""
    require_local_bank(account_id)
    if not services.connect().activate(account_id, expires, signature):
        raise NotFound("This onboarding link is not one of the local bank's, or it has expired.")
    refresh_account(account_id)


# --- lists ---------------------------------------------------------------------------------

def payouts_of(member_id: str, limit: int, after: str | None) -> tuple[list[Payout], str | None]:
    return services.payouts().of_member(member_id, limit, after)


def listing(period: str | None, status: str | None, limit: int, after: str | None) -> tuple[list[Payout], str | None]:
    return services.payouts().listing(period, status, limit, after)


# --- creation (the royalty run) ---------------------------------------------------------------

def start_sending(period: str, statements) -> int:
    """After a run wrote the period's statements and payouts: queues every payout (a repeated
    run queues them again, which sends nothing twice). Returns how many were queued."""
    ids = [rules.payout_id(period, s.member_id, s.currency) for s in statements
           if s.statement.payable and s.statement.payout > 0]
    _queue(ids)
    return len(ids)


def _queue(ids) -> None:
    ids = list(ids)
    if ids:
        services.payout_queue().send(ids)


# --- sending -------------------------------------------------------------------------------

def send(payout_id: str, now: datetime | None = None) -> str:
    """Sends what the payout still owes, once: claim, look up after an uncertain send, transfer,
    record. Held while the member has no active account."""
    book = services.payouts()
    now = now or utcnow()
    at = to_rfc3339(now)
    token = uuid.uuid4().hex
    for _ in range(ATTEMPTS):
        payout = book.get(payout_id)
        if payout is None:
            get_logger().error("a queued payout does not exist", extra={"payout_id": payout_id})
            return MISSING
        if payout.owed <= 0:
            return NOTHING_OWED
        if not payout.claimable(now):
            return RETRY  # another send is in flight; see again when its lease has passed
        account = book.account(payout.member_id)
        if account is None or account.status != ACTIVE:
            if payout.status == HELD:
                return HELD_OUTCOME
            try:
                book.save(rules.hold(payout, at), payout.version)
            except LostRace:
                continue
            return HELD_OUTCOME
        claimed = rules.claim(payout, token, now, at)
        try:
            book.save(claimed, payout.version)
        except LostRace:
            continue
        return _send_claimed(payout, claimed, token, account.account_id, at)
    return RETRY


def _send_claimed(before: Payout, claimed: Payout, token: str, destination: str, at: str) -> str:
    gateway = services.connect()
    try:
        found = gateway.transfers_of(claimed, destination) if before.uncertain else []
        current = rules.record_transfers(claimed, found, None, at)
        made = []
        if current.owed > 0:
            made = [gateway.create_transfer(current, destination)]
            if AFTER_TRANSFER is not None:
                AFTER_TRANSFER(current, made[0])
    except TransferRefused as e:
        code = e.code
        after = _settle(claimed.id, lambda p: rules.refuse(p, token, code, at))
        get_logger().warning("Stripe refused a transfer", extra={"payout_id": claimed.id, "code": code})
        if after is not None:
            _tell(after, "payout_failed", f"payout_failed:{after.id}:{after.attempt - 1}")
        return REFUSED
    except TransferUncertain as e:
        _settle(claimed.id, lambda p: rules.postpone(p, token, at))
        get_logger().warning("a transfer's answer is unknown; looked up before sending again",
                             extra={"payout_id": claimed.id, "error": str(e)})
        return RETRY
    after = _settle(claimed.id, lambda p: rules.record_transfers(p, found + made, token, at))
    if after is not None and after.status == PAID and before.status != PAID:
        _tell(after, "payout_sent", f"payout_sent:{after.id}:{after.transfer_id}")
    if after is not None and after.sent > after.amount:
        get_logger().critical("a payout holds more than it owes", extra={"payout_id": after.id})
        count("PayoutsOverpaid")
    return SENT


def _settle(payout_id: str, transition) -> Payout | None:
    """Applies `transition` to the payout as it is now and writes it on that version, again
    while other writers change it. None when the transition no longer applies."""
    book = services.payouts()
    for _ in range(ATTEMPTS):
        payout = book.get(payout_id)
        try:
            after = transition(payout)
        except PayoutError as e:
            get_logger().warning("payout transition no longer applies", extra={"payout_id": payout_id,
                                                                               "reason": str(e)})
            return None
        if after is None:
            return None
        try:
            book.save(after, payout.version)
        except LostRace:
            continue
        return after
    raise ServiceUnavailable("The payout kept changing; try again.")


def take_reversal(reversal: TransferReversal) -> str:
    """transfer.reversed: the increase of the transfer's amount_reversed is owed again (sent
    drops by it; failed "reversed" until the difference is sent, which is queued at once)."""
    if not reversal.payout_id or services.payouts().get(reversal.payout_id) is None:
        return "ignored"  # not a transfer of one of our payouts
    at = to_rfc3339(utcnow())
    known = Transfer(reversal.transfer_id, reversal.amount, 0, reversal.attempt)

    def apply(payout: Payout) -> Payout | None:
        if all(t.id != reversal.transfer_id for t in payout.transfers):
            payout = rules.record_transfers(payout, [known], None, at)  # made, not yet recorded
        return rules.reverse(payout, reversal.transfer_id, reversal.amount_reversed, at)

    after = _settle(reversal.payout_id, apply)
    if after is None:
        return "duplicate"
    _tell(after, "payout_failed", f"payout_failed:{after.id}:reversed:{reversal.transfer_id}:{reversal.amount_reversed}")
    _queue([after.id])
    return "taken"


# --- the daily retry ---------------------------------------------------------------------------

def retry_all(now: datetime | None = None) -> dict:
    """Queues every held, failed and pending payout (the send decides: held ones go once the
    account is active); counts those pending for over a day (the alarm's metric)."""
    book = services.payouts()
    now = now or utcnow()
    day_ago = to_rfc3339(now - timedelta(days=1))
    queued, stale, batch = 0, 0, []
    for status in (HELD, FAILED, PENDING):
        for payout in book.with_status(status):
            if payout.owed <= 0:
                continue
            if status == PENDING and payout.updated_at < day_ago:
                stale += 1
            batch.append(payout.id)
            if len(batch) >= 250:
                _queue(batch)
                queued, batch = queued + len(batch), []
    _queue(batch)
    queued += len(batch)
    count("PayoutsPendingOverADay", stale)
    get_logger().info("payouts queued for retry", extra={"queued": queued, "pending_over_a_day": stale})
    return {"queued": queued, "pending_over_a_day": stale}


# --- notifications -----------------------------------------------------------------------------

def _tell(payout: Payout, kind: str, key: str) -> None:
    from chalicelib.logic import events

    events.publish(Event(
        type=kind, key=key, at=payout.updated_at,
        subject=Subject("payout", payout.id, f"{payout.period} {payout.currency}"),
        recipients=(payout.member_id,),
        data={"amount": payout.amount, "sent": payout.sent, "currency": payout.currency, "period": payout.period,
              "failure_reason": payout.failure_reason}))
