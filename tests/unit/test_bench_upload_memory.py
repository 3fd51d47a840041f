"""The upload-memory benchmark's generated WAV and its verdict."""
from __future__ import annotations

import io
import wave

import pytest

from bench.upload_memory import BIG_BYTES, MAX_EXTRA_MB, SMALL_BYTES, Result, wav
from chalicelib.domain.media import MAX_BYTES, SNIFF_PREFIX_BYTES, check_upload


def result(extra_kib: int, outcome: str = "ready") -> Result:
    return Result(size=BIG_BYTES, start_kib=20_000, before_kib=80_000, after_kib=80_000 + extra_kib,
                  outcome=outcome, seconds=1.0, timings={})


def test_generated_wav_is_exactly_its_size_and_readable_as_pcm():
    data = wav(SMALL_BYTES)

    assert len(data) == SMALL_BYTES
    with wave.open(io.BytesIO(data)) as reader:
        assert (reader.getnchannels(), reader.getsampwidth(), reader.getframerate()) == (2, 2, 44100)
        assert reader.getnframes() == (SMALL_BYTES - 44) // 4


def test_the_upload_function_accepts_the_generated_wav_as_declared_audio():
    data = wav(SMALL_BYTES)

    verdict = check_upload("audio", "audio/wav", SMALL_BYTES, len(data), data[:SNIFF_PREFIX_BYTES])

    assert verdict.accepted, verdict
    assert verdict.facts.duration_seconds == pytest.approx((SMALL_BYTES - 44) / (44100 * 4), abs=0.01)


def test_the_big_object_is_the_largest_audio_upload_allowed():
    assert BIG_BYTES == MAX_BYTES["audio"]
    assert (BIG_BYTES - 44) % 4 == 0  # whole frames, so wav(BIG_BYTES) is valid


def test_a_size_that_is_not_whole_frames_is_refused():
    with pytest.raises(ValueError):
        wav(44 + 3)


def test_extra_peak_under_the_budget_passes():
    assert result(extra_kib=1024).passed


def test_extra_peak_at_the_budget_fails():
    over = result(extra_kib=MAX_EXTRA_MB * 10**6 // 1024 + 1)

    assert over.extra_mb >= MAX_EXTRA_MB
    assert not over.passed


def test_an_upload_that_did_not_become_ready_fails_whatever_its_memory():
    assert not result(extra_kib=0, outcome="size_mismatch").passed
