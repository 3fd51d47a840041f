"""Real HTTP: the app served by Chalice's local server on a free loopback port."""
from __future__ import annotations

import socket
import threading

import pytest

from tests.conftest import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def local_server(local_aws):
    from chalice.cli.factory import CLIFactory
    from chalice.local import create_local_server

    config = CLIFactory(str(ROOT)).create_config_obj(chalice_stage_name="local")
    port = free_port()
    server = create_local_server(config.chalice_app, config, "127.0.0.1", port)
    threading.Thread(target=server.server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture
def base_url(aws, local_server):
    return local_server
