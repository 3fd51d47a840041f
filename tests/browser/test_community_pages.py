"""Comments, follows and the following feed in a real browser, on an empty stack: a member
comments under a record, replies, edits and removes; pins a comment on a song's timeline and
jumps there; follows a member and reads their records on the Following page."""
from __future__ import annotations

import time

import requests

from local.tokens import mint
from tests import media_samples as samples
from tests.browser.conftest import sign_in


def _member(api: str, handle: str) -> dict:
    headers = {"Authorization": f"Bearer {mint(f'sub-{handle}')}"}
    requests.post(f"{api}/members", json={"handle": handle, "display_name": handle.title()}, headers=headers,
                  timeout=10).raise_for_status()
    return headers


def _text(api: str, headers: dict, title: str) -> str:
    reply = requests.post(f"{api}/records", json={"kind": "text", "title": title, "body": "Once."}, headers=headers,
                          timeout=10)
    reply.raise_for_status()
    return reply.json()["record"]["id"]


def _song(api: str, headers: dict) -> str:
    """A ready two-second WAV of the member's."""
    data = samples.wav(seconds=2.0)
    created = requests.post(f"{api}/records", headers=headers, timeout=10, json={
        "kind": "audio", "title": "Two seconds", "file": {"filename": "two.wav", "content_type": "audio/wav",
                                                          "size": len(data)}}).json()
    post = created["upload"]
    requests.post(post["url"], data=post["fields"], files={"file": ("two.wav", data)}, timeout=30).raise_for_status()
    record_id = created["record"]["id"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if requests.get(f"{api}/records/{record_id}", headers=headers, timeout=10).json()["status"] == "ready":
            return record_id
        time.sleep(0.3)
    raise AssertionError("the song never became ready")


def test_a_member_comments_replies_edits_and_removes_under_a_record(stack, tab):
    page = tab.page
    alice = _member(stack.api, "alice")
    story = _text(stack.api, alice, "A story to talk about")
    tab.open(stack.site)
    sign_in(tab, "nils", register_as="nils")

    tab.go(f"#/records/{story}", "section.record .comments-section")
    assert page.locator(".comments-section .comment").count() == 0
    page.fill(".comments-section form.comment-form textarea[name=body]", "Lovely\nending.")
    page.click(".comments-section form.comment-form button[type=submit]")
    first = page.locator(".comments > li.comment").first
    first.wait_for()
    assert first.locator(".comment-body").inner_text() == "Lovely\nending."

    # a reply, under the comment
    first.locator("button.reply").click()
    page.fill("form.reply-form textarea[name=body]", "Thanks!")
    page.click("form.reply-form button[type=submit]")
    page.wait_for_selector(".comments > li.comment .replies li.comment .comment-body:text-is('Thanks!')")

    # an edit of one's own comment
    page.locator(".comments > li.comment").first.locator("> .comment-tools button.edit").click()
    page.fill(".comments > li.comment > form.comment-form textarea[name=body]", "Lovely ending, really.")
    page.click(".comments > li.comment > form.comment-form button[type=submit]")
    page.wait_for_selector(".comments > li.comment > .comment-body:text-is('Lovely ending, really.')")
    assert "edited" in page.locator(".comments > li.comment > .meta").first.inner_text()

    # removal leaves a tombstone that keeps the reply in place
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(".comments > li.comment").first.locator("> .comment-tools button.remove").click()
    page.wait_for_selector(".comments > li.comment[data-status=removed]")
    assert page.locator(".comments > li.comment .replies .comment-body").inner_text() == "Thanks!"
    tab.shot("comments")

    # the form was emptied once its comment was posted; an empty one is not sent
    assert page.input_value(".comments-section > form.comment-form textarea[name=body]") == ""
    requests_made = []
    page.on("request", lambda r: requests_made.append(r.url) if "/comments" in r.url and r.method == "POST" else None)
    page.click(".comments-section > form.comment-form button[type=submit]")
    assert requests_made == []  # `required` keeps an empty body from being sent


def test_pinned_comments_sit_on_the_players_timeline_and_jump_there(stack, tab):
    page = tab.page
    bob = _member(stack.api, "bob")
    song = _song(stack.api, bob)
    requests.post(f"{stack.api}/records/{song}/comments", headers=bob, json={"body": "The drop", "at_seconds": 1.5},
                  timeout=10).raise_for_status()
    tab.open(stack.site)
    sign_in(tab, "olga", register_as="olga")

    tab.go(f"#/records/{song}", ".comment-timeline .pin")
    pin = page.locator(".comment-timeline .pin")
    assert pin.count() == 1 and "The drop" in pin.get_attribute("aria-label")
    assert 70 <= float(pin.evaluate("p => parseFloat(p.style.left)")) <= 80  # 1.5 s of 2 s
    pin.click()
    page.wait_for_function("() => Math.abs(document.querySelector('.stage audio').currentTime - 1.5) < 0.3")

    # a comment pinned to the player's current moment lands on the timeline too
    page.evaluate("() => { const a = document.querySelector('.stage audio'); a.pause(); a.currentTime = 0.5; }")
    page.fill(".comments-section > form.comment-form textarea[name=body]", "Here")
    page.check(".comments-section > form.comment-form input[name=pin]")
    page.click(".comments-section > form.comment-form button[type=submit]")
    page.wait_for_function("() => document.querySelectorAll('.comment-timeline .pin').length === 2")
    tab.shot("timeline")


def test_a_member_follows_another_and_reads_their_records_on_the_following_page(stack, tab):
    page = tab.page
    carl = _member(stack.api, "carl")
    older = _text(stack.api, carl, "Written before the follow")
    tab.open(stack.site)
    sign_in(tab, "pia", register_as="pia")

    tab.go("#/members/carl", "section.member button.follow")
    button = page.locator("button.follow")
    assert button.get_attribute("aria-pressed") == "false"
    button.click()
    page.wait_for_selector("button.follow[aria-pressed=true]")
    assert page.locator(".follows .followers .count").inner_text() == "1"
    newer = _text(stack.api, carl, "Written after the follow")

    # the feed is filled asynchronously: a few seconds at most on the local stack
    deadline = time.monotonic() + 20
    while True:
        tab.go("#/trending", "section h1")  # away and back: the page reads the feed again
        tab.go("#/following", "section.following h1")
        cards = page.locator("section.following li.card").evaluate_all("cards => cards.map(c => c.dataset.recordId)")
        if newer in cards and older in cards:
            break
        assert time.monotonic() < deadline, cards
        time.sleep(0.5)
    assert cards == [newer, older]
    tab.shot("following")

    tab.go("#/members/carl", "section.member button.follow[aria-pressed=true]")
    page.click("button.follow")
    page.wait_for_selector("button.follow[aria-pressed=false]")
    assert page.locator(".follows .followers .count").inner_text() == "0"
