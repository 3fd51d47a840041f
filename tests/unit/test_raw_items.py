"""`connection.raw_item`: the royalty run serializes its payouts without building PynamoDB models,
so what it puts must be exactly what the model would have put."""
from __future__ import annotations

import dataclasses

import pytest

from chalicelib.domain.payouts import Transfer, new_payout
from chalicelib.storage.connection import raw_item
from chalicelib.storage.payout_models import PayoutItem
from chalicelib.storage.payouts import _item, _values


def _payouts():
    fresh = new_payout("2026-04", "01JDZ000000000000000000001", "ada", "usd", 12_345, "2026-05-01T02:00:00.000Z")
    sent = dataclasses.replace(fresh, status="paid", attempt=2, uncertain=True, failure_reason="reversed", claim="token",
                         claimed_at="2026-05-02T00:00:00.000Z", version=7,
                         transfers=(Transfer("tr_1", 12_000, 0, 0), Transfer("tr_2", 345, 345, 1)))
    handle_with_quotes = new_payout("2026-04", "01JDZ000000000000000000002", 'o"rphan é', "EUR", 10**12,
                                    "2026-05-01T02:00:00.000Z")
    return [fresh, sent, handle_with_quotes]


@pytest.mark.parametrize("payout", _payouts(), ids=["new", "sent_and_reversed", "unusual_text"])
def test_a_raw_payout_item_is_what_the_model_serializes(payout):
    assert raw_item(PayoutItem, _values(payout)) == _item(payout).serialize()


def test_defaults_fill_in_and_none_leaves_a_nullable_attribute_out():
    item = raw_item(PayoutItem, {"pk": "PAYOUT#1", "sk": "PAYOUT", "payout_id": "1", "member_id": "m", "handle": "h",
                                 "period": "2026-04", "currency": "USD", "amount": 5, "status": "pending",
                                 "created_at": "t", "updated_at": "t", "claim": None})

    assert item["attempt"] == {"N": "0"} and item["transfers"] == {"S": "[]"} and item["uncertain"] == {"BOOL": False}
    assert "claim" not in item


def test_a_missing_required_attribute_is_refused():
    with pytest.raises(ValueError, match="PayoutItem.amount cannot be null"):
        raw_item(PayoutItem, {"pk": "PAYOUT#1", "sk": "PAYOUT", "payout_id": "1", "member_id": "m", "handle": "h",
                              "period": "2026-04", "currency": "USD", "status": "pending", "created_at": "t",
                              "updated_at": "t"})
