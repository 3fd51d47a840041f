"""A standing sweep: every route of the route table × hostile input → never a 5xx, and every
4xx a problem+json document (`type`, `title`, `status`, `detail`).

Each request is sent by a caller the route lets through (the member, the producer, the admin,
or for `POST /members` a new identity; store webhooks are signed), so that the hostile part is
what the route parses, not what the credentials check refuses. The hostile parts:

- path parameters: 2,000 characters, `%00`, `..%2F`, non-ASCII, invalid UTF-8, ids of nothing;
- query parameters (the route's own, or one it does not take): 2,000 characters, `%00`, ...;
- bodies: not an object (arrays, strings, numbers, null), invalid UTF-8, truncated, nested
  thousands deep, duplicate keys, a BOM, `NaN`, `1e400`; and every field of a valid body in
  turn: strings at and one past their length limit, in ASCII and in 4-byte characters (emoji),
  strings without a limit at 2,000 characters, numbers written as strings, fractions and
  beyond 64 bits, lists at and past their item limit. Past a limit is a 400 naming the field;
  so is a body that gives a key twice (which value counts is not for the app to guess).

Routes share one world (`shared_world`): what they accept (a record, a cost, a run) leaves it
usable for the rest.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import quote

import pytest

from chalicelib.api.openapi import document_json
from chalicelib.api.routes import routers
from chalicelib.api.routing import Access
from local.tokens import mint
from tests.hardening.world import COUNTER_BODY, World, notice_body, unique
from tests.store_payloads import checkout_session, shopify_order, shopify_signature, stripe_event, stripe_signature

DOCUMENT = json.loads(document_json())
SCHEMAS = DOCUMENT["components"]["schemas"]
SPECS = {f"{spec.method} {spec.path}": spec for router in routers() for spec in router.specs}
WEBHOOKS = ("POST /webhooks/stripe", "POST /webhooks/shopify")
CALLER = {Access.PUBLIC: "member", Access.MEMBER: "member", Access.PRODUCER: "producer", Access.ADMIN: "admin",
          Access.MODERATOR: "moderator"}
RAW = "<raw JSON>"  # a JSON value that Python cannot write (`1e400`, `NaN`) is spliced in for this


def _base_bodies(world: World) -> dict[str, list[Any]]:
    """Valid bodies of every route that takes one (made per request: a handle or a product is
    new each time, so that what is accepted reaches the store): the sweep changes one part at a time."""
    products = [{"provider": "stripe", "product_id": unique("prod_sweep_")}]
    return {
        "POST /members": [{"handle": unique("sweeper"), "display_name": "Sweeper", "bio": "Hello\nthere"}],
        "PATCH /me": [{"display_name": "Alice", "bio": "Writes.\n"}],
        "POST /records": [
            {"kind": "text", "title": "Swept", "description": "d", "tags": ["sea"], "licence": "remixery", "remixable": True,
             "sources": [{"record_id": world.bob_record, "note": "n"}], "collaboration_id": world.collaboration,
             "body": "Words."},
            {"kind": "image", "title": "Swept", "file": {"filename": "a.png", "content_type": "image/png", "size": 10}},
        ],
        "PATCH /records/{record_id}": [{"title": "T", "description": "d", "tags": ["sea"], "remixable": True,
                                        "licence": "remixery"}],
        "POST /records/{record_id}/sources": [{"sources": [{"record_id": world.bob_record, "note": "n"}]}],
        "POST /collaborations": [{"title": "T", "brief": "B", "kinds": ["text"]}],
        "POST /productions": [{"title": "T", "format": "book", "currency": "USD", "collaboration_id": world.collaboration,
                               "contributor_share_bps": 5000, "upstream_share_bps": 2000, "products": products}],
        "PATCH /productions/{production_id}": [{"title": "T", "format": "book", "currency": "USD",
                                                "collaboration_id": world.collaboration, "contributor_share_bps": 5000,
                                                "upstream_share_bps": 2000, "products": products}],
        "PUT /productions/{production_id}/contributions": [{"contributions": [{"record_id": world.record,
                                                                               "weight": 1}]}],
        "POST /productions/{production_id}/costs": [{"amount": {"amount": 1, "currency": "USD"}, "description": "d",
                                                     "incurred_on": "2026-10-01"}],
        "POST /sales/unmatched/{unmatched_id}/assign": [{"production_id": world.released}],
        "POST /royalty-runs": [{"period": "2026-10"}],
        "POST /me/notifications/read": [{"ids": ["a" * 26]}],
        # Never alice's handle: the sweep's members must outlive it (a wrong handle is the 400 that changes nothing).
        "DELETE /me": [{"confirm_handle": "not_anyones_handle", "remove_works": False}],
        **_comment_bodies(world),
        "POST /productions/{production_id}/proposal/objections": [
            {"kind": "other", "record_id": world.record, "body": "Swept.\nTwo lines"}],
        "POST /productions/{production_id}/proposal/objections/{objection_id}/answer": [
            {"decision": "accepted", "body": "Swept.\nTwo lines"}],
        **_trust_and_safety_bodies(world),
        "POST /webhooks/stripe": [stripe_event("checkout.session.completed", checkout_session(
            "pi_sweep", 1500, production_id=world.released))],
        "POST /webhooks/shopify": [shopify_order(424242, [(1, 31337, "10.00", 1, "0.00")])],
    }


def _path_values(world: World) -> dict[str, str]:
    return {"record_id": world.record, "handle": "alice", "collaboration_id": world.collaboration,
            "export_id": world.record,  # an id, but no export's: 404
            "production_id": world.draft, "unmatched_id": world.unmatched, "period": "2026-10",
            "tag": "jazz",  # GET /tags/{tag}/records
            "comment_id": _sweep_comment(world), "objection_id": _sweep_objection(world),
            **_moderation_ids(world)}


def _moderation_ids(world: World) -> dict[str, str]:
    """An action on alice's record (hers to appeal), an appeal and a notice naming her record, made once per world."""
    if not world.base_url:
        return dict.fromkeys(("action_id", "appeal_id", "notice_id"), "01J00000000000000000000000")
    if not getattr(world, "sweep_moderation", None):
        world.sweep_moderation = {"action_id": world.fresh_hidden()[1], "appeal_id": world.fresh_appeal(),
                                  "notice_id": world.fresh_notice()}
    return world.sweep_moderation


def _trust_and_safety_bodies(world: World) -> dict[str, list]:
    subject = {"type": "record", "id": world.bob_record}
    return {
        "POST /reports": [{"subject": subject, "reason": "spam", "body": "Swept.\nTwo lines",
                           "email": "sweeper@example.org"}],
        "POST /moderation/actions": [{"subject": subject, "action": "dismiss",
                                      "report_ids": ["01J00000000000000000000000"],  # nobody's: a 4xx
                                      "reason": "Swept.\nTwo lines"}],
        "POST /moderation/actions/{action_id}/appeal": [{"body": "Swept.\nTwo lines"}],
        "POST /moderation/appeals/{appeal_id}/decide": [{"decision": "upheld", "reason": "Swept."}],
        "POST /copyright/notices": [notice_body([world.bob_record])],
        "POST /copyright/notices/{notice_id}/counter": [COUNTER_BODY],
        "POST /copyright/notices/{notice_id}/lawsuit": [{}],
    }


def _sweep_objection(world: World) -> str:
    """alice's objection to the world's open proposal (made once per world), for its producer to answer."""
    if not world.base_url:
        return "01J00000000000000000000000"
    if not getattr(world, "sweep_objection", None):
        world.sweep_objection = world.fresh_objection()
    return world.sweep_objection


def _sweep_comment(world: World) -> str:
    """alice's comment on her own record (made once per world): she may edit it and remove it."""
    if not world.base_url:
        return "01J00000000000000000000000"  # the probe world that only shapes the cases
    if not getattr(world, "sweep_comment", None):
        world.sweep_comment = world.expect(201, "POST", f"/records/{world.record}/comments", "member",
                                           json={"body": "Swept."})["id"]
    return world.sweep_comment


def _comment_bodies(world: World) -> dict[str, list]:
    """Comments: a reply (parent_id) and a pinned one (at_seconds; a 422 on a text record, after parsing)."""
    bodies = [{"body": "Swept.\nTwo lines", "parent_id": _sweep_comment(world)}, {"body": "Pinned", "at_seconds": 1.5}]
    return {"POST /records/{record_id}/comments": bodies, "POST /collaborations/{collaboration_id}/comments": bodies,
            "PATCH /comments/{comment_id}": [{"body": "Edited.\nTwice"}]}


# --- cases ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    route: str
    what: str
    path_value: str | None = None  # sent as written (already percent-encoded)
    query: str = ""  # the same
    body: Callable[[Any], Any] | bytes | None = None  # a change of a copy of a base body, or raw bytes
    base: int = 0  # which base body
    refused_field: str | None = None  # a 400 naming this field is the answer
    refused: bool = False  # a 400 is the answer

    @property
    def id(self) -> str:
        return f"{self.route} {self.what}"


HOSTILE_SEGMENTS = {
    "2000 chars": "x" * 2000, "%00": "a%00b", "..%2F": "..%2F..%2Fetc%2Fpasswd",
    "non-ASCII": quote("ñandú☃"), "emoji": quote("💥" * 30), "invalid UTF-8": "%FF%FE", "%25": "%25",
    "space": "%20", "unknown id": "01J00000000000000000000000",
}
HOSTILE_QUERY_VALUES = {
    "2000 chars": "x" * 2000, "%00": "%00", "invalid UTF-8": "%FF", "non-ASCII": quote("ñ💥'\"<>;"),
    "1e400": "1e400", "NaN": "NaN",
}
HOSTILE_BODIES = {
    "array": b"[]", "array of an object": b"[{}]", "string": b'"x"', "number": b"1", "null": b"null",
    "true": b"true", "1e400": b"1e400", "NaN": b"NaN", "invalid UTF-8": b'{"title": "\xff\xfe"}',
    "truncated": b'{"title": ', "nested arrays": b"[" * 100_000 + b"]" * 100_000,
    "nested objects": b'{"a":' * 5_000 + b"1" + b"}" * 5_000, "BOM": b"\xef\xbb\xbf{}",
    "trailing garbage": b"{} {}",
}


def _set(value: Any, path: tuple, new: Any) -> Any:
    changed = copy.deepcopy(value)
    target = changed
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = new
    return changed


def _resolve(schema: dict) -> dict:
    while True:
        if "$ref" in schema:
            schema = SCHEMAS[schema["$ref"].rsplit("/", 1)[1]]
        elif "anyOf" in schema:
            schema = next(s for s in schema["anyOf"] if s.get("type") != "null")
        else:
            return schema


def _leaves(schema: dict, value: Any, path: tuple = ()):
    """(path, schema) of every value in `value`, lists included (their first item stands for all)."""
    schema = _resolve(schema)
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(schema["properties"][key], item, (*path, key))
    else:
        yield path, schema
        if isinstance(value, list) and value:
            yield from _leaves(schema["items"], value[0], (*path, 0))


def _field_cases(route: str, base: int, value: Any, schema: dict) -> list[Case]:
    cases = []
    label = f" (body {base + 1})" if base else ""
    for path, field in _leaves(schema, value):
        name = ".".join(map(str, path))

        def case(what: str, new: Any, refused: bool = False, _path=path) -> Case:
            return Case(route, f"{name} {what}{label}", body=lambda body, _new=new: _set(body, _path, _new), base=base,
                        refused_field=name if refused else None)

        def raw_case(what: str, raw: str, refused: bool = False, _path=path) -> Case:
            return Case(route, f"{name} {what}{label}", body=lambda body: _set(body, _path, RAW + raw), base=base,
                        refused=refused)

        kind = field.get("type")
        if kind == "string" and "enum" not in field:
            # Text refuses control characters (its pattern says so); an id that holds one names nothing.
            cases += [case("with NUL", "a\u0000b", "pattern" in field), case("with C1 CSI", "a\u009b2Jb", "pattern" in field),
                      raw_case("with a lone surrogate", '"a\\ud800b"')]
        if kind == "string" and "maxLength" in field:
            n = field["maxLength"]
            cases += [case(f"at {n}", "a" * n), case(f"at {n} emoji", "💥" * n),
                      case(f"at {n + 1}", "a" * (n + 1), True), case(f"at {n + 1} emoji", "💥" * (n + 1), True)]
        elif kind == "string" and "enum" in field:
            cases.append(case("not one of them", "💥", True))
        elif kind == "string":
            cases += [case("2000 chars", "x" * 2000), case("2000 emoji", "💥" * 2000)]
        elif kind == "integer":
            cases += [case("as a string", "1", True), case("1.5", 1.5, True), case("2**70", 2**70, True),
                      raw_case("1e400", "1e400", True), raw_case("NaN", "NaN", True), raw_case("-0", "-0")]
        elif kind == "boolean":
            cases.append(case("as a string", "true", True))
        elif kind == "array" and "maxItems" in field and isinstance(_get(value, path), list) and _get(value, path):
            n, item = field["maxItems"], _get(value, path)[0]
            cases += [case(f"{n} items", [item] * n), case(f"{n + 1} items", [item] * (n + 1), True)]
    return cases


def _get(value: Any, path: tuple) -> Any:
    for part in path:
        value = value[part]
    return value


def _cases() -> list[Case]:
    probe = World("")  # ids are read when the request is made; only the shapes matter here
    bases = _base_bodies(probe)
    cases: list[Case] = []
    for route, spec in SPECS.items():
        if "{" in spec.path:
            cases += [Case(route, f"path {what}", path_value=raw) for what, raw in HOSTILE_SEGMENTS.items()]
        if spec.query is None:  # refused as a parameter the route does not take, whatever its value
            cases += [Case(route, f"?unknown={what}", query=f"unknown={HOSTILE_QUERY_VALUES[what]}", refused=True)
                      for what in ("2000 chars", "invalid UTF-8")]
        else:
            cases += [Case(route, f"?{name}={what}", query=f"{name}={raw}")
                      for name in spec.query.model_json_schema()["properties"] for what, raw in HOSTILE_QUERY_VALUES.items()]
        if route in bases:
            cases += [Case(route, f"body {what}", body=raw, refused=route not in WEBHOOKS or what != "BOM")
                      for what, raw in HOSTILE_BODIES.items()]
            if any(bases[route]):  # an empty object has no key to repeat
                cases.append(Case(route, "body with duplicate keys", body=lambda body: body, base=-1, refused=True))
        if spec.body is not None:
            schema = SCHEMAS[spec.body.__name__]
            for n, base in enumerate(bases[route]):
                cases += _field_cases(route, n, base, schema)
    return cases


CASES = _cases()


# --- requests ---------------------------------------------------------------------------------

def _encode(body: Any) -> bytes:
    text = json.dumps(body, ensure_ascii=False)  # 4-byte characters as UTF-8, not 12-byte escapes
    for raw in _raw_values(body):
        text = text.replace(json.dumps(RAW + raw, ensure_ascii=False), raw)
    return text.encode()


def _raw_values(value: Any):
    if isinstance(value, str) and value.startswith(RAW):
        yield value[len(RAW):]
    elif isinstance(value, dict | list):
        for item in value.values() if isinstance(value, dict) else value:
            yield from _raw_values(item)


def _duplicate_first_key(base: dict) -> bytes:
    key = next(iter(base))
    return b"{" + json.dumps(key).encode() + b": 1, " + _encode(base)[1:]


def _request(world: World, case: Case):
    spec = SPECS[case.route]
    path = spec.path
    values = _path_values(world)
    if "/proposal" in spec.path:  # a draft has no proposal: these routes sweep the open one
        values["production_id"] = world.proposed
    for name, value in values.items():
        path = path.replace("{" + name + "}", case.path_value if case.path_value is not None else quote(value, safe=""))
    if case.query:
        path += "?" + case.query
    bases = _base_bodies(world).get(case.route)
    if isinstance(case.body, bytes):
        raw = case.body
    elif case.base == -1:
        raw = _duplicate_first_key(bases[0])
    elif bases is not None:
        body = bases[case.base]
        raw = _encode(case.body(body) if case.body is not None else body)
    else:
        raw = None
    headers = {"Content-Type": "application/json"} if raw is not None else {}
    if case.route == "POST /webhooks/stripe":
        headers["Stripe-Signature"] = stripe_signature(raw)
    elif case.route == "POST /webhooks/shopify":
        headers |= {"X-Shopify-Hmac-Sha256": shopify_signature(raw), "X-Shopify-Topic": "orders/paid",
                    "X-Shopify-Webhook-Id": unique("wh_sweep_")}
    principal = None if case.route in WEBHOOKS else CALLER.get(spec.access)
    if spec.access is Access.IDENTITY:
        principal = unique("newcomer")
        world.tokens[principal] = mint(f"sub-{principal}")
    return world.request(spec.method, path, principal, data=raw, headers=headers)


# Found by this sweep in code other engineers own; each must fail until it is fixed there.
KNOWN: dict[str, str] = {}


@pytest.mark.parametrize("case", [
    pytest.param(c, id=c.id, marks=[pytest.mark.xfail(strict=True, reason=KNOWN[c.id])] if c.id in KNOWN else [])
    for c in CASES])
def test_hostile_input_is_never_a_server_error_and_every_refusal_is_problem_json(shared_world, case):
    reply = _request(shared_world, case)

    assert reply.status_code < 500, f"{reply.status_code} {reply.text[:300]}"
    if reply.status_code >= 400:
        assert reply.headers["Content-Type"] == "application/problem+json", reply.text[:300]
        problem = reply.json()
        assert problem["status"] == reply.status_code and problem["type"] and problem["title"] and problem["detail"]
    if case.refused or case.refused_field:
        assert reply.status_code == 400, f"{reply.status_code} {reply.text[:300]}"
    if case.refused_field:
        assert case.refused_field in [e["field"] for e in reply.json().get("errors", [])], reply.text[:300]


def _schema_paths(schema: dict, path: tuple = ()):
    """Every field a body of `schema` can hold (a list's items as its item 0)."""
    schema = _resolve(schema)
    if "properties" in schema:
        for key, field in schema["properties"].items():
            yield from _schema_paths(field, (*path, key))
        return
    yield path
    if "items" in schema:
        yield from _schema_paths(schema["items"], (*path, 0))


def test_the_sweep_covers_every_route_and_every_field_of_every_body():
    bases = _base_bodies(World(""))

    assert set(SPECS) == {c.route for c in CASES}
    assert {route for route, spec in SPECS.items() if spec.body is not None} | set(WEBHOOKS) == set(bases)
    for route, spec in SPECS.items():
        if spec.body is not None:
            schema = SCHEMAS[spec.body.__name__]
            swept = {path for base in bases[route] for path, _ in _leaves(schema, base)}
            assert swept == set(_schema_paths(schema)), route
