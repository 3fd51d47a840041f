"""Service routes: health and the OpenAPI document."""
from __future__ import annotations

from chalice import Response

from chalicelib.api.routing import Access, ResponseModel, Router

router = Router("system")


class Health(ResponseModel):
    status: str


@router.route("GET", "/health", summary="Liveness", access=Access.PUBLIC, response=Health)
def health(ctx):
    return Health(status="ok")


@router.route("GET", "/openapi.json", summary="This API's OpenAPI 3.1 document", access=Access.PUBLIC)
def openapi(ctx):
    from chalicelib.api.openapi import document_json

    return Response(body=document_json(), status_code=200, headers={"Content-Type": "application/json"})
