"""A producer's journey on an empty stack, desktop and phone: create a production, pick its
contributions from a collaboration and from a search with weights, watch the split preview follow,
book a cost and read it in the ledger; the public page explains what its figures are as of. On
every page: axe-core finds nothing serious, the first paint is within 1 s (printed), nothing scrolls
sideways; then she opens the payment proposal (objections and release are the proposal page's,
and release waits for its 14-day window). Screenshots go to test-artifacts/browser/."""
from __future__ import annotations

import pytest
import requests

from local.tokens import mint
from tests.browser.checks import PageChecks, sideways_overflow
from tests.browser.conftest import sign_in


def seed(api: str, suffix: str) -> dict:
    """Two members, a collaboration and three records, through the public API."""
    made = {}
    for handle in (f"ada{suffix}", f"ben{suffix}"):
        token = {"Authorization": f"Bearer {mint(f'sub-{handle}')}"}
        requests.post(f"{api}/members", json={"handle": handle, "display_name": handle.title()}, headers=token,
                      timeout=10).raise_for_status()
        made[handle] = token
    collaboration = requests.post(f"{api}/collaborations", headers=made[f"ada{suffix}"], timeout=10,
                                  json={"title": f"Harbour Zine {suffix}", "brief": "Stories and pictures of the harbour."})
    collaboration.raise_for_status()
    made["collaboration"] = collaboration.json()["id"]
    for owner, title, in_collaboration in ((f"ada{suffix}", "Harbour at Dawn", True), (f"ben{suffix}", "Gull Song", True),
                                           (f"ben{suffix}", "Lighthouse Notes", False)):
        body = {"kind": "text", "title": title, "body": f"{title}: words about the sea."}
        if in_collaboration:
            body["collaboration_id"] = made["collaboration"]
        created = requests.post(f"{api}/records", json=body, headers=made[owner], timeout=10)
        created.raise_for_status()
        made[title] = created.json()["record"]["id"]
    return made


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_a_producer_creates_a_production_picks_weighted_contributions_sees_the_split_and_books_a_cost(
        stack, browser, request, screen):
    from tests.browser.conftest import _opened

    options = ({"viewport": {"width": 1280, "height": 900}} if screen == "desktop" else
               {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True})
    opened = _opened(browser, request, **options)
    tab = next(opened)
    tab.name = f"producer-{screen}"
    page = tab.page
    checks = PageChecks(f"producer journey, {screen}")
    suffix = screen[0]
    seeded = seed(stack.api, suffix)

    # Given a producer signed in through the site
    tab.open(stack.site)
    sign_in(tab, f"petra{suffix}", register_as=f"petra{suffix}", producer=True)
    checks.page(tab, "productions", cold=f"{stack.site}#/productions")

    # When she creates a production for the collaboration
    page.click("a:text-is('New production')")
    page.wait_for_selector("form.new-production")
    checks.page(tab, "new production")
    page.fill("form.new-production input[name=title]", f"Harbour Zine, print {suffix}")
    page.select_option("form.new-production select[name=format]", "book")
    page.select_option("form.new-production select[name=collaboration_id]", seeded["collaboration"])
    page.click("form.new-production button[type=submit]")
    page.wait_for_selector("section.manage-production[data-status=draft]")
    production = page.get_attribute("section.manage-production", "data-production-id")

    # And picks the collaboration's two records, weighting one three times the other
    page.wait_for_selector(".candidates li")
    page.click(f"button:has-text('Add'):has(span:text-is(' Harbour at Dawn'))")
    page.click(f"button:has-text('Add'):has(span:text-is(' Gull Song'))")
    page.fill(f"input[name='weight-{seeded['Harbour at Dawn']}']", "3")
    page.wait_for_selector("p.save-state:text-is('Saved 2 contributions.')")
    # and one more found by a search
    page.fill("form.search-records input[name=q]", "Lighthouse")
    page.click("form.search-records button[type=submit]")
    page.click(f"button:has-text('Add'):has(span:text-is(' Lighthouse Notes'))")
    page.wait_for_selector("p.save-state:text-is('Saved 3 contributions.')")

    # Then the split preview lists each record with its weight
    page.wait_for_selector(f".split-preview tr[data-record-id='{seeded['Lighthouse Notes']}']")
    weights = {row.get_attribute("data-record-id"): row.locator("td").nth(1).inner_text()
               for row in page.locator(".split-preview table.split-table tbody tr").all()}
    assert weights == {seeded["Harbour at Dawn"]: "3", seeded["Gull Song"]: "1", seeded["Lighthouse Notes"]: "1"}
    shares = page.locator("table.contributions tbody tr td.num:last-child").all_inner_texts()
    assert shares == ["30%", "10%", "10%"]  # of net: 50% to contributors, by weight 3:1:1
    assert requests.get(f"{stack.api}/productions/{production}/contributions", timeout=10,
                        headers={"Authorization": f"Bearer {mint(f'petra{suffix}', ['producer'])}"}).json()[
        "contributions"] == [{"record_id": seeded["Harbour at Dawn"], "weight": 3},
                             {"record_id": seeded["Gull Song"], "weight": 1},
                             {"record_id": seeded["Lighthouse Notes"], "weight": 1}]
    tab.shot("contributions")
    checks.page(tab, "manage")

    # When she books a cost, the ledger shows it
    page.fill("form.add-cost input[name=amount]", "12.50")
    page.fill("form.add-cost input[name=description]", "Risograph paper")
    page.click("form.add-cost button[type=submit]")
    page.wait_for_selector(".ledger-table tbody tr")
    row = page.locator(".ledger-table tbody tr").first.inner_text()
    assert "cost" in row and "Risograph paper" in row and "12.50" in row, row
    tab.shot("ledger")

    # And the public page says what its figures are as of
    tab.go(f"#/productions/{production}", "figure.split-chart")
    assert "which has not closed yet" in page.locator("table.totals caption").inner_text()
    assert "the last month that closed" in page.locator("table.totals").inner_text()
    assert page.locator(f"a[href='#/productions/{production}/manage']").count() == 1
    tab.shot("production")
    checks.page(tab, "production", cold=f"{stack.site}#/productions/{production}")

    # When she opens the payment proposal, its page shows the revision, and release waits for the window
    tab.go(f"#/productions/{production}/manage", "section.manage-production button.propose")
    page.click("button.propose")
    page.wait_for_selector(f"section.proposal[data-production-id='{production}'][data-revision='1']")
    tab.shot("proposal")
    checks.page(tab, "proposal")
    if screen == "phone":
        page.set_viewport_size({"width": 360, "height": 740})
        for hash_ in (f"#/productions/{production}", f"#/productions/{production}/manage"):
            tab.go(hash_, "main[aria-busy=false] h1")
            assert sideways_overflow(page) <= 0, f"{hash_} scrolls sideways at 360 px"
        tab.shot("360px")
    checks.report()
    try:
        next(opened)
    except StopIteration:
        pass
