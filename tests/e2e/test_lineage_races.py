"""Two owners cross-link their records at the same moment: only one may succeed."""
from __future__ import annotations

import threading

import requests

from local.tokens import mint


def register(base_url: str, handle: str) -> str:
    token = mint(f"sub-{handle}")
    reply = requests.post(f"{base_url}/members", json={"handle": handle, "display_name": handle},
                          headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert reply.status_code == 201, reply.text
    return token


def publish(base_url: str, token: str, title: str) -> str:
    reply = requests.post(f"{base_url}/records", json={"kind": "text", "title": title, "body": title},
                          headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert reply.status_code == 201, reply.text
    return reply.json()["record"]["id"]


def test_concurrent_cross_linking_ends_with_exactly_one_success(base_url):
    alice, bob = register(base_url, "alice"), register(base_url, "bob")
    outcomes = []
    for round_number in range(5):
        a, b = publish(base_url, alice, f"A{round_number}"), publish(base_url, bob, f"B{round_number}")
        barrier = threading.Barrier(2)
        statuses = {}

        def link(name, token, remix, source):
            barrier.wait()
            statuses[name] = requests.post(f"{base_url}/records/{remix}/sources", json={"sources": [{"record_id": source}]},
                                           headers={"Authorization": f"Bearer {token}"}, timeout=60).status_code

        threads = [threading.Thread(target=link, args=("a", alice, a, b)),
                   threading.Thread(target=link, args=("b", bob, b, a))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        outcomes.append(sorted(statuses.values()))

        sources = [requests.get(f"{base_url}/records/{r}", timeout=10).json()["sources"] for r in (a, b)]
        assert sorted(len(s) for s in sources) == [0, 1]  # one link, never both

    assert outcomes == [[200, 422]] * 5
