"""Themes over HTTP: ``/api/themes`` and ``/api/themes/rising`` answer what ``ticketlake
themes`` prints, keep a source-restricted key to its sources, and say clearly (404) when the
build has no themes; the dashboard's Themes page shows the report's chart and tables."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.serve.conftest import Served, serving
from ticketlake import Project
from ticketlake.report.charts import TABLES
from ticketlake.report.charts.themes import OFF, OUTCOME
from ticketlake.serve.app import create_app
from ticketlake.serve.dashboard.pages import render_page
from ticketlake.serve.keys import KeyStore
from ticketlake.synth import Options, write_shape

OWN = "desk"  # the restricted key's source
OTHER = "portal"


@pytest.fixture(scope="module")
def themed_served(themed: Project) -> Iterator[Served]:
    """The project with themes (tests/themed.py) served on loopback, with its keys."""
    store = KeyStore.of(themed.root)
    keys = {"viewer": store.add("viewer", "viewer")[1],
            "restricted": store.add("restricted", "viewer", [OWN])[1]}  # fmt: skip
    with serving(create_app(themed)) as url:
        yield Served(url, themed, keys)


def _ok(served: Served, path: str, key: str = "viewer", **params: Any) -> dict[str, Any]:
    answer = served.get(path, key, **params)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def _plain(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from ticketlake.serve.pages import plain  # noqa: PLC0415

    return plain(rows)


def test_themes_are_what_the_cli_prints(themed_served: Served) -> None:
    project = themed_served.project
    across = _ok(themed_served, "/api/themes", limit=1000)
    assert across["rows"] == _plain(project.themes().to_pylist())
    assert {r["source"] for r in across["rows"]} == {"*"}
    one = _ok(themed_served, "/api/themes", source=OTHER, limit=1000)
    assert one["rows"] == _plain(project.themes(OTHER).to_pylist())
    rising = _ok(themed_served, "/api/themes/rising", limit=1000)
    assert rising["rows"] == _plain(project.themes(rising=True).to_pylist())
    assert any(r["week_start"] == "2024-01-22" for r in rising["rows"])  # portal's planted one
    assert {r["source"] for r in rising["rows"]} == {"*"}
    theirs = _ok(themed_served, "/api/themes/rising", source=OTHER, limit=1000)
    assert theirs["rows"] == _plain(project.themes(OTHER, rising=True).to_pylist())
    assert any(r["week_start"] == "2024-01-22" for r in theirs["rows"])


def test_a_restricted_key_reads_its_own_sources_themes(themed_served: Served) -> None:
    """Its source's rows, never the across-sources ones, of the themes and of the rising
    themes (counted in its source's tickets); another source is 403."""
    mine = _ok(themed_served, "/api/themes", "restricted")
    assert mine["rows"] and {r["source"] for r in mine["rows"]} == {OWN}
    assert mine["rows"] == _ok(themed_served, "/api/themes", source=OWN)["rows"]
    other = themed_served.get("/api/themes", "restricted", source=OTHER)
    assert other.status_code == 403 and "may not read source" in other.json()["error"]
    rising = _ok(themed_served, "/api/themes/rising", "restricted", limit=1000)
    assert rising["rows"] == _plain(themed_served.project.themes(OWN, rising=True).to_pylist())
    assert all(r["source"] == OWN for r in rising["rows"])
    other_rising = themed_served.get("/api/themes/rising", "restricted", source=OTHER)
    assert other_rising.status_code == 403
    table = _ok(themed_served, "/api/dashboard/tables/theme_rising", "restricted")
    assert table["source"] == OWN
    assert themed_served.get("/api/themes", key=None).status_code == 401


@pytest.fixture(scope="module")
def plain_served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A small project built without themes (text.enabled off), served."""
    root = tmp_path_factory.mktemp("no_themes") / "project"
    Project(root).init()
    made = write_shape("tickets", root / "exports", Options(tickets=40, days=10, seed=3))
    project = Project(root)
    project.ingest([made.out], format="tickets")
    project.build()
    store = KeyStore.of(root)
    with serving(create_app(project)) as url:
        yield Served(url, project, {"viewer": store.add("viewer", "viewer")[1]})


@pytest.mark.parametrize("path", ["/api/themes", "/api/themes/rising"])
def test_without_themes_a_clear_404(plain_served: Served, path: str) -> None:
    """A build without text.enabled: one line of JSON saying so, not a 500."""
    answer = plain_served.get(path)
    assert answer.status_code == 404
    assert list(answer.json()) == ["error"] and "no themes" in answer.json()["error"]
    assert "text.enabled" in answer.json()["error"]


def test_the_dashboard_table_is_the_reports(themed_served: Served) -> None:
    """The outcome table's columns are the report's, its rows the source's theme_outcome."""
    table = _ok(themed_served, "/api/dashboard/tables/theme_outcome", source=OTHER, priority="P1")
    assert [c["name"] for c in table["columns"]] == [c.name for c in OUTCOME]
    expected = themed_served.project.themes(OTHER).to_pylist()
    assert [r["label"] for r in table["rows"]] == [r["label"] for r in expected]
    assert table["ignored"] == ["priority"] and table["span"] == "whole history"
    rising = _ok(themed_served, "/api/dashboard/tables/theme_rising", source=OTHER)
    assert any(r["week_start"] == "2024-01-22" for r in rising["rows"])
    assert themed_served.get("/api/dashboard/tables/nope").status_code == 404


def test_the_dashboard_chart_is_the_reports(themed_served: Served) -> None:
    chart = _ok(themed_served, "/api/charts/theme_volume", source=OWN)
    assert chart["rows"] and chart["spec"] and chart["empty"] is None
    assert "one point per week" in chart["spec"]["title"]["subtitle"][0]
    mine = _ok(themed_served, "/api/charts/theme_volume", "restricted")
    assert mine["source"] == OWN and mine["rows"] == chart["rows"]


def test_without_themes_the_dashboard_says_why(plain_served: Served) -> None:
    chart = _ok(plain_served, "/api/charts/theme_volume")
    assert chart["rows"] == [] and chart["spec"] is None and chart["empty"] == OFF
    for name in TABLES:
        table = _ok(plain_served, f"/api/dashboard/tables/{name}")
        assert table["rows"] == [] and table["empty"] == OFF


def test_the_themes_page_has_the_chart_and_the_tables() -> None:
    html = render_page("themes")
    assert '<figure class="chart" data-chart="theme_volume"></figure>' in html
    for name in TABLES:
        assert f'data-table="{name}"' in html
    assert '<a href="/themes" aria-current=page>Themes</a>' in html
