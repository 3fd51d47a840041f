"""Trust and safety in a real browser, on an empty stack: a visitor reports a record from its page,
a moderator hides it from the moderation page with a statement of reasons, and its owner sees the
reason on the record's page and appeals."""
from __future__ import annotations

import requests

from local.tokens import mint
from tests.browser.conftest import sign_in


def _as(tab, stack, token: str, hash_: str, wait_for: str) -> None:
    """Signs the tab in with `token` (a moderator's: the sign-in form mints member tokens only)."""
    tab.open(stack.site)
    tab.page.evaluate("token => localStorage.setItem('remixery.session', token)", token)
    tab.page.goto(f"{stack.site}{hash_}")
    tab.page.reload()  # the site restores its session from localStorage when it loads
    tab.page.wait_for_selector(wait_for)


def test_a_visitor_reports_a_record_a_moderator_hides_it_and_its_owner_appeals(stack, tab):
    page = tab.page
    owner = {"Authorization": f"Bearer {mint('rita')}"}
    requests.post(f"{stack.api}/members", headers=owner, timeout=10,
                  json={"handle": "rita", "display_name": "Rita"}).raise_for_status()
    record = requests.post(f"{stack.api}/records", headers=owner, timeout=10, json={
        "kind": "text", "title": "Buy cheap pills", "body": "Spam."}).json()["record"]["id"]
    moderator = mint("mona", ["moderator"])
    requests.post(f"{stack.api}/members", headers={"Authorization": f"Bearer {moderator}"}, timeout=10,
                  json={"handle": "mona", "display_name": "Mona"}).raise_for_status()

    # a visitor, signed out, reports it
    tab.open(stack.site, f"#/records/{record}")
    page.wait_for_selector("details.report summary")
    page.click("details.report summary")
    page.select_option("details.report select[name=reason]", "spam")
    page.fill("details.report input[name=email]", "visitor@example.org")
    page.click("details.report button[type=submit]")
    page.wait_for_selector("details.report [role=status]")
    tab.shot("reported")

    # the moderator hides it from the queue
    _as(tab, stack, moderator, "#/moderation", "li.report-item")
    page.select_option("li.report-item select[name=action]", "hide")
    page.fill("li.report-item textarea[name=reason]", "Spam: an advertisement, not a work.")
    page.click("li.report-item button[type=submit]")
    page.wait_for_selector("ol.reports li.empty")
    tab.shot("queue-empty")
    assert requests.get(f"{stack.api}/records/{record}", timeout=10).status_code == 404

    # its owner sees why and appeals
    _as(tab, stack, mint("rita"), f"#/records/{record}", "section.moderation-panel")
    assert "Spam: an advertisement" in page.inner_text("section.moderation-panel")
    page.fill("form.appeal-form textarea", "It is a poem about pills.")
    page.click("form.appeal-form button[type=submit]")
    page.wait_for_selector("section.moderation-panel [role=status]")
    tab.shot("appealed")
    appeals = requests.get(f"{stack.api}/moderation/appeals", headers={"Authorization": f"Bearer {moderator}"},
                           timeout=10).json()["items"]
    assert [a["body"] for a in appeals] == ["It is a poem about pills."]
