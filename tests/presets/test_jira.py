"""The ``jira`` preset: its CSV and changelog JSON against the ``events`` shape of one desk,
hand-written fixtures in Atlassian's layout, auto detection and dirty exports."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from tests.presets.desk import Figures, desk, figures
from ticketlake import Project, sources
from ticketlake.sources import jira
from ticketlake.sources.readers import csv_header
from ticketlake.synth import Options, write_shape

FIXTURES = Path(__file__).parent / "fixtures" / "jira"


@pytest.fixture(scope="module")
def desks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Figures, Figures]]:
    """(events, preset) figures of the desk, per Jira shape."""
    out = {}
    for shape in ("jira-json", "jira-csv"):
        project = desk(tmp_path_factory.mktemp(shape), shape, "jira")
        out[shape] = figures(project, "events"), figures(project, "preset")
    return out


def test_json_with_changelog_matches_the_event_log(
    desks: dict[str, tuple[Figures, Figures]],
) -> None:
    events, preset = desks["jira-json"]
    assert events.tickets > 300
    # Nothing differs: the changelog carries every status, assignee and component change.
    assert preset == events
    assert events.reopens > 0 and events.ping_pong > 0 and events.time_in_status


def test_csv_matches_the_event_log_but_for_the_forced_differences(
    desks: dict[str, tuple[Figures, Figures]],
) -> None:
    events, preset = desks["jira-csv"]
    assert (preset.tickets, preset.created, preset.resolved) == (
        events.tickets,
        events.created,
        events.resolved,
    )
    # Forced: the CSV's dates have whole minutes, so each resolution is off by under a minute.
    assert preset.median_resolution_hours is not None
    assert events.median_resolution_hours is not None
    assert preset.median_resolution_hours != events.median_resolution_hours
    assert abs(preset.median_resolution_hours - events.median_resolution_hours) < 1 / 60
    # Forced: one row per issue shows no reopen, no path through statuses, no group changes.
    assert events.reopens > 0 and preset.reopens == 0
    assert events.time_in_status and preset.time_in_status == {}
    assert events.ping_pong > 0 and preset.ping_pong == 0


def _fixture_project(root: Path, name: str) -> Project:
    """A project holding one fixture as source ``jira``, read with auto detection."""
    folder = root / "exports" / "jira"
    folder.mkdir(parents=True)
    shutil.copy(FIXTURES / name, folder / name)
    project = Project(root)
    project.init()
    project = Project(root)
    outcome = project.ingest([folder])
    assert outcome.chosen == [(folder / name, "jira")]  # auto: ... read as jira
    assert not outcome.failed
    project.build()
    return project


@pytest.fixture(scope="module")
def from_json(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return _fixture_project(tmp_path_factory.mktemp("json"), "search.json")


@pytest.fixture(scope="module")
def from_csv(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return _fixture_project(tmp_path_factory.mktemp("csv"), "export.csv")


def _rows(project: Project, sql: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in project.query(sql)[1]]


def test_json_fixture_replays_each_changelog(from_json: Project) -> None:
    # ED-1 starts as To Do, unassigned, Medium, in Desktop: every change undone, newest first.
    # ED-2's histories are listed newest first; they are replayed in time order. Its status
    # In Review is unknown to the settings; Jira's category (indeterminate) makes it open.
    # -0600 and +0100 are offsets: 08:00-06:00 is 14:00 UTC, 09:00+01:00 is 08:00 UTC.
    events = _rows(from_json, "SELECT ticket_id, event_time::VARCHAR, event_type, status, "
                              "state, assignee_now, group_now, priority, is_reopen, "
                              "is_resolution FROM fact_ticket_event ORDER BY ticket_id, "
                              "event_number")  # fmt: skip
    f, t = False, True
    assert events == [
        ("ED-1", "2024-03-11 09:00:00", "created", "To Do", "new", None, "Desktop", "P3", f, f),
        ("ED-1", "2024-03-11 10:00:00", "status_changed", "In Progress", "open", "Ann Lee",
         "Desktop", "P3", f, f),
        ("ED-1", "2024-03-11 11:00:00", "updated", "In Progress", "open", "Ann Lee", "Desktop",
         "P2", f, f),
        ("ED-1", "2024-03-12 09:00:00", "reassigned", "In Progress", "open", "Bob Stone",
         "Network", "P2", f, f),
        ("ED-1", "2024-03-12 15:30:00", "status_changed", "Done", "closed", "Bob Stone",
         "Network", "P2", f, t),
        ("ED-1", "2024-03-13 08:00:00", "status_changed", "In Progress", "open", "Bob Stone",
         "Network", "P2", t, f),
        ("ED-1", "2024-03-13 12:00:00", "status_changed", "Done", "closed", "Bob Stone",
         "Network", "P2", f, t),
        ("ED-2", "2024-03-12 14:00:00", "created", "To Do", "new", None, None, "P3", f, f),
        ("ED-2", "2024-03-12 16:30:00", "status_changed", "In Review", "open", None, None,
         "P3", f, f),
        ("ED-2", "2024-03-12 17:00:00", "assigned", "In Review", "open", "Cy Park", None,
         "P3", f, f),
    ]  # fmt: skip
    # ED-1 resolved for good on 13 March 12:00: 48 h + 3 h after 11 March 09:00 = 51 h.
    tickets = _rows(from_json, "SELECT ticket_id, resolution_hours, reopen_count "
                               "FROM fact_ticket ORDER BY 1")  # fmt: skip
    assert tickets == [("ED-1", 51.0, 1), ("ED-2", None, 0)]
    # To Do: ED-1 09:00-10:00 (1 h) + ED-2 14:00-16:30 (2.5 h) = 3.5 h in 2 stays;
    # In Progress: 11 Mar 10:00-12 Mar 15:30 (29.5 h) + 13 Mar 08:00-12:00 (4 h) = 33.5 h;
    # Done: 12 Mar 15:30-13 Mar 08:00 = 16.5 h; In Review: still going on.
    stays = _rows(from_json, "SELECT status, stays, total_hours, current_stays "
                             "FROM flow_time_in_status ORDER BY 1")  # fmt: skip
    assert stays == [("Done", 1, 16.5, 1), ("In Progress", 2, 33.5, 0),
                     ("In Review", 0, None, 1), ("To Do", 2, 3.5, 0)]  # fmt: skip


def test_json_fixture_keeps_labels_and_quarantines_a_cut_changelog(from_json: Project) -> None:
    with from_json.read() as con:
        labels = con.execute("SELECT DISTINCT ticket_id, labels FROM ticket_events "
                             "ORDER BY 1").fetchall()  # fmt: skip
        categories = con.execute("SELECT DISTINCT status, vendor_status_category "
                                 "FROM ticket_events ORDER BY 1").fetchall()  # fmt: skip
    assert labels == [("ED-1", '["vpn","remote"]'), ("ED-2", None)]
    # Only the current status has Jira's category; the others' are unknown in the export.
    assert categories == [("Done", "resolved"), ("In Progress", None), ("In Review", "open"),
                          ("To Do", None)]  # fmt: skip
    # ED-3 lists 1 of its 45 histories: its state at creation cannot be known, so the whole
    # issue is quarantined, as the 11th row (ED-1 gave 7 rows, ED-2 3).
    (row,) = from_json.quarantine()
    assert row["line"] == 11
    assert "1 of 45 histories" in row["reason"]


def test_csv_fixture_reads_jira_dates_repeats_and_labels(from_csv: Project) -> None:
    # ED-11: created 11/Mar/24 9:05 AM, resolved 12/Mar/24 3:35 PM (15:35): 24 h + 6.5 h =
    # 30.5 h. ED-12: 12:15 AM is 00:15. The first Component/s is the group.
    tickets = _rows(from_csv, "SELECT ticket_id, created_at::VARCHAR, resolved_at::VARCHAR, "
                              "resolution_hours, status, group_name, priority, category "
                              "FROM fact_ticket ORDER BY 1")  # fmt: skip
    assert tickets == [
        ("ED-11", "2024-03-11 09:05:00", "2024-03-12 15:35:00", 30.5, "Done", "Network", "P2",
         "Bug"),
        ("ED-12", "2024-03-12 00:15:00", None, None, "In Progress", "Desktop", "P3", "Task"),
    ]  # fmt: skip
    with from_csv.read() as con:
        labels = con.execute("SELECT DISTINCT ticket_id, labels FROM ticket_events "
                             "ORDER BY 1").fetchall()  # fmt: skip
    assert labels == [("ED-11", '["vpn","remote"]'), ("ED-12", '["printer"]')]
    # ED-13 was created on 31 February.
    (row,) = from_csv.quarantine()
    assert row["line"] == 4 and row["column"] == "Created"
    assert "31/Feb/24" in row["reason"]


def test_auto_detection_knows_both_kinds(tmp_path: Path) -> None:
    options = Options(tickets=30, days=5, seed=3)
    for shape, name in (("jira-csv", "jira_export_1.csv"), ("jira-json", "search_0001.json")):
        write_shape(shape, tmp_path / shape, options)
        path = tmp_path / shape / name
        header = csv_header(path, "utf-8") if name.endswith(".csv") else []
        assert sources.detect(path, header) is jira.FORMAT
    zipped = tmp_path / "search_0001.json.gz"
    zipped.write_bytes(gzip.compress((tmp_path / "jira-json" / "search_0001.json").read_bytes()))
    assert sources.detect(zipped, []) is jira.FORMAT
    # A plain ticket export is not Jira, nor is a JSON array of other tickets.
    write_shape("tickets", tmp_path / "tickets", options)
    plain = next((tmp_path / "tickets").glob("*.csv"))
    assert sources.detect(plain, csv_header(plain, "utf-8")) is not jira.FORMAT
    write_shape("json", tmp_path / "json", options)
    other = next((tmp_path / "json").iterdir())
    assert not jira.sniff(other)


@pytest.mark.parametrize("shape", ["jira-csv", "jira-json"])
def test_dirty_exports_quarantine_their_defects(tmp_path: Path, shape: str) -> None:
    options = Options(tickets=150, days=10, seed=5)
    made = write_shape(shape, tmp_path / "exports" / "jira", options, dirty_rate=0.05)
    assert made.manifest and made.manifest["defects"]
    project = Project(tmp_path)
    project.init()
    project = Project(tmp_path)
    outcome = project.ingest([f.path for f in made.files], format="jira")
    assert not outcome.failed, [b.reason for b in outcome.failed]
    classes = {r["error_class"] for r in project.quarantine()}
    # A repeated issue adds no new event (counted as duplicates), a repeated CSV row is kept
    # in quarantine; a JSON page cannot carry a malformed element (its whole page would break).
    injected = {c for c, n in made.manifest["counts"].items() if n and c != "duplicate_row"}
    assert injected and injected <= classes
    latin = [name for name, info in made.manifest["files"].items() if "encoding" in info]
    read_as = {Path(b.path).name: b.settings.get("encoding") for b in outcome.batches}
    assert all(read_as[name] == "cp1252" for name in latin)


def test_csv_status_category_column_gives_an_unmapped_status_its_category(tmp_path: Path) -> None:
    folder = tmp_path / "exports" / "jira"
    folder.mkdir(parents=True)
    (folder / "export.csv").write_text(
        "Issue key,Summary,Status,Status Category,Created,Updated\n"
        "ED-21,Review the runbook,In Review,In Progress,11/Mar/24 9:05 AM,11/Mar/24 9:35 AM\n"
        "ED-22,Ship the fix,Shipped,Done,11/Mar/24 9:05 AM,11/Mar/24 11:05 AM\n",
        encoding="utf-8",
    )
    project = Project(tmp_path)
    project.init()
    project = Project(tmp_path)
    assert not project.ingest([folder]).failed
    project.build()
    # In Review and Shipped are unknown to the settings: Jira's categories decide.
    rows = _rows(project, "SELECT ticket_id, status, status_category FROM fact_ticket_event "
                          "WHERE status IS NOT NULL ORDER BY 1")  # fmt: skip
    assert rows == [("ED-21", "In Review", "open"), ("ED-22", "Shipped", "resolved")]
