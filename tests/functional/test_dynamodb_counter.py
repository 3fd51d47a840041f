"""The DynamoDB round-trip counter forwards everything to the local AWS and counts DynamoDB calls.

Starts its own embedded AWS, so it does not depend on any shared fixture. moto's state is
shared by every server in the process, so the tests delete what they create rather than reset it.
"""
from __future__ import annotations

import os

import boto3
import pytest

from bench.dynamodb_counter import ENV_VAR, DynamoDBCounter
from local.aws import FAKE_AWS_ENV, EmbeddedAws

TABLE = "counter-test"
BUCKET = "counter-test-bucket"


@pytest.fixture(scope="module")
def aws_endpoint():
    aws = EmbeddedAws()
    yield aws.start()
    aws.stop()


@pytest.fixture(autouse=True)
def fake_credentials(monkeypatch):
    for name, value in FAKE_AWS_ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def counter(aws_endpoint):
    with DynamoDBCounter(aws_endpoint) as counter:
        yield counter
    delete_what_the_tests_created(aws_endpoint)


def delete_what_the_tests_created(endpoint: str) -> None:
    dynamodb = boto3.client("dynamodb", endpoint_url=endpoint)
    if TABLE in dynamodb.list_tables()["TableNames"]:
        dynamodb.delete_table(TableName=TABLE)
    s3 = boto3.resource("s3", endpoint_url=endpoint)
    if s3.Bucket(BUCKET).creation_date:
        s3.Bucket(BUCKET).objects.all().delete()
        s3.Bucket(BUCKET).delete()


def create_table(dynamodb) -> None:
    dynamodb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                   {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def test_counter_reports_each_dynamodb_operation_it_forwarded(counter):
    dynamodb = boto3.client("dynamodb", endpoint_url=counter.endpoint)
    create_table(dynamodb)

    dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": "m#1"}, "sk": {"S": "profile"}})
    first = dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": "m#1"}, "sk": {"S": "profile"}})
    dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": "m#2"}, "sk": {"S": "profile"}})
    query = dynamodb.query(TableName=TABLE, KeyConditionExpression="pk = :pk",
                           ExpressionAttributeValues={":pk": {"S": "m#1"}})

    assert first["Item"]["pk"] == {"S": "m#1"}  # responses are relayed intact
    assert query["Count"] == 1
    assert counter.by_operation == {"CreateTable": 1, "PutItem": 1, "GetItem": 2, "Query": 1}
    assert counter.total == 5


def test_measure_reports_only_the_round_trips_made_inside_the_block(counter):
    dynamodb = boto3.client("dynamodb", endpoint_url=counter.endpoint)
    create_table(dynamodb)

    with counter.measure() as calls:
        dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": "m#1"}, "sk": {"S": "profile"}})
    dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": "m#1"}, "sk": {"S": "profile"}})

    assert calls.by_operation == {"GetItem": 1}
    assert calls.total == 1
    assert counter.by_operation == {"CreateTable": 1, "GetItem": 2}


def test_reset_forgets_what_was_counted(counter):
    dynamodb = boto3.client("dynamodb", endpoint_url=counter.endpoint)
    dynamodb.list_tables()

    counter.reset()

    assert counter.total == 0
    assert counter.by_operation == {}


def test_clients_created_while_counting_go_through_the_counter(counter):
    dynamodb = boto3.client("dynamodb")  # no endpoint_url: botocore reads the env var

    dynamodb.list_tables()

    assert counter.by_operation == {"ListTables": 1}


def test_endpoint_variable_is_restored_when_the_counter_stops(aws_endpoint, monkeypatch):
    monkeypatch.setenv(ENV_VAR, "http://previous.invalid")

    with DynamoDBCounter(aws_endpoint) as counter:
        assert os.environ[ENV_VAR] == counter.endpoint

    assert os.environ[ENV_VAR] == "http://previous.invalid"


def test_other_services_are_forwarded_but_not_counted(counter):
    s3 = boto3.client("s3", endpoint_url=counter.endpoint)
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="a.txt", Body=b"hello")

    body = s3.get_object(Bucket=BUCKET, Key="a.txt")["Body"].read()

    assert body == b"hello"
    assert counter.total == 0
