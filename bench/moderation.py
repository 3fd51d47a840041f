"""Trust and safety budgets (issue 21), in a fresh interpreter with the DynamoDB counter:

1. A rate-limit check adds no round trip: POST /records and POST /reports are counted with
   their limits (the counter folded into the request's own transaction) and with the limits
   switched off; the budget is equality.
2. Hiding a record reaches every list within 5 s on the local stack: the time from the hide
   action's answer to the record being absent from GET /records, ?kind=, ?unremixed=true and
   the owner's list (the hide is one transaction, so this is the lists' own read time).

    python -m bench.moderation
"""
from __future__ import annotations

import sys
import time

from bench.support import app_output_held_back, counted_app, expect, requester, run_fresh

REPEATS = 5
HIDE_BUDGET_SECONDS = 5.0


def run(runs: int = 9) -> bool:
    """Measures in a fresh interpreter (see bench.record_round_trips); `runs` does not apply."""
    return run_fresh("bench.moderation")


def _round_trips(counter, send, status: int) -> int:
    worst = 0
    for n in range(1 + REPEATS):
        with counter.measure() as calls:
            response = send()
        if response.status_code != status:
            raise RuntimeError(f"expected {status}, got {response.status_code}: {response.body[:300]!r}")
        if n:
            worst = max(worst, sum(calls.by_operation.values()))
    return worst


def measure() -> tuple[list[tuple[str, int, int]], float]:
    from local.tokens import mint

    with counted_app() as (app, client, counter):
        import chalicelib.logic.rate_limits as limits

        request = requester(client)
        alice, bob, mona = mint("sub-alice"), mint("sub-bob"), mint("sub-mona", ["moderator"])
        for token, handle in ((alice, "alice"), (bob, "bob"), (mona, "mona")):
            expect(request("POST", "/members", token, {"handle": handle, "display_name": handle}), 201)
        records = [expect(request("POST", "/records", bob, {"kind": "text", "title": f"T{n}", "body": "b"}), 201)
                   ["record"]["id"] for n in range(2 * (1 + REPEATS) + 1)]
        targets = iter(records)

        def publish():
            return request("POST", "/records", alice, {"kind": "text", "title": "Story", "body": "Once."})

        def report():
            return request("POST", "/reports", alice, {"subject": {"type": "record", "id": next(targets)},
                                                      "reason": "spam"})

        rows = []
        for label, send in (("POST /records (text)", publish), ("POST /reports (signed in)", report)):
            limited = _round_trips(counter, send, 201)
            real = limits.quota
            limits.quota = lambda name, who: None  # the same request without any rate limit
            try:
                unlimited = _round_trips(counter, send, 201)
            finally:
                limits.quota = real
            rows.append((label, limited, unlimited))

        hidden = records[-1]
        lists = ["/records?limit=100", "/records?kind=text&limit=100", "/records?unremixed=true&limit=100",
                 "/members/bob/records?limit=100"]
        expect(request("POST", "/moderation/actions", mona, {
            "subject": {"type": "record", "id": hidden}, "action": "hide", "reason": "Bench."}), 201)
        answered = time.perf_counter()
        pending = list(lists)
        while pending:
            pending = [p for p in pending if hidden in {r["id"] for r in expect(request("GET", p), 200)["items"]}]
            if pending and time.perf_counter() - answered > 30:
                break
        return rows, time.perf_counter() - answered


def report(rows, hide_seconds: float) -> bool:
    ok = True
    print("Rate limits: DynamoDB round trips per request, with and without the limit (worst of "
          f"{REPEATS}, warm)")
    for label, limited, unlimited in rows:
        verdict = "PASS" if limited <= unlimited else "FAIL"
        ok &= limited <= unlimited
        print(f"  {label:<28} limited {limited}  unlimited {unlimited}  budget: no more  {verdict}")
    verdict = "PASS" if hide_seconds <= HIDE_BUDGET_SECONDS else "FAIL"
    ok &= hide_seconds <= HIDE_BUDGET_SECONDS
    print(f"Hiding a record: gone from 4 lists {hide_seconds:.3f} s after the action's answer "
          f"(budget <= {HIDE_BUDGET_SECONDS:.0f} s)  {verdict}")
    return ok


def main() -> int:
    with app_output_held_back():
        rows, seconds = measure()
    return 0 if report(rows, seconds) else 1


if __name__ == "__main__":
    sys.exit(main())
