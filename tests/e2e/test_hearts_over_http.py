"""Hearts under concurrency, over real HTTP against the threaded local server."""
from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
import requests

from local.tokens import mint


@pytest.fixture
def drain(base_url):
    from app import app
    from local.pump import EventPump

    return EventPump(app, boto3.client("sqs")).drain


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def register(base_url: str, handle: str) -> str:
    token = mint(f"sub-{handle}")
    reply = requests.post(f"{base_url}/members", json={"handle": handle, "display_name": handle},
                          headers=auth(token), timeout=30)
    assert reply.status_code == 201, reply.text
    return token


@pytest.fixture
def record(base_url):
    owner = register(base_url, "owner")
    reply = requests.post(f"{base_url}/records", json={"kind": "text", "title": "Viral", "body": "!"},
                          headers=auth(owner), timeout=30)
    return reply.json()["record"]["id"]


def test_a_hundred_members_hearting_at_once_count_a_hundred(base_url, record, drain):
    with ThreadPoolExecutor(max_workers=16) as pool:
        fans = list(pool.map(lambda n: register(base_url, f"fan{n:03d}"), range(100)))
        statuses = list(pool.map(
            lambda token: requests.put(f"{base_url}/records/{record}/heart", headers=auth(token), timeout=60).status_code,
            fans))
    drain()

    assert statuses == [200] * 100
    assert requests.get(f"{base_url}/records/{record}", timeout=10).json()["heart_count"] == 100
    assert requests.get(f"{base_url}/members/owner", timeout=10).json()["heart_count_received"] == 100


def test_one_member_hearting_twenty_times_at_once_counts_once(base_url, record, drain):
    fan = register(base_url, "eager")
    with ThreadPoolExecutor(max_workers=20) as pool:
        replies = list(pool.map(lambda _: requests.put(f"{base_url}/records/{record}/heart", headers=auth(fan),
                                                       timeout=60), range(20)))
    drain()

    assert {r.status_code for r in replies} == {200}
    assert requests.get(f"{base_url}/records/{record}", timeout=10).json()["heart_count"] == 1


def test_heart_and_unheart_races_end_consistent_with_the_hearts_stored(base_url, record, drain):
    fans = [register(base_url, f"racer{n}") for n in range(10)]
    rng = random.Random(7)
    actions = [(fan, rng.choice(["PUT", "DELETE"])) for fan in fans for _ in range(6)]
    rng.shuffle(actions)

    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(lambda a: requests.request(a[1], f"{base_url}/records/{record}/heart", headers=auth(a[0]),
                                                 timeout=60), actions))
    drain()

    hearting = sum(requests.get(f"{base_url}/records/{record}", headers=auth(fan), timeout=10).json()["hearted_by_me"]
                   for fan in fans)
    assert requests.get(f"{base_url}/records/{record}", timeout=10).json()["heart_count"] == hearting
