"""What every browser journey checks on every page it visits: axe-core finds no serious or
critical violation, the first paint comes within the budget (printed), nothing scrolls sideways,
no table caption is squeezed into a column.

axe-core is pinned in tests/browser/package.json and installed by `make test` (npm ci there),
like infra's CDK CLI; it is injected into the page under test, never shipped with the site.
"""
from __future__ import annotations

from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
FIRST_PAINT_BUDGET_MS = 1000
SERIOUS = ("serious", "critical")


def axe_violations(page) -> list[str]:
    """Serious and critical axe-core violations on the page as it is now, one line each."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make test` installs it (npm ci in tests/browser/)")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async () => {
        const result = await axe.run(document, { resultTypes: ['violations'] });
        return result.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
            targets: v.nodes.slice(0, 3).map(n => n.target.join(' ')) }));
    }""")
    return [f"{v['impact']}: {v['id']} ({v['help']}) at {', '.join(v['targets'])}" for v in found if v["impact"] in SERIOUS]


def first_paint_ms(page) -> float:
    """The document's first contentful paint (the first paint if that is all there is), in ms."""
    return page.evaluate("""() => {
        const paints = performance.getEntriesByType('paint');
        const contentful = paints.find(p => p.name === 'first-contentful-paint') || paints.find(p => p.name === 'first-paint');
        return contentful ? contentful.startTime : NaN;
    }""")


def sideways_overflow(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


def squeezed_captions(page) -> list[str]:
    """Table captions squeezed into a narrow column (a letter a line), as a stacked table once did."""
    return page.evaluate("""() => [...document.querySelectorAll('caption')]
        .filter(c => c.textContent.trim().length > 12 && c.getBoundingClientRect().width < 80)
        .map(c => c.textContent.trim())""")


class PageChecks:
    """Collects each page's figures and findings; the journey asserts at the end and prints them."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.paints: dict[str, float] = {}
        self.ready: dict[str, float] = {}  # when the page's content was there (aria-busy false), for the record
        self.findings: list[str] = []

    def page(self, tab, name: str, *, cold: str | None = None) -> None:
        """Checks the page shown now. `cold`: a full load of that URL first (a first paint is a
        document's, so it is measured on a fresh load, not a same-document navigation)."""
        page = tab.page
        if cold is not None:
            page.goto("about:blank")  # a new document: a hash-only goto would not load the page again
            page.goto(cold)
            page.wait_for_selector("body[data-ready=true]")
            page.wait_for_selector("main[aria-busy=false]")
            self.paints[name] = first_paint_ms(page)
            self.ready[name] = page.evaluate("() => performance.now()")
        for violation in axe_violations(page):
            self.findings.append(f"{name}: {violation}")
        overflow = sideways_overflow(page)
        if overflow > 0:
            self.findings.append(f"{name}: {overflow}px wider than the screen")
        for caption in squeezed_captions(page):
            self.findings.append(f"{name}: the caption {caption!r} is squeezed into a narrow column")

    def report(self) -> None:
        print(f"\nfirst paint, {self.label} (budget {FIRST_PAINT_BUDGET_MS} ms):")
        for name, ms in self.paints.items():
            print(f"  {name:24} {ms:7.0f} ms   (content ready by {self.ready[name]:.0f} ms)")
        slow = {n: ms for n, ms in self.paints.items() if not ms <= FIRST_PAINT_BUDGET_MS}
        assert not slow, f"first paint over budget: {slow}"
        assert self.findings == [], "\n".join(self.findings)
