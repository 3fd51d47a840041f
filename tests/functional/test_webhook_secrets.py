"""Deployed stages read webhook secrets from Secrets Manager (here: the local stack's)."""
from __future__ import annotations

import boto3

from chalicelib.config import settings_from
from chalicelib.webhooks.secrets import signing_secrets


def deployed_settings(region: str):
    return settings_from({
        "REMIXERY_STAGE": "prod", "AWS_REGION": region, "REMIXERY_TABLE_NAME": "remixery-prod",
        "REMIXERY_MEDIA_BUCKET": "remixery-prod-media", "REMIXERY_UPLOAD_QUEUE": "q", "REMIXERY_HEART_QUEUE": "q",
        "REMIXERY_ROYALTY_QUEUE": "q", "REMIXERY_ROYALTY_BATCH_QUEUE": "q", "REMIXERY_EVENT_QUEUE": "q", "REMIXERY_PAYOUT_QUEUE": "q", "REMIXERY_EXPORT_QUEUE": "q", "REMIXERY_PROPOSAL_QUEUE": "q", "REMIXERY_COGNITO_USER_POOL_ID": "pool", "REMIXERY_COGNITO_APP_CLIENT_ID": "c",
        "REMIXERY_CURSOR_SECRET": "cursor-secret", "REMIXERY_STRIPE_WEBHOOK_SECRET_NAME": "remixery/prod/stripe",
        "REMIXERY_SHOPIFY_WEBHOOK_SECRET_NAME": "remixery/prod/shopify",
        "REMIXERY_STRIPE_SECRET_KEY_NAME": "remixery/prod/stripe-key",
        "REMIXERY_STRIPE_CONNECT_WEBHOOK_SECRET_NAME": "remixery/prod/stripe-connect",
    })


def test_a_deployed_stage_reads_its_secrets_from_secrets_manager_and_accepts_a_list_while_rotating(aws):
    settings = deployed_settings(boto3.session.Session().region_name)
    client = boto3.client("secretsmanager")
    client.create_secret(Name="remixery/prod/stripe", SecretString="whsec_new, whsec_old")
    client.create_secret(Name="remixery/prod/shopify", SecretString="shpss_live")

    assert signing_secrets("stripe", settings) == [b"whsec_new", b"whsec_old"]
    assert signing_secrets("shopify", settings) == [b"shpss_live"]


def test_the_local_stage_uses_the_documented_defaults(aws):
    from chalicelib.config import get_settings

    assert signing_secrets("stripe", get_settings()) == [b"whsec_remixery_local"]
    assert signing_secrets("shopify", get_settings()) == [b"shpss_remixery_local"]
