"""Payouts: money a payable statement owes a member, sent once through Stripe Connect.

The state machine (every transition below returns the next state; storage writes it on the
condition that the stored version is still the one it was computed from):

    pending ──claim──► pending (a send in flight) ──transfer──► paid
       │                   │ └──definite refusal──► failed ──claim──► pending …
       └──no active account──► held ──claim (account active)──► pending …
    paid ──transfer.reversed──► failed ("reversed") ──claim──► pending …

- A payout is created `pending` by the royalty run, one per member and currency of a payable
  statement, with an id derived from (period, member, currency): a run repeated after a crash
  derives the same ids and writes each payout once.
- `sent` is what Stripe holds for the member: Σ (amount − amount_reversed) of its transfers.
  It is `paid` when sent = amount; each send asks for `amount − sent`.
- One send in flight: a send first claims the payout (a token and the time). A claim left by a
  sender that died is taken over once it is older than CLAIM_LEASE_SECONDS.
- A claim makes the payout `uncertain`: from then until Stripe's answer is recorded, a transfer
  may exist that the payout does not list (a timeout, a 5xx, a crash after the call). The next
  send first lists the transfers of the payout's transfer_group to the member's account and
  records those that carry this payout's id; only then does it send what is still owed.
- Idempotency keys: `remixery-payout-<T>-<member id>-<CUR>`, and `-r<n>` once a send was
  definitely refused or a transfer reversed (Stripe replays the refused answer for a key);
  `attempt` is n, 0 for the first send. An ambiguous failure keeps the attempt (and its key).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

from chalicelib.domain.payout_names import ACTIVE, FAILED, HELD, PAID, PENDING, RESTRICTED, REVERSED

CLAIM_LEASE_SECONDS = 90  # longer than the send function's timeout (60 s): a live claim is never taken
MAX_TRANSFERS = 50  # per payout: every attempt after a refusal or reversal adds at most one


class PayoutError(ValueError):
    """A transition the state machine does not allow (a bug, or a stale read: read again)."""


class TransferRefused(Exception):
    """Stripe definitely refused the transfer (a 4xx other than 409, 429 and idempotency
    errors): the same key would replay the refusal. `code` is Stripe's error code."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code


class TransferUncertain(Exception):
    """Stripe's answer is unknown or temporary (5xx, timeout, 409, 429, idempotency error): a
    transfer may or may not exist; look it up before sending again."""


@dataclass(frozen=True)
class Transfer:
    id: str
    amount: int
    amount_reversed: int = 0
    attempt: int = 0

    @property
    def holds(self) -> int:
        return self.amount - self.amount_reversed


@dataclass(frozen=True)
class ConnectedAccount:
    """A Stripe Express account as Stripe reports it."""

    id: str
    details_submitted: bool
    payouts_enabled: bool

    @property
    def status(self) -> str:
        return account_status(self.details_submitted, self.payouts_enabled)


@dataclass(frozen=True)
class AccountLink:
    url: str
    expires_at: str  # RFC 3339


@dataclass(frozen=True)
class PayoutAccount:
    """A member's connected account as we keep it."""

    member_id: str
    account_id: str
    status: str
    payouts_enabled: bool
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class TransferReversal:
    """`transfer.reversed` on the platform's endpoint: the transfer as Stripe reports it now
    (`amount_reversed` is cumulative)."""

    event_id: str
    transfer_id: str
    payout_id: str | None  # from the transfer's metadata; None: not one of our payouts
    amount: int
    amount_reversed: int
    attempt: int


@dataclass(frozen=True)
class ConnectEvent:
    """An event of the Connect endpoint; `account_id` for account.updated, else None."""

    event_id: str
    type: str
    account_id: str | None


@dataclass(frozen=True)
class Payout:
    id: str
    member_id: str
    handle: str
    period: str
    currency: str
    amount: int
    created_at: str
    updated_at: str
    status: str = PENDING
    attempt: int = 0
    uncertain: bool = False
    transfers: tuple[Transfer, ...] = ()
    failure_reason: str | None = None
    claim: str | None = None
    claimed_at: str | None = None
    version: int = 0

    @property
    def sent(self) -> int:
        return sum(t.holds for t in self.transfers)

    @property
    def owed(self) -> int:
        return self.amount - self.sent

    @property
    def transfer_id(self) -> str | None:
        return self.transfers[-1].id if self.transfers else None

    @property
    def transfer_group(self) -> str:
        return transfer_group(self.period)

    @property
    def idempotency_key(self) -> str:
        return idempotency_key(self.period, self.member_id, self.currency, self.attempt)

    @property
    def metadata(self) -> dict[str, str]:
        return {"member_id": self.member_id, "period": self.period, "payout_id": self.id,
                "attempt": str(self.attempt)}

    def claimable(self, now: datetime) -> bool:
        """Whether a send may start: something is owed and no live send holds the payout."""
        return self.owed > 0 and (self.claim is None or _older_than_lease(self.claimed_at, now))


def account_status(details_submitted: bool, payouts_enabled: bool) -> str:
    """`active` while Stripe reports payouts_enabled; `restricted` when details were submitted
    but payouts are disabled; `pending` until then."""
    if payouts_enabled:
        return ACTIVE
    return RESTRICTED if details_submitted else PENDING


def transfer_group(period: str) -> str:
    return f"remixery-{period}"


def idempotency_key(period: str, member_id: str, currency: str, attempt: int) -> str:
    key = f"remixery-payout-{period}-{member_id}-{currency.upper()}"
    return f"{key}-r{attempt}" if attempt else key


def account_idempotency_key(member_id: str) -> str:
    return f"remixery-account-{member_id}"


def payout_id(period: str, member_id: str, currency: str) -> str:
    """The id of the payout of (period, member, currency): a ULID whose time is the period's end
    (ids sort by period) and whose randomness is a hash of the three, so a run repeated after a
    crash finds the payouts it wrote. The statement links to its payout by the same function."""
    from ulid import ULID

    year, month = int(period[:4]), int(period[5:7])
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=timezone.utc)
    millis = int(end.timestamp() * 1000)
    digest = hashlib.sha256(f"{period}:{member_id}:{currency.upper()}".encode()).digest()[:10]
    return str(ULID.from_bytes(millis.to_bytes(6, "big") + digest))


def new_payout(period: str, member_id: str, handle: str, currency: str, amount: int, now: str) -> Payout:
    if amount <= 0:
        raise PayoutError(f"a payout sends a positive amount, not {amount}")
    return Payout(id=payout_id(period, member_id, currency), member_id=member_id, handle=handle, period=period,
                  currency=currency.upper(), amount=amount, created_at=now, updated_at=now)


# --- transitions -----------------------------------------------------------------------------

def hold(payout: Payout, now: str) -> Payout:
    """No active account: the payout waits (never dropped) until the member has one."""
    if payout.owed <= 0 or payout.claim is not None:
        raise PayoutError(f"payout {payout.id} cannot be held now")
    return _next(payout, now, status=HELD)


def claim(payout: Payout, token: str, now: datetime, at: str) -> Payout:
    """The one send in flight. From here until its answer is recorded, a transfer may exist that
    the payout does not list: `uncertain`."""
    if not payout.claimable(now):
        raise PayoutError(f"payout {payout.id} is not claimable")
    return _next(payout, at, status=PENDING, claim=token, claimed_at=at, uncertain=True, failure_reason=None)


def record_transfers(payout: Payout, found: list[Transfer], token: str | None, at: str) -> Payout:
    """Transfers Stripe made for this payout (a send's answer, or a lookup's findings): each is
    listed once, by id; a known one updates its amount_reversed only upward. The claim `token`
    is released when it is the payout's own."""
    transfers = {t.id: t for t in payout.transfers}
    for transfer in found:
        known = transfers.get(transfer.id)
        if known is None:
            transfers[transfer.id] = transfer
        elif transfer.amount_reversed > known.amount_reversed:
            transfers[transfer.id] = replace(known, amount_reversed=transfer.amount_reversed)
    ordered = tuple(sorted(transfers.values(), key=lambda t: (t.attempt, t.id)))
    if len(ordered) > MAX_TRANSFERS:
        raise PayoutError(f"payout {payout.id} has more than {MAX_TRANSFERS} transfers")
    changes: dict = {"transfers": ordered}
    if token is not None and payout.claim == token:
        changes.update(claim=None, claimed_at=None, uncertain=False)
    result = replace(payout, **changes)
    if result.owed <= 0:
        return _next(result, at, status=PAID, failure_reason=None)
    return _next(result, at)


def refuse(payout: Payout, token: str, code: str, at: str) -> Payout:
    """A definite refusal of this attempt: failed with Stripe's code; the next send uses a new key."""
    if payout.claim != token:
        raise PayoutError(f"payout {payout.id} is not claimed by this send")
    return _next(payout, at, status=FAILED, failure_reason=code, attempt=payout.attempt + 1, uncertain=False,
                 claim=None, claimed_at=None)


def postpone(payout: Payout, token: str, at: str) -> Payout:
    """An ambiguous answer (5xx, timeout, 409, 429, idempotency error): pending, still uncertain;
    the same key is used again after a lookup."""
    if payout.claim != token:
        raise PayoutError(f"payout {payout.id} is not claimed by this send")
    return _next(payout, at, status=PENDING, claim=None, claimed_at=None, uncertain=True)


def reverse(payout: Payout, transfer_id: str, amount_reversed: int, at: str) -> Payout | None:
    """Stripe reversed (part of) one of its transfers; `amount_reversed` is cumulative. The
    increase is owed again: failed ("reversed") until sent, with a new key. None: nothing new
    (a repeated or older delivery)."""
    known = next((t for t in payout.transfers if t.id == transfer_id), None)
    if known is None:
        raise PayoutError(f"transfer {transfer_id} is not one of payout {payout.id}'s")
    if not 0 <= amount_reversed <= known.amount:
        raise PayoutError(f"amount_reversed {amount_reversed} is outside 0..{known.amount}")
    if amount_reversed <= known.amount_reversed:
        return None
    transfers = tuple(replace(t, amount_reversed=amount_reversed) if t.id == transfer_id else t
                      for t in payout.transfers)
    return _next(replace(payout, transfers=transfers), at, status=FAILED, failure_reason=REVERSED,
                 attempt=payout.attempt + 1)


def _next(payout: Payout, at: str, **changes) -> Payout:
    return replace(payout, **changes, updated_at=at, version=payout.version + 1)


def _older_than_lease(claimed_at: str | None, now: datetime) -> bool:
    if claimed_at is None:
        return True
    started = datetime.strptime(claimed_at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    return now - started >= timedelta(seconds=CLAIM_LEASE_SECONDS)
