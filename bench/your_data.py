"""Your data: the export function's memory is flat in the size of the media, and a deletion
touches each of the member's items once, in batches.

1. Export: a member with 500 ready records and 1 GB of media (2 MB each, patterned bytes made
   without holding more than one file). The export function runs in a process of its own (as
   bench.upload_memory's does, and for the same reason: ru_maxrss is a high-water mark, and a
   child spawned after the parent held something big inherits it), started before anything big
   exists. It builds a tiny export first (imports, clients, connections warm), takes its peak
   RSS, builds the big one and takes it again: the difference is what 1 GB of media costs.
   Budget: < 128 MB. The time is printed.
2. Deletion: DELETE /me of a member with 1,000 records, 5,000 hearts given and 2,000 follows
   (1,000 each way), with the DynamoDB round trips counted by operation. Budget: at most one
   round trip per 100 records, per 25 hearts and per 50 follows (each moves the other member's
   count in the same transaction), plus the Queries and BatchGets that list them, 5% slack.

`python -m bench.your_data` (or `python -m bench --only your_data`).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from bench.support import (
    app_output_held_back, aws_with_measured_function, print_result, read_result, receive_job, run_fresh,
)
from local.aws import PROJECT_DIR

RECORDS, MEDIA_BYTES = 500, 10**9
MAX_EXTRA_MB = 128
DELETE_RECORDS, DELETE_HEARTS, DELETE_FOLLOWS = 1000, 5000, 2000


def run(runs: int = 9) -> bool:
    """Measures in fresh interpreters; `runs` does not apply here."""
    return run_fresh("bench.your_data")


# --- the measured export function ------------------------------------------------------------

def serve() -> dict:
    import resource

    start, job = receive_job()
    import app  # noqa: F401  (what the deployed function imports first)
    from chalicelib.logic.your_data import build_export

    with app_output_held_back():
        small = build_export(job["small"])
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        big = build_export(job["big"])
        seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"start_kib": start, "before_kib": before, "after_kib": after, "seconds": seconds,
            "small": small.status if small else None, "big": big.status if big else None,
            "size": big.size if big else None}


def _media(n: int, size: int) -> bytes:
    """A file of `size` bytes, patterned by its number (fast to make; not compressible by much)."""
    import hashlib

    seed = hashlib.sha256(str(n).encode()).digest() * 2048  # 64 KiB
    return (seed * (size // len(seed) + 1))[:size]


def _seed_export(settings) -> tuple[str, str, dict]:
    from chalicelib import services
    from chalicelib.domain.clock import utcnow
    from chalicelib.domain.ids import new_id_with_time
    from chalicelib.domain.records import READY, Media, Record, media_key
    from chalicelib.logic import members
    from chalicelib.storage.models import MediaAttribute
    from chalicelib.storage.models import OwnsItem
    from chalicelib.storage.records import _item

    import boto3

    s3 = boto3.client("s3", region_name=settings.region)
    timings = {}
    ids = {}
    for handle, count, size in (("tiny", 1, 1000), ("big", RECORDS, MEDIA_BYTES // RECORDS)):
        profile = members.register(f"sub-{handle}", handle, handle.title(), None)
        started = time.perf_counter()
        for n in range(count):
            record_id, now = new_id_with_time()
            record = Record(id=record_id, kind="audio", title=f"Take {n}", owner_id=profile.id, owner_handle=handle,
                            owner_sub=f"sub-{handle}", status=READY, created_at=now, updated_at=now,
                            media=Media(content_type="audio/wav", size=size, sha256="0" * 64))
            OwnsItem(*OwnsItem.key(profile.id, record_id), record_id=record_id).save()  # as creation writes it
            item = _item(record)  # as mark_ready leaves it: ready, with its media facts
            item.media = MediaAttribute(**record.media.__dict__)
            item.save()
            s3.put_object(Bucket=settings.media_bucket, Key=media_key(record_id), Body=_media(n, size),
                          ContentType="audio/wav")
        timings[f"seed {handle}"] = time.perf_counter() - started
        ids[handle] = services.exports().start(profile.id, handle, utcnow()).id
    return ids["tiny"], ids["big"], timings


def measure_export() -> dict:
    with aws_with_measured_function("bench.your_data") as export_function:
        from chalicelib.config import get_settings

        with app_output_held_back():
            small, big, timings = _seed_export(get_settings())
        return {**export_function({"small": small, "big": big}, 3600), "timings": timings}


# --- deletion round trips ---------------------------------------------------------------------

def measure_deletion() -> dict:
    """Seeds with BatchWriteItem (the items as the app writes them; counters are not the point
    here), then counts the round trips of one DELETE /me."""
    from bench.support import counted_app
    from local.tokens import mint

    with app_output_held_back(), counted_app() as (app, client, counter):
        from chalicelib.domain.clock import now_rfc3339
        from chalicelib.domain.ids import new_id, new_id_with_time
        from chalicelib.domain.records import READY, Record
        from chalicelib.logic import members
        from chalicelib.storage.models import FollowItem, HeartItem, MemberItem, OwnsItem, RecordItem
        from chalicelib.storage.records import _item

        started = time.perf_counter()
        leaving = members.register("sub-leaving", "leaving", "Leaving", None)
        now = now_rfc3339()
        others = [(new_id(), f"other{n}") for n in range(DELETE_FOLLOWS // 2)]
        with MemberItem.batch_write() as batch:
            for member_id, handle in others:
                batch.save(MemberItem(*MemberItem.key(handle), member_id=member_id, sub=f"sub-{handle}", handle=handle,
                                      display_name=handle, created_at=now, updated_at=now))
        with RecordItem.batch_write() as batch, OwnsItem.batch_write() as owns:
            for n in range(DELETE_RECORDS):
                record_id, created = new_id_with_time()
                batch.save(_item(Record(id=record_id, kind="text", title=f"Text {n}", owner_id=leaving.id,
                                        owner_handle="leaving", owner_sub="sub-leaving", status=READY,
                                        created_at=created, updated_at=created, body="Words.")))
                owns.save(OwnsItem(*OwnsItem.key(leaving.id, record_id), record_id=record_id))
        hour = now[:13].replace("-", "").replace("T", "")
        with HeartItem.batch_write() as batch:
            for _ in range(DELETE_HEARTS):
                record_id = new_id()
                batch.save(HeartItem(*HeartItem.key(record_id, "sub-leaving"), record_id=record_id, hearted_at=now,
                                     hour=hour, gsi1pk="HEARTS_BY#sub-leaving", gsi1sk=f"{now}#{record_id}"))
        with FollowItem.batch_write() as batch:
            for member_id, handle in others:
                for (a, ah), (b, bh) in (((leaving.id, "leaving"), (member_id, handle)),
                                         ((member_id, handle), (leaving.id, "leaving"))):
                    batch.save(FollowItem(*FollowItem.key(a, b), follower_id=a, follower_handle=ah, followee_id=b,
                                          followee_handle=bh, followed_at=now, gsi1pk=f"FOLLOWING#{a}",
                                          gsi1sk=f"{now}#{b}", gsi2pk=f"FOLLOWERS#{b}", gsi2sk=f"{now}#{a}"))
        seeding = time.perf_counter() - started

        token = mint("sub-leaving")
        counter.reset()
        started = time.perf_counter()
        reply = client.http.request("DELETE", "/me", headers={"authorization": f"Bearer {token}",
                                                               "content-type": "application/json"},
                                    body=json.dumps({"confirm_handle": "leaving"}).encode())
        seconds = time.perf_counter() - started
        if reply.status_code != 204:
            raise RuntimeError(f"DELETE /me answered {reply.status_code}: {reply.body[:300]!r}")
        return {"by_operation": counter.by_operation, "total": counter.total, "seconds": seconds, "seeding": seeding}


def _in_fresh_process(flag: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "bench.your_data", flag], cwd=PROJECT_DIR, capture_output=True,
                          text=True, timeout=3600)
    result = read_result(done.stdout)
    if result is None:
        raise RuntimeError(f"{flag} reported nothing: {done.stderr[-3000:]}")
    return result


def deletion_budget() -> int:
    pages = 2 * (DELETE_RECORDS // 1000 + 1) + DELETE_HEARTS // 1000 + 1 + 2 * (DELETE_FOLLOWS // 100 + 1) + 2
    batches = 2 * (DELETE_RECORDS // 100) + 2 * (DELETE_RECORDS // 100) + DELETE_HEARTS // 25
    follows = 2 * -(-DELETE_FOLLOWS // 2 // 50)  # 50 follows a transaction, each side apart
    return int((pages + batches + follows + 10) * 1.05)  # + the profile's transaction and the request's reads


def main() -> int:
    export = measure_export()
    extra_mb = (export["after_kib"] - export["before_kib"]) * 1024 / 10**6
    export_ok = export["big"] == "ready" and export["size"] and export["size"] > MEDIA_BYTES and extra_mb < MAX_EXTRA_MB
    print("your_data: export of 500 records with 1 GB of media (the export function in its own process)")
    print(f"  archive {export['size'] / 10**9:.2f} GB in {export['seconds']:.1f} s "
          f"({export['size'] / 10**6 / export['seconds']:.0f} MB/s); peak RSS {export['before_kib'] / 1024:.0f} MiB "
          f"after a tiny export, {export['after_kib'] / 1024:.0f} MiB after the big one: +{extra_mb:.1f} MB "
          f"(budget < {MAX_EXTRA_MB} MB) {'ok' if export_ok else 'OVER'}")
    print("  seeding: " + ", ".join(f"{k} {v:.1f} s" for k, v in export["timings"].items()))
    deletion = _in_fresh_process("--deletion")  # its own embedded AWS: the app caches its clients
    budget = deletion_budget()
    deletion_ok = deletion["total"] <= budget
    print(f"your_data: DELETE /me of a member with {DELETE_RECORDS} records, {DELETE_HEARTS} hearts given, "
          f"{DELETE_FOLLOWS} follows")
    print(f"  {deletion['total']} DynamoDB round trips in {deletion['seconds']:.1f} s (budget <= {budget}) "
          f"{'ok' if deletion_ok else 'OVER'}: " + ", ".join(f"{op} {n}" for op, n in sorted(deletion['by_operation'].items())))
    return 0 if export_ok and deletion_ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--serve", action="store_true", help="be the measured export function (stdin: the job)")
    parser.add_argument("--deletion", action="store_true", help="measure the deletion only (in this process)")
    args = parser.parse_args()
    if args.serve or args.deletion:
        print_result(serve() if args.serve else measure_deletion())
        sys.exit(0)
    sys.exit(main())
