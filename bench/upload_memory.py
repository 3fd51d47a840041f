"""Upload function memory: flat in file size. A 200 MB upload costs < 64 MB more peak RSS
than a tiny one.

moto keeps S3 objects in the memory of the process that runs it, so the upload function is
measured in a process of its own. This process (a fresh interpreter, see `support.run_fresh`)
starts the embedded AWS, registers a member, creates two `audio/wav` records (a tiny one and
a 200 MB one) and puts their bytes straight at `uploads/<id>` with one PutObject each (single
part, so the ETag is the MD5 kind that the upload function's copy check relies on). No event
pump runs: the bucket's notifications stay queued.

The measured process, `python -m bench.upload_memory --serve`, then gets the endpoint and the
two ids on stdin, imports the app, processes the tiny upload (imports, clients and connections
are now warm), takes its peak RSS, processes the big one and takes its peak RSS again: the
difference is what the file's size costs. ru_maxrss is a high-water mark, so nothing transient
escapes it.

It is started before this process holds anything big, because on Linux a child's ru_maxrss
starts at the peak of the address space it was spawned from (exec keeps the outgoing address
space's high-water mark in the process's rusage). Spawned after the 200 MB file was made and
uploaded, its "before" read ~790 MB, this process's peak, and any growth below that went
unseen. The child reports the ru_maxrss it started with, and the figures are refused unless its
own warm-up peak is above it.

Afterwards this process checks that the big record is `ready` with the sha256 computed while
the file was generated.
"""
from __future__ import annotations

import contextlib
import hashlib
import struct
import sys
import time
from dataclasses import dataclass

from bench.support import (
    aws_with_measured_function, expect, measured_function_main, receive_job, requester, run_fresh,
)
from local.aws import PROJECT_DIR

BIG_BYTES = 200 * 10**6  # "200 MB", decimal as in API.md: the audio limit, to the byte
SMALL_BYTES = 64 * 1024
MAX_EXTRA_MB = 64
HANDLE = "bench"

# 16-bit stereo PCM at 44.1 kHz: 200 MB is about 19 minutes of silence.
RATE, CHANNELS, SAMPLE_BYTES = 44100, 2, 2


@dataclass(frozen=True)
class Result:
    size: int
    start_kib: int  # ru_maxrss as the measured process started (inherited, see the module doc)
    before_kib: int  # peak RSS after the tiny upload
    after_kib: int  # peak RSS after the big one
    outcome: str
    seconds: float  # the big upload's processing time
    timings: dict[str, float]  # the parent's preparation, for the record

    @property
    def extra_mb(self) -> float:
        return (self.after_kib - self.before_kib) * 1024 / 10**6

    @property
    def passed(self) -> bool:
        return self.outcome == "ready" and self.extra_mb < MAX_EXTRA_MB


def run(runs: int = 9) -> bool:
    """Measures in fresh interpreters (see the module's doc); `runs` does not apply here."""
    return run_fresh("bench.upload_memory")


def wav(size: int) -> bytes:
    """A valid WAV file of exactly `size` bytes: a 44-byte header, then silence (zeros)."""
    block_align = CHANNELS * SAMPLE_BYTES
    data_bytes = size - 44
    if data_bytes < 0 or data_bytes % block_align:
        raise ValueError(f"{size} bytes is not a 44-byte header plus whole {block_align}-byte frames")
    header = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + data_bytes, b"WAVE", b"fmt ", 16, 1, CHANNELS,
                         RATE, RATE * block_align, block_align, SAMPLE_BYTES * 8, b"data", data_bytes)
    return header + bytes(data_bytes)


# --- the measured process ----------------------------------------------------------------------


def serve() -> dict:
    """The upload function's side, in its own process: waits for one job on stdin (the
    environment to use and the two record ids, as JSON on one line), then measures."""
    start, job = receive_job()
    return {"start_kib": start, **process(job["small_id"], job["big_id"])}


def process(small_id: str, big_id: str) -> dict:
    import resource

    import app  # noqa: F401  (what the deployed function imports first)
    from chalicelib.logic.uploads import process_object

    warm_up = process_object(f"uploads/{small_id}")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    started = time.perf_counter()
    outcome = process_object(f"uploads/{big_id}")
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"warm_up": warm_up, "outcome": outcome, "before_kib": before, "after_kib": after, "seconds": seconds}


# --- the parent: the embedded AWS, the records, the objects ------------------------------------


def measure() -> Result:
    timings: dict[str, float] = {}
    with (aws_with_measured_function("bench.upload_memory") as upload_function,
          uploading_member(HANDLE) as (request, member, put)):
        small_id = _awaiting_upload(request, member, SMALL_BYTES)
        put(small_id, wav(SMALL_BYTES))

        big_id = _awaiting_upload(request, member, BIG_BYTES)
        started = time.perf_counter()
        data = wav(BIG_BYTES)
        expected_sha256 = hashlib.sha256(data).hexdigest()
        timings["generate"] = time.perf_counter() - started
        started = time.perf_counter()
        put(big_id, data)
        timings["put"] = time.perf_counter() - started
        del data

        started = time.perf_counter()
        child = upload_function({"small_id": small_id, "big_id": big_id}, 300)
        timings["child"] = time.perf_counter() - started

        if child["warm_up"] != "ready":
            raise RuntimeError(f"the warm-up upload ended {child['warm_up']!r}, not 'ready'")
        if child["outcome"] == "ready":
            media = expect(request("GET", f"/records/{big_id}"), 200)["media"]
            if (media["sha256"], media["size"]) != (expected_sha256, BIG_BYTES):
                raise RuntimeError(f"ready with the wrong facts: {media}; expected sha256 {expected_sha256}")
        if child["before_kib"] <= child["start_kib"]:
            raise RuntimeError(
                f"the measured process's baseline ({child['before_kib']} KiB) is no higher than the "
                f"ru_maxrss it started with ({child['start_kib']} KiB): it would hide the growth")
    return Result(size=BIG_BYTES, start_kib=child["start_kib"], before_kib=child["before_kib"],
                  after_kib=child["after_kib"], outcome=child["outcome"], seconds=child["seconds"],
                  timings=timings)


@contextlib.contextmanager
def uploading_member(handle: str):
    """The app behind `chalice.test.Client` with a member `handle` registered: yields `request`
    (`support.requester`), the member's token, and `put(record_id, data)`, which stores an upload
    at `uploads/<id>` as the presigned POST would."""
    import boto3
    from chalice.test import Client

    from app import app
    from chalicelib.config import get_settings
    from local.tokens import mint

    settings = get_settings()
    s3 = boto3.client("s3", region_name=settings.region)
    with Client(app, stage_name="local", project_dir=str(PROJECT_DIR)) as client:
        request = requester(client)
        member = mint(f"sub-{handle}")
        expect(request("POST", "/members", member, {"handle": handle, "display_name": "Bench"}), 201)
        yield request, member, lambda record_id, data: _put(s3, settings.media_bucket, record_id, data)


def _awaiting_upload(request, member: str, size: int) -> str:
    created = expect(request("POST", "/records", member, {
        "kind": "audio", "title": f"Silence, {size} bytes",
        "file": {"filename": "silence.wav", "content_type": "audio/wav", "size": size},
    }), 201)
    return created["record"]["id"]


def _put(s3, bucket: str, record_id: str, data: bytes) -> None:
    """One PutObject, as the presigned POST would store it; its ETag must be the bytes' MD5."""
    key = f"uploads/{record_id}"
    etag = s3.put_object(Bucket=bucket, Key=key, Body=data, ContentType="audio/wav")["ETag"]
    md5 = hashlib.md5(data).hexdigest()
    if etag.strip('"') != md5:
        raise RuntimeError(f"{key}: ETag {etag} is not the MD5 of the bytes ({md5})")


def report(result: Result) -> bool:
    mb = 10**6 / 1024  # KiB per MB
    t = result.timings
    print("upload function memory (peak RSS of the process that runs it; MB = 10^6 bytes)")
    print(f"  object       {result.size / 10**6:7.1f} MB  WAV, single-part PutObject  "
          f"(generated + sha256 {t['generate']:.1f} s, put {t['put']:.1f} s)")
    print(f"  processed    {result.outcome:>7}     in {result.seconds:.1f} s  "
          f"(upload function process {t['child']:.1f} s in all)")
    print(f"  peak before  {result.before_kib / mb:7.1f} MB  after a {SMALL_BYTES // 1024} KiB warm-up upload "
          f"(started at {result.start_kib / mb:.1f} MB)")
    print(f"  peak after   {result.after_kib / mb:7.1f} MB")
    print(f"  extra        {result.extra_mb:7.1f} MB  budget < {MAX_EXTRA_MB} MB  "
          f"{'PASS' if result.passed else 'FAIL'}")
    return result.passed


if __name__ == "__main__":
    sys.exit(measured_function_main("bench.upload_memory", __doc__, serve, measure, report))
