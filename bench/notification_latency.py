"""How long a notification takes to arrive after its event, on the local stack (`make dev`).

`python -m local` runs in a process of its own (the app on Chalice's local server, the event
pump, the embedded AWS), as `feed_throughput` starts it. A source's owner and a remixer
register; the remixer publishes `--events` text remixes of the owner's records, in waves of
`--wave` at once (each of a wave citing another record). Each remix's event (RECORD_READY) becomes a `remixed` notification in the
owner's inbox through the event queue, the pump and the subscriber; the owner's inbox is polled
every 100 ms (one GET of its newest `--wave`: a wave starts once the last one's notifications
arrived, so the newest that many hold every one still awaited, and a page of 100 cost the stack
~0.5 s per poll under load, the resolution of the figure), and a notification's latency is from
the 201 of its remix to the first poll that shows it. p50, p99 and the worst are printed, with
how long a poll took and the load average; the budget is p99 <= 3 s.

    python -m bench.notification_latency [--events 200] [--wave 20]
"""
from __future__ import annotations

import argparse
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from bench.support import dev_stack, expect_http, percentile, run_fresh

BUDGET_P99_SECONDS = 3.0
DEFAULT_EVENTS = 200
DEFAULT_WAVE = 10  # one SQS batch of events at once
POLL_SECONDS = 0.1
GIVE_UP_SECONDS = 30


def run(runs: int = 9) -> bool:
    return run_fresh("bench.notification_latency")


def measure(base: str, events: int, wave: int, polls: list[float] | None = None) -> list[float]:
    """The latencies; `polls` collects how long each poll of the inbox took."""
    import requests

    from local.tokens import mint

    session = requests.Session()

    def register(handle: str) -> str:
        token = mint(f"sub-{handle}")
        expect_http(session.post(f"{base}/members", json={"handle": handle, "display_name": handle.title()},
                                 headers={"Authorization": f"Bearer {token}"}), 201)
        return token

    owner, remixer = register("owner"), register("remixer")
    sources = [expect_http(session.post(f"{base}/records", json={"kind": "text", "title": f"Source {n}", "body": "b"},
                                        headers={"Authorization": f"Bearer {owner}"}), 201)["record"]["id"]
               for n in range(wave)]  # a remix of each at once: no two of a wave update one source
    sent: dict[str, float] = {}
    seen: dict[str, float] = {}
    lock = threading.Lock()
    local = threading.local()

    def remix(n: int) -> None:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        reply = local.session.post(f"{base}/records", headers={"Authorization": f"Bearer {remixer}"}, json={
            "kind": "text", "title": f"Remix {n}", "body": "b", "sources": [{"record_id": sources[n % wave]}]})
        answered = time.perf_counter()
        record_id = expect_http(reply, 201)["record"]["id"]
        with lock:
            sent[record_id] = answered

    def poll_until(expected: int) -> None:
        deadline = time.perf_counter() + GIVE_UP_SECONDS
        while len(seen) < expected:
            if time.perf_counter() > deadline:
                raise RuntimeError(f"only {len(seen)} of {expected} notifications arrived within {GIVE_UP_SECONDS} s")
            asked = time.perf_counter()
            page = expect_http(session.get(f"{base}/me/notifications?limit={min(wave, 100)}",
                                           headers={"Authorization": f"Bearer {owner}"}), 200)
            now = time.perf_counter()
            if polls is not None:
                polls.append(now - asked)
            for note in page["items"]:  # newest first: the wave's are the newest
                if note["type"] == "remixed" and note["subject"]["id"] not in seen:
                    seen[note["subject"]["id"]] = now
            time.sleep(POLL_SECONDS)

    with ThreadPoolExecutor(max_workers=wave) as pool:
        for start in range(0, events, wave):
            list(pool.map(remix, range(start, min(events, start + wave))))
            poll_until(min(events, start + wave))
    missing = set(sent) - set(seen)
    if missing:
        raise RuntimeError(f"{len(missing)} remixes made no notification")
    return [max(0.0, seen[i] - sent[i]) for i in sent]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.notification_latency", description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=DEFAULT_EVENTS)
    parser.add_argument("--wave", type=int, default=DEFAULT_WAVE)
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    polls: list[float] = []
    with dev_stack() as base:
        latencies = measure(base, args.events, args.wave, polls)
    load_after = os.getloadavg()[0]
    p50, p99, worst = percentile(latencies, 50), percentile(latencies, 99), max(latencies)
    passed = p99 <= BUDGET_P99_SECONDS
    print(f"notification latency on the local stack ({len(latencies)} remixed events, waves of {args.wave}; "
          f"from the remix's 201 to the inbox poll that shows it)")
    print(f"  p50 {p50:.2f} s   p99 {p99:.2f} s   worst {worst:.2f} s   budget p99 <= {BUDGET_P99_SECONDS:.0f} s  "
          f"{'PASS' if passed else 'FAIL'}")
    print(f"  {len(polls)} inbox polls, each GET p50 {percentile(polls, 50) * 1000:.0f} ms, worst {max(polls) * 1000:.0f} ms; "
          f"load average (1 min) {load_before:.1f} before, {load_after:.1f} after, on {os.cpu_count()} cores")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
