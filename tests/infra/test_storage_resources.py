"""The table, the queues and the media bucket are the ones `chalicelib/storage/definitions.py`
defines, named as `.chalice/config.json` names them for the stage."""
from __future__ import annotations

import pytest
from aws_cdk.assertions import Match

from chalicelib.storage import definitions
from chalicelib.storage.definitions import QueueDefinition, TableDefinition
from infra.stack import NAME_SETTINGS, stage_settings
from tests.infra.support import render, resources

TABLES = [v for v in vars(definitions).values() if isinstance(v, TableDefinition)]
QUEUES = [v for v in vars(definitions).values() if isinstance(v, QueueDefinition)]


def table_named(template: dict, name: str) -> dict:
    found = [t["Properties"] for t in resources(template, "AWS::DynamoDB::Table").values()
             if t["Properties"]["TableName"] == name]
    assert len(found) == 1, f"{len(found)} tables named {name}"
    return found[0]


def queue_named(template: dict, name: str) -> tuple[str, dict]:
    found = [(k, q["Properties"]) for k, q in resources(template, "AWS::SQS::Queue").items()
             if q["Properties"].get("QueueName") == name]
    assert len(found) == 1, f"{len(found)} queues named {name}"
    return found[0]


@pytest.mark.parametrize("definition", TABLES, ids=lambda d: d.logical_id)
def test_every_defined_table_is_built_with_its_keys_indexes_and_ttl(template, stage, definition):
    table = table_named(template, stage_settings(stage)[NAME_SETTINGS[definition]])

    assert table["KeySchema"] == [{"AttributeName": definition.hash_key, "KeyType": "HASH"},
                                  {"AttributeName": definition.range_key, "KeyType": "RANGE"}]
    assert sorted(table["AttributeDefinitions"], key=lambda a: a["AttributeName"]) == sorted(
        ({"AttributeName": a, "AttributeType": "S"} for a in definition.key_attributes),
        key=lambda a: a["AttributeName"])
    indexes = {i["IndexName"]: i for i in table.get("GlobalSecondaryIndexes", [])}
    assert set(indexes) == {index.name for index in definition.indexes}
    for index in definition.indexes:
        assert indexes[index.name]["KeySchema"] == [{"AttributeName": index.hash_key, "KeyType": "HASH"},
                                                    {"AttributeName": index.range_key, "KeyType": "RANGE"}]
        assert indexes[index.name]["Projection"] == {"ProjectionType": "ALL"}  # as the local bootstrap
    if definition.ttl_attribute:
        assert table["TimeToLiveSpecification"] == {"AttributeName": definition.ttl_attribute, "Enabled": True}
    else:
        assert "TimeToLiveSpecification" not in table


def test_tables_are_on_demand_with_point_in_time_recovery(assertions):
    assertions.all_resources_properties("AWS::DynamoDB::Table", {
        "BillingMode": "PAY_PER_REQUEST",
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
    })


def test_only_prod_protects_and_retains_its_data(templates):
    for stage, template in templates.items():
        for resource in resources(template, "AWS::DynamoDB::Table").values():
            assert resource["Properties"]["DeletionProtectionEnabled"] is (stage == "prod")
            assert resource["DeletionPolicy"] == ("Retain" if stage == "prod" else "Delete")
        for resource_type in ("AWS::S3::Bucket", "AWS::Cognito::UserPool"):
            for resource in resources(template, resource_type).values():
                assert resource["DeletionPolicy"] == ("Retain" if stage == "prod" else "Delete"), resource_type
        for pool in resources(template, "AWS::Cognito::UserPool").values():
            assert pool["Properties"]["DeletionProtection"] == ("ACTIVE" if stage == "prod" else "INACTIVE")


@pytest.mark.parametrize("definition", QUEUES, ids=lambda d: d.logical_id)
def test_every_defined_queue_has_a_dead_letter_queue_after_its_max_receive_count(template, stage, definition):
    name = stage_settings(stage)[NAME_SETTINGS[definition]]
    _, queue = queue_named(template, name)
    dlq_id, dlq = queue_named(template, f"{name}-dlq")

    assert queue["VisibilityTimeout"] == definition.visibility_timeout_seconds
    assert queue["RedrivePolicy"] == {"deadLetterTargetArn": {"Fn::GetAtt": [dlq_id, "Arn"]},
                                      "maxReceiveCount": definition.max_receive_count}
    assert dlq["MessageRetentionPeriod"] == 14 * 24 * 3600
    for properties in (queue, dlq):
        assert properties["SqsManagedSseEnabled"] is True


def test_every_queue_is_either_a_dead_letter_queue_or_has_one_of_its_own(template):
    queues = resources(template, "AWS::SQS::Queue")
    with_dlq = {k: q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
                for k, q in queues.items() if "RedrivePolicy" in q["Properties"]}

    assert len(with_dlq) == len(QUEUES)
    assert len(set(with_dlq.values())) == len(with_dlq), "each queue has a dead-letter queue of its own"
    assert set(queues) == set(with_dlq) | set(with_dlq.values())


def test_queue_names_are_the_ones_app_py_wires_its_event_sources_to(templates):
    """app.py wires `@app.on_sqs_message(queue=<name>)` when Chalice packages it."""
    for stage, template in templates.items():
        settings = stage_settings(stage)
        assert settings["REMIXERY_UPLOAD_QUEUE"] == f"remixery-{stage}-uploads"
        assert settings["REMIXERY_HEART_QUEUE"] == f"remixery-{stage}-hearts"
        assert settings["REMIXERY_ROYALTY_QUEUE"] == f"remixery-{stage}-royalties"
        assert settings["REMIXERY_ROYALTY_BATCH_QUEUE"] == f"remixery-{stage}-royalty-batches"
        built = {q["Properties"]["QueueName"] for q in resources(template, "AWS::SQS::Queue").values()}
        for function in resources(template, "AWS::Serverless::Function").values():
            for event in function["Properties"].get("Events", {}).values():
                if event["Type"] == "SQS":
                    arn = render(event["Properties"]["Queue"])
                    assert arn.rsplit(":", 1)[1] in built, arn


def media_bucket(template: dict) -> tuple[str, dict]:
    """The media bucket (the site's bucket is the other one, see test_site.py)."""
    (found,) = [(k, b) for k, b in resources(template, "AWS::S3::Bucket").items() if k.startswith("MediaBucket")]
    return found


def bucket(template: dict) -> dict:
    return media_bucket(template)[1]["Properties"]


def test_media_bucket_is_private_and_refuses_plain_http(template, assertions):
    bucket_id, _ = media_bucket(template)
    assert bucket(template)["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
    assert bucket(template)["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    assertions.has_resource_properties("AWS::S3::BucketPolicy", {"Bucket": {"Ref": bucket_id}, "PolicyDocument": {
        "Statement": Match.array_with([
            Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})])}})


def test_media_bucket_is_encrypted_with_s3_managed_keys_so_etags_survive_a_copy(template):
    """The upload function promotes an upload only if the copy's ETag is the checked one: an
    ETag is the MD5 of the bytes under SSE-S3, not under SSE-KMS."""
    assert bucket(template)["BucketEncryption"] == {"ServerSideEncryptionConfiguration": [
        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}


def test_media_bucket_is_versioned_and_expires_stale_uploads_and_old_versions(template):
    properties = bucket(template)
    rules = {rule["Id"]: rule for rule in properties["LifecycleConfiguration"]["Rules"]}

    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    assert rules["stale-uploads"]["Prefix"] == "uploads/"
    assert rules["stale-uploads"]["ExpirationInDays"] >= 1
    assert rules["old-versions"]["NoncurrentVersionExpiration"]["NoncurrentDays"] >= 1
    assert "Prefix" not in rules["old-versions"]
    assert all(rule["Status"] == "Enabled" for rule in rules.values())


def test_browsers_may_post_uploads_and_get_media_across_origins(template):
    (rule,) = bucket(template)["CorsConfiguration"]["CorsRules"]
    assert {"POST", "GET"} <= set(rule["AllowedMethods"])
    assert "PUT" not in rule["AllowedMethods"] and "DELETE" not in rule["AllowedMethods"]
    assert rule["AllowedOrigins"]


def test_objects_created_under_uploads_notify_the_upload_queue_and_only_this_bucket_may_send(template, stage):
    queue_id, _ = queue_named(template, stage_settings(stage)["REMIXERY_UPLOAD_QUEUE"])

    assert bucket(template)["NotificationConfiguration"]["QueueConfigurations"] == [
        {"Event": "s3:ObjectCreated:*", "Queue": {"Fn::GetAtt": [queue_id, "Arn"]},
         "Filter": {"S3Key": {"Rules": [{"Name": "prefix", "Value": prefix}]}}}
        for prefix in definitions.MEDIA_BUCKET.notify_prefixes
    ]
    policies = [p for p in resources(template, "AWS::SQS::QueuePolicy").values()
                if p["Properties"]["Queues"] == [{"Ref": queue_id}]]
    assert len(policies) == 1, "one queue has one policy: a second would replace the first"
    (allow,) = [s for s in policies[0]["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "s3.amazonaws.com"}
    assert allow["Action"] == "sqs:SendMessage"
    bucket_name = render(bucket(template)["BucketName"])
    assert render(allow["Condition"]["ArnEquals"]["aws:SourceArn"]) == f"arn:{{AWS::Partition}}:s3:::{bucket_name}"
    assert allow["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    # S3 checks it may send when the notification is configured: the policy must exist first.
    _, bucket_resource = media_bucket(template)
    (policy_id,) = [k for k, p in resources(template, "AWS::SQS::QueuePolicy").items() if p is policies[0]]
    assert policy_id in bucket_resource["DependsOn"]


def test_media_bucket_name_is_unique_to_the_account_and_region(template, stage):
    assert render(bucket(template)["BucketName"]) == f"remixery-{stage}-media-{{AWS::AccountId}}-{{AWS::Region}}"


def test_media_bucket_deletes_data_exports_seven_days_after_they_were_written(template):
    rules = {rule["Id"]: rule for rule in bucket(template)["LifecycleConfiguration"]["Rules"]}

    assert rules["expire-exports"]["Prefix"] == "exports/"
    assert rules["expire-exports"]["ExpirationInDays"] == 7
    assert rules["expire-exports"]["Status"] == "Enabled"
