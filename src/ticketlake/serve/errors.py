"""Every error of the API as ``{"error": "one line"}`` with its status, never a traceback.

- :class:`ApiError` (raised by the API's own code) carries its status;
- ticketlake's :class:`~ticketlake.errors.UsageError` (a bad argument: an unknown KPI,
  dimension or date) is 400; the lake being busy is 503; any other
  :class:`~ticketlake.errors.TicketlakeError` is 500 with its one-line message;
- FastAPI's validation errors are 422 with the first problem in one line (and the OpenAPI
  schema says so: :func:`document`);
- anything unexpected is logged with its traceback and answered 500 with one line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from ticketlake import logs
from ticketlake.errors import TicketlakeError, UsageError
from ticketlake.lake.lock import LakeBusyError

log = logs.get("serve")


class Error(BaseModel):
    """The body of every error response."""

    error: str = Field(description="What went wrong, in one line.")


# Documented on every endpoint, so that a client (and schemathesis) knows the error body.
RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Error, "description": text}
    for status, text in {400: "A bad argument", 401: "No key, or an unknown or revoked one",
                         403: "The key's role or sources do not allow it",
                         404: "Nothing by that name", 422: "A parameter of the wrong form",
                         500: "An internal error", 503: "Not built yet, or busy"}.items()
}  # fmt: skip


class ApiError(Exception):
    """An error answered with ``status`` and ``message``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def reply(status: int, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    """The response of an error: one line of text in ``{"error": ...}``, with the headers
    the error carries (``Allow`` of a 405, ``WWW-Authenticate`` of a 401)."""
    line = (message.splitlines() or ["error"])[0]
    return JSONResponse({"error": line}, status_code=status, headers=dict(headers or {}))


def install(app: FastAPI) -> None:
    """Answer every kind of error of ``app`` as one JSON line."""
    app.add_exception_handler(ApiError, _api)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _invalid)  # type: ignore[arg-type]
    app.add_exception_handler(TicketlakeError, _ours)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected)


async def _api(_request: Request, exc: ApiError) -> JSONResponse:
    return reply(exc.status, exc.message)


async def _http(_request: Request, exc: HTTPException) -> JSONResponse:
    return reply(exc.status_code, str(exc.detail), exc.headers)


async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
    problems = exc.errors()
    if not problems:
        return reply(422, "invalid request")
    first = problems[0]
    where = ".".join(str(p) for p in first.get("loc", ()) if p not in ("query", "path", "body"))
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return reply(422, f"{where or 'request'}: {first.get('msg', 'invalid')}{more}")


async def _ours(_request: Request, exc: TicketlakeError) -> JSONResponse:
    if isinstance(exc, UsageError):
        return reply(400, str(exc))
    if isinstance(exc, LakeBusyError):
        return reply(503, str(exc))
    log.error("request failed: %s", exc)
    return reply(500, str(exc))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
    return reply(500, f"internal error: {type(exc).__name__} (the server's log has the details)")


def document(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with FastAPI's validation-error bodies replaced by :class:`Error`, which is
    what :func:`_invalid` answers."""
    error = {"$ref": "#/components/schemas/Error"}
    for methods in schema.get("paths", {}).values():
        for operation in methods.values():
            answer = operation.get("responses", {}).get("422")
            if answer is not None:
                answer["content"] = {"application/json": {"schema": error}}
    for name in ("HTTPValidationError", "ValidationError"):
        schema.get("components", {}).get("schemas", {}).pop(name, None)
    return schema
