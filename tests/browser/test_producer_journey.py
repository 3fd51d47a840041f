"""A producer's journey to a statement on the empty stack (its proposal window is 3 s), desktop and
phone: she creates a production, picks its contributions from a collaboration and from a search
with weights, watches the split preview follow, books a cost and reads it in the ledger, opens the
payment proposal and releases it once its window closed. A sale arrives dated in a month that has
ended, an admin closes that month (over the API), and the contributors read their statements and
payouts: one paid, one under the minimum payout and carried forward. On every page: axe-core finds
nothing serious, the first paint is within 1 s (printed), nothing scrolls sideways (360 px too on
the phone). Screenshots go to test-artifacts/browser/."""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import pytest
import requests

from local.tokens import mint
from tests.browser.checks import PageChecks, sideways_overflow
from tests.browser.conftest import sign_in
from tests.store_payloads import checkout_session, stripe_event, stripe_signature

ADMIN = {"Authorization": f"Bearer {mint('producer-journey-admin', ['admin'])}"}


def seed(api: str, suffix: str) -> dict:
    """Two members (each signs in with their handle), a collaboration and three records, through
    the public API."""
    made = {}
    for handle in (f"ada{suffix}", f"ben{suffix}"):
        token = {"Authorization": f"Bearer {mint(handle)}"}
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


def months_before(now: datetime, count: int) -> list[str]:
    """The `count` months before `now`'s, oldest first (YYYY-MM)."""
    index = now.year * 12 + now.month - 1
    return [f"{i // 12}-{i % 12 + 1:02d}" for i in range(index - count, index)]


def month_to_close(api: str) -> str:
    """The earliest of the last twelve months after every month closed on this shared stack: a
    sale dated in it is booked into it, and it may be closed (periods close in order)."""
    months = months_before(datetime.now(timezone.utc), 12)
    for index in reversed(range(len(months))):
        if requests.get(f"{api}/royalty-runs/{months[index]}", headers=ADMIN, timeout=10).status_code == 200:
            if index + 1 == len(months):
                pytest.fail(f"{months[index]}, the month just ended, is already closed on this stack")
            return months[index + 1]
    return months[0]


def sell(api: str, production_id: str, amount: int, period: str) -> None:
    """A Stripe checkout dated in `period` (the event's `created`); the signature's time is now,
    as Stripe's is when it delivers."""
    year, month = map(int, period.split("-"))
    created = int(datetime(year, month, 15, 12, tzinfo=timezone.utc).timestamp())
    body = json.dumps(stripe_event("checkout.session.completed", checkout_session(
        f"pi_journey_{production_id}", amount, production_id=production_id), created=created)).encode()
    requests.post(f"{api}/webhooks/stripe", data=body, timeout=10, headers={
        "Stripe-Signature": stripe_signature(body), "Content-Type": "application/json"}).raise_for_status()


def close(api: str, period: str, seconds: float = 60) -> None:
    requests.post(f"{api}/royalty-runs", json={"period": period}, headers=ADMIN, timeout=10).raise_for_status()
    deadline = time.monotonic() + seconds
    while requests.get(f"{api}/royalty-runs/{period}", headers=ADMIN, timeout=10).json()["status"] != "closed":
        assert time.monotonic() < deadline, f"the royalty run of {period} did not close in {seconds} s"
        time.sleep(0.3)


def test_a_producer_walks_from_a_production_to_its_contributors_statements(stack, screen_tab):
    tab, screen = screen_tab, screen_tab.screen
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
    page.click("button:has-text('Add'):has(span:text-is(' Harbour at Dawn'))")
    page.click("button:has-text('Add'):has(span:text-is(' Gull Song'))")
    page.fill(f"input[name='weight-{seeded['Harbour at Dawn']}']", "3")
    page.wait_for_selector("p.save-state:text-is('Saved 2 contributions.')")
    # and one more found by a search
    page.fill("form.search-records input[name=q]", "Lighthouse")
    page.click("form.search-records button[type=submit]")
    page.click("button:has-text('Add'):has(span:text-is(' Lighthouse Notes'))")
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

    # When she books a cost (dated today: the open month), the ledger shows it
    page.fill("form.add-cost input[name=amount]", "12.50")
    page.fill("form.add-cost input[name=description]", "Risograph paper")
    page.click("form.add-cost button[type=submit]")
    page.wait_for_selector(".ledger-table tbody tr")
    row = page.locator(".ledger-table tbody tr").first.inner_text()
    assert "cost" in row and "Risograph paper" in row and "12.50" in row, row
    tab.shot("ledger")

    # And opens the payment proposal: its page shows the revision and the window
    page.click("button.propose")
    page.wait_for_selector(f"section.proposal[data-production-id='{production}'][data-revision='1']")
    tab.shot("proposal")
    checks.page(tab, "proposal")

    # When the window has closed, she releases it from the proposal page
    closes_at = requests.get(f"{stack.api}/productions/{production}/proposal", timeout=10).json()["closes_at"]
    time.sleep(max(0.0, datetime.fromisoformat(closes_at.replace("Z", "+00:00")).timestamp() - time.time()) + 0.2)
    page.reload()  # she comes back to it later
    page.wait_for_selector("body[data-ready=true] button.release")
    assert page.locator("p.countdown").get_attribute("data-open") == "false"
    page.click("button.release")
    page.wait_for_selector("section.production p.meta:has-text('released')")
    assert "which has not closed yet" in page.locator("table.totals caption").inner_text()
    assert "Nothing is on a statement yet" in page.locator("table.totals").inner_text()
    tab.shot("released")
    checks.page(tab, "production", cold=f"{stack.site}#/productions/{production}")

    # Given a sale of $40.00 dated in a month that has ended, and that month closed by an admin
    month = month_to_close(stack.api)
    sell(stack.api, production, 4000, month)
    close(stack.api, month)
    # pool: 50% of 40.00 = 20.00, split 3:1:1 → ada 12.00 (Harbour at Dawn); ben 4.00 + 4.00

    # Then the production page says what is on statements, and through which month
    page.reload()
    page.wait_for_selector("body[data-ready=true] table.totals")
    totals = page.locator("table.totals").inner_text()
    assert "Already on statements" in totals and f"through {month_name(month)}" in totals, totals
    tab.shot("production-closed")

    # And ben reads his statement: under the minimum payout, so it carries forward
    sign_in(tab, f"ben{suffix}")
    tab.go("#/statements", "table.statements")
    checks.page(tab, "statements", cold=f"{stack.site}#/statements")
    assert "$10.00" in page.locator("p.lede").inner_text()  # the app's REMIXERY_MIN_PAYOUT, 1000
    page.click(f"table.statements a[href='#/statements/{month}']")
    page.wait_for_selector("table.lines")
    statement = page.locator("section.statement").inner_text()
    assert "closing $8.00" in statement and "Under the minimum payout of $10.00" in statement, statement
    assert sorted(page.locator("table.lines tbody tr td:nth-child(2)").all_inner_texts()) == ["Gull Song", "Lighthouse Notes"]
    assert "integer minor units" in page.locator("#csv-unit").inner_text()
    tab.shot("statement-carried")
    checks.page(tab, "statement", cold=f"{stack.site}#/statements/{month}")

    # And ada reads hers, paid, and finds the payout held until she connects a payout account
    held_for(stack.api, f"ada{suffix}", month)
    sign_in(tab, f"ada{suffix}")
    tab.go(f"#/statements/{month}", "table.lines")
    assert "Paid out: $12.00" in page.locator("section.statement").inner_text()
    tab.shot("statement-paid")
    tab.go("#/payouts", "section.payout-account")
    assert page.locator(f"table.payouts tbody tr[data-status=held] a[href='#/statements/{month}']").count() == 1
    assert "connect your payout account to receive $12.00" in page.locator("p.callout").inner_text()
    tab.shot("payouts")
    checks.page(tab, "payouts", cold=f"{stack.site}#/payouts")

    if screen == "phone":
        page.set_viewport_size({"width": 360, "height": 740})
        for hash_ in (f"#/productions/{production}", f"#/productions/{production}/manage", f"#/statements/{month}",
                      "#/payouts"):
            tab.go(hash_, "main[aria-busy=false] h1")
            assert sideways_overflow(page) <= 0, f"{hash_} scrolls sideways at 360 px"
        tab.shot("360px")
    checks.report()


def held_for(api: str, identity: str, period: str, seconds: float = 30) -> None:
    """Waits until the run's payout of `period` is held (the payout function sees no account)."""
    headers = {"Authorization": f"Bearer {mint(identity)}"}
    deadline = time.monotonic() + seconds
    while not any(p["period"] == period and p["status"] == "held" for p in
                  requests.get(f"{api}/me/payouts", headers=headers, timeout=10).json()["items"]):
        assert time.monotonic() < deadline, f"{identity}'s payout of {period} was not held in {seconds} s"
        time.sleep(0.3)


def month_name(period: str) -> str:
    """"November 2026", as the site writes a period (in the browser's English locale)."""
    return datetime.strptime(period, "%Y-%m").strftime("%B %Y")
