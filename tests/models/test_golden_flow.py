"""Golden tests for the process-flow models (models/flow) and the lifecycle models
(models/lifecycle): small hand-written exports whose expected values are worked out by hand
from the rules in the models' header comments (the arithmetic is in the comments).

``flow`` (eventlog, source ``desk``): T1..T4 (priority High = P2, group Desk) walk through
statuses; H1..H7 (Low = P4) carry no status, only groups, assignees and support levels.

  ticket  statuses (hours in each)                                    first -> last event
  T1      New 2 (a repeated New merges), In Progress 4, Awaiting      01-01 08:00 -> 01-02 12:00
          Customer 18, In Progress 4, Resolved (current)              = 28 h
  T2      New 6, In Progress 2, Resolved 16, Closed (current)         01-01 09:00 -> 01-02 09:00 = 24 h
  T3      New 1, In Progress 10, Resolved 0, Closed (current)         01-02 08:00 -> 19:00 = 11 h
  T4      New 10, In Progress 12, Resolved (current)                  01-03 08:00 -> 01-04 06:00 = 22 h
  H1..H7  -                                                           3, 2, 3, 1, 2, 1, 1 h

``snap`` (snapshots, source ``snap``), daily files 01-01, 01-02, 01-03 (all 2024):

  ticket  created      rows (lastModifiedTimeUtc, _ts lag)          in snapshots
  S1      01-01 08:00  01-01 10:00 (+30 s), 01-02 09:00 (+90 s)     01-01, 01-02 -> vanished
  S4      01-01 12:00  01-01 13:00 (+75 s)                          01-01        -> vanished
  S2      01-02 12:00  01-02 14:00 (+60 s), the same row again      01-02, 01-03 -> open
  S3      01-03 06:00  01-03 08:00 (+120 s)                         01-03        -> open

Each snapshot row adds a ``seen`` event at the end of its day, so the last snapshot is at
01-04 00:00 and so is the source's as-of time (its last event).
"""

from __future__ import annotations

import math
from datetime import datetime

import pytest

from tests.models.conftest import Builder, build_project, rows
from ticketlake import Project

HEADER = "case_id,timestamp,event_type,status,sub_status,assignment_group,assignee,support_level,priority\n"  # fmt: skip
LOG = (
    HEADER
    + """\
T1,2024-01-01T08:00:00Z,created,New,,Desk,,,High
T1,2024-01-01T09:00:00Z,status_change,New,,Desk,,,High
T1,2024-01-01T10:00:00Z,first_response,In Progress,,Desk,,,High
T1,2024-01-01T11:00:00Z,updated,,,Desk,,,High
T1,2024-01-01T14:00:00Z,status_change,Awaiting Customer,,Desk,,,High
T1,2024-01-02T08:00:00Z,status_change,In Progress,,Desk,,,High
T1,2024-01-02T12:00:00Z,resolved,Resolved,,Desk,,,High
T2,2024-01-01T09:00:00Z,created,New,,Desk,,,High
T2,2024-01-01T15:00:00Z,first_response,In Progress,,Desk,,,High
T2,2024-01-01T17:00:00Z,resolved,Resolved,,Desk,,,High
T2,2024-01-02T09:00:00Z,closed,Closed,,Desk,,,High
T3,2024-01-02T08:00:00Z,created,New,,Desk,,,High
T3,2024-01-02T09:00:00Z,first_response,In Progress,,Desk,,,High
T3,2024-01-02T19:00:00Z,closed,Closed,,Desk,,,High
T3,2024-01-02T19:00:00Z,resolved,Resolved,,Desk,,,High
T4,2024-01-03T08:00:00Z,created,New,,Desk,,,High
T4,2024-01-03T18:00:00Z,first_response,In Progress,,Desk,,,High
T4,2024-01-04T06:00:00Z,resolved,Resolved,,Desk,,,High
H1,2024-01-05T08:00:00Z,created,,,A,ann,L1,Low
H1,2024-01-05T09:00:00Z,updated,,,A,bob,L1,Low
H1,2024-01-05T10:00:00Z,reassigned,,,B,bob,L1,Low
H1,2024-01-05T11:00:00Z,reassigned,,,A,ann,L1,Low
H2,2024-01-05T08:00:00Z,created,,,A,ann,L1,Low
H2,2024-01-05T09:00:00Z,updated,,,A,,L1,Low
H2,2024-01-05T10:00:00Z,reassigned,,,B,ann,L2,Low
H3,2024-01-05T08:00:00Z,created,,,A,ann,L1,Low
H3,2024-01-05T09:00:00Z,reassigned,,,B,bob,L2,Low
H3,2024-01-05T10:00:00Z,reassigned,,,C,cid,L3,Low
H3,2024-01-05T11:00:00Z,reassigned,,,A,ann,L3,Low
H4,2024-01-05T08:00:00Z,created,,,,,L2,Low
H4,2024-01-05T09:00:00Z,updated,,,,,L3,Low
H5,2024-01-05T08:00:00Z,created,,,A,,L1,Low
H5,2024-01-05T09:00:00Z,updated,,,A,,L2,Low
H5,2024-01-05T10:00:00Z,updated,,,A,,L1,Low
H6,2024-01-05T08:00:00Z,created,,,A,,L1,Low
H6,2024-01-05T09:00:00Z,updated,,,A,,L3,Low
H7,2024-01-05T08:00:00Z,created,,,A,ann,,Low
H7,2024-01-05T09:00:00Z,updated,,,B,ann,,Low
"""
)

SNAPSHOT_HEADER = "_ts,issueId,id,customerId,lastModified,createdTimeUtc,lastModifiedTimeUtc\n"
CREATED = {
    "S1": "2024-01-01T08:00:00Z",
    "S2": "2024-01-02T12:00:00Z",
    "S3": "2024-01-03T06:00:00Z",
    "S4": "2024-01-01T12:00:00Z",
}


def _snapshot_row(ticket: str, modified: str, lag_seconds: int) -> str:
    """One snapshot row whose ``_ts`` is ``lag_seconds`` after the user's modification."""
    recorded = int(datetime.fromisoformat(modified).timestamp()) + lag_seconds
    return f"{recorded},{ticket},id-{ticket},cust,{modified},{CREATED[ticket]},{modified}\n"


SNAPSHOTS = {
    "20240101.csv": SNAPSHOT_HEADER
    + _snapshot_row("S1", "2024-01-01T10:00:00Z", 30)
    + _snapshot_row("S4", "2024-01-01T13:00:00Z", 75),
    "20240102.csv": SNAPSHOT_HEADER
    + _snapshot_row("S1", "2024-01-02T09:00:00Z", 90)
    + _snapshot_row("S2", "2024-01-02T14:00:00Z", 60),
    # S2 did not change: the same update again, kept once (with its first _ts)
    "20240103.csv": SNAPSHOT_HEADER
    + _snapshot_row("S2", "2024-01-02T14:00:00Z", 60)
    + _snapshot_row("S3", "2024-01-03T08:00:00Z", 120),
}

TICKETS = """\
ticket_id,created_at,resolved_at,status,priority,queue,support_level,agent
K1,2024-01-01 08:00:00,2024-01-01 12:00:00,Resolved,High,Desk,L1,ann
K2,2024-01-01 09:00:00,,In Progress,Low,Desk,L2,bob
"""


@pytest.fixture(scope="module")
def flow(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The event log above, built once for the module."""
    return build_project(tmp_path_factory.mktemp("golden_flow"), {"events.csv": LOG})


@pytest.fixture(scope="module")
def snap(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The daily snapshots above, built once for the module."""
    root = tmp_path_factory.mktemp("golden_lifecycle")
    return build_project(root, SNAPSHOTS, fmt="snapshots", source="snap")


def _by_ticket(project: Project, sql: str) -> dict[object, tuple[object, ...]]:
    """Rows of ``sql`` keyed by their first column."""
    return {r[0]: r[1:] for r in rows(project, sql)}


# -- time in status ------------------------------------------------------------------------


def test_stays_of_one_ticket(flow: Project) -> None:
    """T1: the repeated New at 09:00 extends the first stay, the status-less update at 11:00
    changes nothing, In Progress counts twice, and Resolved is the current stay."""
    found = rows(flow, "SELECT stay_number, status, status_category, entered_at, left_at, "
                       "next_status, hours FROM flow_status_interval "
                       "WHERE ticket_id = 'T1' ORDER BY stay_number")  # fmt: skip
    assert found == [
        (1, "New", "new", datetime(2024, 1, 1, 8), datetime(2024, 1, 1, 10), "In Progress", 2.0),
        (2, "In Progress", "open", datetime(2024, 1, 1, 10), datetime(2024, 1, 1, 14),
         "Awaiting Customer", 4.0),  # 10:00 -> 14:00 (the 11:00 update has no status)
        (3, "Awaiting Customer", "pending", datetime(2024, 1, 1, 14), datetime(2024, 1, 2, 8),
         "In Progress", 18.0),  # 14:00 -> next day 08:00
        (4, "In Progress", "open", datetime(2024, 1, 2, 8), datetime(2024, 1, 2, 12),
         "Resolved", 4.0),
        (5, "Resolved", "resolved", datetime(2024, 1, 2, 12), None, None, None),
    ]  # fmt: skip


def test_resolution_before_closure_at_the_same_instant(flow: Project) -> None:
    """T3 is resolved and closed at 19:00, the closure written first in the file: resolution
    still comes first, so Resolved is a stay of 0 h and Closed the current one."""
    found = rows(flow, "SELECT status, hours FROM flow_status_interval WHERE ticket_id = 'T3' "
                       "ORDER BY stay_number")  # fmt: skip
    assert found == [("New", 1.0), ("In Progress", 10.0), ("Resolved", 0.0), ("Closed", None)]


def test_tickets_without_statuses_have_no_stays(flow: Project) -> None:
    """H1..H7 never name a status: no stays, no variant, no status changes."""
    assert rows(flow, "SELECT count(*) FROM flow_status_interval WHERE ticket_id LIKE 'H%'") == [
        (0,)
    ]
    found = rows(flow, "SELECT DISTINCT variant, status_changes FROM flow_ticket "
                       "WHERE ticket_id LIKE 'H%'")  # fmt: skip
    assert found == [(None, 0)]


def test_time_in_status_per_status(flow: Project) -> None:
    """Completed stays per status (current stays apart); p90 interpolates linearly at
    position 0.9 * (n - 1) of the sorted hours.

    New:         T1 2, T2 6, T3 1, T4 10 -> [1, 2, 6, 10]: total 19, mean 4.75,
                 median (2 + 6) / 2 = 4, p90 at 2.7: 6 + 0.7 * (10 - 6) = 8.8
    In Progress: T1 4 and 4, T2 2, T3 10, T4 12 -> [2, 4, 4, 10, 12] on 4 tickets: total 32,
                 mean 6.4, median 4, p90 at 3.6: 10 + 0.6 * (12 - 10) = 11.2
    Awaiting Customer: T1 18
    Resolved:    T2 16, T3 0 -> [0, 16]: total 16, mean 8, median 8, p90 at 0.9: 14.4;
                 T1 and T4 are still resolved (2 current stays)
    Closed:      no completed stay; T2 and T3 are closed (2 current stays)
    """
    found = rows(flow, "SELECT status, status_category, stays, tickets, total_hours, mean_hours, "
                       "median_hours, p90_hours, current_stays FROM flow_time_in_status "
                       "ORDER BY status")  # fmt: skip
    assert found == [
        ("Awaiting Customer", "pending", 1, 1, 18.0, 18.0, 18.0, 18.0, 0),
        ("Closed", "closed", 0, 0, None, None, None, None, 2),
        ("In Progress", "open", 5, 4, 32.0, 6.4, 4.0, pytest.approx(11.2), 0),
        ("New", "new", 4, 4, 19.0, 4.75, 4.0, pytest.approx(8.8), 0),
        ("Resolved", "resolved", 2, 2, 16.0, 8.0, 8.0, pytest.approx(14.4), 2),
    ]


def test_transition_matrix(flow: Project) -> None:
    """Moves between statuses and the median hours spent in the first one:
    New -> In Progress: T1 2, T2 6, T3 1, T4 10 -> median (2 + 6) / 2 = 4;
    In Progress -> Resolved: T1 4 (second stay), T2 2, T3 10, T4 12 -> median (4 + 10) / 2 = 7;
    Resolved -> Closed: T2 16, T3 0 -> median 8."""
    found = rows(flow, "SELECT from_status, to_status, transitions, median_hours "
                       "FROM flow_transitions ORDER BY from_status, to_status")  # fmt: skip
    assert found == [
        ("Awaiting Customer", "In Progress", 1, 18.0),
        ("In Progress", "Awaiting Customer", 1, 4.0),
        ("In Progress", "Resolved", 4, 7.0),
        ("New", "In Progress", 4, 4.0),
        ("Resolved", "Closed", 2, 8.0),
    ]


# -- handoffs, ping-pong, tiered support ---------------------------------------------------


def test_handoffs_and_ping_pong(flow: Project) -> None:
    """Group path with repeats collapsed; ping-pong when a group equals the one two steps back
    in that path. Assignee changes skip rows without an assignee."""
    found = _by_ticket(flow, "SELECT ticket_id, group_changes, assignee_changes, group_path, "
                             "ping_pong FROM flow_ticket")  # fmt: skip
    assert found == {
        "H1": (2, 2, "A > B > A", True),  # A, A, B, A; ann, bob, bob, ann
        "H2": (1, 0, "A > B", False),  # A, A, B is no ping-pong; ann, -, ann is no change
        "H3": (3, 3, "A > B > C > A", False),  # A is three steps back, not two
        "H4": (0, 0, None, None),  # no group at all: not judged
        "H5": (0, 0, "A", False),
        "H6": (0, 0, "A", False),
        "H7": (1, 0, "A > B", False),
        "T1": (0, 0, "Desk", False),
        "T2": (0, 0, "Desk", False),
        "T3": (0, 0, "Desk", False),
        "T4": (0, 0, "Desk", False),
    }


def test_tiered_support_conformance(flow: Project) -> None:
    """Start at level 1 and climb one level at a time (repeats collapsed); no level at all
    gives NULL."""
    found = _by_ticket(flow, "SELECT ticket_id, level_path, tier_conformant FROM flow_ticket")
    assert found == {
        "H1": ("L1", True),
        "H2": ("L1 > L2", True),  # L1, L1, L2
        "H3": ("L1 > L2 > L3", True),  # L1, L2, L3, L3
        "H4": ("L2 > L3", False),  # starts at level 2
        "H5": ("L1 > L2 > L1", False),  # steps down
        "H6": ("L1 > L3", False),  # skips level 2
        "H7": (None, None),
        "T1": (None, None),
        "T2": (None, None),
        "T3": (None, None),
        "T4": (None, None),
    }


# -- variants and throughput ---------------------------------------------------------------


def test_variants(flow: Project) -> None:
    """Four tickets have a status path; T2 and T3 share theirs: 2 / 4 = 50%, median
    throughput (24 + 11) / 2 = 17.5 h."""
    found = rows(flow, "SELECT variant, tickets, share_pct, median_throughput_hours "
                       "FROM flow_variants ORDER BY variant")  # fmt: skip
    assert found == [
        ("New > In Progress > Awaiting Customer > In Progress > Resolved", 1, 25.0, 28.0),
        ("New > In Progress > Resolved", 1, 25.0, 22.0),
        ("New > In Progress > Resolved > Closed", 2, 50.0, 17.5),
    ]


def test_throughput_per_ticket(flow: Project) -> None:
    """First to last event, in hours."""
    found = _by_ticket(flow, "SELECT ticket_id, throughput_hours FROM flow_ticket")
    assert found == {
        "T1": (28.0,), "T2": (24.0,), "T3": (11.0,), "T4": (22.0,),
        "H1": (3.0,), "H2": (2.0,), "H3": (3.0,), "H4": (1.0,), "H5": (2.0,), "H6": (1.0,),
        "H7": (1.0,),
    }  # fmt: skip


def test_flow_summary(flow: Project) -> None:
    """11 tickets; throughput sorted 1, 1, 1, 2, 2, 3, 3, 11, 22, 24, 28 (sum 98): mean 98 / 11,
    median the 6th value 3, p90 at position 0.9 * 10 = 9: 24, max 28. Group handoffs on H1, H2,
    H3, H7 (2 + 1 + 3 + 1 = 7 changes), assignee changes 2 + 3 = 5; ten tickets have a group
    path (all but H4), one ping-pong (H1): 10 %; six tickets have levels (H1..H6), three
    conform."""
    [found] = rows(flow, "SELECT * EXCLUDE (source) FROM flow_summary")
    assert found == (
        11,
        pytest.approx(98 / 11),
        3.0,
        pytest.approx(24.0),
        28.0,
        4,
        pytest.approx(7 / 11),
        pytest.approx(5 / 11),
        10,
        1,
        pytest.approx(10.0),
        6,
        3,
        50.0,
    )


def test_row_per_ticket_exports_have_no_flow(build_mart: Builder) -> None:
    """A ``tickets`` export shows one status per row, not a path: its milestone events (the
    latest one carries the status) feed the mart but no flow model."""
    project = build_mart({"tickets.csv": TICKETS}, fmt="tickets")
    assert rows(project, "SELECT count(DISTINCT ticket_id) FROM fact_ticket_event "
                         "WHERE status IS NOT NULL") == [(2,)]  # fmt: skip
    for table in ("flow_status_interval", "flow_ticket", "flow_variants", "flow_summary"):
        assert rows(project, f"SELECT count(*) FROM {table}") == [(0,)], table


# -- lifecycle -----------------------------------------------------------------------------


def test_vanished_and_open_tickets(snap: Project) -> None:
    """S1 and S4 are missing from the last snapshot: vanished, their life ending at their last
    modification. S2 and S3 are in it: open, aged to the as-of time 01-04 00:00."""
    found = _by_ticket(snap, "SELECT ticket_id, ended_by, vanished, ended_at, modifications, "
                             "lifetime_hours, open_age_hours FROM lifecycle_ticket")  # fmt: skip
    assert found == {
        # 01-01 08:00 -> 01-02 09:00 = 25 h; created, 01-01 10:00, 01-02 09:00
        "S1": ("vanished", True, datetime(2024, 1, 2, 9), 3, 25.0, None),
        "S2": ("open", False, None, 2, None, 36.0),  # 01-02 12:00 -> 01-04 00:00
        "S3": ("open", False, None, 2, None, 18.0),  # 01-03 06:00 -> 01-04 00:00
        "S4": ("vanished", True, datetime(2024, 1, 1, 13), 2, 1.0, None),  # 12:00 -> 13:00
    }


def test_update_intervals(snap: Project) -> None:
    """Gaps between distinct modification times, creation included; S2's repeated row is the
    same modification."""
    found = rows(snap, "SELECT ticket_id, interval_hours FROM lifecycle_update_interval "
                       "ORDER BY ticket_id, modified_at")  # fmt: skip
    assert found == [
        ("S1", 2.0),  # 08:00 -> 10:00
        ("S1", 23.0),  # 01-01 10:00 -> 01-02 09:00
        ("S2", 2.0),  # 12:00 -> 14:00
        ("S3", 2.0),  # 06:00 -> 08:00
        ("S4", 1.0),  # 12:00 -> 13:00
    ]


def test_system_lag(snap: Project) -> None:
    """_ts - lastModifiedTimeUtc per update; S2's update counts once."""
    found = rows(snap, "SELECT ticket_id, lag_seconds FROM lifecycle_lag "
                       "ORDER BY ticket_id, modified_at")  # fmt: skip
    assert found == [("S1", 30.0), ("S1", 90.0), ("S2", 60.0), ("S3", 120.0), ("S4", 75.0)]


def test_lifecycle_summary(snap: Project) -> None:
    """Lifetimes [1, 25]: mean 13, max 25, p95 1 + 0.95 * 24 = 23.8. Intervals [2, 23, 2, 2, 1]:
    mean 30 / 5 = 6, median 2. Lags [30, 90, 60, 120, 75]: mean 375 / 5 = 75, deviations
    -45, 15, -15, 45, 0: sample variance 4500 / 4 = 1125."""
    [found] = rows(snap, "SELECT * EXCLUDE (source) FROM lifecycle_summary")
    assert found == (
        4,  # tickets
        0,  # closed
        0,  # cancelled
        2,  # vanished
        2,  # still open
        13.0,
        25.0,
        pytest.approx(23.8),
        5,
        6.0,
        2.0,
        5,
        75.0,
        pytest.approx(math.sqrt(1125)),
    )


def _kernel(z: float) -> float:
    """The standard normal density."""
    return math.exp(-z * z / 2) / math.sqrt(2 * math.pi)


def test_lifetime_distribution(snap: Project) -> None:
    """Lifetimes 1 and 25: 20 bins of (25 - 1) / 20 = 1.2 h; 1 falls in bin 1, 25 (the
    maximum) in bin 20. Bandwidth 1.06 * sd * 2^-0.2 with sd = sqrt((12^2 + 12^2) / 1); the
    density at bin 1's centre 1.6 is the mean of the two Gaussian kernels there."""
    found = rows(snap, "SELECT bin, bin_start, bin_end, values_in_bin, kde_density, kde_count "
                       "FROM lifecycle_distribution WHERE measure = 'lifetime_hours' "
                       "AND dimension = 'all' ORDER BY bin")  # fmt: skip
    assert [r[0] for r in found] == list(range(1, 21))
    assert [r[3] for r in found] == [1] + [0] * 18 + [1]
    assert found[0][1:3] == (1.0, pytest.approx(2.2))
    assert found[19][1:3] == (pytest.approx(23.8), 25.0)
    bandwidth = 1.06 * math.sqrt(288) * 2**-0.2  # ~ 15.66
    density = (_kernel((1.6 - 1) / bandwidth) + _kernel((1.6 - 25) / bandwidth)) / (2 * bandwidth)
    assert found[0][4] == pytest.approx(density, rel=1e-9)  # ~ 0.0169
    assert found[0][5] == pytest.approx(density * 2 * 1.2, rel=1e-9)  # n * bin width


def test_distribution_counts_add_up(snap: Project) -> None:
    """Every measure has 20 bins whose counts sum to its number of values, for the whole
    source and for each customer (the snapshots' only dimension: S1..S4 have four customers
    between them, so each customer's bins hold that customer's values)."""
    found = rows(snap, "SELECT measure, count(*), sum(values_in_bin) FROM lifecycle_distribution "
                       "WHERE dimension = 'all' GROUP BY measure ORDER BY measure")  # fmt: skip
    assert found == [
        ("lifetime_hours", 20, 2),
        ("system_lag_seconds", 20, 5),
        ("update_interval_hours", 20, 5),
    ]
    by_customer = rows(snap, "SELECT measure, sum(values_in_bin), count(*) % 20 "
                             "FROM lifecycle_distribution WHERE dimension = 'customer' "
                             "GROUP BY measure ORDER BY measure")  # fmt: skip
    assert by_customer == [("lifetime_hours", 2, 0), ("system_lag_seconds", 5, 0),
                           ("update_interval_hours", 5, 0)]  # fmt: skip


# -- the KPI catalog -----------------------------------------------------------------------


def test_catalog_time_in_status(flow: Project) -> None:
    """``kpi("time_in_status", by=["status"])`` gives the figures of flow_time_in_status."""
    table = flow.kpi("time_in_status", by=["status"]).to_pylist()
    found = [(r["status"], r["stays"], r["total_hours"], r["median_hours"], r["current_stays"])
             for r in table]  # fmt: skip
    assert found == [
        ("Awaiting Customer", 1, 18.0, 18.0, 0),
        ("Closed", 0, None, None, 2),
        ("In Progress", 5, 32.0, 4.0, 0),
        ("New", 4, 19.0, 4.0, 0),
        ("Resolved", 2, 16.0, 8.0, 2),
    ]


def test_catalog_flow_by_priority(flow: Project) -> None:
    """P2 = T1..T4: throughput 11, 22, 24, 28 (mean 85 / 4, median (22 + 24) / 2 = 23), no
    handoffs or levels. P4 = H1..H7: throughput 1, 1, 1, 2, 2, 3, 3 (mean 13 / 7, median 2),
    7 group changes on 7 tickets, 5 assignee changes, one ping-pong, 3 of 6 conform."""
    table = {r["priority"]: r for r in flow.kpi("flow", by=["priority"]).to_pylist()}
    assert set(table) == {"P2", "P4"}
    p2, p4 = table["P2"], table["P4"]
    assert (p2["tickets"], p2["mean_throughput_hours"], p2["median_throughput_hours"]) == (
        4, 21.25, 23.0)  # fmt: skip
    assert (p2["tickets_with_group_handoffs"], p2["ping_pong_tickets"], p2["tiered_tickets"],
            p2["conformance_pct"]) == (0, 0, 0, None)  # fmt: skip
    assert (p4["tickets"], p4["mean_throughput_hours"], p4["median_throughput_hours"]) == (
        7, pytest.approx(13 / 7), 2.0)  # fmt: skip
    assert (p4["tickets_with_group_handoffs"], p4["mean_group_changes"],
            p4["mean_assignee_changes"], p4["ping_pong_tickets"], p4["tiered_tickets"],
            p4["conformant_tickets"], p4["conformance_pct"]) == (
        4, 1.0, pytest.approx(5 / 7), 1, 6, 3, 50.0)  # fmt: skip


def test_catalog_variant_shares(flow: Project) -> None:
    """``kpi("variants")``: one row per variant, shares summing to 100."""
    table = flow.kpi("variants").to_pylist()
    assert sorted((r["variant"], r["tickets"], r["share_pct"]) for r in table) == [
        ("New > In Progress > Awaiting Customer > In Progress > Resolved", 1, 25.0),
        ("New > In Progress > Resolved", 1, 25.0),
        ("New > In Progress > Resolved > Closed", 2, 50.0),
    ]
    assert sum(r["share_pct"] for r in table) == pytest.approx(100.0)


LEVELS = (
    HEADER
    + """\
V1,2024-01-01T08:00:00Z,created,,,A,,L1,Low
V1,2024-01-01T09:00:00Z,updated,,,A,,Tier 1,Low
V1,2024-01-01T10:00:00Z,updated,,,B,,Level 2 support,Low
V2,2024-01-01T08:00:00Z,created,,,A,,L1,Low
V2,2024-01-01T09:00:00Z,updated,,,B,,Escalation desk,Low
"""
)


def test_tiers_are_the_digits_of_the_level(build_mart: Builder) -> None:
    """V1: L1 then "Tier 1" is one stay at tier 1, then tier 2: conformant, and the path shows
    the first label of each tier. V2: "Escalation desk" has no digits, so V2 is not judged."""
    project = build_mart({"events.csv": LEVELS})
    found = rows(project, "SELECT ticket_id, level_path, tier_conformant FROM flow_ticket "
                          "ORDER BY 1")  # fmt: skip
    assert found == [("V1", "L1 > Level 2 support", True),
                     ("V2", "L1 > Escalation desk", None)]  # fmt: skip
