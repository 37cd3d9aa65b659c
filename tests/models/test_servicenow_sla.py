"""Business-time SLAs on the real ServiceNow audit log against a computation written straight
from the raw CSV (issue 18's acceptance; docs/sla.md#on-the-real-servicenow-log).

The calendar: Monday to Friday 08:00-18:00 in America/Sao_Paulo, Brazil's national holidays
from the ``holidays`` package; the log's times are read as São Paulo's local time (the source's
``timezone``). The policy: resolution in 8, 16, 30 and 50 business hours for P1 to P4, paused
(by default) while the incident awaits the user, evidence, a vendor or a problem.

The expected figures come from DuckDB reading the CSV as text with the loading and milestone
rules of test_servicenow_mart.py (created at ``opened_at``, the final resolution by the rule of
docs/metrics.md) and the status stays of test_servicenow_flow.py, and from Python stepping
over São Paulo's local days with ``zoneinfo`` for the business time: no ticketlake code
computes them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from statistics import median
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import holidays
import pytest
import yaml

from tests.models.test_servicenow_mart import independent
from ticketlake import Project

ZONE = ZoneInfo("America/Sao_Paulo")
OPENS, CLOSES = time(8), time(18)
TARGET_HOURS = {"P1": 8, "P2": 16, "P3": 30, "P4": 50}
PRIORITIES = {"1 - Critical": "P1", "2 - High": "P2", "3 - Moderate": "P3", "4 - Low": "P4"}
CATEGORIES = {"New": "new", "Active": "open", "Awaiting User Info": "pending",
              "Awaiting Evidence": "pending", "Awaiting Vendor": "on_hold",
              "Awaiting Problem": "on_hold", "Resolved": "resolved", "Closed": "closed"}  # fmt: skip
# What stops the resolution clock: the policy's default pauses, and a resolution before a
# reopen (docs/sla.md, rule 4 of SLA policies).
PAUSING = {"pending", "on_hold", "resolved", "closed"}

# The attainment table of docs/sla.md.
DOCUMENTED = {("P1", "achieved"): 67, ("P1", "breached"): 85, ("P2", "achieved"): 160,
              ("P2", "breached"): 99, ("P3", "achieved"): 15_887, ("P3", "breached"): 3_845,
              ("P4", "achieved"): 577, ("P4", "breached"): 49}  # fmt: skip

SETTINGS = {
    "calendars": {
        "sao_paulo": {
            "timezone": "America/Sao_Paulo",
            "hours": {"mon-fri": ["08:00-18:00"]},
            "holidays": {"country": "BR"},
        }
    },
    "sla_policies": [
        {"name": "desk", "resolution": {"hours": TARGET_HOURS, "calendar": "sao_paulo"}}
    ],
}

# Per incident, the priority of its first audit row (lowest sys_mod_count, then update time
# and line) that has one: the priority in force when the clock started.
FIRST_PRIORITY = """
SELECT number, arg_min(priority_label, (mods, updated, line)) AS priority_label
FROM loaded WHERE priority_label IS NOT NULL GROUP BY number"""

# Status stays (as test_servicenow_flow.py): a stay begins at an audit row whose state differs
# from the previous row's and lasts until the next stay begins.
STAYS = """
WITH marked AS (
    SELECT *, lag(label) OVER (PARTITION BY number ORDER BY updated, line) AS before
    FROM loaded WHERE label IS NOT NULL
)
SELECT number, label, updated AS entered,
       lead(updated) OVER (PARTITION BY number ORDER BY updated, line) AS left_at
FROM marked WHERE before IS NULL OR before <> label"""


@pytest.fixture(scope="module")
def sla(tmp_path_factory: pytest.TempPathFactory, servicenow_log: Path) -> Project:
    """The whole log read as São Paulo time, with the calendar and policy above; only
    fact_sla and what it needs are built."""
    root = tmp_path_factory.mktemp("servicenow_sla")
    config = Project(root).init()
    settings = yaml.safe_load(config.read_text(encoding="utf-8"))
    source = {"name": "snow", "format": "servicenow", "path": str(servicenow_log),
              "timezone": "America/Sao_Paulo"}  # fmt: skip
    settings.update(SETTINGS, sources=[source])
    config.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    project = Project(root)
    [batch] = project.ingest(source="snow").batches
    assert batch.status == "committed", batch.reason
    project.build(select="fact_sla")
    return project


@pytest.fixture(scope="module")
def raw(servicenow_log: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The independent milestones (``expected``: local times, as the CSV writes them)."""
    con = independent(servicenow_log)
    yield con
    con.close()


def utc(local: datetime) -> datetime:
    """A time of the log (São Paulo's wall clock) as an instant."""
    return local.replace(tzinfo=ZONE).astimezone(UTC)


class Calendar:
    """Monday to Friday 08:00-18:00 in São Paulo, Brazil's national holidays closed."""

    def __init__(self) -> None:
        self.holidays = holidays.country_holidays("BR", years=range(2015, 2019))

    def open_pieces(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The open parts of the span between two instants, in order: each local day's
        window, converted to UTC on that day, intersected with it."""
        day = start.astimezone(ZONE).date() - timedelta(days=1)
        while day <= end.astimezone(ZONE).date():
            if day.weekday() < 5 and day not in self.holidays:
                opens = datetime.combine(day, OPENS, ZONE).astimezone(UTC)
                closes = datetime.combine(day, CLOSES, ZONE).astimezone(UTC)
                if max(start, opens) < min(end, closes):
                    yield max(start, opens), min(end, closes)
            day += timedelta(days=1)

    def business_seconds(self, start: datetime, end: datetime) -> int:
        """Open seconds between two instants."""
        return sum(int((b - a).total_seconds()) for a, b in self.open_pieces(start, end))

    def reached(self, segments: list[tuple[datetime, datetime]], seconds: int) -> datetime | None:
        """The first instant at which the open time inside ``segments`` (in order, apart)
        reaches ``seconds``; None if it does not."""
        left = timedelta(seconds=seconds)
        for segment in segments:
            for a, b in self.open_pieces(*segment):
                if left <= b - a:
                    return a + left
                left -= b - a
        return None


Span = tuple[datetime, datetime]


@pytest.fixture(scope="module")
def clocks(raw: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, Span, list[Span]]]:
    """Per incident: the priority at the start, the clock's span and its pauses (instants)."""
    rows = raw.execute("SELECT number, created_at, resolved_at FROM expected").fetchall()
    first = dict(raw.execute(FIRST_PRIORITY).fetchall())
    pauses: dict[str, list[Span]] = {n: [] for n, _, _ in rows}
    found = {n: (PRIORITIES[first[n]], (utc(a), utc(b)), pauses[n]) for n, a, b in rows}
    for number, label, entered, left in raw.execute(STAYS).fetchall():
        if CATEGORIES.get(label) not in PAUSING:
            continue
        start, stop = found[number][1]
        begin, end = max(utc(entered), start), min(utc(left) if left else stop, stop)
        if begin < end:
            pauses[number].append((begin, end))
    return found


@pytest.fixture(scope="module")
def expected(
    clocks: dict[str, tuple[str, Span, list[Span]]],
) -> dict[str, tuple[str, int, int, str]]:
    """Per incident: (priority at the start, counted and paused business seconds, stage)."""
    calendar = Calendar()
    found = {}
    for number, (priority, (start, stop), pauses) in clocks.items():
        paused = sum(calendar.business_seconds(a, b) for a, b in pauses)
        counted = calendar.business_seconds(start, stop) - paused
        stage = "achieved" if counted <= TARGET_HOURS[priority] * 3600 else "breached"
        found[number] = (priority, counted, paused, stage)
    return found


def test_every_incident_has_a_stopped_resolution_clock(
    raw: duckdb.DuckDBPyConnection, sla: Project
) -> None:
    """Every incident of the log ends resolved or closed, so each has its final figures."""
    [(open_incidents,)] = raw.execute(
        "SELECT count(*) FROM expected WHERE resolved_at IS NULL"
    ).fetchall()
    assert open_incidents == 0
    [(rows, stopped, policies, metrics)] = sla.query(
        "SELECT count(*), count(stopped_at), count(DISTINCT policy), count(DISTINCT metric) "
        "FROM fact_sla"
    )[1]
    [(incidents,)] = raw.execute("SELECT count(*) FROM expected").fetchall()
    assert (rows, stopped, policies, metrics) == (incidents, incidents, 1, 1)


def test_business_hours_per_incident_match_to_the_second(
    expected: dict[str, tuple[str, int, int, str]], sla: Project
) -> None:
    """Per incident: the priority the target comes from, the counted and the paused business
    seconds, exactly, and the stage."""
    got: dict[Any, Any] = {
        r[0]: r[1:]
        for r in sla.query(
            "SELECT ticket_id, priority, elapsed_business_seconds, paused_business_seconds, "
            "stage FROM fact_sla"
        )[1]
    }
    assert set(got) == set(expected)
    differ = sorted(n for n in got if got[n] != expected[n])
    assert not differ, [(n, got[n], expected[n]) for n in differ[:5]]
    assert sum(1 for _, _, paused, _ in expected.values() if paused) == 5_313  # docs/sla.md


def test_attainment_by_priority_matches(
    expected: dict[str, tuple[str, int, int, str]], sla: Project
) -> None:
    """Achieved and breached counts per priority, exactly."""
    want = sorted(Counter((p, stage) for p, _, _, stage in expected.values()).items())
    got = sla.query(
        "SELECT priority, stage, count(*) FROM fact_sla GROUP BY ALL ORDER BY priority, stage"
    )[1]
    assert [((p, stage), n) for p, stage, n in got] == want
    assert dict(want) == DOCUMENTED
    medians = {
        p: round(median(c / 3600 for q, c, _, _ in expected.values() if q == p), 2)
        for p in TARGET_HOURS
    }
    assert medians == {"P1": 11.17, "P2": 9.33, "P3": 3.4, "P4": 0.31}  # docs/sla.md


def test_the_breach_instant_per_incident_matches(
    clocks: dict[str, tuple[str, Span, list[Span]]],
    expected: dict[str, tuple[str, int, int, str]],
    sla: Project,
) -> None:
    """Per breached incident, the instant its counted time reached the target, stepping
    through the clock's parts outside its pauses; none for the achieved ones."""
    calendar = Calendar()
    want: dict[str, datetime | None] = {}
    for number, (priority, (start, stop), pauses) in clocks.items():
        if expected[number][3] != "breached":
            want[number] = None
            continue
        segments, at = [], start
        for a, b in sorted(pauses):
            if at < a:
                segments.append((at, a))
            at = max(at, b)
        segments.append((at, stop))
        reached = calendar.reached(segments, TARGET_HOURS[priority] * 3600)
        assert reached is not None and reached < stop, number
        want[number] = reached.replace(tzinfo=None)
    got = {r[0]: r[1] for r in sla.query("SELECT ticket_id, breach_at FROM fact_sla")[1]}
    differ = sorted(n for n in want if got[n] != want[n])
    assert not differ, [(n, got[n], want[n]) for n in differ[:5]]
    assert sum(1 for at in want.values() if at) == 4_078


def test_the_priority_is_the_one_in_force_at_the_start(
    expected: dict[str, tuple[str, int, int, str]], sla: Project
) -> None:
    """Incidents whose priority changed are measured against their first one; fact_ticket
    keeps the current one."""
    now = {r[0]: r[1] for r in sla.query("SELECT ticket_id, priority FROM fact_ticket")[1]}
    changed = [n for n, (priority, *_) in expected.items() if now[n] != priority]
    assert len(changed) == 310  # docs/sla.md


def test_check_compares_made_sla_with_the_resolution_verdict(
    expected: dict[str, tuple[str, int, int, str]],
    raw: duckdb.DuckDBPyConnection,
    sla: Project,
) -> None:
    """``check``'s agreement of ServiceNow's made_sla (its latest row's) with the verdicts
    above."""
    made = dict(raw.execute("SELECT number, made_sla FROM latest").fetchall())
    both = [n for n in expected if made[n] is not None]
    agree = sum(1 for n in both if made[n] == (expected[n][3] == "achieved"))
    [found] = sla.health().agreement
    assert (found.figure, found.vendor, found.both, found.agree) == (
        "made_sla",
        len(both),
        len(both),
        agree,
    )
    assert (agree, len(both)) == (16_251, 20_769)  # docs/sla.md


def test_the_calendar_counts_a_known_week() -> None:
    """The reference calendar itself: Monday 2016-03-21 00:00 to Monday 03-28 00:00 in São
    Paulo holds four open days (Good Friday, 25 March, is a holiday): 40 hours."""
    start = datetime(2016, 3, 21, tzinfo=ZONE).astimezone(UTC)
    end = datetime(2016, 3, 28, tzinfo=ZONE).astimezone(UTC)
    assert Calendar().business_seconds(start, end) == 40 * 3600
    assert date(2016, 3, 25) in Calendar().holidays
