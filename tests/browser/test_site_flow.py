"""A newcomer's path through the site on a stack started empty, in a real browser: upload an image, see
it in the feed, heart it, remix it, see the edge in the remix tree, and see a production's split
of the money reach both records."""
from __future__ import annotations

import time
from datetime import datetime, timezone

import requests

from local import demo_media
from local.tokens import mint
from tests.browser.conftest import frozen_proposal, sign_in
from tests.store_payloads import body_of, checkout_session, stripe_event, stripe_signature



def record_page(record_id: str) -> str:
    """The selector of that record's own ready page (not the page shown before it)."""
    return f"section.record[data-record-id='{record_id}'][data-status=ready]"


def upload(tab, title: str, picture: str, *, note: str | None = None) -> str:
    """Fills the upload form (already open) and publishes; returns the new record's id."""
    page = tab.page
    page.select_option("form.upload select[name=kind]", "image")
    page.fill("form.upload input[name=title]", title)
    page.set_input_files("form.upload input[type=file]", picture)
    if note is not None:
        page.fill("form.upload input[name=note]", note)
    # The progress bar is watched from inside the page: it is gone once the record page shows.
    page.evaluate("""() => {
        window.progressSeen = [];
        const bar = document.querySelector('form.upload progress');
        new MutationObserver(() => window.progressSeen.push(bar.value)).observe(bar, {attributes: true});
    }""")
    page.click("form.upload button[type=submit]")
    page.wait_for_selector(f"section.record[data-status=ready] h1:text-is('{title}')", timeout=60_000)
    assert page.evaluate("Math.max(...window.progressSeen)") == 100
    return page.get_attribute("section.record", "data-record-id")


def every_control_is_labelled(page, form: str) -> list[str]:
    return page.evaluate("""form => [...document.querySelectorAll(`${form} input, ${form} select, ${form} textarea`)]
        .filter(c => c.type !== 'hidden' && !c.closest('[hidden]') && c.labels.length === 0)
        .map(c => c.name || c.outerHTML)""", form)


def test_an_uploaded_image_is_hearted_remixed_drawn_in_the_tree_and_split_by_a_production(stack, tab, tmp_path):
    page = tab.page
    first_png, second_png = tmp_path / "kite.png", tmp_path / "kite-folded.png"
    first_png.write_bytes(demo_media.png(palette="sea", seed=7))
    second_png.write_bytes(demo_media.png(palette="ember", seed=8))

    # Given a newcomer who signs in and registers through the site
    tab.open(stack.site)
    # the feed loads after the shell (empty, or with what earlier tests of this session's stack made)
    page.wait_for_selector("main[aria-busy=false] section.feed")
    sign_in(tab, "noraflow", register_as="noraflow")  # handles of this test alone: the stack is shared
    assert every_control_is_labelled(page, "form.upload") == []

    # When she uploads an image, it is checked, ready, and first in the feed
    kite = upload(tab, "Blue Kite", str(first_png))
    assert page.locator("section.record .stage img.media").evaluate("img => img.complete && img.naturalWidth") == 480
    tab.shot("uploaded")
    tab.go("#/", ".cards .card")
    first_card = page.locator(".cards .card").first
    assert first_card.get_attribute("data-record-id") == kite
    assert first_card.locator("h3").inner_text() == "Blue Kite"
    assert first_card.locator("img").evaluate("img => img.naturalWidth") == 480
    tab.shot("feed")

    # And another member hearts it
    sign_in(tab, "omarflow", register_as="omarflow")
    tab.go(f"#/records/{kite}", record_page(kite))
    heart = page.locator("button.heart")
    assert heart.get_attribute("aria-pressed") == "false"
    heart.click()
    page.wait_for_selector("button.heart[aria-pressed=true]")
    assert heart.locator(".count").inner_text() == "1"
    tab.shot("hearted")

    # And remixes it: the form cites the source, and the new record builds on it
    page.click("a:text-is('Remix this')")
    page.wait_for_selector("form.upload .remix-of")
    assert "Blue Kite" in page.locator(".remix-of").inner_text()
    folded = upload(tab, "Blue Kite, Folded", str(second_png), note="the kite, folded in half")
    assert page.locator("section.sources a", has_text="Blue Kite").get_attribute("href") == f"#/records/{kite}"

    # Then the remix tree draws the edge from the source to the remix
    edge = page.locator(f"svg.lineage path.edge[data-source='{kite}'][data-remix='{folded}']")
    assert edge.count() == 1
    assert page.locator(f"svg.lineage a[href='#/records/{kite}']").count() == 1
    tab.shot("remix-tree")
    tab.go(f"#/records/{kite}", record_page(kite))
    # (a straight edge has no height, so it is "attached" rather than "visible" to Playwright)
    page.wait_for_selector(f"svg.lineage path.edge[data-source='{kite}'][data-remix='{folded}']", state="attached")
    assert page.locator("section.record .cards .card").first.get_attribute("data-record-id") == folded  # its remixes

    # When a producer releases a production of the remix and the store reports a sale
    production = release_production_with_a_sale(stack.api, contributions=[(folded, 1)], amount=10_000)

    # Then its page charts the split: the remix's owner by contribution, the source's by lineage
    tab.go("#/productions", "ul.rows")
    page.click(f"a[href='#/productions/{production}']")
    page.wait_for_selector("figure.split-chart")
    chart = page.locator("figure.split-chart")
    assert chart.get_attribute("data-pool") == "5000"  # 50% of $100.00
    amounts = {bar.get_attribute("data-member"): int(bar.get_attribute("data-amount"))
               for bar in chart.locator("rect.bar.member").all()}
    assert amounts == {"omarflow": 4000, "noraflow": 1000}  # the remix passes 20% up to its source
    lineage = chart.locator(f"rect.bar.lineage[data-record-id='{kite}']")
    assert int(lineage.get_attribute("data-amount")) == 1000
    assert lineage.bounding_box()["width"] > 0
    tab.shot("split-chart")


def release_through_proposal(api: str, headers: dict, production: str) -> None:
    """Opens its payment proposal, waits for its freeze and the stack's short window to close, releases."""
    requests.post(f"{api}/productions/{production}/proposal", headers=headers, timeout=10).raise_for_status()
    opened = frozen_proposal(api, headers, production)
    closes = datetime.strptime(opened["closes_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    time.sleep(max(0.0, (closes - datetime.now(timezone.utc)).total_seconds()) + 0.2)
    requests.post(f"{api}/productions/{production}/release", headers=headers, timeout=10).raise_for_status()


def release_production_with_a_sale(api: str, contributions: list[tuple[str, int]], amount: int) -> str:
    """What a producer's script and a store do, over the same public API."""
    producer = {"Authorization": f"Bearer {mint('sub-petra', ['producer'])}"}
    requests.post(f"{api}/members", json={"handle": "petra", "display_name": "Petra"}, headers=producer,
                  timeout=10).raise_for_status()
    created = requests.post(f"{api}/productions", json={"title": "Kites, a poster", "format": "merch", "currency": "USD"},
                            headers=producer, timeout=10)
    created.raise_for_status()
    production = created.json()["id"]
    requests.put(f"{api}/productions/{production}/contributions", headers=producer, timeout=10, json={
        "contributions": [{"record_id": r, "weight": w} for r, w in contributions]}).raise_for_status()
    release_through_proposal(api, producer, production)
    body = body_of(stripe_event("checkout.session.completed",
                                checkout_session("pi_browser_1", amount, production_id=production)))
    sale = requests.post(f"{api}/webhooks/stripe", data=body, timeout=10,
                         headers={"Stripe-Signature": stripe_signature(body), "Content-Type": "application/json"})
    assert sale.status_code == 200, sale.text
    return production
