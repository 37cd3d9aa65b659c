"""The ledger per source and the warnings ``status`` shows (ingest/summary.py)."""

from __future__ import annotations

from pathlib import Path

from ticketlake import Project

HEADER = "case_id,timestamp,event_type,status\n"
GOOD = HEADER + "A-1,2024-01-05T09:00:00Z,created,New\nA-1,2024-01-05T10:00:00Z,resolved,Resolved\n"
ODD = (HEADER + "B-1,2024-01-05T09:00:00Z,created,Frobnicated\n"
       "B-2,2024-01-05T09:00:00Z,created,Frobnicated\nB-3,2024-01-05T09:00:00Z,created,Zapped\n"
       "B-4,not a time,created,New\n")  # fmt: skip


def _project(root: Path) -> Project:
    """Source ``good``: one clean file. Source ``odd``: statuses nobody mapped, a row with a
    bad time and a file without the required columns, which fails."""
    for name, files in {"good": {"a.csv": GOOD}, "odd": {"b.csv": ODD}}.items():
        (root / name).mkdir()
        for file, text in files.items():
            (root / name / file).write_text(text, encoding="utf-8")
    config = Project(root).init()
    entries = "".join(
        f"  - name: {n}\n    format: eventlog\n    path: {n}\n" for n in ("good", "odd")
    )
    text = config.read_text(encoding="utf-8").replace("sources: []\n", f"sources:\n{entries}", 1)
    config.write_text(text, encoding="utf-8")
    project = Project(root)
    for name in ("good", "odd"):
        project.ingest(source=name)
    (root / "c.csv").write_text("foo,bar\n1,2\n", encoding="utf-8")
    [failed] = project.ingest([root / "c.csv"], source="odd").batches
    assert failed.status == "failed"
    return project


def test_each_source_is_summed_up_with_its_warnings(tmp_path: Path) -> None:
    found = {s["source"]: s for s in _project(tmp_path).ledger_summary()}
    assert list(found) == ["good", "odd"]
    good, odd = found["good"], found["odd"]
    assert (good["files"], good["rows_in"], good["rows_loaded"]) == (1, 2, 2)
    # The ledger has nothing to say about good; mapping health sees its ticket has no priority.
    assert good["warnings"] == [
        "priority unknown or missing: 1 of 1 tickets (100.0%) > check.max_unknown_share.priority 5%"
    ]
    assert (odd["files"], odd["failed"], odd["rows_in"]) == (1, 1, 4)
    assert (odd["rows_loaded"], odd["rows_quarantined"]) == (3, 1)
    assert odd["last_batch"].startswith("2") and odd["last_batch_at"].endswith("Z")
    assert odd["warnings"] == [
        "1 file(s) failed: ticketlake status --batches --source odd",
        "1 row(s) quarantined: ticketlake quarantine",
        f"not loaded: {tmp_path / 'c.csv'}: missing required column for ticket_id (looked for: "
        "case_id, case, ticket_id, incident_id, issue_id, number, id); map it with --mapping",
        "rows quarantined: 1 of 4 rows (25.0%) > check.max_quarantined_share 5%; "
        "most: unparseable_timestamp in timestamp x1",
        "status unknown or missing: 3 of 3 tickets (100.0%) > check.max_unknown_share.status 5%",
        "priority unknown or missing: 3 of 3 tickets (100.0%) > check.max_unknown_share.priority 5%",
        "resolution unknown or missing: 3 of 3 tickets (100.0%) > check.max_unknown_share.resolution 5%",
        "unmapped status values (events): 'Frobnicated' x2, 'Zapped' x1",
    ]


def test_the_summary_adds_up_to_the_totals(tmp_path: Path) -> None:
    project = _project(tmp_path)
    totals, found = project.status()["totals"], project.ledger_summary()
    for key, total in (("rows_in", "rows_in"), ("rows_loaded", "rows_loaded"),
                       ("rows_quarantined", "rows_quarantined"), ("files", "files_committed"),
                       ("failed", "files_failed")):  # fmt: skip
        assert sum(s[key] for s in found) == totals[total], key
