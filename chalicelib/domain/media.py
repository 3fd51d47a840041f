"""What an uploaded file really is: its format, sniffed from its leading bytes, and the few
facts (dimensions, duration) that those bytes give away.

The upload function fetches the first `SNIFF_PREFIX_BYTES` of the stored object with a ranged
GET and hands them, with the object's real size, to `check_upload`. Nothing here touches AWS,
and nothing trusts what the client declared: the declaration is only compared with the bytes.

Sniffing uses `filetype` rather than `puremagic`. filetype gives one deterministic answer per
file and tells the ISO-BMFF brands apart (mp4 / m4a / mov) and WebM from Matroska exactly,
whereas puremagic returns ranked candidates with confidence ties (in 1.30: an M4A file ranks
.mp4 first, tied with .m4a; a QuickTime .mov ties with .3gp; Ogg Vorbis ties .ogg with .ogv),
which would make the mapping onto our formats fragile. filetype is pure Python with no
dependencies, looks at no more than the first 8 KB (1.2.0; older releases read 261 bytes), and
is imported only when a file is sniffed, so importing this module stays cheap on a cold start.

Every header parser below must survive any bytes: a truncated or hostile prefix gives None,
never an exception. Reads go through `_unpack`, which checks the length first.
"""
from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass

KINDS = ("audio", "video", "image", "photo", "animation", "text")
MEDIA_KINDS = tuple(kind for kind in KINDS if kind != "text")

_MB = 10**6  # decimal megabytes, as in API.md ("200 MB"), not MiB
MAX_BYTES: dict[str, int] = {
    "audio": 200 * _MB,
    "video": 2000 * _MB,
    "image": 20 * _MB,
    "photo": 30 * _MB,
    "animation": 500 * _MB,
}

SNIFF_PREFIX_BYTES = 64 * 1024

MEDIA_FORMATS = ("png", "jpeg", "gif", "webp", "mp3", "wav", "flac", "ogg", "m4a", "mp4", "mov", "webm")
IMAGE_FORMATS = frozenset({"png", "jpeg", "gif", "webp"})

# Declared content type -> the sniffed formats that satisfy it.
FORMATS_BY_CONTENT_TYPE: dict[str, frozenset[str]] = {
    "audio/mpeg": frozenset({"mp3"}),
    "audio/wav": frozenset({"wav"}),
    "audio/x-wav": frozenset({"wav"}),
    "audio/wave": frozenset({"wav"}),
    "audio/flac": frozenset({"flac"}),
    "audio/ogg": frozenset({"ogg"}),
    # Audio-only MP4 files often carry a generic isom/mp42 brand instead of "M4A ".
    "audio/mp4": frozenset({"m4a", "mp4"}),
    "audio/x-m4a": frozenset({"m4a", "mp4"}),
    "video/mp4": frozenset({"mp4"}),
    "video/quicktime": frozenset({"mov"}),
    "video/webm": frozenset({"webm"}),
    "image/png": frozenset({"png"}),
    "image/jpeg": frozenset({"jpeg"}),
    "image/gif": frozenset({"gif"}),
    "image/webp": frozenset({"webp"}),
}

_CONTENT_TYPES_BY_KIND: dict[str, frozenset[str]] = {
    "audio": frozenset(
        {"audio/mpeg", "audio/wav", "audio/x-wav", "audio/wave", "audio/flac", "audio/ogg",
         "audio/mp4", "audio/x-m4a"}
    ),
    "video": frozenset({"video/mp4", "video/quicktime", "video/webm"}),
    "image": frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"}),
    "photo": frozenset({"image/jpeg", "image/png", "image/webp"}),
    "animation": frozenset({"image/gif", "video/mp4", "video/webm"}),
}

REJECTION_REASONS = ("too_large", "size_mismatch", "type_mismatch", "unsupported_format", "empty")

# filetype's extension -> our format name. Other extensions are passed through unchanged.
# APNG is a PNG with an animation chunk; filetype only calls an MP4 "m4v" when its ftyp box has
# exactly Apple's layout, and the same file with one more compatible brand is "mp4".
_FORMAT_BY_EXTENSION = {"jpg": "jpeg", "apng": "png", "m4v": "mp4"}


def allowed_content_types(kind: str) -> frozenset[str]:
    """The content types a record of this kind may declare (none for text)."""
    return _CONTENT_TYPES_BY_KIND.get(kind, frozenset())


def normalize_content_type(content_type: str) -> str:
    """Media types compare case-insensitively and without parameters: `Audio/MPEG; x=1`."""
    return content_type.split(";", 1)[0].strip().lower()


def sniff(prefix: bytes) -> str | None:
    """The file's format from its magic bytes: one of `MEDIA_FORMATS`, filetype's own name for
    another format it recognises (e.g. "pdf", "zip", "mkv"), or None when unrecognised."""
    import filetype

    # bytes() matters: filetype.guess treats a str as a path and opens it.
    guess = filetype.guess(bytes(prefix))
    if guess is None:
        return None
    return _FORMAT_BY_EXTENSION.get(guess.extension, guess.extension)


@dataclass(frozen=True)
class MediaFacts:
    format: str
    width: int | None
    height: int | None
    duration_seconds: float | None


def inspect(prefix: bytes, fmt: str) -> MediaFacts:
    """Dimensions and duration of a file of format `fmt`, read from its first bytes only.
    None where the format does not say cheaply, or the header is truncated or malformed."""
    prefix = bytes(prefix)
    read_size = _SIZE_READERS.get(fmt)
    size = read_size(prefix) if read_size else None
    read_duration = _DURATION_READERS.get(fmt)
    duration = read_duration(prefix) if read_duration else None
    width, height = size if size else (None, None)
    return MediaFacts(format=fmt, width=width, height=height, duration_seconds=duration)


@dataclass(frozen=True)
class Verdict:
    reason: str | None
    facts: MediaFacts | None

    @property
    def accepted(self) -> bool:
        return self.reason is None


def check_upload(
    kind: str, declared_content_type: str, declared_size: int, actual_size: int, prefix: bytes
) -> Verdict:
    """Judge a stored upload: None as reason (with its facts) when it is what the record
    declared, else the first rejection reason in the order API.md's checks are listed."""
    if kind not in MAX_BYTES:
        raise ValueError(f"{kind!r} records have no uploaded file")
    if actual_size == 0:
        return _rejected("empty")
    if actual_size > MAX_BYTES[kind]:
        return _rejected("too_large")
    if actual_size != declared_size:
        return _rejected("size_mismatch")
    fmt = sniff(prefix)
    if fmt not in MEDIA_FORMATS:
        return _rejected("unsupported_format")
    if not _fits_declaration(kind, declared_content_type, fmt):
        return _rejected("type_mismatch")
    facts = inspect(prefix, fmt)
    # API.md promises width and height for every image; an image without them is not one.
    if fmt in IMAGE_FORMATS and (facts.width is None or facts.height is None):
        return _rejected("unsupported_format")
    return Verdict(reason=None, facts=facts)


def _fits_declaration(kind: str, declared_content_type: str, fmt: str) -> bool:
    content_type = normalize_content_type(declared_content_type)
    return content_type in allowed_content_types(kind) and fmt in FORMATS_BY_CONTENT_TYPE[content_type]


def _rejected(reason: str) -> Verdict:
    return Verdict(reason=reason, facts=None)


# --- reading headers -------------------------------------------------------------------------


def _unpack(layout: str, data: bytes, offset: int) -> tuple | None:
    """struct.unpack_from that answers None instead of raising when the bytes run out."""
    if offset < 0 or offset + struct.calcsize(layout) > len(data):
        return None
    return struct.unpack_from(layout, data, offset)


def _positive(width: int, height: int) -> tuple[int, int] | None:
    return (width, height) if width > 0 and height > 0 else None


def _seconds(amount: int, per_second: int) -> float | None:
    # A zero in either place means "unknown" in practice (streamed WAV, fragmented MP4).
    if amount <= 0 or per_second <= 0:
        return None
    return round(amount / per_second, 3)


def _png_size(data: bytes) -> tuple[int, int] | None:
    # The 8-byte signature is followed by the IHDR chunk: length, type, width, height.
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    ihdr = _unpack(">I4sII", data, 8)
    if ihdr is None or ihdr[1] != b"IHDR":
        return None
    return _positive(ihdr[2], ihdr[3])


def _gif_size(data: bytes) -> tuple[int, int] | None:
    if data[:6] not in (b"GIF87a", b"GIF89a"):
        return None
    screen = _unpack("<HH", data, 6)  # the logical screen descriptor
    return _positive(*screen) if screen else None


# SOF0..SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
_JPEG_FRAME_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Markers without a length field: TEM, RST0..RST7, SOI.
_JPEG_STANDALONE_MARKERS = frozenset({0x01, *range(0xD0, 0xD9)})
_JPEG_EOI, _JPEG_SOS = 0xD9, 0xDA


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    if data[:2] != b"\xff\xd8":
        return None
    i = 2
    while True:
        # Tolerate stray bytes between segments, as decoders do, and any number of 0xFF fill bytes.
        i = data.find(b"\xff", i)
        if i < 0:
            return None
        while i < len(data) and data[i] == 0xFF:
            i += 1
        if i >= len(data):
            return None
        marker = data[i]
        i += 1
        if marker == 0x00 or marker in _JPEG_STANDALONE_MARKERS:
            continue
        if marker in (_JPEG_EOI, _JPEG_SOS):  # no frame header before the image data
            return None
        length = _unpack(">H", data, i)
        if length is None or length[0] < 2:
            return None
        if marker in _JPEG_FRAME_MARKERS:
            frame = _unpack(">BHH", data, i + 2)  # precision, height, width
            return _positive(frame[2], frame[1]) if frame else None
        i += length[0]


def _webp_size(data: bytes) -> tuple[int, int] | None:
    header = _unpack("<4sI4s4sI", data, 0)  # RIFF, size, WEBP, first chunk's fourcc and size
    if header is None or header[0] != b"RIFF" or header[2] != b"WEBP":
        return None
    chunk, body = header[3], 20
    if chunk == b"VP8 ":
        # Lossy key frame: 3-byte frame tag, start code 9d 01 2a, 14-bit width and height
        # (the top 2 bits are a scaling hint).
        frame = _unpack("<3x3sHH", data, body)
        if frame is None or frame[0] != b"\x9d\x01\x2a":
            return None
        return _positive(frame[1] & 0x3FFF, frame[2] & 0x3FFF)
    if chunk == b"VP8L":
        # Lossless: signature byte 0x2f, then width-1 and height-1 packed in 14 bits each.
        lossless = _unpack("<BI", data, body)
        if lossless is None or lossless[0] != 0x2F:
            return None
        bits = lossless[1]
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        # Extended: flags and 3 reserved bytes, then canvas width-1 and height-1 in 24 bits each.
        canvas = _unpack("<4x3s3s", data, body)
        if canvas is None:
            return None
        return int.from_bytes(canvas[0], "little") + 1, int.from_bytes(canvas[1], "little") + 1
    return None


def _wav_duration(data: bytes) -> float | None:
    riff = _unpack("<4sI4s", data, 0)
    if riff is None or riff[0] != b"RIFF" or riff[2] != b"WAVE":
        return None
    byte_rate = data_size = None
    i = 12
    while (chunk := _unpack("<4sI", data, i)) is not None:
        chunk_id, size = chunk
        if chunk_id == b"fmt ":
            fmt = _unpack("<HHII", data, i + 8)  # format, channels, sample rate, byte rate
            if fmt is None:
                return None
            byte_rate = fmt[3]
        elif chunk_id == b"data":
            data_size = size
        if byte_rate is not None and data_size is not None:
            break
        i += 8 + size + (size & 1)  # chunks are padded to an even length
    if byte_rate is None or data_size is None or data_size == 0xFFFFFFFF:  # streamed: unknown
        return None
    return _seconds(data_size, byte_rate)


def _flac_duration(data: bytes) -> float | None:
    # "fLaC", then the STREAMINFO block (type 0, always first). 10 bytes into its body, one
    # 64-bit field packs sample rate (20 bits), channels (3), bits per sample (5), total samples (36).
    if data[:4] != b"fLaC":
        return None
    block = _unpack(">B", data, 4)
    if block is None or block[0] & 0x7F != 0:
        return None
    packed = _unpack(">Q", data, 8 + 10)
    if packed is None:
        return None
    sample_rate, total_samples = packed[0] >> 44, packed[0] & (2**36 - 1)
    return _seconds(total_samples, sample_rate)


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """ISO-BMFF boxes between start and end, as (type, body offset, end offset). A box may end
    beyond the data; the walk stops at the first box header it cannot read."""
    i = start
    while i + 8 <= end and (header := _unpack(">I4s", data, i)) is not None:
        size, box_type = header
        body = i + 8
        if size == 1:  # a 64-bit size follows the type
            large = _unpack(">Q", data, body)
            if large is None:
                return
            size, body = large[0], body + 8
        box_end = end if size == 0 else i + size  # size 0: the box runs to the end
        if box_end < body:
            return
        yield box_type, body, box_end
        i = box_end


def _mp4_duration(data: bytes) -> float | None:
    # moov usually precedes mdat ("fast start"); when it follows, it is beyond any prefix.
    for box_type, body, box_end in _boxes(data, 0, len(data)):
        if box_type == b"moov":
            for child, child_body, _ in _boxes(data, body, box_end):
                if child == b"mvhd":
                    return _mvhd_duration(data, child_body)
            return None
    return None


def _mvhd_duration(data: bytes, body: int) -> float | None:
    version = _unpack(">B3x", data, body)  # version and 24 bits of flags
    if version is None:
        return None
    if version[0] == 0:  # 32-bit creation and modification times, timescale, 32-bit duration
        fields, unknown = _unpack(">8xII", data, body + 4), 0xFFFFFFFF
    elif version[0] == 1:  # 64-bit times, timescale, 64-bit duration
        fields, unknown = _unpack(">16xIQ", data, body + 4), 0xFFFFFFFFFFFFFFFF
    else:
        return None
    if fields is None or fields[1] == unknown:
        return None
    timescale, duration = fields
    return _seconds(duration, timescale)


_SIZE_READERS: dict[str, Callable[[bytes], tuple[int, int] | None]] = {
    "png": _png_size,
    "gif": _gif_size,
    "jpeg": _jpeg_size,
    "webp": _webp_size,
}

_DURATION_READERS: dict[str, Callable[[bytes], float | None]] = {
    "wav": _wav_duration,
    "flac": _flac_duration,
    "mp4": _mp4_duration,
    "m4a": _mp4_duration,
    "mov": _mp4_duration,
}
