"""The ``zendesk`` preset: the desk as Zendesk exports it gives the events shape's figures,
a hand-written export gives the values worked out by hand, and auto detection knows it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.presets.desk import desk, figures, hand_written, rows
from ticketlake import Project
from ticketlake.sources.zendesk import Replay
from ticketlake.synth import Options, write_shape

FIXTURES = Path(__file__).parent / "fixtures" / "zendesk"
# The Zendesk status of each status of the events shape: Zendesk has one status, open, for
# Assigned, In Progress and Reopened, and lists a cancelled ticket as deleted.
ZENDESK = {
    "New": "new",
    "Assigned": "open",
    "In Progress": "open",
    "Reopened": "open",
    "Awaiting Customer": "pending",
    "On Hold": "hold",
    "Resolved": "solved",
    "Closed": "closed",
    "Cancelled": "deleted",
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return desk(tmp_path_factory.mktemp("zendesk"), "zendesk", "zendesk")


@pytest.fixture(scope="module")
def fixture(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, list[tuple[Path, str]]]:
    """The hand-written export, ingested with auto detection, built."""
    return hand_written(tmp_path_factory.mktemp("zendesk-fixture"), FIXTURES)


def merged_stays(project: Project, source: str) -> dict[str, tuple[int, float]]:
    """The events shape's completed stays with its statuses read as Zendesk's: consecutive
    stays in statuses Zendesk calls the same become one stay."""
    cases = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in ZENDESK.items())
    sql = f"""
        WITH s AS (SELECT ticket_id, event_number, event_time, CASE status {cases} END AS status
                   FROM fact_ticket_event WHERE source = '{source}' AND status IS NOT NULL),
        l AS (SELECT *, lag(status) OVER (PARTITION BY ticket_id ORDER BY event_number) AS prev
              FROM s),
        e AS (SELECT * FROM l WHERE prev IS NULL OR prev <> status),
        h AS (SELECT status, date_diff('microsecond', event_time, lead(event_time) OVER
                     (PARTITION BY ticket_id ORDER BY event_number)) / 3600000000.0 AS hours
              FROM e)
        SELECT status, count(hours), coalesce(sum(hours), 0) FROM h GROUP BY status"""
    return {str(s): (int(n), round(float(h), 6)) for s, n, h in rows(project, sql)}


def test_the_desk_gives_the_events_figures(project: Project) -> None:
    events, preset = figures(project, "events"), figures(project, "preset")
    assert preset.tickets == events.tickets
    assert preset.created == events.created
    assert preset.resolved == events.resolved
    assert preset.median_resolution_hours == events.median_resolution_hours
    assert preset.reopens == events.reopens
    assert preset.ping_pong == events.ping_pong > 0
    # The one difference the layout forces: Zendesk's statuses are coarser, so its stays are
    # the events shape's merged (Assigned, In Progress and Reopened are all open).
    merged = merged_stays(project, "events")
    assert preset.time_in_status.keys() == merged.keys()
    for status, (stays, hours) in merged.items():
        assert preset.time_in_status[status][0] == stays, status
        assert preset.time_in_status[status][1] == pytest.approx(hours, abs=1e-4), status


def test_the_desk_keeps_first_responses_and_reassignments(project: Project) -> None:
    """Audits carry what the first reply and the handoffs need, to the second."""
    sql = (
        "SELECT source, count(first_response_at), sum(first_response_hours), "
        "sum(reassignment_count) FROM fact_ticket GROUP BY source ORDER BY source"
    )
    (_, responses, hours, moves), (_, responses2, hours2, moves2) = rows(project, sql)
    assert (responses2, moves2) == (responses, moves)
    assert hours2 == pytest.approx(hours)


def test_the_desk_is_loaded_whole(project: Project) -> None:
    batches = rows(
        project,
        "SELECT path, rows_in, rows_loaded, rows_quarantined FROM ledger "
        "WHERE source = 'preset' ORDER BY path",
    )
    assert [Path(p).name for p, *_ in batches] == ["audits.jsonl", "tickets.jsonl"]
    assert all(
        rows_in == loaded and quarantined == 0 for _, rows_in, loaded, quarantined in batches
    )


def test_the_fixture_is_detected(fixture: tuple[Project, list[tuple[Path, str]]]) -> None:
    _, chosen = fixture
    assert sorted((p.name, f) for p, f in chosen) == [
        ("incremental_tickets.json", "zendesk"),
        ("ticket_audits.jsonl", "zendesk"),
    ]


def test_the_fixture_tickets(fixture: tuple[Project, list[tuple[Path, str]]]) -> None:
    project, _ = fixture
    got = rows(
        project,
        "SELECT ticket_id, status, status_category, priority, group_name, "
        "assignee, resolution_hours, first_response_hours, reopen_count "
        "FROM fact_ticket ORDER BY ticket_id",
    )
    assert got == [
        # created 03-04 09:00, solved 03-05 10:30: 24 h + 1.5 h = 25.5 h; the first public
        # comment of an agent (235323) at 09:45: 0.75 h; the metric set says no reopen.
        ("35436", "solved", "resolved", "P2", "360001", "235323", 25.5, 0.75, 0),
        # solved at 16:00 and reopened at 09:00 the next day: open, one reopen; its one agent
        # comment (12:00) is private, so no first reply.
        ("35437", "open", "open", "P3", "360002", "235325", None, None, 1),
        # deleted, which Zendesk's incremental export lists; no audits in the file.
        ("35438", "deleted", "cancelled", "unknown", "360001", None, None, None, 0),
    ]


def test_the_fixture_history(fixture: tuple[Project, list[tuple[Path, str]]]) -> None:
    project, _ = fixture
    stays = {
        s: (n, round(h or 0, 6))
        for s, n, h in rows(project, "SELECT status, stays, total_hours FROM flow_time_in_status")
    }
    assert stays == {
        # 35436: new 09:00-09:45 (0.75 h); 35437: new 11:00-12:00 (1 h): 1.75 h.
        "new": (2, 1.75),
        # 35436: open 09:45-15:00 (5.25 h) and 08:00-10:30 (2.5 h); 35437: open 12:00-16:00
        # (4 h); its reopened stay goes on: 5.25 + 2.5 + 4 = 11.75 h.
        "open": (3, 11.75),
        # 35436: pending 15:00-08:00 the next day: 17 h.
        "pending": (1, 17.0),
        # 35437: solved 16:00-09:00 the next day: 17 h; 35436 is still solved.
        "solved": (1, 17.0),
        "deleted": (0, 0.0),
    }
    pong = rows(
        project, "SELECT ticket_id, group_path, ping_pong FROM flow_ticket ORDER BY ticket_id"
    )
    assert pong == [
        ("35436", "360001", False),
        ("35437", "360001 > 360002 > 360001 > 360002", True),
        ("35438", "360001", False),
    ]


def test_the_fixture_keeps_zendesk_minutes_and_tags(
    fixture: tuple[Project, list[tuple[Path, str]]],
) -> None:
    project, _ = fixture
    with project.read() as con:
        minutes = con.execute("""SELECT vendor_reply_minutes, vendor_reply_business_minutes,
                vendor_resolution_minutes, vendor_resolution_business_minutes
            FROM ticket_events WHERE ticket_id = '35436' AND vendor_reply_minutes IS NOT NULL""").fetchall()
    assert minutes == [(45.0, 45.0, 1530.0, 510.0)]
    labels = rows(project, "SELECT ticket_id, labels, channel, title FROM fact_ticket "
                            "ORDER BY ticket_id")  # fmt: skip
    assert labels == [("35436", '["enterprise","printer"]', "web", "Printer on floor 3 jams"),
                      ("35437", '["vpn"]', "email", "VPN drops every hour"),
                      ("35438", None, "api", "test ticket, please ignore")]  # fmt: skip


def test_the_fixture_quarantines_an_unreadable_audit(
    fixture: tuple[Project, list[tuple[Path, str]]],
) -> None:
    project, _ = fixture
    [row] = project.quarantine()
    assert Path(row["file"]).name == "ticket_audits.jsonl"
    assert row["reason"] == "the audit's events are not a list"
    assert row["raw"].startswith("line 1 audits[3]")


def test_one_document_with_tickets_and_audits(
    tmp_path: Path, fixture: tuple[Project, list[tuple[Path, str]]]
) -> None:
    """Audits in the tickets' own page (and tickets as JSON lines) read the same."""
    page = json.loads((FIXTURES / "incremental_tickets.json").read_text(encoding="utf-8"))
    lines = (FIXTURES / "ticket_audits.jsonl").read_text(encoding="utf-8").splitlines()
    page["audits"] = [
        a for line in lines for a in json.loads(line)["audits"] if isinstance(a["events"], list)
    ]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "export.json").write_text(json.dumps(page), encoding="utf-8")
    project = Project(tmp_path / "p")
    project.init()
    outcome = Project(project.root).ingest([tmp_path / "in"])
    assert [f for _, f in outcome.chosen] == ["zendesk"]
    with Project(project.root).read() as con:
        one = con.execute(
            "SELECT ticket_id, event_time, event_type, event_key, status, "
            "group_name, assignee FROM ticket_events ORDER BY ALL"
        ).fetchall()
    with fixture[0].read() as con:
        two = con.execute(
            "SELECT ticket_id, event_time, event_type, event_key, status, "
            "group_name, assignee FROM ticket_events ORDER BY ALL"
        ).fetchall()
    assert one == two


def test_auto_detection_leaves_other_json_alone(tmp_path: Path) -> None:
    """The generic JSON shape and the GitHub shape are not taken for Zendesk."""
    options = Options(tickets=30, days=5, seed=3)
    write_shape("json", tmp_path / "in" / "json", options)
    write_shape("github", tmp_path / "in" / "github", options)
    project = Project(tmp_path / "p")
    project.init()
    outcome = Project(project.root).ingest([tmp_path / "in"])
    assert {(p.parent.name, f) for p, f in outcome.chosen} == {
        ("json", "json"),
        ("github", "github"),
    }


def test_dirty_tickets_are_quarantined_as_the_manifest_says(tmp_path: Path) -> None:
    generated = write_shape(
        "zendesk", tmp_path / "in", Options(tickets=120, days=7, seed=5), dirty_rate=0.05
    )
    assert generated.manifest is not None
    project = Project(tmp_path / "p")
    project.init()
    outcome = Project(project.root).ingest([f.path for f in generated.files], format="zendesk")
    assert not outcome.failed
    # A row's raw text starts with the line of the record it came from.
    found = {
        (
            Path(r["file"]).name,
            int(re.match(r"line (\d+)", r["raw"]).group(1)),  # type: ignore[union-attr]
            r["error_class"],
        )
        for r in Project(project.root).quarantine()
    }
    for defect in generated.manifest["defects"]:
        if defect["error_class"] != "duplicate_row":  # a repeated ticket adds no new event
            assert (defect["file"], defect["line"], defect["error_class"]) in found, defect


def test_check_passes(project: Project) -> None:
    assert [b for b in project.health().breaches if b.startswith("preset:")] == []


def test_a_file_that_starts_mid_history_reads_the_previous_values() -> None:
    """The first audit of a ticket in a later file knows the state before from
    ``previous_value``: solved to open is a reopen, a new group a reassignment."""
    replay = Replay(requester="7")
    audit = {"id": 9, "ticket_id": 5, "created_at": "2024-03-06T10:00:00Z", "author_id": 7,
             "events": [{"type": "Change", "field_name": "status", "value": "open",
                         "previous_value": "solved"},
                        {"type": "Change", "field_name": "group_id", "value": 2,
                         "previous_value": 1}]}  # fmt: skip
    [row] = replay.rows(audit)
    assert (row.values["event_type"], row.values["status"], row.values["group_name"]) == (
        "reopened", "open", "2")  # fmt: skip
    audit = {**audit, "id": 10, "events": [{"type": "Change", "field_name": "group_id",
                                            "value": 3, "previous_value": 2}]}  # fmt: skip
    assert replay.rows(audit)[0].values["event_type"] == "reassigned"
