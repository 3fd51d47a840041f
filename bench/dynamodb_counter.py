"""Counts DynamoDB round trips: a small HTTP proxy in front of the local AWS endpoint.

Every request is forwarded verbatim (method, path, headers, body) to the upstream endpoint and
its response relayed; requests whose `X-Amz-Target` is `DynamoDB_20120810.<Operation>` are
counted by operation. Nothing in the app knows it is there.

    with DynamoDBCounter(aws_endpoint) as counter:
        ...                                  # create clients here (see below)
        with counter.measure() as calls:
            client.get("/v1/members/me", headers=...)
        assert calls.by_operation == {"GetItem": 1}

botocore reads `AWS_ENDPOINT_URL_DYNAMODB` when a client is CREATED, so the counter must be
entered before the clients it should see are created (the app caches its PynamoDB connections:
clear those, or start the counter first). Or pass `counter.endpoint` explicitly as a client's
`endpoint_url`. A request is counted when the proxy receives it, so once a call has returned,
its round trips are in the counts.
"""
from __future__ import annotations

import http.client
import os
import threading
from collections import Counter
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterator
from urllib.parse import urlsplit

ENV_VAR = "AWS_ENDPOINT_URL_DYNAMODB"
TARGET_PREFIX = "DynamoDB_20120810."
UPSTREAM_TIMEOUT_SECONDS = 60
Response = tuple[int, str, list[tuple[str, str]], bytes]  # status, reason, headers, body

# Hop-by-hop headers (RFC 9110 7.6.1) belong to one connection and are not forwarded. The body
# is always relayed whole, with a Content-Length, so Transfer-Encoding goes too.
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "proxy-authenticate",
                        "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
                        "expect"})


class DynamoDBCounter:
    def __init__(self, upstream_endpoint: str) -> None:
        upstream = urlsplit(upstream_endpoint)
        if upstream.scheme != "http" or not upstream.hostname:
            raise ValueError(f"an http://host:port endpoint is needed, not {upstream_endpoint!r}")
        self.upstream = (upstream.hostname, upstream.port or 80)
        self.endpoint = ""
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._server: _ProxyServer | None = None
        self._previous_env: str | None = None

    # -- lifecycle

    def start(self) -> str:
        """Starts the proxy on 127.0.0.1 and a free port; returns its endpoint."""
        self._server = _ProxyServer(self)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         name="dynamodb-counter", daemon=True).start()
        host, port = self._server.server_address[:2]
        self.endpoint = f"http://{host}:{port}"
        return self.endpoint

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "DynamoDBCounter":
        self.start()
        self._previous_env = os.environ.get(ENV_VAR)
        os.environ[ENV_VAR] = self.endpoint
        return self

    def __exit__(self, *exc_info) -> None:
        if self._previous_env is None:
            os.environ.pop(ENV_VAR, None)
        else:
            os.environ[ENV_VAR] = self._previous_env
        self.stop()

    # -- counts

    def record(self, operation: str) -> None:
        with self._lock:
            self._counts[operation] += 1

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()

    @property
    def by_operation(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self._counts.values())

    def respond(self, operation: str | None, forward: Callable[[], Response]) -> Response:
        """The answer to a request of `operation` (None: not a DynamoDB call): what upstream says.
        A subclass may answer otherwise (`tests/hardening/dynamodb_faults.py` injects faults)."""
        return forward()

    @contextmanager
    def measure(self) -> Iterator["Measurement"]:
        """The round trips made during the block (live inside it, frozen after it)."""
        measurement = Measurement(self)
        try:
            yield measurement
        finally:
            measurement.freeze()


class Measurement:
    """The counts since it was created, until `freeze()`."""

    def __init__(self, counter: DynamoDBCounter) -> None:
        self._counter = counter
        self._start = counter.by_operation
        self._frozen: dict[str, int] | None = None

    def freeze(self) -> None:
        self._frozen = self.by_operation

    @property
    def by_operation(self) -> dict[str, int]:
        if self._frozen is not None:
            return dict(self._frozen)
        since = {op: n - self._start.get(op, 0) for op, n in self._counter.by_operation.items()}
        return {op: n for op, n in since.items() if n > 0}

    @property
    def total(self) -> int:
        return sum(self.by_operation.values())


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, counter: DynamoDBCounter) -> None:
        self.counter = counter
        super().__init__(("127.0.0.1", 0), _ProxyHandler)


class _ProxyHandler(BaseHTTPRequestHandler):
    """One client connection (HTTP/1.1 keep-alive), with its own upstream connection."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall
    server: _ProxyServer
    _upstream: http.client.HTTPConnection | None = None

    def _forward(self) -> None:
        body = self._read_body()
        target = self.headers.get("X-Amz-Target", "")
        operation = target[len(TARGET_PREFIX):] if target.startswith(TARGET_PREFIX) else None
        if operation:
            self.server.counter.record(operation)
        try:
            status, reason, headers, payload = self.server.counter.respond(operation, lambda: self._round_trip(body))
        except (OSError, http.client.HTTPException) as e:
            self.send_error(502, f"upstream unreachable: {e}")
            return
        self.send_response_only(status, reason)  # upstream's Date and Server are relayed
        for name, value in headers:
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        if self.command == "HEAD":
            length = dict((n.lower(), v) for n, v in headers).get("content-length")
            if length is not None:
                self.send_header("Content-Length", length)
        elif status >= 200 and status not in (204, 304):
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _forward

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0], 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()  # the CRLF after each chunk
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _round_trip(self, body: bytes) -> Response:
        """Sends the request upstream; retries once on a fresh connection if a kept-alive one
        turns out to have been closed by the upstream while idle."""
        for attempt in (1, 2):
            reused = self._upstream is not None
            if self._upstream is None:
                self._upstream = http.client.HTTPConnection(*self.server.counter.upstream,
                                                            timeout=UPSTREAM_TIMEOUT_SECONDS)
            try:
                return self._send_upstream(self._upstream, body)
            except ConnectionError:  # RemoteDisconnected, ConnectionResetError, BrokenPipeError
                self._close_upstream()
                if not reused or attempt == 2:
                    raise
            except BaseException:
                self._close_upstream()
                raise
        raise AssertionError("unreachable")

    def _send_upstream(self, upstream: http.client.HTTPConnection,
                       body: bytes) -> Response:
        upstream.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        for name, value in self.headers.items():  # Host included: it is part of the signature
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                upstream.putheader(name, value)
        if body or "Content-Length" in self.headers or "Transfer-Encoding" in self.headers:
            upstream.putheader("Content-Length", str(len(body)))
        upstream.endheaders(body)
        response = upstream.getresponse()
        payload = response.read()
        if response.will_close:
            self._close_upstream()
        return response.status, response.reason, response.getheaders(), payload

    def _close_upstream(self) -> None:
        if self._upstream is not None:
            self._upstream.close()
            self._upstream = None

    def finish(self) -> None:
        self._close_upstream()
        super().finish()

    def log_message(self, format: str, *args) -> None:
        pass  # one line per request would drown the benchmark's figures
