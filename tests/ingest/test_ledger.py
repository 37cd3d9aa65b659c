"""Exactly once: repeated, renamed and changed files; the status interface; replay."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from ticketlake import Project
from ticketlake.synth import Generated

BATCH_KEYS = {"batch_id", "source", "format", "path", "sha256", "status", "reason", "rows_in",
              "rows_loaded", "rows_quarantined", "duplicates", "started_at", "finished_at"}  # fmt: skip


def _totals(project: Project) -> dict[str, int]:
    totals = project.status()["totals"]
    totals.pop("files_skipped")
    return totals


def test_three_ingests_change_no_total(dirty: dict[str, Generated], project: Project) -> None:
    """The second and third run skip every file and say so in the ledger."""
    folder = dirty["events"].out
    project.ingest([folder])
    first = _totals(project)
    for _ in range(2):
        outcome = project.ingest([folder])
        assert {b.status for b in outcome.batches} == {"skipped"}
        assert all("same content as batch" in b.reason for b in outcome.batches)
        assert _totals(project) == first
    statuses = [b["status"] for b in project.status()["batches"]]
    files = len(dirty["events"].files)
    assert statuses.count("committed") == files
    assert statuses.count("skipped") == files  # one row per file, the latest skip


def test_renamed_copy_is_skipped_and_changed_content_is_a_new_batch(
    generated: dict[str, Generated], project: Project, tmp_path: Path
) -> None:  # fmt: skip
    """Identity is the content; a re-export with more rows adds only the new events."""
    source = generated["tickets"].files[0].path
    project.ingest([source], format="tickets")
    renamed = tmp_path / "tickets_199901.csv"  # another name, the same source (its stem)
    shutil.copy(source, renamed)
    assert project.ingest([renamed], format="tickets").batches[0].status == "skipped"
    lines = source.read_text(encoding="utf-8").splitlines()
    grown = tmp_path / source.name
    grown.write_text(
        "\n".join([lines[0], *lines[1:], lines[1].replace("TCK-", "NEW-")]) + "\n", encoding="utf-8"
    )
    batch = project.ingest([grown], format="tickets").batches[0]
    assert batch.status == "committed"
    assert batch.rows_in == len(lines)
    assert batch.duplicates == len(lines) - 1  # every old row collapsed; the new one did not
    totals = project.status()["totals"]
    assert totals["tickets"] == len(lines)


def test_status_json_is_a_stable_interface(generated: dict[str, Generated], project: Project,
                                           cli: Callable[..., tuple[int, str, str]]) -> None:  # fmt: skip
    """``status --format json`` has the documented keys and statuses."""
    code, _, _ = cli("ingest", str(generated["json"].out), "-o", "json")
    assert code == 0
    code, out, _ = cli("status", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"batches", "totals", "warnings"}  # warnings: mapping health's lines
    assert all(isinstance(line, str) for line in data["warnings"])
    assert data["batches"] and all(set(b) == BATCH_KEYS for b in data["batches"])
    assert {b["status"] for b in data["batches"]} <= {"committed", "skipped", "failed"}
    assert (
        data["totals"]["rows_in"]
        == data["totals"]["rows_loaded"] + data["totals"]["rows_quarantined"]
    )


def test_replay_feeds_one_day_at_a_time(generated: dict[str, Generated], project: Project,
                                        cli: Callable[..., tuple[int, str, str]]) -> None:  # fmt: skip
    """Only the days in range are loaded, in date order, one batch per daily file."""
    code, _, err = cli("replay", str(generated["snapshots"].out), "--from", "2024-01-03",
                       "--to", "2024-01-05", "-o", "json")  # fmt: skip
    assert code == 0, err
    names = [Path(b["path"]).name for b in project.status()["batches"]]
    assert names == ["20240103.csv", "20240104.csv", "20240105.csv"]
    code, _, _ = cli(
        "replay", str(generated["snapshots"].out), "--from", "2024-01-04", "--to", "2024-01-06"
    )
    assert code == 0
    statuses = [(Path(b["path"]).name, b["status"]) for b in project.status()["batches"]]
    assert ("20240106.csv", "committed") in statuses
    assert ("20240104.csv", "skipped") in statuses
