"""Webhook signing secrets: from settings locally, from Secrets Manager when deployed.

A value may list several secrets separated by commas: while a secret is rotated, deliveries
signed with the old and the new one are both accepted.
"""
from __future__ import annotations

SECRET_MAX_AGE_SECONDS = 300  # a rotated secret is picked up within five minutes


def signing_secrets(provider: str, settings) -> list[bytes]:
    if settings.is_local:
        value = getattr(settings, f"{provider}_webhook_secret").get_secret_value()
    else:
        from aws_lambda_powertools.utilities.parameters import get_secret

        value = get_secret(getattr(settings, f"{provider}_webhook_secret_name"), max_age=SECRET_MAX_AGE_SECONDS)
    return [secret.strip().encode() for secret in str(value).split(",") if secret.strip()]
