"""`make dev`'s process, started as a newcomer would start it, then stopped with Ctrl-C."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import requests

from local.tokens import mint
from tests.conftest import ROOT


def read_urls(process: subprocess.Popen, lines: list[str], seconds: float = 120) -> tuple[str, str]:
    """The API and control URLs the stack prints once it serves (it binds free ports)."""
    found: dict[str, str] = {}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and len(found) < 2:
        line = process.stdout.readline()
        assert line or process.poll() is None, "".join(lines)
        lines.append(line)
        if match := re.search(r"^\s+API\s+(http://\S+)", line):
            found["api"] = match.group(1)
        if match := re.search(r"control (http://[^)\s]+)", line):
            found["control"] = match.group(1)
    assert len(found) == 2, "".join(lines)
    return found["api"], found["control"]


def test_the_local_stack_serves_the_api_and_stops_cleanly_on_ctrl_c():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "REMIXERY_"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "local", "--port", "0", "--control-port", "0"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    lines: list[str] = []
    try:
        base, control = read_urls(process, lines)
        assert requests.get(f"{base}/health", timeout=10).json() == {"status": "ok"}

        token = mint("sub-newcomer")
        created = requests.post(f"{base}/members", json={"handle": "newcomer", "display_name": "New"},
                                headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert created.status_code == 201, created.text
        assert requests.get(f"{base}/members/newcomer", timeout=10).json()["id"] == created.json()["id"]

        status = requests.get(f"{control}/", timeout=10).json()
        assert status["api"] == base and status["aws_endpoint"].startswith("http://127.0.0.1:")
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
        output = "".join(lines) + output

    assert process.returncode == 0, output
    assert "Stopped." in output
    assert "make token" in output and base in output
