"""Day-keyed models refresh only the days new batches touched, and end equal to a full build."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import duckdb
import pytest

from tests.models.test_incremental import _assert_same, _snapshot, pools
from ticketlake import Project
from ticketlake.engine import days, models, runner
from ticketlake.engine.models import ModelError, parse

CATALOG = models.load()
DAY_MODELS = sorted(name for name, m in CATALOG.items() if m.per_day)

HEADER = "case_id,timestamp,event_type,status,assignee,priority\n"
EARLY = HEADER + (
    "A,2024-01-01T09:00:00Z,created,New,,High\n"
    "A,2024-01-01T10:00:00Z,assigned,In Progress,ann,High\n"
    "A,2024-01-01T15:00:00Z,resolved,Resolved,ann,High\n"
    "B,2024-01-01T11:00:00Z,created,New,,Low\n"
    "C,2024-01-02T08:00:00Z,created,New,,Critical\n"
    "C,2024-01-02T09:00:00Z,assigned,In Progress,bob,Critical\n"
)
SNAPSHOT = "_ts,issueId,id,customerId,lastModified,createdTimeUtc,lastModifiedTimeUtc\n" + (
    "1704103200,T1,101,c1,x,2024-01-01T08:00:00.0000000Z,2024-01-01T09:00:00.0000000Z\n"
    "1704106800,T2,102,c2,x,2024-01-01T10:00:00.0000000Z,2024-01-01T10:00:00.0000000Z\n"
)


def _project(root: Path, files: dict[str, str], fmt: str) -> Project:
    """A project whose first file is ingested and built; the others wait in its folder."""
    project = Project(root)
    root.mkdir()
    project.init()
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    _ingest(project, next(iter(files)), fmt)
    project.build()
    return project


def _ingest(project: Project, name: str, fmt: str) -> None:
    outcome = project.ingest([project.root / name], format=fmt)
    assert [b.status for b in outcome.batches] == ["committed"], outcome.batches


def _state(project: Project) -> dict[str, tuple[str, int]]:
    """Each model's mode and rows written in the last build."""
    rows = project.query("SELECT model, mode, rows_changed FROM _models")[1]
    return {str(r[0]): (str(r[1]), int(str(r[2]))) for r in rows}


def _assert_equal_to_full(project: Project) -> None:
    """The published build equals a full rebuild from the same lake, table by table."""
    incremental = _snapshot(project.warehouse.path.resolve())
    full = _snapshot(project.build(full=True).path)
    assert set(incremental) == set(full)
    for name in sorted(full):
        _assert_same(name, incremental[name], full[name])


def test_a_small_batch_refreshes_the_day_models_by_day(tmp_path: Path) -> None:
    """The last tenth of a generated event log, by time, after the rest was built: every
    day model is refreshed by day, none recomputed, and the warehouse equals a full build."""
    header, body = pools()["events"]
    body = sorted(body, key=lambda row: row[header.index("timestamp")])
    cut = len(body) * 9 // 10
    files = {"desk-1.csv": _csv(header, body[:cut]), "desk-2.csv": _csv(header, body[cut:])}
    project = _project(tmp_path / "p", files, "eventlog")
    _ingest(project, "desk-2.csv", "eventlog")
    modes = project.build().modes
    assert modes["kpi_volume_daily"] == modes["kpi_backlog_daily"] == "incremental"
    assert modes["kpi_agent_load_daily"] == modes["kpi_daily_ops"] == "incremental"
    assert {modes[name] for name in DAY_MODELS} <= {"incremental", "unchanged"}
    assert modes["kpi_target_attainment"] == "full"  # every day's as-of time moves
    _assert_equal_to_full(project)


def test_a_new_snapshot_without_changes_touches_no_day(tmp_path: Path) -> None:
    """The same snapshot on the next day adds sightings only: fact_ticket's last_event_at
    and events change, which kpi_volume_daily does not read, so it keeps every row; the
    calendar gains the day, and kpi_daily_ops writes that day's row only."""
    head, *rows = SNAPSHOT.splitlines(keepends=True)
    files = {"20240101.csv": SNAPSHOT, "20240102.csv": "".join([head, *reversed(rows)])}
    project = _project(tmp_path / "p", files, "snapshots")
    _ingest(project, "20240102.csv", "snapshots")
    project.build()
    state = _state(project)
    assert state["fact_ticket"] == ("incremental", 2)
    assert state["kpi_volume_daily"] == ("unchanged", 0)
    assert state["dim_date"] == ("incremental", 1)
    assert state["kpi_daily_ops"] == ("incremental", 1)
    assert project.query("SELECT max(date_day) FROM dim_date")[1] == [(date(2024, 1, 3),)]
    _assert_equal_to_full(project)


def test_a_changed_priority_refreshes_the_days_of_its_ticket(tmp_path: Path) -> None:
    """A later event gives ticket C (created on 2 January) another priority: the rows of
    2 January are rewritten with it, those of 1 January stay as they were."""
    later = HEADER + "C,2024-01-03T08:00:00Z,updated,In Progress,bob,Low\n"
    project = _project(tmp_path / "p", {"desk-1.csv": EARLY, "desk-2.csv": later}, "eventlog")
    volume = "SELECT day, priority, created FROM kpi_volume_daily ORDER BY ALL"
    before = project.query(volume)[1]
    _ingest(project, "desk-2.csv", "eventlog")
    project.build()
    state = _state(project)
    assert state["kpi_volume_daily"] == ("incremental", 1)  # the one row of 2 January
    after = project.query(volume)[1]
    assert [r for r in after if r[0] == date(2024, 1, 1)] == [
        r for r in before if r[0] == date(2024, 1, 1)
    ]
    assert [r for r in after if r[0] == date(2024, 1, 2)] == [(date(2024, 1, 2), "P4", 1)]
    assert state["kpi_backlog_daily"][0] == "incremental"
    _assert_equal_to_full(project)


def test_a_new_source_gets_a_row_on_every_day_of_the_daily_ops(tmp_path: Path) -> None:
    """kpi_daily_ops has a row per day for each source, so the first batch of a new source,
    one ticket on the last day, adds rows on days none of its rows fall on: the model says
    so (``-- every day: fact_ticket(source)``) and is recomputed."""
    desk = HEADER + (
        "A,2024-01-01T09:00:00Z,created,New,,High\n"
        "A,2024-01-10T09:00:00Z,resolved,Resolved,ann,High\n"
    )
    other = HEADER + (
        "Z,2024-01-10T09:00:00Z,created,New,,Low\nZ,2024-01-10T10:00:00Z,resolved,Resolved,cy,Low\n"
    )
    project = Project(tmp_path / "p")
    project.root.mkdir()
    config = project.init()
    sources = "".join(
        f"  - name: {n}\n    format: eventlog\n    path: exports/{n}\n" for n in ("desk", "other")
    )
    text = config.read_text(encoding="utf-8").replace("sources: []\n", f"sources:\n{sources}")
    config.write_text(text, encoding="utf-8")
    for name, log in (("desk", desk), ("other", other)):
        (project.root / "exports" / name).mkdir(parents=True)
        (project.root / "exports" / name / "log.csv").write_text(log, encoding="utf-8")
    project = Project(project.root)
    assert not project.ingest(source="desk").failed
    project.build()
    assert not project.ingest(source="other").failed
    assert project.build().modes["kpi_daily_ops"] == "full"
    days_of = "SELECT source, count(*) FROM kpi_daily_ops GROUP BY ALL ORDER BY ALL"
    assert project.query(days_of)[1] == [("desk", 10), ("other", 10)]
    _assert_equal_to_full(project)


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    """A connection holding every model's table, empty, as a build leaves them."""
    project = _project(tmp_path_factory.mktemp("work") / "p", {"desk-1.csv": EARLY}, "eventlog")
    con = duckdb.connect()
    con.execute(f"ATTACH '{project.root / 'warehouse' / 'work.duckdb'}' AS w (READ_ONLY)")
    for (name,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = 'w' AND schema_name = 'main'"
    ).fetchall():
        con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM w."{name}" LIMIT 0')
    con.execute("DETACH w")
    return con


@pytest.mark.parametrize("name", DAY_MODELS)
def test_day_models_read_no_column_the_runner_would_miss(
    work: duckdb.DuckDBPyConnection, name: str
) -> None:
    """The columns sqlglot finds a day model reading from each input are all it reads: the
    model's SQL still binds (DuckDB's binder as the judge) with every input cut down to
    them. The key is a DATE column, and every declared day column exists."""
    model = CATALOG[name]
    found = days.columns_read(work, model)
    mapping = {}
    for table in sorted(model.reads):
        columns = ", ".join(f'"{c}"' for c in sorted(found[table])) or "1 AS _none"
        work.execute(
            f'CREATE OR REPLACE TEMP VIEW "_cut_{table}" AS SELECT {columns} FROM "{table}"'
        )
        mapping[table] = f"_cut_{table}"
    work.execute(f"DESCRIBE {runner._rename_tables(model.sql, mapping)}")
    kinds = dict(
        work.execute(
            f"SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = '{name}'"
        ).fetchall()
    )
    assert kinds[str(model.key)] == "DATE"
    for spec in model.days:
        assert spec.table in CATALOG
        assert set(spec.columns) <= set(_columns(work, spec.table)), spec


def test_a_column_left_out_is_caught(work: duckdb.DuckDBPyConnection) -> None:
    """The judge of the test above fails when one column the SQL reads is missing."""
    model = CATALOG["kpi_volume_daily"]
    found = days.columns_read(work, model)["fact_ticket"] - {"channel"}
    work.execute(
        f"CREATE OR REPLACE TEMP VIEW _cut AS SELECT {', '.join(sorted(found))} FROM fact_ticket"
    )
    with pytest.raises(duckdb.BinderException, match="channel"):
        work.execute(f"DESCRIBE {runner._rename_tables(model.sql, {'fact_ticket': '_cut'})}")


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [r[0] for r in con.execute(f'DESCRIBE "{table}"').fetchall()]


def _csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows([header, *rows])
    return out.getvalue()


SPANS = """-- grain: day
-- days: t(at, since .. until), dim_date(date_day)
-- days: u(since ..)
-- every day: t(source)
SELECT d.date_day AS day FROM dim_date d, t, u"""


def test_the_header_says_how_rows_fall_on_days() -> None:
    """Points, spans (an open end too) and every-day columns, per input."""
    model = parse("m", "kpi", SPANS)
    assert (model.grain, model.key) == ("day", "day")
    assert model.days_of("t") == models.Days("t", ("at",), (("since", "until"),), ("source",))
    assert model.days_of("u") == models.Days("u", (), (("since", None),))
    assert parse("w", "kpi", "-- grain: week(w)\nSELECT 1").key == "w"


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("-- grain: month\nSELECT 1", "unknown grain"),
        ("-- grain: day\n-- days: t(a b)\nSELECT * FROM t", "is not a column or a span"),
        ("-- grain: day\n-- days: t\nSELECT * FROM t", "cannot read"),
        ("-- grain: day\n-- days: u(a)\nSELECT * FROM t", "which it does not read"),
        ("-- days: t(a)\nSELECT * FROM t", "needs '-- grain: day'"),
        ("-- grain: day\n-- days: t(a .. b)\nSELECT * FROM t", "last day of dim_date"),
    ],
)
def test_bad_headers_are_one_line_errors(sql: str, message: str) -> None:
    """A header the runner could not follow names the model and the problem."""
    with pytest.raises(ModelError, match=message):
        parse("m", "kpi", sql)


def test_a_day_input_is_named_by_its_key() -> None:
    """Another day model is placed on days by its key, which says the days it refreshed."""
    daily = parse("daily", "kpi", "-- grain: day\nSELECT DATE '2024-01-01' AS day")
    weekly = parse("weekly", "kpi", "-- grain: week\n-- days: daily(other)\nSELECT * FROM daily")
    with pytest.raises(ModelError, match=r"write '-- days: daily\(day\)'"):
        models.order({"daily": daily, "weekly": weekly})


def _touched(
    old: list[tuple[object, ...]], new: list[tuple[object, ...]], spec: models.Days, read: set[str]
) -> list[date | None]:
    """The days :func:`days.touched` finds for these old and new rows of table ``t``
    (columns ``start_at``, ``end_at`` and ``n``), in a calendar of 1 to 10 January."""
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE dim_date AS SELECT CAST(range AS DATE) AS date_day FROM "
        "range(DATE '2024-01-01', DATE '2024-01-11', INTERVAL 1 DAY)"
    )
    for prefix, rows in ((days.OLD, old), (days.NEW, new)):
        con.execute(f"CREATE TABLE {prefix}t (start_at TIMESTAMP, end_at TIMESTAMP, n INTEGER)")
        for row in rows:
            con.execute(f"INSERT INTO {prefix}t VALUES (?, ?, ?)", list(row))
    calendar = parse("dim_date", "mart", "-- grain: day(date_day)\nSELECT 1")
    return sorted(days.touched(con, spec, read, calendar), key=lambda d: (d is None, d))


def test_touched_days_of_points_and_spans() -> None:
    """A point row touches its day when any column it is seen with changes; a span touches
    only the days around a bound that moved, or every day it covers when another column
    changed; a row that did not change touches nothing."""
    point = models.Days("t", ("start_at",))
    span = models.Days("t", (), (("start_at", "end_at"),))
    jan = [f"2024-01-0{d} 12:00" for d in range(1, 10)]
    assert _touched([(jan[2], None, 1)], [(jan[2], None, 1)], point, {"start_at", "n"}) == []
    assert _touched([(jan[2], None, 1)], [(jan[2], None, 2)], point, {"start_at", "n"}) == [
        date(2024, 1, 3)
    ]
    assert _touched([(jan[2], None, 1)], [(jan[4], None, 1)], point, {"start_at"}) == [
        date(2024, 1, 3),
        date(2024, 1, 5),
    ]
    assert _touched([(None, None, 1)], [], point, {"start_at"}) == [None]
    # An open span closed on 6 January: the days around its new end, and the days after it,
    # which it no longer covers; not the days before, which it covers as it did.
    assert _touched(
        [(jan[1], None, 1)], [(jan[1], jan[5], 1)], span, {"start_at", "end_at", "n"}
    ) == [date(2024, 1, d) for d in range(5, 11)]
    # Ending at midnight, it already misses the cut-off at the end of 5 January (hour 24).
    midnight = "2024-01-06 00:00"
    assert _touched([(jan[1], None, 1)], [(jan[1], midnight, 1)], span, {"start_at", "end_at"}) == [
        date(2024, 1, d) for d in range(5, 11)
    ]
    # Starting at midnight, it may count at the end of the day before; it may count on the
    # day after its end's UTC day too (that day's cut-off in a zone west of UTC, New York's
    # 00:00 being 05:00 UTC).
    assert _touched([], [("2024-01-04 00:00", jan[5], 1)], span, {"start_at", "end_at"}) == [
        date(2024, 1, d) for d in range(3, 8)
    ]
    assert _touched(
        [(jan[1], jan[3], 1)], [(jan[1], jan[3], 2)], span, {"start_at", "end_at", "n"}
    ) == [date(2024, 1, d) for d in range(1, 6)]
    # A column the model does not read changes nothing.
    assert (
        _touched([(jan[1], jan[3], 1)], [(jan[1], jan[3], 2)], span, {"start_at", "end_at"}) == []
    )
