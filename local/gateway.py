"""What API Gateway answers itself, answered the same way by the local server.

Deployed, a request whose method and path match no route never reaches the app: the REST API
answers 403 `{"message":"Missing Authentication Token"}` (an unknown path, or a method the path
does not declare), with the app's CORS origin (the stack's gateway responses). Chalice's local
server instead let the standard library answer methods it has no handler for (TRACE, PROPFIND,
lowercase `get`) with an HTML 501, and the app answer a declared method on the wrong path with
its own 405. Here every such request gets the gateway's JSON 403, and what the standard library
refuses itself (a malformed request line, headers too long) is JSON too, never its HTML page.
OPTIONS on a known path stays Chalice's: it answers the CORS preflight as API Gateway's mock
integration does.
"""
from __future__ import annotations

import functools
import json
from http import HTTPStatus

MISSING_TOKEN = {"message": "Missing Authentication Token"}
MAX_DRAINED_BYTES = 2 * 1024 * 1024  # a refused request's body is read (then the connection closed) up to this


def answer_like_api_gateway(local_server) -> None:
    """Makes Chalice's local server (`chalice.local.LocalDevServer`) refuse what the gateway refuses."""
    server = local_server.server
    wrapped = server.RequestHandlerClass  # functools.partial(ChaliceRequestHandler, app_object=, config=)
    handler = _gateway_handler(wrapped.func)
    server.RequestHandlerClass = functools.partial(handler, *wrapped.args, **wrapped.keywords)


def _gateway_handler(base: type) -> type:
    from chalice.local import RouteMatcher

    from chalicelib.api.routing import CORS

    class GatewayHandler(base):
        def __init__(self, *args, app_object, config) -> None:
            self.routes = app_object.routes
            super().__init__(*args, app_object=app_object, config=config)

        def serves(self, method: str, path: str) -> bool:
            """Whether a route declares `method` on `path` (the site adds what it serves)."""
            try:
                route = RouteMatcher(list(self.routes)).match_route(path).route
            except ValueError:
                return False
            return method == "OPTIONS" or method in self.routes[route]

        def parse_request(self) -> bool:
            if not super().parse_request():
                return False
            if self.serves(self.command, self.path):
                return True
            self._drain_body()
            self._answer(HTTPStatus.FORBIDDEN, MISSING_TOKEN,
                         {"x-amzn-ErrorType": "MissingAuthenticationTokenException"})
            return False

        def send_error(self, code, message=None, explain=None) -> None:
            self._answer(HTTPStatus(code), {"message": message or HTTPStatus(code).phrase})

        def _drain_body(self) -> None:
            """Reads what the client sent with the request, so that it reads the answer."""
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                return
            if 0 < length <= MAX_DRAINED_BYTES:
                self.rfile.read(length)

        def _answer(self, status: HTTPStatus, payload: dict, headers: dict[str, str] | None = None) -> None:
            body = json.dumps(payload).encode()
            self.close_connection = True  # what follows on this connection is not known to be a request
            if self.request_version == "HTTP/0.9":  # the default while a request line is too broken to tell
                self.request_version = "HTTP/1.0"  # (HTTP/0.9 answers have no status line nor headers)
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", "Content-Length": str(len(body)),
                                "Access-Control-Allow-Origin": CORS.allow_origin, "Connection": "close",
                                **(headers or {})}.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

    return GatewayHandler
