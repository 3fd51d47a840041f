"""Store webhooks. The signature is checked on the raw body before anything else: nothing is
read or stored for a delivery that is not signed with our secret (401)."""
from __future__ import annotations

from typing import Literal

from chalicelib.api.routing import MAX_BODY_BYTES, Access, ResponseModel, Router
from chalicelib.domain.sales import OUTCOMES
from chalicelib.errors import PayloadTooLarge

router = Router("webhooks")


class DeliveryOut(ResponseModel):
    outcome: Literal[OUTCOMES]


def _raw_body(ctx) -> bytes:
    raw = ctx.raw_body
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"Deliveries are limited to {MAX_BODY_BYTES} bytes.")
    return raw


@router.route("POST", "/webhooks/stripe", summary="Stripe events (signed with Stripe-Signature)",
              access=Access.PUBLIC, response=DeliveryOut, errors=(400, 401, 413, 503))
def stripe_webhook(ctx):
    from chalicelib.logic import sales
    from chalicelib.webhooks import payload, stripe
    from chalicelib.webhooks.secrets import signing_secrets

    stripe.verify(ctx.raw_body, ctx.headers.get("stripe-signature"), signing_secrets("stripe", ctx.settings))
    delivery = stripe.parse(payload.load(_raw_body(ctx)))
    return DeliveryOut(outcome=sales.book(delivery))


@router.route("POST", "/webhooks/shopify", summary="Shopify webhooks (signed with X-Shopify-Hmac-Sha256)",
              access=Access.PUBLIC, response=DeliveryOut, errors=(400, 401, 413, 503))
def shopify_webhook(ctx):
    from chalicelib.logic import sales
    from chalicelib.webhooks import payload, shopify
    from chalicelib.webhooks.secrets import signing_secrets

    shopify.verify(ctx.raw_body, ctx.headers.get("x-shopify-hmac-sha256"), signing_secrets("shopify", ctx.settings))
    raw = _raw_body(ctx)
    webhook_id = shopify.header_text("X-Shopify-Webhook-Id", ctx.headers.get("x-shopify-webhook-id"))
    topic = shopify.header_text("X-Shopify-Topic", ctx.headers.get("x-shopify-topic"))
    delivery = shopify.parse(webhook_id, topic, payload.load(raw))
    return DeliveryOut(outcome=sales.book(delivery))


@router.route("POST", "/webhooks/stripe-connect",
              summary="Stripe Connect events about connected accounts (signed with Stripe-Signature, with the "
                      "Connect endpoint's secret); account.updated re-reads the account from Stripe",
              access=Access.PUBLIC, response=DeliveryOut, errors=(400, 401, 413, 503))
def stripe_connect_webhook(ctx):
    from chalicelib.logic import payouts
    from chalicelib.webhooks import payload, stripe
    from chalicelib.webhooks.secrets import signing_secrets

    stripe.verify(ctx.raw_body, ctx.headers.get("stripe-signature"), signing_secrets("stripe_connect", ctx.settings))
    event = stripe.parse_connect(payload.load(_raw_body(ctx)))
    return DeliveryOut(outcome=payouts.take_connect_event(event))
