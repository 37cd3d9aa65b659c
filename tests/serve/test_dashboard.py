"""The dashboard in Debian's chromium (Playwright with its executable path), against the real
server on loopback (tests/serve/conftest.py): one browser and one server for the module.

Every page is opened signed in, on a laptop (1366 px) and a phone (390 px): its charts are
drawn, the console stays silent, nothing is requested from another host, and a screenshot of
each is kept under ``$TICKETLAKE_ARTIFACTS/dashboard`` (pytest's temporary folder when the
variable is unset; the path is printed). The numbers on the page are read from the DOM and
compared with the API's and with the KPI catalog's own query for the same filters.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.browser import ARGS, require_chromium
from tests.serve.conftest import RESTRICTED_TO, Served, httpx

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the dev extra")

from ticketlake import kpis  # noqa: E402
from ticketlake.serve.dashboard.pages import PAGES  # noqa: E402

SOURCE = "events"  # an event log: priorities, SLA clocks, statuses and groups over time
LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
READY = "() => ['ready', 'failed'].includes(document.body.dataset.state)"
SEEN = """() => ({
  state: document.body.dataset.state,
  status: document.getElementById("status").textContent,
  boxes: document.querySelectorAll("figure.chart").length,
  withRows: document.querySelectorAll("figure.chart:not(.empty)").length,
  drawn: [...document.querySelectorAll("figure.chart:not(.empty)")].filter(
    b => b.querySelector(".view svg")).map(b => b.dataset.chart),
  empty: document.querySelectorAll("figure.chart.empty").length,
  width: document.scrollingElement.scrollWidth,
})"""
FIGURES = """() => Object.fromEntries([...document.querySelectorAll("#summary .figure")].map(
  f => [f.dataset.label, f.querySelector(".value").dataset.value]))"""
DATA_ENDPOINTS = [
    "/api/filters",
    "/api/charts",
    "/api/charts/volume",
    "/api/summary",
    "/api/sla/at-risk",
    "/api/tickets",
]
# The filters the page's form sends, as the page's own script drops the empty ones.
FORM = """() => Object.fromEntries([...new FormData(document.getElementById("filters"))]
  .filter(([, v]) => v))"""


@dataclass
class Browser:
    """The signed-in browser page and what it has seen since it started."""

    page: Any
    url: str
    requests: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def open(self, path: str) -> dict[str, Any]:
        """Open ``path`` and wait until its data has loaded; what the page then shows."""
        self.page.goto(self.url + path, wait_until="load")
        return self.settled()

    def settled(self) -> dict[str, Any]:
        """What the page shows once it has loaded its data."""
        self.page.wait_for_function(READY, timeout=60_000)
        found: dict[str, Any] = self.page.evaluate(SEEN)
        return found


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the screenshots go: $TICKETLAKE_ARTIFACTS/dashboard, else a temporary folder."""
    root = os.environ.get("TICKETLAKE_ARTIFACTS")
    folder = Path(root) / "dashboard" if root else tmp_path_factory.mktemp("dashboard")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"dashboard screenshots: {folder}")
    return folder


@pytest.fixture(scope="module")
def browser(served: Served) -> Iterator[Browser]:
    """Chromium with a fresh profile, signed in with the viewer key through the login page;
    any request to another host is recorded and refused."""
    chromium = require_chromium()
    with (
        tempfile.TemporaryDirectory(prefix="ticketlake-chromium-") as profile,
        playwright_api.sync_playwright() as driver,
    ):
        context = driver.chromium.launch_persistent_context(
            profile, executable_path=chromium, args=ARGS, headless=True, viewport=LAPTOP
        )
        try:
            page = context.pages[0] if context.pages else context.new_page()
            seen = Browser(page, served.url)
            context.on("request", lambda r: seen.requests.append(r.url))
            context.route(
                "**/*",
                lambda route: (
                    route.continue_()
                    if route.request.url.startswith(served.url + "/")
                    else route.abort()
                ),
            )
            page.on("console", lambda m: seen.console.append(f"{m.type}: {m.text}"))
            page.on("pageerror", lambda e: seen.errors.append(str(e)))
            page.goto(served.url + "/login?next=/sla", wait_until="load")
            page.fill("input[name=key]", served.keys["viewer"])
            page.click("button[type=submit]")
            page.wait_for_url(served.url + "/sla")
            yield seen
        finally:
            context.close()


@pytest.fixture(scope="module")
def visits(browser: Browser, artifacts: Path) -> dict[str, dict[str, Any]]:
    """Every page of ``SOURCE`` on a laptop, then on a phone, with a screenshot of each."""
    found = {}
    for size, viewport in (("laptop", LAPTOP), ("phone", PHONE)):
        browser.page.set_viewport_size(viewport)
        for name, page in PAGES.items():
            seen = browser.open(f"{page.path}?source={SOURCE}")
            shot = artifacts / f"{name}-{size}.png"
            browser.page.screenshot(path=str(shot), full_page=True)
            found[f"{name}-{size}"] = {**seen, "screenshot": shot}
    browser.page.set_viewport_size(LAPTOP)
    return found


def api(served: Served, path: str, **params: str) -> dict[str, Any]:
    """The API's answer to ``GET path`` with the viewer key."""
    answer = served.get(path, **params)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_renders_its_charts(
    visits: dict[str, dict[str, Any]], served: Served, name: str
) -> None:
    """Each chart the API has rows for is drawn as a Vega view (an SVG) in its box; the
    others say why they are empty."""
    charts = PAGES[name].charts
    with_rows = [c for c in charts if api(served, f"/api/charts/{c}", source=SOURCE)["rows"]]
    if charts and name != "themes":  # an event log carries no text: no themes of its own
        assert with_rows  # the page shows something of SOURCE
    for size in ("laptop", "phone"):
        seen = visits[f"{name}-{size}"]
        assert seen["state"] == "ready", seen["status"]
        assert seen["boxes"] == len(charts)
        assert seen["drawn"] == with_rows
        assert seen["withRows"] == len(with_rows) == seen["boxes"] - seen["empty"]
        assert seen["screenshot"].stat().st_size > 10_000


def test_no_console_message_and_no_page_error(browser: Browser, visits: dict[str, Any]) -> None:
    assert visits
    assert browser.errors == []
    assert browser.console == []  # not even a warning


def test_nothing_is_requested_from_another_host(browser: Browser, visits: dict[str, Any]) -> None:
    assert visits
    assert browser.requests
    outside = [u for u in browser.requests if not u.startswith(browser.url + "/")]
    assert outside == []


@pytest.mark.parametrize("name", list(PAGES))
def test_no_horizontal_overflow_on_a_phone(visits: dict[str, dict[str, Any]], name: str) -> None:
    assert visits[f"{name}-phone"]["width"] <= PHONE["width"]
    assert visits[f"{name}-laptop"]["width"] <= LAPTOP["width"]


def _figures(browser: Browser) -> dict[str, float | None]:
    shown = browser.page.evaluate(FIGURES)
    return {label: float(value) if value else None for label, value in shown.items()}


def _kpi(
    served: Served, name: str, column: str, start: str, end: str, filters: dict[str, str]
) -> float | None:
    """``column`` of ``ticketlake kpis NAME --by source`` for SOURCE, with ``filters``."""
    sql = kpis.query(
        kpis.get(name),
        ("source",),
        date.fromisoformat(start),
        date.fromisoformat(end),
        {"source": SOURCE, **filters},
    )
    with served.project.warehouse.reading() as reading:
        found = reading.con.sql(sql).to_arrow_table().to_pylist()
    value = found[0][column] if found else None
    return None if value is None else float(value)


def test_a_filter_changes_the_numbers_which_equal_the_apis(
    browser: Browser, served: Served, visits: dict[str, Any]
) -> None:
    """On the overview, the headline numbers shown equal /api/summary's and the KPI
    catalog's for the same source and period; choosing a priority changes them, and they
    still equal the API's for that priority."""
    assert visits
    browser.open(f"/?source={SOURCE}")
    before = _figures(browser)
    everything = api(served, "/api/summary", source=SOURCE)
    assert before == {f["label"]: f["value"] for f in everything["figures"]}
    start, end = everything["period"]["start"], everything["period"]["end"]
    assert before["Created"] == _kpi(served, "volume", "created", start, end, {})
    loads = browser.page.evaluate("() => document.body.dataset.loads")
    browser.page.select_option("select[name=priority]", "P1")
    browser.page.wait_for_function(f"() => document.body.dataset.loads !== {loads!r}")
    browser.settled()
    after = _figures(browser)
    assert after != before
    p1 = api(served, "/api/summary", source=SOURCE, priority="P1")
    assert after == {f["label"]: f["value"] for f in p1["figures"]}
    assert after["Created"] == _kpi(served, "volume", "created", start, end, {"priority": "P1"})
    assert after["Median resolution"] == _kpi(
        served, "resolution_time", "median_hours", start, end, {"priority": "P1"}
    )
    assert "priority=P1" in browser.page.url


def test_a_filter_changes_the_charts(
    browser: Browser, served: Served, visits: dict[str, Any]
) -> None:
    """On the backlog page, a group redraws the backlog chart from the API's rows for that
    group; the volume chart, whose KPI has no priority, says it is not filtered by one."""
    assert visits
    browser.open(f"/backlog?source={SOURCE}")
    chart = "figure[data-chart=backlog]"
    before = browser.page.inner_text(chart)
    group = api(served, "/api/filters", source=SOURCE)["values"]["group"][0]
    loads = browser.page.evaluate("() => document.body.dataset.loads")
    browser.page.select_option("select[name=group]", group)
    browser.page.wait_for_function(f"() => document.body.dataset.loads !== {loads!r}")
    browser.settled()
    assert browser.page.inner_text(chart) != before
    answer = api(served, "/api/charts/backlog", source=SOURCE, group=group)
    assert answer["filters"] == {"group": group}
    shown = browser.page.get_attribute(chart, "data-rows")
    assert shown == str(len(answer["rows"])) and answer["rows"]
    unfiltered = api(served, "/api/charts/backlog", source=SOURCE)
    assert answer["rows"] != unfiltered["rows"]
    volume = api(served, "/api/charts/volume", source=SOURCE, priority="P1")
    assert volume["ignored"] == ["priority"]
    browser.open(f"/?source={SOURCE}&priority=P1")
    assert "Not filtered by priority" in browser.page.inner_text("figure[data-chart=volume]")


def test_ticket_search_and_drill_down(
    browser: Browser, served: Served, visits: dict[str, Any]
) -> None:
    """Searching lists the API's tickets; opening one shows its events, SLA clocks, links."""
    assert visits
    browser.open(f"/tickets?source={SOURCE}")
    found = api(served, "/api/tickets", **browser.page.evaluate(FORM), limit="50")
    assert browser.page.get_attribute("#found", "data-total") == str(found["total"])
    first = found["rows"][0]
    browser.page.click(f"#results button:text-is('{first['ticket_id']}')")
    browser.page.wait_for_selector(f"#ticket[data-ticket='{first['ticket_id']}']")
    one = api(served, f"/api/tickets/{SOURCE}/{first['ticket_id']}")
    text = browser.page.inner_text("#ticket")
    assert f"Events ({len(one['events'])})" in text and one["events"]
    assert f"SLA clocks ({len(one['sla'])})" in text
    assert f"Links ({len(one['links'])})" in text


@pytest.mark.parametrize("name", list(PAGES))
def test_a_page_without_a_key_redirects_to_login(served: Served, name: str) -> None:
    answer = httpx.get(served.url + PAGES[name].path, follow_redirects=False, timeout=30)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login?next=")
    bad = httpx.get(
        served.url + PAGES[name].path,
        cookies={"ticketlake_key": "tlk_nope"},
        follow_redirects=False,
        timeout=30,
    )
    assert bad.status_code == 303


def test_the_login_page_and_static_files_need_no_key(served: Served) -> None:
    for path in (
        "/login",
        "/static/dashboard/vega.js",
        "/static/dashboard/dashboard.js",
        "/static/dashboard/dashboard.css",
    ):
        assert httpx.get(served.url + path, timeout=30).status_code == 200, path


@pytest.mark.parametrize("path", DATA_ENDPOINTS)
def test_data_endpoints_need_a_key(served: Served, path: str) -> None:
    """401 JSON without a key, 200 with a viewer key, 403 for a source the key may not read."""
    without = served.get(path, key=None)
    assert without.status_code == 401 and "error" in without.json()
    assert served.get(path, source=SOURCE).status_code == 200
    if path != "/api/charts":  # the catalogue, of no source
        other = next(s for s in api(served, "/api/filters")["sources"] if s != RESTRICTED_TO)
        assert served.get(path, key="restricted", source=other).status_code == 403


def test_a_restricted_key_reads_its_own_source(served: Served) -> None:
    answer = served.get("/api/filters", key="restricted")
    assert answer.json()["sources"] == [RESTRICTED_TO]
    assert served.get("/api/charts/backlog", key="restricted").json()["source"] == RESTRICTED_TO


def test_dashboard_endpoints_are_in_the_schema(served: Served) -> None:
    paths = api(served, "/openapi.json")["paths"]
    for path in (
        "/api/charts",
        "/api/charts/{name}",
        "/api/summary",
        "/api/filters",
    ):
        assert "get" in paths[path], path
    assert "/" not in paths and "/login" not in paths


def test_the_docs_say_which_filters_each_chart_applies() -> None:
    """docs/dashboard.md's table of filters is what the charts' SQL and the headlines apply."""
    from ticketlake.report.charts import CATALOG  # noqa: PLC0415
    from ticketlake.report.result import Period  # noqa: PLC0415
    from ticketlake.report.scope import Scope  # noqa: PLC0415
    from ticketlake.report.summary import HEADLINES, unfiltered  # noqa: PLC0415

    every = {"priority": "P1", "group": "g", "category": "c"}
    text = (Path(__file__).parents[2] / "docs" / "dashboard.md").read_text(encoding="utf-8")
    for chart in CATALOG.values():
        where = Scope(
            "s", Period(date(2024, 1, 1), date(2024, 1, 2)), "UTC", filters=tuple(every.items())
        )
        chart.sql(where)
        applied = ", ".join(k for k in every if k not in where.ignored) or "none"
        assert f"| `{chart.name}` | {applied} |" in text, chart.name
    for headline in HEADLINES:
        applied = ", ".join(k for k in every if k not in unfiltered(headline, every)) or "none"
        assert f"| {headline.label} | {applied} |" in text, headline.label


def test_a_ticket_of_the_at_risk_queue_opens_its_drill_down(
    browser: Browser, served: Served, visits: dict[str, Any]
) -> None:
    """The queue shows the API's running clocks; a ticket's id opens its drill-down."""
    assert visits
    browser.open(f"/sla?source={SOURCE}")
    form = browser.page.evaluate(FORM)
    asked = {k: v for k, v in form.items() if k in ("source", "priority", "group")}
    queue = api(served, "/api/sla/at-risk", **asked, limit="50")
    assert browser.page.get_attribute("#queue", "data-total") == str(queue["total"])
    first = queue["rows"][0]["ticket_id"]
    browser.page.click(f"#queue button:text-is('{first}')")
    browser.page.wait_for_url(f"{served.url}/tickets?source={SOURCE}&ticket={first}")
    browser.settled()
    browser.page.wait_for_selector(f"#ticket[data-ticket='{first}']")
    clocks = api(served, f"/api/tickets/{SOURCE}/{first}")["sla"]
    assert clocks and f"SLA clocks ({len(clocks)})" in browser.page.inner_text("#ticket")


@pytest.mark.parametrize(
    "params",
    [
        {"from": "0001-01-01"},
        {"to": "0001-01-03"},
        {"from": "2024-13-01"},
        {"to": "0"},
        {"from": "2024-02-10", "to": "2024-02-01"},
    ],
)
def test_a_bad_period_is_one_line_of_json(served: Served, params: dict[str, str]) -> None:
    """Days the calendar lacks, periods whose previous period would leave it, and reversed
    periods are 400 (422 for text that is no day at all), never a 500."""
    answer = served.get("/api/summary", source=SOURCE, **params)
    assert answer.status_code in (400, 422), answer.text
    assert list(answer.json()) == ["error"] and "\n" not in answer.json()["error"]
