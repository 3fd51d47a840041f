"""Payment proposals, licences and credits in a real browser.

On `make demo`'s stack (a 14-day window): a member objects to the open proposal, its producer
answers an objection and is told why it cannot be released yet, the released production's credits
page prints its attributions, and an uploader chooses a licence that forbids remixes and sees the
record page say why "Remix this" is unavailable. On the empty stack (a 3 s window) a producer
releases a proposal from its page once the window closed.
"""
from __future__ import annotations

import time

import requests

from local.tokens import mint
from tests.browser.conftest import frozen_proposal, sign_in


def production_titled(api: str, title: str, status: str) -> dict:
    listed = requests.get(f"{api}/productions", params={"status": status, "limit": 100}, timeout=10).json()["items"]
    return next(p for p in listed if p["title"] == title)


def proposal_page(production_id: str) -> str:
    return f"section.proposal[data-production-id='{production_id}']"


def test_a_member_objects_and_the_producer_answers_but_cannot_release_an_open_proposal(demo_stack, tab):
    page = tab.page
    harbour = production_titled(demo_stack.api, "Harbour Lights — the album", "proposed")
    tab.open(demo_stack.site, "#/productions")
    page.click(f"a[href='#/productions/{harbour['id']}/proposal']")
    page.wait_for_selector(proposal_page(harbour["id"]))
    assert page.locator("p.countdown").get_attribute("data-open") == "true"
    assert "Open for objections for 13 days" in page.locator("p.countdown").inner_text()
    assert page.locator("figure.split-chart").get_attribute("data-pool") == "1000000"
    assert page.locator("li.objection[data-answered=false]").count() == 1  # eli's, from the demo

    # A member objects through the form
    sign_in(tab, "ben")
    tab.go(f"#/productions/{harbour['id']}/proposal", "form.objection-form")
    page.select_option("form.objection-form select[name=kind]", "weight")
    page.fill("form.objection-form textarea[name=body]", "The dub deserves the same weight as the tide.")
    page.click("form.objection-form button[type=submit]")
    page.wait_for_selector("li.objection:has-text('the same weight as the tide')")
    tab.shot("objected")

    # Its producer answers one and is told what release still waits for
    sign_in(tab, "pat", producer=True)
    tab.go(f"#/productions/{harbour['id']}/proposal", "form.answer-form")
    first = page.locator("li.objection[data-answered=false]").first
    first.locator("select[name=decision]").select_option("declined")
    first.locator("textarea[name=body]").fill("The cover is a commission, not a contribution.")
    first.locator("button[type=submit]").click()
    page.wait_for_selector("p.answer.declined:has-text('a commission')")
    page.click("button.release")
    alert = page.locator("div.actions p.alert")
    alert.wait_for()
    assert "window for objections is still open" in alert.inner_text()
    assert "some objections have no answer yet" in alert.inner_text()
    # the refused release is a 409 the browser logs; it is the answer this step expects
    tab.errors[:] = [e for e in tab.errors if "status of 409" not in e]
    tab.shot("answered-not-released")


def test_a_released_production_links_its_credits_page(demo_stack, tab):
    page = tab.page
    zine = production_titled(demo_stack.api, "Night Market — the zine", "released")
    tab.open(demo_stack.site, f"#/productions/{zine['id']}")
    page.click(f"a[href='#/productions/{zine['id']}/credits']")
    page.wait_for_selector("ol.credits li")

    depths = [int(d) for d in page.locator("ol.credits li").evaluate_all("items => items.map(i => i.dataset.depth)")]
    assert depths == sorted(depths) and depths[0] == 0 and max(depths) >= 1
    line = page.locator("ol.credits li p.attribution").first.inner_text()
    assert " by " in line and "/#/records/" in line
    tab.shot("credits")


def test_an_uploader_chooses_a_licence_and_the_record_says_why_it_cannot_be_remixed(demo_stack, tab):
    page = tab.page
    tab.open(demo_stack.site)
    sign_in(tab, "fay")
    tab.go("#/upload", "form.upload")
    page.select_option("form.upload select[name=kind]", "text")
    page.fill("form.upload input[name=title]", "A poem to keep as it is")
    page.fill("form.upload textarea[name=body]", "Leave these lines\nexactly where they are.")
    page.select_option("form.upload select[name=licence]", "cc-by-nd")
    assert "no remixes" in page.locator("form.upload select[name=licence] ~ p.hint").inner_text()
    assert page.is_disabled("#remixable") and not page.is_checked("#remixable")

    page.click("form.upload button[type=submit]")
    page.wait_for_selector("section.record[data-status=ready] h1:text-is('A poem to keep as it is')")

    assert page.locator("dl.facts dd a[rel=license]").inner_text() == "CC BY-ND 4.0"
    assert "forbids remixes" in page.locator("p.remix-unavailable").inner_text()
    assert page.locator("a.button:has-text('Remix this')").count() == 0
    tab.shot("no-derivatives")


def test_a_producer_releases_from_the_proposal_page_once_the_window_closed(stack, tab):
    page = tab.page
    producer = {"Authorization": f"Bearer {mint('rosa', ['producer'])}"}
    requests.post(f"{stack.api}/members", json={"handle": "rosa", "display_name": "Rosa"}, headers=producer,
                  timeout=10).raise_for_status()
    record = requests.post(f"{stack.api}/records", headers=producer, timeout=10, json={
        "kind": "text", "title": "Liner notes", "body": "Side A."}).json()["record"]["id"]
    production = requests.post(f"{stack.api}/productions", headers=producer, timeout=10, json={
        "title": "Rosa's EP", "format": "album", "currency": "USD"}).json()["id"]
    requests.put(f"{stack.api}/productions/{production}/contributions", headers=producer, timeout=10,
                 json={"contributions": [{"record_id": record, "weight": 1}]}).raise_for_status()
    requests.post(f"{stack.api}/productions/{production}/proposal", headers=producer, timeout=10).raise_for_status()
    frozen_proposal(stack.api, producer, production)
    time.sleep(3.5)  # the empty stack's window

    tab.open(stack.site)
    sign_in(tab, "rosa", producer=True)
    tab.go(f"#/productions/{production}/proposal", "button.release")
    assert page.locator("p.countdown").get_attribute("data-open") == "false"
    page.click("button.release")

    page.wait_for_selector("section.production p.meta:has-text('released')")
    assert requests.get(f"{stack.api}/productions/{production}", timeout=10).json()["status"] == "released"
