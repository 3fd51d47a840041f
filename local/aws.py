"""Embedded AWS for local runs and tests: moto's server in this process, reached over HTTP.

The app is not told about moto: it reaches it through the standard `AWS_ENDPOINT_URL`
variable, with fake credentials, exactly as it would reach any other endpoint.
"""
from __future__ import annotations

import json
import os
import threading
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
    """moto's ThreadedMotoServer on 127.0.0.1 and a free port."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        _isolate_dynamodb_requests()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.endpoint = ""

    def start(self) -> str:
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        return self.endpoint

    def reset(self) -> None:
        """Forgets every resource (moto's reset API), for a clean slate between tests."""
        import urllib.request

        urllib.request.urlopen(urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")).read()

    def stop(self) -> None:
        self._server.stop()


def use_endpoint(endpoint: str, stage: str = "local") -> None:
    """Points this process's AWS clients at `endpoint` and sets the stage's environment."""
    os.environ.update(FAKE_AWS_ENV)
    os.environ.update(stage_environment(stage))
    os.environ["AWS_ENDPOINT_URL"] = endpoint


_DYNAMODB_LOCK = threading.RLock()


def _isolate_dynamodb_requests() -> None:
    """Makes the emulator keep DynamoDB's isolation under concurrent requests.

    moto rolls a failed transaction back by restoring a copy of the whole table taken before
    it started, which silently undoes writes that other requests made in between (a
    registration or a remix link that was answered 201/200 would vanish). DynamoDB isolates
    transactions; serialising the emulator's DynamoDB requests gives the same guarantee.
    """
    from moto.dynamodb.responses import DynamoHandler

    if getattr(DynamoHandler.call_action, "isolated", False):
        return
    unlocked = DynamoHandler.call_action

    def call_action(self):
        with _DYNAMODB_LOCK:
            return unlocked(self)

    call_action.isolated = True
    DynamoHandler.call_action = call_action
