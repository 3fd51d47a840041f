"""Previews of a ready media record, made from its checked bytes: an image's or photo's thumbnail,
an animated GIF's poster (its first frame), a WAV file's waveform.

What each kind gets (contract: `previews` in "Records"):

- image, photo: a thumbnail, WebP, aspect kept, never enlarged, longest side <= 480 px (Pillow).
- animation: a poster (the same size rule) for GIFs, from the first frame. An MP4 or WebM
  poster needs a video decoder (ffmpeg, or libav bindings), a system binary this Lambda does not
  ship: those get none.
- audio: a waveform of exactly 200 peaks, integers 0-1000, the loudest 1000, all 0 for silence,
  for WAV (linear PCM, 8/16/24/32-bit, any channel count), decoded with the standard library's
  `wave`. MP3, FLAC, Ogg and M4A need a codec (libsndfile, libmpg123, ffmpeg) that no pure and
  maintained Python package decodes at a usable speed inside the function's time: they get none.
- video: none (as animation's MP4/WebM).

Memory stays bounded whatever the file: images are checked for their decoded size before a
pixel is decoded (a JPEG is decoded at 1/2..1/8 scale first, with Pillow's draft mode, so a
20 MB photo decodes to a few MB); an image whose decoded size would pass `MAX_DECODED_BYTES` gets
no thumbnail. Audio is read `WAVE_CHUNK_FRAMES` frames at a time. Every function here answers
None when the bytes do not give a preview, never raises on hostile bytes (the caller still guards:
a preview that fails never rejects the record).

Pillow is imported only when an image is made (cold start).
"""
from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

THUMBNAIL_MAX_SIDE = 480
WAVEFORM_PEAKS = 200
WAVEFORM_MAX = 1000
# The decoded image Pillow may hold (Pillow keeps RGB and RGBA at 4 bytes a pixel, L and P at 1):
# a 10-megapixel PNG, whatever its compressed size. Keeps a thumbnail under 64 MB of extra RSS.
MAX_DECODED_BYTES = 40 * 2**20
WAVE_CHUNK_FRAMES = 64 * 1024
WEBP_QUALITY = 80

THUMBNAIL, POSTER, WAVEFORM = "thumbnail", "poster", "waveform"
PREVIEW_CONTENT_TYPE = "image/webp"
_WAV_TYPES = frozenset({"audio/wav", "audio/x-wav", "audio/wave"})
_IMAGE_FORMATS = ("PNG", "JPEG", "GIF", "WEBP")


@dataclass(frozen=True)
class Previews:
    """What was made for a record: a stored thumbnail, a stored poster, an inline waveform.
    A record whose previews were tried holds a Previews (perhaps with nothing in it); a record
    not tried yet holds None."""

    thumbnail: bool = False
    poster: bool = False
    waveform: tuple[int, ...] | None = None


def planned(kind: str, content_type: str) -> str | None:
    """Which preview a record of `kind` with this validated content type gets, or None."""
    if kind in ("image", "photo"):
        return THUMBNAIL
    if kind == "animation" and content_type == "image/gif":
        return POSTER
    if kind == "audio" and content_type in _WAV_TYPES:
        return WAVEFORM
    return None


# --- images ---------------------------------------------------------------------------------------

def _decoded_bytes(mode: str, size: tuple[int, int]) -> int:
    per_pixel = 1 if mode in ("1", "L", "P") else 2 if mode.startswith("I;16") else 4
    return size[0] * size[1] * per_pixel


def thumbnail_webp(source: BinaryIO) -> bytes | None:
    """The first frame of the image in `source` (seekable), as WebP with its longest side at most
    `THUMBNAIL_MAX_SIDE` (never enlarged), upright by its EXIF orientation. None when it cannot
    be decoded within `MAX_DECODED_BYTES`."""
    import io

    from PIL import Image, ImageOps

    try:
        with Image.open(source, formats=_IMAGE_FORMATS) as image:
            # JPEG only: choose the smallest DCT scale (1/1..1/8) still at least the target size.
            image.draft("RGB", (THUMBNAIL_MAX_SIDE, THUMBNAIL_MAX_SIDE))
            if _decoded_bytes(image.mode, image.size) > MAX_DECODED_BYTES:
                return None
            image.seek(0)
            image.thumbnail((THUMBNAIL_MAX_SIDE, THUMBNAIL_MAX_SIDE), Image.Resampling.LANCZOS, reducing_gap=2.0)
            # Turned upright after the shrinking: a turn copies the image, so it copies the small one.
            frame = ImageOps.exif_transpose(image)
            if frame.mode not in ("RGB", "RGBA"):
                transparent = frame.mode in ("LA", "PA") or "transparency" in frame.info
                frame = frame.convert("RGBA" if transparent else "RGB")
            out = io.BytesIO()
            frame.save(out, "WEBP", quality=WEBP_QUALITY, method=4)
            return out.getvalue()
    except Exception:  # noqa: BLE001  Pillow's decoders raise many kinds on hostile bytes
        return None


# --- audio ----------------------------------------------------------------------------------------

def wav_waveform(source: BinaryIO) -> tuple[int, ...] | None:
    """`WAVEFORM_PEAKS` peaks of the WAV in `source`: the frames split into that many equal runs,
    each run's largest absolute sample over every channel, scaled so the loudest run is
    `WAVEFORM_MAX` (rounded half up); all 0 for silence or no frames. None for what `wave` cannot
    read (compressed or float WAV, a broken header)."""
    import wave

    try:
        with wave.open(source, "rb") as reader:
            channels, width, frames = reader.getnchannels(), reader.getsampwidth(), reader.getnframes()
            if width not in (1, 2, 3, 4) or channels < 1:
                return None
            raw = [0] * WAVEFORM_PEAKS
            position = 0
            while position < frames:
                data = reader.readframes(min(WAVE_CHUNK_FRAMES, frames - position))
                got = len(data) // (width * channels)
                if got == 0:
                    break
                _peaks_into(raw, data[: got * width * channels], width, channels, position, frames)
                position += got
    except (wave.Error, EOFError, OSError, ValueError, struct.error):
        return None
    return scale_peaks(raw)


def scale_peaks(raw: list[int]) -> tuple[int, ...]:
    loudest = max(raw, default=0)
    if loudest <= 0:
        return (0,) * WAVEFORM_PEAKS
    return tuple((peak * WAVEFORM_MAX * 2 + loudest) // (2 * loudest) for peak in raw)


def _audioop():
    """The standard library's C peak finder where this Python still has it (3.11, 3.12: the Lambda
    runtimes); None on 3.13+, where the pure-Python reading below does the same, ~20x slower."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            import audioop
        except ImportError:
            return None
    return audioop


def _peak(segment: bytes, width: int) -> int:
    """The largest absolute sample of little-endian PCM `segment` (8-bit unsigned, else signed)."""
    audioop = _audioop()
    if audioop is not None:
        if width == 1:
            segment = audioop.bias(segment, 1, -128)  # unsigned WAV bytes to audioop's signed ones
        return audioop.max(segment, width)
    samples = _samples(segment, width)
    high, low = max(samples), min(samples)
    return max(high - 128, 128 - low) if width == 1 else max(high, -low)


def _samples(data: bytes, width: int):
    """The samples of PCM `data` as a sequence of ints (8-bit: unsigned, centred on 128)."""
    if width == 1:
        return memoryview(data).cast("B")
    if width == 3:  # widened to 32 bits: a zero low byte under each sample
        wide = bytearray(len(data) // 3 * 4)
        for offset in range(3):
            wide[offset + 1::4] = data[offset::3]
        return memoryview(_aligned(bytes(wide), 4)).cast("i")
    return memoryview(_aligned(data, width)).cast("h" if width == 2 else "i")


def _aligned(data: bytes, width: int) -> bytes:
    import sys

    if sys.byteorder == "little":
        return data
    import array

    values = array.array("h" if width == 2 else "i", data)
    values.byteswap()
    return values.tobytes()


def _peaks_into(raw: list[int], data: bytes, width: int, channels: int, first_frame: int, frames: int) -> None:
    """Raises each run's peak in `raw` with the interleaved PCM `data` of frames first_frame.."""
    frame_bytes = width * channels
    count = len(data) // frame_bytes
    index = 0
    while index < count:
        run = (first_frame + index) * WAVEFORM_PEAKS // frames
        # the first frame of the next run, relative to this chunk
        run_end = max(index + 1, min(count, -(-(run + 1) * frames // WAVEFORM_PEAKS) - first_frame))
        peak = _peak(data[index * frame_bytes: run_end * frame_bytes], width)
        if peak > raw[run]:
            raw[run] = peak
        index = run_end


def preview_key(record_id: str, preview: str) -> str:
    """Where a stored preview (THUMBNAIL or POSTER) lives: keyed by record id only."""
    return f"previews/{record_id}/{preview}.webp"


def spool_limit(preview: str) -> int | None:
    """How many leading bytes of the media a preview needs (None: all). A GIF's first frame
    comes first, so a poster reads at most 32 MB of a 500 MB animation."""
    return 32 * 2**20 if preview == POSTER else None
