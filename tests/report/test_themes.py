"""The report's Themes: with themes built (text.enabled), each source's section has the
weekly tickets of its top themes, their outcomes and the rising themes of the period; without
them the report has no trace of themes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.report.conftest import Written
from ticketlake import Project
from ticketlake.report import ReportResult
from ticketlake.report.charts import TABLES
from ticketlake.report.charts.themes import OUTCOME, TOP


@pytest.fixture(scope="module")
def themed_report(themed: Project, tmp_path_factory: pytest.TempPathFactory) -> ReportResult:
    """The default report (the last 28 days with data) of the project with themes."""
    return themed.report(tmp_path_factory.mktemp("themed_report"))


def _themes(html: str, source: str) -> str:
    found = re.search(rf'<section class="themes" id="themes-{source}">(.*?)</section>', html)
    assert found, source
    return found.group(1)


def test_each_source_has_its_themes_chart_and_tables(themed_report: ReportResult) -> None:
    html = themed_report.html.read_text(encoding="utf-8")
    for source in ("desk", "portal"):
        part = _themes(html, source)
        assert "<h3>Themes</h3>" in part
        assert f'id="chart-{source}-theme_volume"' in part
        assert 'data-table="theme_outcome"' in part
        heads = re.findall(r'<th scope="col">(.*?)</th>', part)
        assert heads[: len(OUTCOME)] == [c.title for c in OUTCOME]
        png = themed_report.html.parent / "png" / source / "theme_volume.png"
        assert png.stat().st_size > 5_000
    assert {t.table for t in themed_report.tables} == set(TABLES)


def test_the_outcome_table_is_the_sources_rows_of_theme_outcome(
    themed: Project, themed_report: ReportResult
) -> None:  # fmt: skip
    """Every theme of the source, most tickets first, as `ticketlake themes --source`."""
    expected = themed.themes("desk").to_pylist()
    shown = next(
        t for t in themed_report.tables if (t.source, t.table) == ("desk", "theme_outcome")
    )
    assert [r["label"] for r in shown.rows] == [r["label"] for r in expected]
    assert [r["tickets"] for r in shown.rows] == [r["tickets"] for r in expected]
    part = _themes(themed_report.html.read_text(encoding="utf-8"), "desk")
    first = expected[0]
    assert f'<th scope="row">{first["label"]}</th>' in part
    assert f"<td>{first['tickets']:,}</td>" in part and f"{first['share_pct']:.1f} %" in part


def test_the_chart_holds_the_weekly_tickets_of_the_top_themes(
    themed: Project, themed_report: ReportResult
) -> None:  # fmt: skip
    """Per week of the period and theme (at most TOP), the tickets of theme_daily; every
    week of the period has a point for every theme drawn, zero included."""
    html = themed_report.html.read_text(encoding="utf-8")
    specs = json.loads(re.search(r'<script type="application/json" id="specs">(.*?)</script>',
                                 html, re.S).group(1))  # fmt: skip
    spec = specs["chart-portal-theme_volume"]
    (values,) = spec["datasets"].values()
    themes = {v["theme"] for v in values}
    weeks = {v["day"] for v in values}
    assert 1 < len(themes) <= TOP and len(values) == len(themes) * len(weeks)
    period = themed_report.period
    with themed.warehouse.reading() as snapshot:
        total = snapshot.con.execute(
            "SELECT sum(tickets) FROM theme_daily WHERE source = 'portal' AND theme IS NOT NULL "
            "AND day BETWEEN ? AND ?", [period.start, period.end]).fetchone()[0]  # fmt: skip
    assert sum(v["tickets"] for v in values) <= total
    assert "one point per week" in spec["title"]["subtitle"][0]


def test_the_planted_theme_is_among_the_rising(themed_report: ReportResult) -> None:
    """portal's theme planted from day 21 (2024-01-22) rises in the period; the table shows it."""
    rising = next(
        t for t in themed_report.tables if (t.source, t.table) == ("portal", "theme_rising")
    )
    assert any(r["week_start"] == "2024-01-22" for r in rising.rows), rising.rows
    part = _themes(themed_report.html.read_text(encoding="utf-8"), "portal")
    assert '<table class="summary data" data-table="theme_rising">' in part


def test_without_themes_the_report_has_none(written: Written) -> None:
    """The shared report project is built without text: nothing about themes, anywhere."""
    assert 'class="themes"' not in written.html
    assert "theme_" not in written.html
    assert written.result.tables == []
    assert not list(Path(written.result.html.parent).rglob("theme_*.png"))
