"""Least privilege: no policy anywhere in the template allows a wildcard action or resource but
the few that the names chosen at run time force, and each function may do what its code does."""
from __future__ import annotations

import re

import pytest

from tests.infra.support import as_list, functions, granted, policy_statements, render, resources

# The only wildcards an Allow may carry, each for a reason AWS leaves no way around.
ALLOWED_WILDCARD_RESOURCES = {
    r"arn:\{AWS::Partition\}:ses:\{AWS::Region\}:\{AWS::AccountId\}:identity/\*":
        "the SES identity counter-notices are sent from is the operator's (REMIXERY_SES_SENDER, set at deploy "
        "time); only ses:SendEmail, in the stack's own account and region",
    r"\{MediaBucket\w+\.Arn\}/uploads/\*":
        "upload objects are keyed by record id, chosen at run time (uploads/<record id>)",
    r"\{MediaBucket\w+\.Arn\}/media/\*":
        "media objects are keyed by record id, chosen at run time (media/<record id>)",
    r"\{MediaBucket\w+\.Arn\}/previews/\*":
        "previews are keyed by record id, chosen at run time (previews/<record id>/<name>.webp)",
    r"\{MediaBucket\w+\.Arn\}/exports/\*":
        "data exports are keyed by member and export id, chosen at run time (exports/<member id>/<id>.zip)",
    r"\{SiteBucket\w+\.Arn\}/\*":
        "the site's files: the distribution may read any of them, the deployment replaces them as a whole",
    r"arn:\{AWS::Partition\}:logs:\{AWS::Region\}:\{AWS::AccountId\}:log-group:/aws/lambda/remixery-(dev|prod)-\w+:\*":
        "a function's own log streams, which Lambda names at run time",
}


def wildcard_findings(template: dict) -> list[str]:
    """Every Allow statement with a wildcard action, principal or resource not listed above.
    Deny statements are left alone: a wildcard there (`s3:*` over plain HTTP) only takes away."""
    findings = []
    for path, statement in policy_statements(template["Resources"]):
        if statement.get("Effect") != "Allow":
            continue
        for key in ("NotAction", "NotResource", "NotPrincipal"):
            if key in statement:
                findings.append(f"{path}: {key} allows everything else")
        for action in as_list(statement.get("Action", [])):
            if "*" in action:
                findings.append(f"{path}: action {action}")
        principal = statement.get("Principal")
        if principal == "*" or (isinstance(principal, dict) and "*" in sum(map(as_list, principal.values()), [])):
            findings.append(f"{path}: principal {principal}")
        for resource in as_list(statement.get("Resource", [])):
            text = render(resource)
            if "*" in text and not any(re.fullmatch(p, text) for p in ALLOWED_WILDCARD_RESOURCES):
                findings.append(f"{path}: resource {text}")
    return findings


def test_no_policy_allows_a_wildcard_action_or_resource_beyond_the_documented_ones(template):
    assert wildcard_findings(template) == []


def test_the_wildcard_walk_finds_wildcards_wherever_a_policy_sits():
    """The check above can fail: wildcards in a role's inline policy, a managed policy and a
    resource policy are all found, and the documented exceptions are not."""
    template = {"Resources": {
        "Role": {"Type": "AWS::IAM::Role", "Properties": {"Policies": [{"PolicyDocument": {"Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": {"Fn::Join": ["", [
                {"Fn::GetAtt": ["MediaBucketBCBB02BA", "Arn"]}, "/uploads/*"]]}},
            {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "arn:aws:dynamodb:eu-west-1:1:table/t"},
        ]}}]}},
        "Policy": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {"Statement": {
            "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}}}},
        "QueuePolicy": {"Type": "AWS::SQS::QueuePolicy", "Properties": {"PolicyDocument": {"Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sqs:SendMessage", "Resource": "q"},
            {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sqs:*", "Resource": "q"},
        ]}}},
    }}
    assert [f.split(": ", 1)[1] for f in wildcard_findings(template)] == [
        "action dynamodb:*", "resource *", "principal {'AWS': '*'}"]


def test_no_function_may_create_log_groups(template):
    """CloudFormation creates each group with its retention; a function creating its own would
    keep logs forever."""
    for name, function in functions(template).items():
        assert granted(template, function, "logs:CreateLogGroup") == [], name
        (streams,) = granted(template, function, "logs:CreateLogStream")
        assert streams.endswith(f":log-group:/aws/lambda/{function['Properties']['FunctionName']}:*"), name


def test_only_the_api_handler_reads_the_webhook_secrets_and_none_reads_the_cursor_secret(template):
    for name, function in functions(template).items():
        readable = granted(template, function, "secretsmanager:GetSecretValue")
        secrets = sorted(r[1:-9] for r in readable)  # "{StripeSecretKey1A2B3C4D}" -> "StripeSecretKey"
        if name == "api_handler":  # the webhook endpoints, and payout accounts (the Stripe key)
            assert sorted(readable)[0] == "{ShopifyWebhookSecret9817FB19}"
            assert secrets == ["ShopifyWebhookSecret", "StripeConnectWebhookSecret", "StripeSecretKey",
                               "StripeWebhookSecret"]
        elif name == "send_payouts":  # transfers
            assert secrets == ["StripeSecretKey"]
        else:
            assert readable == [], name


def test_the_api_handler_signs_uploads_under_uploads_and_reads_under_media_and_previews_only(template):
    api = functions(template)["api_handler"]
    assert [r.rsplit("}", 1)[1] for r in granted(template, api, "s3:PutObject")] == ["/uploads/*"]
    assert sorted(r.rsplit("}", 1)[1] for r in granted(template, api, "s3:GetObject")) == [
        "/exports/*", "/media/*", "/previews/*"]
    assert sorted(r.rsplit("}", 1)[1] for r in granted(template, api, "s3:DeleteObject")) == [
        "/media/*", "/previews/*", "/uploads/*"]


def test_the_upload_function_reads_uploads_and_media_and_writes_media_and_previews_only(template):
    uploads = functions(template)["process_uploads"]
    assert sorted(r.rsplit("}", 1)[1] for r in granted(template, uploads, "s3:GetObject")) == ["/media/*", "/uploads/*"]
    assert sorted(r.rsplit("}", 1)[1] for r in granted(template, uploads, "s3:PutObject")) == ["/media/*", "/previews/*"]


def queue_ids(template: dict) -> dict[str, str]:
    """`{<logical id>.Arn}` → queue name."""
    return {f"{{{k}.Arn}}": r["Properties"]["QueueName"] for k, r in template["Resources"].items()
            if r["Type"] == "AWS::SQS::Queue"}


def test_functions_consume_only_the_queue_that_feeds_them(template, stage):
    names = queue_ids(template)
    for name, function in functions(template).items():
        consumed = {names[r] for r in granted(template, function, "sqs:ReceiveMessage")}
        fed_by = {render(e["Properties"]["Queue"]).rsplit(":", 1)[1]
                  for e in function["Properties"].get("Events", {}).values() if e["Type"] == "SQS"}
        assert consumed == fed_by, name
        assert set(granted(template, function, "sqs:DeleteMessage")) == set(
            granted(template, function, "sqs:ReceiveMessage")), name


@pytest.mark.parametrize("name, queues", [
    ("api_handler", {"hearts", "royalties", "events", "payouts", "exports", "proposals"}),
    ("freeze_proposals", {"events"}),
    ("build_export", {"events"}),
    ("roll_up_trending", {"hearts"}),
    ("start_monthly_royalty_run", {"royalties"}),
    ("process_uploads", {"events"}),
    ("count_hearts", set()),
    ("run_royalties", {"royalty-batches"}),
    ("close_royalty_batch", {"events", "payouts"}),
    ("deliver_events", set()),
    ("send_payouts", {"events"}),
    ("retry_payouts", {"payouts"}),
    ("purge_removed_media", set()),
])
def test_functions_send_only_to_the_queues_they_feed(template, stage, name, queues):
    function = functions(template).get(name)
    if function is None:
        pytest.skip(f"app.py defines no {name} (yet)")
    names = queue_ids(template)
    assert {names[r] for r in granted(template, function, "sqs:SendMessage")} == {
        f"remixery-{stage}-{q}" for q in queues}


def test_the_hourly_roll_up_only_reads_the_table(template):
    function = functions(template)["roll_up_trending"]
    for action in ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"):
        assert granted(template, function, action) == []
    assert granted(template, function, "dynamodb:Query")


def test_index_reads_name_each_defined_index(template):
    from chalicelib.storage.definitions import MAIN_TABLE

    api = functions(template)["api_handler"]
    indexes = sorted(r.split("/index/")[1] for r in granted(template, api, "dynamodb:Query") if "/index/" in r)
    assert indexes == sorted(index.name for index in MAIN_TABLE.indexes)


def site_deployment_role(template: dict) -> dict:
    (handler,) = [r for k, r in resources(template, "AWS::Lambda::Function").items()
                  if k.startswith("CustomCDKBucketDeployment")]
    return template["Resources"][handler["Properties"]["Role"]["Fn::GetAtt"][0]]


def test_the_site_deployment_reads_its_two_source_zips_and_writes_only_the_site_bucket(template):
    """Not the construct's own grants (`s3:GetObject*` on the asset bucket, `s3:List*`,
    invalidations on `*`): a role of our own, naming each object and the one distribution."""
    role = site_deployment_role(template)
    statements = {s["Sid"]: (as_list(s["Action"]), [render(r) for r in as_list(s["Resource"])])
                  for _, s in policy_statements(role["Properties"]["Policies"])}
    (deployment,) = resources(template, "Custom::CDKBucketDeployment").values()
    zips = deployment["Properties"]["SourceObjectKeys"]

    assert "ManagedPolicyArns" not in role["Properties"]
    assert sorted(statements) == ["Invalidate", "ListSite", "Logs", "ReadSources", "WriteSite"]
    assert statements["ReadSources"][0] == ["s3:GetObject"]
    assert sorted(r.rsplit("/", 1)[1] for r in statements["ReadSources"][1]) == sorted(zips) and len(zips) == 2
    assert statements["WriteSite"] == (["s3:PutObject", "s3:DeleteObject"], [statements["ListSite"][1][0] + "/*"])
    assert statements["ListSite"][1][0].startswith("{SiteBucket")
    assert statements["Invalidate"][1][0].endswith(":distribution/{" + deployment["Properties"]["DistributionId"]["Ref"] + "}")
    assert statements["Logs"][0] == ["logs:CreateLogStream", "logs:PutLogEvents"]


def test_only_the_distribution_reads_the_site_bucket(template):
    (policy,) = [p for p in resources(template, "AWS::S3::BucketPolicy").values()
                 if render(p["Properties"]["Bucket"]).startswith("{SiteBucket")]
    (allow,) = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    (distribution_id,) = resources(template, "AWS::CloudFront::Distribution")

    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    assert render(allow["Condition"]["StringEquals"]["AWS:SourceArn"]).endswith(f":distribution/{{{distribution_id}}}")


def test_the_export_function_reads_media_and_writes_only_exports(template):
    export = functions(template)["build_export"]
    assert [r.rsplit("}", 1)[1] for r in granted(template, export, "s3:GetObject")] == ["/media/*"]
    assert [r.rsplit("}", 1)[1] for r in granted(template, export, "s3:PutObject")] == ["/exports/*"]
    assert [r.rsplit("}", 1)[1] for r in granted(template, export, "s3:AbortMultipartUpload")] == ["/exports/*"]
    assert granted(template, export, "s3:DeleteObject") == []
    assert granted(template, export, "secretsmanager:GetSecretValue") == []
