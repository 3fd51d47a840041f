"""Registration races over real HTTP against the threaded local server and local AWS."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests

from local.tokens import mint


def test_concurrent_registrations_of_one_handle_give_exactly_one_profile(base_url):
    def register(n: int) -> int:
        return requests.post(
            f"{base_url}/members", json={"handle": "popular", "display_name": f"Claimant {n}"},
            headers={"Authorization": f"Bearer {mint(f'sub-{n}')}"}, timeout=30,
        ).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(register, range(12)))

    assert sorted(statuses) == [201] + [409] * 11
    owner = requests.get(f"{base_url}/members/popular", timeout=10).json()
    assert owner["display_name"].startswith("Claimant ")


def test_concurrent_registrations_by_one_identity_give_exactly_one_profile(base_url):
    token = mint("sub-eager")

    def register(n: int) -> int:
        return requests.post(
            f"{base_url}/members", json={"handle": f"eager_{n}", "display_name": "Eager"},
            headers={"Authorization": f"Bearer {token}"}, timeout=30,
        ).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(register, range(8)))

    assert sorted(statuses) == [201] + [409] * 7
    me = requests.get(f"{base_url}/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert me.status_code == 200 and me.json()["handle"].startswith("eager_")


def test_problem_json_travels_over_http_with_its_content_type(base_url):
    reply = requests.post(f"{base_url}/members", data="{", headers={"Content-Type": "application/json",
                          "Authorization": f"Bearer {mint('sub-x')}"}, timeout=10)

    assert reply.status_code == 400
    assert reply.headers["Content-Type"] == "application/problem+json"
    assert reply.json()["status"] == 400
