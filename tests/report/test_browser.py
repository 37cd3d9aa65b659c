"""The report in a real browser: Debian's headless chromium (``make test`` installs it),
driven by Playwright, opens report.html from disk with every other request refused."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Route, sync_playwright

from tests.browser import ARGS, require_chromium
from tests.report.conftest import HOSTILE_LABELS, Written

EVERY_CHART_DRAWN = """() => {
  const boxes = [...document.querySelectorAll("figure.chart")];
  return boxes.length > 0 && boxes.every(b => b.querySelector("svg, canvas") || b.classList.contains("failed"));
}"""
# The page's three scripts (the specs, the Vega bundle, the drawing) are elements of their
# own, and the bundle ran: no label in the specs swallowed or ended a script.
SCRIPTS_RAN = """() => ({
  scripts: [...document.scripts].map(s => s.id || "draw"),
  vega: typeof window.vegaEmbed,
})"""
WHAT_WAS_DRAWN = """() => ({
  boxes: document.querySelectorAll("figure.chart").length,
  drawn: [...document.querySelectorAll("figure.chart")].filter(b => b.querySelector("svg")).map(
    b => ({id: b.id, title: b.dataset.title, text: b.querySelector("svg").textContent})),
  failed: document.querySelectorAll("figure.failed").length,
  announced: Number(document.getElementById("counts").dataset.drawn),
  links: [...document.querySelectorAll("[href], [src], [xlink\\\\:href]")].map(
    e => e.getAttribute("href") || e.getAttribute("src") || e.getAttribute("xlink:href")),
  actions: document.querySelectorAll(".vega-actions, .vega-embed details").length,
})"""


@pytest.fixture(scope="module")
def browsed(written: Written) -> dict[str, Any]:
    """What chromium saw: the requests it made, its console, page errors and the charts."""
    chromium = require_chromium()
    url = written.result.html.as_uri()
    seen: dict[str, Any] = {"requests": [], "console": [], "errors": [], "dialogs": []}

    def only_the_report(route: Route) -> None:
        seen["requests"].append(route.request.url)
        route.continue_() if route.request.url == url else route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: seen["console"].append(f"{m.type}: {m.text}"))
            page.on("pageerror", lambda e: seen["errors"].append(str(e)))
            page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
            page.route("**/*", only_the_report)
            page.goto(url, wait_until="load")
            seen.update(page.evaluate(SCRIPTS_RAN))
            if seen["vega"] == "function":  # else no chart can be drawn: no need to wait
                page.wait_for_function(EVERY_CHART_DRAWN, timeout=60_000)
            seen.update(page.evaluate(WHAT_WAS_DRAWN))
        finally:
            browser.close()
    return seen


def test_nothing_but_the_file_is_requested(browsed: dict[str, Any], written: Written) -> None:
    assert browsed["requests"] == [written.result.html.as_uri()]


def test_no_console_message_and_no_page_error(browsed: dict[str, Any]) -> None:
    assert browsed["errors"] == []
    assert browsed["console"] == []  # not even a warning


def test_labels_in_the_data_cannot_act_as_markup(browsed: dict[str, Any]) -> None:
    """Labels that would comment out, close or open a script (``Ops <!--<script>``,
    ``</script><script>alert(1)</script>``, entities, U+2028) leave the page's scripts
    whole, run nothing, and are drawn as the text they are."""
    assert browsed["scripts"] == ["specs", "vega", "draw"]
    assert browsed["vega"] == "function"
    assert browsed["dialogs"] == []
    text = "\n".join(chart["text"] for chart in browsed["drawn"])
    for label in HOSTILE_LABELS:
        assert label in text, label


def test_every_chart_the_report_drew_is_rendered(browsed: dict[str, Any],
                                                 written: Written) -> None:  # fmt: skip
    """As many rendered SVG charts as the report says it drew, each in its own box and
    showing its own title."""
    assert browsed["failed"] == 0
    assert browsed["boxes"] == browsed["announced"] == len(written.result.drawn)
    assert len(browsed["drawn"]) == len(written.result.drawn)
    expected = {f"chart-{d.source}-{d.chart}": d.title for d in written.result.drawn}
    assert {c["id"]: c["title"] for c in browsed["drawn"]} == expected
    for chart in browsed["drawn"]:
        assert chart["title"] in chart["text"], chart["id"]


def test_no_link_leaves_the_page_once_drawn(browsed: dict[str, Any]) -> None:
    """After Vega has drawn, the page still links only to places on itself (no action menu
    with a link to an online editor)."""
    assert browsed["actions"] == 0
    assert all(link.startswith("#") for link in browsed["links"]), browsed["links"]
