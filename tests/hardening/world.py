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

PRINCIPALS = ("anonymous", "member", "other_member", "producer", "other_producer", "admin", "expired", "forged",
              "moderator", "suspended")
REGISTERED = ("member", "other_member", "producer", "other_producer", "admin")
IDENTITIES = {  # principal -> (handle, groups)
    "member": ("alice", []),
    "other_member": ("bob", []),
    "producer": ("paula", ["producer"]),
    "other_producer": ("piet", ["producer"]),
    "admin": ("ada", ["admin"]),
    "moderator": ("mona", ["moderator"]),  # acts on reports and notices
    "suspended": ("sam", []),  # a member suspended by mona (Trust and safety)
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
    _notices: dict[str, str] = field(default_factory=dict)  # see `notice`

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
        world.suspend("suspended")
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

    def suspend(self, principal: str) -> str:
        """The moderator suspends this principal's member; the suspend_member action's id."""
        member_id = self.expect(200, "GET", "/me", principal)["id"]
        return self.expect(201, "POST", "/moderation/actions", "moderator", json={
            "subject": {"type": "member", "id": member_id}, "action": "suspend_member",
            "reason": "For the authorization matrix."})["id"]

    def fresh_dismissal(self) -> dict:
        """The body of a `dismiss` closing bob's fresh report on a fresh record of alice's."""
        subject = {"type": "record", "id": self.fresh_record("member")}
        report = self.expect(201, "POST", "/reports", "other_member", json={"subject": subject, "reason": "spam"})
        return {"subject": subject, "action": "dismiss", "reason": "Nothing wrong.", "report_ids": [report["id"]]}

    def fresh_hidden(self, owner: str = "member") -> tuple[str, str]:
        """A record of `owner`'s the moderator hid: (record id, action id)."""
        record = self.fresh_record(owner)
        action = self.expect(201, "POST", "/moderation/actions", "moderator", json={
            "subject": {"type": "record", "id": record}, "action": "hide", "reason": "Spam."})["id"]
        return record, action

    def fresh_appeal(self) -> str:
        _, action = self.fresh_hidden()
        return self.expect(201, "POST", f"/moderation/actions/{action}/appeal", "member",
                           json={"body": "Please look again."})["id"]

    def fresh_notice(self, owner: str = "member") -> str:
        """A copyright notice naming a fresh record of `owner`'s. Three uncountered notices suspend
        their owner (the repeat-infringer rule): the moderator reinstates `owner` at once."""
        notice = self.expect(201, "POST", "/copyright/notices", json=notice_body([self.fresh_record(owner)]))["id"]
        member_id = self.expect(200, "GET", "/me", owner)["id"]
        reply = self.request("POST", "/moderation/actions", "moderator", json={
            "subject": {"type": "member", "id": member_id}, "action": "reinstate_member", "reason": "Matrix."})
        assert reply.status_code in (201, 409), reply.text
        return notice

    def notice(self, purpose: str) -> str:
        """One notice naming a record of `member`'s per purpose, made on first use. A route whose
        callers do not change the notice (reads; a counter-notice or a lawsuit only its owner or
        a moderator may file) shares one across callers: every notice past the second suspends
        `member` and every record of theirs until reinstated, which grows with the world."""
        if purpose not in self._notices:
            self._notices[purpose] = self.fresh_notice("member")
        return self._notices[purpose]

    def stranger_record(self) -> str:
        """A record of a member registered for it alone (notices naming it suspend nobody else)."""
        handle = unique("stranger")
        token = mint(f"sub-{handle}")
        self.session.post(self.base_url + "/members", json={"handle": handle, "display_name": "S"},
                          headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT).raise_for_status()
        reply = self.session.post(self.base_url + "/records", json={"kind": "text", "title": "T", "body": "b"},
                                  headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT)
        reply.raise_for_status()
        return reply.json()["record"]["id"]

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
        self.open_proposal(production)
        return production

    def open_proposal(self, production: str) -> None:
        """Opened, and frozen at once (a small lineage)."""
        self.expect(201, "POST", f"/productions/{production}/proposal", "producer")

    def release(self, production: str) -> None:
        """Through its payment proposal, on the proposals' clock moved past the window (the local
        server runs in this process)."""
        from tests.support import after_window

        self.open_proposal(production)
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


def notice_body(record_ids: list[str]) -> dict:
    """A copyright notice with every element of §512(c)(3)."""
    return {"complainant": {"name": "Carla Complainant", "email": "carla@example.org", "address": "1 Main St, Town",
                            "phone": "+1 555 0100"},
            "signature": "Carla Complainant", "work": "My song 'Sea'", "record_ids": record_ids,
            "good_faith": True, "accurate_under_penalty": True}


COUNTER_BODY = {"name": "Alice Owner", "address": "2 High St, City", "phone": "+1 555 0199",
                "signature": "Alice Owner", "statement": True, "consent_to_jurisdiction": True, "accept_service": True}
