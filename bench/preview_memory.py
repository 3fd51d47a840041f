"""Preview memory: a thumbnail of a 20 MB image costs < 64 MB more peak RSS in the upload function.

Two images at the `image` kind's limit (20 MB, decimal, as in API.md), both kinds of worst case:
- a JPEG of 6000 x 4000 px of noise (96 MB if decoded at full size; Pillow's draft mode decodes
  it at 1/8 scale), padded after its end-of-image marker to 20 MB;
- a PNG at the decode bound (`domain.previews.MAX_DECODED_BYTES`: 3650 x 2740 px, 38 MB
  decoded, as Pillow keeps RGB at 4 bytes a pixel), padded after its IEND chunk to 20 MB.

Measured as `bench.upload_memory` measures the upload check (read its doc: the upload function
runs in a process of its own, started before this one holds anything big; ru_maxrss is a
high-water mark): a small PNG is processed first (Pillow imported, clients warm), then the JPEG,
then the PNG, each taking the peak RSS after it. Both records must end `ready` with a thumbnail.
"""
from __future__ import annotations

import io
import os
import sys
import time

from bench.support import (
    aws_with_measured_function, expect, measured_function_main, receive_job, run_fresh,
)
from bench.upload_memory import uploading_member

SIZE = 20 * 10**6
MAX_EXTRA_MB = 64
HANDLE = "benchpix"


def run(runs: int = 9) -> bool:
    """Measures in fresh interpreters (see the module's doc); `runs` does not apply here."""
    return run_fresh("bench.preview_memory")


def _padded(data: bytes) -> bytes:
    if len(data) > SIZE:
        raise ValueError(f"{len(data)} bytes before padding: over {SIZE}")
    return data + bytes(SIZE - len(data))  # after the end marker: decoders stop before it


def big_jpeg() -> bytes:
    from PIL import Image

    width, height = 6000, 4000
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(out, "JPEG", quality=85)
    return _padded(out.getvalue())


def big_png() -> bytes:
    from PIL import Image

    width, height = 3650, 2740
    noise = Image.frombytes("L", (width, height), os.urandom(width * height))
    flat = Image.new("L", (width, height), 90)
    out = io.BytesIO()
    Image.merge("RGB", [noise, flat, flat]).save(out, "PNG", compress_level=1)
    return _padded(out.getvalue())


def small_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 60, 20)).save(out, "PNG")
    return out.getvalue()


# --- the measured process ----------------------------------------------------------------------

def serve() -> dict:
    import resource

    start, job = receive_job()
    import app  # noqa: F401  (what the deployed function imports first)
    from chalicelib.logic.uploads import process_object

    peaks, outcomes, seconds = [], [], []
    for record_id in job["ids"]:
        started = time.perf_counter()
        outcomes.append(process_object(f"uploads/{record_id}"))
        seconds.append(time.perf_counter() - started)
        peaks.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux
    return {"start_kib": start, "peaks_kib": peaks, "outcomes": outcomes, "seconds": seconds}


# --- the parent ----------------------------------------------------------------------------------

def measure() -> dict:
    with (aws_with_measured_function("bench.preview_memory") as upload_function,
          uploading_member(HANDLE) as (request, member, put)):
        ids = []
        for name, content_type, data in (("warm-up", "image/png", small_png()),
                                         ("jpeg", "image/jpeg", big_jpeg()), ("png", "image/png", big_png())):
            created = expect(request("POST", "/records", member, {
                "kind": "image", "title": name,
                "file": {"filename": f"{name}.img", "content_type": content_type, "size": len(data)}}), 201)
            ids.append(created["record"]["id"])
            put(ids[-1], data)
            del data
        result = upload_function({"ids": ids}, 600)
        result["thumbnails"] = [bool((expect(request("GET", f"/records/{i}"), 200)["previews"] or {})
                                     .get("thumbnail_url")) for i in ids]
    return result


def report(result: dict) -> bool:
    mb = 10**6 / 1024  # KiB per MB
    before = result["peaks_kib"][0]
    print("preview memory (peak RSS of the upload function's process; MB = 10^6 bytes)")
    print(f"  peak after a small PNG  {before / mb:7.1f} MB  (started at {result['start_kib'] / mb:.1f} MB)")
    passed = before > result["start_kib"]
    for index, name in ((1, "20 MB JPEG 6000x4000"), (2, "20 MB PNG 3650x2740")):
        extra = (result["peaks_kib"][index] - before) / mb
        ok = result["outcomes"][index] == "ready" and result["thumbnails"][index] and extra < MAX_EXTRA_MB
        passed = passed and ok
        print(f"  {name:22}  {result['outcomes'][index]:>5}, thumbnail {'made' if result['thumbnails'][index] else 'NONE'}"
              f", {result['seconds'][index]:.1f} s, extra {extra:6.1f} MB  budget < {MAX_EXTRA_MB} MB  "
              f"{'PASS' if ok else 'FAIL'}")
    return passed


if __name__ == "__main__":
    sys.exit(measured_function_main("bench.preview_memory", __doc__, serve, measure, report))
