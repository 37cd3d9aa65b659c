"""Parity: every mart, KPI, lifecycle and flow table built on Spark (local[2]) equals the one
DuckDB builds from the same lake: row counts and keys exactly, floating values within 1e-9
relative (summation order differs), percentiles by the same exact definition on both."""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from ticketlake import Project
from ticketlake.engine import models
from ticketlake.synth import Options, write_shape

pytestmark = pytest.mark.spark  # these files share the one Spark worker

SHAPES = {"tickets": "tickets", "snapshots": "snapshots", "events": "eventlog",
          "interactions": "interactions", "json": "json", "jira-json": "jira"}  # fmt: skip
TABLES = sorted(n for n, m in models.load().items())
# Business calendars for sla_status_business beside the built-in 24/7: holidays (New York's
# Election Day), a part-day, overnight windows across the autumn daylight-saving changes
# (Saturday night into Sunday 2024-10-27 in Berlin and 2024-11-03 in New York) and a change of
# hours, inside the generated desk's 20 days from 2024-10-18 (OPTIONS); SLA policies on them for fact_sla, the rest falling through to the
# default on 24/7.
OPTIONS = Options(tickets=150, days=20, start=date(2024, 10, 18), seed=5)
CALENDARS = """calendars:
  berlin:
    timezone: Europe/Berlin
    hours: {mon-fri: ["08:00-12:00", "13:00-18:00"], sat: ["22:00-06:00"]}
    holidays: {country: DE, subdivision: BE}
    closed: ["2024-10-22 13:00-24:00"]
    changes: [{since: 2024-11-01, hours: {daily: ["07:00-19:00"]}}]
  new_york:
    timezone: America/New_York
    hours: {mon-fri: ["09:00-17:00"], sat: ["20:00-04:00"]}
    holidays: {country: US, subdivision: NY}
"""
# The instants the clocks change, for the check that generated stays cross them.
CHANGES = {"berlin": datetime(2024, 10, 27, 1), "new_york": datetime(2024, 11, 3, 6)}
POLICIES = """sla_policies:
  - name: berlin_desk
    when: {source: [tickets, events], priority: [P1, P2, P3]}
    response: {hours: {P1: 1, P2: 4, P3: 8}, calendar: berlin, paused_by: [pending]}
    resolution: {hours: 16, calendar: berlin}
  - name: new_york_desk
    when: {source: [jira_json, json]}
    resolution: {hours: 12, calendar: new_york, paused_by: [on_hold]}
"""


def _both(project: Project) -> tuple[Path, Path]:
    """Build the project on DuckDB and then on Spark; return both snapshot files."""
    duck = project.build(full=True).path
    spark = Project(project.root, ["engine.name=spark"]).build().path
    return duck, spark


# Local days: the project's zone is Berlin (the shapes ingested by path take it) and the event
# log is a configured source in New York, so local days and backlog cut-offs are compared in
# two zones, neither of them UTC.
ZONED = "events"  # the shape configured as a source with its own zone


def _zones(root: Path) -> str:
    return (
        "timezone: Europe/Berlin\nsources:\n"
        f"  - name: {ZONED}\n    format: {SHAPES[ZONED]}\n    path: {root / ZONED}\n"
        "    timezone: America/New_York\n"
    )


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Every generated shape, each as its own source, built by both engines."""
    root = tmp_path_factory.mktemp("parity")
    project = Project(root / "project")
    project.root.mkdir()
    project.init()
    config = project.root / "ticketlake.yml"
    text = config.read_text("utf-8").replace("calendars: {}\n", CALENDARS)
    text = text.replace("timezone: UTC\n", "").replace("sources: []\n", _zones(root))
    config.write_text(text.replace("sla_policies: []\n", POLICIES), "utf-8")
    project = Project(project.root)
    options = OPTIONS
    for shape, fmt in SHAPES.items():
        data = write_shape(shape, root / shape, options)
        if shape == ZONED:
            project.ingest(source=ZONED)
        else:
            project.ingest([data.out], format=fmt)
    return _both(project)


def test_generated_shapes_have_local_days(generated: tuple[Path, Path]) -> None:
    """The parity covers local days in two zones, the configured source's and the project's,
    which differ from UTC dates for some tickets."""
    con = duckdb.connect(str(generated[0]), read_only=True)
    try:
        zones = dict(
            con.execute("SELECT source, max(timezone) FROM fact_ticket GROUP BY 1").fetchall()
        )
        shifted = con.execute(
            "SELECT count(*) FROM fact_ticket WHERE created_date <> CAST(created_at AS DATE)"
        ).fetchall()[0][0]
    finally:
        con.close()
    assert zones[ZONED] == "America/New_York"
    assert {z for s, z in zones.items() if s != ZONED} == {"Europe/Berlin"}
    assert shifted > 0


@pytest.fixture(scope="module")
def servicenow(tmp_path_factory: pytest.TempPathFactory,
               servicenow_log: Path) -> tuple[Path, Path]:  # fmt: skip
    """The real ServiceNow audit log, built by both engines."""
    project = Project(tmp_path_factory.mktemp("parity_servicenow"))
    project.init()
    project.ingest([servicenow_log], format="servicenow")
    return _both(project)


def _rows(con: duckdb.DuckDBPyConnection, db: str, table: str,
          columns: list[str]) -> list[tuple[object, ...]]:  # fmt: skip
    listed = ", ".join(f'"{c}"' for c in columns)
    rows = con.execute(f"SELECT {listed} FROM {db}.{table}").fetchall()
    return sorted(rows, key=_key)


def _key(row: tuple[object, ...]) -> tuple[tuple[int, object], ...]:
    """Sort key: floats rounded (their last bits differ between engines), others as text."""
    return tuple((0, round(v, 6)) if isinstance(v, float) else (1, str(v)) for v in row)


def _same(x: object, y: object) -> bool:
    if isinstance(x, float) or isinstance(y, float):
        if x is None or y is None:
            return x is None and y is None
        return math.isclose(float(x), float(y), rel_tol=1e-9, abs_tol=1e-9)  # type: ignore[arg-type]
    return x == y


def _compare(builds: tuple[Path, Path], table: str) -> None:
    con = duckdb.connect()
    con.execute(f"ATTACH '{builds[0]}' AS duck (READ_ONLY)")
    con.execute(f"ATTACH '{builds[1]}' AS spark (READ_ONLY)")
    columns = [r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = 'duck' AND table_name = ? "
        "ORDER BY column_index", [table]).fetchall()]  # fmt: skip
    spark_columns = [r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = 'spark' AND table_name = ? "
        "ORDER BY column_index", [table]).fetchall()]  # fmt: skip
    assert spark_columns == columns
    duck, spark = _rows(con, "duck", table, columns), _rows(con, "spark", table, columns)
    assert len(spark) == len(duck)
    for a, b in zip(duck, spark, strict=True):
        assert all(_same(x, y) for x, y in zip(a, b, strict=True)), (table, a, b)


@pytest.mark.parametrize("table", TABLES)
def test_generated_shapes(generated: tuple[Path, Path], table: str) -> None:
    """Tickets, snapshots, events, interactions and JSON, as five sources of one project."""
    _compare(generated, table)


def test_generated_shapes_slice_by_label(generated: tuple[Path, Path]) -> None:
    """The json shape's tags give labels, so the label bridge is compared on real rows."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{generated[0]}' AS duck (READ_ONLY)")
    labelled = con.execute("SELECT count(DISTINCT ticket_id), count(DISTINCT label) "
                           "FROM duck.bridge_ticket_label").fetchone()  # fmt: skip
    assert labelled is not None and labelled[0] > 0 and labelled[1] > 1


def test_generated_comments_are_compared_on_real_rows(generated: tuple[Path, Path]) -> None:
    """The jira-json shape's comments give ticket_comments rows of both authors."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{generated[0]}' AS duck (READ_ONLY)")
    sql = "SELECT count(*), count(DISTINCT by_requester) FROM duck.ticket_comments"
    found = con.execute(sql).fetchone()
    assert found is not None and found[0] > 0 and found[1] == 2


@pytest.mark.parametrize("table", TABLES)
def test_servicenow_log(servicenow: tuple[Path, Path], table: str) -> None:
    """The real ServiceNow audit log (about 120k events)."""
    _compare(servicenow, table)


def test_generated_fact_sla_covers_policies_and_stages(generated: tuple[Path, Path]) -> None:
    """fact_sla is compared on rows of every policy, in business calendars, with pauses and
    breach instants, not only on the default."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{generated[0]}' AS duck (READ_ONLY)")
    policies = {r[0] for r in con.execute("SELECT DISTINCT policy FROM duck.fact_sla").fetchall()}
    assert policies == {"berlin_desk", "new_york_desk", "default"}
    stages = {r[0] for r in con.execute("SELECT DISTINCT stage FROM duck.fact_sla").fetchall()}
    assert {"achieved", "breached"} <= stages
    paused, breaches = con.execute(
        "SELECT count(*) FILTER (paused_business_seconds > 0), count(breach_at) "
        "FROM duck.fact_sla WHERE calendar <> '24/7'"
    ).fetchone() or (0, 0)
    assert paused > 0 and breaches > 0


def test_generated_stays_cross_the_clock_changes(generated: tuple[Path, Path]) -> None:
    """sla_status_business and fact_sla are compared on stays and clocks that span each
    business calendar's daylight-saving change and count open time on both sides of it."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{generated[0]}' AS duck (READ_ONLY)")
    for calendar, change in CHANGES.items():
        stays, clocks = con.execute(
            "SELECT (SELECT count(*) FROM duck.sla_status_business WHERE calendar = $1 "
            "AND entered_at < $2 - INTERVAL 1 DAY AND left_at > $2 + INTERVAL 1 DAY "
            "AND business_seconds > 0), (SELECT count(*) FROM duck.fact_sla WHERE calendar = $1 "
            "AND started_at < $2 - INTERVAL 1 DAY AND coalesce(stopped_at, as_of_at) > $2 "
            "+ INTERVAL 1 DAY)",
            [calendar, change],
        ).fetchone() or (0, 0)
        assert stays > 0 and clocks > 0, calendar
