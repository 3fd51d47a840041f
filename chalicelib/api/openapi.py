"""The OpenAPI 3.1 document, generated from the route table and its pydantic models."""
from __future__ import annotations

import json
import re
from functools import lru_cache

from pydantic.json_schema import models_json_schema

from chalicelib.api.routing import Access, RouteSpec
from chalicelib.errors import PROBLEM_BASE

REF = "#/components/schemas/{model}"
_PATH_PARAM = re.compile(r"{(\w+)}")

_ERROR_TEXT = {
    400: "Invalid input (problem+json; `errors` names the fields).",
    401: "Missing or invalid credentials.",
    403: "Not allowed: missing role, not registered, or not yours to change.",
    404: "Not found.",
    409: "Conflict with the current state.",
    413: "Request body over 1 MiB.",
    415: "Body is not application/json.",
    422: "Valid JSON that breaks a rule.",
    429: "Throttled.",
    503: "Busy for a moment (contention, a closing period, or the database throttling); retry after Retry-After.",
}

PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri", "examples": [PROBLEM_BASE + "validation-error"]},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}


@lru_cache(maxsize=1)
def document_json() -> str:
    """The document of every route."""
    from chalicelib.api.routes import routers

    return json.dumps(build_document([spec for router in routers() for spec in router.specs]))


def build_document(specs: list[RouteSpec]) -> dict:
    models = {m for s in specs for m in (s.body, s.query, s.response) if m is not None}
    modes = [(m, "validation") for m in models if m not in {s.response for s in specs}]
    modes += [(m, "serialization") for m in {s.response for s in specs if s.response}]
    refs, defs = models_json_schema(sorted(modes, key=lambda x: x[0].__name__), ref_template=REF)
    schemas = dict(defs.get("$defs", {}))
    schemas["Problem"] = PROBLEM_SCHEMA

    paths: dict[str, dict] = {}
    for spec in specs:
        paths.setdefault(spec.path, {})[spec.method.lower()] = _operation(spec, refs)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Remixery API",
            "version": "1.0.0",
            "description": "Open creative collaboration: records, remixes, hearts, productions and royalties.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            },
        },
    }


def _operation(spec: RouteSpec, refs: dict) -> dict:
    operation: dict = {"operationId": spec.name, "summary": spec.summary, "tags": [spec.tag]}
    operation["security"] = [{}, {"bearer": []}] if spec.access is Access.PUBLIC else [{"bearer": []}]
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": spec.path_schema(name)}
        for name in _PATH_PARAM.findall(spec.path)
    ]
    if spec.query is not None:
        query_schema = spec.query.model_json_schema(ref_template=REF)
        required = set(query_schema.get("required", []))
        for name, schema in query_schema.get("properties", {}).items():
            parameter = {"name": name, "in": "query", "required": name in required, "schema": schema}
            if name not in required:
                parameter["allowEmptyValue"] = True  # the contract: `?kind=` counts as absent
            parameters.append(parameter)
    if parameters:
        operation["parameters"] = parameters
    if spec.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": refs[(spec.body, "validation")]}},
        }

    success: dict = {"description": "Success."}
    if spec.response is not None:
        success["content"] = {"application/json": {"schema": refs[(spec.response, "serialization")]}}
    elif spec.path == "/openapi.json":
        success["content"] = {"application/json": {"schema": {"type": "object"}}}
    if spec.csv:
        success["description"] = f"Success. With `Accept: text/csv`: {spec.csv}"
        success.setdefault("content", {})["text/csv"] = {"schema": {"type": "string"}}
    responses = {str(status): success for status in (spec.status, *spec.also)}
    for status in sorted(_error_statuses(spec)):
        responses[str(status)] = {
            "description": _ERROR_TEXT[status],
            "content": {"application/problem+json": {"schema": {"$ref": REF.format(model="Problem")}}},
        }
        if status == 503:
            responses[str(status)]["headers"] = {"Retry-After": {
                "description": "Seconds to wait before retrying.", "schema": {"type": "integer", "minimum": 0}}}
    operation["responses"] = responses
    return operation


def _error_statuses(spec: RouteSpec) -> set[int]:
    statuses = set(spec.errors) | {401}  # a token that is sent must be valid, on every route
    statuses.add(503)  # the store still throttling (or briefly failing) after the SDK's retries
    if spec.access is not Access.PUBLIC and spec.access is not Access.IDENTITY:
        statuses.add(403)
    if spec.body is not None or spec.query is not None or spec.path_params:
        statuses.add(400)
    if spec.body is not None:
        statuses |= {413, 415}
    if _PATH_PARAM.search(spec.path):
        statuses.add(404)
    return statuses
