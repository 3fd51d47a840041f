"""A small stateful fake of Stripe's HTTP API on loopback, for the payout tests.

What it keeps and answers as Stripe does (form-encoded requests, JSON answers, Bearer key):

- `POST /v1/accounts` (type express), `GET /v1/accounts/<id>`, `POST /v1/account_links`;
- `POST /v1/transfers`, `GET /v1/transfers?transfer_group=&destination=&limit=&starting_after=`
  (newest first, `has_more`), `POST /v1/transfers/<id>/reversals`;
- Idempotency-Key semantics: the first answer to a key (success or error, once the request
  has begun executing) is saved and replayed for the same key and the same parameters; the
  same key with other parameters is a 400 `idempotency_error`; keys are kept for 24 hours
  (`expire_keys()` forgets them early, as a late retry would find);
- error shapes `{"error": {"type", "code", "message", "param"?}}` and their statuses.

Failure injection (`fail_next(...)`), consumed one request at a time by the requests that
match its path prefix:
- `Refuse(status, code)`: a definite refusal, saved for its key as Stripe saves it;
- `ServerError(status=500)`: the request never began (not saved, nothing done);
- `LostAnswer()`: the transfer is made, then the connection is closed without an answer (the
  client sees a timeout/connection error; a lookup finds the transfer);
- `Conflict()` (409 idempotency lock) and `RateLimited()` (429), not saved.
"""
from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

API_KEY = "sk_test_remixery_fake"


@dataclass
class Refuse:
    status: int = 400
    code: str = "balance_insufficient"
    path: str = "/v1/transfers"


@dataclass
class ServerError:
    status: int = 500
    path: str = "/v1/transfers"


@dataclass
class LostAnswer:
    path: str = "/v1/transfers"


@dataclass
class Conflict:
    path: str = "/v1/transfers"


@dataclass
class RateLimited:
    path: str = "/v1/transfers"


@dataclass
class FakeStripe:
    accounts: dict = field(default_factory=dict)
    transfers: list = field(default_factory=list)  # in creation order
    keys: dict = field(default_factory=dict)  # idempotency key -> (params, status, body)
    faults: list = field(default_factory=list)
    requests: list = field(default_factory=list)  # (method, path, params, idempotency key)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _serial: itertools.count = field(default_factory=lambda: itertools.count(1))

    # --- test controls -----------------------------------------------------------------------

    def fail_next(self, *faults) -> None:
        with self.lock:
            self.faults.extend(faults)

    def activate(self, account_id: str, payouts_enabled: bool = True) -> None:
        with self.lock:
            account = self.accounts[account_id]
            account.update(details_submitted=True, payouts_enabled=payouts_enabled, charges_enabled=payouts_enabled)

    def reverse(self, transfer_id: str, amount: int) -> dict:
        """Reverses part of a transfer, as the dashboard or the API would; returns the transfer."""
        with self.lock:
            transfer = self._transfer(transfer_id)
            transfer["amount_reversed"] += amount
            transfer["reversed"] = transfer["amount_reversed"] == transfer["amount"]
            return json.loads(json.dumps(transfer))

    def expire_keys(self) -> None:
        with self.lock:
            self.keys.clear()

    def transfers_to(self, destination: str) -> list[dict]:
        return [t for t in self.transfers if t["destination"] == destination]

    def posts(self, path: str) -> int:
        return sum(1 for method, p, _, _ in self.requests if method == "POST" and p == path)

    # --- the API -------------------------------------------------------------------------------

    def handle(self, method: str, path: str, params: dict, key: str | None):
        """(status, body) or None for a connection closed without an answer."""
        with self.lock:
            self.requests.append((method, path, params, key))
            fault = next((f for f in self.faults if path.startswith(f.path)), None)
            if fault is not None:
                self.faults.remove(fault)
            if isinstance(fault, ServerError):
                return fault.status, _error("api_error", None, "An error occurred with our connection to Stripe.")
            if isinstance(fault, Conflict):
                return 409, _error("idempotency_error", "lock_timeout",
                                   "There is currently another in-progress request using this Idempotency-Key.")
            if isinstance(fault, RateLimited):
                return 429, _error("invalid_request_error", "rate_limit", "Too many requests hit the API too quickly.")
            if method == "POST" and key is not None:
                saved = self.keys.get(key)
                if saved is not None:
                    if saved[0] != (path, params):
                        return 400, _error("idempotency_error", "idempotency_key_in_use",
                                           "Keys for idempotent requests can only be used with the same parameters "
                                           "they were first used with.")
                    return saved[1], saved[2]
            if isinstance(fault, Refuse):
                answer = (fault.status, _error("invalid_request_error", fault.code, f"Refused: {fault.code}."))
            else:
                answer = self._route(method, path, params)
            if method == "POST" and key is not None and answer[0] < 500:
                self.keys[key] = ((path, params), *answer)
            if isinstance(fault, LostAnswer):
                return None
            return answer

    def _route(self, method: str, path: str, params: dict):
        parts = path.strip("/").split("/")
        if method == "POST" and path == "/v1/accounts":
            return self._create_account(params)
        if method == "GET" and len(parts) == 3 and parts[:2] == ["v1", "accounts"]:
            account = self.accounts.get(parts[2])
            return (200, account) if account else _missing("account", parts[2])
        if method == "POST" and path == "/v1/account_links":
            if params.get("account") not in self.accounts:
                return _missing("account", params.get("account"))
            now = int(time.time())
            return 200, {"object": "account_link", "created": now, "expires_at": now + 300,
                         "url": f"https://connect.stripe.test/setup/e/{params['account']}/{next(self._serial)}"}
        if method == "POST" and path == "/v1/transfers":
            return self._create_transfer(params)
        if method == "GET" and path == "/v1/transfers":
            return self._list_transfers(params)
        if method == "POST" and len(parts) == 4 and parts[:2] == ["v1", "transfers"] and parts[3] == "reversals":
            transfer = self._transfer(parts[2])
            amount = int(params.get("amount", transfer["amount"] - transfer["amount_reversed"]))
            transfer["amount_reversed"] += amount
            return 200, {"object": "transfer_reversal", "id": f"trr_{next(self._serial)}", "amount": amount,
                         "transfer": transfer["id"]}
        return 404, _error("invalid_request_error", "resource_missing", f"Unrecognized request URL ({method} {path}).")

    def _create_account(self, params: dict):
        if params.get("type") != "express":
            return 400, _error("invalid_request_error", "parameter_invalid", "type must be express here", "type")
        account_id = f"acct_fake{next(self._serial):06d}"
        self.accounts[account_id] = {
            "id": account_id, "object": "account", "type": "express", "details_submitted": False,
            "payouts_enabled": False, "charges_enabled": False, "metadata": _metadata(params),
            "created": int(time.time()),
        }
        return 200, self.accounts[account_id]

    def _create_transfer(self, params: dict):
        destination = params.get("destination")
        account = self.accounts.get(destination)
        if account is None:
            return 400, _error("invalid_request_error", "account_invalid", "No such destination.", "destination")
        if not account["payouts_enabled"]:
            return 400, _error("invalid_request_error", "insufficient_capabilities_for_transfer",
                               "The destination account needs the transfers capability.", "destination")
        try:
            amount = int(params["amount"])
        except (KeyError, ValueError):
            return 400, _error("invalid_request_error", "parameter_missing", "amount", "amount")
        if amount <= 0:
            return 400, _error("invalid_request_error", "parameter_invalid_integer", "amount must be positive")
        transfer = {
            "id": f"tr_fake{next(self._serial):08d}", "object": "transfer", "amount": amount, "amount_reversed": 0,
            "currency": params.get("currency"), "destination": destination, "reversed": False,
            "transfer_group": params.get("transfer_group"), "metadata": _metadata(params),
            "created": int(time.time()),
        }
        self.transfers.append(transfer)
        return 200, transfer

    def _list_transfers(self, params: dict):
        found = [t for t in reversed(self.transfers)
                 if params.get("transfer_group") in (None, t["transfer_group"])
                 and params.get("destination") in (None, t["destination"])]
        if params.get("starting_after"):
            ids = [t["id"] for t in found]
            found = found[ids.index(params["starting_after"]) + 1:] if params["starting_after"] in ids else []
        limit = min(int(params.get("limit", 10)), 100)
        return 200, {"object": "list", "url": "/v1/transfers", "data": found[:limit], "has_more": len(found) > limit}

    def _transfer(self, transfer_id: str) -> dict:
        return next(t for t in self.transfers if t["id"] == transfer_id)


def _metadata(params: dict) -> dict:
    return {k[len("metadata["):-1]: v for k, v in params.items() if k.startswith("metadata[")}


def _error(kind: str, code: str | None, message: str, param: str | None = None) -> dict:
    error = {"type": kind, "message": message}
    if code:
        error["code"] = code
    if param:
        error["param"] = param
    return {"error": error}


def _missing(kind: str, name) -> tuple[int, dict]:
    return 404, _error("invalid_request_error", "resource_missing", f"No such {kind}: '{name}'", "id")


class StripeServer:
    """The fake served on a free loopback port: `with StripeServer() as stripe: stripe.url`."""

    def __init__(self) -> None:
        self.fake = FakeStripe()
        fake = self.fake

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                self._answer("GET")

            def do_POST(self):
                self._answer("POST")

            def _answer(self, method: str):
                split = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                form = self.rfile.read(length).decode() if length else ""
                params = dict(parse_qsl(split.query if method == "GET" else form, keep_blank_values=True))
                if self.headers.get("Authorization") != f"Bearer {API_KEY}":
                    return self._send(401, _error("invalid_request_error", None, "Invalid API Key provided."))
                answer = fake.handle(method, split.path, params, self.headers.get("Idempotency-Key"))
                if answer is None:
                    self.close_connection = True
                    self.connection.shutdown(2)  # the answer is lost: the client sees the connection drop
                    return
                self._send(*answer)

            def _send(self, status: int, body: dict):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", f"req_{time.time_ns()}")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> "StripeServer":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
