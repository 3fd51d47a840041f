"""The site's budgets that need no browser: every JavaScript file it ships adds up to at most
100 KB uncompressed, with no build step (what is in site/ is what is served)."""
from __future__ import annotations

from tests.conftest import ROOT

SITE = ROOT / "site"
JS_BUDGET_BYTES = 100 * 1024


def test_the_site_ships_at_most_100_kb_of_javascript():
    files = sorted(SITE.rglob("*.js"))
    total = sum(path.stat().st_size for path in files)

    assert files, "no JavaScript found under site/"
    assert total <= JS_BUDGET_BYTES, f"{total} bytes of JavaScript, budget {JS_BUDGET_BYTES}: " + ", ".join(
        f"{path.relative_to(SITE)} {path.stat().st_size}" for path in files)


def test_the_site_has_no_build_step_every_module_it_imports_is_a_file_in_site():
    import re

    for path in SITE.rglob("*.js"):
        for target in re.findall(r'^\s*import\s.*?from\s+"([^"]+)"', path.read_text(), re.M):
            assert target.startswith("."), f"{path.name} imports {target!r}, which only a bundler could resolve"
            assert (path.parent / target).resolve().is_file(), f"{path.name} imports a missing {target}"
