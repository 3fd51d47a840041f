"""The route table, and how the app serves it without importing it.

Each resource module declares its routes (`routing.Router.route`). Importing all of them costs
about as much as the libraries do, and a cold start serves one route, so the app registers every
route from `manifest.ROUTES` (method, path, module) and imports a route's module on its first
request. `routers()` imports them all, for the OpenAPI document and the tests; a unit test keeps
the manifest equal to what the modules declare (`python -m chalicelib.api.routes` rewrites it).
"""
from __future__ import annotations

import importlib
from pathlib import Path

from chalicelib.api.manifest import ROUTES
from chalicelib.api.routing import CORS, HANDLERS, ROUTERS, Router, dispatch

# In the order the OpenAPI document lists them.
MODULES = ("system", "members", "records", "hearts", "collaborations", "productions", "webhooks", "sales",
           "royalties", "licences", "comments", "follows", "notifications", "search", "payouts", "your_data",
           "proposals", "moderation", "copyright")
NO_CORS = ("webhooks",)  # server to server (routing.CORS says why the others have it)


def routers() -> list[Router]:
    """Every router, in MODULES order, whatever order their modules were first imported in."""
    for module in MODULES:
        importlib.import_module(f"chalicelib.api.{module}")
    return sorted(ROUTERS, key=lambda router: MODULES.index(router.tag))


def mount(app) -> None:
    """Registers every route of the manifest with the Chalice app, each importing its module
    on first use."""
    for method, path, module in ROUTES:
        # Every content type reaches the wrapper, so a wrong one is a problem+json 415.
        app.route(path, methods=[method], content_types=["*/*"], name=f"{module}: {method} {path}",
                  cors=None if module in NO_CORS else CORS)(_view(app, f"{method} {path}", module))


def _view(app, route: str, module: str):
    def view(**path_params):
        if route not in HANDLERS:
            importlib.import_module(f"chalicelib.api.{module}")
        spec, handler = HANDLERS[route]
        return dispatch(spec, handler, app.current_request, path_params)

    return view


def declared_routes() -> tuple[tuple[str, str, str], ...]:
    """(method, path, module) of every route the modules declare: what the manifest must say."""
    return tuple((spec.method, spec.path, router.tag) for router in routers() for spec in router.specs)


def write_manifest() -> None:
    lines = ['"""Every route of the API: (method, path, module). Written by `python -m chalicelib.api.routes`',
             'from what the modules declare; `tests/unit/test_routes.py` checks that it is current."""', "",
             "ROUTES = ("]
    lines += [f"    {route!r}," for route in declared_routes()]
    lines += [")", ""]
    (Path(__file__).parent / "manifest.py").write_text("\n".join(lines))


if __name__ == "__main__":
    write_manifest()
