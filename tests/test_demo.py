"""``ticketlake demo``: one desk told by every source, never added up over them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ticketlake import Project, demo

# The sources whose export carries status and resolution of every ticket the desk still has.
FULL = ("events", "helpdesk", "portal", "contacts")


@pytest.fixture(scope="module")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[demo.Step]]:
    """The demo, end to end, on a small desk."""
    out = tmp_path_factory.mktemp("demo") / "demo"
    return out, demo.run(out, tickets=300, days=14)


def _headlines(out: Path) -> dict[str, dict[str, Any]]:
    return {row["source"]: row for row in demo.summary(Project(out))[0]}


def test_build_step_counts_the_desk_once(small_demo: tuple[Path, list[demo.Step]]) -> None:
    """The build line shows the desk's tickets, not their sum over the six sources."""
    out, steps = small_demo
    project = Project(out)
    per_source = dict(project.query("SELECT source, count(*) FROM fact_ticket GROUP BY ALL")[1])
    build = next(s for s in steps if s.step == "build")
    assert len(per_source) == len(demo.SOURCES)
    assert build.rows == per_source[demo.STORY] < sum(per_source.values())
    assert {per_source[s] for s in FULL} == {build.rows}


def test_busiest_technicians_come_from_one_source(
    small_demo: tuple[Path, list[demo.Step]],
) -> None:
    """Each technician is listed once: the same desk's people are not ranked per source."""
    busiest = demo.summary(Project(small_demo[0]))[1]
    assert len(busiest) == 5
    assert {r["source"] for r in busiest} == {demo.STORY}
    assert len({r["agent"] for r in busiest}) == 5


def test_headline_figures_tell_one_story(small_demo: tuple[Path, list[demo.Step]]) -> None:
    """Created, resolved, open now and the median resolution: the same in every source that
    carries them (docs/generator.md, One desk, five shapes, lists what differs and why)."""
    headlines = _headlines(small_demo[0])
    for column in ("created", "resolved", "open_now", "median_resolution_h"):
        values = {source: headlines[source][column] for source in FULL}
        assert len(set(values.values())) == 1, (column, values)
    assert headlines["daily"]["resolved"] == 0 and "open_now" not in headlines["daily"]


def test_the_demo_finds_themes_in_the_help_desks_text(
    small_demo: tuple[Path, list[demo.Step]],
) -> None:
    """With the text extra installed (make demo installs it) the demo turns themes on."""
    project = Project(small_demo[0])
    assert project.settings.text.enabled
    rows = demo.themes(project)
    assert 0 < len(rows) <= 5 and all(r["label"] and r["tickets"] > 0 for r in rows)
    assert [r["tickets"] for r in rows] == sorted((r["tickets"] for r in rows), reverse=True)
