"""`make dev`'s process, started as a newcomer would start it, then stopped with Ctrl-C."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import requests

from local.tokens import mint
from tests.conftest import ROOT
from tests.e2e.conftest import free_port


def wait_for(url: str, process: subprocess.Popen, seconds: float = 60) -> requests.Response:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read()
        try:
            return requests.get(url, timeout=2)
        except requests.ConnectionError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {seconds}s")


def test_the_local_stack_serves_the_api_and_stops_cleanly_on_ctrl_c():
    port, control_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "REMIXERY_"))}
    process = subprocess.Popen(
        [sys.executable, "-m", "local", "--port", str(port), "--control-port", str(control_port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        assert wait_for(f"{base}/health", process).json() == {"status": "ok"}

        token = mint("sub-newcomer")
        created = requests.post(f"{base}/members", json={"handle": "newcomer", "display_name": "New"},
                                headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert created.status_code == 201, created.text
        assert requests.get(f"{base}/members/newcomer", timeout=10).json()["id"] == created.json()["id"]

        status = requests.get(f"http://127.0.0.1:{control_port}/", timeout=10).json()
        assert status["api"] == base and status["aws_endpoint"].startswith("http://127.0.0.1:")
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)

    assert process.returncode == 0, output
    assert "Stopped." in output
    assert "make token" in output and base in output
