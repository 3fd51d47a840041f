"""One viral record: hundreds of members heart it at once, over real HTTP; the count is exact.

This process starts the embedded AWS and serves the app with Chalice's threaded local server
on a free loopback port (as `tests/e2e/conftest.py` does), registers an owner, one text record
and `MEMBERS` fans (not timed), then fires every fan's `PUT /records/{id}/heart` from a pool of
`THREADS` threads, each keeping one connection alive. The burst is bounded in count (one heart
per fan) and in time: no request is sent after `TIME_LIMIT_SECONDS`, and one that was sent is
given as long again to answer. Each fan's heart is its first request, so its identity is read
once, as a container that never saw it would.

The budget is exactness: every heart answered 200, and once the heart queue is drained through
the event pump (`EventPump.drain`, as Lambda's SQS source would deliver it), `heart_count` on
GET /records/{id} and the owner's `heart_count_received` are both exactly `MEMBERS`, as is the
sum of the record's 16 counter shards (read with boto3), each holding the fans that
`shard_of` sends to it. The drain starts once the server is handling no request, so a heart
whose client gave up cannot still be on its way.

Hearts/s is reported, not budgeted: moto, the server and the client share this interpreter (and
its GIL) on whatever machine runs it, and the emulator serialises DynamoDB requests (see
`local.aws`) and deep-copies the table for every TransactWriteItems, so the rate falls as the
table grows and is no forecast of DynamoDB. To make it mean something, the same pool fires as
many `GET /health` at the same server just before and just after the burst (a request that does
no I/O), and the ratio hearts/s : health/s is printed.

Runs in a fresh interpreter (`python -m bench.hot_record`) for the reasons given in
`record_round_trips`.
"""
from __future__ import annotations

import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable

from bench.support import LOOPBACK, expect_http, measure_and_report, percentile, run_fresh, served_app
from chalicelib.domain.hearts import SHARDS

MEMBERS = 300  # 400 took 48-52 s of the 60 s on 2 cores: too close to the bound to be a verdict
THREADS = 32
TIME_LIMIT_SECONDS = 60  # no request of a burst is sent later; one sent waits as long for its answer
IDLE_LIMIT_SECONDS = 60  # for the server to finish what it was handling when the burst ended
DRAIN_LIMIT_SECONDS = 60
OWNER = "hot"
NOT_SENT = "not sent (time limit)"


@dataclass(frozen=True)
class Burst:
    label: str
    requests: int  # asked for
    outcomes: dict[str, int]  # HTTP status (or exception name, or NOT_SENT) -> requests
    latencies: tuple[float, ...]  # seconds, of the requests answered with the expected status
    seconds: float  # wall time, first request sent to last answer
    sample: str | None = None  # the first unexpected answer, for the diagnosis

    @property
    def answered(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.answered / self.seconds if self.seconds else 0.0

    def percentile_ms(self, p: float) -> float:
        return percentile(self.latencies, p) * 1000


@dataclass(frozen=True)
class Result:
    members: int
    threads: int
    registration_seconds: float
    baselines: tuple[Burst, ...]  # GET /health, before and after the hearts
    hearts: Burst
    unwritten: int  # answers the server could not write: their client had given up
    delivered: int  # heart-count messages the pump delivered (one per new heart is expected)
    drain_seconds: float
    heart_count: int  # GET /records/{id}
    heart_count_received: int  # GET /members/{owner}
    shards: dict[int, int]  # shard number -> its `count`
    expected_shards: dict[int, int]  # shard number -> fans that `shard_of` sends to it

    @property
    def stored(self) -> int:
        """Hearts the shards hold: each sent one message to the heart-count function."""
        return sum(self.shards.values())

    @property
    def baseline_rate(self) -> float:
        seconds = sum(b.seconds for b in self.baselines)
        return sum(b.answered for b in self.baselines) / seconds if seconds else 0.0

    @property
    def ratio(self) -> float:
        return self.hearts.rate / self.baseline_rate if self.baseline_rate else 0.0

    @property
    def problems(self) -> list[str]:
        found = []
        if self.hearts.answered != self.members:
            found.append(f"{self.hearts.answered} of {self.members} hearts answered 200")
        if self.heart_count != self.members:
            found.append(f"heart_count {self.heart_count} != {self.members}")
        if self.heart_count_received != self.members:
            found.append(f"heart_count_received {self.heart_count_received} != {self.members}")
        if self.stored != self.members:
            found.append(f"the shards sum to {self.stored} != {self.members}")
        if not self.shards_as_predicted:
            found.append("the shards do not hold the hearts shard_of sends them")
        return found

    @property
    def shards_as_predicted(self) -> bool:
        def held(shards: dict[int, int]) -> dict[int, int]:
            return {shard: n for shard, n in shards.items() if n}

        return held(self.shards) == held(self.expected_shards)

    @property
    def passed(self) -> bool:
        return not self.problems


def run(runs: int = 9) -> bool:
    """Measures in a fresh interpreter (see the module's doc); `runs` does not apply here."""
    return run_fresh("bench.hot_record")


def measure() -> Result:
    """Starts the embedded AWS and the local server on a free loopback port, then the bursts."""
    watch = _ServerWatch()
    with served_app(watch.handler_class) as (base_url, app):
        return _measure(base_url, app, watch)


class _ServerWatch:
    """What the local server is doing: requests in its handler now, answers it could not write."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.unwritten = 0
        self._changed = threading.Condition()

    def handler_class(self, base):
        """`base` (Chalice's request handler), counted, and quiet: no stderr line per request,
        and no traceback for an answer whose client has gone (it is counted instead)."""
        watch = self

        class WatchedRequestHandler(base):
            def _watched(self) -> None:
                with watch._changed:
                    watch.in_flight += 1
                try:
                    base._generic_handle(self)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True
                    with watch._changed:
                        watch.unwritten += 1
                finally:
                    with watch._changed:
                        watch.in_flight -= 1
                        watch._changed.notify_all()

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _watched

            def log_message(self, format, *args) -> None:
                pass

        return WatchedRequestHandler

    def wait_idle(self, seconds: float) -> None:
        with self._changed:
            if not self._changed.wait_for(lambda: self.in_flight == 0, timeout=seconds):
                raise RuntimeError(f"the server still handles {self.in_flight} requests after {seconds} s")


class _Http:
    """One keep-alive `requests.Session` per pool thread, ignoring proxy settings (loopback)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._local = threading.local()
        self._sessions = []
        self._lock = threading.Lock()

    def request(self, method: str, path: str, token: str | None = None, json_body: dict | None = None,
                timeout: float = TIME_LIMIT_SECONDS):
        session = getattr(self._local, "session", None)
        if session is None:
            import requests

            session = self._local.session = requests.Session()
            session.trust_env = False
            with self._lock:
                self._sessions.append(session)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return session.request(method, f"{self.base_url}{path}", json=json_body, headers=headers, timeout=timeout)

    def close(self) -> None:
        with self._lock:
            for session in self._sessions:
                session.close()


def _measure(base_url: str, app, watch: _ServerWatch) -> Result:
    import boto3

    from chalicelib.config import get_settings
    from chalicelib.domain.hearts import shard_of
    from local.pump import EventPump
    from local.tokens import mint

    http = _Http(base_url)

    def register(handle: str) -> str:
        token = mint(f"sub-{handle}")
        expect_http(http.request("POST", "/members", token, {"handle": handle, "display_name": handle}), 201)
        return token

    def new_record(owner: str, title: str) -> str:
        body = {"kind": "text", "title": title, "body": "!"}
        return expect_http(http.request("POST", "/records", owner, body), 201)["record"]["id"]

    settings = get_settings()
    sqs = boto3.client("sqs")
    pump = EventPump(app, sqs)
    try:
        with ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="hot-record") as pool:
            record_id = new_record(register(OWNER), "Viral")
            started = time.perf_counter()
            fans = list(pool.map(lambda n: register(f"fan{n:04d}"), range(MEMBERS)))
            registration_seconds = time.perf_counter() - started

            # Unmeasured: every thread's connection, the heart path's imports and clients (on a
            # record of another owner), and the queues emptied (the bucket's S3 test event).
            list(pool.map(lambda _: expect_http(http.request("GET", "/health"), 200), range(4 * THREADS)))
            warm_up_record = new_record(register(f"{OWNER}_warm_up"), "Warm-up")
            expect_http(http.request("PUT", f"/records/{warm_up_record}/heart", register("fan_warm_up")), 200)
            pump.drain(max_rounds=10_000)

            def health(n: int, timeout: float):
                return http.request("GET", "/health", timeout=timeout)

            def heart(n: int, timeout: float):
                return http.request("PUT", f"/records/{record_id}/heart", fans[n], timeout=timeout)

            before = _burst(pool, "GET /health (before)", health, MEMBERS)
            hearts = _burst(pool, "PUT /records/{id}/heart", heart, MEMBERS)
            after = _burst(pool, "GET /health (after)", health, MEMBERS)

        watch.wait_idle(IDLE_LIMIT_SECONDS)
        started = time.perf_counter()
        delivered = _drain(pump, sqs, settings.heart_queue)
        drain_seconds = time.perf_counter() - started

        heart_count = expect_http(http.request("GET", f"/records/{record_id}"), 200)["heart_count"]
        received = expect_http(http.request("GET", f"/members/{OWNER}"), 200)["heart_count_received"]
        shards = _shard_counts(boto3.client("dynamodb"), settings.table_name, record_id)
    finally:
        http.close()
    expected = Counter(shard_of(f"sub-fan{n:04d}") for n in range(MEMBERS))
    return Result(MEMBERS, THREADS, registration_seconds, (before, after), hearts, unwritten=watch.unwritten,
                  delivered=delivered, drain_seconds=drain_seconds, heart_count=heart_count,
                  heart_count_received=received, shards=shards, expected_shards=dict(expected))


def _burst(pool: ThreadPoolExecutor, label: str, send: Callable[[int, float], object], count: int,
           status: int = 200) -> Burst:
    """`count` requests through the pool, none sent after `TIME_LIMIT_SECONDS` (each sent one
    waits as long again for its answer)."""
    import requests

    deadline = time.perf_counter() + TIME_LIMIT_SECONDS

    def one(n: int) -> tuple[str, float | None, str | None]:
        sent = time.perf_counter()
        if sent > deadline:
            return NOT_SENT, None, None
        try:
            response = send(n, TIME_LIMIT_SECONDS)
        except requests.RequestException as e:
            return type(e).__name__, None, repr(e)[:300]
        took = time.perf_counter() - sent
        if response.status_code != status:
            return str(response.status_code), None, f"{response.status_code}: {response.text[:300]}"
        return str(status), took, None

    started = time.perf_counter()
    results = list(pool.map(one, range(count)))
    seconds = time.perf_counter() - started
    return Burst(label, count, dict(Counter(outcome for outcome, _, _ in results)),
                 tuple(took for _, took, _ in results if took is not None), seconds,
                 next((sample for _, _, sample in results if sample), None))


def _drain(pump, sqs, queue: str) -> int:
    """Delivers until the heart queue holds nothing, in flight included (a failed recount is
    redelivered a moment later); returns the messages delivered."""
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    deadline = time.monotonic() + DRAIN_LIMIT_SECONDS
    delivered = 0
    while True:
        delivered += pump.drain(max_rounds=10_000)
        counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
            "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
        if not any(int(n) for n in counts.values()):
            return delivered
        if time.monotonic() > deadline:
            raise RuntimeError(f"the heart queue still holds messages after {DRAIN_LIMIT_SECONDS} s: {counts}")
        time.sleep(0.5)


def _shard_counts(dynamodb, table: str, record_id: str) -> dict[int, int]:
    """The record's counter shards, read as stored: shard number -> `count`."""
    from chalicelib.domain.hearts import SHARDS
    from chalicelib.storage.models import HeartShardItem

    keys = {HeartShardItem.key(record_id, shard): shard for shard in range(SHARDS)}
    items = dynamodb.batch_get_item(RequestItems={table: {
        "Keys": [{"pk": {"S": pk}, "sk": {"S": sk}} for pk, sk in keys], "ConsistentRead": True}})["Responses"][table]
    return {keys[(item["pk"]["S"], item["sk"]["S"])]: int(item["count"]["N"]) for item in items}


def report(result: Result) -> bool:
    print(f"hot record: {result.members} members heart one record at once over HTTP "
          f"(chalice local on {LOOPBACK}, {result.threads} threads; no request sent after {TIME_LIMIT_SECONDS} s)")
    print(f"  registration (not timed): {result.members} members in {result.registration_seconds:.1f} s")
    bursts = (result.baselines[0], result.hearts, *result.baselines[1:])
    width = max(len(b.label) for b in bursts)
    print(f"  {'burst':<{width}}  answered  seconds    req/s  p50 ms  p99 ms  outcomes")
    for burst in bursts:
        outcomes = ", ".join(f"{o} x{n}" for o, n in sorted(burst.outcomes.items()))
        print(f"  {burst.label:<{width}}  {burst.answered:4d}/{burst.requests:<4d}  {burst.seconds:7.2f}  "
              f"{burst.rate:7.1f}  {burst.percentile_ms(50):6.1f}  {burst.percentile_ms(99):6.1f}  {outcomes}")
        if burst.sample:
            print(f"    first unexpected answer: {burst.sample}")
    print(f"  hearts/s : GET /health/s = {result.hearts.rate:.1f} : {result.baseline_rate:.1f} = "
          f"{result.ratio:.3f}  (reported, no budget)")
    if result.unwritten:
        print(f"  {result.unwritten} answers could not be written: their clients had given up")
    print(f"  heart queue: {result.delivered} messages delivered in {result.drain_seconds:.1f} s "
          f"for {result.stored} hearts stored (one message each"
          f"{'' if result.delivered == result.stored else '; NOT one each: lost messages or redeliveries'})")
    print(f"  heart_count on GET /records/{{id}}      {result.heart_count:6d}  expected {result.members}")
    print(f"  heart_count_received of the owner      {result.heart_count_received:6d}  expected {result.members}")
    counts = [result.shards.get(s, 0) for s in range(SHARDS)]
    mean = result.members / SHARDS
    print(f"  shards: {len(result.shards)} items, sum {sum(counts)}, min {min(counts)}, max {max(counts)} "
          f"(mean {mean:.1f}; max/mean {max(counts) / mean:.2f}); "
          f"{'as' if result.shards_as_predicted else 'NOT as'} shard_of predicts")
    print("    " + "  ".join(f"{s:02d}:{n}" for s, n in enumerate(counts)))
    verdict = "PASS" if result.passed else f"FAIL ({'; '.join(result.problems)})"
    print(f"  exact count (budget: == {result.members})  {verdict}")
    return result.passed


if __name__ == "__main__":
    sys.exit(measure_and_report(measure, report))
