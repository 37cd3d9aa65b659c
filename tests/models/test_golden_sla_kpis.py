"""Golden tests for the SLA KPIs (kpi_sla_attainment, kpi_sla_at_risk) and their catalog
entries, on small event logs whose outcomes are worked out by hand below. Default settings:
the built-in `default` policy measures `targets` on 24/7 (P1 0.5 h / 4 h, P2 1 h / 8 h,
P3 4 h / 24 h, P4 8 h / 72 h), "Awaiting Customer" is pending and pauses resolution only.

The desk log of test_golden_kpis.py (as of 2024-01-09 08:00):

  ticket  prio  response                       resolution
  T1      P2    0.5 h achieved (01-01)         4 h achieved (01-01)
  T2      P2    2 h breached (01-01)           24 h + 12 h (the resolved stay between does not
                                               count) = 36 h breached, stopped 01-03
  T3      P4    4 h achieved (01-02)           72 h exactly: achieved (01-05)
  T4      P1    0.5 h exactly: achieved (01-03)  open, breached at 01-03 10:00 (running)
  T5      P3    none, breached at 01-08 14:00 (running; pending does not pause response)
                                               1 h, paused since 11:00: no outcome yet, 4 %
  T6      P3    2 h achieved (01-08)           20 h achieved (01-09)
  T7      P4    cancelled 01-04                cancelled 01-04
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.models.conftest import build_project
from tests.models.test_golden_kpis import DESK
from ticketlake import Project

H = 3600.0

# As of 2024-01-02 00:00 (Z's creation). Resolution clocks, all responded in time:
#   A  P3  created 01-01 10:00: 14 of 24 h, 58.3 %  -> 50-75, 10 h left, due 01-02 10:00
#   B  P3  created 01-01 04:00: 20 of 24 h, 83.3 %  -> 75-90,  4 h left, due 01-02 04:00
#   C  P2  created 01-01 16:30: 7.5 of 8 h, 93.75 % -> 90-100, 0.5 h left, due 01-02 00:30
#   D  P3  created 01-01 00:00: 24 of 24 h, 100 %   -> 90-100 (not breached), 0 left, due 00:00
#   E  P1  created 01-01 12:00: 12 of 4 h, 300 %    -> breached at 01-01 16:00, -8 h left
#   F  P2  created 01-01 08:00, pending from 13:00: 5 of 8 h, 62.5 %, paused -> 50-75,
#          3 h left, due 01-02 03:00 if it resumed at the as-of time
#   Z  P1  created 01-02 00:00: 0 %, not at risk
QUEUE = """\
case_id,timestamp,event_type,status,assignment_group,priority
A,2024-01-01T10:00:00Z,created,New,L1,Medium
A,2024-01-01T11:00:00Z,first_response,In Progress,L1,Medium
B,2024-01-01T04:00:00Z,created,New,L1,Medium
B,2024-01-01T05:00:00Z,first_response,In Progress,L1,Medium
C,2024-01-01T16:30:00Z,created,New,L2,High
C,2024-01-01T16:45:00Z,first_response,In Progress,L2,High
D,2024-01-01T00:00:00Z,created,New,L2,Medium
D,2024-01-01T01:00:00Z,first_response,In Progress,L2,Medium
E,2024-01-01T12:00:00Z,created,New,L1,Critical
E,2024-01-01T12:10:00Z,first_response,In Progress,L1,Critical
F,2024-01-01T08:00:00Z,created,New,L1,High
F,2024-01-01T08:30:00Z,first_response,In Progress,L1,High
F,2024-01-01T13:00:00Z,status_change,Awaiting Customer,L1,High
Z,2024-01-02T00:00:00Z,created,New,L1,Critical
"""


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return build_project(tmp_path_factory.mktemp("desk"), {"events.csv": DESK})


@pytest.fixture(scope="module")
def queue(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return build_project(tmp_path_factory.mktemp("queue"), {"events.csv": QUEUE})


def kpi(project: Project, name: str, **kwargs: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = project.kpi(name, **kwargs).to_pylist()
    return found


def pick(rows: list[dict[str, Any]], *names: str) -> list[tuple[Any, ...]]:
    return [tuple(r[n] for n in names) for r in rows]


def test_attainment_by_metric(desk: Project) -> None:
    """Response: achieved T1 T3 T4 T6, breached T2 T5 (T5 running), cancelled T7: 4 of 6.
    Resolution: achieved T1 T3 T6, breached T2 T4 (T4 running), cancelled T7: 3 of 5."""
    found = kpi(desk, "sla_attainment", by=["metric"])
    assert pick(found, "metric", "achieved", "breached", "breached_running", "cancelled") == [
        ("resolution", 3, 2, 1, 1),
        ("response", 4, 2, 1, 1),
    ]
    assert [round(r["attainment_pct"], 2) for r in found] == [60.0, 66.67]
    assert [round(r["breach_pct"], 2) for r in found] == [40.0, 33.33]


def test_attainment_days(desk: Project) -> None:
    """A stopped clock counts on the day it stopped (T2's resolution on 01-03, not on the day
    it breached), a running breached one on its breach day (T4 on 01-03, T5 on 01-08)."""
    found = kpi(desk, "sla_attainment", by=["day", "metric"])
    assert pick(found, "day", "metric", "achieved", "breached", "cancelled") == [
        (date(2024, 1, 1), "resolution", 1, 0, 0),
        (date(2024, 1, 1), "response", 1, 1, 0),
        (date(2024, 1, 2), "response", 1, 0, 0),
        (date(2024, 1, 3), "resolution", 0, 2, 0),
        (date(2024, 1, 3), "response", 1, 0, 0),
        (date(2024, 1, 4), "resolution", 0, 0, 1),
        (date(2024, 1, 4), "response", 0, 0, 1),
        (date(2024, 1, 5), "resolution", 1, 0, 0),
        (date(2024, 1, 8), "response", 1, 1, 0),
        (date(2024, 1, 9), "resolution", 1, 0, 0),
    ]
    weeks = kpi(desk, "sla_attainment", by=["week"])  # 2024-01-01 and 2024-01-08 are Mondays
    assert pick(weeks, "week", "achieved", "breached") == [
        (date(2024, 1, 1), 5, 3),
        (date(2024, 1, 8), 2, 1),
    ]


def test_attainment_by_priority_and_policy(desk: Project) -> None:
    """P1 T4 (response achieved, resolution breached), P2 T1 (2 achieved) T2 (2 breached),
    P3 T5 (response breached) T6 (2 achieved), P4 T3 (2 achieved) T7 (2 cancelled)."""
    found = kpi(desk, "sla_attainment", by=["priority"], policy="default")
    assert pick(found, "priority", "achieved", "breached", "cancelled") == [
        ("P1", 1, 1, 0),
        ("P2", 2, 2, 0),
        ("P3", 2, 1, 0),
        ("P4", 2, 0, 2),
    ]
    groups = kpi(desk, "sla_attainment", by=["policy", "group"], metric="resolution")
    assert pick(groups, "policy", "group", "achieved", "breached") == [
        ("default", "L1", 2, 2),  # T1, T6; T2, T4
        ("default", "L2", 1, 0),  # T3 (its group now)
    ]


def test_at_risk_queue(queue: Project) -> None:
    rows: dict[Any, Any] = {r[0]: r for r in queue.query(
        "SELECT ticket_id, metric, risk, stage, percent_elapsed, seconds_left, due_at, due_date "
        "FROM kpi_sla_at_risk"
    )[1]}  # fmt: skip
    assert sorted(rows) == ["A", "B", "C", "D", "E", "F"]
    assert {t: r[1] for t, r in rows.items()} == dict.fromkeys(rows, "resolution")
    assert {t: (r[2], r[3]) for t, r in rows.items()} == {
        "A": ("50-75", "in_progress"),
        "B": ("75-90", "in_progress"),
        "C": ("90-100", "in_progress"),
        "D": ("90-100", "in_progress"),
        "E": ("breached", "breached"),
        "F": ("50-75", "paused"),
    }
    assert {t: r[5] / H for t, r in rows.items()} == {
        "A": 10, "B": 4, "C": 0.5, "D": 0, "E": -8, "F": 3,
    }  # fmt: skip
    assert {t: r[6] for t, r in rows.items()} == {
        "A": datetime(2024, 1, 2, 10),
        "B": datetime(2024, 1, 2, 4),
        "C": datetime(2024, 1, 2, 0, 30),
        "D": datetime(2024, 1, 2),
        "E": datetime(2024, 1, 1, 16),
        "F": datetime(2024, 1, 2, 3),
    }
    assert rows["E"][7] == date(2024, 1, 1) and rows["A"][7] == date(2024, 1, 2)
    assert round(rows["A"][4], 3) == 58.333 and rows["D"][4] == 100.0


def test_at_risk_kpi(queue: Project) -> None:
    found = kpi(queue, "sla_at_risk")
    assert pick(found, "risk", "clocks", "paused", "min_hours_left", "next_due_at") == [
        ("50-75", 2, 1, 3.0, datetime(2024, 1, 2, 3)),
        ("75-90", 1, 0, 4.0, datetime(2024, 1, 2, 4)),
        ("90-100", 2, 0, 0.0, datetime(2024, 1, 2)),
        ("breached", 1, 0, -8.0, None),
    ]
    groups = kpi(queue, "sla_at_risk", by=["group", "risk"], priority="P3")
    assert pick(groups, "group", "risk", "clocks") == [
        ("L1", "50-75", 1),  # A
        ("L1", "75-90", 1),  # B
        ("L2", "90-100", 1),  # D
    ]


def test_days_are_local_days(tmp_path: Path) -> None:
    """In Tokyo (UTC+9) T2's resolution, stopped 01-03 22:00 UTC, counts on 01-04 (07:00
    local); T4's breach at 01-03 10:00 UTC stays on 01-03 (19:00); the others stay on their
    days (T1 21:00, T7 19:00, T3 18:00, T6 17:00)."""
    project = build_project(tmp_path, {"events.csv": DESK}, settings="timezone: Asia/Tokyo")
    found = kpi(project, "sla_attainment", by=["day"], metric="resolution")
    assert pick(found, "day", "achieved", "breached", "cancelled") == [
        (date(2024, 1, 1), 1, 0, 0),
        (date(2024, 1, 3), 0, 1, 0),
        (date(2024, 1, 4), 0, 1, 1),
        (date(2024, 1, 5), 1, 0, 0),
        (date(2024, 1, 9), 1, 0, 0),
    ]
