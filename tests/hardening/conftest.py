"""Hardening tests run against the threaded local server over real HTTP, as tests/e2e does."""
from __future__ import annotations

import pytest


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
def world(base_url):
    """Members, producers, an admin and what they made (see `world.py`), on a clean store."""
    from tests.hardening.world import World

    return World.build(base_url)


@pytest.fixture(scope="module")
def shared_world(local_aws, local_server):
    """One world for a module whose tests leave it as usable as they found it."""
    from tests.hardening.world import World

    clean_store(local_aws)
    return World.build(local_server)
