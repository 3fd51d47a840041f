"""The first ten minutes: `python -m local --help` names every option and its variable, and a busy
port is one clear line naming it and the variable to change (no traceback)."""
from __future__ import annotations

import re
import socket
import subprocess
import sys

from tests.conftest import ROOT


def run_local(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "local", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_help_names_every_option_with_its_environment_variable():
    shown = run_local("--help")

    assert shown.returncode == 0
    text = " ".join(shown.stdout.split())
    for option, variable in (("--host", "REMIXERY_HOST"), ("--port", "REMIXERY_PORT"),
                             ("--control-port", "REMIXERY_CONTROL_PORT"), ("--demo-clock", "DEMO_CLOCK"),
                             ("--demo", "make demo")):
        assert re.search(rf"{option}\b.*?{variable}", text), (option, variable)
    assert "make CONTROL_PORT" in text and "make PORT" in text


def listening_socket() -> tuple[socket.socket, int]:
    taken = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    return taken, taken.getsockname()[1]


def test_a_busy_api_port_is_one_line_naming_it_and_the_variable_to_change():
    taken, port = listening_socket()
    with taken:
        refused = run_local("--port", str(port), "--control-port", "0")

    assert refused.returncode == 2
    assert refused.stdout == ""
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in refused.stderr, refused.stderr
    assert f"Port {port}" in lines[0] and "PORT=" in lines[0] and "REMIXERY_PORT" in lines[0]


def test_a_busy_control_port_names_control_port():
    taken, port = listening_socket()
    with taken:
        refused = run_local("--port", "0", "--control-port", str(port))

    assert refused.returncode == 2
    assert f"Port {port}" in refused.stderr and "CONTROL_PORT=" in refused.stderr and "REMIXERY_CONTROL_PORT" in refused.stderr


def test_make_help_lists_the_targets():
    shown = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True, timeout=60)

    assert shown.returncode == 0, shown.stderr
    for target in ("dev", "demo", "test", "token", "fire", "bench"):
        assert re.search(rf"^\s+make {target}\s+\S", shown.stdout, re.M), target
    assert "CONTROL_PORT" in shown.stdout
