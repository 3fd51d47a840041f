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


NOW = 1700000000
T, V1 = stripe_signature(BODY, timestamp=NOW).split(",")  # "t=…", "v1=…": a valid pair


@pytest.mark.parametrize("header", [
    "t=\xb2," + V1,  # "²".isdigit() is True and int("²") a ValueError: once a 500
    "t=\u0661\u0667\u0660\u0660\u0660\u0660\u0660\u0660\u0660\u0660," + V1, f"{T}\n,{V1}", f"t= {NOW},{V1}",
    f"t=+{NOW},{V1}", f"{T},{T},{V1}", f"t=0{NOW:0>12},{V1}", "t=," + V1, V1, T, f"{T},v1=",
    f"{T},{V1[:-1]}", f"{T},{V1}0", f"{T},v1={'g' * 64}", f"{T},v1=" + "\uff10" * 64, f"{T},,{V1}", f"{T}, {V1}",
    f"{T},{V1},\u2603=1", f"{T},{V1},v0", f"{T},{V1},V1={'0' * 64}", ",".join([T, *[V1] * 9]),
    f"{T},{V1},v0={'a' * 4096}", "=", ",",
])
def test_a_stripe_signature_header_not_shaped_as_stripe_sends_it_is_unauthorized(header):
    with pytest.raises(Unauthorized, match="Stripe-Signature header"):
        stripe.verify(BODY, header, [STRIPE_SECRET.encode()], now=NOW)


def test_other_stripe_schemes_are_ignored_and_v1_may_be_uppercase():
    header = stripe_signature(BODY)
    t, v1 = header.split(",")

    stripe.verify(BODY, f"{t},v0={'ab' * 32},{v1}", [STRIPE_SECRET.encode()])
    stripe.verify(BODY, f"{t},v1={v1[3:].upper()}", [STRIPE_SECRET.encode()])
    with pytest.raises(Unauthorized):
        stripe.verify(BODY, f"{t},v0={v1[3:]}", [STRIPE_SECRET.encode()])


@pytest.mark.parametrize("spoil", [
    lambda s: s[:-1], lambda s: s + "=", lambda s: s + "\u3000", lambda s: "\u00a0" + s, lambda s: s[:20] + "\n" + s[20:],
    lambda s: s.translate(str.maketrans("+/", "-_")) if set("+/") & set(s) else "-" + s[1:],
    lambda s: s[:42] + "BFJNRVZdhlptx159"["AEIMQUYcgkosw048".index(s[42])] + "=",  # the spare bits set
    lambda s: "\u00b2" * 43 + "=", lambda s: "\uff21" * 43 + "=", lambda s: s.encode().hex(), lambda s: s * 2,
])
def test_a_shopify_hmac_that_is_not_canonical_base64_of_a_sha256_digest_is_unauthorized(spoil):
    with pytest.raises(Unauthorized, match="X-Shopify-Hmac-Sha256"):
        shopify.verify(BODY, spoil(shopify_signature(BODY)), [b"shpss_remixery_local"])
