"""Records: create all kinds, upload real bytes to the local S3, let the pump deliver the event."""
from __future__ import annotations

import base64
import json
import time
from datetime import datetime, timezone

import boto3
import pytest
import requests

from tests import media_samples as samples
from tests.support import all_pages, assert_problem, unsigned


@pytest.fixture
def s3(aws):
    return boto3.client("s3")


@pytest.fixture
def bucket():
    from chalicelib.config import get_settings

    return get_settings().media_bucket


def create(client, token, **fields):
    body = {"kind": "image", "title": "A drawing", **fields}
    return client.post("/records", token=token, json_body=body)


def create_media(client, token, data: bytes, content_type: str, kind: str, size: int | None = None):
    reply = create(client, token, kind=kind,
                   file={"filename": "my file.bin", "content_type": content_type, "size": len(data) if size is None else size})
    assert reply.status == 201, reply
    return reply.json


def upload(created: dict, data: bytes) -> None:
    post = created["upload"]
    reply = requests.post(post["url"], data=post["fields"], files={"file": ("whatever.bin", data)}, timeout=60)
    assert reply.status_code in (200, 201, 204), reply.text


def object_exists(s3, bucket, key) -> bool:
    return s3.list_objects_v2(Bucket=bucket, Prefix=key).get("KeyCount", 0) > 0


# --- text ------------------------------------------------------------------------------------

def test_a_text_record_is_ready_at_once_without_an_upload(client, member):
    alice = member("alice")

    reply = create(client, alice, kind="text", title="  A tiny story ", body="Once upon a time.", tags=["tiny"])

    assert reply.status == 201, reply
    record = reply.json["record"]
    assert reply.json["upload"] is None
    assert record["status"] == "ready" and record["body"] == "Once upon a time."
    assert record["title"] == "A tiny story"
    assert record["owner"]["handle"] == "alice" and record["media"] is None
    assert client.get(f"/records/{record['id']}").json == record
    assert client.get("/members/alice").json["record_count"] == 1


def test_creating_content_needs_a_registered_member(client, token):
    reply = create(client, token("sub-stranger"), kind="text", body="hi")

    assert assert_problem(reply, 403)["type"].endswith("/register-first")


# --- media: the presigned POST ----------------------------------------------------------------

def test_a_media_record_awaits_its_upload_with_a_presigned_post_pinned_to_type_size_and_key(client, member):
    alice = member("alice")

    created = create_media(client, alice, samples.png(), "image/png", "image")

    record, post = created["record"], created["upload"]
    assert record["status"] == "awaiting_upload" and record["media"] is None
    fields = post["fields"]
    assert fields["key"] == f"uploads/{record['id']}"
    policy = json.loads(base64.b64decode(fields["policy"]))
    conditions = policy["conditions"]
    assert {"Content-Type": "image/png"} in conditions
    assert ["content-length-range", 1, 20_000_000] in conditions
    assert {"key": f"uploads/{record['id']}"} in conditions
    expires = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert 0 < (expires - datetime.now(timezone.utc)).total_seconds() <= 15 * 60
    assert post["expires_at"].endswith("Z")


def test_the_object_key_never_contains_client_text(client, member):
    alice = member("alice")

    created = create(client, alice, kind="audio", title="../../etc",
                     file={"filename": "../evil key?.mp3", "content_type": "audio/mpeg", "size": 10}).json

    assert created["upload"]["fields"]["key"] == f"uploads/{created['record']['id']}"


# --- media: upload processing ------------------------------------------------------------------

@pytest.mark.parametrize("kind, content_type, make, expected", [
    ("image", "image/png", lambda: samples.png(7, 5), {"width": 7, "height": 5}),
    ("photo", "image/jpeg", lambda: samples.jpeg(9, 4), {"width": 9, "height": 4}),
    ("animation", "image/gif", lambda: samples.gif(3, 2), {"width": 3, "height": 2}),
    ("image", "image/webp", lambda: samples.webp(6, 6), {"width": 6, "height": 6}),
    ("audio", "audio/wav", lambda: samples.wav(seconds=1.0), {"duration_seconds": 1.0}),
    ("audio", "audio/mpeg", lambda: samples.mp3(), {}),
    ("audio", "audio/ogg", lambda: samples.ogg(), {}),
    ("video", "video/mp4", lambda: samples.mp4(seconds=2.5), {"duration_seconds": 2.5}),
])
def test_a_valid_upload_becomes_ready_with_its_media_facts(client, member, deliver, s3, bucket,
                                                          kind, content_type, make, expected):
    import hashlib

    alice = member("alice")
    data = make()
    created = create_media(client, alice, data, content_type, kind)

    upload(created, data)
    deliver()

    record = client.get(f"/records/{created['record']['id']}", token=alice).json
    assert record["status"] == "ready", record
    media = record["media"]
    assert media["sha256"] == hashlib.sha256(data).hexdigest()
    assert media["size"] == len(data) and media["content_type"] == content_type
    assert {k: media[k] for k in expected} == expected
    assert requests.get(record["media_url"], timeout=10).content == data
    assert not object_exists(s3, bucket, f"uploads/{record['id']}")
    assert object_exists(s3, bucket, f"media/{record['id']}")
    assert client.get("/members/alice").json["record_count"] == 1


@pytest.mark.parametrize("kind, content_type, data, declared, reason", [
    ("audio", "audio/mpeg", samples.png(), None, "type_mismatch"),
    ("image", "image/jpeg", samples.png(), None, "type_mismatch"),
    ("image", "image/png", samples.png(), 10_000, "size_mismatch"),
    ("image", "image/png", b"", 5, "empty"),
    ("image", "image/png", samples.png()[:20], None, "unsupported_format"),
    ("image", "image/png", b"just some text, not an image at all" * 10, None, "unsupported_format"),
])
def test_a_bad_upload_is_rejected_with_its_reason_and_deleted(client, member, deliver, s3, bucket,
                                                             kind, content_type, data, declared, reason):
    alice = member("alice")
    created = create_media(client, alice, data, content_type, kind, size=declared or len(data) or 5)

    upload(created, data)
    deliver()

    record = client.get(f"/records/{created['record']['id']}", token=alice).json
    assert (record["status"], record["rejection_reason"]) == ("rejected", reason)
    assert record["media"] is None
    assert not object_exists(s3, bucket, f"uploads/{record['id']}")
    assert client.get("/members/alice").json["record_count"] == 0


def test_an_upload_over_the_kind_limit_is_rejected_as_too_large(client, member, deliver, s3, bucket):
    alice = member("alice")
    data = samples.png() + b"\0" * 20_000_001
    created = create_media(client, alice, data, "image/png", "image", size=1000)

    upload(created, data)
    deliver()

    record = client.get(f"/records/{created['record']['id']}", token=alice).json
    assert (record["status"], record["rejection_reason"]) == ("rejected", "too_large")
    assert not object_exists(s3, bucket, f"uploads/{record['id']}")


def test_a_duplicate_event_changes_nothing(client, member, deliver, aws):
    alice = member("alice")
    data = samples.png()
    created = create_media(client, alice, data, "image/png", "image")
    upload(created, data)
    deliver()
    before = client.get(f"/records/{created['record']['id']}", token=alice).json

    from chalicelib.config import get_settings

    settings = get_settings()
    sqs = boto3.client("sqs")
    event = {"Records": [{"eventName": "ObjectCreated:Post", "s3": {"bucket": {"name": settings.media_bucket},
             "object": {"key": f"uploads%2F{before['id']}", "size": len(data)}}}]}
    url = sqs.get_queue_url(QueueName=settings.upload_queue)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(event))
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(event))
    deliver()

    after = client.get(f"/records/{before['id']}", token=alice).json
    assert unsigned(after) == unsigned(before)
    assert after["previews"].keys() == before["previews"].keys()
    assert client.get("/members/alice").json["record_count"] == 1


def test_a_second_upload_after_ready_is_discarded_and_the_media_never_changes(client, member, deliver, s3, bucket):
    alice = member("alice")
    first = samples.png(7, 5)
    created = create_media(client, alice, first, "image/png", "image")
    upload(created, first)
    deliver()

    upload(created, samples.png(8, 8))  # the presigned POST is still valid
    deliver()

    record = client.get(f"/records/{created['record']['id']}", token=alice).json
    assert (record["media"]["width"], record["media"]["height"]) == (7, 5)
    assert requests.get(record["media_url"], timeout=10).content == first
    assert not object_exists(s3, bucket, f"uploads/{record['id']}")


def test_events_for_unknown_keys_and_test_events_are_dropped(client, deliver, s3, bucket):
    from chalicelib.config import get_settings

    s3.put_object(Bucket=bucket, Key="uploads/not-a-record", Body=b"x")
    s3.put_object(Bucket=bucket, Key="uploads/01ARZ3NDEKTSV4RRFFQ69G5FAV", Body=b"x")

    delivered = deliver()

    assert delivered == 3  # the bucket's s3:TestEvent and the two unknown keys
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=get_settings().upload_queue)["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (attributes["ApproximateNumberOfMessages"], attributes["ApproximateNumberOfMessagesNotVisible"]) == ("0", "0")


# --- visibility -------------------------------------------------------------------------------

def test_a_record_awaiting_upload_is_visible_to_its_owner_only(client, member):
    alice, bob = member("alice"), member("bob")
    record_id = create_media(client, alice, samples.png(), "image/png", "image")["record"]["id"]

    assert client.get(f"/records/{record_id}", token=alice).status == 200
    assert_problem(client.get(f"/records/{record_id}", token=bob), 404)
    assert_problem(client.get(f"/records/{record_id}"), 404)


def test_an_upload_that_never_arrived_is_gone_once_expired(client, member, aws):
    from chalicelib.config import get_settings

    alice = member("alice")
    record_id = create_media(client, alice, samples.png(), "image/png", "image")["record"]["id"]
    item = boto3.client("dynamodb").get_item(TableName=get_settings().table_name,
                                            Key={"pk": {"S": f"RECORD#{record_id}"}, "sk": {"S": "RECORD"}})["Item"]
    expires_at = int(item["expires_at"]["N"])
    assert 15 * 60 < expires_at - time.time() <= 15 * 60 + 3600 + 5  # TTL: presigned expiry + margin

    boto3.client("dynamodb").update_item(
        TableName=get_settings().table_name, Key={"pk": {"S": f"RECORD#{record_id}"}, "sk": {"S": "RECORD"}},
        UpdateExpression="SET expires_at = :past", ExpressionAttributeValues={":past": {"N": str(int(time.time()) - 1)}})

    assert_problem(client.get(f"/records/{record_id}", token=alice), 404)


@pytest.mark.parametrize("record_id", ["nope", "01ARZ3NDEKTSV4RRFFQ69G5FAV", "01arz3ndektsv4rrffq69g5fav"])
def test_unknown_or_malformed_record_ids_are_404(client, record_id):
    assert_problem(client.get(f"/records/{record_id}"), 404)


# --- bad input ---------------------------------------------------------------------------------

PNG_FILE = {"filename": "a.png", "content_type": "image/png", "size": 100}


@pytest.mark.parametrize("body, field", [
    ({"kind": "sculpture", "title": "x", "file": PNG_FILE}, "kind"),
    ({"kind": "image", "title": "", "file": PNG_FILE}, "title"),
    ({"kind": "image", "title": "x" * 121, "file": PNG_FILE}, "title"),
    ({"kind": "image", "title": "x", "description": "d" * 5001, "file": PNG_FILE}, "description"),
    ({"kind": "image", "title": "x", "tags": ["t"] * 11, "file": PNG_FILE}, "tags"),
    ({"kind": "image", "title": "x", "tags": ["t" * 31], "file": PNG_FILE}, "tags.0"),
    ({"kind": "image", "title": "x", "remixable": "yes", "file": PNG_FILE}, "remixable"),
    ({"kind": "image", "title": "x"}, "file"),
    ({"kind": "image", "title": "x", "file": PNG_FILE, "body": "words"}, "body"),
    ({"kind": "image", "title": "x", "file": {**PNG_FILE, "content_type": "audio/mpeg"}}, "file.content_type"),
    ({"kind": "photo", "title": "x", "file": {**PNG_FILE, "content_type": "image/gif"}}, "file.content_type"),
    ({"kind": "image", "title": "x", "file": {**PNG_FILE, "size": 20_000_001}}, "file.size"),
    ({"kind": "image", "title": "x", "file": {**PNG_FILE, "size": 0}}, "file.size"),
    ({"kind": "image", "title": "x", "file": {**PNG_FILE, "filename": ""}}, "file.filename"),
    ({"kind": "image", "title": "x", "file": {**PNG_FILE, "extra": 1}}, "file.extra"),
    ({"kind": "text", "title": "x"}, "body"),
    ({"kind": "text", "title": "x", "body": ""}, "body"),
    ({"kind": "text", "title": "x", "body": "b" * 100_001}, "body"),
    ({"kind": "text", "title": "x", "body": "a\u0000b"}, "body"),
    ({"kind": "text", "title": "x", "body": "bell\u0007"}, "body"),
    ({"kind": "text", "title": "x", "body": "b", "file": PNG_FILE}, "file"),
    ({"kind": "text", "title": "x", "body": "b", "owner": "bob"}, "owner"),
])
def test_invalid_records_are_400_naming_the_field_and_store_nothing(client, member, body, field):
    alice = member("alice")

    assert_problem(client.post("/records", token=alice, json_body=body), 400, field=field)
    assert client.get("/records").json["items"] == []


def test_a_record_in_an_unknown_collaboration_is_404(client, member):
    alice = member("alice")

    reply = create(client, alice, kind="text", body="b", collaboration_id="01ARZ3NDEKTSV4RRFFQ69G5FAV")

    assert_problem(reply, 404)
    assert client.get("/records").json["items"] == []


# --- edit and take down ------------------------------------------------------------------------

def test_the_owner_edits_title_description_tags_and_remixable(client, member):
    alice = member("alice")
    record_id = create(client, alice, kind="text", body="b").json["record"]["id"]

    reply = client.patch(f"/records/{record_id}", token=alice,
                         json_body={"title": "New", "description": "D", "tags": ["a", "b"], "remixable": False})

    assert reply.status == 200, reply
    assert (reply.json["title"], reply.json["description"], reply.json["tags"], reply.json["remixable"]) == \
        ("New", "D", ["a", "b"], False)
    assert reply.json["updated_at"] >= reply.json["created_at"]


def test_only_the_owner_may_edit_or_take_down(client, member):
    alice, bob = member("alice"), member("bob")
    record_id = create(client, alice, kind="text", body="b").json["record"]["id"]

    assert_problem(client.patch(f"/records/{record_id}", token=bob, json_body={"title": "Mine"}), 403)
    assert_problem(client.request("DELETE", f"/records/{record_id}", token=bob), 403)
    assert_problem(client.patch(f"/records/{record_id}", json_body={"title": "Mine"}), 401)
    assert client.get(f"/records/{record_id}").json["title"] == "A drawing"


@pytest.mark.parametrize("body, field", [({"title": None}, "title"), ({"kind": "audio"}, "kind"),
                                         ({"tags": None}, "tags"), ({"remixable": None}, "remixable")])
def test_patch_refuses_what_cannot_change(client, member, body, field):
    alice = member("alice")
    record_id = create(client, alice, kind="text", body="b").json["record"]["id"]

    assert_problem(client.patch(f"/records/{record_id}", token=alice, json_body=body), 400, field=field)


def test_take_down_leaves_a_tombstone_without_media(client, member, deliver, s3, bucket):
    alice = member("alice")
    data = samples.png()
    created = create_media(client, alice, data, "image/png", "image")
    upload(created, data)
    deliver()
    record_id = created["record"]["id"]

    reply = client.request("DELETE", f"/records/{record_id}", token=alice)

    assert reply.status == 204 and reply.raw == b""
    tombstone = client.get(f"/records/{record_id}").json
    assert tombstone["status"] == "removed" and tombstone["title"] == "A drawing"
    assert tombstone["media"] is None and tombstone["media_url"] is None and tombstone["body"] is None
    assert not object_exists(s3, bucket, f"media/{record_id}")
    assert client.get("/records").json["items"] == []
    assert client.get("/members/alice").json["record_count"] == 0
    assert_problem(client.patch(f"/records/{record_id}", token=alice, json_body={"title": "Back"}), 409)
    assert client.request("DELETE", f"/records/{record_id}", token=alice).status == 204


def test_a_text_body_keeps_its_line_breaks_and_tabs(client, member):
    alice = member("alice")
    body = "Verse one,\r\n\tindented.\n\nVerse two."

    record_id = create(client, alice, kind="text", body=body).json["record"]["id"]

    assert client.get(f"/records/{record_id}").json["body"] == body


def test_a_removed_text_record_loses_its_body(client, member):
    alice = member("alice")
    record_id = create(client, alice, kind="text", body="secret draft").json["record"]["id"]

    client.request("DELETE", f"/records/{record_id}", token=alice)

    assert client.get(f"/records/{record_id}").json["body"] is None


# --- lists --------------------------------------------------------------------------------------

def publish(client, token, n: int, kind: str = "text") -> list[str]:
    return [create(client, token, kind="text", title=f"{kind} {i}", body=str(i)).json["record"]["id"]
            for i in range(n)]


def id_pages(client, path: str, limit: int) -> list[list[str]]:
    return [[r["id"] for r in page] for page in all_pages(client, path, limit)]


def test_the_feed_lists_ready_records_newest_first_across_pages(client, member):
    alice = member("alice")
    ids = publish(client, alice, 7)
    create_media(client, alice, samples.png(), "image/png", "image")  # awaiting upload: not listed

    pages = id_pages(client, "/records", limit=3)

    assert [len(p) for p in pages] == [3, 3, 1]
    assert [i for page in pages for i in page] == list(reversed(ids))


def test_the_feed_filters_by_kind(client, member, deliver):
    alice = member("alice")
    text_ids = publish(client, alice, 2)
    data = samples.png()
    created = create_media(client, alice, data, "image/png", "image")
    upload(created, data)
    deliver()

    assert [r["id"] for r in client.get("/records?kind=image").json["items"]] == [created["record"]["id"]]
    assert [r["id"] for r in client.get("/records?kind=text").json["items"]] == list(reversed(text_ids))
    assert len(client.get("/records?kind=").json["items"]) == 3  # an empty value counts as absent


def test_unremixed_lists_ready_records_nobody_has_remixed(client, member):
    alice = member("alice")
    ids = publish(client, alice, 2)

    assert [r["id"] for r in client.get("/records?unremixed=true").json["items"]] == list(reversed(ids))


def test_a_members_records_are_listed_newest_first(client, member):
    alice, bob = member("alice"), member("bob")
    alice_ids = publish(client, alice, 3)
    publish(client, bob, 2)

    assert [i for page in id_pages(client, "/members/ALICE/records", 2) for i in page] == list(reversed(alice_ids))
    assert_problem(client.get("/members/nobody/records"), 404)


def test_a_tampered_cursor_or_one_from_another_list_is_400(client, member):
    alice = member("alice")
    publish(client, alice, 3)
    cursor = client.get("/records?limit=1").json["next_cursor"]
    flipped = cursor[:-2] + ("A" if cursor[-2] != "A" else "B") + cursor[-1]

    assert_problem(client.get(f"/records?limit=1&cursor={flipped}"), 400, field="cursor")
    assert_problem(client.get("/records?cursor=!!not-base64!!"), 400, field="cursor")
    assert_problem(client.get(f"/records?kind=text&cursor={cursor}"), 400, field="cursor")


@pytest.mark.parametrize("query, field", [("limit=0", "limit"), ("limit=101", "limit"), ("limit=ten", "limit"),
                                          ("kind=poem", "kind"), ("unremixed=maybe", "unremixed"),
                                          ("sort=oldest", "sort")])
def test_bad_list_parameters_are_400(client, query, field):
    assert_problem(client.get(f"/records?{query}"), 400, field=field)


def test_cursors_are_url_safe(client, member):
    alice = member("alice")
    publish(client, alice, 2)

    cursor = client.get("/records?limit=1").json["next_cursor"]

    assert cursor and all(c.isalnum() or c in "-_" for c in cursor)


def test_more_than_a_hundred_records_are_read_at_once_in_parallel_batches(client, member):
    from chalicelib import services

    alice = member("alice")
    ids = [client.post("/records", token=alice, json_body={"kind": "text", "title": f"T{n}", "body": "x"}
                       ).json["record"]["id"] for n in range(230)]

    found = services.records().get_many(ids + ["01J00000000000000000000000"], consistent=True)

    assert sorted(found) == sorted(ids)
