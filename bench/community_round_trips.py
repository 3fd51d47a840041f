"""DynamoDB round trips of the community reads, counted by `dynamodb_counter` in front of moto.

Round trips, not milliseconds, as in `record_round_trips`. Seeded:
- a text record with 25 top-level comments, each with 4 replies (a page of 20 threads holds 80
  comments: every top-level one with its first 3 replies);
- a reader who follows ONE member, and one who follows 5,000 (30 of them registered over HTTP,
  each publishing a record; 4,970 more members and follows written straight into the table, as
  the follow transaction writes them). The feed is filled by the fan-out (event queue drained).

Warm, as a busy container is: every request runs once unmeasured, then `REPEATS` times measured.

    GET /records/{id}/comments         budget 2 (the record, one Query of threads with their first replies)
    GET /comments/{id}/replies         budget 2 (the comment, one Query)
    GET /me/feed  (1 followee)         budget 3 (one Query, the records, the caller's hearts)
    GET /me/feed  (5,000 followees)    budget 3 (the same three: fan-out on write)
    GET /members/{handle} (token)      reported (the profile, the follow edge)

Runs in a fresh interpreter (`python -m bench.community_round_trips`) for the reasons given in
`record_round_trips`.
"""
from __future__ import annotations

import sys

from bench.support import (
    Case, Row, counted_app, expect, measure_and_report, measure_case, print_rows, requester, run_fresh,
)

TOP_LEVEL, REPLIES, PAGE_SIZE = 25, 4, 20
FOLLOWEES, PUBLISHING = 5000, 30
REPEATS = 3


def run(runs: int = 9) -> bool:
    """Measures in a fresh interpreter (see the module's doc); `runs` does not apply here."""
    return run_fresh("bench.community_round_trips")


def measure() -> list[Row]:
    with counted_app() as (app, client, counter):
        return [measure_case(counter, case, REPEATS) for case in _cases(app, client)]


def _register(request, handle: str) -> str:
    from local.tokens import mint

    token = mint(f"sub-{handle}")
    expect(request("POST", "/members", token, {"handle": handle, "display_name": handle.title()}), 201)
    return token


def _seed_follows(follower: dict, count: int) -> None:
    """`count` members that `follower` follows, written as the follow transaction writes them."""
    from chalicelib.domain.clock import now_rfc3339
    from chalicelib.domain.ids import new_id
    from chalicelib.services import members  # noqa: F401  (binds the models)
    from chalicelib.storage.models import FollowItem, MemberItem

    members()
    now = now_rfc3339()
    with MemberItem.batch_write() as batch:
        for n in range(count):
            handle, member_id = f"quiet{n:05d}", new_id()
            batch.save(MemberItem(*MemberItem.key(handle), member_id=member_id, sub=f"sub-{handle}", handle=handle,
                                  display_name=handle, created_at=now, updated_at=now, follower_count=1))
            batch.save(FollowItem(*FollowItem.key(follower["id"], member_id), follower_id=follower["id"],
                                  follower_handle=follower["handle"], followee_id=member_id, followee_handle=handle,
                                  followed_at=now, gsi1pk=f"FOLLOWING#{follower['id']}", gsi1sk=f"{now}#{member_id}",
                                  gsi2pk=f"FOLLOWERS#{member_id}", gsi2sk=f"{now}#{follower['id']}"))
    MemberItem(*MemberItem.key(follower["handle"])).update(actions=[MemberItem.following_count.add(count)])


def _cases(app, client) -> list[Case]:
    import boto3

    from local.pump import EventPump

    request = requester(client)
    author = _register(request, "author")
    record = expect(request("POST", "/records", author, {"kind": "text", "title": "Talked about", "body": "Hm."}),
                    201)["record"]["id"]
    talkers = [_register(request, f"talker{n}") for n in range(4)]
    tops = []
    for n in range(TOP_LEVEL):
        top = expect(request("POST", f"/records/{record}/comments", talkers[n % 4], {"body": f"Comment {n}"}), 201)
        tops.append(top["id"])
        for m in range(REPLIES):
            expect(request("POST", f"/records/{record}/comments", talkers[m], {"body": f"Reply {m}", "parent_id": top["id"]}),
                   201)

    one, many = _register(request, "onefan"), _register(request, "manyfan")
    publishers = [_register(request, f"maker{n}") for n in range(PUBLISHING)]
    for n, maker in enumerate(publishers):
        expect(request("POST", "/records", maker, {"kind": "text", "title": f"Work {n}", "body": "Made."}), 201)
    expect(request("PUT", "/members/maker0/follow", one), 200)
    for n in range(PUBLISHING):
        expect(request("PUT", f"/members/maker{n}/follow", many), 200)
    _seed_follows(expect(request("GET", "/members/manyfan"), 200), FOLLOWEES - PUBLISHING)
    EventPump(app, boto3.client("sqs")).drain()  # the fan-out: backfills of every follow
    profile = expect(request("GET", "/members/manyfan"), 200)
    assert profile["following_count"] == FOLLOWEES, profile
    expect(request("GET", "/me", one), 200)  # warm identities
    expect(request("GET", "/me", many), 200)

    def has_replies(reply) -> str | None:
        if any(len(t["replies"]) != 3 or t["reply_count"] != REPLIES for t in reply["items"]):
            return "a thread without its first 3 replies"
        return None

    return [
        Case(f"GET /records/{{id}}/comments ({PAGE_SIZE} threads + 3 replies each)", 2,
             lambda: request("GET", f"/records/{record}/comments?limit={PAGE_SIZE}"), 200, PAGE_SIZE, has_replies),
        Case("GET /comments/{id}/replies", 2, lambda: request("GET", f"/comments/{tops[0]}/replies"), 200, REPLIES),
        Case("GET /me/feed (1 followee)", 3, lambda: request("GET", "/me/feed", one), 200, 1),
        Case(f"GET /me/feed ({FOLLOWEES:,} followees, page of {PAGE_SIZE})", 3,
             lambda: request("GET", f"/me/feed?limit={PAGE_SIZE}", many), 200, PAGE_SIZE),
        Case("GET /members/{handle} (with a token)", None, lambda: request("GET", "/members/maker0", one), 200),
    ]


def report(rows: list[Row]) -> bool:
    print(f"DynamoDB round trips of comments and the following feed (warm, worst of {REPEATS} runs)")
    return print_rows(rows)


if __name__ == "__main__":
    sys.exit(measure_and_report(measure, report))
