"""A small populated service, built over real HTTP, for the hardening tests.

Principals (the columns of the authorization matrix):

- `member` (alice) owns records and a collaboration; `other_member` (bob) owns a record too;
- `producer` (paula) owns a draft and a released production; `other_producer` (piet) owns none;
- `admin` (ada); every one of them has registered a member profile;
- `anonymous` sends no token; `expired` sends alice's token an hour past its expiry (well past
  the 60 s leeway); `forged` sends alice's claims signed with another secret.

Resources the rows of the matrix (and the fuzzer's path parameters) point at are ids of what
was made here; `fresh_*` make a new one per request for rows whose request changes it for good
(a release, a takedown, an assignment).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import requests

from local.tokens import mint
from tests.store_payloads import (
    body_of, checkout_session, shopify_order, shopify_signature, stripe_event, stripe_signature,
)

PRINCIPALS = ("anonymous", "member", "other_member", "producer", "other_producer", "admin", "expired", "forged")
REGISTERED = ("member", "other_member", "producer", "other_producer", "admin")
IDENTITIES = {  # principal -> (handle, groups)
    "member": ("alice", []),
    "other_member": ("bob", []),
    "producer": ("paula", ["producer"]),
    "other_producer": ("piet", ["producer"]),
    "admin": ("ada", ["admin"]),
}
TIMEOUT = 60
_serial = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}{next(_serial):06d}"


@dataclass
class World:
    base_url: str
    tokens: dict[str, str | None] = field(default_factory=dict)
    session: requests.Session = field(default_factory=requests.Session)
    record: str = ""  # alice's ready text record
    bob_record: str = ""
    collaboration: str = ""  # alice's
    draft: str = ""  # paula's draft production, with one contribution
    released: str = ""  # paula's released production (USD, sells stripe product `prod_matrix`)
    proposed: str = ""  # paula's production under an open payment proposal (alice's record contributes)
    unmatched: str = ""  # an unmatched Stripe sale

    # --- requests -------------------------------------------------------------------------

    def request(self, method: str, path: str, principal: str | None = None, *, json=None,
                data: bytes | None = None, headers: dict | None = None) -> requests.Response:
        sent = dict(headers or {})
        token = self.tokens.get(principal) if principal else None
        if token:
            sent["Authorization"] = f"Bearer {token}"
        return self.session.request(method, self.base_url + path, json=json, data=data, headers=sent,
                                    timeout=TIMEOUT)

    def expect(self, status: int, method: str, path: str, principal: str | None = None, **kwargs):
        reply = self.request(method, path, principal, **kwargs)
        assert reply.status_code == status, f"{method} {path} as {principal}: {reply.status_code} {reply.text[:300]}"
        return reply.json() if reply.content else None

    # --- building ---------------------------------------------------------------------------

    @classmethod
    def build(cls, base_url: str) -> "World":
        world = cls(base_url)
        for principal, (handle, groups) in IDENTITIES.items():
            world.tokens[principal] = mint(f"sub-{handle}", groups)
            world.expect(201, "POST", "/members", principal, json={"handle": handle, "display_name": handle.title()})
        world.tokens["anonymous"] = None
        world.tokens["expired"] = mint("sub-alice", ttl_seconds=-3600)
        world.tokens["forged"] = mint("sub-alice", secret="not-the-secret-the-service-trusts")

        world.record = world.fresh_record("member")
        world.bob_record = world.fresh_record("other_member")
        world.collaboration = world.expect(201, "POST", "/collaborations", "member", json={
            "title": "Sea shanties", "brief": "Songs about the sea."})["id"]
        world.draft = world.fresh_draft()
        world.released = world.fresh_draft(products=[{"provider": "stripe", "product_id": "prod_matrix"}])
        world.release(world.released)
        world.proposed = world.fresh_proposal()
        world.unmatched = world.fresh_unmatched()
        return world

    def fresh_record(self, owner: str = "member", **fields) -> str:
        body = {"kind": "text", "title": unique("Record "), "body": "Once upon a time.", **fields}
        return self.expect(201, "POST", "/records", owner, json=body)["record"]["id"]

    def fresh_draft(self, products: list | None = None) -> str:
        production = self.expect(201, "POST", "/productions", "producer", json={
            "title": unique("Production "), "format": "album", "currency": "USD", "products": products or []})
        self.expect(200, "PUT", f"/productions/{production['id']}/contributions", "producer",
                    json={"contributions": [{"record_id": self.record, "weight": 1}]})
        return production["id"]

    def fresh_proposal(self) -> str:
        """A production under an open payment proposal (the window as configured)."""
        production = self.fresh_draft()
        self.expect(201, "POST", f"/productions/{production}/proposal", "producer")
        return production

    def release(self, production: str) -> None:
        """Through its payment proposal, on the proposals' clock moved past the window (the local
        server runs in this process)."""
        from tests.support import after_window

        self.expect(201, "POST", f"/productions/{production}/proposal", "producer")
        with after_window():
            self.expect(200, "POST", f"/productions/{production}/release", "producer")

    def fresh_objection(self, production: str | None = None) -> str:
        return self.expect(201, "POST", f"/productions/{production or self.proposed}/proposal/objections", "member",
                           json={"kind": "other", "body": "Who made the cover?"})["id"]

    def fresh_unmatched(self) -> str:
        """A Stripe sale for a product no production sells: kept for an admin."""
        payment = unique("pi_unmatched_")
        self.stripe(checkout_session(payment, 1500, product_id=unique("prod_nobody_")))
        for item in self.expect(200, "GET", "/sales/unmatched?limit=100", "admin")["items"]:
            if item["external_id"] == payment:
                return item["id"]
        raise AssertionError(f"no unmatched sale for {payment}")

    # --- store deliveries -------------------------------------------------------------------

    def stripe_delivery(self, obj: dict, event_type: str = "checkout.session.completed",
                        created: int | None = None) -> tuple[bytes, dict]:
        raw = body_of(stripe_event(event_type, obj, created=created))
        return raw, {"Stripe-Signature": stripe_signature(raw), "Content-Type": "application/json"}

    def stripe(self, obj: dict, event_type: str = "checkout.session.completed", created: int | None = None) -> dict:
        raw, headers = self.stripe_delivery(obj, event_type, created)
        return self.expect(200, "POST", "/webhooks/stripe", data=raw, headers=headers)

    def shopify_delivery(self, product_id: int) -> tuple[bytes, dict]:
        order = shopify_order(next(_serial) + 10_000, [(next(_serial) + 20_000, product_id, "10.00", 1, "0.00")])
        raw = body_of(order)
        return raw, {"X-Shopify-Hmac-Sha256": shopify_signature(raw), "X-Shopify-Topic": "orders/paid",
                     "X-Shopify-Webhook-Id": unique("wh_"), "Content-Type": "application/json"}
