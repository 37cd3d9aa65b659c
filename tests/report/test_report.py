"""The report on a small project of three shapes: every chart drawn or left out with a note,
nothing on the page that points outside it, and PNG files that are the page's charts."""

from __future__ import annotations

import html
import json
import re
import struct
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import vl_convert

from tests.report.conftest import END, HOSTILE_LABELS, SOURCES, START, Written
from ticketlake import UsageError
from ticketlake.engine.health import warnings
from ticketlake.report import missing
from ticketlake.report import page as report_page
from ticketlake.report.charts import CATALOG, fixed_width
from ticketlake.report.page import script_json
from ticketlake.report.render import PNG_SCALE, VEGA_LITE
from ticketlake.report.render import bundle as render_bundle
from ticketlake.report.result import Figure, Omitted, Period

URL = re.compile(r"(?i)\b(?:https?|ftp|wss?|file)://[^\s\"'`<>)\\]*")
# The only URL-like strings in the inlined Vega bundle (vl-convert's, kept byte for byte).
# None is requested by the page: the browser test records every request it makes.
INERT_IN_LIBRARY = {
    "http://www.w3.org/2000/svg": "SVG namespace name for createElementNS",
    "http://www.w3.org/1999/xlink": "XLink namespace name",
    "http://www.w3.org/2000/xmlns/": "XMLNS namespace name",
    "https://vega.github.io/schema/vega/v6.json": "$schema label of the Vega spec Vega-Lite "
    "compiles in memory; Vega never loads it",
    "https://vega.github.io/editor/": "vega-embed's 'open in editor' action, only built when "
    "actions are on; the page turns them off",
    "https://github.com/vega/vega-lite/issues/2415": "text of a Vega-Lite warning",
    "file://": "vega-loader's prefix for local files; every chart's data is inline",
}
URL_ATTRIBUTES = {"src", "href", "srcset", "action", "formaction", "poster", "data", "background",
                  "xlink:href", "ping", "manifest", "cite", "longdesc", "codebase"}  # fmt: skip
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# The charts every build has (the themes' need text.enabled: tests/report/test_themes.py).
ALWAYS = [name for name, chart in CATALOG.items() if chart.needs is None]


class Page(HTMLParser):
    """Every tag with its attributes, and the text of each script and style element."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: dict[str, str] = {}  # id (or position) -> text
        self.styles: list[str] = []
        self._open: tuple[str, str] | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._open = (tag, dict(attrs).get("id") or f"{tag}{len(self.tags)}")

    def handle_endtag(self, tag: str) -> None:
        self._open = None

    def handle_data(self, data: str) -> None:
        if self._open and self._open[0] == "script":
            self.scripts[self._open[1]] = self.scripts.get(self._open[1], "") + data
        elif self._open:
            self.styles.append(data)


@pytest.fixture(scope="module")
def page(written: Written) -> Page:
    return Page(written.html)


@pytest.fixture(scope="module")
def specs(page: Page) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = json.loads(page.scripts["specs"])
    return found


def test_every_chart_is_drawn_or_left_out_once(written: Written) -> None:
    """For every source, each chart of the catalogue is either drawn or left out, never both,
    and the page has one chart container per chart drawn."""
    result = written.result
    assert result.sources == sorted(name for name, _f, _s in SOURCES)
    for source in result.sources:
        drawn = [d.chart for d in result.drawn if d.source == source]
        left = [o.chart for o in result.omitted if o.source == source]
        assert sorted(drawn + left) == sorted(ALWAYS), source
    assert written.html.count('<figure class="chart"') == len(result.drawn)
    assert f'data-drawn="{len(result.drawn)}"' in written.html
    assert f'data-omitted="{len(result.omitted)}"' in written.html


def test_the_event_log_gets_every_chart_but_the_system_lag(written: Written) -> None:
    drawn = {d.chart for d in written.result.drawn if d.source == "desk"}
    assert drawn == set(ALWAYS) - {"system_lag"}


def test_charts_without_data_are_left_out_with_a_note(written: Written, page: Page) -> None:
    """A source without snapshots gets a note, not an empty chart, for the system lag; the
    snapshots, which have no status, get notes for the flow and backlog charts."""
    expected = {
        ("sheet", "system_lag"): "only daily snapshots",
        ("desk", "system_lag"): "only daily snapshots",
        ("sheet", "variants"): "only event and audit logs",
        ("snap", "time_in_status"): "only event and audit logs",
        ("snap", "handoffs"): "only event and audit logs",
        ("snap", "backlog"): "no status",
    }
    reasons = {(o.source, o.chart): o.reason for o in written.result.omitted}
    for (source, chart), words in expected.items():
        assert words in reasons[(source, chart)], (source, chart)
        section = _section(written.html, source)
        note = re.search(rf'<p class="note" data-chart="{chart}">(.*?)</p>', section)
        assert note and CATALOG[chart].title in note.group(1) and words in note.group(1)
        assert f'id="chart-{source}-{chart}"' not in written.html
        assert not (written.result.html.parent / "png" / source / f"{chart}.png").exists()
    assert {d.chart for d in written.result.drawn if d.source == "snap"} >= {
        "system_lag",
        "lifetime",
    }


def test_the_page_references_nothing_outside_itself(page: Page, written: Written) -> None:
    """No element loads or links anything but a place on the page; no style loads anything;
    the only URL-like strings are the inert ones in the inlined Vega library."""
    for tag, attrs in page.tags:
        assert tag not in ("link", "img", "iframe", "object", "embed", "base", "source"), tag
        for name, value in attrs.items():
            if name in URL_ATTRIBUTES:
                assert value and value.startswith("#"), (tag, name, value)
    csp = next(
        a["content"] for t, a in page.tags if a.get("http-equiv") == "Content-Security-Policy"
    )
    assert csp and "default-src 'none'" in csp and "connect-src" not in csp
    for style in page.styles:
        assert "url(" not in style.lower() and "@import" not in style.lower()
    library = page.scripts["vega"]
    outside = written.html.replace(library, "")
    assert URL.findall(outside) == []
    assert set(URL.findall(library)) <= set(INERT_IN_LIBRARY), set(URL.findall(library))
    assert "actions: false" in outside  # vega-embed builds no link to the online editor


def test_specs_have_titles_axis_titles_and_no_schema_url(specs: dict[str, dict[str, Any]],
                                                         written: Written) -> None:  # fmt: skip
    """Every embedded chart is titled as in the catalogue, every positional axis has a title
    (with its unit on quantitative axes), and the specs carry no ``$schema`` URL."""
    assert len(specs) == len(written.result.drawn)
    titles = {f"chart-{d.source}-{d.chart}": d.title for d in written.result.drawn}
    for chart_id, spec in specs.items():
        assert "$schema" not in json.dumps(spec) and URL.findall(json.dumps(spec)) == []
        assert spec["title"]["text"] == titles[chart_id]
        for channel, encoding in _positional(spec):
            assert encoding.get("title"), (chart_id, channel)
            if encoding["type"] == "quantitative":
                assert re.search(r"(?i)tickets|hours|seconds|%|intervals|updates",
                                 encoding["title"]), (chart_id, encoding["title"])  # fmt: skip


def test_labels_in_the_specs_cannot_end_or_swallow_their_script(
    written: Written, specs: dict[str, Any]
) -> None:
    """The specs element holds no ``<``, ``>``, ``&``, U+2028 or U+2029, so no label can
    end it (``</script>``) or make it swallow the page's scripts (``<!--<script>``); the
    labels come back whole from its JSON."""
    opening = '<script type="application/json" id="specs">'
    start = written.html.index(opening) + len(opening)
    text = written.html[start : written.html.index("</script>", start)]
    assert set(text) & set("<>&\u2028\u2029") == set()
    found = json.dumps(specs, ensure_ascii=False)
    for label in HOSTILE_LABELS:
        assert json.dumps(label, ensure_ascii=False) in found, label


@pytest.mark.parametrize(
    "text",
    [
        "Ops <!--<script>",
        "</script><script>alert(1)</script>",
        "a &amp; b > c",
        "line\u2028para\u2029",
        '"q" \\ é',
    ],
)
def test_script_json_escapes_what_html_reads_and_keeps_the_value(text: str) -> None:
    value = {"label": text, "rows": [{text: [text, 1.5, None]}]}
    out = script_json(value)
    assert set(out) & set("<>&\u2028\u2029") == set()
    assert json.loads(out) == value


def test_text_put_in_the_page_is_html_escaped() -> None:
    """The title, build, notes and library credit are escaped where they go into the page;
    the inlined library can neither end its script element nor open a comment in it."""
    evil = '<b id="x">&amp;</b><!--<script>'
    figure = Figure(evil, "tickets", 1.0, None, 1)
    text = report_page.render(
        evil,
        Period(START, END),
        {"desk": [figure]},
        evil,
        [],
        [Omitted("desk", "volume", evil, evil)],
        {},
        "",
        evil,
        [evil],
    )
    assert evil not in text and "<b id=" not in text
    # title, h1, build, label, note, credit, health warning
    assert text.count(html.escape(evil, quote=True)) == 7
    library = render_bundle().lower()
    assert "<!--" not in library and "<script" not in library and "</script" not in library


def test_the_page_shows_the_mapping_health_warnings(written: Written) -> None:
    """The report's "Mapping health" section lists what ``ticketlake check`` warns of, from
    the same function: here the snapshots, which carry no status, priority or group."""
    expected = warnings(written.project.health())
    assert any(line.startswith("snap: status unknown or missing") for line in expected)
    assert written.result.warnings == expected
    section = written.html.split('<section id="health">', 1)[1].split("</section>", 1)[0]
    items = re.findall(r'<li class="warning">(.*?)</li>', section)
    assert [html.unescape(item) for item in items] == expected


def test_without_warnings_the_health_section_says_so() -> None:
    text = report_page.render("t", Period(START, END), {}, "b", [], [], {}, "", "lib", [])
    assert "No mapping-health warnings" in text and '<li class="warning">' not in text


def test_each_png_exists_with_sensible_dimensions(written: Written) -> None:
    """One PNG per chart drawn, named png/SOURCE/CHART.png, a real PNG of a sensible size,
    and no other file in png/."""
    out = written.result.html.parent
    for d in written.result.drawn:
        assert d.png == out / "png" / d.source / f"{d.chart}.png"
        head = d.png.read_bytes()[:24]
        assert head[:8] == PNG_SIGNATURE and head[12:16] == b"IHDR", d.png
        width, height = struct.unpack(">II", head[16:24])
        assert 800 <= width <= 2400 and 300 <= height <= 2000, (d.png, width, height)
    assert sorted((out / "png").rglob("*.*")) == sorted(written.result.pngs)


@pytest.mark.parametrize("source, chart", [("desk", "backlog"), ("snap", "system_lag")])
def test_the_png_is_the_chart_on_the_page(specs: dict[str, dict[str, Any]], written: Written,
                                          source: str, chart: str) -> None:  # fmt: skip
    """The PNG file is the page's own specification rendered at a fixed width: one
    definition, both outputs."""
    spec = specs[f"chart-{source}-{chart}"]
    assert spec["width"] == "container"
    png = vl_convert.vegalite_to_png(fixed_width(spec), VEGA_LITE, scale=PNG_SCALE,
                                     allowed_base_urls=[])  # fmt: skip
    assert png == (written.result.html.parent / "png" / source / f"{chart}.png").read_bytes()


def test_summary_period_and_comparison_are_on_the_page(written: Written) -> None:
    assert f"Period: {START} to {END} (21 days)." in written.html
    previous = written.result.period.previous
    assert (previous.start.isoformat(), previous.end.isoformat()) == ("2024-01-15", "2024-02-04")
    assert f"{previous.start} to {previous.end} (21 days)" in written.html
    # a source whose headlines cannot be computed says so instead of showing a change
    snap = re.search(r'<tr><th scope="row"><a href="#source-snap">.*?</tr>', written.html)
    assert snap and "no comparison" in snap.group(0)


def test_without_the_extra_one_clear_error(written: Written, monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:  # fmt: skip
    """With vl-convert not importable the report says how to install it; nothing is written."""
    monkeypatch.setitem(sys.modules, "vl_convert", None)
    assert missing() == ["vl_convert"]
    with pytest.raises(UsageError, match=r"pip install 'ticketlake\[report\]'"):
        written.project.report(tmp_path / "out")
    assert not (tmp_path / "out").exists()


def _section(html: str, source: str) -> str:
    match = re.search(rf'<section id="source-{source}">(.*?)</section>', html, re.S)
    assert match, source
    return match.group(1)


def _positional(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The x and y encodings with a field, of the spec and of each of its layers."""
    views = [spec, *spec.get("layer", [])]
    return [(channel, view["encoding"][channel]) for view in views
            for channel in ("x", "y") if "field" in view.get("encoding", {}).get(channel, {})]  # fmt: skip
