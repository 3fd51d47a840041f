"""Royalty runs started at the same moment, over real HTTP: periods close in order, once.

Accepting a run claims the periods in the same conditional write that stores the run, so of
any number of concurrent starts exactly one is accepted (202); the others get the stored run
(200, the same period) or 409 (another period). The world's released production (50% to
contributors) sells 10,000 in September and 10,000 in October: pool(September) = 5,000 and
pool(October) = 10,000, all of it credited to alice, whose record is its only contribution.
Whatever the order of the starts, what is credited adds up to the pool to the cent, and no
later sale lands in a closed month.
"""
from __future__ import annotations

import threading
from datetime import datetime, timezone

import pytest
import requests

from tests.hardening.world import TIMEOUT, World, unique
from tests.store_payloads import body_of, checkout_session, stripe_event, stripe_signature

AUGUST, SEPTEMBER, OCTOBER = "2026-08", "2026-09", "2026-10"
POOL = {AUGUST: 0, SEPTEMBER: 5_000, OCTOBER: 10_000}
NEXT = {AUGUST: SEPTEMBER, SEPTEMBER: OCTOBER, OCTOBER: "2026-11"}


def _sell(world: World, amount: int, day: datetime) -> str:
    payment = unique("pi_")
    raw = body_of(stripe_event("checkout.session.completed", checkout_session(
        payment, amount, production_id=world.released), created=int(day.timestamp())))
    world.expect(200, "POST", "/webhooks/stripe", data=raw, headers={
        "Stripe-Signature": stripe_signature(raw), "Content-Type": "application/json"})
    return payment


@pytest.fixture
def sold(world: World) -> World:
    _sell(world, 10_000, datetime(2026, 9, 10, tzinfo=timezone.utc))
    _sell(world, 10_000, datetime(2026, 10, 10, tzinfo=timezone.utc))
    return world


def _start(world: World, period: str) -> requests.Response:
    # A session of its own: the world's is not shared between threads.
    return requests.post(f"{world.base_url}/royalty-runs", json={"period": period},
                         headers={"Authorization": f"Bearer {world.tokens['admin']}"}, timeout=TIMEOUT)


def _race(world: World, periods: list[str], also=None) -> list[tuple[str, requests.Response]]:
    """Starts every period at once (and `also()`, if given, in the same instant)."""
    starters = [lambda period=period: (period, _start(world, period)) for period in periods]
    if also:
        starters.append(also)
    barrier = threading.Barrier(len(starters))
    outcomes: list = [None] * len(starters)

    def go(n: int) -> None:
        barrier.wait()
        outcomes[n] = starters[n]()

    threads = [threading.Thread(target=go, args=(n,)) for n in range(len(starters))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _assert_one_accepted(outcomes: list[tuple[str, requests.Response]], stored: dict | None = None) -> str:
    """Exactly one 202; the same period 200 with that run, every other period 409. Returns it."""
    accepted = [period for period, reply in outcomes if reply.status_code == 202]
    assert len(accepted) == 1, [(period, reply.status_code) for period, reply in outcomes]
    winner = accepted[0]
    for period, reply in outcomes:
        if period == winner:
            assert reply.status_code in (200, 202), reply.text
            assert (reply.json()["period"], reply.json()["status"]) == (winner, "running")
        else:
            assert reply.status_code == 409, (period, reply.status_code, reply.text)
            assert reply.headers["Content-Type"].startswith("application/problem+json")
    return winner


def _credited(world: World) -> dict[str, int]:
    """Each stored run's credit to the production, by period."""
    credited = {}
    for period in POOL:
        reply = world.request("GET", f"/royalty-runs/{period}", "admin")
        if reply.status_code == 404:
            continue
        run = reply.json()
        assert run["status"] == "closed", run
        credited[period] = sum(p["credited"] for p in run["productions"] if p["production_id"] == world.released)
    return credited


def _alices_credits(world: World) -> int:
    statements = world.expect(200, "GET", "/me/statements?limit=100", "member")["items"]
    return sum(s["credits"] for s in statements)


def _late_sale_period(world: World) -> str:
    """The period a sale made in August is booked into now: the first open one. One cent, so
    that a run which counts it still has a round pool (half a cent floors to nothing)."""
    payment = _sell(world, 1, datetime(2026, 8, 5, tzinfo=timezone.utc))
    ledger = world.expect(200, "GET", f"/productions/{world.released}/ledger?limit=100", "producer")["items"]
    return next(entry["period"] for entry in ledger if entry["external_id"] == payment)


def _assert_closed_through(world: World, last: str) -> None:
    credited = _credited(world)
    assert max(credited) == last
    assert sum(credited.values()) == POOL[last]  # Σ credits = pool(T) − pool(previous), run after run
    assert _alices_credits(world) == POOL[last]
    assert _late_sale_period(world) == NEXT[last]


@pytest.mark.parametrize("periods", [
    [SEPTEMBER] * 8,
    [SEPTEMBER, OCTOBER] * 4,
    [OCTOBER, OCTOBER, OCTOBER, SEPTEMBER, SEPTEMBER, SEPTEMBER, AUGUST, AUGUST],
], ids=["one-period", "two-periods", "three-periods"])
def test_of_concurrent_starts_exactly_one_is_accepted_and_the_pool_is_credited_once(sold, deliver, periods):
    winner = _assert_one_accepted(_race(sold, periods))
    deliver()
    _assert_closed_through(sold, winner)

    # The later month can still run after the earlier one; an earlier one never after a later.
    if winner == OCTOBER:
        assert _start(sold, SEPTEMBER).status_code == 409
    else:
        assert _start(sold, OCTOBER).status_code == 202
        deliver()
    assert _start(sold, SEPTEMBER if winner == AUGUST else AUGUST).status_code == 409
    _assert_closed_through(sold, OCTOBER)


def test_an_earlier_period_started_while_a_later_run_waits_in_the_queue_is_refused(sold, deliver):
    """The attack: October accepted, September 10 ms later, before October's run had begun."""
    assert _start(sold, OCTOBER).status_code == 202

    refused = _start(sold, SEPTEMBER)

    assert refused.status_code == 409 and OCTOBER in refused.json()["detail"]
    deliver()
    _assert_closed_through(sold, OCTOBER)
    assert _start(sold, SEPTEMBER).status_code == 409


def test_the_monthly_schedule_racing_api_starts_claims_the_periods_as_they_do(sold, deliver):
    from chalicelib.logic.royalties import start_scheduled

    first_of_november = datetime(2026, 11, 1, 2, tzinfo=timezone.utc)
    outcomes = _race(sold, [SEPTEMBER, SEPTEMBER, SEPTEMBER, OCTOBER],
                     also=lambda: ("schedule", start_scheduled(first_of_november)))
    replies, (_, scheduled) = outcomes[:-1], outcomes[-1]

    accepted = [period for period, reply in replies if reply.status_code == 202] + (
        [OCTOBER] if scheduled["started"] else [])
    assert len(accepted) == 1, (scheduled, [(p, r.status_code) for p, r in replies])
    assert all(reply.status_code in (200, 202, 409) for _, reply in replies)
    deliver()
    _assert_closed_through(sold, accepted[0])


def test_a_closed_period_started_again_in_a_race_returns_its_stored_run_and_changes_nothing(sold, deliver):
    assert _start(sold, SEPTEMBER).status_code == 202
    deliver()
    stored = sold.expect(200, "GET", f"/royalty-runs/{SEPTEMBER}", "admin")

    outcomes = _race(sold, [SEPTEMBER] * 4 + [OCTOBER] * 4 + [AUGUST] * 2)

    for period, reply in outcomes:
        if period == SEPTEMBER:
            assert (reply.status_code, reply.json()) == (200, stored)
    assert [reply.status_code for period, reply in outcomes if period == AUGUST] == [409, 409]
    assert sorted(reply.status_code for period, reply in outcomes if period == OCTOBER) == [200, 200, 200, 202]
    deliver()
    assert sold.expect(200, "GET", f"/royalty-runs/{SEPTEMBER}", "admin") == stored
    _assert_closed_through(sold, OCTOBER)


def test_a_run_that_cannot_be_queued_gives_its_claim_back(sold, deliver):
    import boto3

    from chalicelib.config import get_settings
    from chalicelib.storage.bootstrap import create_all

    sqs = boto3.client("sqs", region_name=get_settings().region)
    sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName=get_settings().royalty_queue)["QueueUrl"])

    failed = _start(sold, SEPTEMBER)

    assert failed.status_code == 503 and "Retry-After" in failed.headers
    assert sold.request("GET", f"/royalty-runs/{SEPTEMBER}", "admin").status_code == 404
    create_all(get_settings())
    assert _start(sold, OCTOBER).status_code == 202  # nothing holds the periods any more
    deliver()
    _assert_closed_through(sold, OCTOBER)
