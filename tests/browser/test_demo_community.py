"""`make demo`'s community, as a newcomer sees it in a real browser: every kind plays or shows,
the filters and trending work, a collaboration gathers records, a production charts its split,
and a member downloads a closed period's statement as CSV. Also: a phone-width screen and a
keyboard-only visit."""
from __future__ import annotations

import csv
import io
import json
import urllib.request

from tests.browser.conftest import sign_in


def records_by_title(api: str) -> dict[str, dict]:
    with urllib.request.urlopen(f"{api}/records?limit=100") as reply:
        return {r["title"]: r for r in json.load(reply)["items"]}


def test_the_demo_shows_every_kind_in_the_feed_and_filters_by_kind_and_never_remixed(demo_stack, tab):
    page = tab.page
    tab.open(demo_stack.site)
    kinds = page.locator(".cards .card").evaluate_all("cards => cards.map(c => c.dataset.kind)")
    assert set(kinds) == {"audio", "video", "image", "photo", "animation", "text"}
    assert len(kinds) == 10
    tab.shot("feed")

    page.click(".filters a:text-is('Music')")
    page.wait_for_selector(".filters a[aria-current=true]:text-is('Music')")
    assert set(page.locator(".cards .card").evaluate_all("cards => cards.map(c => c.dataset.kind)")) == {"audio"}

    page.click(".filters a:text-is('Everything')")
    page.wait_for_selector(".filters a[aria-current=true]:text-is('Everything')")
    page.check("#unremixed")
    page.wait_for_selector("h1:text-is('Never remixed')")
    remix_counts = page.locator(".cards .card .remixes").all_inner_texts()
    assert remix_counts and all(text.startswith("⤳ 0 ") for text in remix_counts)
    assert "Lantern Study" not in page.locator(".cards h3").all_inner_texts()  # remixed twice
    tab.shot("never-remixed")

    tab.go("#/trending", "h1:text-is('Trending')")
    page.wait_for_selector(".cards .card")
    hearts = [int(t.split()[1]) for t in page.locator(".cards .card .hearts").all_inner_texts()]
    assert hearts == sorted(hearts, reverse=True) and hearts[0] == 5  # Lantern Study leads
    tab.shot("trending")


def show(tab, record: dict, inside: str) -> None:
    """Opens a record's page and waits for `inside` on that record's own page (not the last one's)."""
    tab.go(f"#/records/{record['id']}", f"section.record[data-record-id='{record['id']}'] {inside}")


def test_each_kind_has_its_player_or_viewer(demo_stack, tab):
    page = tab.page
    records = records_by_title(demo_stack.api)
    tab.open(demo_stack.site)

    show(tab, records['Night Market, Three Seconds'], "video.media")
    video = page.locator("video.media")
    video.evaluate("v => v.readyState >= 2 || new Promise(r => v.addEventListener('loadeddata', r, {once: true}))")
    assert video.evaluate("v => [v.videoWidth, v.videoHeight, Math.round(v.duration)]") == [320, 180, 3]
    video.evaluate("v => v.play()")
    page.wait_for_function("() => document.querySelector('video.media').currentTime > 0.2")
    tab.shot("video")

    show(tab, records['Low Tide'], "audio.media")
    audio = page.locator("audio.media")
    audio.evaluate("a => a.readyState >= 1 || new Promise(r => a.addEventListener('loadedmetadata', r, {once: true}))")
    assert round(audio.evaluate("a => a.duration"), 2) == 3.84  # twelve notes of 0.32 s
    tab.shot("audio")

    show(tab, records['Lantern Flicker'], "img.media")
    assert page.locator("img.media").evaluate("img => img.complete && img.naturalWidth") == 240
    show(tab, records['Lantern Study II'], "img.media")
    assert page.locator("img.media").evaluate("img => img.complete && img.naturalWidth") == 480  # webp
    show(tab, records['The Lantern Keeper'], "article.text-body")
    assert "Mira climbs the ladder" in page.locator("article.text-body").inner_text()
    tab.shot("text")


def test_the_remix_tree_shows_ancestors_and_descendants_three_levels_apart(demo_stack, tab):
    page = tab.page
    records = records_by_title(demo_stack.api)
    flicker, lantern, study2 = (records[t]["id"] for t in ("Lantern Flicker", "Lantern Study", "Lantern Study II"))
    tab.open(demo_stack.site, f"#/records/{flicker}")
    page.wait_for_selector("svg.lineage")
    edges = page.locator("svg.lineage path.edge").evaluate_all(
        "paths => paths.map(p => [p.dataset.source, p.dataset.remix])")
    assert sorted(edges) == sorted([[lantern, flicker], [flicker, study2]])
    boxes = {id_: page.locator(f"svg.lineage g.node[data-record-id='{id_}'] rect").bounding_box()["x"]
             for id_ in (lantern, flicker, study2)}
    assert boxes[lantern] < boxes[flicker] < boxes[study2]  # sources left, remixes right
    page.click(f"svg.lineage a[href='#/records/{lantern}']")
    page.wait_for_selector(f"section.record[data-record-id='{lantern}']")
    tab.shot("tree")


def test_collaboration_production_split_and_statement_csv(demo_stack, tab):
    page = tab.page
    tab.open(demo_stack.site, "#/collaborations")
    page.click("a:text-is('Night Market')")
    page.wait_for_selector("section.collaboration .cards .card")
    assert page.locator("section.collaboration .cards .card").count() == 6
    tab.shot("collaboration")

    tab.go("#/productions", "ul.rows")
    page.click("a:text-is('Night Market — the zine')")
    page.wait_for_selector("figure.split-chart")
    members = page.locator("rect.bar.member").evaluate_all("bars => bars.map(b => b.dataset.member)")
    assert set(members) == {"dev", "cleo", "ben", "fay", "ada", "eli"}
    pool = int(page.get_attribute("figure.split-chart", "data-pool"))
    assert sum(int(a) for a in page.locator("rect.bar.member").evaluate_all("bars => bars.map(b => b.dataset.amount)")) == pool
    assert page.locator("rect.bar.lineage[data-amount]:not([data-amount='0'])").count() >= 3  # lineage included
    tab.shot("production")

    sign_in(tab, "cleo")
    tab.go("#/statements", "table.statements")
    page.click("table.statements tbody a")
    page.wait_for_selector("table.lines")
    tab.shot("statement")
    with page.expect_download() as download:
        page.click("button:text-is('Download CSV')")
    rows = list(csv.reader(io.StringIO(download.value.path().read_text())))
    assert rows[0] == ["currency", "production_id", "production_title", "record_id", "record_title", "via", "amount"]
    assert {row[4] for row in rows[1:]} == {"Lantern Study II", "Lantern Study"}
    assert {row[5] for row in rows[1:]} == {"contribution", "lineage"}


def test_pages_fit_a_phone_screen(demo_stack, phone):
    page = phone.page
    records = records_by_title(demo_stack.api)
    phone.open(demo_stack.site)
    productions = json.load(urllib.request.urlopen(f"{demo_stack.api}/productions"))["items"]
    for label, hash_, ready in [
        ("feed", "#/", ".cards .card"),
        ("record", f"#/records/{records['Lantern Flicker']['id']}", "svg.lineage"),
        ("production", f"#/productions/{productions[0]['id']}", "figure.split-chart"),
        ("sign-in", "#/signin", "form.signin"),
    ]:
        phone.go(hash_, ready)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{label} is {overflow}px wider than the phone"
        phone.shot(label)


def test_a_keyboard_alone_signs_in_and_hearts_a_record(demo_stack, tab):
    page = tab.page
    records = records_by_title(demo_stack.api)
    tab.open(demo_stack.site)

    def tab_to(selector: str, presses: int = 60) -> None:
        for _ in range(presses):
            page.keyboard.press("Tab")
            if page.evaluate("s => document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"Tab never reached {selector}")

    tab_to("#session a[href='#/signin']")
    page.keyboard.press("Enter")
    page.wait_for_selector("form.signin")
    tab_to("form.signin input[name=sub]")
    page.keyboard.type("ben")
    page.keyboard.press("Enter")
    page.wait_for_selector("#session a[href='#/members/ben']")

    show(tab, records["Rooftops, Blue Hour"], "button.heart")
    tab_to("button.heart")
    page.keyboard.press("Space")
    page.wait_for_selector("button.heart[aria-pressed=true]")
    assert page.locator("button.heart .count").inner_text() == "1"
    tab.shot("hearted-by-keyboard")
