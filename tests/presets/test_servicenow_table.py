"""``servicenow-table``: the incident table (list CSV, REST Table API JSON) against the desk,
against hand-written exports, and auto detection beside the audit log."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.presets.desk import desk, figures
from ticketlake import Project
from ticketlake.sources import FORMATS, detect
from ticketlake.sources.readers import csv_header
from ticketlake.synth import Options, write_shape

FIXTURES = Path(__file__).parent / "fixtures" / "servicenow_table"


@pytest.fixture(scope="module", params=["servicenow-table", "servicenow-table-json"])
def pair(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Project:
    return desk(tmp_path_factory.mktemp(request.param), request.param, "servicenow-table")


def test_desk_figures(pair: Project) -> None:
    events, table = figures(pair, "events"), figures(pair, "preset")
    assert (table.tickets, table.created, table.resolved) == (
        events.tickets, events.created, events.resolved)  # fmt: skip
    assert table.median_resolution_hours == events.median_resolution_hours
    assert table.reopens == events.reopens
    # Forced by the layout: one row per incident is no history, so no time in status and no
    # ping-pong (flow_* read only history formats); docs/sources.md lists it.
    assert events.time_in_status and not table.time_in_status
    assert events.ping_pong > 0 and table.ping_pong == 0


def _project(root: Path, name: str) -> Project:
    project = Project(root)
    project.init()
    project = Project(root)
    outcome = project.ingest([FIXTURES / name], format="servicenow-table")
    assert not outcome.failed
    project.build()
    return project


def test_list_csv_fixture(tmp_path: Path) -> None:
    project = _project(tmp_path, "incident.csv")
    rows = project.query("SELECT ticket_id, status, status_category, priority, resolution_hours, "
                         "reopen_count FROM fact_ticket ORDER BY 1")[1]  # fmt: skip
    assert [tuple(r) for r in rows] == [
        # state 7 -> Closed; priority 2 -> 2 - High; 09:00 -> 13:30 = 4.5 h
        ("INC0010001", "Closed", "closed", "P2", 4.5, 0),
        # state 2 -> In Progress; display value 1 - Critical; open, reopened once
        ("INC0010002", "In Progress", "open", "P1", None, 1),
        # display value Resolved; 2024-03-12 08:00 -> 2024-03-13 08:00 = 24 h
        ("INC0010003", "Resolved", "resolved", "P4", 24.0, 0),
    ]
    with project.read() as con:
        minutes = con.execute(
            "SELECT ticket_id, vendor_resolution_minutes, vendor_resolution_business_minutes "
            "FROM ticket_events WHERE vendor_resolution_minutes > 0 ORDER BY 1"
        ).fetchall()
    # calendar_stc 16200 s / 60 = 270; 86400 / 60 = 1440; business_stc 32400 / 60 = 540
    assert minutes == [("INC0010001", 270.0, 270.0), ("INC0010003", 1440.0, 540.0)]
    (bad,) = project.quarantine()
    assert (bad["error_class"], bad["column"]) == ("unparseable_timestamp", "opened_at")


def test_table_api_fixture(tmp_path: Path) -> None:
    project = _project(tmp_path, "incident.json")
    rows = project.query("SELECT ticket_id, status_category, priority, group_name, "
                         "resolution_hours, reopen_count FROM fact_ticket ORDER BY 1")[1]  # fmt: skip
    assert [tuple(r) for r in rows] == [
        # state "6"; priority "3" -> 3 - Moderate; a reference's value is its sys_id;
        # 10:15:30 -> 16:15:30 = 6 h
        ("INC0020001", "resolved", "P3", "287ebd7da9fe198100f92cc8d1d2154e", 6.0, 0),
        # sysparm_display_value=all: labels and names read from display_value;
        # 2024-03-13 08:00 -> 2024-03-14 20:00 = 36 h
        ("INC0020002", "closed", "P1", "Network", 36.0, 1),
    ]
    with project.read() as con:
        minutes = con.execute(
            "SELECT ticket_id, vendor_resolution_minutes, vendor_resolution_business_minutes "
            "FROM ticket_events WHERE vendor_resolution_minutes > 0 ORDER BY 1"
        ).fetchall()
    # 21600 s = 360 min; the value 129600 s = 2160 min (not the display "1 Day 12 Hours")
    assert minutes == [("INC0020001", 360.0, 360.0), ("INC0020002", 2160.0, 540.0)]
    (bad,) = project.quarantine()
    assert "has no number" in bad["reason"]


def test_auto_detection(tmp_path: Path) -> None:
    for name in ("incident.csv", "incident.json"):
        path = FIXTURES / name
        header = csv_header(path, "utf-8") if name.endswith(".csv") else ["result"]
        assert detect(path, header) is FORMATS["servicenow-table"]
    write_shape("servicenow-table", tmp_path / "t", Options(tickets=30, days=5))
    (csv,) = (tmp_path / "t").glob("*.csv")
    assert detect(csv, csv_header(csv, "utf-8")) is FORMATS["servicenow-table"]
    audit = tmp_path / "audit.csv"
    audit.write_text("number,incident_state,sys_mod_count,sys_updated_at,opened_at,sys_id\n"
                     "INC1,New,0,01/03/2024 10:00,01/03/2024 10:00,abc\n")  # fmt: skip
    assert detect(audit, csv_header(audit, "utf-8")) is FORMATS["servicenow"]


def test_auto_says_what_it_chose(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.init()
    outcome = Project(tmp_path).ingest([FIXTURES / "incident.csv"])
    assert [fmt for _, fmt in outcome.chosen] == ["servicenow-table"]
    assert [s.name for s in Project(tmp_path).sources()] == ["incident"]
