"""Golden tests for local days: three sources of one project in Europe/Berlin (the project's
zone), America/New_York and UTC, with tickets around both daylight-saving changes. Every
expected day is worked out by hand from the UTC instants (the arithmetic is in the comments).

Offsets: Berlin +1 (CET) until 2024-03-31 01:00Z, +2 (CEST) until 2024-10-27 01:00Z, then +1;
New York -5 (EST) until 2024-03-10 07:00Z, -4 (EDT) until 2024-11-03 06:00Z, then -5.

  ticket  source  created (UTC)     local created     resolved (UTC)    local resolved
  B1      berlin  03-31 22:30       04-01 00:30 CEST  04-02 21:59       04-02 23:59
  B2      berlin  03-30 23:30       03-31 00:30 CET   04-01 10:00       04-01 12:00
  B3      berlin  10-26 22:30       10-27 00:30 CEST  10-27 23:30       10-28 00:30 CET
  N1      ny      03-10 04:30       03-09 23:30 EST   03-11 03:30       03-10 23:30 EDT
  N2      ny      11-03 05:30       11-03 01:30 EDT   11-04 04:30       11-03 23:30 EST
  U1      utc     03-31 22:30       03-31 22:30       04-01 00:30       04-01 00:30
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
import yaml

from tests.models.conftest import rows
from ticketlake import Project

HEADER = "case_id,timestamp,event_type,status,assignment_group,assignee,priority\n"
LOGS = {
    "berlin": """\
B1,2024-03-31T22:30:00Z,created,New,L1,ann,Medium
B1,2024-04-02T21:59:00Z,resolved,Resolved,L1,ann,Medium
B2,2024-03-30T23:30:00Z,created,New,L1,ann,Medium
B2,2024-04-01T10:00:00Z,resolved,Resolved,L1,ann,Medium
B3,2024-10-26T22:30:00Z,created,New,L1,ann,Medium
B3,2024-10-27T23:30:00Z,resolved,Resolved,L1,ann,Medium
""",
    "ny": """\
N1,2024-03-10T04:30:00Z,created,New,L1,bob,Medium
N1,2024-03-11T03:30:00Z,resolved,Resolved,L1,bob,Medium
N2,2024-11-03T05:30:00Z,created,New,L1,bob,Medium
N2,2024-11-04T04:30:00Z,resolved,Resolved,L1,bob,Medium
""",
    "utc": """\
U1,2024-03-31T22:30:00Z,created,New,L1,cid,Medium
U1,2024-04-01T00:30:00Z,resolved,Resolved,L1,cid,Medium
""",
}
ZONES = {"ny": "America/New_York", "utc": "UTC"}  # berlin takes the project's zone


def build(root: Path, timezone: str, zones: dict[str, str], settings: str = "") -> Project:
    """The three logs as sources ``berlin``, ``ny`` and ``utc`` (a source without a zone in
    ``zones`` takes the project's ``timezone``), ingested and built."""
    sources = []
    for name, body in LOGS.items():
        folder = root / "exports" / name
        folder.mkdir(parents=True)
        (folder / "events.csv").write_text(HEADER + body, encoding="utf-8")
        source = {"name": name, "format": "eventlog", "path": f"exports/{name}"}
        sources.append(source | ({"timezone": zones[name]} if name in zones else {}))
    config = Project(root).init()
    text = yaml.safe_load(config.read_text(encoding="utf-8"))
    text.update(timezone=timezone, sources=sources, **(yaml.safe_load(settings) or {}))
    config.write_text(yaml.safe_dump(text, sort_keys=False), encoding="utf-8")
    project = Project(root)
    for name in LOGS:
        assert not project.ingest(source=name).failed
    project.build()
    return project


@pytest.fixture(scope="module")
def zoned(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return build(tmp_path_factory.mktemp("zoned"), "Europe/Berlin", ZONES)


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return build(tmp_path_factory.mktemp("plain"), "UTC", {})


def test_each_ticket_carries_its_sources_zone(zoned: Project) -> None:
    """berlin has no zone of its own: it takes the project's."""
    assert rows(zoned, "SELECT DISTINCT source, timezone FROM fact_ticket ORDER BY 1") == [
        ("berlin", "Europe/Berlin"), ("ny", "America/New_York"), ("utc", "UTC")]  # fmt: skip
    assert rows(zoned, "SELECT * FROM cfg_source_zones ORDER BY 1") == [
        ("berlin", "Europe/Berlin"), ("ny", "America/New_York"), ("utc", "UTC")]  # fmt: skip


def test_ticket_days_are_local(zoned: Project) -> None:
    """The table in the module docstring: created, first resolved and resolved days."""
    found = rows(zoned, "SELECT ticket_id, created_date, first_resolved_date, resolved_date "
                        "FROM fact_ticket ORDER BY 1")  # fmt: skip
    d = date
    assert found == [
        ("B1", d(2024, 4, 1), d(2024, 4, 2), d(2024, 4, 2)),  # 22:30Z is 00:30 CEST
        ("B2", d(2024, 3, 31), d(2024, 4, 1), d(2024, 4, 1)),  # 23:30Z before the change: CET
        ("B3", d(2024, 10, 27), d(2024, 10, 28), d(2024, 10, 28)),  # CEST, then CET
        ("N1", d(2024, 3, 9), d(2024, 3, 10), d(2024, 3, 10)),  # EST, then EDT
        ("N2", d(2024, 11, 3), d(2024, 11, 3), d(2024, 11, 3)),  # EDT, then EST
        ("U1", d(2024, 3, 31), d(2024, 4, 1), d(2024, 4, 1)),  # UTC days
    ]


def test_event_days_are_local(zoned: Project) -> None:
    found = rows(zoned, "SELECT ticket_id, event_type, event_date FROM fact_ticket_event "
                        "WHERE ticket_id IN ('B1', 'N1') ORDER BY 1, event_number")  # fmt: skip
    assert found == [
        ("B1", "created", date(2024, 4, 1)),
        ("B1", "resolved", date(2024, 4, 2)),
        ("N1", "created", date(2024, 3, 9)),
        ("N1", "resolved", date(2024, 3, 10)),
    ]


def test_volume_counts_local_days_per_source(zoned: Project) -> None:
    found = rows(zoned, "SELECT source, day, sum(created), sum(resolved) FROM kpi_volume_daily "
                        "GROUP BY ALL ORDER BY 1, 2")  # fmt: skip
    d = date
    assert found == [
        ("berlin", d(2024, 3, 31), 1, 0), ("berlin", d(2024, 4, 1), 1, 1),
        ("berlin", d(2024, 4, 2), 0, 1), ("berlin", d(2024, 10, 27), 1, 0),
        ("berlin", d(2024, 10, 28), 0, 1),
        ("ny", d(2024, 3, 9), 1, 0), ("ny", d(2024, 3, 10), 0, 1), ("ny", d(2024, 11, 3), 1, 1),
        ("utc", d(2024, 3, 31), 1, 0), ("utc", d(2024, 4, 1), 0, 1),
    ]  # fmt: skip


def test_weeks_are_local_weeks(zoned: Project) -> None:
    """N1 is resolved on Sunday 03-10 in New York (Monday 03-11 in UTC): week of 03-04. B3 on
    Monday 10-28 in Berlin (Sunday 10-27 in UTC): week of 10-28."""
    found = rows(zoned, "SELECT ticket_id, week_start FROM fact_ticket AS f JOIN "
                        "kpi_resolution_time AS k ON k.source = f.source AND "
                        "k.week_start = CAST(date_trunc('week', f.resolved_date) AS DATE) "
                        "WHERE ticket_id IN ('N1', 'B3') ORDER BY 1")  # fmt: skip
    assert found == [("B3", date(2024, 10, 28)), ("N1", date(2024, 3, 4))]
    weeks = rows(zoned, "SELECT source, week_start, resolved_tickets FROM kpi_reopen_rate "
                        "WHERE source = 'ny' ORDER BY 2")  # fmt: skip
    assert weeks == [("ny", date(2024, 3, 4), 1), ("ny", date(2024, 10, 28), 1)]


def test_dim_date_spans_every_local_day(zoned: Project) -> None:
    """From N1's creation (03-09 in New York) to N2's resolution (11-03 in New York)."""
    assert rows(zoned, "SELECT min(date_day), max(date_day), count(*) FROM dim_date") == [
        (date(2024, 3, 9), date(2024, 11, 3), 240)
    ]


def test_cutoff_is_the_project_zones_midnight(zoned: Project) -> None:
    """Cut-off 24: the next local midnight in Berlin, as a UTC instant, across both changes."""
    found = rows(zoned, "SELECT date_day, backlog_cutoff_local, backlog_cutoff_at FROM dim_date "
                        "WHERE date_day IN ('2024-03-30', '2024-03-31', '2024-10-26', "
                        "'2024-10-27') ORDER BY 1")  # fmt: skip
    t = datetime
    assert found == [
        (date(2024, 3, 30), t(2024, 3, 31, 0, 0), t(2024, 3, 30, 23, 0)),  # CET
        (date(2024, 3, 31), t(2024, 4, 1, 0, 0), t(2024, 3, 31, 22, 0)),  # CEST
        (date(2024, 10, 26), t(2024, 10, 27, 0, 0), t(2024, 10, 26, 22, 0)),  # CEST
        (date(2024, 10, 27), t(2024, 10, 28, 0, 0), t(2024, 10, 27, 23, 0)),  # CET
    ]


def test_backlog_is_counted_at_each_sources_local_cutoff(zoned: Project) -> None:
    """Each source's backlog of day d is counted at its own local midnight ending d:
    berlin 03-31 at 03-31 22:00Z: B2 (created 03-30 23:30Z) is open, 22.5 h old; B1 is
    created 30 minutes later. berlin 04-01 at 04-01 22:00Z: B1 open 23.5 h (B2 resolved
    10:00Z). berlin 10-27 at 10-27 23:00Z (CET): B3 open 24.5 h. ny 03-09 at 03-10 05:00Z
    (EST): N1 open 0.5 h; ny 03-10 at 03-11 04:00Z (EDT): N1 resolved at 03:30Z. utc 03-31 at
    04-01 00:00Z: U1 open 1.5 h."""
    found = rows(zoned, "SELECT source, day, age_bucket, open_tickets, "
                        "round(age_days_total * 24, 6) FROM kpi_backlog_daily ORDER BY 1, 2")  # fmt: skip
    assert found == [
        ("berlin", date(2024, 3, 31), "0-1d", 1, 22.5),
        ("berlin", date(2024, 4, 1), "0-1d", 1, 23.5),
        ("berlin", date(2024, 10, 27), "1-3d", 1, 24.5),
        ("ny", date(2024, 3, 9), "0-1d", 1, 0.5),
        ("utc", date(2024, 3, 31), "0-1d", 1, 1.5),
    ]
    held = rows(zoned, "SELECT source, day, agent, open_at_end FROM kpi_agent_load_daily "
                       "WHERE open_at_end > 0 ORDER BY 1, 2")  # fmt: skip
    assert held == [("berlin", date(2024, 3, 31), "ann", 1), ("berlin", date(2024, 4, 1), "ann", 1),
                    ("berlin", date(2024, 10, 27), "ann", 1), ("ny", date(2024, 3, 9), "bob", 1),
                    ("utc", date(2024, 3, 31), "cid", 1)]  # fmt: skip


def test_daily_ops_backlog_follows_the_days_volume(zoned: Project) -> None:
    """With cut-offs at each source's own midnight, a day's backlog is the previous day's plus
    the day's created minus its resolved tickets, per source."""
    found = rows(zoned, """SELECT count(*) FROM (
        SELECT source, day, backlog - coalesce(lag(backlog) OVER (PARTITION BY source ORDER BY day), 0)
            AS change, created - resolved AS net
        FROM kpi_daily_ops) WHERE change <> net""")  # fmt: skip
    assert found == [(0,)]


def test_a_utc_project_keeps_utc_days(plain: Project) -> None:
    """Without zones every day is the UTC day, as before local days: the cast of the instant,
    and the cut-off is midnight ending the day."""
    assert rows(
        plain,
        """SELECT count(*) FROM fact_ticket WHERE timezone <> 'UTC'
        OR created_date IS DISTINCT FROM CAST(created_at AS DATE)
        OR resolved_date IS DISTINCT FROM CAST(resolved_at AS DATE)
        OR first_resolved_date IS DISTINCT FROM CAST(first_resolved_at AS DATE)""",
    ) == [(0,)]
    assert rows(plain, "SELECT count(*) FROM fact_ticket_event "
                       "WHERE event_date <> CAST(event_time AS DATE)") == [(0,)]  # fmt: skip
    assert rows(plain, "SELECT count(*) FROM dim_date WHERE backlog_cutoff_at <> "
                       "CAST(date_day AS TIMESTAMP) + INTERVAL 1 DAY") == [(0,)]  # fmt: skip
    assert rows(plain, "SELECT source, day FROM kpi_volume_daily WHERE source = 'ny' "
                       "ORDER BY 2") == [("ny", date(2024, 3, 10)), ("ny", date(2024, 3, 11)),
                                         ("ny", date(2024, 11, 3)), ("ny", date(2024, 11, 4))]  # fmt: skip
