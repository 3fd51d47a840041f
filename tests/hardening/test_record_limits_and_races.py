"""What an attacker found, over real HTTP on the local stack, and its variants:

- records valid by the contract but larger than a DynamoDB item (400 KB): a 100,000-character
  body of 4-byte characters is 400,000 bytes of UTF-8 by itself;
- hearts and un-hearts racing the record's takedown: the answer is the truth (a 200 heart is
  counted, a 404 one is not);
- media served with the type the uploader sent instead of the one that was validated.

The local emulator does not refuse an item over 400 KB when it is put (only when an update grows
it), so the stored items are also measured here the way DynamoDB sizes them.
"""
from __future__ import annotations

import json
import random
import threading
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
import requests

from tests import media_samples as samples
from tests.hardening.world import TIMEOUT, unique

DYNAMODB_ITEM_LIMIT = 400 * 1024
MAX_BODY = 100_000
RACERS = 30


def four_byte_text(length: int, seed: int) -> str:
    """`length` characters, each 4 bytes of UTF-8 (astral planes), varied so that nothing lines up."""
    rng = random.Random(seed)
    return "".join(chr(rng.randrange(0x10000, 0x10FFFF)) for _ in range(length))


def send(world, method: str, path: str, principal: str, payload: dict) -> requests.Response:
    """JSON as UTF-8 (not \\u-escaped: 100,000 astral characters escaped are over the 1 MiB limit)."""
    return world.request(method, path, principal, data=json.dumps(payload, ensure_ascii=False).encode(),
                         headers={"Content-Type": "application/json"})


def register(world, prefix: str, count: int) -> list[str]:
    from local.tokens import mint

    names = [unique(prefix) for _ in range(count)]
    for name in names:
        world.tokens[name] = mint(f"sub-{name}")
        world.expect(201, "POST", "/members", name, json={"handle": name, "display_name": name})
    return names


def partition(record_id: str) -> list[dict]:
    """Every stored item in the record's partition, as DynamoDB returns them."""
    from chalicelib.config import get_settings
    from chalicelib.storage.models import RecordItem

    pk, _ = RecordItem.key(record_id)
    pages = boto3.client("dynamodb").get_paginator("query").paginate(
        TableName=get_settings().table_name, KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": pk}}, ConsistentRead=True)
    return [item for page in pages for item in page["Items"]]


def item_size(item: dict) -> int:
    """An item's size as DynamoDB counts it against the 400 KB limit: names plus values."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: dict) -> int:
    (kind, data), = value.items()
    if kind == "S":
        return len(data.encode())
    if kind == "B":
        return len(data)
    if kind == "N":
        return len(data.strip("-").replace(".", "").strip("0")) // 2 + 2
    if kind in ("BOOL", "NULL"):
        return 1
    if kind in ("SS", "NS", "BS"):
        return sum(_value_size({kind[0]: member}) for member in data)
    if kind == "L":
        return 3 + sum(1 + _value_size(member) for member in data)
    return 3 + sum(len(key.encode()) + 1 + _value_size(member) for key, member in data.items())


def assert_stored_within_the_item_limit(record_id: str) -> None:
    sizes = {item["sk"]["S"]: item_size(item) for item in partition(record_id)}
    assert max(sizes.values()) <= DYNAMODB_ITEM_LIMIT, sizes


# --- records at every limit -----------------------------------------------------------------

@pytest.fixture
def sources(world) -> list[str]:
    """Fifty ready records of bob's that a record may cite (the most it may)."""
    return [world.fresh_record("other_member") for _ in range(50)]


def largest_record(world, sources: list[str], seed: int) -> dict:
    """Every field at its limit, in 4-byte characters."""
    return {
        "kind": "text", "title": four_byte_text(120, seed), "description": four_byte_text(5000, seed + 1),
        "tags": [four_byte_text(30, seed + 2 + n) for n in range(10)],
        "sources": [{"record_id": s, "note": four_byte_text(500, seed + 20 + n)} for n, s in enumerate(sources)],
        "collaboration_id": world.collaboration, "body": four_byte_text(MAX_BODY, seed + 100),
    }


def assert_same(record: dict, sent: dict) -> None:
    assert record["body"] == sent["body"]
    assert (record["title"], record["description"]) == (sent["title"], sent["description"])
    assert record["tags"] == [tag.strip().lower() for tag in sent["tags"]]  # tags are stored normalised
    assert record["sources"] == [s["record_id"] for s in sent["sources"]]


def test_the_largest_valid_text_record_is_stored_and_read_back_exactly_everywhere_it_is_served(world, sources):
    sent = largest_record(world, sources, seed=1)

    reply = send(world, "POST", "/records", "member", sent)

    assert reply.status_code == 201, reply.text[:300]
    record_id = reply.json()["record"]["id"]
    assert_same(reply.json()["record"], sent)
    assert_same(world.expect(200, "GET", f"/records/{record_id}"), sent)
    assert_stored_within_the_item_limit(record_id)
    for path in ("/records", "/records?kind=text", f"/records?collaboration_id={world.collaboration}",
                 "/members/alice/records", f"/records/{sources[0]}/remixes"):
        listed = {r["id"]: r for r in world.expect(200, "GET", path)["items"]}
        assert_same(listed[record_id], sent)
    lineage = world.expect(200, "GET", f"/records/{record_id}/lineage?depth=1")
    assert len(lineage["nodes"]) == 51 and lineage["nodes"][0]["title"] == sent["title"]


def test_patching_the_largest_record_to_every_limit_again_is_stored_and_read_back_exactly(world, sources):
    sent = largest_record(world, sources, seed=2)
    record_id = send(world, "POST", "/records", "member", sent).json()["record"]["id"]
    changes = {"title": four_byte_text(120, 7), "description": four_byte_text(5000, 8),
               "tags": [four_byte_text(30, 9 + n) for n in range(10)]}

    reply = send(world, "PATCH", f"/records/{record_id}", "member", changes)

    assert reply.status_code == 200, reply.text[:300]
    assert_same(reply.json(), {**sent, **changes})
    assert_same(world.expect(200, "GET", f"/records/{record_id}"), {**sent, **changes})
    assert_stored_within_the_item_limit(record_id)


def test_the_largest_record_whose_body_stays_in_its_item_keeps_under_the_item_limit_when_patched(world, sources):
    from chalicelib.storage.records import INLINE_BODY_BYTES

    sent = {**largest_record(world, sources, seed=3), "body": four_byte_text(INLINE_BODY_BYTES // 4, 3)}
    record_id = send(world, "POST", "/records", "member", sent).json()["record"]["id"]
    for _ in range(100):  # the most remixes a record remembers
        world.fresh_record("other_member", sources=[{"record_id": record_id}])
    changes = {"title": four_byte_text(120, 4), "description": four_byte_text(5000, 5),
               "tags": [four_byte_text(30, 6 + n) for n in range(10)]}

    reply = send(world, "PATCH", f"/records/{record_id}", "member", changes)

    assert reply.status_code == 200, reply.text[:300]
    assert_same(world.expect(200, "GET", f"/records/{record_id}"), {**sent, **changes})
    assert world.expect(200, "GET", f"/records/{record_id}")["remix_count"] == 100
    assert_stored_within_the_item_limit(record_id)


def mixed_text(size: int, seed: int) -> str:
    """Exactly `size` bytes of UTF-8 in 1- to 4-byte characters (mostly 4), so that a piece of it
    cut at a byte boundary may end in the middle of a character."""
    rng = random.Random(seed)
    alphabet = ["a", "\n", "é", "€", "\U0001F3B6", "\U0001D11E", "\U00020BB7"]
    text, length = [], 0
    while length < size:
        character = rng.choice([c for c in alphabet if len(c.encode()) <= size - length])
        text.append(character)
        length += len(character.encode())
    return "".join(text)


@pytest.mark.parametrize("boundary, offset", [("inline", -1), ("inline", 0), ("inline", 1), ("inline", 3),
                                              ("chunk", -1), ("chunk", 0), ("chunk", 1)])
def test_bodies_of_every_size_around_the_storage_boundaries_are_read_back_exactly(world, boundary, offset):
    from chalicelib.storage.records import BODY_CHUNK_BYTES, INLINE_BODY_BYTES

    size = {"inline": INLINE_BODY_BYTES, "chunk": BODY_CHUNK_BYTES}[boundary] + offset
    body = mixed_text(size, seed=size)
    assert len(body) <= MAX_BODY

    created = send(world, "POST", "/records", "member", {"kind": "text", "title": "Sized", "body": body})

    assert created.status_code == 201, created.text[:300]
    record_id = created.json()["record"]["id"]
    assert world.expect(200, "GET", f"/records/{record_id}")["body"] == body
    assert {r["id"]: r["body"] for r in world.expect(200, "GET", "/records")["items"]}[record_id] == body


def test_taking_down_a_long_text_deletes_its_body_wherever_it_was_stored(world):
    body = four_byte_text(MAX_BODY, 11)
    record_id = send(world, "POST", "/records", "member", {"kind": "text", "title": "Gone", "body": body}
                     ).json()["record"]["id"]
    assert sum(item_size(item) for item in partition(record_id)) > len(body.encode())

    world.expect(204, "DELETE", f"/records/{record_id}", "member")

    tombstone = world.expect(200, "GET", f"/records/{record_id}")
    assert (tombstone["status"], tombstone["body"], tombstone["title"]) == ("removed", None, "Gone")
    assert sum(item_size(item) for item in partition(record_id)) < 4096
    assert record_id not in [r["id"] for r in world.expect(200, "GET", "/records")["items"]]


def pages(world, path: str, principal: str | None = None) -> list[list[dict]]:
    found, cursor = [], None
    while True:
        separator = "&" if "?" in path else "?"
        page = world.expect(200, "GET", f"{path}{separator}limit=100" + (f"&cursor={cursor}" if cursor else ""),
                            principal)
        found.append(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return found


def test_a_list_of_long_texts_is_served_in_pages_small_enough_to_answer_and_misses_none(world, deliver):
    from chalicelib.domain.records import PAGE_BODY_BYTES

    bodies = [four_byte_text(MAX_BODY, 30 + n) for n in range(8)]
    assert sum(len(b.encode()) for b in bodies) > 2 * PAGE_BODY_BYTES
    ids = [send(world, "POST", "/records", "member", {"kind": "text", "title": f"Long {n}", "body": body}
                ).json()["record"]["id"] for n, body in enumerate(bodies)]
    for record_id in ids:
        world.expect(200, "PUT", f"/records/{record_id}/heart", "other_member")
    deliver()
    expected = dict(zip(ids, bodies))

    for path in ("/records", "/members/alice/records", "/trending", "/members/bob/hearts"):
        served = pages(world, path)
        assert len(served) > 1, path
        for page in served:
            assert sum(len((r["body"] or "").encode()) for r in page) <= PAGE_BODY_BYTES or len(page) == 1
        items = {r["id"]: r["body"] for page in served for r in page}
        assert {i: items.get(i) for i in ids} == expected, path


# --- hearts racing a takedown ---------------------------------------------------------------

def race(world, calls: list[tuple[str, str, str]]) -> list[int]:
    """Sends every (method, path, principal) at once, one thread each, released by a barrier."""
    barrier = threading.Barrier(len(calls))

    def call(method: str, path: str, principal: str) -> int:
        headers = {"Authorization": f"Bearer {world.tokens[principal]}"}
        barrier.wait()
        return requests.request(method, world.base_url + path, headers=headers, timeout=TIMEOUT).status_code

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(lambda c: call(*c), calls))


def hearted_by(world, record_id: str, fans: list[str]) -> list[bool]:
    return [world.expect(200, "GET", f"/records/{record_id}", fan)["hearted_by_me"] for fan in fans]


def test_hearts_racing_a_takedown_are_counted_exactly_when_they_were_answered_200(world, deliver):
    fans = register(world, "fan", RACERS)
    counted = 0
    for _ in range(3):
        record_id = world.fresh_record("member")

        statuses = race(world, [("PUT", f"/records/{record_id}/heart", fan) for fan in fans]
                        + [("DELETE", f"/records/{record_id}", "member")])
        deliver()

        hearts, takedown = statuses[:-1], statuses[-1]
        assert takedown == 204 and set(hearts) <= {200, 404}, statuses
        tombstone = world.expect(200, "GET", f"/records/{record_id}")
        assert (tombstone["status"], tombstone["heart_count"]) == ("removed", hearts.count(200)), hearts
        assert hearted_by(world, record_id, fans) == [status == 200 for status in hearts]
        counted += hearts.count(200)
    assert world.expect(200, "GET", "/members/alice")["heart_count_received"] == counted


def test_hearts_taken_back_and_given_while_the_record_is_taken_down_leave_the_count_exact(world, deliver):
    leaving, arriving = register(world, "leaving", RACERS // 2), register(world, "arriving", RACERS // 2)
    record_id = world.fresh_record("member")
    for fan in leaving:
        world.expect(200, "PUT", f"/records/{record_id}/heart", fan)
    deliver()

    statuses = race(world, [("DELETE", f"/records/{record_id}/heart", fan) for fan in leaving]
                    + [("PUT", f"/records/{record_id}/heart", fan) for fan in arriving]
                    + [("DELETE", f"/records/{record_id}", "member")])
    deliver()

    taken_back, given, takedown = statuses[:len(leaving)], statuses[len(leaving):-1], statuses[-1]
    assert takedown == 204 and set(taken_back) == {200} and set(given) <= {200, 404}, statuses
    assert world.expect(200, "GET", f"/records/{record_id}")["heart_count"] == given.count(200)
    assert hearted_by(world, record_id, leaving) == [False] * len(leaving)
    assert hearted_by(world, record_id, arriving) == [status == 200 for status in given]


def test_a_heart_repeated_after_the_takedown_gets_the_answer_it_got_before(world, deliver):
    fans = register(world, "repeat", 2)
    record_id = world.fresh_record("member")
    world.expect(200, "PUT", f"/records/{record_id}/heart", fans[0])
    world.expect(204, "DELETE", f"/records/{record_id}", "member")

    repeated = world.expect(200, "PUT", f"/records/{record_id}/heart", fans[0])
    late = world.request("PUT", f"/records/{record_id}/heart", fans[1])
    deliver()

    assert repeated == {"hearted": True, "heart_count": 1}
    assert late.status_code == 404
    assert world.expect(200, "GET", f"/records/{record_id}")["heart_count"] == 1


# --- served content types -------------------------------------------------------------------

def upload_claiming(world, kind: str, content_type: str, data: bytes, claimed: str | None) -> str:
    """Declares `content_type`, then uploads `data` through the presigned POST with the form's
    Content-Type swapped for `claimed` (dropped if None): real S3 refuses that, the emulator not."""
    created = world.expect(201, "POST", "/records", "member", json={
        "kind": kind, "title": unique("Polyglot "),
        "file": {"filename": "x.bin", "content_type": content_type, "size": len(data)}})
    post = created["upload"]
    fields = {k: v for k, v in post["fields"].items() if k != "Content-Type"}
    if claimed is not None:
        fields["Content-Type"] = claimed
    assert requests.post(post["url"], data=fields, files={"file": ("x.html", data)}, timeout=TIMEOUT).ok
    return created["record"]["id"]


@pytest.mark.parametrize("kind, content_type, data, claimed", [
    ("image", "image/png", samples.png(3, 3) + b"<html><script>alert(document.domain)</script></html>", "text/html"),
    ("photo", "image/jpeg", samples.jpeg(4, 4), "image/svg+xml"),
    ("audio", "audio/wav", samples.wav(0.1), "application/xhtml+xml"),
    ("image", "image/gif", samples.gif(2, 2), None),
], ids=["png-as-html", "jpeg-as-svg", "wav-as-xhtml", "gif-without-a-type"])
def test_media_is_served_with_the_type_that_was_validated_never_the_one_the_upload_carried(
        world, deliver, kind, content_type, data, claimed):
    from chalicelib.config import get_settings

    record_id = upload_claiming(world, kind, content_type, data, claimed)
    deliver()

    record = world.expect(200, "GET", f"/records/{record_id}")
    served = requests.get(record["media_url"], timeout=TIMEOUT)
    stored = boto3.client("s3").head_object(Bucket=get_settings().media_bucket, Key=f"media/{record_id}")

    assert record["status"] == "ready" and record["media"]["content_type"] == content_type
    assert (served.status_code, served.headers["Content-Type"], served.content) == (200, content_type, data)
    assert stored["ContentType"] == content_type
