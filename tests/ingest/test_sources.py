"""Every format on generated data: quarantine matches the defect manifest, clean rows load."""

from __future__ import annotations

import collections
from pathlib import Path

import pytest

from ticketlake import Project
from ticketlake.synth import Generated

SHAPES = {"tickets": "tickets", "snapshots": "snapshots", "events": "eventlog",
          "interactions": "interactions", "json": "json"}  # fmt: skip


@pytest.mark.parametrize("shape", SHAPES)
def test_quarantine_matches_the_defect_manifest(shape: str, dirty: dict[str, Generated],
                                                project: Project) -> None:  # fmt: skip
    """Each injected defect is quarantined with its class, on its line; nothing else is."""
    data = dirty[shape]
    outcome = project.ingest([data.out])
    assert {b.status for b in outcome.batches} == {"committed"}
    assert {fmt for _, fmt in outcome.chosen} == {SHAPES[shape]}
    assert data.manifest is not None
    want = collections.Counter(
        (d["file"], d["line"], d["error_class"]) for d in data.manifest["defects"]
    )
    got = collections.Counter(
        (Path(r["file"]).name, r["line"], r["error_class"]) for r in project.quarantine()
    )
    assert got == want
    assert all(r["reason"] and r["raw"] for r in project.quarantine())


@pytest.mark.parametrize("shape", SHAPES)
def test_every_clean_row_is_loaded(
    shape: str, dirty: dict[str, Generated], project: Project
) -> None:
    """Per file: rows in = loaded + quarantined, and loaded = rows without a defect."""
    data = dirty[shape]
    assert data.manifest is not None
    defects = collections.Counter(d["file"] for d in data.manifest["defects"])
    project.ingest([data.out], format=SHAPES[shape])
    batches = project.status()["batches"]
    assert len(batches) == len(data.files)
    for b in batches:
        name = Path(b["path"]).name
        assert b["rows_in"] == b["rows_loaded"] + b["rows_quarantined"]
        assert b["rows_quarantined"] == defects[name]
        written = next(f for f in data.files if f.path.name == name)
        duplicates = sum(1 for d in data.manifest["defects"]
                         if d["file"] == name and d["error_class"] == "duplicate_row")  # fmt: skip
        assert b["rows_in"] == written.rows + duplicates


@pytest.mark.parametrize("shape", SHAPES)
def test_clean_data_gives_one_ticket_per_id(shape: str, generated: dict[str, Generated],
                                            project: Project) -> None:  # fmt: skip
    """Without defects nothing is quarantined and every ticket id in the files is a ticket."""
    data = generated[shape]
    project.ingest([data.out])
    totals = project.status()["totals"]
    assert totals["rows_quarantined"] == 0
    assert totals["rows_in"] == totals["rows_loaded"] == sum(f.rows for f in data.files)
    with project.read() as con:
        ids = con.execute("SELECT count(DISTINCT ticket_id) FROM ticket_events").fetchall()[0][0]
        assert con.execute("SELECT count(*) FROM tickets").fetchall()[0][0] == ids
        assert con.execute("SELECT count(*) FROM ticket_events WHERE event_time IS NULL "
                           "OR batch_id IS NULL OR source_line IS NULL").fetchall()[0][0] == 0  # fmt: skip
    assert ids > 0
