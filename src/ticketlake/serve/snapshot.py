"""One build per request: the connection every query of a request runs on.

:func:`connection` is a FastAPI dependency: it opens ONE sandboxed connection to the build
the warehouse path names when the request starts (:meth:`Warehouse.reading`, whose lease
keeps that build's files from being pruned while it is open), hands it to everything the
request runs, and closes it when the response has been sent (so a streamed download reads
the same build to its end). An endpoint takes ``reading: Reading`` (the snapshot) and, for
KPIs, lifecycle, flow and SLA, ``reads: Reads`` (the same connection: FastAPI makes one
per request). A build published meanwhile
is seen by the next request; no request sees two builds or half of one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request

from ticketlake.analysis import Analysis
from ticketlake.engine.warehouse import Snapshot
from ticketlake.project import Project
from ticketlake.serve.errors import ApiError


def project(request: Request) -> Project:
    """The project the app serving ``request`` reads."""
    found: Project = request.app.state.project
    return found


def connection(request: Request) -> Iterator[Snapshot]:
    """The request's snapshot: ``.con``, its one connection, and ``.build``, the published
    build it reads (its id and row counts); closed after the response."""
    warehouse = project(request).warehouse
    if warehouse.current() is None:
        raise ApiError(503, "the warehouse has not been built yet; run `ticketlake build`")
    with warehouse.reading() as snapshot:
        yield snapshot


Reading = Annotated[Snapshot, Depends(connection)]


def analysis(request: Request, reading: Reading) -> Analysis:
    """The analytical reads (ticketlake/analysis.py) on the request's connection."""
    return Analysis(reading.con, project(request).settings)


Reads = Annotated[Analysis, Depends(analysis)]
