"""Test helpers: a JSON-speaking wrapper of chalice.test.Client and problem+json checks."""
from __future__ import annotations

import json


class Api:
    """`chalice.test.Client` with JSON bodies and bearer tokens made short."""

    def __init__(self, test_client) -> None:
        self.test_client = test_client

    def request(self, method: str, path: str, *, json_body=None, token: str | None = None,
                body: bytes | str | None = None, headers: dict | None = None):
        all_headers = {"content-type": "application/json", **(headers or {})}
        if token is not None:
            all_headers["authorization"] = f"Bearer {token}"
        if json_body is not None:
            body = json.dumps(json_body)
        return Reply(self.test_client.http.request(method, path, headers=all_headers, body=body or b""))

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, **kw):
        return self.request("POST", path, **kw)

    def patch(self, path, **kw):
        return self.request("PATCH", path, **kw)


class Reply:
    def __init__(self, response) -> None:
        self.status = response.status_code
        self.headers = {k.lower(): v for k, v in response.headers.items()}
        self.raw = response.body
        is_json = "json" in self.headers.get("content-type", "")
        self.json = json.loads(response.body) if response.body and is_json else None

    def __repr__(self) -> str:
        return f"<Reply {self.status} {self.raw[:300]!r}>"


def assert_problem(reply, status: int, field: str | None = None) -> dict:
    """The reply is a problem+json document of `status` (naming `field` if given)."""
    assert reply.status == status, reply
    assert reply.headers["content-type"] == "application/problem+json", reply.headers
    problem = reply.json
    assert problem["status"] == status
    assert problem["type"].startswith("https://") and problem["title"] and problem["detail"]
    if field is not None:
        assert field in [e["field"] for e in problem.get("errors", [])], problem
    return problem


def all_pages(client, path: str, limit: int = 100, token: str | None = None) -> list[list[dict]]:
    """Every page of a list, following `next_cursor` to the end: the items of each page."""
    pages, cursor = [], None
    while True:
        separator = "&" if "?" in path else "?"
        reply = client.get(f"{path}{separator}limit={limit}" + (f"&cursor={cursor}" if cursor else ""), token=token)
        assert reply.status == 200, reply
        pages.append(reply.json["items"])
        cursor = reply.json["next_cursor"]
        if cursor is None:
            return pages


def text_record(client, token: str, title: str, sources=(), **fields) -> str:
    """A text record ("Once.") remixing `sources`, with any other `fields` (a licence...); its id."""
    reply = client.post("/records", token=token, json_body={
        "kind": "text", "title": title, "body": "Once.", "sources": [{"record_id": s} for s in sources], **fields})
    assert reply.status == 201, reply
    return reply.json["record"]["id"]


# --- the event stream ------------------------------------------------------------------------

DELIVERED: list = []


def remember(event) -> None:
    """The event stream's one subscriber under the `subscribed` fixture (named, as the app's are)."""
    DELIVERED.append(event)


# --- payment proposals -----------------------------------------------------------------------

def after_window(seconds: float | None = None):
    """A context in which the proposals' clock (`chalicelib.logic.proposals.utcnow`) runs `seconds`
    ahead (default: the configured window and a minute), so a window closes without waiting.
    In-process only (chalice.test.Client); a served stack uses a short
    REMIXERY_PROPOSAL_WINDOW_SECONDS instead."""
    from datetime import timedelta
    from unittest import mock

    from chalicelib.config import get_settings
    from chalicelib.domain.clock import utcnow

    ahead = timedelta(seconds=get_settings().proposal_window_seconds + 60 if seconds is None else seconds)
    return mock.patch("chalicelib.logic.proposals.utcnow", lambda: utcnow() + ahead)


def open_proposal(client, token: str, production_id: str) -> dict:
    """Opens the draft's proposal (201, frozen at once: a small lineage) and returns it."""
    reply = client.post(f"/productions/{production_id}/proposal", token=token)
    assert reply.status == 201 and reply.json["status"] == "proposed", reply
    return reply.json


def freeze_proposals() -> int:
    """Delivers the queued proposal freezes (only those), as Lambda's SQS source would; how many."""
    import boto3

    from app import PROPOSAL_QUEUE, app
    from local.pump import EventPump

    pump = EventPump(app, boto3.client("sqs"))
    source = next(s for s in pump.queues if s.queue == PROPOSAL_QUEUE)
    delivered = 0
    while batch := pump.poll_once(source, wait_seconds=0):
        delivered += batch
    return delivered


def release_through_proposal(client, token: str, production_id: str):
    """What releasing a draft takes now: open its payment proposal, let the window close (on the
    proposals' clock), release. Returns the release's reply."""
    open_proposal(client, token, production_id)
    with after_window():
        return client.post(f"/productions/{production_id}/release", token=token)


def tiny_stories(client, member) -> dict:
    """The community of the proposal and royalty tests: alice wrote A, carol wrote C, bob's B
    remixes C; pat's draft production P, "Tiny Stories" (USD, 50% to contributors, 20% upstream),
    contributes A and B with weight 1 each. The tokens by name ("producer": pat's), the ids by
    letter, and the members' ids under "ids", by the same names."""
    tokens = {"alice": member("alice"), "bob": member("bob"), "carol": member("carol"),
              "producer": member("pat", groups=["producer"])}
    a, c = text_record(client, tokens["alice"], "A"), text_record(client, tokens["carol"], "C")
    b = text_record(client, tokens["bob"], "B", [c])
    production = client.post("/productions", token=tokens["producer"], json_body={
        "title": "Tiny Stories", "format": "book", "currency": "USD"}).json["id"]
    reply = client.request("PUT", f"/productions/{production}/contributions", token=tokens["producer"],
                           json_body={"contributions": [{"record_id": a, "weight": 1}, {"record_id": b, "weight": 1}]})
    assert reply.status == 200, reply
    ids = {name: client.get("/me", token=token).json["id"] for name, token in tokens.items()}
    return {**tokens, "P": production, "A": a, "B": b, "C": c, "ids": ids}


def unsigned(record: dict) -> dict:
    """A record without its presigned URLs (each read signs them anew, with the time in them)."""
    return {k: v for k, v in record.items() if k not in ("media_url", "previews")}
