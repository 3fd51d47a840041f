"""The local stack's share of the site: `site/` under /site/ on the API's own server (nothing
else of the API changes), its config, and the control endpoint's local tokens."""
from __future__ import annotations

import threading

import pytest
import requests

from local.control import control_server
from local.site import local_config, serve_site
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def site_server(local_server):
    from chalice.cli.factory import CLIFactory
    from chalice.local import LocalDevServer

    # A second server of the same app, built as create_local_server builds one: that function
    # rebases the app's class, which the session's `local_server` has done once already (twice
    # would make an inheritance cycle).
    config = CLIFactory(str(ROOT)).create_config_obj(chalice_stage_name="local")
    server = LocalDevServer(config.chalice_app, config, "127.0.0.1", 0)
    serve_site(server, local_config(token_url="http://127.0.0.1:9/tokens"))
    threading.Thread(target=server.server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def control():
    server = control_server("127.0.0.1", 0, pump=None, info={})
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_the_site_is_served_under_site_with_module_types_and_the_api_is_untouched(site_server):
    index = requests.get(f"{site_server}/site/", timeout=10)
    module = requests.get(f"{site_server}/site/js/main.js", timeout=10)

    assert index.status_code == 200 and '<script type="module" src="js/main.js">' in index.text
    assert index.headers["Content-Type"] == "text/html; charset=utf-8"
    assert module.headers["Content-Type"] == "text/javascript; charset=utf-8"  # browsers refuse other types
    assert module.headers["X-Content-Type-Options"] == "nosniff"
    assert requests.get(f"{site_server}/health", timeout=10).json() == {"status": "ok"}
    moved = requests.get(f"{site_server}/site", timeout=10, allow_redirects=False)
    assert moved.status_code == 301 and moved.headers["Location"] == "/site/"


def test_the_site_config_points_at_the_same_origin_and_the_local_sign_in(site_server):
    assert requests.get(f"{site_server}/site/config.json", timeout=10).json() == {
        "stage": "local", "apiBase": "", "auth": {"kind": "local", "tokenUrl": "http://127.0.0.1:9/tokens"}}


@pytest.mark.parametrize("path", ["/site/../app.py", "/site/%2e%2e/app.py", "/site/js/../../local/site.py",
                                  "/site/missing.js"])
def test_nothing_outside_the_site_directory_is_served(site_server, path):
    import http.client
    from urllib.parse import urlsplit

    # http.client sends the path as written (requests would resolve the dots first).
    connection = http.client.HTTPConnection(urlsplit(site_server).netloc, timeout=10)
    connection.request("GET", path)
    reply = connection.getresponse()
    assert reply.status == 404
    assert b"import" not in reply.read()
    connection.close()


def test_the_control_endpoint_mints_a_local_token_that_the_api_accepts(control):
    import jwt

    from chalicelib.config import LOCAL_DEV_JWT_SECRET

    reply = requests.post(f"{control}/tokens", json={"sub": "ada", "groups": ["producer"]}, timeout=10)
    claims = jwt.decode(reply.json()["token"], LOCAL_DEV_JWT_SECRET, algorithms=["HS256"])

    assert reply.status_code == 200
    assert (claims["sub"], claims["cognito:groups"], claims["iss"]) == ("ada", ["producer"], "remixery-local")


@pytest.mark.parametrize("body", [{}, {"sub": ""}, {"sub": "a b"}, {"sub": "ada", "groups": ["root"]},
                                  {"sub": "ada", "groups": "admin"}, {"sub": 7}])
def test_the_control_endpoint_refuses_a_malformed_token_request(control, body):
    assert requests.post(f"{control}/tokens", json=body, timeout=10).status_code == 400


def test_only_loopback_origins_may_read_tokens_from_a_browser(control):
    allowed = requests.options(f"{control}/tokens", headers={"Origin": "http://127.0.0.1:8000"}, timeout=10)
    refused = requests.options(f"{control}/tokens", headers={"Origin": "https://evil.example"}, timeout=10)
    minted = requests.post(f"{control}/tokens", json={"sub": "ada"}, headers={"Origin": "https://evil.example"},
                           timeout=10)

    assert allowed.status_code == 204
    assert allowed.headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:8000"
    assert refused.status_code == 403 and "Access-Control-Allow-Origin" not in refused.headers
    assert "Access-Control-Allow-Origin" not in minted.headers  # the browser keeps the answer from the page
