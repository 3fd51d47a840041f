"""Embedded AWS for local runs and tests: moto's server in this process, reached over HTTP.

The app is not told about moto: it reaches it through the standard `AWS_ENDPOINT_URL`
variable, with fake credentials, exactly as it would reach any other endpoint.
"""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent

FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def stage_environment(stage: str = "local", project_dir: Path = PROJECT_DIR) -> dict[str, str]:
    """The environment Chalice gives the stage's functions (`.chalice/config.json`)."""
    config = json.loads((project_dir / ".chalice" / "config.json").read_text())
    env = dict(config.get("environment_variables", {}))
    env.update(config["stages"][stage].get("environment_variables", {}))
    return env


class EmbeddedAws:
    """moto's ThreadedMotoServer on 127.0.0.1 and a free port."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        _isolate_dynamodb_requests()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.endpoint = ""

    def start(self) -> str:
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        return self.endpoint

    def reset(self) -> None:
        """Forgets every resource (moto's reset API), for a clean slate between tests."""
        import urllib.request

        urllib.request.urlopen(urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")).read()
        _TOKENS.clear()

    def stop(self) -> None:
        self._server.stop()


def use_endpoint(endpoint: str, stage: str = "local") -> None:
    """Points this process's AWS clients at `endpoint` and sets the stage's environment."""
    os.environ.update(FAKE_AWS_ENV)
    os.environ.update(stage_environment(stage))
    os.environ["AWS_ENDPOINT_URL"] = endpoint


_DYNAMODB_LOCK = threading.RLock()


def _isolate_dynamodb_requests() -> None:
    """Makes the emulator keep DynamoDB's isolation under concurrent requests, cheaply.

    moto rolls a failed transaction back by restoring a copy of the whole table taken before
    it started. That silently undoes writes other requests made in between (a registration
    or a remix link answered 201/200 would vanish), and copying the table on every
    transaction makes writes slower the more data there is. DynamoDB isolates transactions:
    here the emulator's DynamoDB requests are serialised, and a transaction copies only the
    items it touches.
    """
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.responses import DynamoHandler

    if getattr(DynamoHandler.call_action, "isolated", False):
        return
    unlocked = DynamoHandler.call_action

    def call_action(self):
        with _DYNAMODB_LOCK:
            return unlocked(self)

    call_action.isolated = True
    DynamoHandler.call_action = call_action
    DynamoDBBackend.transact_write_items = _transact_write_items
    DynamoHandler.transact_write_items = _idempotent(DynamoHandler.transact_write_items)


_IDEMPOTENCY_SECONDS = 600
_TOKENS: dict[str, tuple[float, str]] = {}  # ClientRequestToken → (when it succeeded, its request)


def _idempotent(transact_write_items):
    """DynamoDB's ClientRequestToken, which moto ignores: a TransactWriteItems sent again with
    the token of one that succeeded in the last 10 minutes succeeds without writing again
    (so an SDK retry after a lost answer is not refused by its own conditions); the same token
    with other items is an IdempotentParameterMismatchException."""
    import hashlib
    import json
    import time

    from moto.dynamodb.exceptions import ERROR_TYPE_PREFIX, DynamodbException
    from moto.dynamodb.responses import ActionResult

    def guarded(self):
        token = self.body.get("ClientRequestToken")
        if not token:
            return transact_write_items(self)
        # Binary attributes arrive decoded (bytes): their hex stands in for them in the digest.
        digest = hashlib.sha256(json.dumps(self.body["TransactItems"], sort_keys=True,
                                           default=bytes.hex).encode()).hexdigest()
        now = time.monotonic()
        seen = _TOKENS.get(token)
        if seen and now - seen[0] < _IDEMPOTENCY_SECONDS:
            if seen[1] != digest:
                raise DynamodbException(ERROR_TYPE_PREFIX + "IdempotentParameterMismatchException",
                                        "The request uses the same client token as a previous, different request.")
            return ActionResult({"ConsumedCapacity": [], "ItemCollectionMetrics": {}})
        result = transact_write_items(self)
        _TOKENS[token] = (now, digest)
        return result

    return guarded


def _transact_write_items(backend, transact_items: list[dict]) -> None:
    """moto's TransactWriteItems, with the same checks and errors, undone item by item."""
    import copy

    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed, MockValidationException, MultipleTransactionsException,
        TooManyTransactionsException, TransactionCanceledException, TransactWriteSingleOpException,
    )

    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    touched: list[tuple] = []  # (table, hash value, range value, the item before, or None)
    seen: set[tuple[str, str]] = set()
    errors: list[tuple] = []

    def undo() -> None:
        for table, hash_value, range_value, before in reversed(touched):
            if before is None:
                table.delete_item(hash_value, range_value)
            elif range_value is not None:
                table.items[hash_value][range_value] = before
            else:
                table.items[hash_value] = before

    for entry in transact_items:
        if len(entry) > 1:
            raise TransactWriteSingleOpException
        op_type, op = next(iter(entry.items()))
        before_json = None
        try:
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise ValueError("Unsupported transaction operation")
            table_name = op["TableName"]
            table = backend.get_table(table_name)
            if op_type == "Put":
                key = {a: op["Item"][a] for a in (table.hash_key_attr, table.range_key_attr) if a}
            else:
                key = op["Key"]
            identity = (str(table_name), str(dict(sorted(key.items()))))
            if identity in seen:
                raise MultipleTransactionsException()
            seen.add(identity)
            hash_value, range_value = backend.get_keys_value(table, key)
            current = table.get_item(hash_value, range_value)
            names, values = op.get("ExpressionAttributeNames"), op.get("ExpressionAttributeValues")
            condition = op.get("ConditionExpression")
            if condition is not None and not get_filter_expression(condition, names, values).expr(current):
                if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                    before_json = current.to_json()["Attributes"]
                raise ConditionalCheckFailed(item=before_json)
            if op_type != "ConditionCheck":
                touched.append((table, hash_value, range_value, copy.deepcopy(current)))
            if op_type == "Put":
                backend.put_item(table_name, op["Item"], expression_attribute_names=names,
                                 expression_attribute_values=values)
            elif op_type == "Delete":
                backend.delete_item(table_name, key, expression_attribute_names=names,
                                    expression_attribute_values=values)
            elif op_type == "Update":
                backend.update_item(table_name, key, update_expression=op["UpdateExpression"],
                                    expression_attribute_names=names, expression_attribute_values=values)
            errors.append((None, None, None))
        except (MultipleTransactionsException, MockValidationException):
            undo()
            raise
        except ConditionalCheckFailed as e:
            errors.append(("ConditionalCheckFailed", str(e.message), before_json))
        except Exception as e:  # noqa: BLE001 - reported per item, as moto does
            errors.append((type(e).__name__, str(e), before_json))
    if any(code is not None for code, _, _ in errors):
        undo()
        raise TransactionCanceledException(errors)
