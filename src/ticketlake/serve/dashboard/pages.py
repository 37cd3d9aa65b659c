"""The dashboard's HTML pages and static files.

A page is a frame (filters, navigation, a box per chart); the dashboard's script fills it
from the JSON endpoints (:mod:`ticketlake.serve.dashboard.data`) with the cookie the login
page had ``POST /api/login`` set, so the numbers shown are the API's. Every page but the
login page needs a valid key in that cookie; without one it redirects to the login page.
The static files (the Vega bundle, the dashboard's JS and CSS) hold no data and are served
to anyone, so the login page can load them; they come from the package, not from a CDN.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from importlib import resources
from string import Template
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ticketlake.report import render
from ticketlake.report.charts import TABLES
from ticketlake.serve import auth
from ticketlake.serve.errors import ApiError

router = APIRouter(include_in_schema=False)
PACKAGE = "ticketlake.serve.dashboard"
STATIC = {"dashboard.js": "text/javascript", "dashboard.css": "text/css"}


@dataclass(frozen=True)
class Page:
    """One page: where, its title, its charts (report catalogue names) and its parts."""

    path: str
    title: str
    charts: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()  # summary, queue, search, a catalogue table: by the script


PAGES = {
    "overview": Page(
        "/", "Overview", ("volume", "resolution_time", "response_time", "locations"), ("summary",)
    ),
    "backlog": Page("/backlog", "Backlog", ("backlog", "groups", "agents")),
    "sla": Page("/sla", "SLA", ("sla_attainment", "sla_at_risk", "target_attainment"), ("queue",)),
    "flow": Page(
        "/flow",
        "Process flow",
        ("time_in_status", "handoffs", "variants", "lifetime", "update_interval", "system_lag"),
    ),
    "themes": Page("/themes", "Themes", ("theme_volume",), ("theme_outcome", "theme_rising")),
    "tickets": Page("/tickets", "Tickets", (), ("search",)),
}
PARTS = {
    "summary": '<section id="summary" class="summary" aria-label="Headline numbers"></section>',
    "queue": '<section class="wide"><h2>At-risk queue</h2><div id="queue"></div></section>',
    "search": (
        '<form id="search" class="search"><label>Ticket <input type="search" name="q" '
        'placeholder="id, external id or title"></label><button type="submit">Search</button>'
        '</form><div id="results"></div><section id="ticket" class="ticket" hidden></section>'
    ),
    # the report's tables (report/charts/): filled from /api/dashboard/tables/{name}
    **{name: f'<section class="wide" data-table="{name}"></section>' for name in TABLES},
}


def _template(name: str) -> Template:
    text = resources.files(PACKAGE).joinpath("templates", name).read_text(encoding="utf-8")
    return Template(text)


def _signed_in(request: Request) -> bool:
    """Whether the request's cookie holds a valid key."""
    try:
        auth.identify(auth.store(request), request.cookies.get(auth.COOKIE))
    except ApiError:
        return False
    return True


def render_page(name: str) -> str:
    """The HTML of page ``name``."""
    page = PAGES[name]
    nav = "".join(
        f'<a href="{p.path}"{" aria-current=page" if n == name else ""}>{html.escape(p.title)}</a>'
        for n, p in PAGES.items()
    )
    boxes = "".join(f'<figure class="chart" data-chart="{c}"></figure>' for c in page.charts)
    grid = f'<div class="grid">{boxes}</div>' if boxes else ""
    content = "".join(PARTS[p] for p in page.parts) + grid
    return _template("page.html").substitute(
        title=html.escape(page.title),
        page=name,
        nav=nav,
        content=content,
        libraries=html.escape(render.libraries()),
    )


def _show(name: str) -> object:
    def show(request: Request) -> Response:
        if not _signed_in(request):
            return RedirectResponse(f"/login?next={quote(PAGES[name].path)}", status_code=303)
        return HTMLResponse(render_page(name), headers={"Cache-Control": "no-store"})

    show.__name__ = f"page_{name}"
    return show


for _name, _page in PAGES.items():
    router.add_api_route(_page.path, _show(_name), methods=["GET"])  # type: ignore[arg-type]


@router.get("/login")
def login() -> HTMLResponse:
    """The sign-in page: the only page without a key."""
    return HTMLResponse(_template("login.html").substitute())


@router.get("/static/dashboard/vega.js")
def vega() -> Response:
    """Vega, Vega-Lite and Vega-Embed, from vl-convert (the report's bundle)."""
    return Response(
        render.bundle(), media_type="text/javascript", headers={"Cache-Control": "max-age=3600"}
    )


@router.get("/static/dashboard/{name}")
def static(name: str) -> Response:
    """The dashboard's own script and style sheet."""
    if name not in STATIC:
        raise ApiError(404, f"no static file {name!r}")
    text = resources.files(PACKAGE).joinpath("static", name).read_text(encoding="utf-8")
    return Response(text, media_type=STATIC[name], headers={"Cache-Control": "no-cache"})
