"""Your data in a real browser, on an empty stack: a member downloads their data from their own
page (the archive holds their record), then deletes their account by typing their handle; their
work stays, owned by orphan."""
from __future__ import annotations

import io
import json
import zipfile

import requests

from local.tokens import mint
from tests.browser.conftest import sign_in


def test_a_member_downloads_their_data_then_deletes_their_account(stack, tab):
    page = tab.page
    tab.open(stack.site)
    sign_in(tab, "yuki", register_as="yuki")
    headers = {"Authorization": f"Bearer {mint('yuki')}"}
    record = requests.post(f"{stack.api}/records", headers=headers, timeout=10, json={
        "kind": "text", "title": "Kept after I go", "body": "Words."}).json()["record"]["id"]

    tab.go("#/members/yuki", "section.member details.your-data")
    page.click("details.your-data summary")
    page.click("button[data-action=export]")
    link = page.wait_for_selector("a[data-role=export-link]", timeout=60_000)
    archive = zipfile.ZipFile(io.BytesIO(requests.get(link.get_attribute("href"), timeout=30).content))
    assert json.loads(archive.read(f"records/{record}.json"))["title"] == "Kept after I go"
    assert json.loads(archive.read("profile.json"))["handle"] == "yuki"
    tab.shot("export-ready")

    submit = page.locator("form.delete-account button[type=submit]")
    page.fill("form.delete-account input[name=confirm_handle]", "yuk")
    assert submit.is_disabled()  # only the handle itself confirms
    page.fill("form.delete-account input[name=confirm_handle]", "yuki")
    assert submit.is_enabled()
    submit.click()
    page.wait_for_selector("#session a[href='#/signin']")

    assert requests.get(f"{stack.api}/members/yuki", timeout=10).status_code == 404
    assert requests.get(f"{stack.api}/records/{record}", timeout=10).json()["owner"] == {"id": None, "handle": "orphan"}
    tab.shot("deleted")
