"""Incremental builds end where a full build does, whatever order and batches the data came in."""

from __future__ import annotations

import csv
import io
import itertools
import math
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import data_lines
from tests.models.conftest import Builder, rows
from ticketlake import Project
from ticketlake.common import duck
from ticketlake.synth import Options, write_shape

Row = list[str]
Table = tuple[list[str], list[tuple[Any, ...]]]

# Hand-written tickets the generator does not make: a reopen after resolution, an implicit
# reopen (a status change out of Resolved), reassignments between groups and agents.
REOPENS = [
    ("RE-1", "2024-01-03T09:00:00+00:00", "created", "New", "Service Desk", ""),
    ("RE-1", "2024-01-03T09:30:00+00:00", "assigned", "Assigned", "Service Desk", "Ann Lee"),
    ("RE-1", "2024-01-04T10:00:00+00:00", "resolved", "Resolved", "Service Desk", "Ann Lee"),
    ("RE-1", "2024-01-05T08:00:00+00:00", "reopened", "Reopened", "Service Desk", "Ann Lee"),
    ("RE-1", "2024-01-05T12:00:00+00:00", "reassigned", "Assigned", "Network Operations", "Bo Kim"),
    ("RE-1", "2024-01-06T15:00:00+00:00", "resolved", "Resolved", "Network Operations", "Bo Kim"),
    ("RE-1", "2024-01-08T15:00:00+00:00", "closed", "Closed", "Network Operations", "Bo Kim"),
    ("RE-2", "2024-01-04T09:00:00+01:00", "created", "New", "Desktop Support", "Cy Ode"),
    ("RE-2", "2024-01-04T17:00:00+01:00", "resolved", "Resolved", "Desktop Support", "Cy Ode"),
    ("RE-2", "2024-01-06T10:00:00+01:00", "status_change", "In Progress", "Desktop Support", "Di Fox"),
    ("RE-2", "2024-01-07T10:00:00+01:00", "resolved", "Resolved", "Desktop Support", "Di Fox"),
    ("RE-2", "2024-01-09T10:00:00+01:00", "status_change", "Work in Progress", "Service Desk", "Di Fox"),
]  # fmt: skip


@cache
def pools() -> dict[str, tuple[Row, list[Row]]]:
    """The rows every example splits and shuffles, by file kind: (header, rows).

    Generated events for 40 tickets plus :data:`REOPENS`; 40 interactions, some of them also
    exported earlier while still open (so one interaction spans batches), and their links.
    """
    with tempfile.TemporaryDirectory() as tmp:
        options = Options(tickets=40, days=20, seed=3)
        events = _read(write_shape("events", Path(tmp) / "e", options).files[0].path)
        interactions = write_shape("interactions", Path(tmp) / "i", options)
        paths = {f.path.name.split("_")[0]: f.path for f in interactions.files}
        records, links = _read(paths["interaction"]), _read(paths["ims"])
    header = events[0]
    extra = [dict(zip(["case_id", "timestamp", "event_type", "status", "assignment_group",
                       "assignee"], r, strict=True)) for r in REOPENS]  # fmt: skip
    events[1:] += [[e.get(c, "") for c in header] for e in extra]
    records += _earlier_versions(records)
    found = {"events": events, "interaction": records, "ims_inc": links}
    for name, table in found.items():
        assert len({tuple(r) for r in table[1:]}) == len(table) - 1, f"{name} repeats a row"
    return {name: (table[0], table[1:]) for name, table in found.items()}


def _read(path: Path) -> list[Row]:
    return list(csv.reader(io.StringIO("\n".join(data_lines(path)))))


def _earlier_versions(records: list[Row]) -> list[Row]:
    """For the first five closed interactions, the row an earlier export held: still open,
    with another agent (one per row, so no agent works equally often in two groups)."""
    header = records[0]
    closed, state, agent = (header.index(c) for c in ("closed_at", "state", "assigned_to"))
    earlier = []
    for number, row in enumerate([r for r in records[1:] if r[closed]][:5]):
        copy = list(row)
        copy[closed], copy[state], copy[agent] = "", "Work in Progress", f"Early Agent {number}"
        earlier.append(copy)
    return earlier


def _csv(header: Row, body: list[Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(body)
    return out.getvalue()


def _cut(draw: st.DrawFn, n: int, low: int, high: int) -> list[tuple[int, ...]]:
    """A shuffle of ``range(n)`` in ``low``..``high`` non-empty consecutive chunks."""
    order = draw(st.permutations(range(n)))
    parts = draw(st.integers(low, min(high, n)))
    cuts = draw(st.lists(st.integers(1, n - 1), min_size=parts - 1,
                         max_size=parts - 1, unique=True).map(sorted))  # fmt: skip
    bounds = [0, *cuts, n]
    return [tuple(order[a:b]) for a, b in itertools.pairwise(bounds)]


Plan = tuple[list[tuple[str, tuple[int, ...]]], list[bool]]


@st.composite
def arrivals(draw: st.DrawFn) -> Plan:
    """Batch files in arrival order, each as (kind, indices of its rows in the pool), and
    whether to build after each one (always after the first and the last, so the last build
    has something to refresh)."""
    sizes = {"events": (2, 4), "interaction": (1, 3), "ims_inc": (1, 2)}
    files = [(kind, chunk) for kind, (_header, body) in pools().items()
             for chunk in _cut(draw, len(body), *sizes[kind])]  # fmt: skip
    order = draw(st.permutations(files))
    builds = draw(st.lists(st.booleans(), min_size=len(order), max_size=len(order)))
    builds[0] = builds[-1] = True
    return order, builds


# Business calendars and SLA policies, so fact_sla and sla_status_business are compared on
# business time (holidays, an overnight window, pauses) and not only on the default's 24/7.
CALENDARS = """calendars:
  berlin:
    timezone: Europe/Berlin
    hours: {mon-fri: ["08:00-12:00", "13:00-18:00"], sat: ["22:00-06:00"]}
    holidays: {country: DE, subdivision: BE}
    closed: ["2024-01-10 13:00-24:00"]
  new_york:
    timezone: America/New_York
    hours: {daily: ["09:00-17:00"]}
"""
POLICIES = """sla_policies:
  - name: desk
    when: {source: [desk]}
    response: {hours: {P1: 1, P2: 4, P3: 8}, calendar: berlin, paused_by: [pending]}
    resolution: {hours: 16, calendar: berlin}
  - name: contact
    when: {source: [contact]}
    resolution: {hours: 12, calendar: new_york, paused_by: [on_hold]}
"""


def _project(root: Path) -> Project:
    """A project with an event-log source ``desk`` (local days in New York) and an
    interactions source ``contact`` (in Berlin), so that refreshing by day meets local days,
    each measured by an SLA policy of its own."""
    root.mkdir(parents=True)
    config = Project(root).init()
    sources = "".join(f"  - name: {n}\n    format: {f}\n    path: exports/{n}\n    timezone: {z}\n"
                      for n, f, z in (("desk", "eventlog", "America/New_York"),
                                      ("contact", "interactions", "Europe/Berlin")))  # fmt: skip
    text = config.read_text(encoding="utf-8").replace("sources: []\n", f"sources:\n{sources}", 1)
    text = text.replace("conversion_min_interactions: 50", "conversion_min_interactions: 1", 1)
    text = text.replace("calendars: {}\n", CALENDARS, 1).replace("sla_policies: []\n", POLICIES, 1)
    config.write_text(text, encoding="utf-8")
    return Project(root)


def _snapshot(path: Path) -> dict[str, Table]:
    """Every table of a build (state tables starting with ``_`` left out): its column types
    and rows."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = sorted(n for n in duck.relations(con) if not n.startswith("_"))
        found = {}
        for name in names:
            types = [kind for _, kind in duck.column_types(con, name)]
            found[name] = (types, con.execute(f'SELECT * FROM "{name}"').fetchall())
        return found
    finally:
        con.close()


def _sort_key(row: tuple[Any, ...], floats: list[int]) -> tuple[Any, ...]:
    """Exact columns first, then floats rounded, so float noise does not change the order."""
    exact = [v for i, v in enumerate(row) if i not in floats]
    approx = [round(row[i], 6) if row[i] is not None else None for i in floats]
    return tuple((v is None, repr(v) if isinstance(v, dict) else v if v is not None else 0)
                 for v in [*exact, *approx])  # fmt: skip


def _assert_same(name: str, got: Table, want: Table) -> None:
    """Same column types and the same row multiset; DOUBLE values equal to 1e-9 relative."""
    assert got[0] == want[0], f"{name}: column types differ"
    assert len(got[1]) == len(want[1]), f"{name}: {len(got[1])} rows, full build {len(want[1])}"
    floats = [i for i, t in enumerate(want[0]) if t in ("DOUBLE", "FLOAT")]
    pairs = zip(sorted(got[1], key=lambda r: _sort_key(r, floats)),
                sorted(want[1], key=lambda r: _sort_key(r, floats)), strict=True)  # fmt: skip
    for a, b in pairs:
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if i in floats and x is not None and y is not None:
                assert math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9), (name, a, b)
            else:
                assert x == y, f"{name}: incremental row {a} != full row {b}"


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plan=arrivals())
def test_incremental_builds_end_equal_to_a_full_build(plan: Plan) -> None:
    """Shuffle the rows, split them into batches, ingest and build (incrementally) as they
    come; the last build equals a full rebuild from the same lake, table by table."""
    order, builds = plan
    with tempfile.TemporaryDirectory() as tmp:
        project = _project(Path(tmp) / "p")
        modes: list[str] = []
        for number, ((kind, chunk), build) in enumerate(zip(order, builds, strict=True)):
            source = "desk" if kind == "events" else "contact"
            header, body = pools()[kind]
            path = Path(tmp) / f"{kind}_{number}.csv"
            path.write_text(_csv(header, [body[i] for i in chunk]), encoding="utf-8")
            outcome = project.ingest(paths=[path], source=source)
            assert [b.status for b in outcome.batches] == ["committed"], outcome.batches
            if build:
                modes += project.build().modes.values()
        assert "incremental" in modes
        incremental = _snapshot(project.warehouse.path.resolve())
        full = _snapshot(project.build(full=True).path)
        policies = {r[0] for r in rows(project, "SELECT DISTINCT policy FROM fact_sla")}
    assert {"desk", "contact"} <= policies, policies
    assert set(incremental) == set(full)
    assert {"fact_ticket", "fact_ticket_event", "bridge_ticket_link", "kpi_conversion"} <= set(full)
    for name in sorted(full):
        _assert_same(name, incremental[name], full[name])


LOG = """case_id,timestamp,event_type,status,assignment_group,assignee,priority
A,2024-01-01T09:00:00Z,created,New,L1,,High
A,2024-01-01T10:00:00Z,assigned,In Progress,L1,ann,High
A,2024-01-02T09:00:00Z,resolved,Resolved,L1,ann,High
B,2024-01-01T12:00:00Z,created,New,L1,,Low
C,2024-01-01T13:00:00Z,created,New,L2,bob,Low
"""

LATER = """case_id,timestamp,event_type,status,assignment_group,assignee,priority
B,2024-01-01T13:00:00Z,assigned,In Progress,L2,cy,Low
B,2024-01-03T12:00:00Z,resolved,Resolved,L2,cy,Low
"""


def test_a_new_file_refreshes_only_the_tickets_it_touches(build_mart: Builder) -> None:
    """After a full build, one more file builds ``fact_ticket`` incrementally: ticket B gets
    its resolution and new group, A and C keep every value."""
    project = build_mart({"events.csv": LOG})
    before = {r[0]: r for r in rows(project, "SELECT ticket_id, * FROM fact_ticket")}
    later = project.root / "later.csv"
    later.write_text(LATER, encoding="utf-8")
    assert not project.ingest(paths=[later], source="desk").failed
    build = project.build()
    assert build.modes["fact_ticket"] == "incremental"
    assert build.modes["tickets"] == build.modes["fact_ticket_event"] == "incremental"
    after = {r[0]: r for r in rows(project, "SELECT ticket_id, * FROM fact_ticket")}
    assert after["A"] == before["A"] and after["C"] == before["C"]
    assert after["B"] != before["B"]
    assert rows(project, "SELECT is_open, resolution_hours, group_name, assignee, events "
                         "FROM fact_ticket WHERE ticket_id = 'B'") == [(False, 48.0, "L2", "cy", 3)]  # fmt: skip
