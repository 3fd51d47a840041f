"""DynamoDB round trips per records endpoint, counted by `dynamodb_counter` in front of moto.

Round trips, not milliseconds: each one is a network hop in production, and their number does
not depend on how noisy the machine is. The store is seeded with one member and 50 text
records; every request runs once unmeasured first (a warm container: the first record created
per container and month writes the feed-start marker, the first walk back reads it) and is
then measured `REPEATS` times; the worst count is reported against the budget.

The measurement runs in a fresh interpreter (`python -m bench.record_round_trips`): botocore
reads `AWS_ENDPOINT_URL_DYNAMODB` when a client is created, and the app caches its clients and
PynamoDB connections per process, so the counter has to be in place before any client exists.
A fresh process is also a fresh container, which is what a cold/warm distinction is about.
"""
from __future__ import annotations

import sys

from bench.support import (
    Case, Row, counted_app, expect, measure_and_report, measure_case, print_rows, requester, run_fresh,
)

SEEDED_RECORDS = 50
PAGE_SIZE = 20
REPEATS = 3
HANDLE = "bench"


def run(runs: int = 9) -> bool:
    """Measures in a fresh interpreter (see the module's doc); `runs` does not apply here."""
    return run_fresh("bench.record_round_trips")


def measure() -> list[Row]:
    """Starts the embedded AWS and the counter, seeds the store, measures every case."""
    with counted_app() as (app, client, counter):
        return [measure_case(counter, case, REPEATS) for case in _cases(client)]


def _cases(client) -> list[Case]:
    from local.tokens import mint

    request = requester(client)

    member = mint(f"sub-{HANDLE}")
    expect(request("POST", "/members", member, {"handle": HANDLE, "display_name": "Bench"}), 201)

    def new_text_record():
        return request("POST", "/records", member, {"kind": "text", "title": "A tiny story", "body": "Once."})

    ids = [expect(new_text_record(), 201)["record"]["id"] for _ in range(SEEDED_RECORDS)]

    # The cursor of the last page of the feed, walked before anything is measured.
    feed = f"/records?limit={PAGE_SIZE}"
    cursor, last_page = None, feed
    while True:
        page = expect(request("GET", feed + (f"&cursor={cursor}" if cursor else "")), 200)
        if page["next_cursor"] is None:
            break
        cursor = page["next_cursor"]
        last_page = f"{feed}&cursor={cursor}"

    # Reads first, so the records created by POST's runs do not move the pages measured.
    return [
        Case("GET /records/{id} (anonymous)", 1, lambda: request("GET", f"/records/{ids[0]}"), 200),
        Case(f"GET /records (first page of {PAGE_SIZE})", 2, lambda: request("GET", feed), 200, PAGE_SIZE),
        Case("GET /records (last page, by cursor)", 2, lambda: request("GET", last_page), 200,
             SEEDED_RECORDS % PAGE_SIZE or PAGE_SIZE),
        Case(f"GET /members/{{handle}}/records ({PAGE_SIZE})", 2,
             lambda: request("GET", f"/members/{HANDLE}/records?limit={PAGE_SIZE}"), 200, PAGE_SIZE),
        Case("POST /records (text, member)", 2, new_text_record, 201),
    ]


def report(rows: list[Row]) -> bool:
    print(f"DynamoDB round trips per request (warm; 1 member, {SEEDED_RECORDS} text records, "
          f"worst of {REPEATS} runs)")
    return print_rows(rows)


if __name__ == "__main__":
    sys.exit(measure_and_report(measure, report))
