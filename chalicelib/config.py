"""Settings: one validated object, read from the environment once and lazily.

Nothing here runs at import time: `chalice.test.Client` sets the stage's environment only
during each call, and every millisecond of import is paid on each cold start.
"""
from __future__ import annotations

import os
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

LOCAL_DEV_JWT_SECRET = "remixery-local-dev-secret-not-for-production"
LOCAL_ISSUER = "remixery-local"
LOCAL_CURSOR_SECRET = "remixery-local-cursor-secret-not-for-production"
LOCAL_STRIPE_WEBHOOK_SECRET = "whsec_remixery_local"
LOCAL_SHOPIFY_WEBHOOK_SECRET = "shpss_remixery_local"
MIN_DEPLOYED_PROPOSAL_WINDOW = 1_209_600  # 14 days
LOCAL_STRIPE_CONNECT_WEBHOOK_SECRET = "whsec_remixery_connect_local"
STRIPE_API_BASE = "https://api.stripe.com"


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    stage: Literal["local", "dev", "prod"] = Field(alias="REMIXERY_STAGE")
    region: str = Field(alias="AWS_REGION", min_length=1)
    table_name: str = Field(alias="REMIXERY_TABLE_NAME", min_length=3)
    media_bucket: str = Field(alias="REMIXERY_MEDIA_BUCKET", min_length=3)
    upload_queue: str = Field(alias="REMIXERY_UPLOAD_QUEUE", min_length=1)
    heart_queue: str = Field(alias="REMIXERY_HEART_QUEUE", min_length=1)
    royalty_queue: str = Field(alias="REMIXERY_ROYALTY_QUEUE", min_length=1)
    royalty_batch_queue: str = Field(alias="REMIXERY_ROYALTY_BATCH_QUEUE", min_length=1)
    event_queue: str = Field(alias="REMIXERY_EVENT_QUEUE", min_length=1)
    payout_queue: str = Field(alias="REMIXERY_PAYOUT_QUEUE", min_length=1)
    export_queue: str = Field(alias="REMIXERY_EXPORT_QUEUE", min_length=1)
    proposal_queue: str = Field(alias="REMIXERY_PROPOSAL_QUEUE", min_length=1)

    dev_jwt_secret: SecretStr = Field(
        alias="REMIXERY_DEV_JWT_SECRET", default=SecretStr(LOCAL_DEV_JWT_SECRET)
    )
    cursor_secret: SecretStr = Field(
        alias="REMIXERY_CURSOR_SECRET", default=SecretStr(LOCAL_CURSOR_SECRET),
        description="Signs pagination cursors, so a tampered cursor is refused.",
    )
    # Webhook signing secrets: the value itself locally; deployed stages name a Secrets Manager
    # secret instead (read through Powertools parameters, cached), so no secret sits in env.
    stripe_webhook_secret: SecretStr = Field(
        alias="REMIXERY_STRIPE_WEBHOOK_SECRET", default=SecretStr(LOCAL_STRIPE_WEBHOOK_SECRET)
    )
    shopify_webhook_secret: SecretStr = Field(
        alias="REMIXERY_SHOPIFY_WEBHOOK_SECRET", default=SecretStr(LOCAL_SHOPIFY_WEBHOOK_SECRET)
    )
    stripe_webhook_secret_name: str | None = Field(alias="REMIXERY_STRIPE_WEBHOOK_SECRET_NAME", default=None)
    shopify_webhook_secret_name: str | None = Field(alias="REMIXERY_SHOPIFY_WEBHOOK_SECRET_NAME", default=None)
    min_payout: int = Field(alias="REMIXERY_MIN_PAYOUT", default=1000, ge=1)  # the contract: at least 1 minor unit
    # Trust and safety: every rate limit is multiplied by this (load tests); counter-notices are
    # forwarded from this SES sender when deployed (unset: logged only).
    rate_limit_scale: float = Field(alias="REMIXERY_RATE_LIMIT_SCALE", default=1, gt=0, le=1_000_000)
    ses_sender: str | None = Field(alias="REMIXERY_SES_SENDER", default=None)
    proposal_window_seconds: float = Field(
        alias="REMIXERY_PROPOSAL_WINDOW_SECONDS", default=1_209_600, gt=0, allow_inf_nan=False,
        description="A payment proposal's window; deployed stages refuse less than 14 days.")
    site_url: str = Field(alias="REMIXERY_SITE_URL", default="http://127.0.0.1:8000/site", min_length=1,
                          pattern=r"^https?://\S+$", description="The site's public URL (credits' record URLs).")
    # Payouts (Stripe Connect). Without a secret key (or its name, deployed) the local stage uses
    # the built-in local bank (storage/local_bank.py); deployed stages require the name.
    stripe_api_base: str = Field(alias="REMIXERY_STRIPE_API_BASE", default=STRIPE_API_BASE,
                                 pattern=r"^https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?$")
    stripe_secret_key: SecretStr | None = Field(alias="REMIXERY_STRIPE_SECRET_KEY", default=None)
    stripe_secret_key_name: str | None = Field(alias="REMIXERY_STRIPE_SECRET_KEY_NAME", default=None)
    stripe_connect_webhook_secret: SecretStr = Field(
        alias="REMIXERY_STRIPE_CONNECT_WEBHOOK_SECRET", default=SecretStr(LOCAL_STRIPE_CONNECT_WEBHOOK_SECRET))
    stripe_connect_webhook_secret_name: str | None = Field(
        alias="REMIXERY_STRIPE_CONNECT_WEBHOOK_SECRET_NAME", default=None)

    cognito_user_pool_id: str | None = Field(alias="REMIXERY_COGNITO_USER_POOL_ID", default=None)
    cognito_app_client_id: str | None = Field(alias="REMIXERY_COGNITO_APP_CLIENT_ID", default=None)
    # Only for tests and unusual partitions; derived from the pool id otherwise.
    cognito_issuer_override: str | None = Field(alias="REMIXERY_COGNITO_ISSUER", default=None)
    jwks_url_override: str | None = Field(alias="REMIXERY_JWKS_URL", default=None)

    @model_validator(mode="after")
    def _deployed_stages_need_cognito(self) -> "Settings":
        if self.stage != "local" and not (self.cognito_user_pool_id and self.cognito_app_client_id):
            raise ValueError(
                "REMIXERY_COGNITO_USER_POOL_ID and REMIXERY_COGNITO_APP_CLIENT_ID are required "
                f"on the {self.stage!r} stage"
            )
        if self.stage != "local" and not (self.stripe_webhook_secret_name and self.shopify_webhook_secret_name):
            raise ValueError(
                "REMIXERY_STRIPE_WEBHOOK_SECRET_NAME and REMIXERY_SHOPIFY_WEBHOOK_SECRET_NAME are "
                f"required on the {self.stage!r} stage"
            )
        if self.stage != "local" and not (self.stripe_secret_key_name and self.stripe_connect_webhook_secret_name):
            raise ValueError(
                "REMIXERY_STRIPE_SECRET_KEY_NAME and REMIXERY_STRIPE_CONNECT_WEBHOOK_SECRET_NAME are "
                f"required on the {self.stage!r} stage"
            )
        if self.stage != "local" and self.proposal_window_seconds < MIN_DEPLOYED_PROPOSAL_WINDOW:
            raise ValueError(f"REMIXERY_PROPOSAL_WINDOW_SECONDS must be at least {MIN_DEPLOYED_PROPOSAL_WINDOW} "
                             f"(14 days) on the {self.stage!r} stage")
        if self.stage != "local" and self.cursor_secret.get_secret_value() == LOCAL_CURSOR_SECRET:
            raise ValueError(f"REMIXERY_CURSOR_SECRET must be set on the {self.stage!r} stage")
        return self

    @property
    def is_local(self) -> bool:
        return self.stage == "local"

    @property
    def uses_local_bank(self) -> bool:
        """Payouts go to the built-in local bank: the local stage without a Stripe secret key."""
        return self.is_local and self.stripe_secret_key is None and not self.stripe_secret_key_name

    @property
    def token_issuer(self) -> str:
        if self.is_local:
            return LOCAL_ISSUER
        if self.cognito_issuer_override:
            return self.cognito_issuer_override
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.cognito_user_pool_id}"

    @property
    def jwks_url(self) -> str:
        return self.jwks_url_override or f"{self.token_issuer}/.well-known/jwks.json"


def settings_from(environ: dict[str, str]) -> Settings:
    values = dict(environ)
    # Lambda sets AWS_REGION; botocore tooling often only AWS_DEFAULT_REGION.
    values.setdefault("AWS_REGION", environ.get("AWS_DEFAULT_REGION", ""))
    return Settings.model_validate(values)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return settings_from(dict(os.environ))
