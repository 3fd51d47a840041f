"""Binds the PynamoDB models to the stage's table, lazily and once per settings object.

Endpoints are not configured here: botocore reads the standard `AWS_ENDPOINT_URL` /
`AWS_ENDPOINT_URL_DYNAMODB` variables, which is how the local stack is reached.
"""
from __future__ import annotations

import threading
from functools import lru_cache
from typing import Callable, TypeVar

from chalicelib.config import Settings

CONDITION_FAILED = "ConditionalCheckFailed"  # a transaction item's cancellation code
T = TypeVar("T")

_bound: dict[tuple[type, ...], Settings] = {}  # the settings each group of models is bound to


def bind_models(settings: Settings) -> None:
    from chalicelib.storage.models import ALL_MODELS, MainTableModel

    bind_to_table(settings, (MainTableModel, *ALL_MODELS))


def bind_to_table(settings: Settings, models: tuple[type, ...]) -> None:
    """Binds `models` to the stage's table, once per settings object: the main table's models
    (`bind_models`), or a group kept outside models.py, bound by its own module."""
    if _bound.get(models) == settings:
        return
    shared = _connection_for(settings.region).client
    for model in models:
        model.Meta.table_name = settings.table_name
        model.Meta.region = settings.region
        model._connection = None
        # PynamoDB gives every model class a connection, and each its own botocore session and
        # client: a cold container built one per model it touched (three for a signed-in feed
        # page, the DynamoDB service model loaded each time). All share the transactions' one.
        model._get_connection().connection._client = shared
    _bound[models] = settings


def transaction_connection(settings: Settings):
    """The connection for TransactWrite/TransactGet; cached, as its botocore client is costly."""
    bind_models(settings)
    return _connection_for(settings.region)


@lru_cache(maxsize=2)
def _connection_for(region: str):
    from pynamodb.connection import Connection

    return Connection(region=region)


_clients_made = threading.Lock()


@lru_cache(maxsize=8)
def aws_client(service: str, region: str, signature_version: str | None = None):
    """A client of another service (S3, SQS, SES), made from the botocore session that the
    DynamoDB connection already built: a cold container loads the endpoint and partition data
    once (`boto3.client` builds a whole session of its own each time). Sessions are not safe
    to make clients from concurrently, hence the lock (the local server is threaded)."""
    from botocore.config import Config

    with _clients_made:
        session = _connection_for(region).session
        return session.create_client(service, region_name=region,
                                     config=Config(signature_version=signature_version) if signature_version else None)


def write_transaction(settings: Settings, fill, attempts: int = 4) -> None:
    """Runs `fill(tx)` as one TransactWrite.

    DynamoDB cancels a transaction that races another one on the same item with
    `TransactionConflict`; botocore does not retry that, so we do, with a short backoff.
    Condition failures are not retried: they are answers, for the caller to translate.

    Each attempt carries a ClientRequestToken: when botocore sends an attempt again because
    its answer was lost (a 500, a timeout), DynamoDB recognises it and does not apply it twice,
    so the transaction's own conditions do not refuse what it already wrote.
    """
    import random
    import time
    import uuid

    from pynamodb.exceptions import TransactWriteError
    from pynamodb.transactions import TransactWrite

    for attempt in range(attempts):
        try:
            with TransactWrite(connection=transaction_connection(settings), client_request_token=uuid.uuid4().hex) as tx:
                fill(tx)
            return
        except TransactWriteError as e:
            if attempt + 1 == attempts or "TransactionConflict" not in cancellation_codes(e):
                raise
            time.sleep(random.uniform(0, 0.02 * 2**attempt))


def add_new(tx, items: list) -> None:
    """Puts items that must not exist yet (fresh ids), each on that condition."""
    for item in items:
        tx.save(item, condition=type(item).pk.does_not_exist())


def add_new_raw(tx, model: type, items: list[dict]) -> None:
    """`add_new` for items already serialized by `raw_item` (PynamoDB's TransactWrite keeps
    its puts as these request entries)."""
    for item in items:
        tx._put_items.append({"TableName": model.Meta.table_name, "Item": item,
                              "ConditionExpression": "attribute_not_exists (#0)",
                              "ExpressionAttributeNames": {"#0": model.pk.attr_name}})


def raw_item(model: type, values: dict) -> dict:
    """What `model(**values).serialize()` gives, without building the model: a fifth of the
    cost, for the hundreds of payouts a royalty run puts at once. Defaults apply; None leaves
    an attribute out (an attribute that cannot be null is a ValueError)."""
    item = {}
    for name, attr_name, attr_type, serialize, null, default in _serialization_of(model):
        value = values.get(name, _ABSENT)
        if value is _ABSENT:
            value = default() if callable(default) else default
        if value is None:
            if not null:
                raise ValueError(f"{model.__name__}.{name} cannot be null")
            continue
        item[attr_name] = {attr_type: serialize(value)}
    return item


_ABSENT = object()


@lru_cache(maxsize=None)
def _serialization_of(model: type) -> tuple:
    return tuple((name, a.attr_name, a.attr_type, a.serialize, a.null, a.default)
                 for name, a in model.get_attributes().items())


def cancellation_codes(error) -> list[str | None]:
    """One code per transaction item, in order (`ConditionalCheckFailed`, `None`, ...)."""
    return [r.code if r else None for r in (error.cancellation_reasons or [])]


def condition_failed(error: Exception, *items: int) -> bool:
    """Whether a write was refused by its condition: a put, update or delete (PynamoDB's
    PutError, UpdateError, DeleteError), or a transaction in which an item failed its condition
    (with `items`: one of the items at those positions)."""
    from pynamodb.exceptions import TransactWriteError

    if isinstance(error, TransactWriteError):
        codes = cancellation_codes(error)
        positions = items or range(len(codes))
        return any(n < len(codes) and codes[n] == CONDITION_FAILED for n in positions)
    return getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException"


def applied(write: Callable[[], object]) -> bool:
    """Runs `write()`, one conditional put, update or delete: True, or False (nothing written)
    when its condition failed."""
    from pynamodb.exceptions import DeleteError, PutError, UpdateError

    try:
        write()
    except (PutError, UpdateError, DeleteError) as e:
        if condition_failed(e):
            return False
        raise
    return True


class LostRace(Exception):
    """An attempt read a state that changed before its conditional write: read again."""


def write_or_lose(settings: Settings, fill, *items: int) -> None:
    """`write_transaction(settings, fill)`, where a failed condition (of any item, or of one of
    `items`) means that what the attempt read has changed: LostRace, for `retry` to read again."""
    from pynamodb.exceptions import TransactWriteError

    try:
        write_transaction(settings, fill)
    except TransactWriteError as e:
        if condition_failed(e, *items):
            raise LostRace() from e
        raise


def write_unless(settings: Settings, fill, attempts: int = 4) -> bool:
    """`write_transaction(settings, fill)`; False, and nothing written, when the condition of its
    first write failed (what it would do is done already, or no longer applies). Any other failure
    raises, for the caller to translate."""
    from pynamodb.exceptions import TransactWriteError

    try:
        write_transaction(settings, fill, attempts)
    except TransactWriteError as e:
        if condition_failed(e, 0):
            return False
        raise
    return True


def retry(attempt: Callable[[], T], attempts: int, exhausted: Callable[[], T]) -> T:
    """`attempt()` until it returns without raising LostRace, at most `attempts` times; then
    `exhausted()` answers (a fallback value, or an exception it raises)."""
    for _ in range(attempts):
        try:
            return attempt()
        except LostRace:
            continue
    return exhausted()


def batch_get_raw(settings: Settings, keys: list[tuple[str, str]], consistent: bool = True,
                  attributes: tuple[str, ...] | None = None) -> dict[tuple[str, str], dict]:
    """Items of any model in one BatchGetItem (more only for >100 keys or unprocessed keys),
    raw by key: the caller knows which model each key holds (`Model.from_raw_data`).
    `attributes`: only those (a projection; keep `pk` and `sk` among them to have them keyed)."""
    from chalicelib.storage.models import MainTableModel

    bind_models(settings)
    connection = MainTableModel._get_connection()
    found: dict[tuple[str, str], dict] = {}
    pending = [{"pk": pk, "sk": sk} for pk, sk in dict.fromkeys(keys)]
    while pending:
        page, pending = pending[:100], pending[100:]
        while page:
            data = connection.batch_get_item(page, consistent_read=consistent,
                                             attributes_to_get=list(attributes) if attributes else None)
            for raw in data["Responses"].get(settings.table_name, []):
                found[(raw["pk"]["S"], raw["sk"]["S"])] = raw
            page = [{"pk": k["pk"]["S"], "sk": k["sk"]["S"]}
                    for k in data.get("UnprocessedKeys", {}).get(settings.table_name, {}).get("Keys", [])]
    return found


def newest_first_page(index, partition: str, sort_key, limit: int, after: str | None) -> tuple[list, str | None]:
    """One page of an index partition, highest sort key first, after position `after`. The Query
    asks for one item more than the page to know whether another follows; the next position is
    the page's last sort key (None: no more)."""
    items = list(index.query(partition, range_key_condition=sort_key < after if after else None,
                             scan_index_forward=False, limit=limit + 1, page_size=limit + 1))
    page = items[:limit]
    return page, (getattr(page[-1], sort_key.attr_name) if len(items) > limit else None)
