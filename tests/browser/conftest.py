"""The public site in real headless Chromium (Debian's, driven by Playwright), against the local
stack started as `make dev` starts it: its own process, free ports, the site under /site/.

`make test` installs Chromium (apt-get) and Playwright (requirements-dev.txt). Screenshots go to
test-artifacts/browser/ (git-ignored), with each stack's output beside them.
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM = Path(os.environ.get("REMIXERY_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = ROOT / "test-artifacts" / "browser"
# Headless, as root in CI, and quiet on a machine with no network but loopback.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-default-apps", "--no-first-run", "--disable-quic",
                 "--autoplay-policy=no-user-gesture-required"]


@dataclass
class Stack:
    api: str
    site: str
    control: str
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


# The empty stack's payment proposals close after a few seconds, so a test releases a production
# through its proposal without waiting two weeks (`make demo` opens its proposal with its own clock a window back instead).
SHORT_WINDOW = {"REMIXERY_PROPOSAL_WINDOW_SECONDS": "3"}


def start_stack(name: str, *args: str, ready: str | None = None, seconds: float = 600,
                environment: dict[str, str] | None = None) -> Stack:
    """`python -m local --port 0 --control-port 0 ARGS`, its output in a file (a pipe would fill
    up and stall it); returns once it prints its URLs (and `ready`, if given). `seconds` is a
    patience, not a budget: seeding the demo takes minutes on a busy machine."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = ARTIFACTS / f"stack-{name}.log"
    # The test session's own embedded AWS must not leak into the stack: it starts its own.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "REMIXERY_"))} | (environment or {})
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "local", "--port", "0", "--control-port", "0", *args],
                                   cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        urls = {key: m.group(1) for key, pattern in (("api", r"^\s+API\s+(http://\S+)"), ("site", r"^\s+Site\s+(http://\S+)"),
                                                     ("control", r"control (http://[^)\s]+)"))
                if (m := re.search(pattern, text, re.M))}
        if len(urls) == 3 and (ready is None or ready in text):
            return Stack(urls["api"], urls["site"], urls["control"], process, log)
        if process.poll() is not None or "seeding failed" in text:
            break
        time.sleep(0.2)
    stop_stack(process)
    pytest.fail(f"the local stack ({name}) did not get ready:\n{log.read_text(errors='replace')[-5000:]}")


def stop_stack(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


# The browser fixtures are the package's, not the session's: the same one stack, demo stack and
# Chromium for every browser test (they run together, on one worker under `make test`: see
# SHARED_UNITS in tests/conftest.py), stopped when the last browser test is done rather than idling
# while that worker goes on to other files.
@pytest.fixture(scope="package")
def stack():
    """An empty stack, as a newcomer's `make dev` starts."""
    started = start_stack("empty", environment=SHORT_WINDOW)
    yield started
    stop_stack(started.process)


@pytest.fixture(scope="package")
def demo_stack():
    """A stack seeded by `--demo` (`make demo`), once it says the demo is ready."""
    started = start_stack("demo", "--demo", ready="Demo ready")
    yield started
    stop_stack(started.process)


@pytest.fixture(scope="package")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


class Tab:
    """A page with what went wrong in it collected: uncaught errors fail the test that made them."""

    def __init__(self, page, name: str) -> None:
        self.page = page
        self.name = name
        self.errors: list[str] = []
        self.shots = 0
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))
        page.on("console", lambda message: self.errors.append(f"console: {message.text}")
                if message.type == "error" and not _expected_console_error(message.text) else None)

    def open(self, site: str, hash_: str = "#/") -> None:
        self.page.goto(site + hash_)
        self.page.wait_for_selector("body[data-ready=true]")

    def go(self, hash_: str, wait_for: str) -> None:
        """Same-document navigation, as a click on a link does."""
        self.page.evaluate("hash => { location.hash = hash; }", hash_)
        self.page.wait_for_selector(wait_for)

    def shot(self, label: str) -> Path:
        self.shots += 1
        path = ARTIFACTS / f"{self.name}-{self.shots:02d}-{label}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


def _expected_console_error(text: str) -> bool:
    # The browser logs every non-2xx fetch; a 403 from GET /me before registering is how the site
    # learns that a new identity has no profile yet.
    return "status of 403" in text


def _opened(browser, request, **context_options):
    """A page in a context of its own; the test fails if the page reported errors."""
    context = browser.new_context(**context_options)
    page = context.new_page()
    page.set_default_timeout(20_000)
    opened = Tab(page, shot_prefix(request))
    yield opened
    context.close()
    assert opened.errors == [], "the page reported errors"


SCREENS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}, "accept_downloads": True},
    "phone": {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True},
}


@pytest.fixture
def tab(browser, request):
    yield from _opened(browser, request, **SCREENS["desktop"])


@pytest.fixture
def phone(browser, request):
    yield from _opened(browser, request, **SCREENS["phone"])


@pytest.fixture(params=list(SCREENS))
def screen_tab(browser, request):
    """The test runs once on each screen, desktop and phone; its screenshots are named for it."""
    for opened in _opened(browser, request, **SCREENS[request.param]):
        opened.name = f"{opened.name}-{request.param}"
        opened.screen = request.param
        yield opened


def sign_in(tab: Tab, identity: str, *, register_as: str | None = None, producer: bool = False) -> None:
    """Through the site's own form; registers the profile when the identity has none yet."""
    page = tab.page
    tab.go("#/signin", "form.signin, form.register, section h1")
    if page.locator("#session button", has_text="Sign out").count():
        page.click("#session button:has-text('Sign out')")
        tab.go("#/signin", "form.signin")
    page.fill("form.signin input[name=sub]", identity)
    if producer:
        page.check("#as-producer")
    page.click("form.signin button[type=submit]")
    if register_as:
        page.wait_for_selector("form.register")
        page.fill("form.register input[name=handle]", register_as)
        page.fill("form.register input[name=display_name]", register_as.title())
        page.click("form.register button[type=submit]")
        page.wait_for_selector("form.upload")
    page.wait_for_selector(f"#session a[href='#/members/{register_as or identity}']")


def shot_prefix(request) -> str:
    """`test_an_uploaded_image_is_...` → `an_uploaded_image`: short screenshot names."""
    return "_".join(request.node.name.split("_")[1:4])


def frozen_proposal(api: str, headers: dict, production: str, seconds: float = 30) -> dict:
    """The proposal once it is frozen (at once for a small lineage; a large one is frozen by the pump)."""
    import requests

    deadline = time.monotonic() + seconds
    while True:
        proposal = requests.get(f"{api}/productions/{production}/proposal", headers=headers, timeout=10).json()
        if proposal["status"] != "freezing" or time.monotonic() > deadline:
            return proposal
        time.sleep(0.2)
