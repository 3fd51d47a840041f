"""PynamoDB models of the payout items of the main table (the layout is listed in
`definitions.py`). They live beside `models.py` rather than in it, and are bound to the stage's
table by `bind` (called by the payout repositories), as `connection.bind_models` binds the others.
"""
from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute

from chalicelib.config import Settings
from chalicelib.storage.connection import bind_models, bind_to_table
from chalicelib.storage.models import MainTableModel, _index


class PayoutItem(MainTableModel):
    """`PAYOUT#<id>` / `PAYOUT`: one payout (member × currency × period) and its transfers, as
    JSON `[[transfer id, amount, amount_reversed, attempt], ...]`. Every write is a put on the
    condition that `version` is the one read (the first: that the payout does not exist).

    Listed newest first (sort key `<created_at>#<id>` in each index):
    gsi1 `PAYOUTS_OF#<member id>` (GET /me/payouts), gsi2 `PAYOUTS_IN#<period>`, gsi3
    `PAYOUTS_STATUS#<status>` (also what retry_payouts reads), gsi4 `PAYOUTS_IN#<period>#<status>`,
    gsi5 `PAYOUTS` (GET /payouts without filters)."""

    payout_id = UnicodeAttribute()
    member_id = UnicodeAttribute()
    handle = UnicodeAttribute()
    period = UnicodeAttribute()
    currency = UnicodeAttribute()
    amount = NumberAttribute()
    status = UnicodeAttribute()
    attempt = NumberAttribute(default=0)
    uncertain = BooleanAttribute(default=False)
    transfers = UnicodeAttribute(default="[]")
    failure_reason = UnicodeAttribute(null=True)
    claim = UnicodeAttribute(null=True)
    claimed_at = UnicodeAttribute(null=True)
    version = NumberAttribute(default=0)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi2pk = UnicodeAttribute(null=True)
    gsi2sk = UnicodeAttribute(null=True)
    gsi3pk = UnicodeAttribute(null=True)
    gsi3sk = UnicodeAttribute(null=True)
    gsi4pk = UnicodeAttribute(null=True)
    gsi4sk = UnicodeAttribute(null=True)
    gsi5pk = UnicodeAttribute(null=True)
    gsi5sk = UnicodeAttribute(null=True)

    gsi1, gsi2, gsi3, gsi4, gsi5 = _index(1), _index(2), _index(3), _index(4), _index(5)

    @staticmethod
    def key(payout_id: str) -> tuple[str, str]:
        return f"PAYOUT#{payout_id}", "PAYOUT"


class PayoutAccountItem(MainTableModel):
    """`PAYOUT_ACCOUNT#<member id>` / `ACCOUNT`: the member's connected account, put once (on the
    condition that none exists), its status kept from what Stripe reports."""

    member_id = UnicodeAttribute()
    account_id = UnicodeAttribute()
    status = UnicodeAttribute()
    payouts_enabled = BooleanAttribute(default=False)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()

    @staticmethod
    def key(member_id: str) -> tuple[str, str]:
        return f"PAYOUT_ACCOUNT#{member_id}", "ACCOUNT"


class LocalBankAccountItem(MainTableModel):
    """`LOCALBANK#ACCOUNT#<account id>` / `ACCOUNT`: an account of the local bank (local stage)."""

    member_id = UnicodeAttribute()
    details_submitted = BooleanAttribute(default=False)
    payouts_enabled = BooleanAttribute(default=False)

    @staticmethod
    def key(account_id: str) -> tuple[str, str]:
        return f"LOCALBANK#ACCOUNT#{account_id}", "ACCOUNT"


class LocalBankTransferItem(MainTableModel):
    """`LOCALBANK#TRANSFERS#<destination>` / `<idempotency key>`: a transfer of the local bank,
    put once per key (a repeated key replays it, as Stripe does)."""

    transfer_id = UnicodeAttribute()
    amount = NumberAttribute()
    currency = UnicodeAttribute()
    transfer_group = UnicodeAttribute()
    metadata = UnicodeAttribute()  # JSON
    created_at = UnicodeAttribute()

    @staticmethod
    def key(destination: str, idempotency_key: str) -> tuple[str, str]:
        return f"LOCALBANK#TRANSFERS#{destination}", idempotency_key


PAYOUT_MODELS = (PayoutItem, PayoutAccountItem, LocalBankAccountItem, LocalBankTransferItem)


def bind(settings: Settings) -> None:
    """Binds these models, and the main table's, to the stage's table."""
    bind_models(settings)
    bind_to_table(settings, PAYOUT_MODELS)
