"""The app serves every declared route from the manifest, importing a route's module on first use."""
from __future__ import annotations

import subprocess
import sys

from chalice.test import Client

from chalicelib.api.manifest import ROUTES
from chalicelib.api.routes import MODULES, declared_routes
from local.aws import PROJECT_DIR


def test_the_manifest_lists_every_declared_route_with_its_module():
    # After adding or changing a route: python -m chalicelib.api.routes
    assert ROUTES == declared_routes()


def test_every_resource_module_is_listed_once():
    assert sorted(MODULES) == sorted({module for _, _, module in ROUTES})
    assert len(set(MODULES)) == len(MODULES)


def test_importing_the_app_imports_no_resource_module():
    code = ("import sys, app; loaded = [m for m in sys.modules if m.startswith('chalicelib.api.')]; "
            "print(sorted(loaded))")
    child = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True, text=True, check=True)

    assert child.stdout.strip() == "['chalicelib.api.manifest', 'chalicelib.api.routes', 'chalicelib.api.routing']"


def test_a_route_is_served_from_a_module_imported_on_its_first_request():
    code = ("import sys; from chalice.test import Client; from app import app\n"
            "with Client(app) as client:\n"
            "    answer = client.http.get('/health')\n"
            "print(answer.status_code, answer.json_body, 'chalicelib.api.system' in sys.modules, "
            "'chalicelib.api.records' in sys.modules)")
    child = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True, text=True, check=True)

    assert child.stdout.strip().splitlines()[-1] == "200 {'status': 'ok'} True False"


def test_a_webhook_route_answers_without_cors_headers_and_others_with_them():
    from app import app

    with Client(app) as client:
        health = client.http.get("/health")
        webhook = client.http.post("/webhooks/stripe", body=b"{}", headers={"Content-Type": "application/json"})

    assert health.headers.get("Access-Control-Allow-Origin") == "*"
    assert "Access-Control-Allow-Origin" not in webhook.headers
