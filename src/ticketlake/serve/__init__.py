"""``ticketlake serve``: the HTTP API (and the dashboard on top of it) over the current build.

One ASGI app (FastAPI, run by uvicorn), made by :func:`ticketlake.serve.app.create_app`:

- every request reads one published build from start to end, on one sandboxed connection
  (:mod:`ticketlake.serve.snapshot`); a build published meanwhile is seen by the next request;
- every endpoint but ``GET /api/health`` and ``POST /api/login`` needs an API key
  (:mod:`ticketlake.serve.keys`, :mod:`ticketlake.serve.auth`);
- every error is ``{"error": "one line"}`` with its status (:mod:`ticketlake.serve.errors`).

FastAPI and uvicorn are the ``serve`` extra: :func:`require` says how to install it.
"""

from __future__ import annotations

from ticketlake.common import extras

EXTRA = "serve"


def require() -> None:
    """Stop with one line naming the extra when FastAPI or uvicorn is missing."""
    for module in ("fastapi", "uvicorn"):
        extras.load(module, EXTRA, "ticketlake serve")
