"""Helpers shared by the benchmarks that run the app against the embedded AWS."""
from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from typing import Iterator

from local.aws import PROJECT_DIR


def run_fresh(module: str, *args: str) -> bool:
    """Runs `python -m module` in a fresh interpreter; True if it exits 0.

    The app caches its AWS clients, PynamoDB connections and settings per process, and moto
    keeps its state per process, so a benchmark that starts its own embedded AWS gets a process
    of its own: no client made for an earlier benchmark's endpoint is reused, and whatever it
    stored (hundreds of MB, for the upload benchmark) goes when it exits.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    return subprocess.run([sys.executable, "-m", module, *args], cwd=PROJECT_DIR, env=env).returncode == 0


def forget_endpoints() -> None:
    """Drops inherited `AWS_ENDPOINT_URL*` variables: the benchmark sets its own."""
    for name in [k for k in os.environ if k.startswith("AWS_ENDPOINT_URL")]:
        del os.environ[name]


@contextlib.contextmanager
def app_output_held_back() -> Iterator[None]:
    """Keeps the app's JSON logs and metrics and moto's access log out of the figures.

    They are held in memory and written to stderr only if the block raises, for the diagnosis.
    Powertools binds its handler to the sys.stdout of the moment the logger is created, so the
    app's first request must happen inside this block.
    """
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's per-request access log
    held = io.StringIO()
    try:
        with contextlib.redirect_stdout(held):
            yield
    except BaseException:
        sys.stderr.write(held.getvalue()[-20_000:])
        raise
