"""The edges of the service: the user pool, the API's throttling, the alarms, and a template that
CloudFormation's own linter accepts."""
from __future__ import annotations

import json

from aws_cdk.assertions import Match

from chalicelib.auth import ADMIN, MODERATOR, PRODUCER
from tests.infra.support import functions, render, resources


def test_user_pool_has_the_producer_moderator_and_admin_groups_and_a_public_app_client(template, assertions):
    (pool_id,) = resources(template, "AWS::Cognito::UserPool")
    groups = {g["Properties"]["GroupName"]: g["Properties"]["UserPoolId"]
              for g in resources(template, "AWS::Cognito::UserPoolGroup").values()}

    assert groups == {PRODUCER: {"Ref": pool_id}, MODERATOR: {"Ref": pool_id}, ADMIN: {"Ref": pool_id}}
    assertions.has_resource_properties("AWS::Cognito::UserPoolClient", {
        "UserPoolId": {"Ref": pool_id}, "GenerateSecret": False})


def test_functions_verify_tokens_of_this_pool_and_client(template):
    (pool_id,) = resources(template, "AWS::Cognito::UserPool")
    (client_id,) = resources(template, "AWS::Cognito::UserPoolClient")
    for name, function in functions(template).items():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["REMIXERY_COGNITO_USER_POOL_ID"] == {"Ref": pool_id}, name
        assert variables["REMIXERY_COGNITO_APP_CLIENT_ID"] == {"Ref": client_id}, name


def test_the_api_is_throttled_on_every_route(template):
    (api,) = resources(template, "AWS::Serverless::Api").values()
    (settings,) = api["Properties"]["MethodSettings"]

    assert settings["ResourcePath"] == "/*" and settings["HttpMethod"] == "*"
    assert 0 < settings["ThrottlingRateLimit"] <= settings["ThrottlingBurstLimit"]


def test_the_gateways_own_4xx_and_5xx_answers_carry_the_apps_cors_origin(template):
    from chalicelib.api.routing import CORS

    (api,) = resources(template, "AWS::Serverless::Api").values()
    answers = api["Properties"]["DefinitionBody"]["x-amazon-apigateway-gateway-responses"]

    assert set(answers) == {"DEFAULT_4XX", "DEFAULT_5XX"}
    for kind, answer in answers.items():
        assert answer["responseParameters"] == {
            "gatewayresponse.header.Access-Control-Allow-Origin": f"'{CORS.allow_origin}'"}, kind


def alarm_metrics(template: dict) -> list[tuple[str, list[dict]]]:
    """(alarm name, the metrics it watches) for each alarm."""
    found = []
    for alarm in resources(template, "AWS::CloudWatch::Alarm").values():
        properties = alarm["Properties"]
        if "MetricName" in properties:
            metrics = [{"Namespace": properties["Namespace"], "MetricName": properties["MetricName"],
                        "Dimensions": properties.get("Dimensions", [])}]
        else:
            metrics = [m["MetricStat"]["Metric"] for m in properties["Metrics"] if "MetricStat" in m]
        found.append((properties["AlarmName"], metrics))
    return found


def watched(template: dict, namespace: str, metric_name: str) -> set[str]:
    """Every dimension value watched by some alarm on that metric, as text."""
    return {render(d["Value"]) for _, metrics in alarm_metrics(template) for m in metrics
            if m["Namespace"] == namespace and m["MetricName"] == metric_name for d in m["Dimensions"]}


def test_alarms_watch_every_dead_letter_queue(template):
    dead_letter_ids = {q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
                       for q in resources(template, "AWS::SQS::Queue").values() if "RedrivePolicy" in q["Properties"]}
    watched_queues = watched(template, "AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert {f"{{{k}.QueueName}}" for k in dead_letter_ids} <= watched_queues


def test_alarms_watch_api_5xx_and_every_functions_errors_and_throttles(template, stage):
    assert {f"remixery-{stage}", "api"} <= watched(template, "AWS/ApiGateway", "5XXError")
    (api,) = resources(template, "AWS::Serverless::Api").values()
    assert api["Properties"]["DefinitionBody"]["info"]["title"] == f"remixery-{stage}"  # the ApiName dimension
    names = {f["Properties"]["FunctionName"] for f in functions(template).values()}
    assert names <= watched(template, "AWS/Lambda", "Errors")
    assert names <= watched(template, "AWS/Lambda", "Throttles")


def test_alarms_watch_throttling_on_the_table_and_every_index(template):
    from chalicelib.storage.definitions import MAIN_TABLE

    (table_id,) = resources(template, "AWS::DynamoDB::Table")
    for kind in ("Read", "Write"):
        scopes = {tuple(sorted((d["Name"], render(d["Value"])) for d in m["Dimensions"]))
                  for _, metrics in alarm_metrics(template) for m in metrics
                  if m["MetricName"] == f"{kind}ThrottleEvents"}
        table = ("TableName", f"{{{table_id}}}")
        assert scopes == {(table,)} | {tuple(sorted([("GlobalSecondaryIndexName", i.name), table]))
                                       for i in MAIN_TABLE.indexes}


def test_every_alarm_notifies_the_alarm_topic(template, assertions):
    (topic_id,) = resources(template, "AWS::SNS::Topic")
    assertions.all_resources_properties("AWS::CloudWatch::Alarm", {
        "AlarmActions": [{"Ref": topic_id}], "TreatMissingData": "notBreaching"})


def test_template_passes_cfn_lint_without_errors(template):
    from cfnlint.api import lint

    matches = lint(json.dumps(template), regions=["us-east-1", "eu-west-1"])
    errors = [f"{m.rule.id} {m.message} ({m.path})" for m in matches if m.rule.id.startswith("E")]
    assert errors == []


def test_stack_outputs_name_what_a_deployer_needs(assertions):
    for output in ("EndpointURL", "UserPoolId", "AppClientId", "MediaBucketName",
                   "StripeWebhookSecretName", "ShopifyWebhookSecretName"):
        assertions.has_output(output, Match.any_value())
