"""Process flow on the real ServiceNow audit log against SQL written straight from the raw CSV.

The expected figures come from DuckDB reading the CSV as text (the loading rules of
test_servicenow_mart.py: '' and '?' are null, day-first dates, the five rows updated before
their incident opened dropped) with the flow rules spelled out again by hand; no ticketlake
code computes them. Audit rows are ordered as the warehouse orders them: by sys_updated_at,
then file line. The milestone events ticketlake adds (opened, resolved, closed) carry no
incident_state, so they do not change the stays.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.models.test_servicenow_mart import INDEPENDENT
from ticketlake import Project

AWAITING = {"Awaiting User Info", "Awaiting Evidence", "Awaiting Vendor", "Awaiting Problem"}

# The loading statements of test_servicenow_mart.py: the nv() and ts() macros, ``raw`` (every
# CSV row with its line) and ``loaded`` (the rows ingest keeps).
LOADING = INDEPENDENT[:4]

FLOW = [
    """CREATE TABLE audit AS
       SELECT l.line, l.number, l.updated, l.label, nv(r.assignment_group) AS grp,
              nv(r.assigned_to) AS assignee
       FROM loaded AS l JOIN raw AS r USING (line)""",
    # A stay starts at a row whose state differs from the previous row's; it lasts until the
    # next stay starts. The last stay of an incident has no end: it is not completed.
    """CREATE TABLE stays AS
       WITH marked AS (
           SELECT *, lag(label) OVER (PARTITION BY number ORDER BY updated, line) AS before
           FROM audit WHERE label IS NOT NULL
       )
       SELECT number, label, updated AS entered,
              lead(updated) OVER (PARTITION BY number ORDER BY updated, line) AS left_at
       FROM marked WHERE before IS NULL OR before <> label""",
    """CREATE TABLE state_totals AS
       SELECT label, count(left_at) AS stays,
              sum(epoch(left_at) - epoch(entered)) / 3600.0 AS total_hours,
              count(*) - count(left_at) AS current_stays
       FROM stays GROUP BY label""",
]

# Per incident, the path of a column's non-null values with consecutive repeats collapsed:
# its changes (steps - 1) and whether a value comes back two steps later (A, B, A).
PATH = """
WITH valued AS (
    SELECT number, line, updated, {column} AS value,
           lag({column}) OVER (PARTITION BY number ORDER BY updated, line) AS before
    FROM audit WHERE {column} IS NOT NULL
), steps AS (
    SELECT number, value,
           lag(value, 2) OVER (PARTITION BY number ORDER BY updated, line) AS two_back
    FROM valued WHERE before IS NULL OR before <> value
)
SELECT number, count(*) - 1 AS changes, bool_or(coalesce(two_back = value, false)) AS ping_pong
FROM steps GROUP BY number
"""


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory, servicenow_log: Path) -> Project:
    """A project holding the whole log, built once."""
    project = Project(tmp_path_factory.mktemp("servicenow_flow"))
    project.init()
    [batch] = project.ingest([servicenow_log], format="servicenow").batches
    assert batch.status == "committed", batch.reason
    project.build()
    return project


@pytest.fixture(scope="module")
def raw(servicenow_log: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB holding the independent computation (``audit``, ``stays``,
    ``state_totals``)."""
    assert "CREATE TABLE loaded" in LOADING[-1]
    con = duckdb.connect(config={"threads": 1})  # one thread keeps row_number() in file order
    con.execute("SET TimeZone = 'UTC'")
    path = "'" + str(servicenow_log).replace("'", "''") + "'"
    for statement in [*LOADING, *FLOW]:
        con.execute(statement.format(path=path))
    yield con
    con.close()


def _path(con: duckdb.DuckDBPyConnection, column: str) -> dict[str, tuple[int, bool]]:
    """Per incident: (changes, ping-pong) of ``column``'s collapsed path."""
    found = con.execute(PATH.format(column=column)).fetchall()
    return {number: (changes, ping_pong) for number, changes, ping_pong in found}


def _per_ticket(warehouse: Project, column: str) -> dict[Any, Any]:
    """One flow_ticket column by ticket."""
    found = warehouse.query(f"SELECT ticket_id, {column} FROM flow_ticket")[1]
    return {ticket: value for ticket, value in found}


def test_time_in_each_state_matches_independent_sql(
    warehouse: Project, raw: duckdb.DuckDBPyConnection
) -> None:
    """Per incident_state, awaiting states included: completed stays (exact) and their total
    hours (relative 1e-6), and the stays still going on."""
    want = {r[0]: r[1:] for r in raw.execute("SELECT * FROM state_totals").fetchall()}
    got: dict[Any, Any] = {r[0]: r[1:] for r in warehouse.query(
        "SELECT status, stays, total_hours, current_stays FROM flow_time_in_status")[1]}  # fmt: skip
    assert set(want) >= AWAITING
    assert set(got) == set(want)
    for label, (stays, hours, current) in want.items():
        assert got[label][0] == stays, label
        assert math.isclose(got[label][1] or 0.0, hours or 0.0, rel_tol=1e-6), label
        assert got[label][2] == current, label
    assert sum(s for s, _, _ in want.values()) > 50_000


def test_every_incident_has_one_current_stay(
    warehouse: Project, raw: duckdb.DuckDBPyConnection
) -> None:
    """The current stays are the incidents with a state, one each."""
    [(incidents,)] = raw.execute("SELECT count(DISTINCT number) FROM stays").fetchall()
    [(current,)] = warehouse.query("SELECT sum(current_stays) FROM flow_time_in_status")[1]
    assert current == incidents


def test_group_handoffs_per_incident(warehouse: Project, raw: duckdb.DuckDBPyConnection) -> None:
    """flow_ticket.group_changes = changes of assignment_group along the audit rows (repeats
    and nulls skipped), incident by incident; incidents that never name a group have 0."""
    want = {n: c for n, (c, _) in _path(raw, "grp").items()}
    got = _per_ticket(warehouse, "group_changes")
    assert sum(got.values()) == sum(want.values())
    differ = sorted(n for n in got if got[n] != want.get(n, 0))
    assert not differ, [(n, got[n], want.get(n, 0)) for n in differ[:5]]


def test_group_ping_pong_per_incident(warehouse: Project, raw: duckdb.DuckDBPyConnection) -> None:
    """flow_ticket.ping_pong = the collapsed audit group path returns to the group two steps
    back."""
    want = sorted(n for n, (_, pp) in _path(raw, "grp").items() if pp)
    got = [r[0] for r in warehouse.query(
        "SELECT ticket_id FROM flow_ticket WHERE ping_pong ORDER BY ticket_id")[1]]  # fmt: skip
    assert len(got) == len(want)
    assert got == want


def test_assignee_handoffs_per_incident(warehouse: Project, raw: duckdb.DuckDBPyConnection) -> None:
    """flow_ticket.assignee_changes = changes of assigned_to along the audit rows."""
    want = {n: c for n, (c, _) in _path(raw, "assignee").items()}
    got = _per_ticket(warehouse, "assignee_changes")
    assert sum(got.values()) == sum(want.values())
    differ = sorted(n for n in got if got[n] != want.get(n, 0))
    assert not differ, [(n, got[n], want.get(n, 0)) for n in differ[:5]]


def test_summary_shows_handoffs_and_ping_pong(
    warehouse: Project, raw: duckdb.DuckDBPyConnection
) -> None:
    """One source; its incidents, some handed between groups, some ping-ponged."""
    [(incidents,)] = raw.execute("SELECT count(DISTINCT number) FROM audit").fetchall()
    [row] = warehouse.query("SELECT source, tickets, tickets_with_group_handoffs, "
                            "ping_pong_tickets FROM flow_summary")[1]  # fmt: skip
    source, tickets, handoffs, ping_pong = row
    assert isinstance(handoffs, int) and isinstance(ping_pong, int)
    assert source == "servicenow_incident_event_log" and tickets == incidents  # the file stem
    assert handoffs > 0 and ping_pong > 0
