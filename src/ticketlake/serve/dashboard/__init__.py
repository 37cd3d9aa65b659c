"""The dashboard of ``ticketlake serve``: the report's charts, live and filtered, in pages.

- :mod:`.data`: the JSON endpoints the pages read (``/api/charts``, ``/api/summary``,
  ``/api/filters``, and the at-risk queue and ticket search under ``/api/dashboard/``), each
  behind the viewer key like every other endpoint, so a JSON client reads the same numbers
  (their bodies are the models of :mod:`.models`);
- :mod:`.pages`: the HTML pages (a login page, then overview, backlog, SLA, flow, tickets)
  and their static files (the Vega bundle of vl-convert, the dashboard's own JS and CSS),
  all from the package: the pages load nothing from any other host.

Charts come from the report's catalogue (``ticketlake.report.charts``) and its
:func:`~ticketlake.report.render.specification`, so each chart has one definition. It needs
the ``report`` extra (Altair, vl-convert) as well as ``serve``.
"""

from __future__ import annotations

from fastapi import FastAPI

from ticketlake import logs, report

log = logs.get("serve")


def install(app: FastAPI) -> None:
    """Add the dashboard's endpoints and pages to ``app`` (left out, with a log line, when
    the report extra is not installed: the API still serves)."""
    absent = report.missing()
    if absent:
        log.warning(
            "the dashboard needs %s: pip install 'ticketlake[report]'", " and ".join(absent)
        )
        return
    from ticketlake.serve.dashboard import data, pages  # noqa: PLC0415 - needs the extra

    app.include_router(data.router)
    app.include_router(pages.router)
