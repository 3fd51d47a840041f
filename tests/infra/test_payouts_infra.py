"""Payouts in the stack: the Stripe key and the Connect endpoint's secret in Secrets Manager by
name, and an alarm on payouts pending for more than a day (docs/payouts.md)."""
from __future__ import annotations

from tests.infra.support import functions, render, resources


def test_the_stripe_key_and_the_connect_secret_are_generated_secrets_the_functions_name(template, stage):
    names = {s["Properties"]["Name"] for s in resources(template, "AWS::SecretsManager::Secret").values()}
    assert {f"remixery/{stage}/stripe-secret-key", f"remixery/{stage}/stripe-connect-webhook-secret"} <= names
    for name in ("api_handler", "send_payouts"):
        variables = functions(template)[name]["Properties"]["Environment"]["Variables"]
        assert render(variables["REMIXERY_STRIPE_SECRET_KEY_NAME"]).endswith("stripe-secret-key") or \
            "StripeSecretKey" in render(variables["REMIXERY_STRIPE_SECRET_KEY_NAME"]), name
        assert "REMIXERY_STRIPE_SECRET_KEY" not in variables, name  # never the key itself


def test_the_payout_functions_run_on_the_queue_and_the_daily_schedule(template):
    sending = functions(template)["send_payouts"]["Properties"]["Events"].values()
    retrying = functions(template)["retry_payouts"]["Properties"]["Events"].values()
    assert [e["Properties"]["BatchSize"] for e in sending if e["Type"] == "SQS"] == [1]
    assert [e["Properties"]["Schedule"] for e in retrying if e["Type"] == "Schedule"] == ["cron(0 3 * * ? *)"]


def test_an_alarm_fires_when_payouts_are_pending_for_a_day(template, stage):
    (alarm,) = [a["Properties"] for a in resources(template, "AWS::CloudWatch::Alarm").values()
                if a["Properties"]["AlarmName"] == f"remixery-{stage}-PayoutsPendingOverADay"]
    assert (alarm["Namespace"], alarm["MetricName"], alarm["Period"], alarm["Threshold"]) == (
        "Remixery", "PayoutsPendingOverADay", 86400, 1)
    assert alarm["AlarmActions"]
