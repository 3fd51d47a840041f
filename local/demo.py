"""`make demo`: a small living community, seeded through the public API only.

Everything goes over HTTP as any client would: members register with local tokens, records
are published (media through presigned POSTs straight to the local S3), remixed, hearted and
gathered in a collaboration; a producer releases a production through its payment proposal
(an objection, answered) and leaves another proposal open with an objection waiting; the stores report sales with
signed webhooks dated in the month that has just ended; an admin closes that month with a
royalty run. A newcomer opening the site then sees every feature at once:

    python -m local.demo --api http://127.0.0.1:8000     # seeds a running stack
    make demo                                            # starts one and seeds it
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from local import demo_media
from local.tokens import mint

MEMBERS = [  # handle, display name, bio, groups
    ("ada", "Ada Okafor", "Loops, tides and slow synths.", []),
    ("ben", "Ben Marlow", "Short films about long evenings.", []),
    ("cleo", "Cleo Varga", "Illustrator. Lanterns, mostly.", []),
    ("dev", "Dev Raman", "Writes small stories for big pictures.", []),
    ("eli", "Eli Park", "Harbour photographs at the wrong hour.", []),
    ("fay", "Fay Lindqvist", "Animates whatever holds still.", []),
    ("pat", "Pat Quill", "Producer at Night Market Press.", ["producer"]),
]
ADMIN_SUB = "demo-admin"  # an admin identity that closes the period; it needs no profile
STRIPE_PRODUCT = "prod_demo_night_market_zine"
SHOPIFY_PRODUCT = 7_001


class DemoError(RuntimeError):
    pass


@dataclass
class Demo:
    api: str
    tokens: dict[str, str] = field(default_factory=dict)
    records: dict[str, dict] = field(default_factory=dict)
    log: callable = print
    move_clock: callable = None  # a context in which the proposals' clock is a window back (in the stack's process)

    def __post_init__(self) -> None:
        import requests

        self.http = requests.Session()

    # --- HTTP ------------------------------------------------------------------------------------

    def call(self, method: str, path: str, as_: str | None = None, expect: tuple[int, ...] = (200, 201),
             **kwargs):
        headers = kwargs.pop("headers", {})
        if as_ is not None:
            headers["Authorization"] = f"Bearer {self.tokens[as_]}"
        response = self.http.request(method, self.api + path, headers=headers, timeout=30, **kwargs)
        if response.status_code not in expect:
            raise DemoError(f"{method} {path} answered {response.status_code}: {response.text[:500]}")
        return response.json() if response.content and "json" in response.headers.get("content-type", "") else None

    # --- the community ---------------------------------------------------------------------------

    def register(self) -> None:
        for handle, name, bio, groups in MEMBERS:
            self.tokens[handle] = mint(handle, groups)
            self.call("POST", "/members", handle, json={"handle": handle, "display_name": name, "bio": bio})
        self.tokens["admin"] = mint(ADMIN_SUB, ["admin"])
        self.log(f"demo: {len(MEMBERS)} members: {', '.join(m[0] for m in MEMBERS)}")

    def publish(self, key: str, owner: str, kind: str, title: str, *, data: bytes | None = None,
                content_type: str | None = None, filename: str | None = None, body: str | None = None,
                sources: tuple[str, ...] = (), **fields) -> dict:
        request = {"kind": kind, "title": title, **fields}
        if sources:
            request["sources"] = [{"record_id": self.records[s]["id"]} for s in sources]
        if body is not None:
            request["body"] = body
        else:
            request["file"] = {"filename": filename, "content_type": content_type, "size": len(data)}
        created = self.call("POST", "/records", owner, json=request)
        record = created["record"]
        if created["upload"]:
            upload = created["upload"]
            response = self.http.post(upload["url"], data=upload["fields"],
                                      files={"file": (filename, data, content_type)}, timeout=30)
            if response.status_code >= 300:
                raise DemoError(f"the upload of {title!r} answered {response.status_code}")
            record = self.wait_ready(record["id"], owner)
        self.records[key] = record
        return record

    def wait_ready(self, record_id: str, owner: str, seconds: float = 60) -> dict:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            record = self.call("GET", f"/records/{record_id}", owner)
            if record["status"] == "ready":
                return record
            if record["status"] == "rejected":
                raise DemoError(f"{record['title']!r} was rejected: {record['rejection_reason']}")
            time.sleep(0.3)
        raise DemoError(f"record {record_id} was not ready after {seconds} s (is the event pump running?)")

    def propose(self, production_id: str, seconds: float = 60) -> dict:
        """Opens the proposal: at once (201), or once its freeze in the background opened it (202)."""
        opened = self.call("POST", f"/productions/{production_id}/proposal", "pat", expect=(201, 202))
        if opened["status"] != "freezing":
            return opened
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            proposal = self.call("GET", f"/productions/{production_id}/proposal", "pat")
            if proposal["status"] != "freezing":
                return proposal
            time.sleep(0.3)
        raise DemoError(f"the proposal of {production_id} was still freezing after {seconds} s "
                        "(is the event pump running?)")

    def seed_records(self) -> None:
        collaboration = self.call("POST", "/collaborations", "cleo", json={
            "title": "Night Market", "kinds": ["image", "audio", "text", "animation", "video"],
            "brief": "A zine and a short film about the harbour's night market: lanterns, tides, the last tram. "
                     "Bring drawings, sounds and words; remix each other freely."})
        self.collaboration = collaboration
        in_market = {"collaboration_id": collaboration["id"]}
        m = demo_media
        self.publish("lantern", "cleo", "image", "Lantern Study", data=m.png(palette="dusk", seed=1),
                     content_type="image/png", filename="lantern-study.png", tags=["lanterns", "ink"],
                     description="Seven lanterns over the market square.", **in_market)
        self.publish("tide", "ada", "audio", "Low Tide", data=m.wav("E4 G4 A4 C5 A4 G4 E4 D4 E4 G4 D4 C4"),
                     content_type="audio/wav", filename="low-tide.wav", tags=["loop", "ambient"],
                     description="A twelve-note loop for the harbour scenes.", **in_market)
        self.publish("harbour", "eli", "photo", "Harbour at Dawn", data=m.jpeg(palette="sea", seed=2),
                     content_type="image/jpeg", filename="harbour.jpg", tags=["harbour"])
        self.publish("keeper", "dev", "text", "The Lantern Keeper", sources=("lantern",), tags=["story"], body=(
            "Every night at nine, Mira climbs the ladder with a box of matches and a borrowed tune.\n\n"
            "She lights the lanterns left to right, the way her grandmother did, and the market wakes "
            "one stall at a time: noodles, radios, a man who mends umbrellas.\n\n"
            "When the tide goes out the lanterns lean toward the water, as if they were listening."),
            **in_market)
        self.publish("flicker", "fay", "animation", "Lantern Flicker", data=m.gif(palette="ember"),
                     content_type="image/gif", filename="lantern-flicker.gif", sources=("lantern",),
                     tags=["loop"], **in_market)
        self.publish("film", "ben", "video", "Night Market, Three Seconds", data=m.webm(palette="sea"),
                     content_type="video/webm", filename="night-market.webm", sources=("tide", "harbour"),
                     description="The harbour at closing time, cut to Low Tide.", **in_market)
        self.publish("study2", "cleo", "image", "Lantern Study II", data=m.webp(palette="moss", seed=3),
                     content_type="image/webp", filename="lantern-study-2.webp", sources=("flicker",),
                     description="Drawn over frames of Fay's animation.", **in_market)
        self.publish("dub", "ada", "audio", "Low Tide (night dub)", data=m.wav("A3 C4 E4 A3 G3 C4 D4 E4", beat=0.4),
                     content_type="audio/wav", filename="low-tide-dub.wav", sources=("tide",), tags=["dub"])
        self.publish("rooftops", "eli", "photo", "Rooftops, Blue Hour", data=m.jpeg(palette="dusk", seed=6),
                     content_type="image/jpeg", filename="rooftops.jpg", tags=["city"])
        self.publish("tram", "dev", "text", "Last Tram", tags=["poem"],
                     body="The last tram hums the harbour's name\nand every window answers.")
        self.log(f"demo: {len(self.records)} records in every kind, a collaboration and remixes three levels deep")

    def hearts(self) -> None:
        given = {
            "lantern": ["ada", "ben", "dev", "eli", "fay"], "film": ["ada", "cleo", "dev", "pat"],
            "keeper": ["cleo", "fay", "ben"], "tide": ["ben", "eli"], "flicker": ["cleo", "ada", "dev"],
            "study2": ["fay", "eli"], "harbour": ["ben"], "dub": ["fay"],
        }
        for key, members in given.items():
            for handle in members:
                self.call("PUT", f"/records/{self.records[key]['id']}/heart", handle)
        self.log(f"demo: {sum(map(len, given.values()))} hearts")

    # --- money -----------------------------------------------------------------------------------

    def production(self) -> dict:
        production = self.call("POST", "/productions", "pat", json={
            "title": "Night Market — the zine", "format": "book", "currency": "USD",
            "collaboration_id": self.collaboration["id"],
            "products": [{"provider": "stripe", "product_id": STRIPE_PRODUCT},
                         {"provider": "shopify", "product_id": str(SHOPIFY_PRODUCT)}]})
        contributions = [("keeper", 3), ("study2", 2), ("film", 2)]
        self.call("PUT", f"/productions/{production['id']}/contributions", "pat", json={"contributions": [
            {"record_id": self.records[key]["id"], "weight": weight} for key, weight in contributions]})
        self.production_id = production["id"]
        # Through a payment proposal: one objection, answered, then the release once the window closed.
        with self.a_window_ago():
            self.propose(production["id"])
            objection = self.call("POST", f"/productions/{production['id']}/proposal/objections", "dev", json={
                "kind": "credit", "record_id": self.records["film"]["id"],
                "body": "The film's soundtrack should be credited too."})
            self.call("POST", f"/productions/{production['id']}/proposal/objections/{objection['id']}/answer", "pat",
                      json={"decision": "accepted", "body": "It is: the film's lineage carries it."})
        self.wait_for_window(production["id"])
        released = self.call("POST", f"/productions/{production['id']}/release", "pat")
        self.log("demo: a production released through its payment proposal (one objection, answered)")
        return released

    def open_proposal(self) -> dict:
        """A second production, left under an open payment proposal with an unanswered objection."""
        production = self.call("POST", "/productions", "pat", json={
            "title": "Harbour Lights — the album", "format": "album", "currency": "USD"})
        self.call("PUT", f"/productions/{production['id']}/contributions", "pat", json={"contributions": [
            {"record_id": self.records[key]["id"], "weight": weight} for key, weight in (("tide", 2), ("dub", 1))]})
        self.propose(production["id"])
        self.call("POST", f"/productions/{production['id']}/proposal/objections", "eli", json={
            "kind": "missing_contribution", "record_id": self.records["harbour"]["id"],
            "body": "My harbour photographs are on the album's cover; they should be a contribution."})
        self.log("demo: a payment proposal open for objections, with one waiting for its answer")
        return production

    def a_window_ago(self):
        """In the stack's own process (`make demo`): a context in which the proposals' clock is one
        window back, so the proposal opened then and its release happens today (a clock moved
        forward for the release would date it in the future). Elsewhere, now."""
        import contextlib

        return self.move_clock() if self.move_clock is not None else contextlib.nullcontext()

    def wait_for_window(self, production_id: str) -> None:
        """Until the proposal's window has closed: at once when it opened a window ago; against
        another process, a short window (REMIXERY_PROPOSAL_WINDOW_SECONDS)."""
        proposal = self.call("GET", f"/productions/{production_id}/proposal")
        closes = datetime.strptime(proposal["closes_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
        wait = (closes - datetime.now(timezone.utc)).total_seconds()
        if wait > 120:
            raise DemoError(f"the proposal's window closes in {wait:.0f} s: seed a stack started with a short "
                            "window (REMIXERY_PROPOSAL_WINDOW_SECONDS=5 make dev), or use make demo")
        time.sleep(max(0.0, wait) + 0.1)

    def sales(self, period_start: datetime, period: str) -> None:
        """Stripe and Shopify report sales (and a refund) dated inside `period`; one more sale
        arrives this month, after the close."""
        stamp = lambda day, hour=12: period_start.replace(day=day, hour=hour)  # noqa: E731
        for n, (day, amount) in enumerate([(3, 2400), (9, 2400), (17, 4800), (24, 2400)], start=1):
            self.stripe("checkout.session.completed", stamp(day), {
                "id": f"cs_demo_{n}", "object": "checkout.session", "amount_total": amount, "currency": "usd",
                "payment_intent": f"pi_demo_{n}", "payment_status": "paid", "status": "complete",
                "metadata": {"product_id": STRIPE_PRODUCT}})
        self.stripe("charge.refunded", stamp(25), {
            "id": "ch_demo_2", "object": "charge", "amount": 2400, "amount_refunded": 2400, "currency": "usd",
            "payment_intent": "pi_demo_2", "refunded": True, "status": "succeeded"})
        self.shopify("orders/paid", {
            "id": 55_001, "currency": "USD", "financial_status": "paid",
            "created_at": stamp(12).isoformat(), "processed_at": stamp(12).isoformat(),
            "line_items": [{"id": 1, "product_id": SHOPIFY_PRODUCT, "title": "Night Market zine", "price": "18.00",
                            "quantity": 3, "total_discount": "4.00"}]})
        self.call("POST", f"/productions/{self.production_id}/costs", "pat", json={
            "amount": {"amount": 1500, "currency": "USD"}, "description": "Printing proofs",
            "incurred_on": stamp(5).date().isoformat()})
        now = datetime.now(timezone.utc)
        self.stripe("checkout.session.completed", now, {
            "id": "cs_demo_now", "object": "checkout.session", "amount_total": 2400, "currency": "usd",
            "payment_intent": "pi_demo_now", "payment_status": "paid", "status": "complete",
            "metadata": {"production_id": self.production_id}})
        self.log(f"demo: Stripe and Shopify sales, a refund and a cost in {period}, one more sale this month")

    def stripe(self, event_type: str, created: datetime, obj: dict) -> None:
        body = json.dumps({"id": f"evt_demo_{obj['id']}_{event_type}", "object": "event", "type": event_type,
                           "created": int(created.timestamp()), "data": {"object": obj}, "livemode": False}).encode()
        secret = _first(os.environ.get("REMIXERY_STRIPE_WEBHOOK_SECRET") or "whsec_remixery_local")
        t = int(time.time())
        signature = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
        self.call("POST", "/webhooks/stripe", data=body, expect=(200,),
                  headers={"Stripe-Signature": f"t={t},v1={signature}", "Content-Type": "application/json"})

    def shopify(self, topic: str, payload: dict) -> None:
        body = json.dumps(payload).encode()
        secret = _first(os.environ.get("REMIXERY_SHOPIFY_WEBHOOK_SECRET") or "shpss_remixery_local")
        digest = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
        self.call("POST", "/webhooks/shopify", data=body, expect=(200,), headers={
            "X-Shopify-Hmac-Sha256": digest, "X-Shopify-Topic": topic, "Content-Type": "application/json",
            "X-Shopify-Webhook-Id": f"wh_demo_{payload['id']}_{topic.replace('/', '_')}"})

    def close_period(self, period: str, seconds: float = 60) -> dict:
        self.call("POST", "/royalty-runs", "admin", json={"period": period}, expect=(200, 202))
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            run = self.call("GET", f"/royalty-runs/{period}", "admin")
            if run["status"] == "closed":
                self.log(f"demo: royalty period {period} closed; statements are out")
                return run
            time.sleep(0.3)
        raise DemoError(f"the royalty run of {period} did not close in {seconds} s")


def _first(secrets: str) -> str:
    return secrets.split(",")[0].strip()


def last_month(now: datetime | None = None) -> tuple[datetime, str]:
    """The first instant of the month before `now` (UTC) and its period, `YYYY-MM`."""
    now = now or datetime.now(timezone.utc)
    start = (now.replace(day=1, hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)).replace(day=1)
    return start, start.strftime("%Y-%m")


def seed(api: str, log=print, move_clock=None) -> Demo:
    """Seeds the stack at `api` (an empty one: handles must be free). Returns what it made."""
    started = time.monotonic()
    demo = Demo(api.rstrip("/"), log=log, move_clock=move_clock)
    demo.register()
    demo.seed_records()
    demo.hearts()
    demo.production()
    demo.open_proposal()
    period_start, period = last_month()
    demo.sales(period_start, period)
    demo.close_period(period)
    demo.period = period
    log(f"demo: seeded in {time.monotonic() - started:.1f} s")
    return demo


def _proposals_clock_a_window_back():
    """The proposals' clock of this process (the stack `make demo` runs), a window and a second back."""
    from unittest import mock

    from chalicelib.config import get_settings
    from chalicelib.domain.clock import utcnow

    back = timedelta(seconds=get_settings().proposal_window_seconds + 1)
    return mock.patch("chalicelib.logic.proposals.utcnow", lambda: utcnow() - back)


def seed_in_background(api: str, site_url: str) -> threading.Thread:
    """For `python -m local --demo`: seeds once the stack serves, then says where to look."""

    def run() -> None:
        try:
            demo = seed(api, log=lambda line: print(line, flush=True), move_clock=_proposals_clock_a_window_back)
        except Exception:
            traceback.print_exc()
            print("demo: seeding failed (above); the stack keeps running", flush=True)
            return
        print(f"\nDemo ready: open {site_url}\n"
              f"  sign in as ada, ben, cleo, dev, eli or fay (members) or pat (tick Producer);\n"
              f"  statements for {demo.period} are under Statements once signed in.\n", flush=True)

    thread = threading.Thread(target=run, name="demo-seed", daemon=True)
    thread.start()
    return thread


def main() -> int:
    parser = argparse.ArgumentParser(description="Seed a running local stack with the demo community.")
    parser.add_argument("--api", default="http://127.0.0.1:8000", help="the stack's API URL")
    args = parser.parse_args()
    try:
        seed(args.api)
    except DemoError as e:
        print(f"demo: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
