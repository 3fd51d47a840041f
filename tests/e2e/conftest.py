"""Real HTTP: the app served by Chalice's local server on a free loopback port."""
from __future__ import annotations

import threading

import pytest

from tests.conftest import ROOT


@pytest.fixture(scope="session")
def local_server(local_aws):
    from chalice.cli.factory import CLIFactory
    from chalice.local import create_local_server

    config = CLIFactory(str(ROOT)).create_config_obj(chalice_stage_name="local")
    server = create_local_server(config.chalice_app, config, "127.0.0.1", 0)  # 0: a free port
    threading.Thread(target=server.server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def base_url(aws, local_server):
    return local_server
