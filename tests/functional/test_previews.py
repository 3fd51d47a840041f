"""Previews: the upload function makes thumbnails, posters and waveforms from the checked bytes,
and records answer them (presigned, served as image/webp; the waveform inline)."""
from __future__ import annotations

import io

import boto3
import pytest
import requests

from tests import media_samples as samples


@pytest.fixture
def s3(aws):
    return boto3.client("s3")


@pytest.fixture
def bucket():
    from chalicelib.config import get_settings

    return get_settings().media_bucket


def published(client, deliver, token, data: bytes, content_type: str, kind: str) -> dict:
    """Creates a media record, uploads `data` to its presigned POST, delivers the event: the record."""
    reply = client.post("/records", token=token, json_body={
        "kind": kind, "title": "A work", "file": {"filename": "f.bin", "content_type": content_type, "size": len(data)}})
    assert reply.status == 201, reply
    post = reply.json["upload"]
    sent = requests.post(post["url"], data=post["fields"], files={"file": ("f.bin", data)}, timeout=60)
    assert sent.status_code in (200, 201, 204), sent.text
    deliver()
    record = client.get(f"/records/{reply.json['record']['id']}", token=token).json
    assert record["status"] == "ready", record
    return record


def fetched_image(url: str):
    from PIL import Image

    served = requests.get(url, timeout=10)
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/webp"
    image = Image.open(io.BytesIO(served.content))
    assert image.format == "WEBP"
    image.load()
    return image


def colour_at(image, x: int, y: int) -> tuple[int, int, int]:
    return image.convert("RGB").getpixel((x, y))


# --- thumbnails ------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, content_type, data, size", [
    ("image", "image/png", samples.picture(1200, 800), (480, 320)),
    ("photo", "image/jpeg", samples.picture(600, 900, "JPEG", quality=90), (320, 480)),
    ("image", "image/webp", samples.picture(1000, 250, "WEBP"), (480, 120)),
    ("image", "image/gif", samples.picture(960, 480, "GIF"), (480, 240)),
    ("photo", "image/png", samples.picture(640, 480, mode="L"), (480, 360)),
])
def test_an_image_gets_a_webp_thumbnail_with_its_aspect_and_longest_side_480(client, member, deliver,
                                                                              kind, content_type, data, size):
    alice = member("alice")

    record = published(client, deliver, alice, data, content_type, kind)

    previews = record["previews"]
    assert set(previews) == {"thumbnail_url"}, previews
    thumbnail = fetched_image(previews["thumbnail_url"])
    assert thumbnail.size == size
    left, right = colour_at(thumbnail, 2, size[1] // 2), colour_at(thumbnail, size[0] - 3, size[1] // 2)
    assert left[0] > right[0] + 80, (left, right)  # red (or light) left, blue (or dark) right: not turned


def test_a_small_image_is_never_enlarged(client, member, deliver):
    alice = member("alice")

    record = published(client, deliver, alice, samples.picture(30, 12), "image/png", "image")

    assert fetched_image(record["previews"]["thumbnail_url"]).size == (30, 12)


def test_a_photo_is_turned_upright_by_its_exif_orientation(client, member, deliver):
    from PIL import Image

    image = Image.open(io.BytesIO(samples.picture(800, 400, "JPEG")))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    alice = member("alice")

    record = published(client, deliver, alice, out.getvalue(), "image/jpeg", "photo")

    thumbnail = fetched_image(record["previews"]["thumbnail_url"])
    assert thumbnail.size == (240, 480)
    # red was the left half: turned clockwise, it is the top half
    assert colour_at(thumbnail, 120, 5)[0] > 150 and colour_at(thumbnail, 120, 474)[2] > 150


def test_an_image_too_large_to_decode_within_the_memory_bound_is_ready_without_a_thumbnail(client, member, deliver):
    alice = member("alice")
    data = samples.picture(8000, 6000, mode="L")  # 48 MB decoded, a few KB compressed

    record = published(client, deliver, alice, data, "image/png", "image")

    assert record["previews"] == {}
    assert record["media"]["width"] == 8000


def test_a_broken_image_that_passes_the_check_is_ready_without_a_thumbnail(client, member, deliver):
    alice = member("alice")
    good = samples.picture(300, 200)
    broken = good[:40] + bytes(len(good) - 40)  # the header checks out, the pixels do not decode

    record = published(client, deliver, alice, broken, "image/png", "image")

    assert record["status"] == "ready" and record["previews"] == {}


def test_a_large_jpeg_is_thumbnailed_from_a_reduced_decode(client, member, deliver):
    alice = member("alice")
    data = samples.picture(6000, 4000, "JPEG", quality=60)  # 96 MB decoded at full size

    record = published(client, deliver, alice, data, "image/jpeg", "photo")

    assert fetched_image(record["previews"]["thumbnail_url"]).size == (480, 320)


# --- posters ---------------------------------------------------------------------------------------

def test_an_animated_gif_gets_a_poster_of_its_first_frame(client, member, deliver):
    alice = member("alice")
    data = samples.gif(900, 600, frames=3)  # frames alternate red-ish and blue-ish, red first

    record = published(client, deliver, alice, data, "image/gif", "animation")

    assert set(record["previews"]) == {"poster_url"}
    poster = fetched_image(record["previews"]["poster_url"])
    assert poster.size == (480, 320)
    red = colour_at(poster, 240, 160)
    assert red[0] > 150 > red[2], red


def test_a_video_and_an_mp4_animation_have_no_poster(client, member, deliver):
    alice = member("alice")

    video = published(client, deliver, alice, samples.mp4(seconds=2.5), "video/mp4", "video")
    animation = published(client, deliver, alice, samples.mp4(seconds=1.0), "video/mp4", "animation")

    assert video["previews"] == {} and animation["previews"] == {}


# --- waveforms -------------------------------------------------------------------------------------

def test_a_wav_gets_200_peaks_scaled_so_the_loudest_is_1000(client, member, deliver):
    alice = member("alice")
    # 200 runs of 80 frames: run i at amplitude (i+1)/200, so the peaks climb to 1000
    data = samples.tone_wav([(i + 1) / 200 for i in range(200)], channels=2)

    record = published(client, deliver, alice, data, "audio/wav", "audio")

    waveform = record["previews"]["waveform"]
    assert set(record["previews"]) == {"waveform"}
    assert len(waveform) == 200 and all(isinstance(peak, int) for peak in waveform)
    assert waveform[-1] == 1000 and max(waveform) == 1000 and min(waveform) >= 0
    assert waveform == [round((i + 1) * 1000 / 200) for i in range(200)]


@pytest.mark.parametrize("sample_width", [1, 3, 4])
def test_a_wav_of_any_pcm_sample_width_gets_a_waveform(client, member, deliver, sample_width):
    alice = member("alice")
    data = samples.tone_wav([0.5] * 100 + [1.0] * 100, sample_width=sample_width, frames_each=10)

    record = published(client, deliver, alice, data, "audio/x-wav", "audio")

    waveform = record["previews"]["waveform"]
    assert waveform[:100] == [pytest.approx(500, abs=5)] * 100 and waveform[100:] == [1000] * 100


def test_a_silent_wav_has_a_waveform_of_zeros(client, member, deliver):
    alice = member("alice")

    record = published(client, deliver, alice, samples.wav(seconds=1.0), "audio/wav", "audio")

    assert record["previews"]["waveform"] == [0] * 200


def test_audio_a_pure_decoder_cannot_read_has_no_waveform_and_is_ready(client, member, deliver):
    alice = member("alice")

    record = published(client, deliver, alice, samples.mp3(), "audio/mpeg", "audio")

    assert record["previews"] == {}


# --- where previews show, and where they go ----------------------------------------------------------

def test_previews_are_null_for_a_text_record_and_a_record_awaiting_its_upload(client, member):
    alice = member("alice")
    text = client.post("/records", token=alice, json_body={"kind": "text", "title": "T", "body": "Hi."}).json
    waiting = client.post("/records", token=alice, json_body={
        "kind": "image", "title": "I", "file": {"filename": "a.png", "content_type": "image/png", "size": 10}}).json

    assert text["record"]["previews"] is None
    assert client.get(f"/records/{waiting['record']['id']}", token=alice).json["previews"] is None


def test_the_feed_and_a_members_list_carry_the_previews(client, member, deliver):
    alice = member("alice")
    record = published(client, deliver, alice, samples.picture(100, 50), "image/png", "image")

    for path in ("/records", "/members/alice/records"):
        listed = client.get(path).json["items"]
        assert [item["id"] for item in listed] == [record["id"]]
        assert fetched_image(listed[0]["previews"]["thumbnail_url"]).size == (100, 50)


def test_a_takedown_deletes_the_stored_previews(client, member, deliver, s3, bucket):
    alice = member("alice")
    record = published(client, deliver, alice, samples.picture(100, 50), "image/png", "image")
    key = f"previews/{record['id']}/thumbnail.webp"
    assert s3.list_objects_v2(Bucket=bucket, Prefix=key)["KeyCount"] == 1

    assert client.request("DELETE", f"/records/{record['id']}", token=alice).status == 204

    assert s3.list_objects_v2(Bucket=bucket, Prefix=key)["KeyCount"] == 0
    assert client.get(f"/records/{record['id']}").json["previews"] is None


def test_the_thumbnail_is_served_as_webp_whatever_the_object_was_stored_with(client, member, deliver, s3, bucket):
    alice = member("alice")
    record = published(client, deliver, alice, samples.picture(100, 50), "image/png", "image")
    key = f"previews/{record['id']}/thumbnail.webp"
    s3.copy_object(Bucket=bucket, Key=key, CopySource={"Bucket": bucket, "Key": key},
                   MetadataDirective="REPLACE", ContentType="text/html")

    url = client.get(f"/records/{record['id']}").json["previews"]["thumbnail_url"]

    assert requests.get(url, timeout=10).headers["content-type"] == "image/webp"


@pytest.mark.parametrize("sample_width", [1, 2, 3, 4])
def test_the_pure_python_waveform_equals_the_c_one_for_every_sample_width(monkeypatch, sample_width):
    from chalicelib.domain import previews

    data = samples.tone_wav([(i % 17 + 1) / 17 for i in range(230)], channels=2, sample_width=sample_width, frames_each=9)
    with_c = previews.wav_waveform(io.BytesIO(data))
    monkeypatch.setattr(previews, "_audioop", lambda: None)

    assert previews.wav_waveform(io.BytesIO(data)) == with_c
    assert len(with_c) == 200 and max(with_c) == 1000
