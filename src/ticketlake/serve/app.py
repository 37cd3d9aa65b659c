"""The ASGI app of ``ticketlake serve``: the JSON API under ``/api``, with its OpenAPI schema.

:func:`create_app` assembles it from routers: access (login, logout, me) and health here,
the data endpoints in :mod:`ticketlake.serve.routes`. A router adds an endpoint with
``Depends(auth.require(role))`` for its caller and ``Depends(snapshot.connection)`` for the
request's one connection; errors of every kind are answered by :mod:`ticketlake.serve.errors`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from pydantic import BaseModel, Field

from ticketlake import __version__
from ticketlake.project import Project
from ticketlake.serve import auth, dashboard, errors
from ticketlake.serve.keys import KeyStore
from ticketlake.serve.routes import ROUTERS


class Health(BaseModel):
    """``GET /api/health``: whether the server runs and which build it serves."""

    status: str = Field(description="Always ok while the server answers.")
    version: str = Field(description="ticketlake's version.")
    build: str | None = Field(description="The published build being served; null before one.")


def create_app(project: Project, keys: KeyStore | None = None) -> FastAPI:
    """The app serving ``project``'s current build to holders of ``keys`` (by default the
    project's own key store)."""
    app = FastAPI(title="ticketlake", version=__version__, responses=errors.RESPONSES,
                  description="The warehouse of a ticketlake project over HTTP: docs/api.md.",
                  docs_url="/api/docs", redoc_url=None, openapi_url="/openapi.json")  # fmt: skip
    app.state.project = project
    app.state.keys = keys or KeyStore.of(project.root)
    errors.install(app)
    app.include_router(auth.router)
    for router in ROUTERS:
        app.include_router(router)
    app.add_api_route("/api/health", health, methods=["GET"], response_model=Health,
                      tags=["access"])  # fmt: skip
    dashboard.install(app)
    _document_errors(app)
    return app


def health(request: Request) -> Health:
    """Whether the server answers, and the build it serves (no key needed)."""
    project: Project = request.app.state.project
    current = project.warehouse.current()
    return Health(status="ok", version=__version__, build=current.build_id if current else None)


def _document_errors(app: FastAPI) -> None:
    """Make the app's schema name the error body its validation errors really have."""
    made = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = errors.document(made())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
