"""The inbox, search and tags in a real browser, on an empty stack: a member finds a record with
the top bar's search box (accents and case do not matter), opens its tag's page, and the owner
sees the unread badge, reads the inbox and marks it read. axe-core and sideways scroll are
checked on each of these pages, at 1280 px and on a phone (390 px)."""
from __future__ import annotations

import time

import requests

from local.tokens import mint
from tests.browser.checks import PageChecks
from tests.browser.conftest import sign_in


def _member(api: str, handle: str) -> dict:
    headers = {"Authorization": f"Bearer {mint(handle)}"}  # the identity the site signs in as
    requests.post(f"{api}/members", json={"handle": handle, "display_name": handle.title()}, headers=headers,
                  timeout=10).raise_for_status()
    return headers


def _until(check, seconds: float = 20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError("the event stream did not catch up in time")


def test_search_tags_and_the_inbox_with_its_unread_badge(stack, tab):
    page = tab.page
    checks = PageChecks("inbox and search, desktop")
    ines = _member(stack.api, "ines")
    record = requests.post(f"{stack.api}/records", headers=ines, timeout=10, json={
        "kind": "text", "title": "Café au lait", "body": "Warm.", "tags": ["Jazz Nights"]}).json()["record"]["id"]
    _until(lambda: requests.get(f"{stack.api}/search/records?q=cafe", timeout=10).json()["items"])

    tab.open(stack.site)
    sign_in(tab, "omar", register_as="omar")

    # the search box in the top bar: "CAFE" finds "Café"
    page.fill("header.top form.search-box input[name=q]", "CAFE")
    page.press("header.top form.search-box input[name=q]", "Enter")
    page.wait_for_selector(f"section.search .cards .card[data-record-id='{record}']")
    assert page.locator("section.search h1").inner_text() == "Search: CAFE"
    checks.page(tab, "search results")
    tab.shot("search")

    # the tag list, then the tag's page
    tab.go("#/tags", "section.tag-list ul.tags a.tag")
    assert page.locator("section.tag-list a.tag").all_inner_texts() == ["jazz nights"]
    checks.page(tab, "tags")
    page.click("section.tag-list a.tag")
    page.wait_for_selector(f"section.feed .cards .card[data-record-id='{record}']")
    assert "jazz nights" in page.locator("section.feed h1").inner_text()
    checks.page(tab, "tag page")

    # omar hearts it; ines (the owner) sees the badge and her inbox
    tab.go(f"#/records/{record}", "section.record button.heart")
    page.click("section.record button.heart")
    page.wait_for_selector("section.record button.heart[aria-pressed=true]")
    page.click("section.record ul.tags a.tag")  # a record's tags lead to their pages
    page.wait_for_selector(f"section.feed .cards .card[data-record-id='{record}']")
    _until(lambda: requests.get(f"{stack.api}/me/notifications/unread-count", headers=ines, timeout=10).json()["unread"])

    sign_in(tab, "ines")
    badge = page.locator(".top nav a[href='#/inbox'] .unread-badge")
    badge.wait_for(state="visible")
    assert badge.locator(".n").inner_text() == "1"
    assert page.locator(".top nav a[href='#/inbox']").text_content() == "Inbox, 1 unread"
    page.click(".top nav a[href='#/inbox']")
    note = page.locator("ol.notifications li.notification.unread[data-type=hearted]")
    note.wait_for()
    assert "@omar hearted Café au lait" in note.inner_text()
    checks.page(tab, "inbox")
    tab.shot("inbox")

    page.click("section.inbox button.mark-all")
    page.wait_for_selector("ol.notifications li.notification:not(.unread)")
    badge.wait_for(state="hidden")
    tab.go("#/inbox?unread=true", "section.inbox p.empty")
    assert page.locator("section.inbox p.empty").inner_text() == "Nothing unread."
    checks.report()


def test_the_inbox_asks_to_sign_in_and_search_fits_a_phone(stack, phone):
    page = phone.page
    phone.open(stack.site, "#/inbox")
    page.wait_for_selector("main[aria-busy=false] h1")
    assert page.locator("main a.button[href='#/signin']").count() == 1
    checks = PageChecks("inbox and search, phone")
    checks.page(phone, "inbox signed out")
    phone.go("#/search?q=nothing%20here", "section.search p.empty")
    checks.page(phone, "search, phone")
    phone.go("#/tags", "section.tag-list h1")
    checks.page(phone, "tags, phone")
    checks.report()
