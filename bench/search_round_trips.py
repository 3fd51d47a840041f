"""DynamoDB round trips of search and the inbox, and the index writes of one record.

Counted by `dynamodb_counter` in front of moto, as `heart_round_trips`. The store is seeded with
one owner's 40 text records titled "Night song <n>" (tags `jazz` and `blues`), a member `grace`,
and the event queue drained, so the index holds them; the reader has a few notifications.

    GET /search/records?q=night song   a page of 20, anonymous            budget 3
    GET /search/records?q=night song   a page of 20 with a token          budget 3 (+ hearted_by_me)
    GET /search/members?q=gra          anonymous                          budget 3
    GET /tags?prefix=ja                anonymous                          budget 3
    GET /tags/jazz/records             a page of 20, anonymous            budget 3
    GET /me/notifications/unread-count                                    budget 1
    GET /me/notifications              a page                             budget 1 (reported)

Then one record with 10 tags and a 12-word title is created, and its RECORD_READY event is
handed to the search subscriber once, counted: the index items it writes are printed, with the
requests they took. The budget is one asynchronous batch: one subscriber call, whose writes go
out as BatchWriteItem requests of 25 and one transaction (the search document and the tag
counts), and at most MAX_INDEX_ITEMS items.

    python -m bench.search_round_trips
"""
from __future__ import annotations

import sys

from bench.support import (
    Case, Row, app_output_held_back, counted_app, describe_operations, expect, measure_case, print_rows, requester,
    run_fresh,
)

SEEDED_RECORDS = 40
PAGE_SIZE = 20
REPEATS = 3
MAX_INDEX_ITEMS = 10 * 1 + 22 * 6  # 10 tag items, 22 distinct words × prefixes of 1..6 at most
TITLE = "The quick brown fox jumps over the lazy dog near our river bank"  # 12 words (11 distinct)
TAGS = ["ambient", "drone", "field recording", "tape", "loop", "night", "minimal", "modular", "lofi", "dub"]


def run(runs: int = 9) -> bool:
    return run_fresh("bench.search_round_trips")


def measure():
    with counted_app() as (app, client, counter):
        cases, write = _cases(app, client)
        rows = [measure_case(counter, case, REPEATS) for case in cases]
        return rows, write(counter)


def _cases(app, client):
    import boto3

    from local.pump import EventPump
    from local.tokens import mint

    request = requester(client)
    pump = EventPump(app, boto3.client("sqs"))

    def register(handle: str, name: str | None = None) -> str:
        token = mint(f"sub-{handle}")
        expect(request("POST", "/members", token, {"handle": handle, "display_name": name or handle.title()}), 201)
        return token

    owner = register("owner")
    register("grace", "Grace Hopper")
    reader = register("reader")
    ids = [expect(request("POST", "/records", owner, {"kind": "text", "title": f"Night song {n}", "body": "Once.",
                                                      "tags": ["jazz", "blues"]}), 201)["record"]["id"]
           for n in range(SEEDED_RECORDS)]
    for record_id in ids[:3]:
        expect(request("PUT", f"/records/{record_id}/heart", reader), 200)
    reader_record = expect(request("POST", "/records", reader, {"kind": "text", "title": "Mine", "body": "b"}),
                           201)["record"]["id"]
    for record_id in ids[:2]:  # remixes of the reader's record: notifications for the reader
        expect(request("POST", f"/records/{record_id}/sources", owner, {"sources": [{"record_id": reader_record}]}), 200)
    expect(request("POST", "/records", owner, {"kind": "text", "title": "Remix", "body": "b",
                                               "sources": [{"record_id": reader_record}]}), 201)
    pump.drain(max_rounds=1000)
    expect(request("GET", "/me", reader), 200)  # the identity is remembered from here on
    unread = expect(request("GET", "/me/notifications/unread-count", reader), 200)["unread"]
    if unread < 1:
        raise RuntimeError("the reader has no notification after the drain")

    cases = [
        Case(f"GET /search/records?q=night song (page of {PAGE_SIZE}, anonymous)", 3,
             lambda: request("GET", f"/search/records?q=night%20song&limit={PAGE_SIZE}"), 200, PAGE_SIZE),
        Case(f"GET /search/records?q=night song (page of {PAGE_SIZE}, token)", 3,
             lambda: request("GET", f"/search/records?q=night%20song&limit={PAGE_SIZE}", reader), 200, PAGE_SIZE),
        Case("GET /search/members?q=gra", 3, lambda: request("GET", "/search/members?q=gra"), 200, 1),
        Case("GET /tags?prefix=ja", 3, lambda: request("GET", "/tags?prefix=ja"), 200, 1),
        Case(f"GET /tags/jazz/records (page of {PAGE_SIZE}, anonymous)", 3,
             lambda: request("GET", f"/tags/jazz/records?limit={PAGE_SIZE}"), 200, PAGE_SIZE),
        Case("GET /me/notifications/unread-count", 1,
             lambda: request("GET", "/me/notifications/unread-count", reader), 200,
             check=lambda reply: None if reply == {"unread": unread} else f"expected {unread} unread, got {reply}"),
        Case("GET /me/notifications (a page)", 1, lambda: request("GET", "/me/notifications", reader), 200, unread),
    ]

    def write(counter):
        from chalicelib.logic.search import index_record

        created = expect(request("POST", "/records", owner, {"kind": "text", "title": TITLE, "body": "b",
                                                             "tags": TAGS}), 201)["record"]["id"]
        with counter.measure() as calls:
            report = index_record(created)  # what the subscriber does with its RECORD_READY event
        found = expect(request("GET", "/search/records?q=fox%20riv%20fie"), 200)["items"]
        if [r["id"] for r in found] != [created]:
            raise RuntimeError(f"the record is not found after its index write: {found!r}")
        return report, dict(calls.by_operation)

    return cases, write


def report(rows: list[Row], write) -> bool:
    print(f"DynamoDB round trips of search and the inbox (warm; {SEEDED_RECORDS} records; worst of {REPEATS} runs)")
    passed = print_rows(rows)
    written, operations = write
    items = written.items_put + written.items_deleted
    batches = operations.get("BatchWriteItem", 0)
    within = items <= MAX_INDEX_ITEMS and batches == -(-items // 25)
    print(f"\nindex writes of one record with 10 tags and a 12-word title (one subscriber call, asynchronous):")
    print(f"  {items} index items ({written.items_put} put, {written.items_deleted} deleted), "
          f"{written.tags_counted} tag counts moved in 1 transaction")
    print(f"  requests: {describe_operations(operations)}")
    print(f"  budget: one asynchronous batch of <= {MAX_INDEX_ITEMS} items  {'PASS' if within else 'FAIL'}")
    return passed and within


def main() -> int:
    with app_output_held_back():
        rows, write = measure()
    return 0 if report(rows, write) else 1


if __name__ == "__main__":
    sys.exit(main())
