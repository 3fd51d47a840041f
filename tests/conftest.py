"""Shared fixtures: one embedded AWS (moto's server over HTTP) per session, reset per test."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

# The app's rate limits (30 records an hour per member...) would refuse the suites that build
# worlds of records; tests/functional/test_rate_limits.py tests them at their real scale.
os.environ.setdefault("REMIXERY_RATE_LIMIT_SCALE", "10000")

from hypothesis import settings  # noqa: E402

# Hypothesis' per-example deadline is a timing check, and these machines are shared: timings
# belong in bench/, so no property fails because the machine was busy.
settings.register_profile("remixery", deadline=None)
settings.load_profile("remixery")

ROOT = Path(__file__).resolve().parent.parent


# Units of `make test`'s parallel run (`--dist loadfile`) bigger than one file, handed out first:
# each is one worker's, whole and in order, and the longest work there is, so it starts first
# rather than last. The browser tests share one local stack and one Chromium; the infra tests
# share one synthesis of both stages (the CDK CLI, minutes), which every worker holding one of
# their files would otherwise run again.
SHARED_UNITS = ("tests/browser/", "tests/infra/")


@pytest.hookimpl(tryfirst=True, optionalhook=True)  # optional: `-p no:xdist` runs without it
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadfile`, with each of SHARED_UNITS one unit, given out before the files."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class SharedUnitsFirst(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return next((unit for unit in SHARED_UNITS if nodeid.startswith(unit)), None) or super()._split_scope(nodeid)

        def _assign_work_unit(self, node) -> None:
            for unit in reversed(SHARED_UNITS):
                if unit in self.workqueue:
                    self.workqueue.move_to_end(unit, last=False)
            super()._assign_work_unit(node)

    return SharedUnitsFirst(config, log)


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
    clean_store(local_aws)
    return local_aws


def clean_store(local_aws) -> None:
    """Empties the store for the next test. The resources outlive a test, emptied
    (`EmbeddedAws.clear`: one request); only when a test changed which resources exist are they
    dropped (moto's reset) and created again."""
    from chalicelib.config import get_settings
    from chalicelib.storage.bootstrap import create_all

    from chalicelib.services import FACTORIES

    if getattr(local_aws, "stage_resources", None) is None or local_aws.clear() != local_aws.stage_resources:
        local_aws.reset()
        create_all(get_settings())
        local_aws.stage_resources = local_aws.clear()  # what create_all makes, as clear() lists it
    for factory in FACTORIES:
        factory.cache_clear()  # repositories cache what they learned about the old tables


@pytest.fixture(scope="session")
def local_server(local_aws):
    """The app served by Chalice's local server on a free loopback port (real HTTP), once per
    session: Chalice rebases the app's class when it serves it, so it must not be built twice."""
    import threading

    from chalice.cli.factory import CLIFactory
    from chalice.local import create_local_server

    config = CLIFactory(str(ROOT)).create_config_obj(chalice_stage_name="local")
    server = create_local_server(config.chalice_app, config, "127.0.0.1", 0)  # 0: a free port
    threading.Thread(target=server.server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def base_url(aws, local_server):
    """The local server's URL, on a clean store."""
    return local_server


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
def alice(member):
    """A registered member (the usual first one)."""
    return member("alice")


@pytest.fixture
def bob(member):
    return member("bob")


@pytest.fixture
def carol(member):
    return member("carol")


@pytest.fixture
def producer(member):
    """A registered member in the producer group: `pat`."""
    return member("pat", groups=["producer"])


@pytest.fixture
def admin(token):
    """An admin's token (admins need no member profile)."""
    return token("root", ["admin"])


@pytest.fixture
def subscribed(monkeypatch):
    """The events delivered from now on, in order: `tests.support.remember` is the event stream's
    one subscriber in place of the app's."""
    from chalicelib.logic import events
    from tests import support

    support.DELIVERED.clear()
    monkeypatch.setattr(events, "SUBSCRIBERS", ("tests.support:remember",))
    return support.DELIVERED


@pytest.fixture
def deliver(aws):
    """Delivers every pending queue message (upload events...), as Lambda's SQS source would."""
    import boto3

    from app import app
    from local.pump import EventPump

    return EventPump(app, boto3.client("sqs")).drain
