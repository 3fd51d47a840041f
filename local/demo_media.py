"""Small, real media for the demo, made in code: pictures that look like something, a tune that
plays, an animation that moves and a video that runs in a browser — each a few KB to a few
hundred KB, so no binary file lives in the repository.

Images come from Pillow (a dev requirement). The WAV is 16-bit PCM from the standard library.
The video is a WebM assembled by hand: its VP8 key frames are taken from lossy WebP images that
Pillow encodes (a lossy WebP's `VP8 ` chunk is exactly one VP8 key frame), wrapped in the EBML
elements a browser needs (header, segment info with a duration, one video track, one cluster).
"""
from __future__ import annotations

import io
import math
import struct
import wave

PALETTES = {
    "dusk": [(38, 28, 84), (91, 60, 196), (242, 165, 65), (255, 209, 102)],
    "sea": [(12, 42, 66), (30, 110, 140), (120, 200, 200), (240, 240, 220)],
    "ember": [(40, 12, 12), (160, 40, 30), (240, 120, 40), (255, 220, 150)],
    "moss": [(20, 36, 24), (60, 110, 60), (150, 190, 100), (235, 240, 200)],
}


def _blend(a: tuple, b: tuple, t: float) -> tuple:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))


def picture(width: int, height: int, palette: str = "dusk", seed: int = 1, phase: float = 0.0):
    """A Pillow image: a vertical gradient with soft discs (lanterns, suns, bubbles)."""
    from PIL import Image, ImageDraw

    colours = PALETTES[palette]
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        draw.line([(0, y), (width, y)], fill=_blend(colours[0], colours[1], y / max(1, height - 1)))
    for n in range(7):
        angle = seed * 1.7 + n * 2.1 + phase
        cx = width * (0.5 + 0.38 * math.sin(angle * 1.3))
        cy = height * (0.45 + 0.3 * math.cos(angle))
        radius = min(width, height) * (0.06 + 0.05 * ((n * 7 + seed) % 4))
        glow = _blend(colours[2], colours[3], (n % 3) / 2)
        for ring in range(4, 0, -1):
            r = radius * (1 + ring * 0.25)
            draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=_blend(colours[1], glow, 1 - ring / 5))
        draw.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], fill=glow)
    draw.rectangle([0, height * 0.82, width, height], fill=_blend(colours[0], (0, 0, 0), 0.4))
    return image


def _save(image, image_format: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, image_format, **options)
    return out.getvalue()


def png(width: int = 480, height: int = 320, palette: str = "dusk", seed: int = 1) -> bytes:
    return _save(picture(width, height, palette, seed), "PNG", optimize=True)


def jpeg(width: int = 640, height: int = 427, palette: str = "sea", seed: int = 2) -> bytes:
    return _save(picture(width, height, palette, seed), "JPEG", quality=82)


def webp(width: int = 480, height: int = 320, palette: str = "moss", seed: int = 3) -> bytes:
    return _save(picture(width, height, palette, seed), "WEBP", quality=80)


def gif(width: int = 240, height: int = 160, palette: str = "ember", frames: int = 12) -> bytes:
    """An animated GIF: the discs drift round, looping."""
    images = [picture(width, height, palette, 4, phase=2 * math.pi * n / frames).quantize(colors=64)
              for n in range(frames)]
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=True, append_images=images[1:], duration=90, loop=0)
    return out.getvalue()


# --- audio --------------------------------------------------------------------------------------

NOTES = {"C": -9, "D": -7, "E": -5, "F": -4, "G": -2, "A": 0, "B": 2}


def _frequency(note: str) -> float:
    name, octave = note[0], int(note[-1])
    return 440.0 * 2 ** ((NOTES[name] + 12 * (octave - 4)) / 12)


def wav(melody: str = "E4 G4 A4 C5 A4 G4 E4 D4", beat: float = 0.32, rate: int = 16000) -> bytes:
    """Mono 16-bit PCM: each note a soft sine with a short fade in and out."""
    frames = bytearray()
    for note in melody.split():
        frequency = _frequency(note)
        count = round(beat * rate)
        for i in range(count):
            envelope = min(1.0, i / (0.02 * rate), (count - i) / (0.08 * rate))
            sample = 0.35 * envelope * (math.sin(2 * math.pi * frequency * i / rate)
                                        + 0.3 * math.sin(4 * math.pi * frequency * i / rate))
            frames += struct.pack("<h", round(max(-1.0, min(1.0, sample)) * 32767))
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(bytes(frames))
    return out.getvalue()


# --- video: WebM with VP8 key frames -----------------------------------------------------------


def _element(element_id: bytes, payload: bytes) -> bytes:
    """An EBML element: its id, its size as the shortest variable-length integer, its payload."""
    size = len(payload)
    for length in range(1, 9):
        if size < (1 << (7 * length)) - 1:  # all ones is reserved ("unknown size")
            return element_id + (size | (1 << (7 * length))).to_bytes(length, "big") + payload
    raise ValueError("an EBML element of more than 2^56 bytes")


def _uint(element_id: bytes, value: int) -> bytes:
    return _element(element_id, value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big"))


def _vp8_frame(image) -> bytes:
    """The VP8 key frame inside a lossy WebP (its `VP8 ` chunk)."""
    data = _save(image, "WEBP", quality=70, lossless=False)
    offset = 12
    while offset + 8 <= len(data):
        chunk, size = data[offset:offset + 4], struct.unpack("<I", data[offset + 4:offset + 8])[0]
        if chunk == b"VP8 ":
            return data[offset + 8:offset + 8 + size]
        offset += 8 + size + (size & 1)
    raise ValueError("Pillow wrote a WebP without a VP8 chunk")


def webm(width: int = 320, height: int = 180, seconds: float = 3.0, fps: int = 8, palette: str = "sea") -> bytes:
    frame_count = round(seconds * fps)
    frame_ms = 1000 // fps
    blocks = b""
    for n in range(frame_count):
        frame = _vp8_frame(picture(width, height, palette, 5, phase=2 * math.pi * n / frame_count))
        # SimpleBlock: track 1 (vint 0x81), timecode relative to the cluster, flags: key frame.
        blocks += _element(b"\xa3", bytes([0x81]) + struct.pack(">hB", n * frame_ms, 0x80) + frame)
    header = _element(b"\x1a\x45\xdf\xa3", b"".join([
        _uint(b"\x42\x86", 1), _uint(b"\x42\xf7", 1), _uint(b"\x42\xf2", 4), _uint(b"\x42\xf3", 8),
        _element(b"\x42\x82", b"webm"), _uint(b"\x42\x87", 2), _uint(b"\x42\x85", 2),
    ]))
    info = _element(b"\x15\x49\xa9\x66", b"".join([
        _uint(b"\x2a\xd7\xb1", 1_000_000),  # timestamps in milliseconds
        _element(b"\x4d\x80", b"remixery demo"), _element(b"\x57\x41", b"remixery demo"),
        _element(b"\x44\x89", struct.pack(">d", frame_count * frame_ms)),
    ]))
    tracks = _element(b"\x16\x54\xae\x6b", _element(b"\xae", b"".join([
        _uint(b"\xd7", 1), _uint(b"\x73\xc5", 1), _uint(b"\x83", 1), _element(b"\x86", b"V_VP8"),
        _element(b"\xe0", _uint(b"\xb0", width) + _uint(b"\xba", height)),
    ])))
    cluster = _element(b"\x1f\x43\xb6\x75", _uint(b"\xe7", 0) + blocks)
    return header + _element(b"\x18\x53\x80\x67", info + tracks + cluster)
