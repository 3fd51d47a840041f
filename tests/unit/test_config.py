"""Settings are validated once from the environment."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from chalicelib.config import LOCAL_DEV_JWT_SECRET, settings_from

LOCAL = {
    "REMIXERY_STAGE": "local", "AWS_REGION": "us-east-1", "REMIXERY_TABLE_NAME": "remixery-local",
    "REMIXERY_MEDIA_BUCKET": "remixery-local-media", "REMIXERY_UPLOAD_QUEUE": "remixery-local-uploads",
    "REMIXERY_HEART_QUEUE": "remixery-local-hearts",
    "REMIXERY_ROYALTY_QUEUE": "remixery-local-royalties",
    "REMIXERY_ROYALTY_BATCH_QUEUE": "remixery-local-royalty-batches",
    "REMIXERY_EVENT_QUEUE": "remixery-local-events",
    "REMIXERY_PAYOUT_QUEUE": "remixery-local-payouts",
    "REMIXERY_EXPORT_QUEUE": "remixery-local-exports",
    "REMIXERY_PROPOSAL_QUEUE": "remixery-local-proposals",
}
DEPLOYED = {**LOCAL, "REMIXERY_STAGE": "prod", "REMIXERY_COGNITO_USER_POOL_ID": "us-east-1_pool",
            "REMIXERY_COGNITO_APP_CLIENT_ID": "client123", "REMIXERY_CURSOR_SECRET": "s3cret-for-cursors",
            "REMIXERY_STRIPE_WEBHOOK_SECRET_NAME": "remixery/prod/stripe-webhook",
            "REMIXERY_SHOPIFY_WEBHOOK_SECRET_NAME": "remixery/prod/shopify-webhook",
            "REMIXERY_STRIPE_SECRET_KEY_NAME": "remixery/prod/stripe-secret-key",
            "REMIXERY_STRIPE_CONNECT_WEBHOOK_SECRET_NAME": "remixery/prod/stripe-connect-webhook"}


def test_local_stage_uses_the_documented_dev_secret_and_issuer_by_default():
    settings = settings_from(LOCAL)

    assert settings.dev_jwt_secret.get_secret_value() == LOCAL_DEV_JWT_SECRET
    assert settings.token_issuer == "remixery-local"


def test_region_falls_back_to_aws_default_region():
    env = {k: v for k, v in LOCAL.items() if k != "AWS_REGION"} | {"AWS_DEFAULT_REGION": "eu-west-1"}

    assert settings_from(env).region == "eu-west-1"


def test_deployed_stage_without_cognito_settings_is_refused():
    with pytest.raises(ValidationError, match="REMIXERY_COGNITO_USER_POOL_ID"):
        settings_from({**LOCAL, "REMIXERY_STAGE": "prod"})


def test_deployed_stage_derives_issuer_and_jwks_url_from_the_user_pool():
    settings = settings_from({**DEPLOYED, "REMIXERY_COGNITO_USER_POOL_ID": "us-east-1_abc"})

    assert settings.token_issuer == "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc"
    assert settings.jwks_url == settings.token_issuer + "/.well-known/jwks.json"


def test_deployed_stage_without_its_own_cursor_secret_is_refused():
    with pytest.raises(ValidationError, match="REMIXERY_CURSOR_SECRET"):
        settings_from({k: v for k, v in DEPLOYED.items() if k != "REMIXERY_CURSOR_SECRET"})


def test_deployed_stage_without_webhook_secret_names_is_refused():
    with pytest.raises(ValidationError, match="REMIXERY_STRIPE_WEBHOOK_SECRET_NAME"):
        settings_from({k: v for k, v in DEPLOYED.items() if k != "REMIXERY_SHOPIFY_WEBHOOK_SECRET_NAME"})


def test_local_stage_uses_the_documented_webhook_secrets_and_minimum_payout():
    settings = settings_from(LOCAL)

    assert settings.stripe_webhook_secret.get_secret_value() == "whsec_remixery_local"
    assert settings.shopify_webhook_secret.get_secret_value() == "shpss_remixery_local"
    assert settings.min_payout == 1000


@pytest.mark.parametrize("change", [{"REMIXERY_STAGE": "staging"}, {"REMIXERY_TABLE_NAME": ""}, {"AWS_REGION": ""},
                                    {"REMIXERY_MIN_PAYOUT": "0"}])
def test_invalid_settings_are_refused(change):
    with pytest.raises(ValidationError):
        settings_from({**LOCAL, **change})


def test_the_secret_is_not_shown_when_settings_are_printed():
    assert LOCAL_DEV_JWT_SECRET not in repr(settings_from(LOCAL))


def test_deployed_stage_without_the_stripe_key_and_connect_secret_names_is_refused():
    with pytest.raises(ValidationError, match="REMIXERY_STRIPE_SECRET_KEY_NAME"):
        settings_from({k: v for k, v in DEPLOYED.items() if k != "REMIXERY_STRIPE_SECRET_KEY_NAME"})


def test_local_stage_without_a_stripe_key_pays_through_the_local_bank():
    settings = settings_from(LOCAL)
    assert settings.uses_local_bank and settings.stripe_api_base == "https://api.stripe.com"
    assert settings.stripe_connect_webhook_secret.get_secret_value() == "whsec_remixery_connect_local"
    assert not settings_from({**LOCAL, "REMIXERY_STRIPE_SECRET_KEY": "sk_test_x"}).uses_local_bank
