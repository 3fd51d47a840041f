"""The payout state machine (domain/payouts.py): amounts, keys, claims, refusals, reversals."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain import payouts as rules
from chalicelib.domain.payouts import PayoutError, Transfer, account_status, idempotency_key, new_payout, payout_id

NOW = datetime(2026, 10, 1, 3, 0, tzinfo=timezone.utc)
AT = "2026-10-01T03:00:00.000Z"


def fresh(amount: int = 2500):
    return new_payout("2026-09", "01MEMBER", "alice", "usd", amount, AT)


def test_a_new_payout_is_pending_owes_its_amount_and_names_its_key_group_and_metadata():
    payout = fresh()

    assert (payout.status, payout.sent, payout.owed, payout.currency) == ("pending", 0, 2500, "USD")
    assert payout.idempotency_key == "remixery-payout-2026-09-01MEMBER-USD"
    assert payout.transfer_group == "remixery-2026-09"
    assert payout.metadata == {"member_id": "01MEMBER", "period": "2026-09", "payout_id": payout.id, "attempt": "0"}


def test_a_payout_id_is_the_same_for_the_same_period_member_and_currency_and_sorts_by_period():
    assert payout_id("2026-09", "m", "usd") == payout_id("2026-09", "m", "USD")
    assert fresh().id == fresh().id == payout_id("2026-09", "01MEMBER", "USD")
    assert payout_id("2026-09", "m", "USD") != payout_id("2026-09", "m", "EUR") != payout_id("2026-09", "n", "EUR")
    assert payout_id("2026-09", "z", "USD") < payout_id("2026-10", "a", "USD")
    assert payout_id("2026-12", "m", "USD") < payout_id("2027-01", "m", "USD")  # December rolls the year


def test_keys_after_a_refusal_or_a_reversal_carry_the_attempt():
    assert idempotency_key("2026-09", "m", "eur", 0) == "remixery-payout-2026-09-m-EUR"
    assert idempotency_key("2026-09", "m", "eur", 3) == "remixery-payout-2026-09-m-EUR-r3"


def test_a_payout_of_nothing_or_less_is_refused():
    with pytest.raises(PayoutError):
        new_payout("2026-09", "m", "h", "USD", 0, AT)


def test_a_claim_is_one_send_in_flight_until_its_lease_lapses():
    claimed = rules.claim(fresh(), "t1", NOW, AT)

    assert claimed.uncertain and claimed.claim == "t1" and claimed.version == 1
    assert not claimed.claimable(NOW + timedelta(seconds=rules.CLAIM_LEASE_SECONDS - 1))
    with pytest.raises(PayoutError):
        rules.claim(claimed, "t2", NOW, AT)
    assert rules.claim(claimed, "t2", NOW + timedelta(seconds=rules.CLAIM_LEASE_SECONDS), AT).claim == "t2"


def test_a_recorded_transfer_pays_the_payout_and_releases_its_claim():
    claimed = rules.claim(fresh(), "t1", NOW, AT)

    paid = rules.record_transfers(claimed, [Transfer("tr_1", 2500)], "t1", AT)

    assert (paid.status, paid.sent, paid.owed, paid.claim, paid.uncertain, paid.transfer_id) == (
        "paid", 2500, 0, None, False, "tr_1")
    assert rules.record_transfers(paid, [Transfer("tr_1", 2500)], None, AT).transfers == paid.transfers  # once


def test_a_definite_refusal_fails_with_the_code_and_moves_to_the_next_key():
    failed = rules.refuse(rules.claim(fresh(), "t1", NOW, AT), "t1", "account_invalid", AT)

    assert (failed.status, failed.failure_reason, failed.attempt, failed.uncertain) == (
        "failed", "account_invalid", 1, False)
    assert failed.idempotency_key.endswith("-USD-r1") and failed.metadata["attempt"] == "1"
    assert rules.claim(failed, "t2", NOW, AT).failure_reason is None


def test_an_ambiguous_answer_keeps_the_key_and_the_uncertainty():
    postponed = rules.postpone(rules.claim(fresh(), "t1", NOW, AT), "t1", AT)

    assert (postponed.status, postponed.attempt, postponed.uncertain, postponed.claim) == ("pending", 0, True, None)


def test_only_the_claims_own_send_may_refuse_or_postpone_it():
    claimed = rules.claim(fresh(), "t1", NOW, AT)
    with pytest.raises(PayoutError):
        rules.refuse(claimed, "other", "x", AT)
    with pytest.raises(PayoutError):
        rules.postpone(claimed, "other", AT)


def test_a_reversal_owes_its_increase_again_with_a_new_key_and_a_repeat_changes_nothing():
    paid = rules.record_transfers(rules.claim(fresh(), "t1", NOW, AT), [Transfer("tr_1", 2500)], "t1", AT)

    reversed_ = rules.reverse(paid, "tr_1", 1000, AT)

    assert (reversed_.status, reversed_.failure_reason, reversed_.sent, reversed_.owed, reversed_.attempt) == (
        "failed", "reversed", 1500, 1000, 1)
    assert rules.reverse(reversed_, "tr_1", 1000, AT) is None
    assert rules.reverse(reversed_, "tr_1", 400, AT) is None  # an older delivery
    with pytest.raises(PayoutError):
        rules.reverse(reversed_, "tr_1", 2501, AT)
    with pytest.raises(PayoutError):
        rules.reverse(reversed_, "tr_other", 10, AT)
    again = rules.record_transfers(rules.claim(reversed_, "t2", NOW, AT), [Transfer("tr_2", 1000, 0, 1)], "t2", AT)
    assert (again.status, again.sent, again.transfer_id) == ("paid", 2500, "tr_2")


def test_held_payouts_wait_without_a_send_in_flight():
    held = rules.hold(fresh(), AT)
    assert held.status == "held" and held.owed == 2500
    with pytest.raises(PayoutError):
        rules.hold(rules.claim(fresh(), "t1", NOW, AT), AT)


@pytest.mark.parametrize("submitted, enabled, status", [
    (False, False, "pending"), (True, False, "restricted"), (True, True, "active"), (False, True, "active")])
def test_an_account_is_active_while_stripe_reports_payouts_enabled(submitted, enabled, status):
    assert account_status(submitted, enabled) == status
