"""The local emulator keeps DynamoDB's transaction semantics that moto lacks (local/aws.py)."""
from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError


def _add_one(token: str, amount: int = 1) -> dict:
    from chalicelib.config import get_settings

    return {"TransactItems": [{"Update": {
        "TableName": get_settings().table_name, "Key": {"pk": {"S": "TEST#counter"}, "sk": {"S": "COUNT"}},
        "UpdateExpression": "ADD n :n", "ExpressionAttributeValues": {":n": {"N": str(amount)}}}}],
        "ClientRequestToken": token}


def _count() -> int:
    from chalicelib.config import get_settings

    item = boto3.client("dynamodb").get_item(TableName=get_settings().table_name,
                                             Key={"pk": {"S": "TEST#counter"}, "sk": {"S": "COUNT"}})["Item"]
    return int(item["n"]["N"])


def test_a_transaction_sent_again_with_its_client_request_token_is_applied_once(aws):
    dynamodb = boto3.client("dynamodb")

    dynamodb.transact_write_items(**_add_one("token-1"))
    dynamodb.transact_write_items(**_add_one("token-1"))  # a retry after a lost answer
    dynamodb.transact_write_items(**_add_one("token-2"))

    assert _count() == 2


def test_the_same_token_with_other_items_is_refused(aws):
    dynamodb = boto3.client("dynamodb")
    dynamodb.transact_write_items(**_add_one("token-3"))

    with pytest.raises(ClientError, match="IdempotentParameterMismatch"):
        dynamodb.transact_write_items(**_add_one("token-3", amount=5))
    assert _count() == 1


def test_a_transaction_with_a_binary_attribute_is_idempotent_by_its_token_too(aws):
    from chalicelib.config import get_settings

    dynamodb = boto3.client("dynamodb")
    request = _add_one("token-4")
    request["TransactItems"].append({"Put": {"TableName": get_settings().table_name, "Item": {
        "pk": {"S": "TEST#blob"}, "sk": {"S": "BLOB"}, "b": {"B": b"\x00\xffpacked"}}}})

    dynamodb.transact_write_items(**request)
    dynamodb.transact_write_items(**request)

    assert _count() == 1
    assert dynamodb.get_item(TableName=get_settings().table_name, Key={"pk": {"S": "TEST#blob"}, "sk": {
        "S": "BLOB"}})["Item"]["b"]["B"] == b"\x00\xffpacked"
