"""A member's journey on an empty stack, desktop and phone: upload → preview → heart → remix →
comment → follow → inbox, a refused upload shown with its reason and tried again, editing and taking down a record, editing the profile. On every page: axe-core finds
nothing serious, the first paint is within 1 s (printed), nothing scrolls sideways. Screenshots
go to test-artifacts/browser/."""
from __future__ import annotations

from local import demo_media
from tests.browser.checks import PageChecks, sideways_overflow
from tests.browser.conftest import sign_in


def ready_page(record_id: str) -> str:
    return f"section.record[data-record-id='{record_id}'][data-status=ready]"


def publish(tab, kind: str, title: str, path: str, *, note: str | None = None, wait: str = "ready",
            open_form: bool = True) -> str:
    """Fills the upload form (opened first, unless it is open already) and publishes; the record's
    id once its page shows `wait`."""
    page = tab.page
    if open_form:
        tab.go("#/upload", "form.upload main[aria-busy=false], main[aria-busy=false] form.upload")
    page.select_option("form.upload select[name=kind]", kind)
    page.fill("form.upload input[name=title]", title)
    page.set_input_files("form.upload input[type=file]", path)
    if note is not None:
        page.fill("form.upload input[name=note]", note)
    page.click("form.upload button[type=submit]")
    page.wait_for_selector(f"section.record[data-status={wait}] h1:text-is('{title}')", timeout=60_000)
    return page.get_attribute("section.record", "data-record-id")


def card(page, record_id: str):
    return page.locator(f".cards .card[data-record-id='{record_id}']").first


def feed_until(tab, record_id: str, inside: str, tries: int = 20) -> None:
    """Opens the feed until the record's card shows `inside` (previews come a moment after ready)."""
    for attempt in range(tries):
        tab.go(f"#/?fresh={attempt}", f".cards .card[data-record-id='{record_id}']")
        if card(tab.page, record_id).locator(inside).count():
            return
        tab.page.wait_for_timeout(300)
    raise AssertionError(f"the card of {record_id} never showed {inside}")


def watch_loading(page) -> None:
    """Records, from inside the page, each aria-busy change of main and what main held then."""
    page.evaluate("""() => {
        const main = document.getElementById('main');
        window.busySeen = [];
        new MutationObserver(() => window.busySeen.push([main.getAttribute('aria-busy'), main.innerText.slice(0, 80)]))
            .observe(main, { attributes: true, attributeFilter: ['aria-busy'] });
    }""")


def test_a_member_uploads_sees_previews_hearts_remixes_edits_and_takes_down(stack, screen_tab, tmp_path):
    tab, screen = screen_tab, screen_tab.screen
    page = tab.page
    checks = PageChecks(f"member journey, {screen}")
    suffix = screen[0]
    kite_png, folded_png, tune_wav, broken = (tmp_path / n for n in ("kite.png", "folded.png", "tune.wav", "broken.png"))
    kite_png.write_bytes(demo_media.png(palette="sea", seed=7))
    folded_png.write_bytes(demo_media.png(palette="ember", seed=8))
    tune_wav.write_bytes(demo_media.wav())
    broken.write_bytes(b"not a picture at all, only words " * 20)

    # Given a newcomer on the empty site
    tab.open(stack.site)
    checks.page(tab, "feed (empty)", cold=stack.site + "#/")
    sign_in(tab, f"nora{suffix}", register_as=f"nora{suffix}")
    checks.page(tab, "upload")

    # When she uploads a picture and a tune, their cards show a thumbnail, a waveform, a date and a length
    kite = publish(tab, "image", "Blue Kite", str(kite_png), open_form=False)  # registering opened it
    tune = publish(tab, "audio", "Kite Song", str(tune_wav))
    feed_until(tab, kite, "img[src*='previews']")
    feed_until(tab, tune, "svg.waveform")  # previews come a moment after "ready"
    tab.go(f"#/records/{tune}", f"{ready_page(tune)} .player svg.waveform")
    assert page.locator("section.record .player svg.waveform rect").count() == 200
    checks.page(tab, "record (audio)")
    tab.go("#/", f".cards .card[data-record-id='{tune}']")
    assert card(page, tune).locator("svg.waveform rect").count() == 200
    assert card(page, tune).locator(".length").inner_text() == "0:03"  # eight notes of 0.32 s
    assert card(page, kite).locator("img").evaluate("img => img.complete && img.naturalWidth") == 480
    assert card(page, kite).locator(".meta").inner_text().count("Illustration") == 1
    assert card(page, kite).locator("time").get_attribute("datetime")
    tab.shot("feed-previews")
    checks.page(tab, "feed", cold=stack.site + "#/")

    # And a file that is not what it claims is refused with its reason, and tried again
    refused = publish(tab, "image", "Kite Sketch", str(broken), wait="rejected")
    assert "not accepted" in page.locator(".refused").inner_text()
    assert page.locator("form.upload progress").count() == 0  # no stale progress bar under it
    tab.shot("refused")
    checks.page(tab, "record (refused)")
    page.click("a:text-is('Try again with another file')")
    page.wait_for_selector("form.upload")
    assert page.input_value("form.upload input[name=title]") == "Kite Sketch"
    retried = publish(tab, "image", "Kite Sketch", str(folded_png), open_form=False)
    assert retried != refused

    # When a signed-out visitor opens the kite, the heart invites them to sign in
    page.click("#session button:has-text('Sign out')")
    tab.go(f"#/records/{kite}", ready_page(kite))
    invite = page.locator("a.heart.invite")
    assert "Sign in to heart" in invite.inner_text()
    checks.page(tab, "record (signed out)", cold=f"{stack.site}#/records/{kite}")
    page.click("a.heart.invite")
    page.wait_for_selector("form.signin")
    page.fill("form.signin input[name=sub]", f"omar{suffix}")
    page.click("form.signin button[type=submit]")
    page.wait_for_selector("form.register")
    page.fill("form.register input[name=handle]", f"omar{suffix}")
    page.fill("form.register input[name=display_name]", "Omar")
    page.click("form.register button[type=submit]")
    # Then, registered, they are back on the kite, and heart it with the keyboard alone
    page.wait_for_selector(f"{ready_page(kite)} button.heart")
    page.focus("button.heart")
    page.keyboard.press("Enter")
    page.wait_for_selector("button.heart[aria-pressed=true]")
    assert page.locator("button.heart .count").inner_text() == "1"
    tab.shot("hearted")

    # And the record page leaves no old page behind while the next one loads
    watch_loading(page)
    page.click("a:text-is('Remix this')")
    page.wait_for_selector("form.upload .remix-of")
    seen = page.evaluate("window.busySeen")
    assert seen[0][0] == "true" and "Blue Kite" not in seen[0][1], seen
    assert seen[-1][0] == "false"

    # When they remix it, the remix's card says what it is a remix of
    folded = publish(tab, "image", "Blue Kite, Folded", str(folded_png), note="folded in half", open_form=False)
    checks.page(tab, "record (remix)")
    tree = page.locator(".tree-box")
    if screen == "phone":  # the tree centres this record and shows there is more to scroll to
        node = page.locator(f"svg.lineage g.node[data-record-id='{folded}'] rect").bounding_box()
        assert 0 <= node["x"] and node["x"] + node["width"] <= 390, node
    assert tree.count() == 1
    feed_until(tab, folded, ".remix-mark")
    page.wait_for_selector(f".cards .card[data-record-id='{folded}'] .remix-mark a:text-is('Blue Kite')")  # named once fetched
    assert card(page, folded).locator(".remix-mark").inner_text() == "Remix of Blue Kite"
    tab.shot("remix-card")

    # And they comment on the kite and follow its maker, by keyboard
    tab.go(f"#/records/{kite}", f"{ready_page(kite)} form.comment-form textarea")
    box = page.locator("form.comment-form textarea").first
    box.focus()
    page.keyboard.type("Lovely kite!")
    page.keyboard.press("Tab")
    while not page.evaluate("() => document.activeElement.matches('form.comment-form button[type=submit]')"):
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector(".comments .comment-body:text-is('Lovely kite!')")
    checks.page(tab, "record (comment)")
    tab.go(f"#/members/nora{suffix}", "section.member button.follow")
    page.focus("button.follow")
    page.keyboard.press("Enter")
    page.wait_for_selector("button.follow[aria-pressed=true]")
    checks.page(tab, "member")

    # When the first member edits her record and her profile, and takes a record down
    sign_in(tab, f"nora{suffix}")
    tab.go(f"#/records/{tune}", ready_page(tune))
    page.click(".owner-tools summary")
    page.fill(".edit-record input[name=title]", "Kite Song (live)")
    page.click(".edit-record button[type=submit]")
    page.wait_for_selector(f"{ready_page(tune)} h1:text-is('Kite Song (live)')")
    checks.page(tab, "record (owner)")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click(".owner-tools summary")
    page.click(".owner-tools button.danger")
    page.wait_for_selector(f"section.record[data-record-id='{tune}'][data-status=removed]")
    assert "Taken down" in page.locator(".tombstone").inner_text()
    tab.go(f"#/members/nora{suffix}", "section.member")
    page.click(".owner-tools summary")
    page.fill(".edit-profile textarea[name=bio]", "Kites, mostly.")
    page.click(".edit-profile button[type=submit]")
    page.wait_for_selector("p.bio:text-is('Kites, mostly.')")
    tab.shot("profile")
    checks.page(tab, "member (own)")
    # Then her inbox tells her of the heart, the comment, the remix and the follow (they arrive
    # through the event stream, a moment later)
    for attempt in range(20):
        tab.go(f"#/inbox?fresh={attempt}", "section.inbox")
        if page.locator("li.notification[data-type=followed]").count():
            break
        page.wait_for_timeout(500)
    kinds = set(page.locator("li.notification").evaluate_all("items => items.map(i => i.dataset.type)"))
    assert {"followed", "commented", "remixed"} <= kinds, kinds
    tab.shot("inbox")
    checks.page(tab, "inbox")

    # Then no page had a serious accessibility violation, a slow first paint or a sideways scroll
    if screen == "phone":
        page.set_viewport_size({"width": 360, "height": 740})
        for hash_ in ("#/", f"#/records/{folded}", f"#/members/nora{suffix}", "#/upload"):
            tab.go(hash_, "main[aria-busy=false] h1")
            assert sideways_overflow(page) <= 0, f"{hash_} scrolls sideways at 360 px"
        tab.shot("360px")
    checks.report()


def test_a_keyboard_alone_uploads_a_picture(stack, tab, tmp_path):
    page = tab.page
    picture = tmp_path / "harbour.png"
    picture.write_bytes(demo_media.png(palette="moss", seed=4))
    tab.open(stack.site)
    sign_in(tab, "kai", register_as="kai")  # lands on the upload form

    def tab_to(selector: str, presses: int = 40) -> None:
        for _ in range(presses):
            page.keyboard.press("Tab")
            if page.evaluate("s => document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"Tab never reached {selector}")

    page.focus("main h1")
    tab_to("form.upload select[name=kind]")
    page.keyboard.type("Photography")  # a select picks the option typed
    assert page.input_value("form.upload select[name=kind]") == "photo"
    tab_to("form.upload input[name=title]")
    page.keyboard.type("Harbour, by keyboard")
    tab_to("form.upload input[type=file]")
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")  # the system's file dialog opens from the keyboard
    chooser.value.set_files(str(picture))
    tab_to("form.upload button[type=submit]")
    page.keyboard.press("Enter")

    page.wait_for_selector("section.record[data-status=ready] h1:text-is('Harbour, by keyboard')", timeout=60_000)
    assert page.evaluate("() => document.activeElement.matches('main h1')")  # focus moved to the new page
    tab.shot("uploaded-by-keyboard")
