"""Golden tests for the KPI tables and the KPI catalog: small hand-written exports whose
expected values are worked out by hand (the arithmetic is in the comments).

The main fixture, ``desk`` (default cut-off: midnight ending each day; as_of = the last event,
2024-01-09 08:00; dim_date 2024-01-01 (Mon) .. 2024-01-09):

  ticket  prio  category  location  channel  created      resp h  resolved  res h  assignee
  T1      P2    Network   Paris     email    01-01 08:00  0.5     01-01     4      ann
  T2      P2    Network   Paris     phone    01-01 10:00  2       01-03     60     bob (reopened 01-03)
  T3      P4    Hardware  Lyon      email    01-02 09:00  4       01-05     72     ann -> bob (closed)
  T4      P1    Network   Paris     chat     01-03 06:00  0.5     -         -      ann (open)
  T5      P3    Software  Berlin    email    01-08 10:00  -       -         -      cid (pending)
  T6      P3    Software  Berlin    phone    01-08 12:00  2       01-09     20     cid
  T7      P4    Hardware  Lyon      email    01-04 09:00  -       -         -      - (cancelled)
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.models.conftest import build_project, rows
from ticketlake import Project

DESK = """\
case_id,timestamp,event_type,status,assignment_group,assignee,priority,category,location,country,channel
T1,2024-01-01T08:00:00Z,created,New,L1,,High,Network,Paris,FR,email
T1,2024-01-01T08:30:00Z,first_response,In Progress,L1,ann,High,Network,Paris,FR,email
T1,2024-01-01T12:00:00Z,resolved,Resolved,L1,ann,High,Network,Paris,FR,email
T2,2024-01-01T10:00:00Z,created,New,L1,,High,Network,Paris,FR,phone
T2,2024-01-01T12:00:00Z,first_response,In Progress,L1,bob,High,Network,Paris,FR,phone
T2,2024-01-02T10:00:00Z,resolved,Resolved,L1,bob,High,Network,Paris,FR,phone
T2,2024-01-03T10:00:00Z,reopened,Reopened,L1,bob,High,Network,Paris,FR,phone
T2,2024-01-03T22:00:00Z,resolved,Resolved,L1,bob,High,Network,Paris,FR,phone
T3,2024-01-02T09:00:00Z,created,New,L1,,Low,Hardware,Lyon,FR,email
T3,2024-01-02T13:00:00Z,first_response,In Progress,L1,ann,Low,Hardware,Lyon,FR,email
T3,2024-01-02T15:00:00Z,reassigned,In Progress,L2,bob,Low,Hardware,Lyon,FR,email
T3,2024-01-05T09:00:00Z,resolved,Resolved,L2,bob,Low,Hardware,Lyon,FR,email
T3,2024-01-05T21:00:00Z,closed,Closed,L2,bob,Low,Hardware,Lyon,FR,email
T4,2024-01-03T06:00:00Z,created,New,L1,,Critical,Network,Paris,FR,chat
T4,2024-01-03T06:30:00Z,first_response,In Progress,L1,ann,Critical,Network,Paris,FR,chat
T5,2024-01-08T10:00:00Z,created,New,L1,,Medium,Software,Berlin,DE,email
T5,2024-01-08T11:00:00Z,status_change,Awaiting Customer,L1,cid,Medium,Software,Berlin,DE,email
T6,2024-01-08T12:00:00Z,created,New,L1,,Medium,Software,Berlin,DE,phone
T6,2024-01-08T14:00:00Z,first_response,In Progress,L1,cid,Medium,Software,Berlin,DE,phone
T6,2024-01-09T08:00:00Z,resolved,Resolved,L1,cid,Medium,Software,Berlin,DE,phone
T7,2024-01-04T09:00:00Z,created,New,L1,,Low,Hardware,Lyon,FR,email
T7,2024-01-04T10:00:00Z,cancelled,Cancelled,L1,,Low,Hardware,Lyon,FR,email
"""

# Backlog cut-off at noon: X resolves and Y is created exactly at 2024-01-02 12:00; Y moves
# from L1 to L2 (and to bob) before the 01-03 cut-off; Z's status "Triage" is unmapped.
NOON = """\
case_id,timestamp,event_type,status,assignment_group,assignee,priority
X,2024-01-01T09:00:00Z,created,New,L1,ann,Medium
X,2024-01-02T12:00:00Z,resolved,Resolved,L1,ann,Medium
Y,2024-01-02T12:00:00Z,created,New,L1,,Medium
Y,2024-01-03T08:00:00Z,reassigned,Assigned,L2,bob,Medium
Y,2024-01-04T06:00:00Z,updated,,L2,bob,Medium
Z,2024-01-03T10:00:00Z,created,Triage,L3,,Low
"""

# Reassignment counts: R1 a->b->c->a->b->c->a (6), R2 L1->L2 then a->b with L2->L3 in one
# event (2), R3 none (0), R4 a->b (1).
ROTATIONS = """\
case_id,timestamp,event_type,status,assignment_group,assignee,priority
R1,2024-01-01T08:00:00Z,created,New,L1,,High
R1,2024-01-01T09:00:00Z,assigned,Assigned,L1,a,High
R1,2024-01-01T10:00:00Z,reassigned,Assigned,L1,b,High
R1,2024-01-01T11:00:00Z,reassigned,Assigned,L1,c,High
R1,2024-01-01T12:00:00Z,reassigned,Assigned,L1,a,High
R1,2024-01-01T13:00:00Z,reassigned,Assigned,L1,b,High
R1,2024-01-01T14:00:00Z,reassigned,Assigned,L1,c,High
R1,2024-01-01T15:00:00Z,reassigned,Assigned,L1,a,High
R2,2024-01-01T08:00:00Z,created,New,L1,,High
R2,2024-01-01T09:00:00Z,assigned,Assigned,L1,a,High
R2,2024-01-01T10:00:00Z,reassigned,Assigned,L2,a,High
R2,2024-01-01T11:00:00Z,reassigned,Assigned,L3,b,High
R2,2024-01-01T12:00:00Z,updated,,,,High
R2,2024-01-01T13:00:00Z,assigned,Assigned,L3,b,High
R3,2024-01-01T08:00:00Z,created,New,L1,,High
R3,2024-01-01T09:00:00Z,assigned,Assigned,L1,a,High
R4,2024-01-01T08:00:00Z,created,New,L1,,Low
R4,2024-01-01T09:00:00Z,assigned,Assigned,L1,a,Low
R4,2024-01-01T10:00:00Z,reassigned,Assigned,L1,b,Low
"""

# Interactions: ann handles I1..I3 (I1 -> two incidents, I2 -> one), bob I4..I5 (I4 -> one),
# cid only I6 (below the minimum of 2).
INTERACTIONS = """\
number,opened_at,closed_at,status,assigned_to,location,channel
I1,2024-01-01T09:00:00Z,2024-01-01T10:00:00Z,Closed,ann,Paris,phone
I2,2024-01-01T11:00:00Z,2024-01-01T12:00:00Z,Closed,ann,Paris,phone
I3,2024-01-02T09:00:00Z,2024-01-02T10:00:00Z,Closed,ann,Paris,chat
I4,2024-01-02T09:00:00Z,2024-01-02T11:00:00Z,Closed,bob,Lyon,phone
I5,2024-01-03T09:00:00Z,2024-01-03T09:30:00Z,Closed,bob,Lyon,phone
I6,2024-01-03T09:00:00Z,2024-01-03T09:30:00Z,Closed,cid,Lyon,chat
"""
LINKS = """\
interaction_number,incident_number
I1,INC1
I1,INC2
I2,INC3
I4,INC4
"""


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The main event log, default settings."""
    return build_project(tmp_path_factory.mktemp("desk"), {"events.csv": DESK})


@pytest.fixture(scope="module")
def noon(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The cut-off log with the backlog counted at 12:00."""
    return build_project(
        tmp_path_factory.mktemp("noon"),
        {"events.csv": NOON},
        settings="kpis: {backlog_cutoff_hour: 12}",
    )


@pytest.fixture(scope="module")
def rotations(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The reassignment log."""
    return build_project(tmp_path_factory.mktemp("rotations"), {"events.csv": ROTATIONS})


@pytest.fixture(scope="module")
def contacts(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The interaction exports, with at least two interactions per technician."""
    return build_project(
        tmp_path_factory.mktemp("contacts"),
        {"interaction_1.csv": INTERACTIONS, "ims_inc_1.csv": LINKS},
        fmt="interactions",
        source="ims",
        settings="kpis: {conversion_min_interactions: 2}",
    )


def table(project: Project, name: str, **kwargs: Any) -> list[dict[str, Any]]:
    """``project.kpi(name, ...)`` as a list of row dicts."""
    return project.kpi(name, **kwargs).to_pylist()


def approx_rows(expected: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Expected rows with every float compared approximately."""
    return [tuple(pytest.approx(v) if isinstance(v, float) else v for v in r) for r in expected]


# --- volume ---------------------------------------------------------------------------------


def test_volume_daily(desk: Project) -> None:
    """Created per created day, resolved per final-resolution day, closed per closed day."""
    assert rows(
        desk,
        "SELECT day, sum(created), sum(resolved), sum(closed) "
        "FROM kpi_volume_daily GROUP BY day ORDER BY day",
    ) == [
        (date(2024, 1, 1), 2, 1, 0),  # T1, T2 created; T1 resolved
        (date(2024, 1, 2), 1, 0, 0),  # T3 created (T2's first resolution is not final)
        (date(2024, 1, 3), 1, 1, 0),  # T4 created; T2 finally resolved
        (date(2024, 1, 4), 1, 0, 0),  # T7 created (cancelled: neither resolved nor closed)
        (date(2024, 1, 5), 0, 1, 1),  # T3 resolved and closed
        (date(2024, 1, 8), 2, 0, 0),  # T5, T6 created
        (date(2024, 1, 9), 0, 1, 0),  # T6 resolved
    ]


def test_volume_daily_dimensions(desk: Project) -> None:
    """The rows carry each ticket's current attributes: on 01-01 T1 (email) and T2 (phone)
    split by channel; T3 counts under its current group L2."""
    assert rows(
        desk,
        "SELECT day, priority, category, group_name, channel, location, created, "
        "resolved, closed FROM kpi_volume_daily WHERE day IN ('2024-01-01', "
        "'2024-01-02') ORDER BY day, channel",
    ) == [
        (date(2024, 1, 1), "P2", "Network", "L1", "email", "Paris", 1, 1, 0),
        (date(2024, 1, 1), "P2", "Network", "L1", "phone", "Paris", 1, 0, 0),
        (date(2024, 1, 2), "P4", "Hardware", "L2", "email", "Lyon", 1, 0, 0),
    ]


def test_volume_weekly(desk: Project) -> None:
    """W01 (01-01..01-07): created 2+1+1+1 = 5, resolved 1+1+1 = 3, closed 1; W02: created 2,
    resolved 1."""
    assert rows(
        desk,
        "SELECT week_start, iso_week, sum(created), sum(resolved), sum(closed) "
        "FROM kpi_volume_weekly GROUP BY ALL ORDER BY 1",
    ) == [
        (date(2024, 1, 1), "2024-W01", 5, 3, 1),
        (date(2024, 1, 8), "2024-W02", 2, 1, 0),
    ]


def test_volume_catalog_by_week_and_priority(desk: Project) -> None:
    """``kpis volume --by week priority``: W01 P1 T4; P2 T1+T2 created, both resolved; P4 T3
    and T7 created, T3 resolved and closed; W02 P3 T5, T6 created, T6 resolved."""
    assert table(desk, "volume", by=["week", "priority"]) == [
        {"week": date(2024, 1, 1), "priority": "P1", "created": 1, "resolved": 0, "closed": 0},
        {"week": date(2024, 1, 1), "priority": "P2", "created": 2, "resolved": 2, "closed": 0},
        {"week": date(2024, 1, 1), "priority": "P4", "created": 2, "resolved": 1, "closed": 1},
        {"week": date(2024, 1, 8), "priority": "P3", "created": 2, "resolved": 1, "closed": 0},
    ]


def test_volume_catalog_filter_and_dates(desk: Project) -> None:
    """``--by location --from 01-02 --to 01-05 --category Hardware``: T3 and T7 created, T3
    resolved and closed, all in Lyon."""
    found = table(
        desk,
        "volume",
        by=["location"],
        date_from=date(2024, 1, 2),
        date_to=date(2024, 1, 5),
        category="Hardware",
    )
    assert found == [{"location": "Lyon", "created": 2, "resolved": 1, "closed": 1}]


# --- backlog --------------------------------------------------------------------------------


def test_backlog_daily(desk: Project) -> None:
    """Open at midnight ending each day; age = cut-off - created."""
    found = rows(
        desk,
        "SELECT day, priority, group_name, age_bucket, open_tickets, "
        "age_days_total FROM kpi_backlog_daily ORDER BY day, priority",
    )
    assert found == approx_rows(
        [
            (date(2024, 1, 1), "P2", "L1", "0-1d", 1, 14 / 24),  # T2: 10:00 -> 24:00
            (date(2024, 1, 2), "P4", "L2", "0-1d", 1, 15 / 24),  # T3 (in L2 since 15:00): 09 -> 24
            (date(2024, 1, 3), "P1", "L1", "0-1d", 1, 18 / 24),  # T4: 06:00 -> 24:00
            (date(2024, 1, 3), "P4", "L2", "1-3d", 1, 39 / 24),  # T3: 15 h + 24 h
            (date(2024, 1, 4), "P1", "L1", "1-3d", 1, 42 / 24),  # T4
            (date(2024, 1, 4), "P4", "L2", "1-3d", 1, 63 / 24),  # T3 (closed 01-05)
            (date(2024, 1, 5), "P1", "L1", "1-3d", 1, 66 / 24),  # T4 = 2.75 d
            (date(2024, 1, 6), "P1", "L1", "3-7d", 1, 90 / 24),  # T4 = 3.75 d
            (date(2024, 1, 7), "P1", "L1", "3-7d", 1, 114 / 24),
            (date(2024, 1, 8), "P1", "L1", "3-7d", 1, 138 / 24),
            (date(2024, 1, 8), "P3", "L1", "0-1d", 2, 14 / 24 + 12 / 24),  # T5 (pending), T6
            (date(2024, 1, 9), "P1", "L1", "3-7d", 1, 162 / 24),
            (date(2024, 1, 9), "P3", "L1", "1-3d", 1, 38 / 24),  # T5; T6 resolved 08:00
        ]
    )


def test_backlog_catalog_by_week(desk: Project) -> None:
    """A week reports its last day with rows: W01 -> 01-07 (T4 only, 4.75 d); W02 -> 01-09
    (T4 6.75 d, T5 38/24 d: mean (162 + 38) / 24 / 2 = 100/24 d)."""
    found = table(desk, "backlog", by=["week"])
    assert found == [
        {"week": date(2024, 1, 1), "open_tickets": 1, "mean_age_days": pytest.approx(4.75)},
        {"week": date(2024, 1, 8), "open_tickets": 2, "mean_age_days": pytest.approx(100 / 24)},
    ]


def test_backlog_catalog_by_priority_with_dates(desk: Project) -> None:
    """``--by priority --to 01-04``: the period ends on 01-04: T4 (P1) and T3 (P4) are open."""
    found = table(desk, "backlog", by=["priority"], date_to=date(2024, 1, 4))
    assert found == [
        {"priority": "P1", "open_tickets": 1, "mean_age_days": pytest.approx(42 / 24)},
        # P2 has rows only on 01-01, before the period's last day: 0 open, no age
        {"priority": "P2", "open_tickets": 0, "mean_age_days": None},
        {"priority": "P4", "open_tickets": 1, "mean_age_days": pytest.approx(63 / 24)},
    ]


def test_backlog_at_noon_cutoff(noon: Project) -> None:
    """Cut-off 12:00: an event exactly at the cut-off counts with the state after it, the group
    is the one holding the ticket at the cut-off, and buckets include their lower bound."""
    found = rows(
        noon,
        "SELECT day, open_tickets, group_name, age_bucket, age_days_total "
        "FROM kpi_backlog_daily ORDER BY day, group_name",
    )
    assert found == approx_rows(
        [
            (date(2024, 1, 1), 1, "L1", "0-1d", 3 / 24),  # X: 09:00 -> 12:00
            (date(2024, 1, 2), 1, "L1", "0-1d", 0.0),  # Y created at 12:00; X resolved at 12:00
            (date(2024, 1, 3), 1, "L2", "1-3d", 1.0),  # Y in L2 since 08:00, exactly 24 h old
            (date(2024, 1, 3), 1, "L3", "0-1d", 2 / 24),  # Z (status unmapped): 10:00 -> 12:00
            (date(2024, 1, 4), 1, "L2", "1-3d", 2.0),  # Y
            (date(2024, 1, 4), 1, "L3", "1-3d", 26 / 24),  # Z
        ]
    )


def test_backlog_catalog_by_group_noon(noon: Project) -> None:
    """``--by group --to 01-02``: the last day is 01-02, when only Y (L1) is open."""
    assert table(noon, "backlog", by=["group"], date_to=date(2024, 1, 2)) == [
        {"group": "L1", "open_tickets": 1, "mean_age_days": pytest.approx(0.0)},
    ]


# --- response and resolution time -----------------------------------------------------------


def test_response_time(desk: Project) -> None:
    """Per week of creation and priority; P2 = {0.5, 2}: mean 1.25, median 1.25, p90 =
    0.5 + 0.9 * (2 - 0.5) = 1.85. T5 and T7 never responded."""
    found = rows(
        desk,
        "SELECT week_start, priority, responded, mean_hours, median_hours, "
        "p90_hours FROM kpi_response_time ORDER BY 1, 2",
    )
    assert found == approx_rows(
        [
            (date(2024, 1, 1), "P1", 1, 0.5, 0.5, 0.5),  # T4
            (date(2024, 1, 1), "P2", 2, 1.25, 1.25, 1.85),  # T1, T2
            (date(2024, 1, 1), "P4", 1, 4.0, 4.0, 4.0),  # T3
            (date(2024, 1, 8), "P3", 1, 2.0, 2.0, 2.0),  # T6
        ]
    )


def test_resolution_time(desk: Project) -> None:
    """Per week of final resolution and priority; P2 = {4, 60}: mean 32, median 32, p90 =
    4 + 0.9 * 56 = 54.4."""
    found = rows(
        desk,
        "SELECT week_start, priority, resolved, mean_hours, median_hours, "
        "p90_hours FROM kpi_resolution_time ORDER BY 1, 2",
    )
    assert found == approx_rows(
        [
            (date(2024, 1, 1), "P2", 2, 32.0, 32.0, 54.4),  # T1 4 h, T2 60 h (01-01 10 -> 01-03 22)
            (date(2024, 1, 1), "P4", 1, 72.0, 72.0, 72.0),  # T3: 01-02 09 -> 01-05 09
            (date(2024, 1, 8), "P3", 1, 20.0, 20.0, 20.0),  # T6: 01-08 12 -> 01-09 08
        ]
    )


def test_response_time_catalog_by_channel(desk: Project) -> None:
    """``kpis response_time --by channel``: chat {0.5}; email {0.5, 4}: mean 2.25, p90 =
    0.5 + 0.9 * 3.5 = 3.65; phone {2, 2}."""
    found = table(desk, "response_time", by=["channel"])
    assert found == [
        {
            "channel": "chat",
            "responded": 1,
            "mean_hours": pytest.approx(0.5),
            "median_hours": pytest.approx(0.5),
            "p90_hours": pytest.approx(0.5),
        },
        {
            "channel": "email",
            "responded": 2,
            "mean_hours": pytest.approx(2.25),
            "median_hours": pytest.approx(2.25),
            "p90_hours": pytest.approx(3.65),
        },
        {
            "channel": "phone",
            "responded": 2,
            "mean_hours": pytest.approx(2.0),
            "median_hours": pytest.approx(2.0),
            "p90_hours": pytest.approx(2.0),
        },
    ]


def test_resolution_time_catalog_range(desk: Project) -> None:
    """``kpis resolution_time --by month --from 01-03``: T2 60, T3 72, T6 20 (T1 is resolved
    01-01): mean 152/3, median 60, p90 = 60 + 0.8 * (72 - 60) = 69.6."""
    assert table(desk, "resolution_time", by=["month"], date_from=date(2024, 1, 3)) == [
        {
            "month": date(2024, 1, 1),
            "resolved": 3,
            "mean_hours": pytest.approx(152 / 3),
            "median_hours": pytest.approx(60.0),
            "p90_hours": pytest.approx(69.6),
        },
    ]


# --- target attainment ----------------------------------------------------------------------

ATTAINMENT = """SELECT day, priority, tickets, with_target, response_within, response_breached,
    resolution_within, resolution_late, overdue_open, pending, response_attainment_pct,
    resolution_attainment_pct, breach_pct FROM kpi_target_attainment ORDER BY day, priority"""


def test_target_attainment(desk: Project) -> None:
    """Per created day and priority. as_of = 2024-01-09 08:00: T4 (P1, 146 h old > 4) is
    overdue; T5 (P3, 22 h old <= 24) is pending; T7 (cancelled) is neither."""
    assert rows(desk, ATTAINMENT) == approx_rows(
        [
            # T1 resp 0.5 <= 1, res 4 <= 8; T2 resp 2 > 1, res 60 > 8
            (date(2024, 1, 1), "P2", 2, 2, 1, 1, 1, 1, 0, 0, 50.0, 50.0, 50.0),
            # T3 resp 4 <= 8, res 72 <= 72
            (date(2024, 1, 2), "P4", 1, 1, 1, 0, 1, 0, 0, 0, 100.0, 100.0, 0.0),
            # T4 resp 0.5 <= 0.5, open past its target: resolution 0 / 1, breach 1 / 1
            (date(2024, 1, 3), "P1", 1, 1, 1, 0, 0, 0, 1, 0, 100.0, 0.0, 100.0),
            # T7 cancelled without response: nothing to judge
            (date(2024, 1, 4), "P4", 1, 1, 0, 0, 0, 0, 0, 0, None, None, None),
            # T6 resp 2 <= 4, res 20 <= 24; T5 pending
            (date(2024, 1, 8), "P3", 2, 2, 1, 0, 1, 0, 0, 1, 100.0, 100.0, 0.0),
        ]
    )


def test_target_attainment_catalog_by_priority(desk: Project) -> None:
    """The default ``--by priority`` sums the days: P4 = T3 (01-02) + T7 (01-04)."""
    found = {r["priority"]: r for r in table(desk, "target_attainment")}
    assert list(found) == ["P1", "P2", "P3", "P4"]
    assert found["P4"] == {
        "priority": "P4",
        "tickets": 2,
        "with_target": 2,
        "response_within": 1,
        "response_breached": 0,
        "resolution_within": 1,
        "resolution_late": 0,
        "overdue_open": 0,
        "pending": 0,
        "response_attainment_pct": pytest.approx(100.0),
        "resolution_attainment_pct": pytest.approx(100.0),
        "breach_pct": pytest.approx(0.0),
    }
    assert (found["P1"]["overdue_open"], found["P1"]["breach_pct"]) == (1, pytest.approx(100.0))
    assert (found["P3"]["pending"], found["P3"]["resolution_within"]) == (1, 1)


def test_target_attainment_catalog_total(desk: Project) -> None:
    """``--by`` nothing: responses within T1 T3 T4 T6 = 4 of 5 (T2 breached) -> 80 %;
    resolutions within T1 T3 T6 = 3, late T2, overdue T4 -> 3 / 5 = 60 %, breach 40 %."""
    assert table(desk, "target_attainment", by=[]) == [
        {
            "tickets": 7,
            "with_target": 7,
            "response_within": 4,
            "response_breached": 1,
            "resolution_within": 3,
            "resolution_late": 1,
            "overdue_open": 1,
            "pending": 1,
            "response_attainment_pct": pytest.approx(80.0),
            "resolution_attainment_pct": pytest.approx(60.0),
            "breach_pct": pytest.approx(40.0),
        }
    ]


# --- agent load -----------------------------------------------------------------------------


def test_agent_load_daily(desk: Project) -> None:
    """assigned = tickets first given to the agent that day; resolved = final resolutions
    credited to the current assignee; open_at_end = open tickets held at midnight."""
    found = rows(
        desk,
        "SELECT agent, day, assigned, resolved, open_at_end, active "
        "FROM kpi_agent_load_daily ORDER BY agent, day",
    )
    assert found == [
        ("ann", date(2024, 1, 1), 1, 1, 0, True),  # T1 assigned and resolved
        ("ann", date(2024, 1, 2), 1, 0, 0, True),  # T3 (handed to bob at 15:00)
        ("ann", date(2024, 1, 3), 1, 0, 1, True),  # T4
        ("ann", date(2024, 1, 4), 0, 0, 1, False),  # T4 held ...
        ("ann", date(2024, 1, 5), 0, 0, 1, False),
        ("ann", date(2024, 1, 6), 0, 0, 1, False),
        ("ann", date(2024, 1, 7), 0, 0, 1, False),
        ("ann", date(2024, 1, 8), 0, 0, 1, False),
        ("ann", date(2024, 1, 9), 0, 0, 1, False),  # ... to the end
        ("bob", date(2024, 1, 1), 1, 0, 1, True),  # T2
        ("bob", date(2024, 1, 2), 1, 0, 1, True),  # T3 (T2 resolved that day, not finally)
        ("bob", date(2024, 1, 3), 0, 1, 1, True),  # T2 finally resolved; T3 held
        ("bob", date(2024, 1, 4), 0, 0, 1, False),  # T3
        ("bob", date(2024, 1, 5), 0, 1, 0, True),  # T3 resolved
        ("cid", date(2024, 1, 8), 2, 0, 2, True),  # T5, T6
        ("cid", date(2024, 1, 9), 0, 1, 1, True),  # T6 resolved; T5 held
    ]


def test_agent_summary(desk: Project) -> None:
    """ann 3 assigned / 1 resolved over 3 active days; bob 2 / 2 over 4 (01-01, 01-02, 01-03,
    01-05); cid 2 / 1 over 2."""
    found = rows(
        desk,
        "SELECT agent, assigned, resolved, active_days, assigned_per_active_day, "
        "resolved_per_active_day FROM kpi_agent_summary ORDER BY agent",
    )
    assert found == approx_rows(
        [
            ("ann", 3, 1, 3, 1.0, 1 / 3),
            ("bob", 2, 2, 4, 0.5, 0.5),
            ("cid", 2, 1, 2, 1.0, 0.5),
        ]
    )


def test_agent_load_catalog(desk: Project) -> None:
    """The default ``--by agent``: open_at_end is taken on the last day (01-09), where bob holds
    nothing."""
    assert table(desk, "agent_load") == [
        {
            "agent": "ann",
            "assigned": 3,
            "resolved": 1,
            "open_at_end": 1,
            "active_days": 3,
            "assigned_per_active_day": pytest.approx(1.0),
            "resolved_per_active_day": pytest.approx(1 / 3),
        },
        {
            "agent": "bob",
            "assigned": 2,
            "resolved": 2,
            "open_at_end": 0,
            "active_days": 4,
            "assigned_per_active_day": pytest.approx(0.5),
            "resolved_per_active_day": pytest.approx(0.5),
        },
        {
            "agent": "cid",
            "assigned": 2,
            "resolved": 1,
            "open_at_end": 1,
            "active_days": 2,
            "assigned_per_active_day": pytest.approx(1.0),
            "resolved_per_active_day": pytest.approx(0.5),
        },
    ]


def test_agent_load_catalog_range(desk: Project) -> None:
    """``--by agent --to 01-04``: the period ends 01-04 (ann holds T4, bob T3); bob's 2
    assignments and T2's resolution over 3 active days; cid has no rows yet."""
    assert table(desk, "agent_load", by=["agent"], date_to=date(2024, 1, 4)) == [
        {
            "agent": "ann",
            "assigned": 3,
            "resolved": 1,
            "open_at_end": 1,
            "active_days": 3,
            "assigned_per_active_day": pytest.approx(1.0),
            "resolved_per_active_day": pytest.approx(1 / 3),
        },
        {
            "agent": "bob",
            "assigned": 2,
            "resolved": 1,
            "open_at_end": 1,
            "active_days": 3,
            "assigned_per_active_day": pytest.approx(2 / 3),
            "resolved_per_active_day": pytest.approx(1 / 3),
        },
    ]


def test_agent_load_at_noon_cutoff(noon: Project) -> None:
    """Cut-off 12:00: ann holds X on 01-01 only (resolved exactly at the 01-02 cut-off); Y has
    no assignee until bob at 01-03 08:00."""
    found = rows(
        noon,
        "SELECT agent, day, assigned, resolved, open_at_end "
        "FROM kpi_agent_load_daily ORDER BY agent, day",
    )
    assert found == [
        ("ann", date(2024, 1, 1), 1, 0, 1),
        ("ann", date(2024, 1, 2), 0, 1, 0),
        ("bob", date(2024, 1, 3), 1, 0, 1),
        ("bob", date(2024, 1, 4), 0, 0, 1),
    ]


# --- location demand, reopen rate, priority summary, daily ops ------------------------------


def test_location_demand(desk: Project) -> None:
    """Shares of 7 tickets; medians over resolved tickets only."""
    found = rows(
        desk,
        "SELECT location, country, tickets, share_pct, open_tickets, "
        "median_resolution_hours FROM kpi_location_demand ORDER BY location",
    )
    assert found == approx_rows(
        [
            ("Berlin", "DE", 2, 200 / 7, 1, 20.0),  # T5 open, T6 20 h
            ("Lyon", "FR", 2, 200 / 7, 0, 72.0),  # T3 72 h, T7 cancelled
            ("Paris", "FR", 3, 300 / 7, 1, 32.0),  # T1 4, T2 60 -> 32; T4 open
        ]
    )


def test_location_demand_catalog_by_country(desk: Project) -> None:
    """``--by country``: FR = Paris 3 + Lyon 2 = 5 of 7, medians of {4, 60, 72} = 60."""
    assert table(desk, "location_demand", by=["country"]) == [
        {
            "country": "DE",
            "tickets": 2,
            "share_pct": pytest.approx(200 / 7),
            "open_tickets": 1,
            "median_resolution_hours": pytest.approx(20.0),
        },
        {
            "country": "FR",
            "tickets": 5,
            "share_pct": pytest.approx(500 / 7),
            "open_tickets": 1,
            "median_resolution_hours": pytest.approx(60.0),
        },
    ]


def test_reopen_rate(desk: Project) -> None:
    """Per week of first resolution: T1 (01-01) and T2 (01-02, reopened once) in W01 P2; T3
    (01-05) W01 P4; T6 (01-09) W02 P3. T7 was cancelled, never resolved."""
    found = rows(
        desk,
        "SELECT week_start, priority, resolved_tickets, reopened_tickets, "
        "reopen_rate_pct, reopens FROM kpi_reopen_rate ORDER BY 1, 2",
    )
    assert found == approx_rows(
        [
            (date(2024, 1, 1), "P2", 2, 1, 50.0, 1),
            (date(2024, 1, 1), "P4", 1, 0, 0.0, 0),
            (date(2024, 1, 8), "P3", 1, 0, 0.0, 0),
        ]
    )


def test_reopen_rate_catalog_total(desk: Project) -> None:
    """``--by`` nothing: 4 tickets resolved at least once, 1 reopened -> 25 %."""
    assert table(desk, "reopen_rate", by=[]) == [
        {
            "resolved_tickets": 4,
            "reopened_tickets": 1,
            "reopen_rate_pct": pytest.approx(25.0),
            "reopens": 1,
        },
    ]


def test_priority_summary(desk: Project) -> None:
    """Per priority over the whole history."""
    found = rows(
        desk,
        "SELECT priority, priority_rank, tickets, open_tickets, resolved, "
        "mean_resolution_hours, median_resolution_hours, p90_resolution_hours, "
        "median_first_response_hours, responded_within_target_pct, "
        "resolved_within_target_pct, reopen_rate_pct, source_sla_met_pct "
        "FROM kpi_priority_summary ORDER BY priority_rank",
    )
    assert found == approx_rows(
        [
            # T4: open, responded in 0.5 h
            ("P1", 1, 1, 1, 0, None, None, None, 0.5, 100.0, None, None, None),
            # T1, T2: res {4, 60} -> p90 54.4; resp {0.5, 2} -> median 1.25; 1 of 2 reopened
            ("P2", 2, 2, 0, 2, 32.0, 32.0, 54.4, 1.25, 50.0, 50.0, 50.0, None),
            # T5 open, T6 20 h
            ("P3", 3, 2, 1, 1, 20.0, 20.0, 20.0, 2.0, 100.0, 100.0, 0.0, None),
            # T3 72 h, T7 cancelled
            ("P4", 4, 2, 0, 1, 72.0, 72.0, 72.0, 4.0, 100.0, 100.0, 0.0, None),
        ]
    )


def test_priority_summary_catalog_filtered(desk: Project) -> None:
    """``--by priority --channel email``: T1 (P2), T3 (P4), T5 (P3), T7 (P4)."""
    found = table(desk, "priority_summary", by=["priority"], channel="email")
    assert [(r["priority"], r["tickets"], r["open_tickets"], r["resolved"]) for r in found] == [
        ("P2", 1, 0, 1),
        ("P3", 1, 1, 0),
        ("P4", 2, 0, 1),
    ]
    assert found[0]["mean_resolution_hours"] == pytest.approx(4.0)


def test_daily_ops(desk: Project) -> None:
    """One row per day: volume, turnaround of that day's resolutions, reopens, backlog."""
    found = rows(
        desk,
        "SELECT day, created, resolved, closed, mean_resolution_hours, "
        "median_resolution_hours, resolved_breach_pct, reopened, backlog "
        "FROM kpi_daily_ops ORDER BY day",
    )
    assert found == approx_rows(
        [
            (date(2024, 1, 1), 2, 1, 0, 4.0, 4.0, 0.0, 0, 1),  # T1 4 h within 8; T2 open
            (date(2024, 1, 2), 1, 0, 0, None, None, None, 0, 1),  # T3
            (date(2024, 1, 3), 1, 1, 0, 60.0, 60.0, 100.0, 1, 2),  # T2 reopened, resolved 60 > 8
            (date(2024, 1, 4), 1, 0, 0, None, None, None, 0, 2),  # T3, T4
            (date(2024, 1, 5), 0, 1, 1, 72.0, 72.0, 0.0, 0, 1),  # T3 72 <= 72
            (date(2024, 1, 6), 0, 0, 0, None, None, None, 0, 1),
            (date(2024, 1, 7), 0, 0, 0, None, None, None, 0, 1),
            (date(2024, 1, 8), 2, 0, 0, None, None, None, 0, 3),  # T4, T5, T6
            (date(2024, 1, 9), 0, 1, 0, 20.0, 20.0, 0.0, 0, 2),  # T6 20 <= 24; T4, T5
        ]
    )


def test_daily_ops_catalog_range(desk: Project) -> None:
    """``kpis daily_ops --from 01-03 --to 01-05`` prints that slice of the table."""
    found = table(desk, "daily_ops", date_from=date(2024, 1, 3), date_to=date(2024, 1, 5))
    assert [(r["day"], r["source"], r["created"], r["backlog"]) for r in found] == [
        (date(2024, 1, 3), "desk", 1, 2),
        (date(2024, 1, 4), "desk", 1, 2),
        (date(2024, 1, 5), "desk", 0, 1),
    ]


# --- reassignments and conversion -----------------------------------------------------------


def test_reassignment_counts(rotations: Project) -> None:
    """R1 six assignee changes; R2 a group change then assignee and group in one event (2);
    a blank row and a repeat of the same assignee change nothing."""
    assert rows(rotations, "SELECT ticket_id, reassignment_count FROM fact_ticket ORDER BY 1") == [
        ("R1", 6),
        ("R2", 2),
        ("R3", 0),
        ("R4", 1),
    ]


def test_reassignment_distribution(rotations: Project) -> None:
    """P2: R3 '0', R2 '2', R1 '5+' (a third each); P4: R4 '1' (all)."""
    found = rows(
        rotations,
        "SELECT priority, reassignments, tickets, share_pct "
        "FROM kpi_reassignment_distribution ORDER BY 1, 2",
    )
    assert found == approx_rows(
        [
            ("P2", "0", 1, 100 / 3),
            ("P2", "2", 1, 100 / 3),
            ("P2", "5+", 1, 100 / 3),
            ("P4", "1", 1, 100.0),
        ]
    )


def test_reassignments_catalog(rotations: Project) -> None:
    """The default ``--by reassignments`` shares over all 4 tickets; filtered to P2 over 3."""
    assert [
        (r["reassignments"], r["tickets"], r["share_pct"])
        for r in table(rotations, "reassignments")
    ] == approx_rows([("0", 1, 25.0), ("1", 1, 25.0), ("2", 1, 25.0), ("5+", 1, 25.0)])
    assert [
        (r["reassignments"], r["share_pct"])
        for r in table(rotations, "reassignments", priority="P2")
    ] == approx_rows([("0", 100 / 3), ("2", 100 / 3), ("5+", 100 / 3)])


def test_conversion(contacts: Project) -> None:
    """ann: I1 (two incidents) and I2 of 3 -> 66.7 %; bob: I4 of 2 -> 50 %; cid has only one
    interaction, below the minimum of 2."""
    found = rows(
        contacts,
        "SELECT source, agent, interactions, converted, conversion_pct "
        "FROM kpi_conversion ORDER BY agent",
    )
    assert found == approx_rows(
        [
            ("ims", "ann", 3, 2, 200 / 3),
            ("ims", "bob", 2, 1, 50.0),
        ]
    )


def test_conversion_catalog_by_location(contacts: Project) -> None:
    """``kpis conversion --by location``: Paris I1..I3 (2 converted); Lyon I4..I6 (1)."""
    assert table(contacts, "conversion", by=["location"]) == [
        {
            "location": "Lyon",
            "interactions": 3,
            "converted": 1,
            "conversion_pct": pytest.approx(100 / 3),
        },
        {
            "location": "Paris",
            "interactions": 3,
            "converted": 2,
            "conversion_pct": pytest.approx(200 / 3),
        },
    ]
