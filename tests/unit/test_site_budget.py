"""The site's budgets that need no browser: no build step (what is in site/ is what is served),
and at most 100 KB of JavaScript, uncompressed, for any one page: what main.js loads for every
page (its static imports, followed through) plus the module a page loads on demand
(main.js's `lazy("./views/...")` routes and `import("./views/...")` calls, with what they import)."""
from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import ROOT

SITE = ROOT / "site"
MAIN = SITE / "js" / "main.js"
PAGE_BUDGET_BYTES = 100 * 1024
STATIC_IMPORT = re.compile(r'^\s*import\s[^;]*?from\s+"([^"]+)"', re.M)
LAZY_ROUTE = re.compile(r'\b(?:lazy|import)\("([^"]+)"')  # lazy("./views/x.js", ...) or import("./views/x.js")


def closure(start: Path) -> set[Path]:
    """`start` and every module its static imports reach."""
    seen, todo = set(), [start.resolve()]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        todo += [(module.parent / target).resolve() for target in STATIC_IMPORT.findall(module.read_text())]
    return seen


def size(modules: set[Path]) -> int:
    return sum(module.stat().st_size for module in modules)


def test_any_one_page_loads_at_most_100_kb_of_javascript():
    every_page = closure(MAIN)
    lazy = {target: closure(MAIN.parent / target) - every_page for target in set(LAZY_ROUTE.findall(MAIN.read_text()))}
    pages = {"every page": size(every_page), **{f"+ {t}": size(every_page) + size(m) for t, m in lazy.items()}}
    total = sum(path.stat().st_size for path in SITE.rglob("*.js"))
    print(f"\nJavaScript: every page {pages['every page']} bytes; all of site/ {total} bytes")
    for name, bytes_ in pages.items():
        assert bytes_ <= PAGE_BUDGET_BYTES, f"{name}: {bytes_} bytes of JavaScript, budget {PAGE_BUDGET_BYTES}"
    assert lazy, "main.js loads no view on demand: every byte is on every page"


def test_the_site_has_no_build_step_every_module_it_imports_is_a_file_in_site():
    for path in SITE.rglob("*.js"):
        text = path.read_text()
        for target in STATIC_IMPORT.findall(text) + LAZY_ROUTE.findall(text):
            assert target.startswith("."), f"{path.name} imports {target!r}, which only a bundler could resolve"
            assert (path.parent / target).resolve().is_file(), f"{path.name} imports a missing {target}"
