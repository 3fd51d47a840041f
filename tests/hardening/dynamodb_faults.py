"""Injects DynamoDB faults through the counting proxy of `bench/dynamodb_counter.py`.

Requests pass through verbatim unless a rule claims them. A rule names an operation
(`X-Amz-Target: DynamoDB_20120810.<Operation>`), an error and how many requests it claims;
claimed requests are answered with the error as DynamoDB sends it (HTTP 400 with a JSON
`__type` for throttling, 500/503 for server errors), either instead of being forwarded or
after being forwarded (`after_forwarding=True`: the write happens, its answer is lost, and the
SDK's retry meets its own write). `before` runs something just before a request is forwarded:
what another client does between the app's read and its write. Nothing in the app knows the
proxy is there.

    with DynamoDBFaults(aws.endpoint) as faults:    # sets AWS_ENDPOINT_URL_DYNAMODB
        faults.fail("TransactWriteItems", THROTTLED, times=2)
        faults.before("TransactWriteItems", lambda: ...)   # once, before the next one goes on
        ...                                          # clients created from here on see it
        faults.attempts("TransactWriteItems")        # requests the proxy received
"""
from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import dataclass
from http import HTTPStatus
from typing import Callable

from bench.dynamodb_counter import DynamoDBCounter, Response


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
    passing: int  # requests of the operation let through before the rule starts claiming


class DynamoDBFaults(DynamoDBCounter):
    """`bench.dynamodb_counter`'s proxy, answering the requests a rule claims with its fault."""

    def __init__(self, upstream_endpoint: str) -> None:
        super().__init__(upstream_endpoint)
        self._rules: list[_Rule] = []
        self._before: list[tuple[str, Callable[[], object]]] = []
        self._injected: Counter[str] = Counter()
        self._rules_lock = threading.Lock()

    def fail(self, operation: str, fault: Fault, times: int = 1, after_forwarding: bool = False,
             passing: int = 0) -> None:
        """The next `times` requests of `operation` get `fault`, after `passing` of them went through."""
        with self._rules_lock:
            self._rules.append(_Rule(operation, fault, times, after_forwarding, passing))

    def before(self, operation: str, action: Callable[[], object]) -> None:
        """Runs `action` once, just before the next request of `operation` is forwarded."""
        with self._rules_lock:
            self._before.append((operation, action))

    def clear(self) -> None:
        with self._rules_lock:
            self._rules.clear()
            self._before.clear()

    def attempts(self, operation: str) -> int:
        """Requests of `operation` the proxy received (the SDK's retries included)."""
        return self.by_operation.get(operation, 0)

    def injected(self, operation: str) -> int:
        with self._rules_lock:
            return self._injected[operation]

    def reset_counts(self) -> None:
        self.reset()
        with self._rules_lock:
            self._injected.clear()

    def respond(self, operation: str | None, forward: Callable[[], Response]) -> Response:
        with self._rules_lock:
            due = [entry for entry in self._before if entry[0] == operation][:1]
            for entry in due:
                self._before.remove(entry)
        for _, action in due:
            action()
        rule = self._claim(operation)
        if rule is None:
            return forward()
        if rule.after_forwarding:
            forward()  # the write happens; its answer is lost
        status = rule.fault.status
        return status, HTTPStatus(status).phrase, [("Content-Type", "application/x-amz-json-1.0")], rule.fault.body()

    def _claim(self, operation: str | None) -> _Rule | None:
        with self._rules_lock:
            for rule in self._rules:
                if rule.operation == operation and rule.passing > 0:
                    rule.passing -= 1
                elif rule.operation == operation and rule.remaining > 0:
                    rule.remaining -= 1
                    self._injected[operation] += 1
                    return rule
        return None
