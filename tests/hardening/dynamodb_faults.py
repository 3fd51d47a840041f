"""Injects DynamoDB faults: a small HTTP proxy in front of the local DynamoDB endpoint.

Requests pass through verbatim unless a rule claims them. A rule names an operation
(`X-Amz-Target: DynamoDB_20120810.<Operation>`), an error and how many requests it claims;
claimed requests are answered with the error as DynamoDB sends it (HTTP 400 with a JSON
`__type` for throttling, 500/503 for server errors), either instead of being forwarded or
after being forwarded (`after_forwarding=True`: the write happens, its answer is lost, and the
SDK's retry meets its own write). Nothing in the app knows the proxy is there.

    with DynamoDBFaults(aws.endpoint) as faults:    # sets AWS_ENDPOINT_URL_DYNAMODB
        faults.fail("TransactWriteItems", THROTTLED, times=2)
        ...                                          # clients created from here on see it
        faults.attempts("TransactWriteItems")        # requests the proxy received
"""
from __future__ import annotations

import http.client
import json
import os
import threading
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

ENV_VAR = "AWS_ENDPOINT_URL_DYNAMODB"
TARGET_PREFIX = "DynamoDB_20120810."
_SKIPPED_HEADERS = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length"})


@dataclass(frozen=True)
class Fault:
    status: int
    code: str
    message: str

    def body(self) -> bytes:
        return json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{self.code}",
                           "message": self.message}).encode()


PROVISIONED_THROUGHPUT_EXCEEDED = Fault(
    400, "ProvisionedThroughputExceededException",
    "The level of configured provisioned throughput for the table was exceeded.")
THROTTLED = Fault(400, "ThrottlingException", "Rate of requests exceeds the allowed throughput.")
INTERNAL_SERVER_ERROR = Fault(500, "InternalServerError", "Internal server error")
SERVICE_UNAVAILABLE = Fault(503, "ServiceUnavailable", "Service unavailable")


@dataclass
class _Rule:
    operation: str
    fault: Fault
    remaining: int
    after_forwarding: bool


class DynamoDBFaults:
    def __init__(self, upstream_endpoint: str) -> None:
        upstream = urlsplit(upstream_endpoint)
        self.upstream = (upstream.hostname, upstream.port or 80)
        self.endpoint = ""
        self._rules: list[_Rule] = []
        self._received: Counter[str] = Counter()
        self._injected: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._previous: str | None = None

    def fail(self, operation: str, fault: Fault, times: int = 1, after_forwarding: bool = False) -> None:
        """The next `times` requests of `operation` get `fault`."""
        with self._lock:
            self._rules.append(_Rule(operation, fault, times, after_forwarding))

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def attempts(self, operation: str) -> int:
        """Requests of `operation` the proxy received (the SDK's retries included)."""
        with self._lock:
            return self._received[operation]

    def injected(self, operation: str) -> int:
        with self._lock:
            return self._injected[operation]

    def reset_counts(self) -> None:
        with self._lock:
            self._received.clear()
            self._injected.clear()

    def _claim(self, operation: str) -> _Rule | None:
        with self._lock:
            self._received[operation] += 1
            for rule in self._rules:
                if rule.operation == operation and rule.remaining > 0:
                    rule.remaining -= 1
                    self._injected[operation] += 1
                    return rule
        return None

    def __enter__(self) -> "DynamoDBFaults":
        faults = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                operation = self.headers.get("X-Amz-Target", "").removeprefix(TARGET_PREFIX)
                rule = faults._claim(operation)
                if rule is None or rule.after_forwarding:
                    status, headers, payload = faults._forward(self.command, self.path, self.headers, body)
                if rule is not None:
                    status, headers, payload = rule.fault.status, [("Content-Type", "application/x-amz-json-1.0")], \
                        rule.fault.body()
                self.send_response_only(status)
                for name, value in headers:
                    if name.lower() not in _SKIPPED_HEADERS:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.endpoint = "http://127.0.0.1:%d" % self._server.server_address[1]
        self._previous = os.environ.get(ENV_VAR)
        os.environ[ENV_VAR] = self.endpoint
        return self

    def __exit__(self, *exc_info) -> None:
        if self._previous is None:
            os.environ.pop(ENV_VAR, None)
        else:
            os.environ[ENV_VAR] = self._previous
        self._server.shutdown()
        self._server.server_close()

    def _forward(self, method: str, path: str, headers, body: bytes):
        connection = http.client.HTTPConnection(*self.upstream, timeout=60)
        try:
            connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for name, value in headers.items():
                if name.lower() not in _SKIPPED_HEADERS:
                    connection.putheader(name, value)
            connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()
