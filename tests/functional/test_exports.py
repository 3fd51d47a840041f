"""Exports over HTTP: POST /me/exports, the export function (delivered by the pump) streams a ZIP
to the local S3, GET /me/exports/{id} signs a URL, and the archive holds every kind of data."""
from __future__ import annotations

import hashlib
import io
import json
import zipfile

import boto3
import pytest
import requests

from tests import media_samples as samples
from tests.functional.test_payouts import connect_account, settle, stripe  # noqa: F401  (the fake Stripe fixture)
from tests.functional.test_royalty_runs import run, sell, world  # noqa: F401  (the royalty world fixture)
from tests.support import assert_problem


def create_media(client, token, data: bytes, content_type: str, kind: str, title: str = "A drawing") -> dict:
    reply = client.post("/records", token=token, json_body={
        "kind": kind, "title": title, "file": {"filename": "f.bin", "content_type": content_type, "size": len(data)}})
    assert reply.status == 201, reply
    post = reply.json["upload"]
    answer = requests.post(post["url"], data=post["fields"], files={"file": ("f.bin", data)}, timeout=60)
    assert answer.status_code in (200, 201, 204), answer.text
    return reply.json["record"]


def text(client, token, title: str, body: str = "Once upon a time.") -> str:
    reply = client.post("/records", token=token, json_body={"kind": "text", "title": title, "body": body})
    assert reply.status == 201, reply
    return reply.json["record"]["id"]


def export(client, token, deliver) -> dict:
    started = client.post("/me/exports", token=token)
    assert started.status == 202 and started.json["status"] == "running", started
    deliver()
    ready = client.get(f"/me/exports/{started.json['id']}", token=token)
    assert ready.status == 200 and ready.json["status"] == "ready", ready
    return ready.json


def archive(ready: dict) -> zipfile.ZipFile:
    answer = requests.get(ready["url"], timeout=60)
    assert answer.status_code == 200, answer.text
    assert len(answer.content) == ready["size"]
    return zipfile.ZipFile(io.BytesIO(answer.content))


def test_an_export_holds_profile_records_media_hearts_and_the_features_still_to_come(client, member, deliver):
    alice, bob = member("alice"), member("bob")
    image = samples.png(16, 9)
    drawing = create_media(client, alice, image, "image/png", "image")
    sound = create_media(client, alice, samples.wav(0.5), "audio/wav", "audio", "A tune")
    story = text(client, alice, "A story", "Line one.\nLine two.")
    deliver()
    bobs = text(client, bob, "Bob's")
    assert client.request("PUT", f"/records/{bobs}/heart", token=alice).status == 200
    media_facts = {r: client.get(f"/records/{r}").json["media"] for r in (drawing["id"], sound["id"])}

    zipped = archive(export(client, alice, deliver))

    names = set(zipped.namelist())
    assert {"profile.json", "hearts.json", "comments.json", "follows.json", "payouts.json",
            f"records/{drawing['id']}.json", f"records/{sound['id']}.json", f"records/{story}.json",
            f"media/{drawing['id']}.png", f"media/{sound['id']}.wav"} <= names
    profile = json.loads(zipped.read("profile.json"))
    assert profile["handle"] == "alice" and profile["display_name"] == "Alice"
    for record_id, facts in media_facts.items():
        extension = "png" if record_id == drawing["id"] else "wav"
        data = zipped.read(f"media/{record_id}.{extension}")
        assert hashlib.sha256(data).hexdigest() == facts["sha256"] and len(data) == facts["size"]
    assert zipped.read(f"media/{drawing['id']}.png") == image
    written = json.loads(zipped.read(f"records/{story}.json"))
    assert written["title"] == "A story" and written["body"] == "Line one.\nLine two." and written["kind"] == "text"
    assert [h["record_id"] for h in json.loads(zipped.read("hearts.json"))] == [bobs]
    assert not any(n.startswith(f"records/{bobs}") for n in names)  # bob's record is not alice's
    assert json.loads(zipped.read("follows.json")) == {"following": [], "followers": []}
    assert json.loads(zipped.read("comments.json")) == [] and json.loads(zipped.read("payouts.json")) == []  # none yet


def test_an_export_includes_records_awaiting_upload_and_taken_down(client, member, deliver):
    alice = member("alice")
    waiting = client.post("/records", token=alice, json_body={
        "kind": "image", "title": "Soon", "file": {"filename": "a.png", "content_type": "image/png", "size": 10}}
    ).json["record"]["id"]
    gone = text(client, alice, "Gone")
    assert client.request("DELETE", f"/records/{gone}", token=alice).status == 204

    zipped = archive(export(client, alice, deliver))

    assert json.loads(zipped.read(f"records/{waiting}.json"))["status"] == "awaiting_upload"
    assert json.loads(zipped.read(f"records/{gone}.json"))["status"] == "removed"
    assert not any(n.startswith("media/") for n in zipped.namelist())


def test_an_export_carries_each_statement_as_json_and_csv(client, world, admin, deliver):  # noqa: F811
    sell(client, world)
    run(client, admin, deliver, "2026-09")

    zipped = archive(export(client, world["carol"], deliver))

    statement = json.loads(zipped.read("statements/2026-09.json"))
    assert statement["period"] == "2026-09"
    assert [(s["currency"], s["closing"]) for s in statement["statements"]] == [("USD", 500)]
    assert statement["statements"][0]["lines"][0]["record_id"] == world["C"]
    rows = zipped.read("statements/2026-09.csv").decode().splitlines()
    assert rows[0] == "currency,production_id,production_title,record_id,record_title,via,amount"
    assert rows[1].startswith("USD,") and rows[1].endswith(",lineage,500")


def test_an_export_carries_the_members_payouts_as_get_me_payouts_answers_them(
        client, world, admin, deliver, stripe):  # noqa: F811
    connect_account(client, stripe, world["alice"])
    sell(client, world)
    run(client, admin, deliver, "2026-09")
    settle(deliver)
    answered = client.get("/me/payouts", token=world["alice"]).json["items"]
    assert [(p["status"], p["amount"]["amount"]) for p in answered] == [("paid", 2500)]

    zipped = archive(export(client, world["alice"], deliver))

    assert json.loads(zipped.read("payouts.json")) == answered
    assert json.loads(archive(export(client, world["carol"], deliver)).read("payouts.json")) == []  # carried forward


def test_a_second_export_while_one_runs_is_a_conflict(client, member, deliver):
    alice = member("alice")
    first = client.post("/me/exports", token=alice)
    assert first.status == 202

    assert_problem(client.post("/me/exports", token=alice), 409)

    deliver()
    assert client.post("/me/exports", token=alice).status == 202  # once it is ready, another may start


def test_another_members_export_and_unknown_ids_are_not_found(client, member, deliver):
    alice, bob = member("alice"), member("bob")
    started = client.post("/me/exports", token=alice).json

    assert_problem(client.get(f"/me/exports/{started['id']}", token=bob), 404)
    assert_problem(client.get("/me/exports/01ARZ3NDEKTSV4RRFFQ69G5FAV", token=alice), 404)
    assert_problem(client.get("/me/exports/not-an-id", token=alice), 404)
    assert_problem(client.post("/me/exports"), 401)


def test_a_running_export_has_no_url_and_a_ready_one_a_fresh_url_each_get(client, member, deliver):
    alice = member("alice")
    started = client.post("/me/exports", token=alice).json
    running = client.get(f"/me/exports/{started['id']}", token=alice).json
    assert running["url"] is None and running["kept_until"] is None and running["size"] is None

    deliver()
    first = client.get(f"/me/exports/{started['id']}", token=alice).json
    import time
    time.sleep(1.1)
    second = client.get(f"/me/exports/{started['id']}", token=alice).json

    assert first["url"] != second["url"] and first["size"] > 0
    assert first["expires_at"] < second["expires_at"] and first["kept_until"] == second["kept_until"]
    assert "/exports/" in first["url"]


def test_export_ready_is_published_to_the_member(client, member, deliver, subscribed):
    alice = member("alice")
    started = client.post("/me/exports", token=alice).json
    deliver()

    told = [e for e in subscribed if e.type == "export_ready"]
    assert len(told) == 1 and told[0].subject.id == started["id"]
    me = client.get("/me", token=alice).json
    assert told[0].recipients == (me["id"],)


def test_the_archive_is_written_under_the_exports_prefix_with_a_seven_day_lifecycle(client, member, deliver):
    from chalicelib.config import get_settings

    alice = member("alice")
    export(client, alice, deliver)
    s3 = boto3.client("s3")
    bucket = get_settings().media_bucket

    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="exports/").get("Contents", [])]
    rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]

    assert len(keys) == 1 and keys[0].endswith(".zip")
    assert any(r["Filter"].get("Prefix") == "exports/" and r["Expiration"]["Days"] == 7 for r in rules)


@pytest.mark.parametrize("part_bytes", [5 * 1024 * 1024])
def test_the_archive_streams_in_parts_and_never_holds_a_whole_file(client, member, deliver, monkeypatch, part_bytes):
    """A media file larger than two parts goes out as several parts; the writer's buffer never
    holds more than a part and a read chunk."""
    from chalicelib.storage import your_data as storage

    sent, peak = [], [0]
    original_send, original_write = storage.MultipartWriter._send, storage.MultipartWriter.write

    def send(self, part):
        sent.append(len(part))
        return original_send(self, part)

    def write(self, data):
        answer = original_write(self, data)
        peak[0] = max(peak[0], len(self._buffer))
        return answer

    monkeypatch.setattr(storage, "PART_BYTES", part_bytes)
    monkeypatch.setattr(storage.MultipartWriter, "_send", send)
    monkeypatch.setattr(storage.MultipartWriter, "write", write)
    monkeypatch.setattr(storage.MultipartWriter.__init__, "__defaults__", (part_bytes,))
    alice = member("alice")
    big = samples.wav(130.0, rate=96000)  # ~12.5 MB: three parts of 5 MiB
    record = create_media(client, alice, big, "audio/wav", "audio", "Long")
    deliver()

    zipped = archive(export(client, alice, deliver))

    assert zipped.read(f"media/{record['id']}.wav") == big
    assert len(sent) >= 3 and max(sent) == part_bytes and peak[0] < part_bytes


def test_an_export_carries_the_members_comments_and_follows_both_ways(client, member, deliver):
    alice, bob = member("alice"), member("bob")
    story = text(client, bob, "Bob's")
    assert client.request("PUT", "/members/bob/follow", token=alice).status == 200
    assert client.request("PUT", "/members/alice/follow", token=bob).status == 200
    said = client.post(f"/records/{story}/comments", token=alice, json_body={"body": "Nice\nwork."}).json

    zipped = archive(export(client, alice, deliver))

    comments = json.loads(zipped.read("comments.json"))
    assert [(c["id"], c["body"], c["subject"]) for c in comments] == [
        (said["id"], "Nice\nwork.", {"type": "record", "id": story})]
    follows = json.loads(zipped.read("follows.json"))
    assert [f["handle"] for f in follows["following"]] == ["bob"]
    assert [f["handle"] for f in follows["followers"]] == ["bob"]
