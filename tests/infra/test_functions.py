"""The functions: every one the Chalice app defines is deployed with its own role, a fixed name,
a log group with retention, the settings a deployed stage requires, and event sources that
keep failed messages."""
from __future__ import annotations

from chalicelib.config import settings_from
from chalicelib.storage import definitions
from chalicelib.storage.definitions import QueueDefinition
from infra.permissions import POLICIES
from infra.stack import NAME_SETTINGS, stage_settings
from tests.infra.support import app_functions, functions, render, resources, role_of

QUEUES = [v for v in vars(definitions).values() if isinstance(v, QueueDefinition)]


def test_every_function_of_the_chalice_app_is_deployed(template):
    assert set(functions(template)) == set(app_functions())


def test_every_function_has_a_hand_written_policy_and_a_role_of_its_own(template):
    deployed = functions(template)
    roles = [f["Properties"]["Role"]["Fn::GetAtt"][0] for f in deployed.values()]

    assert set(deployed) <= set(POLICIES)
    assert len(set(roles)) == len(roles)
    for name, function in deployed.items():
        assert role_of(template, function)["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [
            {"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}}], name


def test_functions_are_named_as_chalice_names_them(template, stage):
    for name, function in functions(template).items():
        assert function["Properties"]["FunctionName"] == f"remixery-{stage}-{name}"


def test_every_function_has_a_log_group_with_retention_created_before_it(template):
    groups = {render(g["Properties"]["LogGroupName"]): (k, g["Properties"])
              for k, g in resources(template, "AWS::Logs::LogGroup").items()}
    for name, function in functions(template).items():
        group_id, group = groups[f"/aws/lambda/{function['Properties']['FunctionName']}"]
        assert group["RetentionInDays"] in (14, 90), name
        assert group_id in function.get("DependsOn", []), name


def test_prod_keeps_logs_longer_than_dev(templates):
    retention = {stage: {g["Properties"]["RetentionInDays"] for g in resources(t, "AWS::Logs::LogGroup").values()}
                 for stage, t in templates.items()}
    assert retention == {"dev": {14}, "prod": {90}}


def test_deployed_settings_validate_with_the_environment_the_stack_gives_every_function(template, stage):
    """chalicelib/config.py refuses a deployed stage without Cognito, webhook secret names and a
    cursor secret: each function's environment must pass it (values resolved at deploy time
    stand in as text)."""
    for name, function in functions(template).items():
        variables = function["Properties"]["Environment"]["Variables"]
        environment = {key: render(value) for key, value in variables.items()}
        settings = settings_from({**environment, "AWS_REGION": "eu-west-1"})

        assert settings.stage == stage, name
        assert settings.cognito_user_pool_id and settings.cognito_app_client_id
        assert settings.stripe_webhook_secret_name == f"remixery/{stage}/stripe-webhook-secret"
        assert settings.shopify_webhook_secret_name == f"remixery/{stage}/shopify-webhook-secret"
        assert settings.stripe_secret_key_name == f"remixery/{stage}/stripe-secret-key"
        assert settings.stripe_connect_webhook_secret_name == f"remixery/{stage}/stripe-connect-webhook-secret"
        for definition in QUEUES:
            assert environment[NAME_SETTINGS[definition]] == stage_settings(stage)[NAME_SETTINGS[definition]]


def test_cursor_secret_is_a_deploy_time_reference_never_a_value_in_the_template(template):
    (cursor_secret_id,) = [k for k, s in resources(template, "AWS::SecretsManager::Secret").items()
                           if s["Properties"]["Name"].endswith("/cursor-secret")]
    for function in functions(template).values():
        assert render(function["Properties"]["Environment"]["Variables"]["REMIXERY_CURSOR_SECRET"]) == \
            f"{{{{resolve:secretsmanager:{{{cursor_secret_id}}}:SecretString:::}}}}"


def test_every_secret_starts_as_a_generated_value(template):
    secrets = resources(template, "AWS::SecretsManager::Secret")
    assert len(secrets) == 5  # webhooks (Stripe, Shopify, Stripe Connect), the Stripe key, cursors
    for secret in secrets.values():
        assert "SecretString" not in secret["Properties"]
        assert secret["Properties"]["GenerateSecretString"]["PasswordLength"] >= 32


def sqs_events(template: dict):
    queues = {q["Properties"]["QueueName"]: q["Properties"] for q in resources(template, "AWS::SQS::Queue").values()}
    for name, function in functions(template).items():
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] == "SQS":
                queue_name = render(event["Properties"]["Queue"]).rsplit(":", 1)[1]
                yield name, function["Properties"], event["Properties"], queues[queue_name]


def test_sqs_event_sources_report_batch_item_failures(template):
    """The handlers answer with Powertools' partial batch response; without this setting Lambda
    ignores it and deletes the failed messages along with the batch."""
    found = list(sqs_events(template))
    assert found
    for name, _, event, _ in found:
        assert event["FunctionResponseTypes"] == ["ReportBatchItemFailures"], name


def test_royalty_batches_run_at_most_fifty_at_once_each_within_five_minutes(template):
    """docs/royalty-fanout.md: the run's writes stay within the table's, every invocation under 5 minutes."""
    (worker,) = [(function, event) for name, function, event, _ in sqs_events(template) if name == "close_royalty_batch"]
    function, event = worker

    assert event["ScalingConfig"] == {"MaximumConcurrency": 50}
    assert function["Timeout"] <= 300


def test_sqs_fed_functions_time_out_within_their_queues_visibility_timeout(template):
    """Lambda refuses an event source whose queue would show a message again mid-run."""
    for name, function, _, queue in sqs_events(template):
        assert function["Timeout"] <= queue["VisibilityTimeout"], name


def test_the_apps_sqs_handlers_and_schedules_are_the_deployed_event_sources(template):
    from chalice.app import ScheduledEventConfig, SQSEventConfig

    defined = app_functions()
    scheduled = {name: event["Properties"]["Schedule"]
                 for name, function in functions(template).items()
                 for event in function["Properties"].get("Events", {}).values() if event["Type"] == "Schedule"}

    assert {name for name, *_ in sqs_events(template)} == {
        name for name, source in defined.items() if isinstance(source, SQSEventConfig)}
    assert scheduled == {
        name: source.schedule_expression if isinstance(source.schedule_expression, str)
        else source.schedule_expression.to_string()
        for name, source in defined.items() if isinstance(source, ScheduledEventConfig)}
    assert scheduled["roll_up_trending"] == "rate(1 hour)"
