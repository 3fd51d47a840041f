"""Shared fixtures: one embedded AWS (moto's server over HTTP) per session, reset per test."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def local_aws():
    from local.aws import EmbeddedAws, use_endpoint

    aws = EmbeddedAws()
    use_endpoint(aws.start())
    yield aws
    aws.stop()


@pytest.fixture
def aws(local_aws):
    """A clean local AWS with the stage's tables, bucket and queues, as `make dev` creates them."""
    from chalicelib.config import get_settings
    from chalicelib.storage.bootstrap import create_all

    from chalicelib.services import FACTORIES

    local_aws.reset()
    create_all(get_settings())
    for factory in FACTORIES:
        factory.cache_clear()  # repositories cache what they learned about the old tables
    return local_aws


@pytest.fixture
def client(aws):
    from chalice.test import Client

    from app import app
    from tests.support import Api

    with Client(app, stage_name="local", project_dir=str(ROOT)) as test_client:
        yield Api(test_client)


@pytest.fixture
def token():
    """`token("alice", groups=["producer"])` mints a local-stage bearer token."""
    from local.tokens import mint

    return mint


@pytest.fixture
def member(client, token):
    """Registers a member and returns its token: `alice = member("alice")`."""

    def register(handle: str, groups: list[str] | None = None) -> str:
        bearer = token(f"sub-{handle}", groups)
        reply = client.post("/members", token=bearer, json_body={"handle": handle, "display_name": handle.title()})
        assert reply.status == 201, reply
        return bearer

    return register


@pytest.fixture
def producer(member):
    """A registered member in the producer group: `pat`."""
    return member("pat", groups=["producer"])


@pytest.fixture
def admin(token):
    """An admin's token (admins need no member profile)."""
    return token("root", ["admin"])


@pytest.fixture
def deliver(aws):
    """Delivers every pending queue message (upload events...), as Lambda's SQS source would."""
    import boto3

    from app import app
    from local.pump import EventPump

    return EventPump(app, boto3.client("sqs")).drain
