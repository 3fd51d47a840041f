"""The feed under parallel callers: `GET /records?limit=20` on `make dev`, for 1, 4 and 16 callers.

This process starts `python -m local` (`make dev`: the app on Chalice's threaded local server,
the event pump, the embedded AWS) as a process of its own on free loopback ports, so the callers
do not share the served app's interpreter. It registers `--members` members and creates
`--records` text records, each member hearting a few (not timed), then for each caller count
runs that many caller threads for `--seconds`, each with one keep-alive connection, sending
`GET /records?limit=20` back to back: callers 0, 2, 4, ... send a member's token (their pages
carry `hearted_by_me`), the others none, so half of them are signed in. No request is sent after
the time is up; every answer must be a 200 with a full page. Requests/s and p50/p99 latency are
printed per caller count.

`--peer URL` sends the same load to another server of the same API in the same run (each caller
count measured on ours, then on the peer), seeding it through the same public API unless its
first page is already full, and prints our requests/s ÷ the peer's per caller count. The budget
is that ratio at 4 callers (the figure the issue was measured with): ≥ 5×. Without a peer the
figures are reported, not budgeted; the run fails only on an error.

    python -m bench.feed_throughput --seconds 10 --callers 1,4,16 [--peer http://127.0.0.1:9000]
"""
from __future__ import annotations

import argparse
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from bench.support import dev_stack, expect_http, percentile, run_fresh

PATH = "/records?limit=20"
PAGE = 20
DEFAULT_SECONDS = 10
DEFAULT_CALLERS = (1, 4, 16)
DEFAULT_MEMBERS = 8
DEFAULT_RECORDS = 60
HEARTS_PER_MEMBER = 5
BUDGET_CALLERS = 4
BUDGET_RATIO = 5.0
TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Level:
    """One caller count against one server."""

    callers: int
    elapsed: float  # first request sent to last answer
    latencies: tuple[float, ...]  # seconds, of the answers that were a 200 with a full page
    errors: tuple[str, ...]

    @property
    def requests(self) -> int:
        return len(self.latencies) + len(self.errors)

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def percentile_ms(self, p: float) -> float:
        return percentile(self.latencies, p) * 1000


@dataclass(frozen=True)
class Result:
    seconds: float
    ours: tuple[Level, ...]
    peer: tuple[Level, ...] | None = None  # the same caller counts, in the same order
    peer_url: str | None = None

    def ratio(self, callers: int) -> float:
        ours = next(level for level in self.ours if level.callers == callers)
        theirs = next(level for level in self.peer if level.callers == callers)
        return ours.throughput / theirs.throughput if theirs.throughput else float("inf")

    @property
    def problems(self) -> list[str]:
        found = []
        for name, levels in (("ours", self.ours), ("peer", self.peer or ())):
            for level in levels:
                if level.errors:
                    found.append(f"{name}, {level.callers} callers: {len(level.errors)} error(s), "
                                 f"first: {level.errors[0]}")
                elif not level.latencies:
                    found.append(f"{name}, {level.callers} callers: no request answered")
        if self.peer is not None and not found and self.ratio(BUDGET_CALLERS) < BUDGET_RATIO:
            found.append(f"at {BUDGET_CALLERS} callers ours is {self.ratio(BUDGET_CALLERS):.2f}x the peer's "
                         f"throughput (budget >= {BUDGET_RATIO:g}x)")
        return found

    @property
    def passed(self) -> bool:
        return not self.problems


def report(result: Result) -> bool:
    print(f"feed throughput: GET {PATH} on `make dev`, half the callers signed in, "
          f"{result.seconds:g} s per caller count over loopback")
    header = f"  {'callers':>7}  {'ours/s':>8} {'p50 ms':>7} {'p99 ms':>7}"
    if result.peer is not None:
        header += f"  {'peer/s':>8} {'p50 ms':>7} {'p99 ms':>7}  {'ratio':>6}"
    print(header)
    for index, ours in enumerate(result.ours):
        line = (f"  {ours.callers:>7}  {ours.throughput:>8.1f} {ours.percentile_ms(50):>7.1f} "
                f"{ours.percentile_ms(99):>7.1f}")
        if result.peer is not None:
            peer = result.peer[index]
            line += (f"  {peer.throughput:>8.1f} {peer.percentile_ms(50):>7.1f} {peer.percentile_ms(99):>7.1f}  "
                     f"{result.ratio(ours.callers):>5.2f}x")
            if ours.callers == BUDGET_CALLERS:
                line += f"  budget >= {BUDGET_RATIO:g}x"
        print(line)
    errors = sum(len(level.errors) for level in result.ours + (result.peer or ()))
    print(f"  requests {sum(level.requests for level in result.ours)} ours"
          + (f", {sum(level.requests for level in result.peer)} peer ({result.peer_url})" if result.peer else "")
          + f"; errors {errors}")
    for problem in result.problems:
        print(f"  FAIL: {problem}")
    budget = (f"ours >= {BUDGET_RATIO:g}x the peer's requests/s at {BUDGET_CALLERS} callers, zero errors"
              if result.peer is not None else "none without --peer (figures reported); zero errors")
    print(f"  verdict: {'PASS' if result.passed else 'FAIL'} (budget: {budget})")
    return result.passed


def caller_counts(text: str) -> tuple[int, ...]:
    """`1,4,16` → (1, 4, 16): positive, distinct, in the order given."""
    try:
        counts = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of caller counts: {text!r}") from None
    if any(n < 1 for n in counts) or len(set(counts)) != len(counts):
        raise argparse.ArgumentTypeError(f"caller counts must be positive and distinct: {text!r}")
    return counts


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.feed_throughput", description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=DEFAULT_SECONDS, help="per caller count and server")
    parser.add_argument("--callers", type=caller_counts, default=DEFAULT_CALLERS, help="comma-separated: 1,4,16")
    parser.add_argument("--members", type=int, default=DEFAULT_MEMBERS)
    parser.add_argument("--records", type=int, default=DEFAULT_RECORDS)
    parser.add_argument("--peer", metavar="URL", help="another server of the same API, measured in the same run")
    args = parser.parse_args(argv)
    if args.seconds <= 0:
        parser.error("--seconds must be positive")
    if args.records < PAGE:
        parser.error(f"--records must be at least a page ({PAGE})")
    if args.members < 1:
        parser.error("--members must be at least 1")
    if args.peer and BUDGET_CALLERS not in args.callers:
        parser.error(f"with --peer, --callers must include {BUDGET_CALLERS} (the budgeted figure)")
    if args.peer:
        args.peer = args.peer.rstrip("/")
    return args


def run(runs: int = 9) -> bool:
    """Measures in a fresh interpreter (see `bench.support.run_fresh`); `runs` does not apply."""
    return run_fresh("bench.feed_throughput")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with dev_stack() as base_url:
        result = measure(base_url, args.peer, args.callers, args.seconds, args.members, args.records)
    return 0 if report(result) else 1


def measure(base_url: str, peer_url: str | None, callers: tuple[int, ...], seconds: float, members: int,
            records: int) -> Result:
    from local.tokens import mint

    tokens = [mint(f"sub-feed{n:03d}") for n in range(members)]
    seed(base_url, tokens, records)
    if peer_url and len(_send(_session(), "GET", peer_url, PATH).json().get("items", ())) < PAGE:
        seed(peer_url, tokens, records)
    ours, peer = [], []
    for count in callers:
        ours.append(load(base_url, count, seconds, tokens))
        if peer_url:
            peer.append(load(peer_url, count, seconds, tokens))
    return Result(seconds=seconds, ours=tuple(ours), peer=tuple(peer) if peer_url else None, peer_url=peer_url)


def seed(base_url: str, tokens: list[str], records: int) -> None:
    """`len(tokens)` members, `records` text records, each member hearting a few of the others'."""
    session = _session()
    for n, token in enumerate(tokens):
        expect_http(_send(session, "POST", base_url, "/members", token,
                          {"handle": f"feed{n:03d}", "display_name": f"Feed {n}"}), 201)
    ids = []
    for n in range(records):
        owner = n % len(tokens)
        reply = expect_http(_send(session, "POST", base_url, "/records", tokens[owner],
                                  {"kind": "text", "title": f"Feed {n}", "body": "Read under load."}), 201)
        ids.append((reply["record"]["id"], owner))
    for member, token in enumerate(tokens):
        others = [record for record, owner in reversed(ids) if owner != member]
        for record in others[member:member + HEARTS_PER_MEMBER]:
            expect_http(_send(session, "PUT", base_url, f"/records/{record}/heart", token), 200)


def load(base_url: str, callers: int, seconds: float, tokens: list[str]) -> Level:
    """`callers` threads send GET /records?limit=20 back to back for `seconds`."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    ready = threading.Barrier(callers)

    def caller(n: int) -> None:
        session = _session()
        token = tokens[(n // 2) % len(tokens)] if n % 2 == 0 else None
        ready.wait()
        while time.perf_counter() < deadline:
            sent = time.perf_counter()
            try:
                response = _send(session, "GET", base_url, PATH, token)
                problem = None if response.status_code == 200 and len(response.json()["items"]) == PAGE else (
                    f"{response.status_code} {response.text[:200]}")
            except Exception as e:  # noqa: BLE001 - a transport failure is an error to count, not to stop on
                problem = f"{type(e).__name__}: {e}"[:300]
            took = time.perf_counter() - sent
            with lock:
                if problem:
                    errors.append(problem)
                else:
                    latencies.append(took)

    started = time.perf_counter()
    deadline = started + seconds
    with ThreadPoolExecutor(max_workers=callers, thread_name_prefix="caller") as pool:
        list(pool.map(caller, range(callers)))
    return Level(callers, time.perf_counter() - started, tuple(latencies), tuple(errors))


def _session():
    import requests

    session = requests.Session()
    session.trust_env = False  # loopback: no proxy
    return session


def _send(session, method: str, base_url: str, path: str, token: str | None = None, json_body=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return session.request(method, f"{base_url}{path}", json=json_body, headers=headers, timeout=TIMEOUT_SECONDS)


if __name__ == "__main__":
    sys.exit(main())
