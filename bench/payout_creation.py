"""Payouts: creating those of 100,000 payable statements, and sending them.

1. Creation: the royalty run's payout write (`RoyaltyBook.save_payouts`, as `save_statements`
   calls it) for PAYOUTS payable statements against the embedded AWS, with DynamoDB's round
   trips counted by operation. Budget: at most one round trip per 25 payouts (it makes one
   TransactWriteItems per 100). A second write of the same statements (a run delivered again
   after a crash) creates nothing. The Python heap's peak while creating (tracemalloc) is
   printed for 10,000 and for 100,000 payouts from a stream of statements: flat in the number
   of payouts (budget: the larger peak under twice the smaller, plus 1 MB).
2. Sending: SEND payouts of members with active accounts, sent by `logic.payouts.send` through
   the real `stripe` library against the loopback fake of Stripe (tests/fakes/stripe_api.py),
   one sender and eight concurrent ones; transfers/s printed, and exactly one transfer each.

`python -m bench.payout_creation` (or `python -m bench --only payout_creation`).
"""
from __future__ import annotations

import os
import sys
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor

from bench.support import app_output_held_back, forget_endpoints, run_fresh

PAYOUTS, SMALL = 100_000, 10_000
SEND = 400
PERIOD = "2026-09"
MAX_TRIPS_PER_PAYOUT = 1 / 25


def run(runs: int = 9) -> bool:
    """Measures in a fresh interpreter; `runs` does not apply here."""
    return run_fresh("bench.payout_creation")


def statements(count: int, prefix: str = "M"):
    from chalicelib.domain.royalties import MemberStatement, Statement

    for n in range(count):
        yield MemberStatement(f"{prefix}{n:08d}", PERIOD, "USD", Statement(0, 1500 + n % 7, 1500 + n % 7, True,
                                                                         1500 + n % 7, 0), ())


def main() -> int:
    forget_endpoints()
    from local.aws import EmbeddedAws, use_endpoint

    aws = EmbeddedAws()
    use_endpoint(aws.start())
    ok = True
    try:
        from bench.dynamodb_counter import DynamoDBCounter

        with DynamoDBCounter(aws.endpoint) as counter, app_output_held_back():
            from chalicelib.config import get_settings
            from chalicelib.storage.bootstrap import create_all
            from chalicelib.storage.royalties import RoyaltyBook

            create_all(get_settings())
            book = RoyaltyBook(get_settings())
            peaks = {}
            for count, prefix in ((SMALL, "S"), (PAYOUTS, "M")):
                tracemalloc.start()
                started = time.perf_counter()
                with counter.measure() as calls:
                    trips = book.save_payouts(PERIOD, statements(count, prefix), {})
                seconds = time.perf_counter() - started
                peaks[count] = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
                figures = calls.by_operation
            with counter.measure() as again:
                book.save_payouts(PERIOD, statements(1_000, "M"), {})
            sending = _send_all()
        budget = PAYOUTS * MAX_TRIPS_PER_PAYOUT
        print(f"payout creation: {PAYOUTS:,} payable statements -> {trips:,} round trips "
              f"({figures}), budget {budget:,.0f}; {seconds:.1f} s, {PAYOUTS / seconds:,.0f} payouts/s")
        print(f"  a repeated write of 1,000 of them: {again.by_operation} (nothing created)")
        print(f"  heap peak while creating: {peaks[SMALL] / 2**20:.1f} MB for {SMALL:,}, "
              f"{peaks[PAYOUTS] / 2**20:.1f} MB for {PAYOUTS:,}")
        for label, (count, seconds, transfers) in sending.items():
            print(f"payout sending ({label}): {count} payouts, {transfers} transfers, {seconds:.2f} s, "
                  f"{count / seconds:,.1f} transfers/s against the loopback fake")
        ok &= figures.get("TransactWriteItems", 0) <= budget and sum(figures.values()) <= budget + 10
        ok &= peaks[PAYOUTS] <= 2 * peaks[SMALL] + 2**20
        ok &= all(count == transfers for count, _, transfers in sending.values())
    finally:
        aws.stop()
    print("within budget" if ok else "BUDGET EXCEEDED")
    return 0 if ok else 1


def _send_all() -> dict:
    from tests.fakes.stripe_api import API_KEY, StripeServer

    results = {}
    with StripeServer() as server:
        os.environ.update(REMIXERY_STRIPE_API_BASE=server.url, REMIXERY_STRIPE_SECRET_KEY=API_KEY)
        from chalicelib import services
        from chalicelib.config import get_settings
        from chalicelib.logic import payouts

        get_settings.cache_clear()
        for factory in services.FACTORIES:
            factory.cache_clear()
        for label, workers, prefix in (("1 sender", 1, "A"), ("8 senders", 8, "B")):
            ids = _accounts_and_payouts(server.fake, prefix, SEND)
            before = len(server.fake.transfers)
            started = time.perf_counter()
            with ThreadPoolExecutor(workers) as pool:
                outcomes = list(pool.map(payouts.send, ids))
            seconds = time.perf_counter() - started
            assert set(outcomes) == {payouts.SENT}, set(outcomes)
            results[label] = (len(ids), seconds, len(server.fake.transfers) - before)
    return results


def _accounts_and_payouts(fake, prefix: str, count: int) -> list[str]:
    from chalicelib import services
    from chalicelib.domain.payout_names import ACTIVE

    book = services.payouts()
    for n in range(count):
        member_id = f"{prefix}{n:08d}"
        account_id = f"acct_bench_{member_id}"
        fake.accounts[account_id] = {"id": account_id, "object": "account", "details_submitted": True,
                                     "payouts_enabled": True, "metadata": {"member_id": member_id}}
        book.add_account(member_id, account_id, ACTIVE, True)
    saved = list(statements(count, prefix))
    services.royalties().save_payouts(PERIOD, saved, {})
    from chalicelib.domain.payouts import payout_id

    return [payout_id(PERIOD, s.member_id, "USD") for s in saved]


if __name__ == "__main__":
    sys.exit(main())
