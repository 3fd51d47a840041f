"""The public site on the local stack: `site/` served by the API's own server under `/site/`.

Serving the site from the API's origin keeps the browser's requests same-origin, as the
deployed stack does with one CloudFront distribution (the site at `/`, the API at `/api/*`):
no CORS preflight on any API call, and no CORS in the app. Only `GET`/`HEAD` under `/site`
are answered here; every other request goes to Chalice's handler untouched (or, under `make
dev`, to the gateway's refusal first: `local/gateway.py`).

`/site/config.json` is not a file: it tells the site where the API is (the same origin) and
how to sign in on this stage (a local token from the control endpoint, `local/control.py`).
"""
from __future__ import annotations

import functools
import json
import mimetypes
import posixpath
from pathlib import Path
from urllib.parse import unquote, urlsplit

from local.aws import PROJECT_DIR

SITE_DIR = PROJECT_DIR / "site"
PREFIX = "/site"
TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css", ".html": "text/html",
         ".svg": "image/svg+xml", ".json": "application/json", ".png": "image/png", ".ico": "image/x-icon",
         ".webmanifest": "application/manifest+json"}


def local_config(token_url: str) -> dict:
    """What the site reads at start on the local stage (deployed: written by the CDK stack)."""
    return {"stage": "local", "apiBase": "", "auth": {"kind": "local", "tokenUrl": token_url}}


def serve_site(local_server, config: dict, site_dir: Path = SITE_DIR) -> None:
    """Makes Chalice's local server (`chalice.local.LocalDevServer`) also answer `/site/...`."""
    server = local_server.server
    wrapped = server.RequestHandlerClass  # functools.partial(ChaliceRequestHandler, app_object=, config=)
    handler = _site_handler(wrapped.func, site_dir.resolve(), json.dumps(config).encode())
    server.RequestHandlerClass = functools.partial(handler, *wrapped.args, **wrapped.keywords)


def _is_site_path(target: str) -> bool:
    path = unquote(urlsplit(target).path)
    return path == PREFIX or path.startswith(PREFIX + "/")


def _site_handler(base: type, root: Path, config_body: bytes) -> type:
    class SiteHandler(base):
        def do_GET(self):
            if not self._serve_site(head=False):
                super().do_GET()

        def do_HEAD(self):
            if not self._serve_site(head=True):
                super().do_HEAD()

        def serves(self, method: str, path: str) -> bool:
            """What the site serves, beside the API (`local/gateway.py` refuses the rest)."""
            return (method in ("GET", "HEAD") and _is_site_path(path)) or super().serves(method, path)

        def _serve_site(self, head: bool) -> bool:
            path = unquote(urlsplit(self.path).path)
            if not _is_site_path(self.path):
                return False
            if path == PREFIX:  # relative module URLs need the trailing slash
                self._send(301, b"", "text/plain", head, {"Location": PREFIX + "/"})
                return True
            relative = posixpath.normpath(path[len(PREFIX) + 1:] or "index.html").lstrip("/")
            if relative in ("", "."):
                relative = "index.html"
            if relative == "config.json":
                self._send(200, config_body, "application/json", head)
                return True
            file = (root / relative).resolve()
            if root not in file.parents or not file.is_file():
                self._send(404, b"Not found\n", "text/plain", head)
                return True
            kind = TYPES.get(file.suffix) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            self._send(200, file.read_bytes(), kind, head)
            return True

        def _send(self, status: int, body: bytes, content_type: str, head: bool, extra: dict | None = None):
            self.send_response(status)
            self.send_header("Content-Type", content_type + ("; charset=utf-8" if content_type.startswith("text/")
                                                             or content_type.endswith("json") else ""))
            self.send_header("Content-Length", str(len(body)))
            # Edits show on reload (the stack has no autoreload, but the site's files are read per request).
            self.send_header("Cache-Control", "no-cache")
            self.send_header("X-Content-Type-Options", "nosniff")
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if not head:
                self.wfile.write(body)

    return SiteHandler
