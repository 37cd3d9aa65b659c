"""The page's layout in Debian's headless chromium (as test_browser.py): at 700 CSS pixels
nothing is wider than the window and each chart fits its box; on a wide screen the charts
share the width in two columns or more; each chart fills its box's width, also after the
window is narrowed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Route, sync_playwright

from tests.browser import ARGS, require_chromium
from tests.report.conftest import Written
from tests.report.test_browser import EVERY_CHART_DRAWN

NARROW, WIDE = 700, 1600
RESIZED = -NARROW  # the wide page, narrowed to 700 pixels once drawn
MEASURE = """() => ({
  page: document.documentElement.scrollWidth,
  charts: [...document.querySelectorAll("figure.chart")].map(f => {
    const box = f.getBoundingClientRect(), svg = f.querySelector("svg").getBoundingClientRect();
    const inner = f.clientWidth - parseFloat(getComputedStyle(f).paddingLeft)
      - parseFloat(getComputedStyle(f).paddingRight);
    return {id: f.id, section: f.closest("section").id, left: Math.round(box.left),
            right: box.right, inner: inner, svgLeft: svg.left, svgRight: svg.right,
            svgWidth: svg.width, overflow: f.scrollWidth - f.clientWidth};
  }),
})"""


@pytest.fixture(scope="module")
def measured(written: Written, tmp_path_factory: pytest.TempPathFactory) -> dict[int, Any]:
    """The page measured at each width once its charts are drawn; a screenshot of each is
    kept beside the test's output."""
    chromium = require_chromium()
    url = written.result.html.as_uri()
    shots = tmp_path_factory.mktemp("layout")
    found: dict[int, Any] = {}

    def only_the_report(route: Route) -> None:
        route.continue_() if route.request.url == url else route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            for width in (NARROW, WIDE):
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.route("**/*", only_the_report)
                page.goto(url, wait_until="load")
                page.wait_for_function(EVERY_CHART_DRAWN, timeout=60_000)
                page.wait_for_timeout(300)  # let the container-sized charts settle
                found[width] = page.evaluate(MEASURE)
                page.screenshot(path=str(Path(shots) / f"report-{width}.png"), full_page=True)
                if width == WIDE:  # the charts follow their boxes when the window narrows
                    page.set_viewport_size({"width": NARROW, "height": 900})
                    page.wait_for_timeout(500)
                    found[RESIZED] = page.evaluate(MEASURE)
                page.close()
        finally:
            browser.close()
    return found


@pytest.mark.parametrize("width", [NARROW, RESIZED])
def test_nothing_overflows_at_700_pixels(measured: dict[int, Any], written: Written,
                                         width: int) -> None:  # fmt: skip
    narrow = measured[width]
    assert narrow["page"] <= NARROW
    assert len(narrow["charts"]) == len(written.result.drawn)
    for chart in narrow["charts"]:
        assert chart["right"] <= NARROW, chart["id"]
        assert chart["overflow"] <= 1, chart  # the chart fits its box: no scrolling inside
        assert chart["svgRight"] <= chart["right"] + 0.5, chart
    assert len({c["left"] for c in narrow["charts"]}) == 1  # one column


@pytest.mark.parametrize("width", [NARROW, WIDE, RESIZED])
def test_each_chart_fills_its_box(measured: dict[int, Any], width: int) -> None:
    for chart in measured[width]["charts"]:
        assert chart["svgWidth"] >= chart["inner"] - 2, chart
        assert chart["svgWidth"] <= chart["inner"] + 1, chart


def test_wide_screens_have_two_columns_or_more(measured: dict[int, Any]) -> None:
    wide = measured[WIDE]
    assert wide["page"] <= WIDE
    desk = [c for c in wide["charts"] if c["section"] == "source-desk"]
    assert len({c["left"] for c in desk}) >= 2
    assert max(c["svgWidth"] for c in desk) < WIDE / 2  # each shares the row
