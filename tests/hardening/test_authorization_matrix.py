"""Every route × every kind of caller → the status the contract promises.

The routes come from the route table (`routes.routers()`), so a route added without a row in `MATRIX`
fails `test_every_route_has_a_row_in_the_matrix` by name. A row says how to call the route (path
parameters, body, headers; each may be a function of the `World`, called once per request, so
a request that changes something for good gets a resource of its own) and what each principal
gets back. `expired` and `forged` tokens are 401 everywhere unless a row says otherwise: a token
that is sent must be valid, on public routes too.

To add a route: one entry keyed "METHOD /path", e.g.

    "GET /royalty-runs/{period}": Row(
        path={"period": "2026-10"},
        expect=only(200, "admin", others=403)),
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import pytest

from chalicelib.api.routes import routers
from tests.hardening.world import PRINCIPALS, REGISTERED, World, unique
from tests.store_payloads import checkout_session
from tests.hardening.world import COUNTER_BODY, notice_body  # Trust and safety rows

ROUTES = [f"{spec.method} {spec.path}" for router in routers() for spec in router.specs]
# Writes a suspended member is refused (403 "suspended", at the role step): see routing.is_write.
WRITES = {f"{spec.method} {spec.path}" for router in routers() for spec in router.specs if spec.writes}
ACCESS = {f"{spec.method} {spec.path}": spec.access.value for router in routers() for spec in router.specs}


def public(status: int) -> dict[str, int]:
    """Anyone, with or without a (valid) token."""
    return {p: status for p in ("anonymous", *REGISTERED)}


def registered(status: int) -> dict[str, int]:
    """Any member; no token is a 401."""
    return {"anonymous": 401, **{p: status for p in REGISTERED}}


def only(status: int, *allowed: str, others: int = 403, **overrides: int) -> dict[str, int]:
    """`allowed` principals get `status`, other members `others`, no token 401."""
    statuses = {"anonymous": 401, **{p: status if p in allowed else others for p in REGISTERED}}
    return {**statuses, **overrides}


Value = Any | Callable[[World], Any]


@dataclass(frozen=True)
class Row:
    expect: dict[str, int]
    path: dict[str, Value] = field(default_factory=dict)  # {"record_id": lambda w: w.record}
    body: Value = None  # JSON, or a function of the world returning it
    raw: Callable[[World], tuple[bytes, dict]] | None = None  # a signed webhook: (body, headers)

    def statuses(self, route: str | None = None) -> dict[str, int]:
        """`moderator` (mona, a member with the moderator group) and `suspended` (sam, suspended by
        her) own nothing: unless the row says otherwise they answer as `other_producer` would without
        the producer group; `suspended` gets 403 on writes."""
        statuses = {"expired": 401, "forged": 401, **self.expect}
        # like piet, who owns nothing, but without the producer group
        bystander = 403 if ACCESS.get(route) == "producer" else statuses["other_producer"]
        statuses.setdefault("moderator", bystander)
        statuses.setdefault("suspended", 403 if route in WRITES else bystander)
        return statuses


def _value(value: Value, world: World):
    return value(world) if callable(value) else value


RECORD = {"record_id": lambda w: w.record}
DRAFT = {"production_id": lambda w: w.draft}
RELEASED = {"production_id": lambda w: w.released}
# Drafts are visible to their producer and admins only: 404 to everyone else.
DRAFT_VISIBLE = {"anonymous": 404, "member": 404, "other_member": 404, "producer": 200, "other_producer": 404,
                 "admin": 200}
# Changing a draft: the producer role first (403), then visibility (404), then ownership.
DRAFT_CHANGE = only(200, "producer", "admin", other_producer=404)

MATRIX: dict[str, Row] = {
    "GET /health": Row(public(200)),
    "GET /licences": Row(public(200)),
    "GET /openapi.json": Row(public(200)),

    "POST /members": Row(registered(409),  # one profile per identity; every principal has one
                         body=lambda w: {"handle": unique("newcomer"), "display_name": "New"}),
    "GET /me": Row(registered(200)),
    "PATCH /me": Row(registered(200), body={"bio": "Edited."}),
    "GET /members/{handle}": Row(public(200), path={"handle": "alice"}),
    "GET /members/{handle}/records": Row(public(200), path={"handle": "alice"}),
    "GET /members/{handle}/hearts": Row(public(200), path={"handle": "alice"}),

    "POST /records": Row(registered(201), body={"kind": "text", "title": "Mine", "body": "Words."}),
    "GET /records": Row(public(200)),
    "GET /records/{record_id}": Row(public(200), path=RECORD),
    "PATCH /records/{record_id}": Row(only(200, "member"), path=RECORD, body={"title": "Edited"}),
    "DELETE /records/{record_id}": Row(only(204, "member"), path={"record_id": lambda w: w.fresh_record("member")}),
    "POST /records/{record_id}/sources": Row(
        only(200, "member"), path={"record_id": lambda w: w.fresh_record("member")},
        body=lambda w: {"sources": [{"record_id": w.bob_record}]}),
    "GET /records/{record_id}/remixes": Row(public(200), path=RECORD),
    "GET /records/{record_id}/lineage": Row(public(200), path=RECORD),
    "PUT /records/{record_id}/heart": Row({**registered(200), "member": 403}, path=RECORD),  # not your own
    "DELETE /records/{record_id}/heart": Row(registered(200), path=RECORD),
    "GET /trending": Row(public(200)),

    "POST /collaborations": Row(registered(201), body={"title": "Jam", "brief": "Bring a loop."}),
    "GET /collaborations": Row(public(200)),
    "GET /collaborations/{collaboration_id}": Row(public(200), path={"collaboration_id": lambda w: w.collaboration}),

    "POST /productions": Row(only(201, "producer", "other_producer", "admin"),
                             body={"title": "Album", "format": "album", "currency": "usd"}),
    "GET /productions": Row(public(200)),
    "GET /productions/{production_id}": Row(DRAFT_VISIBLE, path=DRAFT),
    "PATCH /productions/{production_id}": Row(DRAFT_CHANGE, path=DRAFT, body={"title": "Renamed"}),
    "GET /productions/{production_id}/contributions": Row(DRAFT_VISIBLE, path=DRAFT),
    "PUT /productions/{production_id}/contributions": Row(
        DRAFT_CHANGE, path=DRAFT, body=lambda w: {"contributions": [{"record_id": w.record, "weight": 2}]}),
    # A draft has no payment proposal: its producer and admins get 409 (`missing: [proposal]`).
    "POST /productions/{production_id}/release": Row(only(409, "producer", "admin", other_producer=404),
                                                     path={"production_id": lambda w: w.fresh_draft()}),
    "POST /productions/{production_id}/costs": Row(
        only(201, "producer", "admin"), path=RELEASED,
        body={"amount": {"amount": 250, "currency": "USD"}, "description": "Mastering", "incurred_on": "2026-11-02"}),
    "GET /productions/{production_id}/ledger": Row(only(200, "producer", "admin"), path=RELEASED),

    # Webhooks are public (the signature is their credential), but a bearer token that is sent
    # must still be valid.
    "POST /webhooks/stripe": Row(public(200), raw=lambda w: w.stripe_delivery(
        checkout_session(unique("pi_"), 700, production_id=w.released))),
    "POST /webhooks/shopify": Row(public(200), raw=lambda w: w.shopify_delivery(product_id=424242)),
    "GET /sales/unmatched": Row(only(200, "admin")),
    "POST /sales/unmatched/{unmatched_id}/assign": Row(
        only(200, "admin"), path={"unmatched_id": lambda w: w.fresh_unmatched()},
        body=lambda w: {"production_id": w.released}),

    # Royalties: runs are the admins'; statements are each member's own; splits are public
    # for released productions (a draft's preview as its page: producer and admins only).
    "POST /royalty-runs": Row(only(202, "admin"), body={"period": "2020-01"}),
    "GET /royalty-runs/{period}": Row(only(404, "admin"), path={"period": "1999-01"}),  # never run
    "GET /me/statements": Row(registered(200)),
    "GET /me/statements/{period}": Row(registered(200), path={"period": "2026-10"}),
    "GET /productions/{production_id}/splits": Row(DRAFT_VISIBLE, path=DRAFT),
}


def _comment(world) -> str:
    """A comment by bob (other_member) on alice's record, made per request."""
    return world.expect(201, "POST", f"/records/{world.record}/comments", "other_member", json={"body": "A comment."})["id"]


# Comments and follows (docs/community.md).
MATRIX.update({
    "POST /records/{record_id}/comments": Row(registered(201), path=RECORD, body={"body": "Nice."}),
    "GET /records/{record_id}/comments": Row(public(200), path=RECORD),
    "POST /collaborations/{collaboration_id}/comments": Row(
        registered(201), path={"collaboration_id": lambda w: w.collaboration}, body={"body": "In."}),
    "GET /collaborations/{collaboration_id}/comments": Row(public(200),
                                                           path={"collaboration_id": lambda w: w.collaboration}),
    "GET /comments/{comment_id}/replies": Row(public(200), path={"comment_id": _comment}),
    "PATCH /comments/{comment_id}": Row(only(200, "other_member"), path={"comment_id": _comment}, body={"body": "Edited."}),
    "DELETE /comments/{comment_id}": Row(only(204, "member", "other_member"),  # the record's owner, the author
                                         path={"comment_id": _comment}),
    "PUT /members/{handle}/follow": Row({**registered(200), "member": 403}, path={"handle": "alice"}),  # not yourself
    "DELETE /members/{handle}/follow": Row({**registered(200), "member": 403}, path={"handle": "alice"}),
    "GET /members/{handle}/followers": Row(public(200), path={"handle": "alice"}),
    "GET /members/{handle}/following": Row(public(200), path={"handle": "alice"}),
    "GET /me/feed": Row(registered(200)),
})

# Notifications are each member's own; tags and search are public.
MATRIX.update({
    "GET /me/notifications": Row(registered(200)),
    "GET /me/notifications/unread-count": Row(registered(200)),
    "POST /me/notifications/read": Row(registered(200), body={}),
    "GET /tags": Row(public(200)),
    "GET /tags/{tag}/records": Row(public(200), path={"tag": "jazz"}),
    # The matrix sends no query string: without `q` anyone gets 400, after the token check (401).
    "GET /search/records": Row(public(400)),
    "GET /search/members": Row(public(400)),
})


# Payouts (docs/payouts.md): accounts and payouts are each member's own; every payout is the
# admins'. The local bank's pages are public (the signed link is their credential): without the
# link's query string, 400 for anyone. The Connect endpoint is signed with its own secret.
CONNECT_SECRET = "whsec_remixery_connect_local"


def _connect_delivery(world) -> tuple[bytes, dict]:
    from tests.store_payloads import body_of, stripe_event, stripe_signature

    raw = body_of(stripe_event("account.application.authorized", {"object": "application", "id": unique("ca_")}))
    return raw, {"Stripe-Signature": stripe_signature(raw, secrets=(CONNECT_SECRET,)),
                 "Content-Type": "application/json"}


MATRIX.update({
    "POST /me/payout-account": Row(registered(201)),
    "GET /me/payout-account": Row(registered(200)),
    "GET /me/payouts": Row(registered(200)),
    "GET /payouts": Row(only(200, "admin")),
    "GET /local-bank/onboarding/{account_id}": Row(public(400), path={"account_id": "acct_local_0"}),
    "POST /local-bank/onboarding/{account_id}": Row(public(400), path={"account_id": "acct_local_0"}),
    "POST /webhooks/stripe-connect": Row(public(200), raw=_connect_delivery),
})


def _export(world) -> str:
    """An export of alice's (member), made once: the export queue is drained first, so an export
    the POST row started has finished and a new one may start."""
    if getattr(world, "export_id", None) is None:
        import boto3

        from app import app
        from local.pump import EventPump

        pump = EventPump(app, boto3.client("sqs"))
        for source in pump.queues:
            if source.name == "build_export":
                while pump.poll_once(source, wait_seconds=0):
                    pass
        world.export_id = world.expect(202, "POST", "/me/exports", "member")["id"]
    return world.export_id


# Your data (docs/your-data.md): each member's own export; another member's is a 404. DELETE /me
# is sent with a handle that is nobody's: the 400 that changes nothing keeps the world's members.
MATRIX.update({
    "POST /me/exports": Row(registered(202)),
    "GET /me/exports/{export_id}": Row(only(200, "member", others=404), path={"export_id": _export}),
    "DELETE /me": Row(registered(400), body={"confirm_handle": "not_anyones_handle"}),
})

# Payment proposals are public once opened; objections are any member's; answers the producer's;
# grants the record owner's (alice's record contributes to the proposed production).
PROPOSED = {"production_id": lambda w: w.proposed}
GRANT = {"record_id": lambda w: w.record, "production_id": lambda w: w.proposed}
MATRIX.update({
    "POST /productions/{production_id}/proposal": Row(only(201, "producer", "admin", other_producer=404),
                                                      path={"production_id": lambda w: w.fresh_draft()}),
    "GET /productions/{production_id}/proposal": Row(public(200), path=PROPOSED),
    "POST /productions/{production_id}/proposal/objections": Row(
        registered(201), path=PROPOSED, body={"kind": "credit", "body": "Credit the drummer."}),
    "GET /productions/{production_id}/proposal/objections": Row(public(200), path=PROPOSED),
    "POST /productions/{production_id}/proposal/objections/{objection_id}/answer": Row(
        only(200, "producer", "admin"),
        path={"production_id": lambda w: w.proposed, "objection_id": lambda w: w.fresh_objection()},
        body={"decision": "accepted", "body": "Done."}),
    "PUT /records/{record_id}/grants/{production_id}": Row(only(200, "member"), path=GRANT),
    "DELETE /records/{record_id}/grants/{production_id}": Row(only(204, "member"), path=GRANT),
    "GET /productions/{production_id}/credits": Row(public(200), path=RELEASED),
})

# Trust and safety (docs/trust-and-safety.md): reports are anyone's (a suspended member's are
# refused), the queue, actions, appeals' decisions and lawsuits are the moderators' (admins too),
# an appeal is the member concerned's, a notice is public, a counter-notice the named records' owner's.
def moderators(status: int) -> dict[str, int]:
    return only(status, "admin", moderator=status)


MATRIX.update({
    "POST /reports": Row({**public(201), "suspended": 403},
                         body=lambda w: {"subject": {"type": "record", "id": w.fresh_record("member")},
                                         "reason": "spam", "email": "someone@example.org"}),
    "GET /moderation/reports": Row(moderators(200)),
    "POST /moderation/actions": Row(moderators(201), body=lambda w: w.fresh_dismissal()),
    "POST /moderation/actions/{action_id}/appeal": Row(
        only(201, "member"), path={"action_id": lambda w: w.fresh_hidden()[1]}, body={"body": "Please look again."}),
    "GET /moderation/appeals": Row(moderators(200)),
    "POST /moderation/appeals/{appeal_id}/decide": Row(
        moderators(200), path={"appeal_id": lambda w: w.fresh_appeal()},
        body={"decision": "upheld", "reason": "It stands."}),
    "POST /copyright/notices": Row(public(201), body=lambda w: notice_body([w.stranger_record()])),
    "GET /copyright/notices": Row(moderators(200)),
    "GET /copyright/notices/{notice_id}": Row(only(200, "member", "admin", moderator=200),
                                              path={"notice_id": lambda w: w.notice("uncountered")}),
    "POST /copyright/notices/{notice_id}/counter": Row(  # only its owner may, once: the others' 403s change nothing
        only(201, "member"), path={"notice_id": lambda w: w.notice("countered")}, body=COUNTER_BODY),
    "POST /copyright/notices/{notice_id}/lawsuit": Row(  # before any counter-notice: 409
        moderators(409), path={"notice_id": lambda w: w.notice("uncountered")}, body={}),
})


def test_every_route_has_a_row_in_the_matrix():
    missing = [route for route in ROUTES if route not in MATRIX]
    assert not missing, (
        "routes without a row in MATRIX (tests/hardening/test_authorization_matrix.py): "
        + ", ".join(missing) + " — add one entry per route saying what each principal gets")


def test_the_matrix_has_no_row_for_a_route_that_does_not_exist():
    assert sorted(set(MATRIX) - set(ROUTES)) == []


def test_every_row_names_every_principal():
    incomplete = {route: sorted(set(PRINCIPALS) - set(row.statuses())) for route, row in MATRIX.items()
                  if set(row.statuses()) != set(PRINCIPALS)}
    assert incomplete == {}


@pytest.mark.parametrize("route", [r for r in ROUTES if r in MATRIX])
def test_each_principal_gets_the_status_the_matrix_promises(shared_world, route):
    world = shared_world
    method, template = route.split(" ", 1)
    row = MATRIX[route]
    answered = {}
    for principal in PRINCIPALS:
        path = template.format(**{name: _value(value, world) for name, value in row.path.items()})
        if row.raw is not None:
            data, headers = row.raw(world)
            reply = world.request(method, path, principal, data=data, headers=headers)
        else:
            reply = world.request(method, path, principal, json=_value(row.body, world))
        answered[principal] = reply.status_code
        if reply.status_code >= 400:
            assert reply.headers["Content-Type"] == "application/problem+json", (principal, reply.text[:200])

    assert answered == row.statuses(route)


MEMBER_ONLY = [f"{s.method} {s.path}" for r in routers() for s in r.specs if s.access.value == "member"]


@pytest.mark.parametrize("route", [r for r in MEMBER_ONLY if r in MATRIX])
def test_an_identity_without_a_member_profile_is_told_to_register_first(shared_world, route):
    world = shared_world
    from local.tokens import mint

    method, template = route.split(" ", 1)
    row = MATRIX[route]
    world.tokens["unregistered"] = mint(unique("sub-nobody-"))
    path = template.format(**{name: _value(value, world) for name, value in row.path.items()})

    reply = world.request(method, path, "unregistered", json=_value(row.body, world))

    assert reply.status_code == 403, reply.text
    assert reply.json()["type"].endswith("/register-first")
