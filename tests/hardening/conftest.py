"""Hardening tests run against the threaded local server over real HTTP, as tests/e2e does."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import local_server  # noqa: F401 - the session's server on a free loopback port


def clean_store(local_aws) -> None:
    """What the `aws` fixture does, for fixtures wider than one test."""
    from chalicelib.config import get_settings
    from chalicelib.services import FACTORIES
    from chalicelib.storage.bootstrap import create_all

    local_aws.reset()
    create_all(get_settings())
    for factory in FACTORIES:
        factory.cache_clear()


@pytest.fixture
def base_url(aws, local_server):  # noqa: F811
    return local_server


@pytest.fixture
def world(base_url):
    """Members, producers, an admin and what they made (see `world.py`), on a clean store."""
    from tests.hardening.world import World

    return World.build(base_url)


@pytest.fixture(scope="module")
def shared_world(local_aws, local_server):  # noqa: F811
    """One world for a module whose tests leave it as usable as they found it."""
    from tests.hardening.world import World

    clean_store(local_aws)
    return World.build(local_server)
