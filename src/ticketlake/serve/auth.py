"""Who is calling: the API key of a request, checked against the project's key store.

Any router protects an endpoint with ``caller: Viewer`` (or
``"admin"``). The key is read from ``Authorization: Bearer KEY``, ``X-API-Key: KEY`` or the
HttpOnly cookie that ``POST /api/login`` sets for the dashboard, in that order. No key, or an
unknown or revoked one, is 401; a viewer key on an admin endpoint is 403.

A key may be restricted to sources. :meth:`Caller.sources_for` turns a request's ``source``
parameter into the sources it may read: an explicit source outside the key's list is 403,
no source gives the key's list (``None``: every source), which the endpoint applies as a
filter (:meth:`Caller.condition` writes it as SQL), so a restricted key sees only its rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request, Response
from fastapi.security import APIKeyCookie, APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from ticketlake.common.sqltext import ident, lit
from ticketlake.serve.errors import ApiError
from ticketlake.serve.keys import ROLES, KeyStore, Role

COOKIE = "ticketlake_key"
_bearer = HTTPBearer(auto_error=False, description="An API key: `ticketlake keys add`.")
_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key.")
_cookie = APIKeyCookie(name=COOKIE, auto_error=False, description="Set by POST /api/login.")


@dataclass(frozen=True)
class Caller:
    """The holder of a valid key: its name, role and the sources it may read (None: all)."""

    name: str
    role: Role
    sources: tuple[str, ...] | None

    def sources_for(self, source: str | None) -> tuple[str, ...] | None:
        """The sources a request asking for ``source`` (None: not asked) may read."""
        if source is None:
            return self.sources
        if self.sources is not None and source not in self.sources:
            raise ApiError(403, f"key {self.name!r} may not read source {source!r}")
        return (source,)

    def condition(self, source: str | None, column: str = "source") -> str:
        """SQL keeping the rows of the sources :meth:`sources_for` allows (``true``: all)."""
        allowed = self.sources_for(source)
        if allowed is None:
            return "true"
        return f"{ident(column)} IN ({', '.join(lit(s) for s in allowed)})" if allowed else "false"


class Identity(BaseModel):
    """What ``POST /api/login`` and ``GET /api/me`` say about the key."""

    name: str = Field(description="The key's name.")
    role: Role = Field(description="viewer or admin.")
    sources: list[str] | None = Field(description="Sources it may read; null for all.")

    @classmethod
    def of(cls, caller: Caller) -> Identity:
        """The identity of ``caller``."""
        return cls(name=caller.name, role=caller.role,
                   sources=list(caller.sources) if caller.sources is not None else None)  # fmt: skip


class Login(BaseModel):
    """The body of ``POST /api/login``."""

    key: str = Field(min_length=1, max_length=200, description="An API key.")


def store(request: Request) -> KeyStore:
    """The key store of the app serving ``request``."""
    keys: KeyStore = request.app.state.keys
    return keys


def identify(keys: KeyStore, key: str | None) -> Caller:
    """The caller holding ``key``; 401 when there is none or it opens nothing."""
    if not key:
        raise ApiError(401, "an API key is needed: Authorization: Bearer KEY or X-API-Key: KEY")
    found = keys.find(key)
    if found is None:
        raise ApiError(401, "unknown or revoked API key")
    sources = tuple(found.sources) if found.sources is not None else None
    return Caller(found.name, found.role, sources)


def require(role: Role = "viewer") -> Callable[..., Caller]:
    """A dependency giving the :class:`Caller` of a request whose key has ``role`` (admin
    keys have every role); 401 or 403 otherwise."""
    needed = ROLES.index(role)

    def dependency(
        request: Request,
        bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        header: Annotated[str | None, Depends(_header)],
        cookie: Annotated[str | None, Depends(_cookie)],
    ) -> Caller:
        key = bearer.credentials if bearer is not None else header or cookie
        caller = identify(store(request), key)
        if ROLES.index(caller.role) < needed:
            raise ApiError(403, f"key {caller.name!r} is a {caller.role} key; this needs {role}")
        return caller

    return dependency


Viewer = Annotated[Caller, Depends(require("viewer"))]
Admin = Annotated[Caller, Depends(require("admin"))]
router = APIRouter(tags=["access"])


@router.post("/api/login", response_model=Identity)
def login(request: Request, response: Response, body: Annotated[Login, Body()]) -> Identity:
    """Check a key and keep it in an HttpOnly cookie for the dashboard's requests."""
    caller = identify(store(request), body.key)
    response.set_cookie(COOKIE, body.key, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/")  # fmt: skip
    return Identity.of(caller)


@router.post("/api/logout", response_model=Identity)
def logout(response: Response, caller: Viewer) -> Identity:
    """Forget the cookie ``POST /api/login`` set."""
    response.delete_cookie(COOKIE, path="/")
    return Identity.of(caller)


@router.get("/api/me", response_model=Identity)
def me(caller: Viewer) -> Identity:
    """The name, role and sources of the key the request carries."""
    return Identity.of(caller)
