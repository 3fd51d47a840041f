"""The cold-start benchmark's verdict and the environment its fresh interpreters get."""
from __future__ import annotations

from bench.cold_start import MAX_RATIO, Result, child_environment


def test_app_import_within_the_budget_ratio_passes():
    assert Result(floor_ms=100.0, app_ms=100.0 * MAX_RATIO).passed


def test_app_import_beyond_the_budget_ratio_fails():
    result = Result(floor_ms=100.0, app_ms=100.0 * MAX_RATIO + 0.1)

    assert not result.passed
    assert result.ratio > MAX_RATIO


def test_children_get_the_local_stage_and_fake_credentials_and_may_write_bytecode(monkeypatch):
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.setenv("PYTHONPROFILEIMPORTTIME", "1")

    env = child_environment()

    assert env["REMIXERY_STAGE"] == "local"
    assert env["AWS_ACCESS_KEY_ID"] == "testing"
    assert "PYTHONDONTWRITEBYTECODE" not in env
    assert "PYTHONPROFILEIMPORTTIME" not in env
