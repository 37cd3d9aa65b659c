"""Golden tests for fact_ticket, fact_ticket_event and dim_date: a small hand-written event
log whose expected values are worked out by hand from the rules in docs and model headers."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from tests.models.conftest import Builder, build_project, rows
from ticketlake import Project

# Default targets (hours): P1 0.5/4, P2 1/8, P3 4/24, P4 8/72.
HEADER = "case_id,timestamp,event_type,status,assignment_group,assignee,priority\n"
LOG = (
    HEADER
    + """\
A,2024-01-01T09:00:00Z,created,New,L1,,High
A,2024-01-01T09:30:00Z,first_response,In Progress,L1,ann,High
A,2024-01-01T11:00:00Z,resolved,Resolved,L1,ann,High
A,2024-01-02T09:00:00Z,reopened,Reopened,L1,ann,High
A,2024-01-02T13:00:00Z,resolved,Resolved,L1,ann,High
A,2024-01-03T09:00:00Z,closed,Closed,L1,ann,High
B,2024-01-01T10:00:00Z,created,New,L1,,Low
B,2024-01-01T10:30:00Z,assigned,Assigned,L1,bob,Low
B,2024-01-01T12:00:00Z,reassigned,Assigned,L1,cid,Low
B,2024-01-01T14:00:00Z,reassigned,Assigned,L2,cid,Low
B,2024-01-01T15:00:00Z,updated,,L2,,Low
B,2024-01-02T10:00:00Z,reassigned,Assigned,L2,bob,Low
C,2024-01-02T08:00:00Z,created,New,L1,,Medium
C,2024-01-02T10:00:00Z,cancelled,Cancelled,L1,,Medium
D,2024-01-02T09:00:00Z,created,,L1,,Low
D,2024-01-02T12:00:00Z,updated,,L1,dan,Low
E,2024-01-02T15:00:00Z,resolved,Resolved,L1,eve,Critical
E,2024-01-02T12:00:00Z,first_response,In Progress,L1,eve,Critical
E,2024-01-02T11:00:00Z,created,New,L1,,Critical
F,2024-01-03T08:00:00Z,created,New,L1,,Critical
F,2024-01-03T10:00:00Z,status_change,Resolved,L1,,Critical
F,2024-01-03T12:00:00Z,status_change,Closed,L1,,Critical
G,2024-01-03T08:00:00Z,created,New,L1,,Medium
G,2024-01-03T09:00:00Z,status_change,Resolved,L1,,Medium
G,2024-01-03T10:00:00Z,status_change,In Progress,L1,,Medium
G,2024-01-03T11:00:00Z,status_change,Resolved,L1,,Medium
H,2024-01-02T08:00:00Z,created,New,L1,,Medium
H,2024-01-02T10:00:00Z,resolved,Resolved,L1,,Medium
H,2024-01-03T08:00:00Z,reopened,Reopened,L1,,Medium
W,2022-12-31T10:00:00Z,created,New,L9,,Low
W,2023-01-02T10:00:00Z,updated,,L9,,Low
"""
)


@pytest.fixture(scope="module")
def mart(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The event log above, built once for the module."""
    return build_project(tmp_path_factory.mktemp("golden_mart"), {"events.csv": LOG})


def ticket(project: Project, ticket_id: str, columns: str) -> dict[str, object]:
    """The given columns of one fact_ticket row, by name."""
    names, found = project.query(
        f"SELECT {columns} FROM fact_ticket WHERE ticket_id = '{ticket_id}'"
    )
    assert len(found) == 1
    return dict(zip(names, found[0], strict=True))


def events(project: Project, ticket_id: str, columns: str) -> list[tuple[object, ...]]:
    """The given columns of a ticket's events, in event order."""
    sql = f"SELECT {columns} FROM fact_ticket_event WHERE ticket_id = '{ticket_id}'"
    return rows(project, sql + " ORDER BY event_number")


def test_one_row_per_ticket(mart: Project) -> None:
    """fact_ticket has one row per (source, ticket_id): A..H and W are 9 tickets."""
    sql = "SELECT source, count(*), count(DISTINCT ticket_id) FROM fact_ticket GROUP BY source"
    assert rows(mart, sql) == [("desk", 9, 9)]


def test_reopened_ticket_event_states(mart: Project) -> None:
    """A: the reopened event and the second resolution are flagged; states follow statuses."""
    assert events(mart, "A", "event_type, state, previous_state, is_reopen, is_resolution") == [
        ("created", "new", None, False, False),
        ("responded", "open", "new", False, False),
        ("resolved", "resolved", "open", False, True),
        ("reopened", "open", "resolved", True, False),
        ("resolved", "resolved", "open", False, True),
        # resolved -> closed stays final: not a new resolution
        ("closed", "closed", "resolved", False, False),
    ]


def test_reopened_ticket_facts(mart: Project) -> None:
    """A resolves at 01-01 11:00, reopens, resolves again at 01-02 13:00 and closes 01-03 09:00:
    resolved_at is the last resolution, reopen_count 1."""
    columns = (
        "status_category, is_open, first_resolved_at, resolved_at, closed_at, resolved_date, "
        "closed_date, reopen_count, reassignment_count, priority, first_response_hours, "
        "resolution_hours, within_response_target, within_resolution_target"
    )
    assert ticket(mart, "A", columns) == {
        "status_category": "closed",
        "is_open": False,
        "first_resolved_at": datetime(2024, 1, 1, 11),
        "resolved_at": datetime(2024, 1, 2, 13),
        "closed_at": datetime(2024, 1, 3, 9),
        "resolved_date": date(2024, 1, 2),
        "closed_date": date(2024, 1, 3),
        "reopen_count": 1,
        "reassignment_count": 0,
        "priority": "P2",
        "first_response_hours": pytest.approx(0.5),  # 09:00 -> 09:30
        "resolution_hours": pytest.approx(28.0),  # 01-01 09:00 -> 01-02 13:00 = 24 + 4
        "within_response_target": True,  # 0.5 <= 1 (P2)
        "within_resolution_target": False,  # 28 > 8 (P2)
    }


def test_reassignment_flags(mart: Project) -> None:
    """B: bob is an assignment only; bob->cid and L1->L2 are reassignments; a row without an
    assignee changes nothing; cid->bob is the third reassignment."""
    columns = "event_type, assignee_now, group_now, is_assignment, is_reassignment"
    assert events(mart, "B", columns) == [
        ("created", None, "L1", False, False),
        ("assigned", "bob", "L1", True, False),
        ("reassigned", "cid", "L1", True, True),
        ("reassigned", "cid", "L2", False, True),
        ("updated", "cid", "L2", False, False),
        ("reassigned", "bob", "L2", True, True),
    ]


def test_reassignment_count_and_latest_attributes(mart: Project) -> None:
    """B: 3 reassignments; assignee and group are the latest non-null values; still open."""
    columns = "reassignment_count, reassignments_observed, assignee, group_name, is_open, priority"
    assert ticket(mart, "B", columns) == {
        "reassignment_count": 3,
        "reassignments_observed": 3,
        "assignee": "bob",
        "group_name": "L2",
        "is_open": True,
        "priority": "P4",
    }


def test_cancelled_ticket(mart: Project) -> None:
    """C: cancelled at 10:00: not open, no resolution or closure, cancelled_at set."""
    columns = (
        "status_category, is_open, resolved_at, closed_at, cancelled_at, resolution_hours, "
        "within_resolution_target"
    )
    assert ticket(mart, "C", columns) == {
        "status_category": "cancelled",
        "is_open": False,
        "resolved_at": None,
        "closed_at": None,
        "cancelled_at": datetime(2024, 1, 2, 10),
        "resolution_hours": None,
        "within_resolution_target": None,
    }
    assert events(mart, "C", "state, is_resolution") == [("new", False), ("cancelled", False)]


def test_unknown_state_ticket(mart: Project) -> None:
    """D: only created/updated events without a status: the state is unknown throughout, the
    ticket's is_open is NULL and its category 'unknown'."""
    assert events(mart, "D", "event_type, state, is_assignment") == [
        ("created", None, False),
        ("updated", None, True),
    ]
    assert ticket(mart, "D", "status_category, is_open, resolved_at, assignee") == {
        "status_category": "unknown",
        "is_open": None,
        "resolved_at": None,
        "assignee": "dan",
    }


def test_out_of_order_rows(mart: Project) -> None:
    """E's rows are written newest first; events are still numbered by time."""
    assert events(mart, "E", "event_number, event_type, event_time, state") == [
        (1, "created", datetime(2024, 1, 2, 11), "new"),
        (2, "responded", datetime(2024, 1, 2, 12), "open"),
        (3, "resolved", datetime(2024, 1, 2, 15), "resolved"),
    ]
    columns = (
        "created_at, first_response_hours, resolution_hours, within_response_target, "
        "within_resolution_target, is_open"
    )
    assert ticket(mart, "E", columns) == {
        "created_at": datetime(2024, 1, 2, 11),
        "first_response_hours": pytest.approx(1.0),  # 11:00 -> 12:00
        "resolution_hours": pytest.approx(4.0),  # 11:00 -> 15:00
        "within_response_target": False,  # 1 > 0.5 (P1)
        "within_resolution_target": True,  # 4 <= 4 (P1): the bound is inside
        "is_open": False,
    }


def test_resolution_by_status_change(mart: Project) -> None:
    """F has no resolved/closed event types: resolved_at is when the state entered resolved
    (10:00), closed_at when the final closed state began (12:00)."""
    columns = "resolved_at, closed_at, resolution_hours, within_resolution_target"
    assert ticket(mart, "F", columns) == {
        "resolved_at": datetime(2024, 1, 3, 10),
        "closed_at": datetime(2024, 1, 3, 12),
        "resolution_hours": pytest.approx(2.0),  # 08:00 -> 10:00
        "within_resolution_target": True,  # 2 <= 4 (P1)
    }


def test_reopen_by_status_change(mart: Project) -> None:
    """G goes Resolved -> In Progress -> Resolved by status alone: one observed reopen, the
    final resolution at 11:00 and the first at 09:00."""
    assert events(mart, "G", "state, is_reopen, is_resolution") == [
        ("new", False, False),
        ("resolved", False, True),
        ("open", True, False),
        ("resolved", False, True),
    ]
    columns = "first_resolved_at, resolved_at, reopen_count, resolution_hours, closed_at"
    assert ticket(mart, "G", columns) == {
        "first_resolved_at": datetime(2024, 1, 3, 9),
        "resolved_at": datetime(2024, 1, 3, 11),
        "reopen_count": 1,
        "resolution_hours": pytest.approx(3.0),  # 08:00 -> 11:00
        "closed_at": None,
    }


def test_reopened_and_still_open(mart: Project) -> None:
    """H was resolved then reopened: open again, no resolved_at, but a first resolution."""
    columns = "is_open, status_category, first_resolved_at, resolved_at, reopen_count"
    assert ticket(mart, "H", columns) == {
        "is_open": True,
        "status_category": "open",
        "first_resolved_at": datetime(2024, 1, 2, 10),
        "resolved_at": None,
        "reopen_count": 1,
    }


def test_dim_date_bounds(mart: Project) -> None:
    """dim_date runs from the first creation (W, 2022-12-31) to the last event (A, 2024-01-03):
    365 days of 2023 + 2022-12-31 + 3 days of 2024 = 369 days."""
    assert rows(mart, "SELECT min(date_day), max(date_day), count(*) FROM dim_date") == [
        (date(2022, 12, 31), date(2024, 1, 3), 369),
    ]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # 2022-12-31 is a Saturday; its ISO week (Mon 12-26 .. Sun 2023-01-01) is 2022-W52
        (date(2022, 12, 31), (20221231, "Saturday", True, date(2022, 12, 26), 2022, 52, "2022-W52", "2022-12", 4)),
        # 2023-01-01 is a Sunday, still in 2022-W52
        (date(2023, 1, 1), (20230101, "Sunday", True, date(2022, 12, 26), 2022, 52, "2022-W52", "2023-01", 1)),
        # 2023-01-02 is the Monday that starts 2023-W01
        (date(2023, 1, 2), (20230102, "Monday", False, date(2023, 1, 2), 2023, 1, "2023-W01", "2023-01", 1)),
        # 2024-01-01 is a Monday and starts 2024-W01
        (date(2024, 1, 1), (20240101, "Monday", False, date(2024, 1, 1), 2024, 1, "2024-W01", "2024-01", 1)),
        (date(2024, 1, 3), (20240103, "Wednesday", False, date(2024, 1, 1), 2024, 1, "2024-W01", "2024-01", 1)),
    ],
)  # fmt: skip
def test_dim_date_calendar(mart: Project, day: date, expected: tuple[object, ...]) -> None:
    """Known dates: day name, weekend flag, ISO week (Monday start), month and quarter."""
    found = rows(
        mart,
        "SELECT date_key, day_name, is_weekend, week_start, iso_year, iso_week, iso_week_label, "
        f"month_label, quarter FROM dim_date WHERE date_day = '{day.isoformat()}'",
    )
    assert found == [expected]


LEVELS = (
    HEADER
    + """\
P,2024-01-01T09:00:00Z,created,New,L1,,P3
P,2024-01-01T10:00:00Z,resolved,Resolved,L1,ann,P3
Q,2024-01-01T09:00:00Z,created,New,L1,,Medium
"""
)


def test_canonical_priority_names(build_mart: Builder) -> None:
    """A raw priority that is already a level name (P3) maps like its alias (Medium): one fact
    row per ticket and one event row per exported row."""
    project = build_mart({"events.csv": LEVELS})
    assert rows(
        project, "SELECT ticket_id, priority, count(*) FROM fact_ticket GROUP BY ALL ORDER BY 1"
    ) == [("P", "P3", 1), ("Q", "P3", 1)]
    assert rows(
        project, "SELECT ticket_id, count(*) FROM fact_ticket_event GROUP BY ALL ORDER BY 1"
    ) == [("P", 2), ("Q", 1)]


# Final resolution and close after a reopen resolved by status alone; unmapped labels; tickets
# with no assignment data.
AFTER_REOPEN = (
    HEADER
    + """\
R,2024-01-01T09:00:00Z,created,New,L1,ann,High
R,2024-01-01T10:00:00Z,resolved,Resolved,L1,ann,High
R,2024-01-01T12:00:00Z,reopened,Reopened,L1,ann,High
R,2024-01-03T09:00:00Z,status_change,Resolved,L1,ann,High
S,2024-01-01T09:00:00Z,created,New,L1,,Low
S,2024-01-01T10:00:00Z,closed,Closed,L1,,Low
S,2024-01-01T11:00:00Z,status_change,Open,L1,,Low
S,2024-01-02T11:00:00Z,status_change,Closed,L1,,Low
U,2024-01-01T09:00:00Z,created,New,,,Low
U,2024-01-01T11:00:00Z,resolved,Fixed,,,Low
U,2024-01-01T12:00:00Z,status_change,Feedback,,,Low
"""
)


def test_final_resolution_after_a_reopen_resolved_by_status(build_mart: Builder) -> None:
    """R: the resolved event (01-01 10:00) was undone by the reopen; the status change on
    01-03 09:00 is the final resolution: 48 h after creation, not 1 h. S: closed, reopened,
    closed again by status: closed_at is the second close (01-02 11:00)."""
    project = build_mart({"events.csv": AFTER_REOPEN})
    found = rows(project, "SELECT ticket_id, strftime(resolved_at, '%d %H'), resolution_hours, "
                          "strftime(closed_at, '%d %H'), reopen_count FROM fact_ticket "
                          "WHERE ticket_id IN ('R', 'S') ORDER BY 1")  # fmt: skip
    assert found == [("R", "03 09", 48.0, None, 1), ("S", "02 11", 26.0, "02 11", 1)]


def test_unmapped_statuses_and_missing_assignment_data(build_mart: Builder) -> None:
    """U: a resolved event labelled "Fixed" (not in the settings) still resolves the ticket
    (2 h); the later unmapped "Feedback" makes it count as open again (state unknown) but is
    not a reopen. No event names an assignee or group, so reassignment_count is NULL."""
    project = build_mart({"events.csv": AFTER_REOPEN})
    events = rows(project, "SELECT event_number, state, is_reopen FROM fact_ticket_event "
                           "WHERE ticket_id = 'U' ORDER BY 1")  # fmt: skip
    assert events == [(1, "new", False), (2, "resolved", False), (3, "unknown", False)]
    ticket = rows(project, "SELECT is_open, resolved_at, first_resolved_at IS NOT NULL, "
                           "reopen_count, reassignment_count FROM fact_ticket "
                           "WHERE ticket_id = 'U'")  # fmt: skip
    assert ticket == [(True, None, True, 0, None)]
