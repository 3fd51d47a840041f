"""Creates the stage's tables, bucket, queues and bucket notifications from `definitions`.

Used by the local stack and the tests (the CDK stack builds the same resources from the same
definitions). Idempotent: existing resources are left as they are.
"""
from __future__ import annotations

import json
from functools import lru_cache

from chalicelib.config import Settings
from chalicelib.storage.definitions import (
    EVENT_QUEUE, EXPORT_QUEUE, HEART_QUEUE, MAIN_TABLE, MEDIA_BUCKET, PAYOUT_QUEUE, PROPOSAL_QUEUE, ROYALTY_BATCH_QUEUE,
    ROYALTY_QUEUE, UPLOAD_QUEUE, TableDefinition,
)


def create_all(settings: Settings) -> None:
    dynamodb, sqs, s3 = _clients(settings.region)
    create_table(dynamodb, settings.table_name, MAIN_TABLE)
    queue_arn = create_queue_with_dlq(
        sqs, settings.upload_queue, UPLOAD_QUEUE.visibility_timeout_seconds, UPLOAD_QUEUE.max_receive_count,
    )
    create_bucket(s3, settings.media_bucket, settings.region, queue_arn, MEDIA_BUCKET.notify_prefixes)
    expire_prefixes(s3, settings.media_bucket, MEDIA_BUCKET.expiring_prefixes)
    for name, definition in ((settings.heart_queue, HEART_QUEUE), (settings.royalty_queue, ROYALTY_QUEUE),
                             (settings.royalty_batch_queue, ROYALTY_BATCH_QUEUE),
                             (settings.event_queue, EVENT_QUEUE), (settings.payout_queue, PAYOUT_QUEUE),
                             (settings.export_queue, EXPORT_QUEUE), (settings.proposal_queue, PROPOSAL_QUEUE)):
        create_queue_with_dlq(sqs, name, definition.visibility_timeout_seconds, definition.max_receive_count)


@lru_cache(maxsize=2)
def _clients(region: str):
    import boto3

    session = boto3.session.Session(region_name=region)
    return session.client("dynamodb"), session.client("sqs"), session.client("s3")


def create_table(dynamodb, name: str, table: TableDefinition) -> None:
    if name in dynamodb.list_tables()["TableNames"]:
        return
    kwargs = dict(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in table.key_attributes],
        KeySchema=[
            {"AttributeName": table.hash_key, "KeyType": "HASH"},
            {"AttributeName": table.range_key, "KeyType": "RANGE"},
        ],
    )
    if table.indexes:
        kwargs["GlobalSecondaryIndexes"] = [
            {
                "IndexName": index.name,
                "KeySchema": [
                    {"AttributeName": index.hash_key, "KeyType": "HASH"},
                    {"AttributeName": index.range_key, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for index in table.indexes
        ]
    dynamodb.create_table(**kwargs)
    dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.1})
    if table.ttl_attribute:
        dynamodb.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": table.ttl_attribute},
        )


def create_queue_with_dlq(sqs, name: str, visibility_timeout: int, max_receive_count: int) -> str:
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(
        QueueName=name,
        Attributes={
            "VisibilityTimeout": str(visibility_timeout),
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive_count}),
        },
    )["QueueUrl"]
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def create_bucket(s3, name: str, region: str, queue_arn: str, prefixes: tuple[str, ...]) -> None:
    location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    try:
        s3.create_bucket(Bucket=name, **location)
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    s3.put_bucket_notification_configuration(
        Bucket=name,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "QueueArn": queue_arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": prefix}]}},
                }
                for prefix in prefixes
            ]
        },
    )


def expire_prefixes(s3, name: str, prefixes: tuple[tuple[str, int], ...]) -> None:
    """The bucket's lifecycle rules: each prefix's objects expire after its days."""
    if not prefixes:
        return
    s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": [
        {"ID": f"expire-{prefix.strip('/')}", "Status": "Enabled", "Filter": {"Prefix": prefix},
         "Expiration": {"Days": days}}
        for prefix, days in prefixes]})
