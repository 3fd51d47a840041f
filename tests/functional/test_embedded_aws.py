"""The embedded AWS runs moto in a child process (local/moto_process.py) that never outlives its
parent, and moto's reset API forgets what the emulator adds to moto."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request

import boto3

from tests.conftest import ROOT
from tests.e2e.test_local_stack import read_urls

STARTS_ONE = """
from local.aws import EmbeddedAws
print(EmbeddedAws().start(), flush=True)
import time
time.sleep(120)
"""


def _answers(endpoint: str) -> bool:
    """Whether something accepts connections at `endpoint`."""
    address = urllib.parse.urlsplit(endpoint)
    try:
        socket.create_connection((address.hostname, address.port), timeout=5).close()
    except OSError:
        return False
    return True


def _stops_answering(endpoint: str, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _answers(endpoint):
            return True
        time.sleep(0.2)
    return False


def test_a_token_is_new_again_after_moto_is_reset_through_its_own_api(aws):
    from chalicelib.config import get_settings
    from chalicelib.storage.bootstrap import create_all

    table = get_settings().table_name
    dynamodb = boto3.client("dynamodb")

    def add(amount: int) -> None:
        dynamodb.transact_write_items(ClientRequestToken="reused-token", TransactItems=[{"Update": {
            "TableName": table, "Key": {"pk": {"S": "TEST#counter"}, "sk": {"S": "COUNT"}},
            "UpdateExpression": "ADD n :n", "ExpressionAttributeValues": {":n": {"N": str(amount)}}}}])

    add(1)
    urllib.request.urlopen(urllib.request.Request(f"{aws.endpoint}/moto-api/reset", method="POST")).read()
    create_all(get_settings())
    add(5)  # other items under the same token: refused if the token outlived the reset

    item = dynamodb.get_item(TableName=table, Key={"pk": {"S": "TEST#counter"}, "sk": {"S": "COUNT"}})["Item"]
    assert item["n"] == {"N": "5"}


def test_stop_ends_the_emulator():
    from local.aws import EmbeddedAws

    aws = EmbeddedAws()
    endpoint = aws.start()
    assert _answers(endpoint)

    aws.stop()

    assert not _answers(endpoint)


def test_the_emulator_ends_when_the_process_that_started_it_is_killed():
    parent = subprocess.Popen([sys.executable, "-c", STARTS_ONE], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        endpoint = parent.stdout.readline().strip()
        assert _answers(endpoint)

        parent.kill()  # SIGKILL: the parent runs no clean-up
        parent.wait()

        assert _stops_answering(endpoint)
    finally:
        parent.kill()
        parent.stdout.close()


def test_ctrl_c_on_make_dev_leaves_no_emulator_behind():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "REMIXERY_"))}
    stack = subprocess.Popen([sys.executable, "-m", "local", "--port", "0", "--control-port", "0"], cwd=ROOT,
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             start_new_session=True)  # its own process group, as a terminal's
    try:
        lines: list[str] = []
        _, control = read_urls(stack, lines)
        endpoint = json.loads(urllib.request.urlopen(f"{control}/", timeout=10).read())["aws_endpoint"]
        assert _answers(endpoint)

        os.killpg(stack.pid, signal.SIGINT)  # Ctrl-C reaches every process of the group
        output, _ = stack.communicate(timeout=30)

        assert stack.returncode == 0, "".join(lines) + output
        assert "Stopped." in output
        assert not _answers(endpoint)
    finally:
        if stack.poll() is None:
            stack.kill()
            stack.communicate()
