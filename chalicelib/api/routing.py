"""The route table and the one wrapper every route runs through.

A route is declared once with its access rule and its pydantic models; from that single
declaration the wrapper authenticates, authorizes, parses, maps errors to problem+json, logs
and flushes metrics, and the OpenAPI document is generated (`api/openapi.py`).

Checks run in the contract's order: credentials (401), role or registration (403), then the
handler looks up the resource (404/403) and only then asks for the body (400/413/415).
"""
from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from enum import Enum
from functools import cached_property
from typing import Any, Callable, Iterable

from chalice import CORSConfig, Response
from pydantic import BaseModel, ConfigDict

from chalicelib.errors import (
    BadRequest, FieldError, NotRegistered, PayloadTooLarge, Problem, UnsupportedMediaType,
    Unauthorized, ValidationFailed, domain_problem, internal_error, to_problem,
)

MAX_BODY_BYTES = 1024 * 1024
JSON = "application/json"
PROBLEM_JSON = "application/problem+json"


class RequestBody(BaseModel):
    """Base of request bodies: unknown fields are refused and JSON types are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, defer_build=True)


class QueryParams(BaseModel):
    """Base of query strings: values arrive as text, unknown parameters are refused."""

    model_config = ConfigDict(extra="forbid", defer_build=True)


class ResponseModel(BaseModel):
    model_config = ConfigDict(defer_build=True)


# Browsers on any origin may call the API (the site and local front ends run elsewhere). Safe
# with "*": credentials are bearer tokens the page sends itself, never cookies, so another
# origin gains nothing it could not do with its own token. Chalice answers the preflight
# (API Gateway's mock OPTIONS when deployed) and adds the headers to every answer, errors
# included. Store webhooks are server to server: no CORS.
CORS = CORSConfig(
    allow_origin="*",
    allow_headers=["Authorization", "Content-Type", "Accept"],
    expose_headers=["X-Request-Id", "Retry-After", "WWW-Authenticate"],
    max_age=600,
)


class Access(str, Enum):
    PUBLIC = "public"  # a token is optional, but a token that is sent must be valid
    IDENTITY = "identity"  # any valid token
    MEMBER = "member"  # a valid token of an identity that registered a profile
    PRODUCER = "producer"  # the producer (or admin) group
    MODERATOR = "moderator"  # the moderator (or admin) group
    ADMIN = "admin"


# What a suspended member may still do (Trust and safety): appeal, counter-notify, read and mark
# notifications, export, manage the payout account, delete the account. Every other write of a
# member or producer route is refused at the role step; routes say `writes=` to decide otherwise.
SUSPENDED_MAY = ("DELETE /me", "POST /me/notifications", "POST /me/exports", "PUT /me/payout-account",
                 "POST /me/payout-account", "PATCH /me/payout-account", "DELETE /me/payout-account",
                 "POST /local-bank")


def is_write(method: str, path: str, access: Access, writes: bool | None) -> bool:
    """Whether a suspended member is refused this route (403 "suspended")."""
    if writes is not None:
        return writes
    if method == "GET" or access not in (Access.MEMBER, Access.PRODUCER):
        return False
    route = f"{method} {path}"
    return not any(route == allowed or route.startswith(allowed + "/") for allowed in SUSPENDED_MAY)


@dataclass(frozen=True)
class RouteSpec:
    method: str
    path: str
    name: str
    summary: str
    access: Access
    status: int
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    tag: str
    errors: tuple[int, ...]  # the statuses this route can answer besides the automatic ones
    also: tuple[int, ...] = ()  # other success statuses, answered with the same response model
    path_params: tuple[tuple[str, Any], ...] = ()  # (name, type) of the path parameters checked before the handler
    writes: bool = False  # refused to suspended members (see `is_write`)
    csv: str = ""  # what the route answers with Accept: text/csv, if it does (the OpenAPI document says it)

    @cached_property
    def _path_adapters(self) -> dict:
        from pydantic import TypeAdapter

        return {name: TypeAdapter(kind) for name, kind in self.path_params}

    def path_schema(self, name: str) -> dict:
        adapter = self._path_adapters.get(name)
        return adapter.json_schema() if adapter is not None else {"type": "string"}

    def parse_path(self, values: dict[str, str]) -> dict[str, Any]:
        """The path parameters, those with a declared type checked by it (400 naming each)."""
        from pydantic import ValidationError

        parsed, errors = dict(values), []
        for name, adapter in self._path_adapters.items():
            try:
                parsed[name] = adapter.validate_python(values[name])
            except ValidationError as e:
                errors += [FieldError(name, issue["msg"]) for issue in e.errors(include_url=False, include_input=False)]
        if errors:
            raise ValidationFailed(f"The path has {len(errors)} invalid parameter(s).", errors=errors)
        return parsed


class RequestContext:
    """What a handler sees of its request; credentials are already checked when it runs."""

    def __init__(self, request, spec: RouteSpec) -> None:
        self._request = request
        self._spec = spec
        self.principal = None
        self.identity = None

    @property
    def headers(self):
        return self._request.headers

    @property
    def settings(self):
        from chalicelib.config import get_settings

        return get_settings()

    @property
    def source_ip(self) -> str:
        """The caller's address as API Gateway saw it (anonymous rate limits count per address)."""
        identity = (self._request.context or {}).get("identity") or {}
        return str(identity.get("sourceIp") or "unknown")[:64]

    @property
    def raw_body(self) -> bytes:
        """The body exactly as it arrived (webhook signatures are computed over these bytes)."""
        return self._request.raw_body or b""

    def body(self) -> Any:
        """The parsed body. Called by handlers after the resource checks, as the contract orders."""
        raw = self._request.raw_body or b""
        if len(raw) > MAX_BODY_BYTES:
            raise PayloadTooLarge(f"Request bodies are limited to {MAX_BODY_BYTES} bytes.")
        content_type = (self._request.headers.get("content-type") or JSON).split(";")[0].strip().lower()
        if content_type != JSON:
            raise UnsupportedMediaType(f"Send the body as {JSON}, not {content_type!r}.")
        if not raw.strip():
            raise BadRequest("This request needs a JSON body.")
        return parse_model(self._spec.body, raw, location=None)

    def query(self) -> Any:
        return parse_query(self._spec.query, self._request.query_params)

    def require_member(self):
        if self.identity is None:
            from chalicelib.services import members

            self.identity = members().identity(self.principal.sub)
            if self.identity is None:
                raise NotRegistered("Register a member profile with POST /members before you create content.")
        return self.identity


def parse_model(model: type[BaseModel], raw: bytes, location: str | None):
    from pydantic import ValidationError

    try:
        parsed = model.model_validate_json(raw)
    except ValidationError as e:
        raise _validation_problem(e, location) from e
    repeated = _repeated_keys(raw)
    if repeated:
        raise ValidationFailed(f"The body gives {len(repeated)} field(s) more than once.",
                               errors=[FieldError(path, "given more than once") for path in repeated])
    return parsed


class _Repeats(dict):
    """A body's object that gave `repeated` keys more than once (the last value is kept)."""

    repeated: tuple[str, ...] = ()


def _repeated_keys(raw: bytes) -> list[str]:
    """The paths (as validation errors name fields) of keys an object gives twice. pydantic keeps
    the last value, while a proxy, a log or a client library may have read the first: `{"amount":
    5, "amount": 7}` would book 7 where 5 was seen."""
    found = False

    def pairs(items: list[tuple[str, Any]]) -> dict:
        nonlocal found
        obj = _Repeats(items)
        if len(obj) < len(items):
            found, seen, repeated = True, set(), {}
            for key, _ in items:
                if key in seen:
                    repeated[key] = None
                seen.add(key)
            obj.repeated = tuple(repeated)
        return obj

    try:
        tree = json.loads(raw, object_pairs_hook=pairs)
    except (ValueError, RecursionError) as e:  # what pydantic's reader took and Python's does not
        raise BadRequest("The body is not valid JSON.") from e
    return list(_repeated_paths(tree, ())) if found else []


def _repeated_paths(value: Any, path: tuple[str, ...]):
    if isinstance(value, dict):
        yield from (".".join((*path, key)) for key in getattr(value, "repeated", ()))
        for key, item in value.items():
            yield from _repeated_paths(item, (*path, key))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _repeated_paths(item, (*path, str(n)))


def parse_query(model: type[BaseModel] | None, params) -> Any:
    from pydantic import ValidationError

    values: dict[str, str] = {}
    for name in (params or {}):
        given = [v for v in params.getlist(name) if v != ""]  # `?kind=` counts as absent
        if len(given) > 1:
            raise ValidationFailed("A query parameter was given more than once.",
                                   errors=[FieldError(name, "give this parameter once")])
        if given:
            values[name] = given[0]
    if model is None:
        if values:
            raise ValidationFailed("This route takes no query parameters.",
                                   errors=[FieldError(n, "unknown parameter") for n in sorted(values)])
        return None
    try:
        return model.model_validate(values)
    except ValidationError as e:
        raise _validation_problem(e, "query") from e


def _validation_problem(error, location: str | None) -> Problem:
    issues = error.errors(include_url=False, include_input=False)
    if any(i["type"] == "json_invalid" for i in issues):
        return BadRequest("The body is not valid JSON.")
    fields = []
    for issue in issues:
        path = ".".join(str(part) for part in issue["loc"]) or (location or "body")
        message = "unknown field" if issue["type"] == "extra_forbidden" else issue["msg"]
        fields.append(FieldError(path, message))
    where = "query string" if location == "query" else "body"
    return ValidationFailed(f"The {where} has {len(fields)} invalid field(s).", errors=fields)


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = payload.model_dump_json() if isinstance(payload, BaseModel) else json.dumps(payload)
    return Response(body=body, status_code=status, headers={"Content-Type": JSON, **(headers or {})})


# OWASP's CSV injection guidance: a cell a spreadsheet would read as a formula (or as the start
# of one, after a tab or a carriage return) is prefixed with a single quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_response(header: list[str], rows: Iterable[list]) -> Response:
    """Rows as CSV (RFC 4180) that a spreadsheet opens without running anything: a text cell
    that begins like a formula is neutralised, so a title `=1+1` shows as `'=1+1`. Integers
    (amounts in minor units) are numbers and stay as they are: `-750` is a negative amount, and
    a column of them stays summable. Every CSV the API serves goes through here."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in [header, *rows]:
        writer.writerow([_csv_cell(value) for value in row])
    return Response(body=out.getvalue(), status_code=200, headers={"Content-Type": "text/csv; charset=utf-8"})


def _csv_cell(value) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def problem_response(problem) -> Response:
    return Response(
        body=json.dumps(problem.body),
        status_code=problem.status,
        headers={"Content-Type": PROBLEM_JSON, **problem.headers},
    )


# The route table: every router, in the order its module was first imported, and each route's
# spec and handler by "METHOD path". `api/routes.py` imports every module; the app imports a
# module on the first request to one of its routes.
ROUTERS: list[Router] = []
HANDLERS: dict[str, tuple[RouteSpec, Callable]] = {}


class Router:
    """The specs of one resource's routes; each router registers itself in ROUTERS."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.specs: list[RouteSpec] = []
        ROUTERS.append(self)

    def route(self, method: str, path: str, *, summary: str, access: Access, status: int = 200,
              body: type[BaseModel] | None = None, query: type[BaseModel] | None = None,
              response: type[BaseModel] | None = None, errors: tuple[int, ...] = (),
              also: tuple[int, ...] = (), path_params: dict[str, Any] | None = None,
              writes: bool | None = None, csv: str = "") -> Callable:
        def register(handler: Callable) -> Callable:
            spec = RouteSpec(method, path, handler.__name__, summary, access, status,
                             body, query, response, self.tag, errors, also, tuple((path_params or {}).items()),
                             is_write(method, path, access, writes), csv)
            self.specs.append(spec)
            HANDLERS[f"{method} {path}"] = (spec, handler)
            return handler

        return register


def dispatch(spec: RouteSpec, handler: Callable, request, path_params: dict[str, str]) -> Response:
    from chalicelib.observability import flush_metrics, get_logger

    started = time.perf_counter()
    # API Gateway's request id; the local server has none, so one is made up there.
    request_id = (request.context or {}).get("requestId") or uuid.uuid4().hex
    logger = get_logger()
    logger.set_correlation_id(request_id)
    try:
        ctx = RequestContext(request, spec)
        _authorize(ctx, spec, request.headers.get("authorization"))
        if spec.query is None:
            parse_query(None, request.query_params)  # refuses parameters a route does not take
        result = handler(ctx, **spec.parse_path(path_params))
        if isinstance(result, Response):
            response = result
        elif result is None:
            response = Response(body="", status_code=204)
        else:
            response = json_response(result, spec.status)
    except Problem as problem:
        response = problem_response(to_problem(problem))
    except Exception as e:
        refused = domain_problem(e)
        response = problem_response(to_problem(refused) if refused is not None else _unexpected(spec, e, logger))
    response.headers["X-Request-Id"] = request_id
    logger.info("request", extra={
        "route": f"{spec.method} {spec.path}", "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
    })
    flush_metrics()
    return response


def _unexpected(spec: RouteSpec, error: Exception, logger):
    from chalicelib.api.busy import busy_problem

    route = f"{spec.method} {spec.path}"
    busy = busy_problem(error)
    if busy is None:
        logger.exception("unhandled error", extra={"route": route})
        return internal_error()
    # AWS still throttling or failing after the SDK's retries: try again later, not a bug
    logger.warning("AWS busy after retries", exc_info=True, extra={"route": route})
    return busy


def _authorize(ctx: RequestContext, spec: RouteSpec, authorization: str | None) -> None:
    from chalicelib.auth import ADMIN, MODERATOR, PRODUCER, authenticate, require_group

    ctx.principal = authenticate(authorization, ctx.settings) if authorization is not None else None
    if ctx.principal is None:
        if spec.access is Access.PUBLIC:
            return
        raise Unauthorized("This route needs 'Authorization: Bearer <token>'.")
    if spec.access is Access.MEMBER:
        ctx.require_member()
    elif spec.access is Access.PRODUCER:
        require_group(ctx.principal, PRODUCER)
    elif spec.access is Access.MODERATOR:
        require_group(ctx.principal, MODERATOR)
    elif spec.access is Access.ADMIN:
        require_group(ctx.principal, ADMIN)
    if spec.writes:
        _refuse_suspended(ctx.principal.sub)


def _refuse_suspended(sub: str) -> None:
    """A suspended member's writes are refused with the role check (no round trip while this
    container remembers the identity: storage.members)."""
    from chalicelib.errors import Suspended
    from chalicelib.services import members

    if members().suspended(sub):
        raise Suspended("Your account is suspended: you may read, appeal, counter-notify, export your data, "
                        "manage your payout account and delete your account, but not change content.")
