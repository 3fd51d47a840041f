"""DynamoDB round trips per hearts endpoint, counted by `dynamodb_counter` in front of moto.

Round trips, not milliseconds, as in `record_round_trips`. The store is seeded with one owner's
30 text records, every one hearted by one to three fans, and the heart queue drained through
the event pump, so each record has its `heart_count` and a place in the trending lists. A
fourth member, the one measured, hearts the first record while seeding.

Warm, as a busy container is: the member's identity is remembered per container after its
first request, so GET /me runs unmeasured first, and every request also runs once unmeasured
before it is measured `REPEATS` times; the worst count is held against the budget.

    PUT  /records/{id}/heart   new: a record not hearted yet, a different one on every run
    PUT  /records/{id}/heart   repeated: the record hearted while seeding, every run
    DELETE /records/{id}/heart the hearts the "new" runs gave, one per run (reported, no budget)
    GET  /trending             a page of 20, anonymous
    GET  /records              a page of 20 with the member's token (`hearted_by_me`)

Only DynamoDB is counted: a heart or un-heart that changes something also sends one SQS
message (the heart-count function's), which is not in the figures.

Runs in a fresh interpreter (`python -m bench.heart_round_trips`) for the reasons given in
`record_round_trips`.
"""
from __future__ import annotations

import sys

from bench.support import (
    Case, Row, counted_app, expect, measure_and_report, measure_case, print_rows, requester, run_fresh,
)

SEEDED_RECORDS = 30
FANS = 3  # fan n hearts every (n + 1)th record: 1 to 3 hearts a record, so trending has an order
PAGE_SIZE = 20
REPEATS = 3
OWNER, MEMBER = "bench", "hearter"


def run(runs: int = 9) -> bool:
    """Measures in a fresh interpreter (see the module's doc); `runs` does not apply here."""
    return run_fresh("bench.heart_round_trips")


def measure() -> list[Row]:
    """Starts the embedded AWS and the counter, seeds the store, measures every case."""
    with counted_app() as (app, client, counter):
        return [measure_case(counter, case, REPEATS) for case in _cases(app, client)]


def fan_hearts(record: int, fan: int) -> bool:
    """Whether fan `fan` hearts the `record`th seeded record while seeding."""
    return record % (fan + 1) == 0


def seeded_hearts(record: int) -> int:
    return sum(fan_hearts(record, fan) for fan in range(FANS))


def _cases(app, client) -> list[Case]:
    import boto3

    from local.pump import EventPump
    from local.tokens import mint

    request = requester(client)

    def register(handle: str) -> str:
        token = mint(f"sub-{handle}")
        expect(request("POST", "/members", token, {"handle": handle, "display_name": handle.title()}), 201)
        return token

    owner = register(OWNER)
    ids = [expect(request("POST", "/records", owner, {"kind": "text", "title": f"Story {n}", "body": "Once."}),
                  201)["record"]["id"] for n in range(SEEDED_RECORDS)]
    for fan in range(FANS):
        token = register(f"fan{fan}")
        for n, record_id in enumerate(ids):
            if fan_hearts(n, fan):
                expect(request("PUT", f"/records/{record_id}/heart", token), 200)
    member = register(MEMBER)
    expect(request("PUT", f"/records/{ids[0]}/heart", member), 200)
    EventPump(app, boto3.client("sqs")).drain(max_rounds=1000)  # heart_count and trending, as deployed

    trending = expect(request("GET", f"/trending?limit={PAGE_SIZE}"), 200)["items"]
    if len(trending) != PAGE_SIZE or any(item["heart_count"] < 1 for item in trending):
        raise RuntimeError(f"trending is not populated after the drain: {trending[:3]!r}")

    expect(request("GET", "/me", member), 200)  # the identity is remembered from here on

    unhearted = iter(range(1, SEEDED_RECORDS))  # the member hearted only the first
    hearted_now: list[int] = []

    def heart_new():
        n = next(unhearted)
        hearted_now.append(n)
        return request("PUT", f"/records/{ids[n]}/heart", member)

    def exact_after_new(reply: dict) -> str | None:
        want = seeded_hearts(hearted_now[-1]) + 1
        if reply != {"hearted": True, "heart_count": want}:
            return f"expected hearted with heart_count {want}, got {reply!r}"
        return None

    def unheart():
        return request("DELETE", f"/records/{ids[hearted_now.pop(0)]}/heart", member)

    def not_hearted(reply: dict) -> str | None:
        return None if reply.get("hearted") is False else f"expected hearted false, got {reply!r}"

    def says_hearted_by_me(reply: dict) -> str | None:
        flags = {item["hearted_by_me"] for item in reply["items"]}
        return None if flags <= {True, False} and flags else f"hearted_by_me is not a boolean: {flags!r}"

    # Reads first; the writes' SQS messages are not drained, so nothing read moves meanwhile.
    return [
        Case(f"GET /trending (page of {PAGE_SIZE}, anonymous)", 2,
             lambda: request("GET", f"/trending?limit={PAGE_SIZE}"), 200, PAGE_SIZE),
        Case(f"GET /records (page of {PAGE_SIZE}, token)", 2,
             lambda: request("GET", f"/records?limit={PAGE_SIZE}", member), 200, PAGE_SIZE, says_hearted_by_me),
        # The transaction, then the read of the exact heart_count it answers.
        Case("PUT /records/{id}/heart (new)", 2, heart_new, 200, check=exact_after_new),
        Case("PUT /records/{id}/heart (repeated)", 2,
             lambda: request("PUT", f"/records/{ids[0]}/heart", member), 200,
             check=lambda reply: None if reply["hearted"] else f"expected hearted, got {reply!r}"),
        Case("DELETE /records/{id}/heart", None, unheart, 200, check=not_hearted),
    ]


def report(rows: list[Row]) -> bool:
    print(f"DynamoDB round trips per hearts request (warm; {SEEDED_RECORDS} records hearted by 1-{FANS} fans, "
          f"queue drained; worst of {REPEATS} runs)")
    passed = print_rows(rows)
    print("  (DynamoDB only: a heart or un-heart that changes something also sends 1 SQS message)")
    return passed


if __name__ == "__main__":
    sys.exit(measure_and_report(measure, report))
