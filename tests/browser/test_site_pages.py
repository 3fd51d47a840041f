"""Every page of `make demo`'s site, at 1280 and 390 px, signed out, as a member (cleo) and as
its producer (pat): axe-core finds no serious or critical violation, the first paint on a fresh
load is within 1 s (printed, with when the content was there), nothing scrolls sideways (390 and
360 px), and the feed shows previews (thumbnails and waveforms made by the upload function from
the demo's uploads). Screenshots in test-artifacts/browser/; the desktop feed is also
docs/screenshot.png's source (see docs/site.md)."""
from __future__ import annotations

import json
import urllib.request

from tests.browser.checks import PageChecks, sideways_overflow
from tests.browser.conftest import ARTIFACTS, sign_in


def listed(api: str, path: str) -> list[dict]:
    with urllib.request.urlopen(f"{api}{path}") as reply:
        return json.load(reply)["items"]


def pages(api: str) -> list[tuple[str, str]]:
    records = listed(api, "/records?limit=100")
    by_kind = {}
    for record in records:
        by_kind.setdefault(record["kind"], record)
    productions = listed(api, "/productions")
    collaborations = listed(api, "/collaborations")
    found = [("feed", "#/"), ("never remixed", "#/?unremixed=true"), ("trending", "#/trending"),
             ("collaborations", "#/collaborations"), ("productions", "#/productions"), ("about", "#/about"),
             ("sign in", "#/signin"), ("member", f"#/members/{records[0]['owner']['handle']}")]
    found += [(f"record ({kind})", f"#/records/{record['id']}") for kind, record in sorted(by_kind.items())]
    found += [("collaboration", f"#/collaborations/{collaborations[0]['id']}")] if collaborations else []
    if productions:
        found += [("production", f"#/productions/{productions[0]['id']}"),
                  ("proposal", f"#/productions/{productions[0]['id']}/proposal"),
                  ("credits", f"#/productions/{productions[0]['id']}/credits")]
    found += [("search", "#/search?q=lantern"), ("tags", "#/tags")]
    return found


def test_every_page_is_accessible_fast_and_fits_the_screen(demo_stack, screen_tab):
    tab, screen = screen_tab, screen_tab.screen
    page = tab.page
    checks = PageChecks(f"demo pages, {screen}")
    tab.open(demo_stack.site)

    # The demo's feed shows previews made from its uploads
    page.wait_for_selector(".cards .card img[src*='previews']")
    assert page.locator(".cards .card svg.waveform").count() >= 1
    if screen == "desktop":
        page.screenshot(path=str(ARTIFACTS / "site-feed.png"))

    for name, hash_ in pages(demo_stack.api):
        checks.page(tab, name, cold=f"{demo_stack.site}{hash_}")
        tab.shot(name.replace(" ", "-").replace("(", "").replace(")", ""))
    sign_in(tab, "cleo")
    for name, hash_ in (("upload", "#/upload"), ("following", "#/following"), ("inbox", "#/inbox"),
                        ("statements", "#/statements"), ("payouts", "#/payouts")):
        checks.page(tab, name, cold=f"{demo_stack.site}{hash_}")
    tab.go("#/statements", "table.statements")
    statement = page.get_attribute("table.statements tbody a", "href")
    checks.page(tab, "statement", cold=f"{demo_stack.site}{statement}")
    assert "minimum payout" in page.locator("section.statement").first.inner_text() or \
        "Paid out" in page.locator("section.statement").first.inner_text()
    assert "minor units" in page.locator("main").inner_text()
    sign_in(tab, "pat", producer=True)
    for name, hash_ in (("new production", "#/productions/new"),
                        ("manage", f"#/productions/{listed(demo_stack.api, '/productions')[0]['id']}/manage")):
        checks.page(tab, name, cold=f"{demo_stack.site}{hash_}")
    if screen == "phone":
        page.set_viewport_size({"width": 360, "height": 740})
        for name, hash_ in pages(demo_stack.api):
            tab.go(hash_, "main[aria-busy=false] h1")
            assert sideways_overflow(page) <= 0, f"{name} scrolls sideways at 360 px"
    checks.report()
