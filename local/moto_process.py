"""moto's server in a process of its own: `python -m local.moto_process`, started by `local.aws`.

It serves moto on 127.0.0.1 and a free port and says `listening <port>` on stdout once it does.
It ends on SIGTERM (`EmbeddedAws.stop`) or when its stdin reaches end of file, which the system
brings about when the parent dies, however it dies: no server outlives the process that started
it. Ctrl-C reaches the whole process group and is left to the parent, which stops this one last.

Here the emulator is made to keep the DynamoDB semantics moto lacks (isolated transactions undone
item by item, ClientRequestToken idempotency) and made cheaper where a feed page spent its time,
in an interpreter of its own: the app, the event pump and the tests no longer share one with it.
"""
from __future__ import annotations

import logging
import signal
import sys
import threading

READY = "listening"


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's per-request access log
    from moto.server import ThreadedMotoServer

    _isolate_dynamodb_requests()
    _dynamodb_requests_parsed_directly()
    _forget_tokens_on_reset()
    _serialize_attribute_values_directly()
    _query_without_sorting_the_table()
    _no_xml_request_id_in_dynamodb_answers()
    _item_size_checked_once()
    _conditions_parsed_once()
    _backends_found_once()
    _clear_endpoint()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    print(READY, server.get_host_and_port()[1], flush=True)
    sys.stdin.buffer.read()


_DYNAMODB_LOCK = threading.RLock()


def _isolate_dynamodb_requests() -> None:
    """Makes the emulator keep DynamoDB's isolation under concurrent requests, cheaply.

    moto rolls a failed transaction back by restoring a copy of the whole table taken before
    it started. That silently undoes writes other requests made in between (a registration
    or a remix link answered 201/200 would vanish), and copying the table on every
    transaction makes writes slower the more data there is. DynamoDB isolates transactions:
    here the emulator's DynamoDB requests are serialised, and a transaction copies only the
    items it touches. moto has no locking of its own: without this lock, concurrent royalty-run
    starts, concurrent cross-links and one member's twenty simultaneous hearts went wrong (3 to 4
    of the race tests failed in each of three runs).
    """
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.responses import DynamoHandler

    unlocked = DynamoHandler.call_action

    def call_action(self):
        with _DYNAMODB_LOCK:
            return unlocked(self)

    DynamoHandler.call_action = call_action
    DynamoDBBackend.transact_write_items = _transact_write_items
    DynamoHandler.transact_write_items = _idempotent(DynamoHandler.transact_write_items)


def _dynamodb_requests_parsed_directly() -> None:
    """moto reads a DynamoDB request by walking botocore's model of it, shape by shape, to do two
    things: decode binary attribute values from base64, and drop members the model lacks (which
    the SDK never sends). A transaction of 100 payout puts is 2,600 attribute values, and the walk
    was most of what the emulator spent on it. Here the body is read with `json.loads`, and the
    binary values (`B`, `BS`, at any depth) are decoded in one pass, only when the body has any."""
    import base64
    import json

    from moto.dynamodb.responses import DynamoHandler

    def decode_binary(value) -> None:
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, inner in items:
            if key == "B" and isinstance(inner, str):
                value[key] = base64.b64decode(inner)
            elif key == "BS" and isinstance(inner, list) and all(isinstance(v, str) for v in inner):
                value[key] = [base64.b64decode(v) for v in inner]
            elif isinstance(inner, (dict, list)):
                decode_binary(inner)

    def parse_parameters(self, request) -> None:
        raw = request.data
        try:
            params = json.loads(raw) if raw else {}
        except ValueError:
            params = {"message": raw.decode("utf-8", "replace")}  # as moto's parser answers it
        if isinstance(params, dict) and (b'"B"' in raw or b'"BS"' in raw):
            decode_binary(params)
        self.params = params if isinstance(params, dict) else {}

    DynamoHandler.parse_parameters = parse_parameters


def _no_xml_request_id_in_dynamodb_answers() -> None:
    """moto writes its request id into every answer's `<RequestId>` with a regex over the whole
    body; DynamoDB answers JSON, which has none, and on large items that search was a third of
    moto's CPU. The id still goes out in the headers, as before."""
    from moto.utilities.aws_headers import gen_amzn_requestid_long
    from moto.dynamodb.responses import DynamoHandler

    def enrich(headers, body):
        if "status" in headers:
            headers["status"] = str(headers["status"])
        gen_amzn_requestid_long(headers)
        return headers, body

    DynamoHandler._enrich_response = staticmethod(enrich)


def _conditions_parsed_once() -> None:
    """moto parses a condition expression with a hand-written lexer every time it meets one, twice
    per transaction item (validating the request, then applying it): a transaction of 100 puts
    on `attribute_not_exists(#0)` parsed the same string 200 times. Here each parse is kept,
    keyed by the expression with its names and values, and handed out again; an expression that
    fails to parse is not kept, so it fails again as before."""
    import json
    from collections import OrderedDict

    from moto.dynamodb import comparisons, responses
    from moto.dynamodb import models as dynamodb_models

    parsers: OrderedDict = OrderedDict()
    make = comparisons.create_condition_expression_parser

    class Parsed:
        def __init__(self, parser) -> None:
            self._parser, self._tree = parser, None

        def parse(self):
            if self._tree is None:
                self._tree = self._parser.parse()
            return self._tree

        def __getattr__(self, name):
            return getattr(self._parser, name)

    def create(expr, names, values):
        try:
            key = (expr, json.dumps(names, sort_keys=True), json.dumps(values, sort_keys=True))
        except (TypeError, ValueError):
            return make(expr, names, values)
        with _DYNAMODB_LOCK:
            parsed = parsers.get(key)
            if parsed is None:
                parsed = parsers[key] = Parsed(make(expr, names, values))
                if len(parsers) > 4096:
                    parsers.popitem(last=False)
        return parsed

    for module in (comparisons, responses, dynamodb_models):
        module.create_condition_expression_parser = create


def _backends_found_once() -> None:
    """moto's server finds the service of every request anew, under one lock that every request
    of every service takes in turn: it lists moto's package directory with a stat of each of its
    ~170 entries, then tries the URL patterns of every service one after the other. That was
    ~5 ms per request (load average 12), paid by each of the ~20 requests an event costs (its
    SQS messages, the subscribers' reads and writes), one request at a time. Here the service
    found for a host name is kept (the directory and the patterns do not change while the
    server runs), so the lock is held for a dictionary lookup; a host that names no service is
    looked up again, as before."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    find = DomainDispatcherApplication.get_backend_for_host
    found: dict[str, object] = {}

    def get_backend_for_host(self, host):
        backend = found.get(host)
        if backend is None:
            backend = find(self, host)
            if backend is not None and host is not None:
                found[host] = backend
        return backend

    DomainDispatcherApplication.get_backend_for_host = get_backend_for_host


CLEAR_PATH = "/moto-api/remixery/clear"


def _clear_endpoint() -> None:
    """`POST /moto-api/remixery/clear`: forgets every item, message and object, and keeps the
    tables, queues and buckets (and what they were created with; a bucket's notifications send
    their test event again, as when they were configured). moto's reset API drops the
    resources too, and creating the stage's again took ~30 requests per test (`create_all`).
    Every other service is reset as the reset API does. Answers the resources kept, so the
    caller can tell whether they are the ones it expects (a test may have deleted or added
    one: then it resets and creates them)."""
    import json

    from moto.moto_api._internal import urls

    def clear_response(request, full_url, headers):
        if request.method != "POST":
            return 400, {}, json.dumps({"Error": "Need to POST to clear"})
        return 200, {}, json.dumps(_clear())

    urls.url_paths["{0}" + CLEAR_PATH] = clear_response


def _clear() -> dict[str, list[str]]:
    from collections import defaultdict

    from moto.core.base_backend import BackendDict
    from moto.s3 import notifications
    from moto.s3.models import FakeKey, MultipartDict
    from moto.s3.utils import _VersionedKeyStore

    kept: dict[str, list[str]] = {"tables": [], "queues": [], "buckets": []}
    configured: list = []
    with _DYNAMODB_LOCK:
        for backends in list(BackendDict._instances):
            accounts = list(backends.values())
            if backends.service_name not in ("dynamodb", "sqs", "s3"):
                for account in accounts:
                    account.reset()
                backends.clear()
                continue
            for account in accounts:
                for backend in list(account.values()):
                    if backends.service_name == "dynamodb":
                        for name, table in backend.tables.items():
                            table.items = defaultdict(dict)
                            kept["tables"].append(name)
                    elif backends.service_name == "sqs":
                        for name, queue in backend.queues.items():
                            queue._messages, queue._pending_messages, queue.deleted_messages = [], set(), set()
                            kept["queues"].append(name)
                    else:
                        for name, bucket in backend.buckets.items():
                            for _, versions in bucket.keys._iterlists():
                                for key in versions:
                                    if isinstance(key, FakeKey):
                                        key.dispose()
                            for part in bucket.multiparts.values():
                                part.dispose()
                            bucket.keys, bucket.multiparts = _VersionedKeyStore(), MultipartDict()
                            kept["buckets"].append(name)
                            if bucket.notification_configuration is not None:
                                configured.append((account.account_id, bucket))
        for account_id, bucket in configured:  # what configuring its notifications sent, as create_all left it
            notifications.send_test_event(account_id=account_id, bucket=bucket)
        _TOKENS.clear()
    return {kind: sorted(set(names)) for kind, names in kept.items()}


def _item_size_checked_once() -> None:
    """moto checks an item's 400 KB limit as it builds it, attribute by attribute, each time adding
    up the sizes of every attribute set so far: quadratic in the attributes, and most of what a
    transaction of 100 puts cost it (117,000 size computations for 355 payout items). Here the
    item is built, then its size added up once, against the same limit and with the same error."""
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize

    def __init__(self, hash_key, range_key, attrs) -> None:
        self.hash_key = hash_key
        self.range_key = range_key
        values = {key: DynamoType(value) for key, value in attrs.items()}
        if sum(bytesize(key) + value.size() for key, value in values.items()) > 405000:  # moto's limit
            raise ItemSizeTooLarge
        self.attrs = LimitedSizeDict()
        dict.update(self.attrs, values)  # the checking __setitem__ stays for later updates

    Item.__init__ = __init__


def _serialize_attribute_values_directly() -> None:
    """moto's response serializer looks every one of an AttributeValue's ten members up by name,
    alias and transformer, present or not: two thirds of what a feed page cost moto. Here only the
    members a value has are serialized, each as moto does (a string as it is), so the wire form
    is the same."""
    from moto.core.serialize import BaseJSONSerializer

    generic = BaseJSONSerializer._serialize_type_structure

    def _serialize_type_structure(self, serialized, value, shape, key) -> None:
        if shape.name != "AttributeValue" or not key or type(value) is not dict:
            return generic(self, serialized, value, shape, key)
        wrapper = {}
        for member, member_value in value.items():
            if type(member_value) is str and member in ("S", "N"):
                wrapper[member] = member_value
                continue
            member_shape = shape.members.get(member)
            if member_shape is not None and member_value is not None:
                self._serialize(wrapper, member_value, member_shape, member)
        serialized[self.get_serialized_name(shape, key)] = wrapper

    BaseJSONSerializer._serialize_type_structure = _serialize_type_structure


def _query_without_sorting_the_table() -> None:
    """moto's Query sorts every item of the table before it picks the ones it wants (most of the
    rest of a feed page's cost, on a store of 1,000 items), then sorts what it picked in an order
    that is total (the index's keys, then the table's). Here it picks from the items unsorted, and
    a query on the table's own key from that key's partition alone. With both changes a feed page
    costs moto 15-22 ms of CPU instead of 80-95. Requests are serialised (above), so no other
    request sees the table's `all_items` while a query replaces it."""
    from moto.dynamodb.models.table import Table

    query = Table.query

    def picking(self, hash_key, *args, **kwargs):
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        if index_name:
            partitions = self.items.values()
        else:
            partitions = [self.items[hash_key]] if hash_key in self.items else []
        items = [item for partition in partitions
                 for item in (partition.values() if self.range_key_attr else (partition,))]
        self.all_items = lambda: items
        try:
            return query(self, hash_key, *args, **kwargs)
        finally:
            del self.all_items

    Table.query = picking


def _forget_tokens_on_reset() -> None:
    """moto's reset API (`POST /moto-api/reset`) forgets the ClientRequestTokens too, so a test's
    transaction is never answered from an earlier test's."""
    from moto.moto_api._internal.models import MotoAPIBackend

    reset = MotoAPIBackend.reset

    def forgetting(self) -> None:
        with _DYNAMODB_LOCK:
            reset(self)
            _TOKENS.clear()

    MotoAPIBackend.reset = forgetting


_IDEMPOTENCY_SECONDS = 600
_TOKENS: dict[str, tuple[float, str]] = {}  # ClientRequestToken → (when it succeeded, its request)


def _idempotent(transact_write_items):
    """DynamoDB's ClientRequestToken, which moto ignores: a TransactWriteItems sent again with
    the token of one that succeeded in the last 10 minutes succeeds without writing again
    (so an SDK retry after a lost answer is not refused by its own conditions); the same token
    with other items is an IdempotentParameterMismatchException. The request's body stands for
    its items: the SDK sends a retry byte for byte."""
    import hashlib
    import time

    from moto.dynamodb.exceptions import ERROR_TYPE_PREFIX, DynamodbException
    from moto.dynamodb.responses import ActionResult

    def guarded(self):
        token = self.body.get("ClientRequestToken")
        if not token:
            return transact_write_items(self)
        body = self.raw_body
        digest = hashlib.sha256(body.encode() if isinstance(body, str) else body).hexdigest()
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


if __name__ == "__main__":
    main()
