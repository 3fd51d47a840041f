"""Payouts end to end: a run's payable statements → payouts → Stripe transfers, against a
stateful fake of Stripe's API on loopback (tests/fakes/stripe_api.py) spoken to by the real
`stripe` library (REMIXERY_STRIPE_API_BASE), with failures injected into it.

The community of test_royalty_runs: September pays alice 2500 and bob 2000 (USD); carol's 500
is below the minimum payout and carries forward (no payout).
"""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.fakes.stripe_api import API_KEY, Conflict, LostAnswer, RateLimited, Refuse, ServerError, StripeServer
from tests.functional.test_royalty_runs import run, sell, world  # noqa: F401  (the fixture)
from tests.store_payloads import body_of, post_stripe, stripe_event, stripe_signature
from tests.support import assert_problem

CONNECT_SECRET = "whsec_remixery_connect_local"
SEPTEMBER = "2026-09"


@pytest.fixture
def stripe(aws, monkeypatch):
    """The fake Stripe, and the app configured to talk to it with the real library."""
    from chalicelib import services
    from chalicelib.config import get_settings

    with StripeServer() as server:
        monkeypatch.setenv("REMIXERY_STRIPE_API_BASE", server.url)
        monkeypatch.setenv("REMIXERY_STRIPE_SECRET_KEY", API_KEY)
        get_settings.cache_clear()
        for factory in services.FACTORIES:
            factory.cache_clear()
        yield server.fake
    get_settings.cache_clear()
    services.connect.cache_clear()


def connect_account(client, stripe, token, active=True) -> str:
    """The member's connected account (through POST /me/payout-account), active unless told."""
    reply = client.post("/me/payout-account", token=token)
    assert reply.status in (200, 201), reply
    account_id = _last_account(stripe)
    if active:
        stripe.activate(account_id)
        post_connect(client, stripe_event("account.updated", stripe.accounts[account_id]))
    return account_id


def _last_account(stripe) -> str:
    return [p for m, path, p, _ in stripe.requests if path == "/v1/account_links"][-1]["account"]


def post_connect(client, event: dict, secret: str = CONNECT_SECRET, timestamp: int | None = None):
    raw = body_of(event)
    return client.post("/webhooks/stripe-connect", body=raw,
                       headers={"stripe-signature": stripe_signature(raw, secrets=(secret,), timestamp=timestamp)})


def payouts_of(client, token) -> list[dict]:
    reply = client.get("/me/payouts", token=token)
    assert reply.status == 200, reply
    return reply.json["items"]


def settle(deliver, rounds: int = 1) -> None:
    """Delivers until the queues are empty, waiting out the pump's 2 s redelivery delay."""
    for _ in range(rounds):
        deliver()
        time.sleep(2.2)
    deliver()


def assert_balanced(client, admin, stripe, period: str = SEPTEMBER) -> list[dict]:
    """Σ payouts = Σ payable statements to the cent; sent ≤ amount; sent = what Stripe holds."""
    payouts = client.get(f"/payouts?period={period}&limit=100", token=admin).json["items"]
    by_payout: dict[str, int] = {}
    for transfer in stripe.transfers:
        payout_id = transfer["metadata"]["payout_id"]
        by_payout[payout_id] = by_payout.get(payout_id, 0) + transfer["amount"] - transfer["amount_reversed"]
    for payout in payouts:
        assert 0 <= payout["sent"]["amount"] <= payout["amount"]["amount"], payout
        assert by_payout.get(payout["id"], 0) == payout["sent"]["amount"], (payout, by_payout)
        assert sum(t["amount"] - t["amount_reversed"] for t in payout["transfers"]) == payout["sent"]["amount"]
    return payouts


def payable_total(client, tokens, period: str = SEPTEMBER) -> int:
    total = 0
    for token in tokens:
        for statement in client.get(f"/me/statements/{period}", token=token).json["statements"]:
            total += statement["payout"] if statement["payable"] else 0
    return total


# --- the happy path and repetition ----------------------------------------------------------------

def test_each_payable_statement_is_paid_by_exactly_one_transfer_across_reruns_and_retries(
        client, world, admin, deliver, stripe):
    alice_account = connect_account(client, stripe, world["alice"])
    bob_account = connect_account(client, stripe, world["bob"])
    sell(client, world)

    run(client, admin, deliver, SEPTEMBER)
    settle(deliver, rounds=1)
    assert client.post("/royalty-runs", token=admin, json_body={"period": SEPTEMBER}).status == 200  # repeated
    fire_retry()
    settle(deliver, rounds=1)

    [alice_payout] = payouts_of(client, world["alice"])
    assert alice_payout | {"id": None, "member_id": None, "created_at": None, "updated_at": None,
                           "transfer_id": None, "transfers": None} == {
        "id": None, "member_id": None, "period": SEPTEMBER, "amount": {"amount": 2500, "currency": "USD"},
        "sent": {"amount": 2500, "currency": "USD"}, "status": "paid", "transfer_id": None, "transfers": None,
        "failure_reason": None, "created_at": None, "updated_at": None}
    assert sorted(t["destination"] for t in stripe.transfers) == sorted([alice_account, bob_account])
    assert len(stripe.transfers) == 2 and stripe.posts("/v1/transfers") == 2
    alice_transfer = next(t for t in stripe.transfers if t["destination"] == alice_account)
    assert alice_transfer["amount"] == 2500 and alice_transfer["currency"] == "usd"
    assert alice_transfer["transfer_group"] == "remixery-2026-09"
    assert alice_transfer["metadata"] == {"member_id": alice_payout["member_id"], "period": SEPTEMBER,
                                          "payout_id": alice_payout["id"], "attempt": "0"}
    keys = [key for method, path, _, key in stripe.requests if path == "/v1/transfers" and method == "POST"]
    assert f"remixery-payout-2026-09-{alice_payout['member_id']}-USD" in keys
    assert alice_payout["transfer_id"] == alice_transfer["id"]
    assert payouts_of(client, world["carol"]) == []  # 500 carries forward: no payout
    # Statements link to their payout.
    assert client.get("/me/statements", token=world["alice"]).json["items"][0]["payout_id"] == alice_payout["id"]
    assert client.get(f"/me/statements/{SEPTEMBER}", token=world["alice"]).json["statements"][0]["payout_id"] == \
        alice_payout["id"]
    assert client.get(f"/me/statements/{SEPTEMBER}", token=world["carol"]).json["statements"][0]["payout_id"] is None
    payouts = assert_balanced(client, admin, stripe)
    assert sum(p["amount"]["amount"] for p in payouts) == payable_total(
        client, [world["alice"], world["bob"], world["carol"]]) == 4500


def test_a_member_without_an_active_account_is_held_never_dropped_then_paid_once_active(
        client, world, admin, deliver, stripe):
    sell(client, world)
    run(client, admin, deliver, SEPTEMBER)
    settle(deliver, rounds=1)
    assert [p["status"] for p in payouts_of(client, world["alice"])] == ["held"]
    assert client.get("/me/payout-account", token=world["alice"]).json == {
        "provider": "stripe", "status": "none", "payouts_enabled": False, "onboarding_url": None,
        "onboarding_expires_at": None}

    first = client.post("/me/payout-account", token=world["alice"])
    again = client.post("/me/payout-account", token=world["alice"])

    assert first.status == 201 and again.status == 200, (first, again)
    assert first.json["status"] == "pending" and first.json["onboarding_url"].startswith("https://connect.stripe.test/")
    assert first.json["onboarding_url"] != again.json["onboarding_url"]  # a fresh link each call
    assert len(stripe.accounts) == 1
    [account] = stripe.accounts.values()
    assert account["metadata"] == {"member_id": payouts_of(client, world["alice"])[0]["member_id"]}
    create_keys = [key for m, path, _, key in stripe.requests if path == "/v1/accounts" and m == "POST"]
    assert set(create_keys) == {f"remixery-account-{account['metadata']['member_id']}"}

    stripe.activate(account["id"], payouts_enabled=False)  # details submitted, payouts disabled
    assert post_connect(client, stripe_event("account.updated", {"object": "account", "id": account["id"]})).status == 200
    assert client.get("/me/payout-account", token=world["alice"]).json["status"] == "restricted"
    settle(deliver, rounds=1)
    assert [p["status"] for p in payouts_of(client, world["alice"])] == ["held"]

    stripe.activate(account["id"])
    # The event's own body says nothing reliable: the app re-reads the account from Stripe.
    stale = {"object": "account", "id": account["id"], "payouts_enabled": False}
    assert post_connect(client, stripe_event("account.updated", stale)).json == {"outcome": "taken"}
    assert client.get("/me/payout-account", token=world["alice"]).json["status"] == "active"
    settle(deliver, rounds=1)

    assert [(p["status"], p["sent"]["amount"]) for p in payouts_of(client, world["alice"])] == [("paid", 2500)]
    assert [p["status"] for p in payouts_of(client, world["bob"])] == ["held"]  # bob has no account
    assert len(stripe.transfers) == 1
    assert_balanced(client, admin, stripe)


def test_concurrent_account_requests_make_one_account(base_url, member_token_http, stripe):
    token = member_token_http("dana")

    def create(_):
        return requests.post(f"{base_url}/me/payout-account", headers={"Authorization": f"Bearer {token}"}, timeout=60)

    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(create, range(8)))

    assert sorted(r.status_code for r in replies) == [200] * 7 + [201], [r.text[:200] for r in replies]
    assert len(stripe.accounts) == 1


@pytest.fixture
def member_token_http(base_url, token):
    def register(handle: str) -> str:
        bearer = token(f"sub-{handle}")
        reply = requests.post(f"{base_url}/members", json={"handle": handle, "display_name": handle.title()},
                              headers={"Authorization": f"Bearer {bearer}"}, timeout=60)
        assert reply.status_code == 201, reply.text
        return bearer

    return register


# --- failures ------------------------------------------------------------------------------------

@pytest.fixture
def one_payable(client, world, admin, deliver, stripe):
    """alice (active account) is owed 2500 for September; bob has no account."""
    account = connect_account(client, stripe, world["alice"])
    sell(client, world)
    return account


def fire_retry():
    import boto3

    from app import app
    from local.pump import EventPump

    return EventPump(app, boto3.client("sqs")).fire("retry_payouts")


def test_a_definite_refusal_fails_with_stripes_code_and_the_next_send_uses_a_new_key(
        client, world, admin, deliver, stripe, one_payable):
    stripe.fail_next(Refuse(400, "balance_insufficient"))

    run(client, admin, deliver, SEPTEMBER)
    settle(deliver, rounds=1)

    [payout] = payouts_of(client, world["alice"])
    assert (payout["status"], payout["failure_reason"], payout["sent"]["amount"]) == ("failed", "balance_insufficient", 0)
    assert fire_retry()["queued"] >= 1
    settle(deliver, rounds=1)
    [payout] = payouts_of(client, world["alice"])
    assert (payout["status"], payout["failure_reason"], payout["sent"]["amount"]) == ("paid", None, 2500)
    keys = [key for m, path, _, key in stripe.requests if path == "/v1/transfers" and m == "POST"]
    base = f"remixery-payout-2026-09-{payout['member_id']}-USD"
    assert keys == [base, f"{base}-r1"]
    assert [t["metadata"]["attempt"] for t in stripe.transfers] == ["1"]
    assert_balanced(client, admin, stripe)


@pytest.mark.parametrize("fault", [ServerError(500), ServerError(503), Conflict(), RateLimited()],
                         ids=["500", "503", "409", "429"])
def test_an_ambiguous_answer_stays_pending_and_is_looked_up_before_it_is_sent_again(
        client, world, admin, deliver, stripe, one_payable, fault):
    stripe.fail_next(fault)

    run(client, admin, deliver, SEPTEMBER)
    deliver()
    [payout] = payouts_of(client, world["alice"])
    assert (payout["status"], payout["sent"]["amount"], payout["failure_reason"]) == ("pending", 0, None)
    settle(deliver)  # SQS delivers the message again

    [payout] = payouts_of(client, world["alice"])
    assert (payout["status"], payout["sent"]["amount"]) == ("paid", 2500)
    lookups = [p for m, path, p, _ in stripe.requests if path == "/v1/transfers" and m == "GET"]
    assert lookups and lookups[0]["transfer_group"] == "remixery-2026-09" and lookups[0]["destination"] == one_payable
    keys = [key for m, path, _, key in stripe.requests if path == "/v1/transfers" and m == "POST"]
    assert len(set(keys)) == 1  # the same key again, never a new one after an ambiguous answer
    assert len(stripe.transfers) == 1
    assert_balanced(client, admin, stripe)


def test_a_lost_answer_after_the_keys_expired_is_found_by_the_lookup_and_never_sent_twice(
        client, world, admin, deliver, stripe, one_payable):
    stripe.fail_next(LostAnswer())

    run(client, admin, deliver, SEPTEMBER)
    deliver()
    assert [p["status"] for p in payouts_of(client, world["alice"])] == ["pending"]
    stripe.expire_keys()  # a day later: the key no longer protects, only the lookup does
    settle(deliver)

    [payout] = payouts_of(client, world["alice"])
    assert (payout["status"], payout["sent"]["amount"]) == ("paid", 2500)
    assert len(stripe.transfers) == 1 and stripe.posts("/v1/transfers") == 1
    assert payout["transfer_id"] == stripe.transfers[0]["id"]
    assert_balanced(client, admin, stripe)


def test_a_crash_between_the_transfer_and_the_state_write_pays_once(
        client, world, admin, deliver, stripe, one_payable, monkeypatch):
    from chalicelib.domain import payouts as rules
    from chalicelib.logic import payouts

    crashes = []

    def crash(payout, transfer):
        if not crashes:
            crashes.append(transfer.id)
            stripe.expire_keys()  # and the key will not save us either
            raise RuntimeError("the function died after Stripe answered")

    monkeypatch.setattr(payouts, "AFTER_TRANSFER", crash)
    monkeypatch.setattr(rules, "CLAIM_LEASE_SECONDS", 1)  # the dead sender's claim lapses quickly

    run(client, admin, deliver, SEPTEMBER)
    settle(deliver)

    [payout] = payouts_of(client, world["alice"])
    assert crashes and (payout["status"], payout["sent"]["amount"]) == ("paid", 2500)
    assert [t["id"] for t in stripe.transfers] == crashes and stripe.posts("/v1/transfers") == 1
    assert_balanced(client, admin, stripe)


def test_a_reversal_owes_the_difference_again_and_it_is_sent_with_a_new_key(
        client, world, admin, deliver, stripe, one_payable):
    run(client, admin, deliver, SEPTEMBER)
    settle(deliver, rounds=1)
    [paid] = payouts_of(client, world["alice"])
    transfer = stripe.reverse(paid["transfer_id"], 1000)
    event = stripe_event("transfer.reversed", transfer)

    taken = post_stripe(client, event)
    after_reversal = payouts_of(client, world["alice"])[0]
    again = post_stripe(client, stripe_event("transfer.reversed", transfer))  # a redelivery (new event id)

    assert taken.json == {"outcome": "taken"} and again.json == {"outcome": "duplicate"}
    assert (after_reversal["status"], after_reversal["failure_reason"], after_reversal["sent"]["amount"]) == (
        "failed", "reversed", 1500)
    assert after_reversal["transfers"] == [{"id": paid["transfer_id"], "amount": 2500, "amount_reversed": 1000}]
    settle(deliver, rounds=1)
    [payout] = payouts_of(client, world["alice"])
    assert (payout["status"], payout["sent"]["amount"], payout["failure_reason"]) == ("paid", 2500, None)
    assert [(t["amount"], t["metadata"]["attempt"]) for t in stripe.transfers] == [(2500, "0"), (1000, "1")]
    keys = [key for m, path, _, key in stripe.requests if path == "/v1/transfers" and m == "POST"]
    assert keys[-1].endswith("-USD-r1")
    assert payout["transfer_id"] == stripe.transfers[-1]["id"]
    assert_balanced(client, admin, stripe)


def test_a_reversal_of_a_transfer_that_is_not_a_payouts_is_ignored(client, world, stripe):
    foreign = {"id": "tr_other", "object": "transfer", "amount": 700, "amount_reversed": 700, "metadata": {}}
    assert post_stripe(client, stripe_event("transfer.reversed", foreign)).json == {"outcome": "ignored"}


# --- the Connect endpoint --------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["platform secret", "forged", "stale", "missing"])
def test_forged_or_stale_connect_webhooks_are_401_and_change_nothing(client, world, stripe, how):
    client.post("/me/payout-account", token=world["alice"])
    [account] = stripe.accounts.values()
    stripe.activate(account["id"])
    event = stripe_event("account.updated", account, event_id="evt_connect_1")
    raw = body_of(event)
    headers = {
        "platform secret": stripe_signature(raw),
        "forged": stripe_signature(raw, secrets=("whsec_not_ours",)),
        "stale": stripe_signature(raw, secrets=(CONNECT_SECRET,), timestamp=int(time.time()) - 301),
    }
    sent = {"stripe-signature": headers[how]} if how in headers else {}

    reply = client.post("/webhooks/stripe-connect", body=raw, headers=sent)

    assert_problem(reply, 401)
    assert client.get("/me/payout-account", token=world["alice"]).json["status"] == "pending"
    assert post_connect(client, event).json == {"outcome": "taken"}  # the same event id was not taken
    assert post_connect(client, event).json == {"outcome": "duplicate"}
    assert client.get("/me/payout-account", token=world["alice"]).json["status"] == "active"


def test_a_malformed_connect_event_is_a_400(client, stripe):
    event = stripe_event("account.updated", {"object": "account", "id": "not-an-account"})
    assert_problem(post_connect(client, event), 400)


# --- lists -----------------------------------------------------------------------------------------

def test_payouts_list_for_the_member_and_for_admins_with_filters_and_csv(client, world, admin, deliver, stripe):
    connect_account(client, stripe, world["alice"])
    sell(client, world)
    run(client, admin, deliver, SEPTEMBER)
    settle(deliver, rounds=1)

    everyone = client.get("/payouts", token=admin).json["items"]
    paid = client.get(f"/payouts?period={SEPTEMBER}&status=paid", token=admin).json["items"]
    held = client.get("/payouts?status=held", token=admin).json["items"]
    other_period = client.get("/payouts?period=2026-08", token=admin).json["items"]
    first = client.get("/payouts?limit=1", token=admin, headers={"accept": "text/csv"})
    rest = client.get(f"/payouts?limit=1&cursor={first.headers['x-next-cursor']}", token=admin,
                      headers={"accept": "text/csv"})

    assert sorted((p["member"]["handle"], p["status"]) for p in everyone) == [("alice", "paid"), ("bob", "held")]
    assert [p["member"]["handle"] for p in paid] == ["alice"] and [p["member"]["handle"] for p in held] == ["bob"]
    assert other_period == []
    assert [p["member_id"] for p in payouts_of(client, world["bob"])] == [held[0]["member_id"]]
    header, row = first.raw.decode().splitlines()
    assert header == "id,member_id,handle,period,currency,amount,sent,status,transfer_id,failure_reason,created_at,updated_at"
    assert row.split(",")[2:8] == [everyone[0]["member"]["handle"], SEPTEMBER, "USD",
                                   str(everyone[0]["amount"]["amount"]), str(everyone[0]["sent"]["amount"]),
                                   everyone[0]["status"]]
    assert len(rest.raw.decode().splitlines()) == 2 and "x-next-cursor" not in rest.headers
    assert_problem(client.get("/payouts?limit=101", token=admin), 400, "limit")
    assert_problem(client.get("/payouts?status=lost", token=admin), 400)
    assert_problem(client.get("/payouts?period=2026-13", token=admin), 400)
    assert_problem(client.get(f"/payouts?status=held&cursor={first.headers['x-next-cursor']}", token=admin), 400)
