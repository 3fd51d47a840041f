"""`make dev`'s server answers what no route declares as API Gateway does: its JSON 403, with
the CORS origin, never the standard library's HTML 501 or the app's 405; malformed requests get
JSON too. Requests are written byte for byte on a socket, so methods and request lines can be
anything (HTTP clients normalise or refuse them)."""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
from urllib.parse import urlsplit

import pytest

from tests.conftest import ROOT
from tests.e2e.test_local_stack import read_urls

MISSING_TOKEN = {"message": "Missing Authentication Token"}


@pytest.fixture(scope="module")
def dev_server():
    """`python -m local` as `make dev` runs it, on free ports."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "REMIXERY_"))}
    process = subprocess.Popen([sys.executable, "-m", "local", "--port", "0", "--control-port", "0"], cwd=ROOT,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        yield read_urls(process, [])[0]
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)


def send(base: str, request_line: bytes, body: bytes = b"", headers: bytes = b"") -> tuple[int, dict, bytes]:
    url = urlsplit(base)
    with socket.create_connection((url.hostname, url.port), timeout=10) as connection:
        connection.sendall(request_line + b"\r\nHost: " + url.netloc.encode() + b"\r\nContent-Length: "
                           + str(len(body)).encode() + b"\r\n" + headers + b"\r\n" + body)
        reply = http.client.HTTPResponse(connection, method=request_line.split(b" ")[0].decode("latin-1"))
        reply.begin()
        return reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read()


@pytest.mark.parametrize("request_line", [
    b"TRACE /records HTTP/1.1", b"PROPFIND /records HTTP/1.1", b"MKCOL /records/x HTTP/1.1",
    b"CONNECT 127.0.0.1:443 HTTP/1.1", b"M-SEARCH * HTTP/1.1", b"get /health HTTP/1.1", b"Post /records HTTP/1.1",
    b"GE<T>\"; /records HTTP/1.1", b"G\xc3\xa9T /records HTTP/1.1", b"X" * 300 + b" /health HTTP/1.1",
    b"PUT /records HTTP/1.1", b"DELETE /health HTTP/1.1", b"PATCH /openapi.json HTTP/1.1",
    b"POST /royalty-runs/2026-10 HTTP/1.1", b"GET /nowhere HTTP/1.1", b"GET /records/a/b/c HTTP/1.1",
    b"POST /site/ HTTP/1.1", b"TRACE /nowhere HTTP/1.0",
])
def test_a_method_or_path_no_route_declares_gets_the_gateways_json_403(dev_server, request_line):
    status, headers, body = send(dev_server, request_line)

    assert status == 403, (status, body)
    assert headers["content-type"] == "application/json" and json.loads(body) == MISSING_TOKEN
    assert headers["access-control-allow-origin"] == "*"


def test_a_refused_request_with_a_body_and_a_head_get_the_403_as_http_says(dev_server):
    status, headers, body = send(dev_server, b"TRACE /records HTTP/1.1", body=b'{"title": "x"}',
                                 headers=b"Content-Type: application/json\r\n")
    head_status, head_headers, head_body = send(dev_server, b"HEAD /records HTTP/1.1")

    assert (status, json.loads(body)) == (403, MISSING_TOKEN)
    assert (head_status, head_body) == (403, b"") and head_headers["content-type"] == "application/json"


@pytest.mark.parametrize("request_line, answer", [(b"GET /records HTTP/1.1 extra", 400), (b"GET /records HTTP/x.y", 400),
                                                  (b"GET /records HTTP/2.0", 505)])
def test_a_malformed_request_line_is_answered_in_json_not_an_html_page(dev_server, request_line, answer):
    status, headers, body = send(dev_server, request_line)

    assert status == answer, (status, body)
    assert headers["content-type"] == "application/json" and json.loads(body)["message"]
    assert b"<" not in body


def test_declared_routes_preflights_and_the_site_are_served_as_before(dev_server):
    health = send(dev_server, b"GET /health HTTP/1.1")
    preflight = send(dev_server, b"OPTIONS /records HTTP/1.1",
                     headers=b"Origin: http://localhost:5173\r\nAccess-Control-Request-Method: POST\r\n")
    site = send(dev_server, b"GET /site/ HTTP/1.1")
    site_head = send(dev_server, b"HEAD /site/ HTTP/1.1")

    assert (health[0], json.loads(health[2])) == (200, {"status": "ok"})
    assert preflight[0] == 200 and "POST" in preflight[1]["access-control-allow-methods"]
    assert site[0] == 200 and site[1]["content-type"] == "text/html; charset=utf-8"
    assert site_head[0] == 200 and site_head[2] == b""
