"""Render domain errors as JSON for the API and as a page for the browser."""

from __future__ import annotations

import html
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from callcredit.exceptions import CallCreditError

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "too_many_requests",
    500: "internal_error",
}


class ErrorResponse(BaseModel):
    """The JSON error shape: ``{"error": code, "message": text}``."""

    error: str
    message: str
    details: dict[str, Any] | None = None


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """Document the error answers of an endpoint in the OpenAPI schema."""
    return {
        code: {"model": ErrorResponse, "description": HTTP_CODES.get(code, "error")}
        for code in codes
    }


def _wants_html(request: Request) -> bool:
    if request.url.path.startswith("/api"):
        return False
    return "text/html" in request.headers.get("accept", "")


def render(request: Request, status: int, body: dict[str, object]) -> Response:
    """Return the error as a page for browsers and JSON for everyone else."""
    if _wants_html(request):
        renderer = getattr(request.app.state, "render_error_page", None)
        if renderer is not None:
            return renderer(request, status, body)
        page = (
            f"<!doctype html><title>{status}</title><h1>{html.escape(str(body['error']))}</h1>"
            f"<p>{html.escape(str(body['message']))}</p><p><a href='/'>Back</a></p>"
        )
        return HTMLResponse(page, status_code=status)
    return JSONResponse(body, status_code=status)


def install(app: FastAPI) -> None:
    """Register the one set of exception handlers."""

    @app.exception_handler(CallCreditError)
    async def _domain(request: Request, exc: CallCreditError) -> Response:
        response = render(request, exc.status_code, exc.to_dict())
        response.headers.update(exc.headers)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = HTTP_CODES.get(exc.status_code, "error")
        response = render(request, exc.status_code, {"error": code, "message": str(exc.detail)})
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            f"{'.'.join(str(p) for p in err['loc'] if p != 'body')}: {err['msg']}"
            for err in exc.errors()
        ]
        body = {"error": "invalid_input", "message": "; ".join(problems) or "invalid request"}
        return render(request, 422, body)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        body = {"error": "internal_error", "message": "an unexpected error occurred; it was logged"}
        return render(request, 500, body)
