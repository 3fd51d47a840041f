"""Small valid media files, built in code so that no binary blob lives in the repository.

Each generator returns the bytes of a file of a few KB at most. Images come from Pillow; audio
and video containers are assembled by hand, structurally valid as far as anything reads them
(headers, boxes, pages), with silent or empty payloads.
"""
from __future__ import annotations

import io
import struct
import wave
from collections.abc import Callable
from typing import NamedTuple

# --- images (Pillow) ---------------------------------------------------------------------------


def _pillow(width: int, height: int, image_format: str, mode: str = "RGB", **options) -> bytes:
    from PIL import Image

    colour = (200, 60, 20, 128) if mode == "RGBA" else (200, 60, 20)
    out = io.BytesIO()
    Image.new(mode, (width, height), colour).save(out, image_format, **options)
    return out.getvalue()


def png(width: int = 7, height: int = 5) -> bytes:
    return _pillow(width, height, "PNG")


def jpeg(width: int = 7, height: int = 5, *, progressive: bool = False) -> bytes:
    """Baseline (SOF0), or progressive (SOF2) when asked."""
    return _pillow(width, height, "JPEG", progressive=progressive)


def gif(width: int = 7, height: int = 5, *, frames: int = 1) -> bytes:
    """A still GIF, or an animated one with `frames` frames."""
    from PIL import Image

    colours = [(200, 60, 20), (20, 60, 200)]  # frames must differ, or Pillow merges them
    images = [Image.new("RGB", (width, height), colours[index % 2]) for index in range(frames)]
    out = io.BytesIO()
    images[0].save(out, "GIF", save_all=frames > 1, append_images=images[1:], duration=100, loop=0)
    return out.getvalue()


def webp(width: int = 7, height: int = 5, *, variant: str = "lossy") -> bytes:
    """`lossy` starts with a VP8 chunk, `lossless` with VP8L, `extended` (alpha) with VP8X."""
    if variant == "lossy":
        return _pillow(width, height, "WEBP", lossless=False)
    if variant == "lossless":
        return _pillow(width, height, "WEBP", lossless=True)
    if variant == "extended":
        return _pillow(width, height, "WEBP", mode="RGBA", lossless=False)
    raise ValueError(f"unknown WebP variant {variant!r}")


# --- audio -------------------------------------------------------------------------------------


def wav(seconds: float = 1.0, rate: int = 8000) -> bytes:
    """Mono 8-bit PCM silence (8-bit keeps a second at 8 kHz to 8 KB)."""
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(1)
        writer.setframerate(rate)
        writer.writeframes(b"\x80" * round(seconds * rate))
    return out.getvalue()


def flac(seconds: float = 3.0, rate: int = 44100) -> bytes:
    """The fLaC marker and a STREAMINFO block (mono, 16-bit); no audio frames."""
    total_samples = round(seconds * rate)
    packed = rate << 44 | (1 - 1) << 41 | (16 - 1) << 36 | total_samples
    streaminfo = struct.pack(">HH3s3sQ16s", 4096, 4096, bytes(3), bytes(3), packed, bytes(16))
    block_header = struct.pack(">B", 0x80) + len(streaminfo).to_bytes(3, "big")  # last block, type 0
    return b"fLaC" + block_header + streaminfo


def ogg(rate: int = 44100, channels: int = 2) -> bytes:
    """One Ogg page (beginning of stream) carrying a Vorbis identification header."""
    identification = (
        b"\x01vorbis"
        + struct.pack("<IBIiii", 0, channels, rate, 0, 128000, 0)
        + bytes([0xB8, 0x01])  # block sizes 2^8 and 2^11, framing bit
    )
    return _ogg_page(identification, beginning_of_stream=True)


def _ogg_page(packet: bytes, *, beginning_of_stream: bool) -> bytes:
    assert len(packet) < 255, "one lacing value is enough for these samples"
    header_type = 0x02 if beginning_of_stream else 0x00
    header = struct.pack("<4sBBqIII", b"OggS", 0, header_type, 0, 0x52454D58, 0, 0)
    page = header + bytes([1, len(packet)]) + packet
    checksum = _ogg_crc(page)
    return page[:22] + struct.pack("<I", checksum) + page[26:]


def _ogg_crc(page: bytes) -> int:
    """CRC-32 with polynomial 0x04C11DB7, not reflected, initial value 0 (the Ogg flavour)."""
    crc = 0
    for byte in page:
        crc ^= byte << 24
        for _ in range(8):
            crc = (crc << 1) ^ 0x04C11DB7 if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def mp3(frames: int = 20, *, id3: bool = True) -> bytes:
    """Silent MPEG-1 Layer III frames (32 kbit/s, 44.1 kHz, mono), after an ID3v2.3 tag."""
    header = bytes([0xFF, 0xFB, 0x10, 0xC4])  # sync, MPEG-1, Layer III, no CRC; 32k, 44.1k; mono
    frame_length = 144 * 32000 // 44100  # 104 bytes, header included
    audio = (header + bytes(frame_length - len(header))) * frames
    return (_id3_tag(title="Remixery sample") if id3 else b"") + audio


def _id3_tag(title: str) -> bytes:
    text = b"\x00" + title.encode("latin-1")  # encoding byte 0: ISO-8859-1
    frame = b"TIT2" + struct.pack(">IH", len(text), 0) + text
    return b"ID3" + bytes([3, 0, 0]) + _syncsafe(len(frame)) + frame


def _syncsafe(value: int) -> bytes:
    return bytes((value >> shift) & 0x7F for shift in (21, 14, 7, 0))


# --- ISO-BMFF: mp4, m4a, mov -------------------------------------------------------------------


def mp4(
    seconds: float = 2.5,
    brand: bytes = b"isom",
    *,
    mvhd_version: int = 0,
    moov_first: bool = True,
    timescale: int = 1000,
) -> bytes:
    """moov_first=False puts the movie header after the media data, as non-"fast start" files do."""
    return _isobmff(brand, [brand, b"iso2", b"mp41"], seconds, mvhd_version, moov_first, timescale)


def m4a(seconds: float = 2.5, *, mvhd_version: int = 0) -> bytes:
    return _isobmff(b"M4A ", [b"M4A ", b"mp42", b"isom"], seconds, mvhd_version)


def mov(seconds: float = 2.5, *, mvhd_version: int = 0) -> bytes:
    return _isobmff(b"qt  ", [b"qt  "], seconds, mvhd_version)


def _isobmff(
    brand: bytes,
    compatible: list[bytes],
    seconds: float,
    mvhd_version: int,
    moov_first: bool = True,
    timescale: int = 1000,
) -> bytes:
    ftyp = box(b"ftyp", brand + struct.pack(">I", 0x200) + b"".join(compatible))
    moov = box(b"moov", _mvhd(seconds, mvhd_version, timescale))
    mdat = box(b"mdat", bytes(256))
    return ftyp + (moov + mdat if moov_first else mdat + moov)


def box(box_type: bytes, body: bytes) -> bytes:
    """An ISO-BMFF box with a 32-bit size (tests use it to build unusual layouts)."""
    return struct.pack(">I4s", 8 + len(body), box_type) + body


def _mvhd(seconds: float, version: int, timescale: int = 1000) -> bytes:
    duration = round(seconds * timescale)
    if version == 0:
        times = struct.pack(">IIII", 0, 0, timescale, duration)
    else:
        times = struct.pack(">QQIQ", 0, 0, timescale, duration)
    identity_matrix = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
    rest = struct.pack(">IH10x", 0x10000, 0x100) + identity_matrix + bytes(24) + struct.pack(">I", 2)
    return box(b"mvhd", bytes([version, 0, 0, 0]) + times + rest)


# --- EBML: webm (and Matroska, to be recognised and refused) ----------------------------------


def webm() -> bytes:
    return _ebml_file(b"webm")


def mkv() -> bytes:
    return _ebml_file(b"matroska")


def _ebml_file(doctype: bytes) -> bytes:
    header = _ebml(
        b"\x1a\x45\xdf\xa3",
        _ebml(b"\x42\x86", b"\x01")  # EBMLVersion
        + _ebml(b"\x42\xf7", b"\x01")  # EBMLReadVersion
        + _ebml(b"\x42\xf2", b"\x04")  # EBMLMaxIDLength
        + _ebml(b"\x42\xf3", b"\x08")  # EBMLMaxSizeLength
        + _ebml(b"\x42\x82", doctype)  # DocType
        + _ebml(b"\x42\x87", b"\x04")  # DocTypeVersion
        + _ebml(b"\x42\x85", b"\x02"),  # DocTypeReadVersion
    )
    info = _ebml(
        b"\x15\x49\xa9\x66",
        _ebml(b"\x2a\xd7\xb1", (1_000_000).to_bytes(3, "big"))  # TimestampScale: 1 ms
        + _ebml(b"\x4d\x80", b"remixery")  # MuxingApp
        + _ebml(b"\x57\x41", b"remixery"),  # WritingApp
    )
    return header + _ebml(b"\x18\x53\x80\x67", info)  # Segment


def _ebml(element_id: bytes, body: bytes) -> bytes:
    if len(body) < 0x7F:
        size = bytes([0x80 | len(body)])
    else:
        size = struct.pack(">Q", 1 << 56 | len(body))  # the 8-byte form
    return element_id + size + body


# --- lookup ------------------------------------------------------------------------------------


class Sample(NamedTuple):
    make: Callable[[], bytes]
    format: str  # what chalicelib.domain.media.sniff should call it


SAMPLES_BY_FORMAT: dict[str, Callable[[], bytes]] = {
    "png": png,
    "jpeg": jpeg,
    "gif": gif,
    "webp": webp,
    "mp3": mp3,
    "wav": wav,
    "flac": flac,
    "ogg": ogg,
    "m4a": m4a,
    "mp4": mp4,
    "mov": mov,
    "webm": webm,
}

SAMPLES_BY_CONTENT_TYPE: dict[str, Sample] = {
    "audio/mpeg": Sample(mp3, "mp3"),
    "audio/wav": Sample(wav, "wav"),
    "audio/x-wav": Sample(wav, "wav"),
    "audio/wave": Sample(wav, "wav"),
    "audio/flac": Sample(flac, "flac"),
    "audio/ogg": Sample(ogg, "ogg"),
    "audio/mp4": Sample(m4a, "m4a"),
    "audio/x-m4a": Sample(m4a, "m4a"),
    "video/mp4": Sample(mp4, "mp4"),
    "video/quicktime": Sample(mov, "mov"),
    "video/webm": Sample(webm, "webm"),
    "image/png": Sample(png, "png"),
    "image/jpeg": Sample(jpeg, "jpeg"),
    "image/gif": Sample(gif, "gif"),
    "image/webp": Sample(webp, "webp"),
}


# --- previews: pictures with content, tones ----------------------------------------------------


def picture(width: int, height: int, image_format: str = "PNG", *, mode: str = "RGB", **options) -> bytes:
    """A picture whose left half is red and right half blue (light and dark grey in mode L), so a
    thumbnail's orientation can be seen."""
    from PIL import Image, ImageDraw

    image = Image.new(mode, (width, height), (220, 30, 30) if mode == "RGB" else 200)
    ImageDraw.Draw(image).rectangle((width // 2, 0, width, height), fill=(30, 30, 220) if mode == "RGB" else 60)
    out = io.BytesIO()
    image.save(out, image_format, **options)
    return out.getvalue()


def tone_wav(amplitudes: list[float], *, frames_each: int = 80, rate: int = 8000, channels: int = 1,
             sample_width: int = 2) -> bytes:
    """A WAV file of square waves, `frames_each` frames at each amplitude (0..1 of full scale), in turn."""
    full = {1: 127, 2: 32767, 3: 2**23 - 1, 4: 2**31 - 1}[sample_width]
    frames = bytearray()
    for amplitude in amplitudes:
        for index in range(frames_each):
            value = round(full * amplitude) * (1 if index % 2 else -1)
            if sample_width == 1:
                sample = bytes([value + 128])
            else:
                sample = value.to_bytes(sample_width, "little", signed=True)
            frames += sample * channels
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(sample_width)
        writer.setframerate(rate)
        writer.writeframes(bytes(frames))
    return out.getvalue()
