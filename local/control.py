"""A tiny loopback HTTP endpoint of the running local stack, for `make fire`.

    GET  /                    what is running: API URL, AWS endpoint, queues, schedules
    POST /schedules/<name>    run the scheduled function <name> now (`?at=<RFC 3339>`: as of that time)
    POST /tokens              {"sub": "alice", "groups": ["producer"]} -> {"token": ...}: a local-stage
                              token, for the site's "sign in as" form (`local/site.py`). Browsers may
                              call it from loopback origins only (CORS); the local signing secret is a
                              documented default anyway, so this mints nothing a newcomer could not.
"""
from __future__ import annotations

import json
import re
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
SUB = re.compile(r"^[A-Za-z0-9_.@-]{1,128}$")
GROUPS = {"producer", "moderator", "admin"}


def control_server(host: str, port: int, pump, info: dict) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self._reply(200, {**info, "queues": [q.queue for q in pump.queues],
                              "schedules": sorted(pump.schedules)})

        def do_OPTIONS(self):  # the CORS preflight of the site's POST /tokens
            self._reply(204 if self._cors() else 403, None)

        def do_POST(self):
            if self.path == "/tokens":
                return self._token()
            prefix = "/schedules/"
            if not self.path.startswith(prefix):
                return self._reply(404, {"error": "POST /schedules/<name> or POST /tokens"})
            from urllib.parse import parse_qs

            name, _, query = self.path[len(prefix):].partition("?")
            at = (parse_qs(query).get("at") or [None])[0]
            if at is not None and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{8,15}(Z|[+-][0-9]{2}:[0-9]{2})", at):
                return self._reply(400, {"error": "at is an RFC 3339 time, e.g. 2026-12-22T00:30:00Z"})
            try:
                result = pump.fire(name, at)
            except KeyError as e:
                return self._reply(404, {"error": str(e.args[0])})
            except Exception as e:  # the traceback is in the stack's own output
                return self._reply(500, {"error": f"{type(e).__name__}: {e}"})
            self._reply(200, {"fired": name, "result": result})

        def _token(self):
            from local.tokens import mint

            try:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                sub, groups = body["sub"], body.get("groups") or []
                if not (isinstance(sub, str) and SUB.match(sub)) or not (
                        isinstance(groups, list) and set(groups) <= GROUPS):
                    raise ValueError
            except (ValueError, KeyError, TypeError):
                return self._reply(400, {"error": f"send {{sub: {SUB.pattern}, groups?: subset of {sorted(GROUPS)}}}"})
            self._reply(200, {"token": mint(sub, sorted(set(groups))), "sub": sub, "groups": sorted(set(groups))})

        def _cors(self) -> dict[str, str]:
            """CORS headers for a loopback origin (the site on the API's port); none for others."""
            origin = self.headers.get("Origin") or ""
            if urlsplit(origin).hostname not in LOOPBACK_HOSTS:
                return {}
            return {"Access-Control-Allow-Origin": origin, "Vary": "Origin",
                    "Access-Control-Allow-Methods": "POST", "Access-Control-Allow-Headers": "Content-Type",
                    "Access-Control-Max-Age": "600"}

        def _reply(self, status: int, body: dict | None) -> None:
            data = b"" if body is None else json.dumps(body, default=str).encode()
            self.send_response(status)
            if body is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in self._cors().items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    return ThreadingHTTPServer((host, port), Handler)
