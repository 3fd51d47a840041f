"""Embedded AWS for local runs and tests: moto's server in a process of its own, reached over HTTP.

The app is not told about moto: it reaches it through the standard `AWS_ENDPOINT_URL`
variable, with fake credentials, exactly as it would reach any other endpoint.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent

FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def stage_environment(stage: str = "local", project_dir: Path = PROJECT_DIR) -> dict[str, str]:
    """The environment Chalice gives the stage's functions (`.chalice/config.json`)."""
    config = json.loads((project_dir / ".chalice" / "config.json").read_text())
    env = dict(config.get("environment_variables", {}))
    env.update(config["stages"][stage].get("environment_variables", {}))
    return env


class EmbeddedAws:
    """moto's server on 127.0.0.1 and a free port, in a child process (`local.moto_process`) that
    ends with this one."""

    def __init__(self) -> None:
        self.endpoint = ""
        self._process: subprocess.Popen | None = None

    def start(self) -> str:
        from local.moto_process import READY

        self._process = subprocess.Popen([sys.executable, "-m", "local.moto_process"], cwd=PROJECT_DIR,
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        said = self._process.stdout.readline().split()
        if said[:1] != [READY]:
            self.stop()
            raise RuntimeError(f"moto's server did not start (exit status {self._process.returncode})")
        self.endpoint = f"http://127.0.0.1:{said[1]}"
        return self.endpoint

    def reset(self) -> None:
        """Forgets every resource and ClientRequestToken (moto's reset API), for a clean slate."""
        import urllib.request

        urllib.request.urlopen(urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")).read()

    def clear(self) -> dict[str, list[str]]:
        """Forgets every item, message and object but keeps the resources (see
        `local.moto_process._clear_endpoint`); returns the tables, queues and buckets kept."""
        import urllib.request

        from local.moto_process import CLEAR_PATH

        with urllib.request.urlopen(urllib.request.Request(f"{self.endpoint}{CLEAR_PATH}", method="POST")) as answer:
            return json.loads(answer.read())

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process.stdin.close()
        self._process.stdout.close()


def use_endpoint(endpoint: str, stage: str = "local") -> None:
    """Points this process's AWS clients at `endpoint` and sets the stage's environment."""
    os.environ.update(FAKE_AWS_ENV)
    os.environ.update(stage_environment(stage))
    os.environ["AWS_ENDPOINT_URL"] = endpoint
