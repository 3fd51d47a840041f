"""Upload checks: what a stored file really is, and whether it is what its record declared."""
from __future__ import annotations

import io
import struct
import subprocess
import sys
from pathlib import Path

import filetype
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.media import (
    FORMATS_BY_CONTENT_TYPE,
    IMAGE_FORMATS,
    KINDS,
    MAX_BYTES,
    MEDIA_FORMATS,
    MEDIA_KINDS,
    REJECTION_REASONS,
    SNIFF_PREFIX_BYTES,
    MediaFacts,
    allowed_content_types,
    check_upload,
    inspect,
    sniff,
)
from tests import media_samples as samples
from tests.media_samples import SAMPLES_BY_CONTENT_TYPE, SAMPLES_BY_FORMAT

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"


def check(
    kind: str,
    content_type: str,
    data: bytes,
    *,
    declared_size: int | None = None,
    actual_size: int | None = None,
):
    """check_upload for a stored object holding `data` (sizes default to its length)."""
    size = len(data)
    return check_upload(
        kind,
        content_type,
        declared_size=size if declared_size is None else declared_size,
        actual_size=size if actual_size is None else actual_size,
        prefix=data[:SNIFF_PREFIX_BYTES],
    )


# --- the samples themselves --------------------------------------------------------------------


@pytest.mark.parametrize("fmt", sorted(SAMPLES_BY_FORMAT))
def test_every_sample_is_recognised_by_filetype_as_intended(fmt):
    expected_extension = {"jpeg": "jpg"}.get(fmt, fmt)

    guess = filetype.guess(SAMPLES_BY_FORMAT[fmt]())

    assert guess is not None and guess.extension == expected_extension


@pytest.mark.parametrize("fmt", sorted(SAMPLES_BY_FORMAT))
def test_samples_are_a_few_kilobytes_at_most(fmt):
    assert 0 < len(SAMPLES_BY_FORMAT[fmt]()) <= 10_000


def test_every_media_format_has_a_sample_and_every_content_type_too():
    assert set(SAMPLES_BY_FORMAT) == set(MEDIA_FORMATS)
    assert set(SAMPLES_BY_CONTENT_TYPE) == set(FORMATS_BY_CONTENT_TYPE)


# --- sniffing ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", sorted(SAMPLES_BY_FORMAT))
def test_every_format_is_sniffed_from_its_magic_bytes(fmt):
    assert sniff(SAMPLES_BY_FORMAT[fmt]()) == fmt


@pytest.mark.parametrize(
    ("data", "fmt"),
    [
        pytest.param(samples.mp3(id3=False), "mp3", id="mp3-without-id3-tag"),
        pytest.param(samples.jpeg(progressive=True), "jpeg", id="progressive-jpeg"),
        pytest.param(samples.gif(frames=3), "gif", id="animated-gif"),
        pytest.param(samples.webp(variant="lossless"), "webp", id="lossless-webp"),
        pytest.param(samples.webp(variant="extended"), "webp", id="extended-webp"),
        pytest.param(samples.mp4(brand=b"mp42"), "mp4", id="mp42-brand"),
        pytest.param(samples.mp4(moov_first=False), "mp4", id="mp4-moov-last"),
    ],
)
def test_variants_of_a_format_are_sniffed_as_that_format(data, fmt):
    assert sniff(data) == fmt


def test_an_animated_png_is_sniffed_as_png():
    from PIL import Image

    frames = [Image.new("RGB", (4, 3), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    out = io.BytesIO()
    frames[0].save(out, "PNG", save_all=True, append_images=frames[1:])

    assert filetype.guess(out.getvalue()).extension == "apng"
    assert sniff(out.getvalue()) == "png"


@pytest.mark.parametrize(("data", "name"), [(samples.mkv(), "mkv"), (PDF, "pdf")])
def test_other_recognised_formats_keep_their_own_name(data, name):
    assert sniff(data) == name


@pytest.mark.parametrize("data", [b"", b"hello, world", bytes(1024), b"\x89PN"])
def test_unrecognised_bytes_sniff_as_none(data):
    assert sniff(data) is None


# --- dimensions --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "data"),
    [
        pytest.param("png", samples.png(300, 200), id="png"),
        pytest.param("gif", samples.gif(300, 200), id="gif"),
        pytest.param("gif", samples.gif(300, 200, frames=3), id="animated-gif"),
        pytest.param("jpeg", samples.jpeg(300, 200), id="baseline-jpeg"),
        pytest.param("jpeg", samples.jpeg(300, 200, progressive=True), id="progressive-jpeg"),
        pytest.param("webp", samples.webp(300, 200, variant="lossy"), id="lossy-webp-vp8"),
        pytest.param("webp", samples.webp(300, 200, variant="lossless"), id="lossless-webp-vp8l"),
        pytest.param("webp", samples.webp(300, 200, variant="extended"), id="extended-webp-vp8x"),
    ],
)
def test_image_dimensions_are_read_from_the_header(fmt, data):
    facts = inspect(data, fmt)

    assert (facts.width, facts.height) == (300, 200)
    assert facts.duration_seconds is None


def test_png_dimensions_are_read_from_the_header():
    assert inspect(samples.png(7, 5), "png") == MediaFacts("png", 7, 5, None)


def test_jpeg_fill_bytes_and_standalone_markers_are_skipped():
    original = samples.jpeg(31, 17)
    tem, restart, fill = b"\xff\x01", b"\xff\xd0", b"\xff\xff\xff"

    data = original[:2] + tem + restart + fill + original[2:]

    assert inspect(data, "jpeg").width == 31
    assert inspect(data, "jpeg").height == 17


def test_jpeg_huffman_tables_before_the_frame_header_are_not_mistaken_for_it():
    original = samples.jpeg(31, 17)
    # A DHT segment (C4, inside the SOF range) whose first bytes would read as 0x0202 x 0x0101.
    dht = b"\xff\xc4" + struct.pack(">HBHH", 7, 8, 0x0101, 0x0202)

    data = original[:2] + dht + original[2:]

    assert (inspect(data, "jpeg").width, inspect(data, "jpeg").height) == (31, 17)


def test_jpeg_frame_header_after_a_large_metadata_segment_is_found():
    original = samples.jpeg(31, 17)
    app1 = b"\xff\xe1" + struct.pack(">H", 2 + 5000) + b"Exif\x00\x00" + bytes(4994)

    data = original[:2] + app1 + original[2:]

    assert (inspect(data, "jpeg").width, inspect(data, "jpeg").height) == (31, 17)


def test_jpeg_scan_before_any_frame_header_has_no_dimensions():
    scan = b"\xff\xda" + struct.pack(">H", 8) + bytes(6)
    frame = b"\xff\xc0" + struct.pack(">HBHH", 11, 8, 5, 7)

    data = b"\xff\xd8" + scan + frame

    assert inspect(data, "jpeg").width is None


@pytest.mark.parametrize("fmt", sorted(IMAGE_FORMATS))
def test_zero_dimensions_are_malformed(fmt):
    header = {
        "png": b"\x89PNG\r\n\x1a\n" + struct.pack(">I4sII", 13, b"IHDR", 0, 5),
        "gif": b"GIF89a" + struct.pack("<HH", 7, 0),
        "jpeg": b"\xff\xd8\xff\xc0" + struct.pack(">HBHH", 11, 8, 0, 7),
        "webp": b"RIFF" + struct.pack("<I", 20) + b"WEBPVP8 " + struct.pack("<I", 10)
        + bytes(3) + b"\x9d\x01\x2a" + struct.pack("<HH", 0, 5),
    }[fmt]

    assert inspect(header, fmt).width is None


# --- durations ---------------------------------------------------------------------------------


def test_wav_duration_is_the_data_size_over_the_byte_rate():
    assert inspect(samples.wav(1.0), "wav").duration_seconds == 1.0
    assert inspect(samples.wav(0.25, rate=16000), "wav").duration_seconds == 0.25


def test_wav_chunks_before_fmt_are_skipped_with_their_padding_byte():
    original = samples.wav(0.5)
    odd_chunk = b"LIST" + struct.pack("<I", 3) + b"abc" + b"\x00"

    data = original[:12] + odd_chunk + original[12:]

    assert inspect(data, "wav").duration_seconds == 0.5


def test_flac_duration_comes_from_streaminfo():
    assert inspect(samples.flac(3.0, rate=44100), "flac").duration_seconds == 3.0
    assert inspect(samples.flac(1.5, rate=96000), "flac").duration_seconds == 1.5


def test_flac_with_unknown_total_samples_has_no_duration():
    assert inspect(samples.flac(0.0), "flac").duration_seconds is None


@pytest.mark.parametrize("mvhd_version", [0, 1])
@pytest.mark.parametrize(
    ("fmt", "make"), [("mp4", samples.mp4), ("mov", samples.mov), ("m4a", samples.m4a)]
)
def test_iso_media_duration_comes_from_the_movie_header(fmt, make, mvhd_version):
    assert inspect(make(4.125, mvhd_version=mvhd_version), fmt).duration_seconds == 4.125


@pytest.mark.parametrize("mvhd_version", [0, 1])
def test_an_all_ones_movie_duration_means_unknown(mvhd_version):
    data = samples.mp4(2.5, mvhd_version=mvhd_version)
    width = 4 if mvhd_version == 0 else 8
    # mvhd body: version and flags (4), two times (4 or 8 each), timescale (4), then duration.
    at = data.index(b"mvhd") + 4 + 4 + 2 * width + 4

    unknown = data[:at] + b"\xff" * width + data[at + width :]

    assert inspect(unknown, "mp4").duration_seconds is None


def test_a_zero_movie_duration_as_in_fragmented_mp4_means_unknown():
    assert inspect(samples.mp4(0), "mp4").duration_seconds is None


def test_durations_are_rounded_to_milliseconds():
    data = samples.mp4(1 / 3, timescale=44100)

    assert inspect(data, "mp4").duration_seconds == 0.333


def test_mp4_movie_header_after_the_media_data_is_found_inside_the_prefix():
    assert inspect(samples.mp4(2.5, moov_first=False), "mp4").duration_seconds == 2.5


def test_mp4_duration_is_unknown_when_moov_lies_beyond_the_prefix():
    data = samples.mp4(2.5, moov_first=False)
    prefix = data[: data.index(b"moov") - 4]

    assert sniff(prefix) == "mp4"
    assert inspect(prefix, "mp4").duration_seconds is None


def test_mp4_box_with_a_64_bit_size_is_stepped_over():
    original = samples.mp4(2.5)
    ftyp_end = struct.unpack(">I", original[:4])[0]
    free = struct.pack(">I4sQ", 1, b"free", 16 + 8) + bytes(8)

    data = original[:ftyp_end] + free + original[ftyp_end:]

    assert inspect(data, "mp4").duration_seconds == 2.5


@pytest.mark.parametrize("fmt", ["mp3", "ogg", "webm", "gif", "png"])
def test_formats_without_a_cheap_duration_report_none(fmt):
    assert inspect(SAMPLES_BY_FORMAT[fmt](), fmt).duration_seconds is None


# --- robustness --------------------------------------------------------------------------------

FORMAT_NAMES = (*MEDIA_FORMATS, "mkv", "pdf", "no-such-format")


@given(st.binary(max_size=600), st.sampled_from(FORMAT_NAMES))
def test_inspect_and_sniff_never_raise_on_arbitrary_bytes(data, fmt):
    sniff(data)
    assert inspect(data, fmt).format == fmt


@given(st.sampled_from(sorted(SAMPLES_BY_FORMAT)), st.data())
def test_inspect_and_sniff_never_raise_on_damaged_files(fmt, draw):
    data = bytearray(SAMPLES_BY_FORMAT[fmt]())
    for _ in range(draw.draw(st.integers(0, 8))):
        data[draw.draw(st.integers(0, len(data) - 1))] = draw.draw(st.integers(0, 255))
    data = bytes(data[: draw.draw(st.integers(0, len(data)))])

    sniff(data)
    for name in FORMAT_NAMES:
        inspect(data, name)


@pytest.mark.parametrize("fmt", sorted(SAMPLES_BY_FORMAT))
def test_a_truncated_header_gives_none_or_the_true_facts_never_wrong_ones(fmt):
    data = SAMPLES_BY_FORMAT[fmt]()
    whole = inspect(data, fmt)

    for length in range(len(data)):
        facts = inspect(data[:length], fmt)
        assert (facts.width, facts.height) in ((None, None), (whole.width, whole.height))
        assert facts.duration_seconds in (None, whole.duration_seconds)


# --- verdicts ----------------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", sorted(SAMPLES_BY_CONTENT_TYPE))
def test_every_declared_type_is_accepted_for_every_kind_that_allows_it(content_type):
    sample = SAMPLES_BY_CONTENT_TYPE[content_type]
    kinds = [kind for kind in MEDIA_KINDS if content_type in allowed_content_types(kind)]

    for kind in kinds:
        verdict = check(kind, content_type, sample.make())
        assert verdict.reason is None and verdict.accepted
        assert verdict.facts.format == sample.format
    assert kinds


def test_accepted_images_always_carry_width_and_height():
    verdict = check("photo", "image/webp", samples.webp(64, 48, variant="lossless"))

    assert verdict.facts == MediaFacts("webp", 64, 48, None)


def test_accepted_audio_carries_its_duration():
    assert check("audio", "audio/wav", samples.wav(0.75)).facts.duration_seconds == 0.75


def test_audio_mp4_accepts_an_isom_branded_file():
    verdict = check("audio", "audio/mp4", samples.mp4(2.5, brand=b"isom"))

    assert verdict.reason is None
    assert verdict.facts.format == "mp4"


def test_video_mp4_refuses_an_m4a_branded_file():
    assert check("video", "video/mp4", samples.m4a()).reason == "type_mismatch"


def test_an_animated_gif_is_accepted_as_an_animation():
    assert check("animation", "image/gif", samples.gif(frames=3)).reason is None


def test_declared_content_types_compare_case_insensitively_without_parameters():
    assert check("image", "Image/PNG; charset=binary", samples.png()).reason is None


def test_an_empty_object_is_empty():
    assert check("audio", "audio/mpeg", b"", declared_size=1000).reason == "empty"


def test_an_object_over_the_kinds_limit_is_too_large():
    data = samples.png()

    assert check("image", "image/png", data, actual_size=MAX_BYTES["image"] + 1).reason == "too_large"


def test_an_object_of_exactly_the_kinds_limit_is_not_too_large():
    data = samples.png()
    limit = MAX_BYTES["image"]

    assert check("image", "image/png", data, declared_size=limit, actual_size=limit).reason is None


def test_an_object_of_another_size_than_declared_is_a_size_mismatch():
    assert check("image", "image/png", samples.png(), declared_size=10_000).reason == "size_mismatch"


@pytest.mark.parametrize(
    "data", [PDF, samples.mkv(), b"just some text", bytes(100)], ids=["pdf", "mkv", "text", "zeros"]
)
def test_bytes_that_are_no_media_format_are_unsupported_format(data):
    assert check("video", "video/webm", data).reason == "unsupported_format"


def test_a_png_declared_as_audio_is_a_type_mismatch():
    assert check("audio", "audio/mpeg", samples.png()).reason == "type_mismatch"


def test_a_jpeg_declared_as_png_is_a_type_mismatch():
    assert check("image", "image/png", samples.jpeg()).reason == "type_mismatch"


def test_a_content_type_the_kind_does_not_allow_is_a_type_mismatch():
    assert check("photo", "image/gif", samples.gif()).reason == "type_mismatch"


def test_truncated_png_header_is_unsupported_format():
    truncated = samples.png()[:20]

    assert sniff(truncated) == "png"
    assert check("image", "image/png", truncated).reason == "unsupported_format"


@pytest.mark.parametrize("fmt", sorted(IMAGE_FORMATS))
def test_an_image_whose_size_cannot_be_read_is_unsupported_format(fmt):
    content_type = next(ct for ct, sample in SAMPLES_BY_CONTENT_TYPE.items() if sample.format == fmt)
    data = SAMPLES_BY_FORMAT[fmt]()
    header_only = data[: {"png": 16, "gif": 8, "jpeg": 4, "webp": 16}[fmt]]

    assert sniff(header_only) == fmt
    assert check("image", content_type, header_only).reason == "unsupported_format"


def test_reasons_are_checked_in_order_empty_size_type():
    too_big = MAX_BYTES["photo"] + 1
    # Every later check would fail too; the first failing one is reported.
    assert check("photo", "image/png", b"", declared_size=5, actual_size=0).reason == "empty"
    assert check("photo", "image/png", PDF, declared_size=5, actual_size=too_big).reason == "too_large"
    assert check("photo", "image/png", PDF, declared_size=5).reason == "size_mismatch"
    assert check("photo", "image/gif", PDF).reason == "unsupported_format"
    assert check("photo", "image/gif", samples.png()[:20]).reason == "type_mismatch"
    assert check("photo", "image/png", samples.png()[:20]).reason == "unsupported_format"


def test_rejections_carry_no_facts():
    assert check("audio", "audio/mpeg", samples.png()).facts is None


def test_rejection_reasons_are_api_md_s():
    assert set(REJECTION_REASONS) == {
        "too_large", "size_mismatch", "type_mismatch", "unsupported_format", "empty"
    }


def test_text_records_have_no_upload_to_check():
    with pytest.raises(ValueError):
        check_upload("text", "image/png", 10, 10, samples.png())


# --- kinds and content types -------------------------------------------------------------------


def test_gif_is_allowed_for_animation_and_image_but_not_for_photo():
    assert "image/gif" in allowed_content_types("animation")
    assert "image/gif" in allowed_content_types("image")
    assert "image/gif" not in allowed_content_types("photo")


def test_text_records_allow_no_content_type():
    assert KINDS[-1] == "text" and "text" not in MEDIA_KINDS
    assert allowed_content_types("text") == frozenset()


def test_each_kind_accepts_the_formats_api_md_lists():
    accepted = {
        kind: set().union(*(FORMATS_BY_CONTENT_TYPE[ct] for ct in allowed_content_types(kind)))
        for kind in MEDIA_KINDS
    }

    assert accepted == {
        # mp4 through audio/mp4: audio-only MP4 files often carry a generic isom/mp42 brand.
        "audio": {"mp3", "wav", "flac", "ogg", "m4a", "mp4"},
        "video": {"mp4", "mov", "webm"},
        "image": {"png", "jpeg", "gif", "webp"},
        "photo": {"jpeg", "png", "webp"},
        "animation": {"gif", "mp4", "webm"},
    }


def test_audio_aliases_are_allowed_for_audio():
    assert {"audio/x-wav", "audio/wave", "audio/x-m4a"} <= allowed_content_types("audio")


def test_size_limits_are_decimal_megabytes():
    assert MAX_BYTES == {
        "audio": 200_000_000,
        "video": 2_000_000_000,
        "image": 20_000_000,
        "photo": 30_000_000,
        "animation": 500_000_000,
    }


def test_importing_the_module_does_not_import_filetype():
    code = "import sys, chalicelib.domain.media; sys.exit('filetype' in sys.modules)"

    repo = Path(__file__).resolve().parents[2]

    assert subprocess.run([sys.executable, "-c", code], cwd=repo, check=False).returncode == 0
