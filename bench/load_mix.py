"""A bounded mixed load over loopback: feed reads, record creation, hearts and store webhooks for
a fixed time, then every count checked exactly.

This process starts the embedded AWS, serves the app with Chalice's threaded local server on a
free loopback port and runs the event pump (as `python -m local` does: heart recounts and
uploads are delivered while the load runs). It registers `--members` members, a producer with a
released production and a few records (not timed), then `--threads` client threads, each with
one keep-alive connection, send requests for `--seconds` (default 60), each picking its next
request at random by weight:

    feed read   45%   GET /records, GET /trending or GET /members/{handle}/records
    create      15%   POST /records (text)
    heart       25%   PUT /records/{id}/heart (a member on someone else's record)
    webhook     15%   POST /webhooks/stripe: a signed sale of the production; one in five is a
                      redelivery of an earlier event (answered "duplicate", booked once)

No request is sent after the time is up (unless no heart or webhook has been answered yet: then
the mix runs on until one has, at most `MAX_EXTRA_SECONDS` more); each one sent is given `TIMEOUT_SECONDS` to answer.
Then the pump drains the heart queue and the service is checked against what the clients saw:
every answer had its expected status (zero errors); every record's `heart_count` equals the
distinct members whose PUT was answered 200; the feed lists exactly the records created; the
production's gross and its ledger equal the distinct sales answered 200, to the cent.

Throughput and latency (p50/p99 per kind) are printed, not budgeted: client, server and the
emulator share this interpreter and its GIL, and the emulator serialises DynamoDB requests
(`local/aws.py`), so they describe this machine and the emulator, not DynamoDB. The budget is
exactness: zero errors and every count exact.

    python -m bench.load_mix --seconds 60 --threads 8
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from bench.support import expect_http, measure_and_report, percentile, run_fresh, served_app

DEFAULT_SECONDS = 60
MAX_EXTRA_SECONDS = 60
DEFAULT_THREADS = 8
DEFAULT_MEMBERS = 40
SEED_RECORDS = 20
TIMEOUT_SECONDS = 60
DRAIN_LIMIT_SECONDS = 120
WEIGHTS = {"feed": 45, "create": 15, "heart": 25, "webhook": 15}
REDELIVERY_SHARE = 0.2
STRIPE_SECRET = "whsec_remixery_local"  # the local stage's documented default


@dataclass
class Tally:
    """What the clients saw, per kind of request."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)  # (kind, status) -> requests
    hearts: set[tuple[str, str]] = field(default_factory=set)  # (member, record) answered 200
    created: list[str] = field(default_factory=list)  # records answered 201
    sales: dict[str, int] = field(default_factory=dict)  # event id -> amount, answered 200
    outcomes: Counter = field(default_factory=Counter)  # webhook outcome -> deliveries
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass(frozen=True)
class Result:
    seconds: float  # asked for
    threads: int
    elapsed: float  # first request sent to last answer
    latencies: dict[str, tuple[float, ...]]
    errors: tuple[str, ...]
    outcomes: dict[str, int]
    drain_seconds: float
    records_expected: int
    records_listed: int
    heart_mismatches: tuple[str, ...]  # "record: heart_count x, expected y"
    hearts_expected: int
    gross_expected: int
    gross: int
    ledger_expected: int
    ledger: int

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values()) + len(self.errors)

    @property
    def throughput(self) -> float:
        return self.requests / self.elapsed if self.elapsed else 0.0

    @property
    def problems(self) -> list[str]:
        found = [f"{len(self.errors)} error(s), first: {self.errors[0]}"] if self.errors else []
        if self.records_listed != self.records_expected:
            found.append(f"the feed lists {self.records_listed} records, {self.records_expected} were created")
        found += [f"heart_count of {m}" for m in self.heart_mismatches[:5]]
        if self.gross != self.gross_expected:
            found.append(f"gross {self.gross} != {self.gross_expected} (the distinct sales answered 200)")
        if self.ledger != self.ledger_expected:
            found.append(f"{self.ledger} ledger entries != {self.ledger_expected} distinct sales")
        if not self.latencies.get("webhook") or not self.latencies.get("heart"):
            found.append("the mix sent no heart or no webhook: too short to say anything")
        return found

    @property
    def passed(self) -> bool:
        return not self.problems


def report(result: Result) -> bool:
    print(f"load mix: {result.threads} threads for {result.seconds:g} s over loopback "
          f"(feed {WEIGHTS['feed']}%, create {WEIGHTS['create']}%, heart {WEIGHTS['heart']}%, "
          f"webhook {WEIGHTS['webhook']}% with {REDELIVERY_SHARE:.0%} redeliveries)")
    print(f"  {'request':<10} {'count':>7} {'p50 ms':>8} {'p99 ms':>8}")
    everything = []
    for kind in WEIGHTS:
        values = result.latencies.get(kind, ())
        everything += values
        print(f"  {kind:<10} {len(values):>7} {percentile(values, 50) * 1000:>8.1f} {percentile(values, 99) * 1000:>8.1f}")
    print(f"  {'all':<10} {len(everything):>7} {percentile(everything, 50) * 1000:>8.1f} "
          f"{percentile(everything, 99) * 1000:>8.1f}")
    print(f"  throughput {result.throughput:.1f} requests/s over {result.elapsed:.1f} s; errors {len(result.errors)}")
    print(f"  webhooks: {result.outcomes.get('taken', 0)} taken, {result.outcomes.get('duplicate', 0)} duplicate")
    print(f"  after a {result.drain_seconds:.1f} s drain: {result.records_listed}/{result.records_expected} records "
          f"listed, {result.hearts_expected} hearts with {len(result.heart_mismatches)} count mismatches, "
          f"gross {result.gross}/{result.gross_expected}, ledger {result.ledger}/{result.ledger_expected} entries")
    for problem in result.problems:
        print(f"  FAIL: {problem}")
    print(f"  verdict: {'PASS' if result.passed else 'FAIL'} (budget: zero errors, every count exact)")
    return result.passed


def run(runs: int = 9) -> bool:
    """Measures in a fresh interpreter (see `bench.support.run_fresh`); `runs` does not apply."""
    return run_fresh("bench.load_mix")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load_mix", description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=DEFAULT_SECONDS)
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS)
    parser.add_argument("--members", type=int, default=DEFAULT_MEMBERS)
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args(argv)
    return measure_and_report(lambda: measure(args.seconds, args.threads, args.members, args.seed), report)


def measure(seconds: float, threads: int, members: int, seed: int) -> Result:
    import boto3

    from local.pump import EventPump

    with served_app() as (base_url, app):
        pump = EventPump(app, boto3.client("sqs"))
        pump.start()
        try:
            return _measure(base_url, pump, seconds, threads, members, seed)
        finally:
            pump.stop()


def _window_closed():
    """The proposals' clock of this process (the app is served here) past the window."""
    from datetime import timedelta
    from unittest import mock

    from chalicelib.config import get_settings
    from chalicelib.domain.clock import utcnow

    ahead = timedelta(seconds=get_settings().proposal_window_seconds + 1)
    return mock.patch("chalicelib.logic.proposals.utcnow", lambda: utcnow() + ahead)


class _Client:
    """One keep-alive session per thread, ignoring proxy settings (loopback)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._local = threading.local()

    def request(self, method: str, path: str, token: str | None = None, json_body=None, data: bytes | None = None,
                headers: dict | None = None):
        session = getattr(self._local, "session", None)
        if session is None:
            import requests

            session = self._local.session = requests.Session()
            session.trust_env = False
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Bearer {token}"
        return session.request(method, f"{self.base_url}{path}", json=json_body, data=data, headers=sent,
                               timeout=TIMEOUT_SECONDS)


def _stripe_delivery(production_id: str, event_id: str, amount: int) -> tuple[bytes, dict]:
    import hashlib
    import hmac

    session = {"id": f"cs_{event_id}", "object": "checkout.session", "amount_total": amount, "currency": "usd",
               "metadata": {"production_id": production_id}, "payment_intent": f"pi_{event_id}",
               "payment_status": "paid", "status": "complete"}
    raw = json.dumps({"id": event_id, "object": "event", "created": int(time.time()), "data": {"object": session},
                      "type": "checkout.session.completed"}).encode()
    t = int(time.time())
    signature = hmac.new(STRIPE_SECRET.encode(), f"{t}.".encode() + raw, hashlib.sha256).hexdigest()
    return raw, {"Stripe-Signature": f"t={t},v1={signature}", "Content-Type": "application/json"}


def _measure(base_url: str, pump, seconds: float, threads: int, members: int, seed: int) -> Result:
    from local.tokens import mint

    client = _Client(base_url)

    # --- the world (not timed) -----------------------------------------------------------------
    tokens = {}
    for n in range(members):
        handle = f"member{n:03d}"
        tokens[handle] = mint(f"sub-{handle}")
        expect_http(client.request("POST", "/members", tokens[handle], {"handle": handle, "display_name": handle}), 201)
    producer = mint("sub-producer", ["producer"])
    expect_http(client.request("POST", "/members", producer, {"handle": "producer", "display_name": "P"}), 201)
    handles = list(tokens)
    tally = Tally()
    records: list[tuple[str, str]] = []  # (id, owner handle), grows as records are created
    for n in range(SEED_RECORDS):
        owner = handles[n % len(handles)]
        record = expect_http(client.request("POST", "/records", tokens[owner], {"kind": "text", "title": f"Seed {n}",
                                                                           "body": "!"}), 201)["record"]["id"]
        records.append((record, owner))
        tally.created.append(record)
    production = expect_http(client.request("POST", "/productions", producer, {
        "title": "Load", "format": "album", "currency": "USD"}), 201)["id"]
    expect_http(client.request("PUT", f"/productions/{production}/contributions", producer,
                          {"contributions": [{"record_id": records[0][0], "weight": 1}]}), 200)
    expect_http(client.request("POST", f"/productions/{production}/proposal", producer), 201)
    with _window_closed():  # release through the payment proposal, its window passed on the proposals' clock
        expect_http(client.request("POST", f"/productions/{production}/release", producer), 200)
    records_lock = threading.Lock()

    # --- the mix -------------------------------------------------------------------------------
    kinds = list(WEIGHTS)
    deadline = time.perf_counter() + seconds
    event_serial = iter(range(10**9))

    def step(rng: random.Random) -> None:
        kind = rng.choices(kinds, weights=[WEIGHTS[k] for k in kinds])[0]
        handle = rng.choice(handles)
        if kind == "feed":
            path = rng.choice(["/records?limit=20", "/trending?window=day", f"/members/{rng.choice(handles)}/records"])
            send, status = (lambda: client.request("GET", path, tokens[handle] if rng.random() < 0.5 else None)), 200
        elif kind == "create":
            body = {"kind": "text", "title": f"Load {rng.random():.6f}", "body": "Under load."}
            send, status = (lambda: client.request("POST", "/records", tokens[handle], body)), 201
        elif kind == "heart":
            with records_lock:
                candidates = [(r, o) for r, o in rng.sample(records, min(5, len(records))) if o != handle]
            if not candidates:
                return
            record = candidates[0][0]
            send, status = (lambda: client.request("PUT", f"/records/{record}/heart", tokens[handle])), 200
        else:
            with tally.lock:
                earlier = list(tally.sales.items())
            if earlier and rng.random() < REDELIVERY_SHARE:
                event_id, amount = rng.choice(earlier)
            else:
                event_id, amount = f"evt_load_{seed}_{next(event_serial):07d}", rng.randint(100, 99_999)
            raw, headers = _stripe_delivery(production, event_id, amount)
            send, status = (lambda: client.request("POST", "/webhooks/stripe", data=raw, headers=headers)), 200
        sent = time.perf_counter()
        try:
            response = send()
        except Exception as e:  # noqa: BLE001 - a transport failure is an error to count, not to stop on
            with tally.lock:
                tally.errors.append(f"{kind}: {type(e).__name__}: {e}"[:300])
            return
        took = time.perf_counter() - sent
        with tally.lock:
            tally.statuses[(kind, response.status_code)] += 1
            if response.status_code != status:
                tally.errors.append(f"{kind}: {response.status_code} {response.text[:200]}")
                return
            tally.latencies[kind].append(took)
            if kind == "create":
                tally.created.append(response.json()["record"]["id"])
            elif kind == "heart":
                tally.hearts.add((handle, record))
            elif kind == "webhook":
                tally.sales[event_id] = amount
                tally.outcomes[response.json()["outcome"]] += 1
        if kind == "create":
            with records_lock:
                records.append((response.json()["record"]["id"], handle))

    def every_kind_answered() -> bool:
        with tally.lock:
            return {kind for kind, _ in tally.statuses} >= {"heart", "webhook"}

    def worker(n: int) -> None:
        rng = random.Random(seed * 1000 + n)
        # On a loaded machine a short mix may end before it sent a heart and a webhook: it
        # runs on until it has (at most MAX_EXTRA_SECONDS more), so that it can say something.
        while time.perf_counter() < deadline or (not every_kind_answered()
                                                 and time.perf_counter() < deadline + MAX_EXTRA_SECONDS):
            step(rng)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="load") as pool:
        list(pool.map(worker, range(threads)))
    elapsed = time.perf_counter() - started

    # --- the checks ----------------------------------------------------------------------------
    drain_started = time.perf_counter()
    expected_hearts = Counter(record for _, record in tally.hearts)
    mismatches = _drain_until_counted(client, pump, expected_hearts, [r for r, _ in records])
    drain_seconds = time.perf_counter() - drain_started
    listed = _count_feed(client)
    totals = expect_http(client.request("GET", f"/productions/{production}"), 200)["totals"]
    ledger = _count_ledger(client, producer, production)
    return Result(
        seconds=seconds, threads=threads, elapsed=elapsed,
        latencies={k: tuple(v) for k, v in tally.latencies.items()}, errors=tuple(tally.errors),
        outcomes=dict(tally.outcomes), drain_seconds=drain_seconds, records_expected=len(tally.created),
        records_listed=listed, heart_mismatches=tuple(mismatches), hearts_expected=len(tally.hearts),
        gross_expected=sum(tally.sales.values()), gross=totals["gross"]["amount"],
        ledger_expected=len(tally.sales), ledger=ledger,
    )


def _drain_until_counted(client, pump, expected: Counter, record_ids: list[str]) -> list[str]:
    """Delivers the heart queue until every record's heart_count is what the clients saw (or the
    time is up); the mismatches left."""
    deadline = time.perf_counter() + DRAIN_LIMIT_SECONDS
    while True:
        pump.drain(max_rounds=10_000)
        mismatches = []
        for record_id in record_ids:
            count = expect_http(client.request("GET", f"/records/{record_id}"), 200)["heart_count"]
            if count != expected.get(record_id, 0):
                mismatches.append(f"{record_id}: heart_count {count}, expected {expected.get(record_id, 0)}")
        if not mismatches or time.perf_counter() > deadline:
            return mismatches
        time.sleep(0.5)


def _count_feed(client) -> int:
    listed, cursor = 0, None
    while True:
        page = expect_http(client.request("GET", "/records?limit=100" + (f"&cursor={cursor}" if cursor else "")), 200)
        listed += len(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            return listed


def _count_ledger(client, token: str, production: str) -> int:
    entries, cursor = 0, None
    while True:
        page = expect_http(client.request("GET", f"/productions/{production}/ledger?limit=100"
                                     + (f"&cursor={cursor}" if cursor else ""), token), 200)
        entries += len(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            return entries


if __name__ == "__main__":
    sys.exit(main())
