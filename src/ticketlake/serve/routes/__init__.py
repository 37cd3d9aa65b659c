"""The API's routers, one module per kind of data; :data:`ROUTERS` lists them for the app.

Each endpoint takes its caller (``auth.Viewer`` or ``auth.Admin``) and the request's
snapshot (``Depends(snapshot.connection)``), and answers a pydantic model, so the OpenAPI
schema describes every response.
"""

from __future__ import annotations

from ticketlake.serve.routes import analytics, kpis, ledger, tables, tickets

ROUTERS = [kpis.router, tables.router, tickets.router, analytics.router, ledger.router]
