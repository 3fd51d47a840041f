"""The per-test clean store: `EmbeddedAws.clear` empties the stage's resources and keeps them."""
from __future__ import annotations

import boto3

from chalicelib.config import get_settings
from tests.conftest import clean_store


def _clients():
    return boto3.client("dynamodb"), boto3.client("sqs"), boto3.client("s3")


def test_clearing_forgets_items_messages_and_objects_and_keeps_every_resource(aws):
    settings, (dynamodb, sqs, s3) = get_settings(), _clients()
    heart_queue = sqs.get_queue_url(QueueName=settings.heart_queue)["QueueUrl"]
    dynamodb.put_item(TableName=settings.table_name, Item={"pk": {"S": "P"}, "sk": {"S": "S"}})
    sqs.send_message(QueueUrl=heart_queue, MessageBody="a heart")
    s3.put_object(Bucket=settings.media_bucket, Key="media/x", Body=b"bytes")

    kept = aws.clear()

    assert kept == aws.stage_resources
    assert dynamodb.scan(TableName=settings.table_name)["Count"] == 0
    assert "Messages" not in sqs.receive_message(QueueUrl=heart_queue, WaitTimeSeconds=0)
    assert s3.list_objects_v2(Bucket=settings.media_bucket)["KeyCount"] == 0
    table = dynamodb.describe_table(TableName=settings.table_name)["Table"]
    assert table["TableStatus"] == "ACTIVE" and table.get("GlobalSecondaryIndexes")
    dynamodb.put_item(TableName=settings.table_name, Item={"pk": {"S": "P"}, "sk": {"S": "S"}})
    assert dynamodb.get_item(TableName=settings.table_name, Key={"pk": {"S": "P"}, "sk": {"S": "S"}})["Item"]


def test_after_clearing_the_upload_queue_holds_the_buckets_test_event_as_after_creating_it(aws):
    settings, (_, sqs, _) = get_settings(), _clients()
    uploads = sqs.get_queue_url(QueueName=settings.upload_queue)["QueueUrl"]

    aws.clear()

    bodies = [m["Body"] for m in sqs.receive_message(QueueUrl=uploads, MaxNumberOfMessages=10).get("Messages", [])]
    assert len(bodies) == 1 and '"s3:TestEvent"' in bodies[0]


def test_when_a_test_deleted_a_resource_the_next_clean_store_creates_them_all_again(aws):
    settings, (_, sqs, _) = get_settings(), _clients()
    sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName=settings.heart_queue)["QueueUrl"])

    clean_store(aws)

    assert sqs.get_queue_url(QueueName=settings.heart_queue)["QueueUrl"]
    assert aws.clear() == aws.stage_resources
