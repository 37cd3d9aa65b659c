"""Writing the report: each chart of the catalogue, for each source, becomes one Vega-Lite
specification (:func:`ticketlake.report.charts.spec`), which is both embedded in
``report.html``, sized to its box, and rendered at a fixed width to a PNG file by vl-convert
(no browser). The page carries the Vega libraries inline, so it opens offline."""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import altair as alt
import duckdb
import vl_convert

from ticketlake.report import Progress, charts, page, scope
from ticketlake.report.charts import charts_of, tables_of
from ticketlake.report.data import jsonable, rows
from ticketlake.report.page import slug
from ticketlake.report.result import Drawn, Omitted, ReportResult, Tabled
from ticketlake.report.scope import Scope
from ticketlake.report.summary import summarise

HTML = "report.html"
PNG_DIR = "png"
PNG_SCALE = 2  # pixels per CSS pixel: sharp on screens and in documents
VEGA_LITE = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])  # the one Altair writes


def write(con: duckdb.DuckDBPyConnection, out_dir: Path, title: str, start: date | None,
          end: date | None, progress: Progress | None = None,
          warnings: Sequence[str] = ()) -> ReportResult:  # fmt: skip
    """Write ``report.html`` and one PNG per chart drawn into ``out_dir``; ``warnings`` are
    the mapping-health lines shown under the summary."""
    period = scope.period(con, start, end)
    out_dir.mkdir(parents=True, exist_ok=True)
    zones = scope.zones(con)
    sources = list(zones)
    summary = summarise(con, period, sources)
    scopes = [Scope(s, period, zone) for s, zone in zones.items()]
    drawn, omitted, specs = _draw_all(con, scopes, out_dir, progress)
    _prune(out_dir / PNG_DIR, {d.png for d in drawn})
    tables = _tables(con, scopes)
    text = page.render(title, period, summary, _build(con), drawn, omitted, specs, bundle(),
                       libraries(), warnings, tables)  # fmt: skip
    html = out_dir / HTML
    partial = html.with_name(f".{HTML}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, html)  # a reader never opens half a page
    return ReportResult(html, period, sources, summary, drawn, omitted, list(warnings), tables)


def _draw_all(con: duckdb.DuckDBPyConnection, scopes: list[Scope], out_dir: Path,
              progress: Progress | None) -> tuple[list[Drawn], list[Omitted], dict[str, Any]]:  # fmt: skip
    """Every chart for every source: drawn when its query has rows, else left out."""
    plan = [(where, chart) for where in scopes for chart in charts_of(con).values()]
    drawn, omitted, specs = [], [], {}
    for done, (where, chart) in enumerate(plan):
        if progress:
            progress(done, len(plan), f"{where.source}: {chart.title}")
        found = rows(con, chart.sql(where))
        if not found:
            omitted.append(Omitted(where.source, chart.name, chart.title, chart.empty))
            continue
        spec = charts.spec(chart, found, where)
        png = out_dir / PNG_DIR / slug(where.source) / f"{chart.name}.png"
        _png(charts.fixed_width(spec), png)
        drawn.append(Drawn(where.source, chart.name, chart.title, png))
        specs[page.chart_id(where.source, chart.name)] = spec
    if progress:
        progress(len(plan), len(plan), "done")
    return drawn, omitted, specs


def _tables(con: duckdb.DuckDBPyConnection, scopes: list[Scope]) -> list[Tabled]:
    """Every table of the catalogue the build has, for every source, with its rows."""
    return [Tabled(where.source, table.name, jsonable(rows(con, table.sql(where))))
            for where in scopes for table in tables_of(con).values()]  # fmt: skip


def _png(spec: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # No base URL is allowed: the data is inline, and nothing may be fetched while drawing.
    png = vl_convert.vegalite_to_png(spec, VEGA_LITE, scale=PNG_SCALE, allowed_base_urls=[])
    path.write_bytes(png)


def _prune(folder: Path, keep: set[Path]) -> None:
    """Delete PNG files a previous report wrote that this one did not (charts now left
    out, sources gone), so the folder matches the page."""
    for old in folder.glob("*/*.png"):
        if old not in keep:
            old.unlink()
    for sub in folder.glob("*/"):
        if not any(sub.iterdir()):
            sub.rmdir()


def _build(con: duckdb.DuckDBPyConnection) -> str:
    """Which warehouse build the report reads: ``2024-03-02 08:00 UTC, lake version 12``."""
    found = rows(con, "SELECT strftime(built_at, '%Y-%m-%d %H:%M') AS at, lake_version "
                      "FROM _build")  # fmt: skip
    return f"{found[0]['at']} UTC, lake version {found[0]['lake_version']}" if found else ""


@functools.cache
def bundle() -> str:
    """The Vega, Vega-Lite and Vega-Embed JavaScript, in one script to inline."""
    script = vl_convert.javascript_bundle("window.vegaEmbed = vegaEmbed;", vl_version=VEGA_LITE)
    return script.replace("</script", "<\\/script")


def libraries() -> str:
    """The bundled libraries and their versions, credited in the page."""
    return (f"Vega {vl_convert.get_vega_version()}, Vega-Lite {VEGA_LITE} and Vega-Embed "
            f"{vl_convert.get_vega_embed_version()}")  # fmt: skip
