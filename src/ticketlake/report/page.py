"""The report page: the summary table, a section per source with its charts (or a note where
a chart was left out) and, when the build has themes, their chart and tables, and the
specifications drawn by the inlined Vega libraries."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from importlib import resources
from string import Template
from typing import Any

from ticketlake.report.charts import CATALOG, TABLES, Column
from ticketlake.report.charts.themes import NEEDS as THEMES
from ticketlake.report.result import MIN_SAMPLE, Drawn, Figure, Omitted, Period, Tabled

TEMPLATE = "templates/report.html"
FORMATS = {"tickets": "{:,.0f}", "hours": "{:,.1f} h", "%": "{:.1f} %", "score": "{:+.2f}"}
CHANGES = {"tickets": "{:+,.0f}", "hours": "{:+,.1f} h", "%": "{:+.1f} pp"}
# Characters of JSON text that the HTML parser or a JavaScript reader could take for more
# than a string's content: ``</script>`` and ``<!--`` end or swallow the script element,
# ``&`` could start an entity, U+2028/U+2029 end lines in older JavaScript. JSON writes them
# only inside strings, where the ``\uXXXX`` escape means the same character.
_SCRIPT_UNSAFE = str.maketrans({c: f"\\u{ord(c):04x}" for c in "<>&\u2028\u2029"})


def render(title: str, period: Period, summary: dict[str, list[Figure]], build: str,
           drawn: list[Drawn], omitted: list[Omitted], specs: dict[str, Any], bundle: str,
           libraries: str, warnings: Sequence[str] = (),
           tables: Sequence[Tabled] = ()) -> str:  # fmt: skip
    """The whole page as text."""
    text = resources.files("ticketlake.report").joinpath(TEMPLATE).read_text(encoding="utf-8")
    previous = period.previous
    return Template(text).substitute(
        title=_e(f"ticketlake report: {title}"),
        period=_e(period.label()),
        previous=_e(previous.label()),
        build=_e(build or "unknown"),
        counts=_counts(len(summary), drawn, omitted),
        nav="".join(f'<a href="#{section_id(s)}">{_e(s)}</a>' for s in summary),
        summary=_summary(summary),
        minimum=_e(
            f"A change is given as a percentage only when both periods have at least "
            f"{MIN_SAMPLE} tickets behind the figure."
        ),
        warnings=_warnings(warnings),
        sections="\n".join(_section(s, drawn, omitted, tables) for s in summary),
        specs=script_json(specs),
        bundle=bundle,
        libraries=_e(libraries),
    )


def slug(source: str) -> str:
    """A source name as a folder name and HTML id (configured names already are)."""
    return re.sub(r"[^a-z0-9_]+", "-", source.lower()) or "-"


def section_id(source: str) -> str:
    """HTML id of a source's section."""
    return f"source-{slug(source)}"


def chart_id(source: str, chart: str) -> str:
    """HTML id of a chart's container."""
    return f"chart-{slug(source)}-{chart}"


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _counts(sources: int, drawn: list[Drawn], omitted: list[Omitted]) -> str:
    return (f'<p id="counts" data-drawn="{len(drawn)}" data-omitted="{len(omitted)}">'
            f"{len(drawn)} charts for {sources} source{'s' if sources != 1 else ''}; "
            f"{len(omitted)} left out because they would be empty (a note in each section "
            "says why).</p>")  # fmt: skip


def _summary(summary: dict[str, list[Figure]]) -> str:
    """One row per source, one column per headline: value, previous value and change."""
    if not summary:
        return "<p>The warehouse holds no source.</p>"
    first = next(iter(summary.values()))
    head = "".join(f"<th>{_e(f.label)}<span class=\"unit\">{_e(f.unit)}</span></th>"
                   for f in first)  # fmt: skip
    body = "".join(f'<tr><th scope="row"><a href="#{section_id(s)}">{_e(s)}</a></th>'
                   f"{''.join(_cell(f) for f in figures)}</tr>"
                   for s, figures in summary.items())  # fmt: skip
    return (f'<table class="summary"><thead><tr><th>Source</th>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")  # fmt: skip


def _warnings(lines: Sequence[str]) -> str:
    """The mapping-health warnings (``ticketlake check``), one item each."""
    if not lines:
        body = '<p class="meta">No mapping-health warnings (<code>ticketlake check</code>).</p>'
    else:
        items = "".join(f'<li class="warning">{_e(line)}</li>' for line in lines)
        body = f"<ul>{items}</ul>"
    return f'<section id="health"><h2>Mapping health</h2>{body}</section>'


def _cell(figure: Figure) -> str:
    value = _number(figure.value, FORMATS[figure.unit])
    previous = _number(figure.previous, FORMATS[figure.unit])
    return (f'<td><span class="value">{value}</span>'
            f'<span class="previous">previous {previous}</span>'
            f'<span class="change {figure.verdict}">{_change(figure)}</span></td>')  # fmt: skip


def _number(value: float | None, fmt: str) -> str:
    return "–" if value is None else _e(fmt.format(value))


def _change(figure: Figure) -> str:
    """``+12 (+5.3 %)``; without a percentage when the previous value is 0 or missing, and
    with a note instead when a period has fewer than ``MIN_SAMPLE`` tickets behind it."""
    if figure.change is None:
        return "no comparison"
    change = CHANGES[figure.unit].format(figure.change)
    pct = figure.change_pct
    if figure.too_small and figure.previous:
        note = (f"no %: fewer than {MIN_SAMPLE} tickets "
                f"({figure.sample:,} and {figure.previous_sample:,})")  # fmt: skip
        return f'{_e(change)}<span class="small" data-small="1">{_e(note)}</span>'
    return _e(change if pct is None else f"{change} ({pct:+.1f} %)")


def _section(source: str, drawn: list[Drawn], omitted: list[Omitted],
             tables: Sequence[Tabled] = ()) -> str:  # fmt: skip
    """A source's charts, and a note in the place of each chart left out, in the
    catalogue's order; then its themes, when the build has them."""
    themes = _themes(source, drawn, omitted, [t for t in tables if t.source == source])
    return (f'<section id="{section_id(source)}"><h2>Source {_e(source)}</h2>'
            f"<div class=\"charts\">{_charts(source, drawn, omitted, None)}</div>{themes}"
            "</section>")  # fmt: skip


def _charts(source: str, drawn: list[Drawn], omitted: list[Omitted], needs: str | None) -> str:
    """The boxes of a source's charts that need ``needs``, and notes for those left out."""
    here = {d.chart for d in drawn if d.source == source}
    notes = {o.chart: o.reason for o in omitted if o.source == source}
    parts = []
    for name, chart in CATALOG.items():
        if chart.needs != needs:
            continue
        if name in here:
            parts.append(f'<figure class="chart" id="{chart_id(source, name)}" '
                         f'data-chart="{name}" data-title="{_e(chart.title)}"></figure>')  # fmt: skip
        elif name in notes:
            parts.append(f'<p class="note" data-chart="{name}"><strong>{_e(chart.title)}'
                         f"</strong>: left out for {_e(source)}: {_e(notes[name])}.</p>")  # fmt: skip
    return "".join(parts)


def _themes(source: str, drawn: list[Drawn], omitted: list[Omitted],
            tables: list[Tabled]) -> str:  # fmt: skip
    """A source's Themes: their chart and tables (nothing when the build has no themes)."""
    if not tables:
        return ""
    charts = _charts(source, drawn, omitted, THEMES)
    return (f'<section class="themes" id="themes-{slug(source)}"><h3>Themes</h3>'
            f'<div class="charts">{charts}</div>{"".join(_table(t) for t in tables)}'
            "</section>")  # fmt: skip


def _table(tabled: Tabled) -> str:
    """One table of the catalogue: a heading, what it reads and its rows, or a note."""
    table = TABLES[tabled.table]
    span = table.span if table.whole_history else "the weeks of the period"
    head = (f'<h4 id="table-{slug(tabled.source)}-{table.name}">{_e(table.title)}</h4>'
            f'<p class="meta">Reads {_e(table.reads)} · {_e(span)}.</p>')  # fmt: skip
    if not tabled.rows:
        return (f'{head}<p class="note" data-table="{table.name}"><strong>{_e(table.title)}'
                f"</strong>: nothing to show for {_e(tabled.source)}: {_e(table.empty)}.</p>")  # fmt: skip
    cols = table.columns
    heads = "".join(f'<th scope="col">{_e(c.title)}</th>' for c in cols)
    body = "".join("<tr>" + "".join(_data_cell(c, row.get(c.name), i == 0)
                                    for i, c in enumerate(cols)) + "</tr>"
                   for row in tabled.rows)  # fmt: skip
    return (f'{head}<div class="scroll"><table class="summary data" data-table="{table.name}">'
            f"<thead><tr>{heads}</tr></thead><tbody>{body}</tbody></table></div>")  # fmt: skip


def _data_cell(column: Column, value: Any, first: bool) -> str:
    """A cell of a catalogue table, the first of a row as its heading."""
    tag = 'th scope="row"' if first else "td"
    return f"<{tag}>{_e(cell_text(column, value))}</{tag[:2]}>"


def cell_text(column: Column, value: Any) -> str:
    """A table's value as text, by its column's unit: ``–`` for none, lists joined."""
    if value is None:
        return "–"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    fmt = FORMATS.get(column.unit)
    return fmt.format(value) if fmt else str(value)


def script_json(value: Any) -> str:
    """``value`` as JSON to put in a ``<script>`` element: whatever text it holds, the
    element ends where the page ends it and nothing in it reads as markup. Every piece of
    JSON the page carries goes through here."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).translate(_SCRIPT_UNSAFE)
