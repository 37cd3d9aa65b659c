"""The ``github`` preset: the desk as GitHub issues and issue events gives the events shape's
figures, a hand-written export gives the values worked out by hand, pull requests are left out
and counted, and auto detection knows it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.presets.desk import OPTIONS, desk, figures, hand_written, rows
from ticketlake import Project
from ticketlake.synth import Options, generate, write_shape
from ticketlake.synth.shapes.github import PULL_SHARE

FIXTURES = Path(__file__).parent / "fixtures" / "github"
REPO = "octocat/Hello-World"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return desk(tmp_path_factory.mktemp("github"), "github", "github")


@pytest.fixture(scope="module")
def fixture(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, list[tuple[Path, str]]]:
    """The hand-written export, ingested with auto detection, built."""
    return hand_written(tmp_path_factory.mktemp("github-fixture"), FIXTURES)


def test_the_desk_gives_the_events_figures(project: Project) -> None:
    events, preset = figures(project, "events"), figures(project, "preset")
    assert preset.tickets == events.tickets
    assert preset.created == events.created
    assert preset.resolved == events.resolved
    assert preset.median_resolution_hours == events.median_resolution_hours
    assert preset.reopens == events.reopens > 0
    # What the layout forces: no groups, so no ping-pong; two states, open and closed (as
    # completed or as not planned), so no time in the desk's other statuses.
    assert events.ping_pong > 0
    assert preset.ping_pong == 0
    assert set(preset.time_in_status) == {"open", "closed", "closed (not planned)"}


def test_the_desk_has_no_first_response_nor_closure_after_resolution(project: Project) -> None:
    """Issue events carry no comment, and a GitHub close is the resolution: every resolved
    ticket of the desk is closed, its closure at the resolution."""
    sql = ("SELECT source, count(first_response_at), count(resolved_at), "
           "count(*) FILTER (WHERE closed_at = resolved_at) FROM fact_ticket "
           "GROUP BY source ORDER BY source")  # fmt: skip
    (_, responses, resolved, _), (_, none, resolved2, same) = rows(project, sql)
    assert responses > 0 and none == 0
    assert resolved2 == resolved == same


def test_the_desk_pull_requests_are_counted(project: Project) -> None:
    kept = int(generate(OPTIONS).kept.sum())
    pulls = round(PULL_SHARE * kept)
    reasons = dict(rows(project, "SELECT path, reason FROM ledger WHERE source = 'preset'"))
    assert {Path(p).name: r for p, r in reasons.items()} == {
        "issues.jsonl": f"left out: {pulls} pull requests",
        "issue_events.jsonl": f"left out: {pulls} pull request events",
        "issue_comments.jsonl": "",
    }


def test_the_fixture_is_detected(fixture: tuple[Project, list[tuple[Path, str]]]) -> None:
    _, chosen = fixture
    assert sorted((p.name, f) for p, f in chosen) == [
        ("issue_events.json", "github"),
        ("issues.json", "github"),
    ]


def test_the_fixture_ledger(fixture: tuple[Project, list[tuple[Path, str]]]) -> None:
    project, _ = fixture
    got = rows(project, "SELECT path, rows_in, rows_loaded, rows_quarantined, reason "
                         "FROM ledger ORDER BY path")  # fmt: skip
    assert [(Path(p).name, *rest) for p, *rest in got] == [
        # nine events, one of them the close of pull request 1350
        ("issue_events.json", 8, 8, 0, "left out: 1 pull request event"),
        # 1347 and 1349 are closed: created, closed, now (3 rows each); 1348: 2 rows; 1350 is
        # a pull request
        ("issues.json", 8, 8, 0, "left out: 1 pull request"),
    ]


def test_the_fixture_tickets(fixture: tuple[Project, list[tuple[Path, str]]]) -> None:
    project, _ = fixture
    got = rows(project, "SELECT ticket_id, status, status_category, requester, assignee, "
                         "first_resolved_at::VARCHAR, resolution_hours, reopen_count "
                         "FROM fact_ticket ORDER BY ticket_id")  # fmt: skip
    assert got == [
        # opened 02-01 10:00, closed 02-02 12:00, reopened 15:00, closed 02-03 16:00: resolved
        # at the last close, 24 h + 24 h + 6 h = 54 h after opening; one reopen.
        (f"{REPO}#1347", "closed", "closed", "alice", "octocat", "2024-02-02 12:00:00", 54.0, 1),
        (f"{REPO}#1348", "open", "open", "bob", None, None, None, 0),
        # closed as not planned: cancelled, no resolution
        (f"{REPO}#1349", "closed (not planned)", "cancelled", "bob", None, None, None, 0),
    ]


def test_the_fixture_history(fixture: tuple[Project, list[tuple[Path, str]]]) -> None:
    project, _ = fixture
    stays = {s: (n, round(h or 0, 6)) for s, n, h in
             rows(project, "SELECT status, stays, total_hours FROM flow_time_in_status")}  # fmt: skip
    assert stays == {
        # 1347: open 02-01 10:00 to 02-02 12:00 (26 h) and 02-02 15:00 to 02-03 16:00 (25 h);
        # 1349: open 10:00 to 18:00 (8 h); 1348 is still open: 26 + 25 + 8 = 59 h.
        "open": (3, 59.0),
        # 1347: closed 02-02 12:00 to 15:00.
        "closed": (1, 3.0),
        "closed (not planned)": (0, 0.0),
    }
    labels = rows(project, "SELECT ticket_id, labels FROM fact_ticket ORDER BY ticket_id")
    assert labels == [(f"{REPO}#1347", '["bug","enhancement"]'), (f"{REPO}#1348", None),
                      (f"{REPO}#1349", '["enhancement"]')]  # fmt: skip


def test_dirty_issues_are_quarantined_as_the_manifest_says(tmp_path: Path) -> None:
    generated = write_shape("github", tmp_path / "in", Options(tickets=150, days=7, seed=5),
                            dirty_rate=0.05)  # fmt: skip
    assert generated.manifest is not None
    project = Project(tmp_path / "p")
    project.init()
    outcome = Project(project.root).ingest([f.path for f in generated.files], format="github")
    assert not outcome.failed
    # A row's raw text names the line of the record it came from.
    found = {(Path(r["file"]).name, int(re.search(r"line (\d+)", r["raw"]).group(1)),  # type: ignore[union-attr]
              r["error_class"]) for r in Project(project.root).quarantine()}  # fmt: skip
    pulls = {i + 1 for i, line in enumerate(generated.files[0].path.read_text().splitlines())
             if '"pull_request"' in line}  # fmt: skip
    for defect in generated.manifest["defects"]:
        # a repeated issue adds no new event; a pull request is left out whatever it holds
        if defect["error_class"] != "duplicate_row" and defect["line"] not in pulls:
            assert (defect["file"], defect["line"], defect["error_class"]) in found, defect


def test_reprocessing_keeps_the_count_of_pull_requests(tmp_path: Path) -> None:
    project = Project(tmp_path / "p")
    project.init()
    Project(project.root).ingest([FIXTURES / "issues.json"])
    Project(project.root).reprocess()
    project = Project(project.root)
    project.build()
    reasons = rows(project, "SELECT status, reason FROM ledger ORDER BY batch_id")
    assert reasons[-1] == ("committed", "left out: 1 pull request")


def test_check_fails_only_on_the_priority_github_does_not_export(project: Project) -> None:
    """A close is the source's own resolution, not one derived by rule."""
    breaches = [b for b in project.health().breaches if b.startswith("preset:")]
    assert len(breaches) == 1 and "priority unknown or missing" in breaches[0]
