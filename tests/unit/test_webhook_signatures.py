"""Webhook signatures, checked against the providers' documented schemes."""
from __future__ import annotations

import time

import pytest
import stripe as stripe_sdk

from chalicelib.errors import Unauthorized
from chalicelib.webhooks import shopify, stripe
from tests.store_payloads import STRIPE_SECRET, shopify_signature, stripe_signature

BODY = b'{"id": "evt_1", "type": "checkout.session.completed"}'


def test_the_stripe_library_accepts_the_signatures_our_tests_send():
    header = stripe_signature(BODY)

    assert stripe_sdk.WebhookSignature.verify_header(BODY.decode(), header, STRIPE_SECRET, tolerance=300)
    stripe.verify(BODY, header, [STRIPE_SECRET.encode()])


def test_a_signature_is_accepted_up_to_300_seconds_either_way():
    now = time.time()
    for offset in (-300, 300):
        stripe.verify(BODY, stripe_signature(BODY, timestamp=int(now) + offset), [STRIPE_SECRET.encode()], now=int(now))
    with pytest.raises(Unauthorized):
        stripe.verify(BODY, stripe_signature(BODY, timestamp=int(now) - 301), [STRIPE_SECRET.encode()], now=int(now))


def test_either_of_our_secrets_verifies_while_ours_is_rotated():
    header = stripe_signature(BODY, secrets=("whsec_new",))

    stripe.verify(BODY, header, [b"whsec_old", b"whsec_new"])
    with pytest.raises(Unauthorized):
        stripe.verify(BODY, header, [b"whsec_old"])


def test_shopify_signatures_are_base64_hmacs_of_the_raw_body():
    shopify.verify(BODY, shopify_signature(BODY), [b"shpss_remixery_local"])
    with pytest.raises(Unauthorized):
        shopify.verify(BODY, shopify_signature(BODY, "shpss_other"), [b"shpss_remixery_local"])
    with pytest.raises(Unauthorized):
        shopify.verify(BODY, None, [b"shpss_remixery_local"])
