"""``ingest --reprocess``: a source derived again from its bronze copies equals a fresh ingest
with today's mapping, the ledger records the supersession, and a crash leaves one state."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from ticketlake import Project
from ticketlake.lake.index import KeyIndex
from ticketlake.synth import Options, write_shape

CLI = Path(sys.executable).parent / "ticketlake"
SMALL = Options(tickets=300, days=60, seed=3)
# Lake tables and the columns that name a batch rather than describe a row.
TABLES = ("ticket_events", "ticket_links", "ticket_sightings", "quarantine")
BATCH_COLUMNS = ("batch_id", "batch_seq", "released_by")
LEDGER = ("source", "format", "path", "sha256", "size", "status", "rows_in", "rows_loaded",
          "rows_quarantined", "duplicates", "events")  # fmt: skip
WRONG_STATUSES = {"statuses": {"no such label": "open"}}  # every status becomes unknown


def new_project(root: Path, extra: dict[str, Any] | None = None) -> Project:
    """An initialised project at ``root``, with ``extra`` settings added to ticketlake.yml."""
    root.mkdir(parents=True)
    project = Project(root)
    project.init()
    if extra:
        path = root / "ticketlake.yml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        path.write_text(yaml.safe_dump({**data, **extra}), encoding="utf-8")
    return Project(root)


def set_config(project: Project, extra: dict[str, Any]) -> Project:
    """``project`` with ``extra`` settings written into its ticketlake.yml (a new instance)."""
    path = project.root / "ticketlake.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    path.write_text(yaml.safe_dump({**data, **extra}), encoding="utf-8")
    return Project(project.root)


def lake_state(project: Project, ranks: bool = True) -> dict[str, list[tuple[Any, ...]]]:
    """Every lake table's rows (bronze and the ledger's committed rows included), sorted, with
    batch ids left out and commit order kept as a rank (unless not ``ranks``)."""
    state: dict[str, list[tuple[Any, ...]]] = {}
    with project.read() as con:
        for table in TABLES:
            cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
            keep = ", ".join(c for c in cols if c not in BATCH_COLUMNS)
            released = ", released_by IS NULL AS open" if "released_by" in cols else ""
            rank = ", dense_rank() OVER (ORDER BY batch_seq) AS commit_rank" if ranks else ""
            sql = f"SELECT {keep}{rank}{released} FROM {table}"
            state[table] = sorted(con.execute(sql).fetchall(), key=repr)
        ledger = f"SELECT {', '.join(LEDGER)} FROM ledger WHERE status = 'committed'"
        state["ledger"] = sorted(con.execute(ledger).fetchall(), key=repr)
        state["bronze"] = bronze_rows(project, con)
    return state


def bronze_rows(project: Project, con: Any) -> list[tuple[Any, ...]]:
    """The rows of every bronze copy as (column, value) pairs, without the batch id."""
    manifest = project.lake.manifest()
    rows = []
    for f in manifest.files_of("bronze"):
        path = project.lake.store.write_path(f.key)
        cur = con.execute(f"SELECT * EXCLUDE (_batch_id) FROM read_parquet('{path}')")
        names = [d[0] for d in cur.description]
        rows += [tuple(sorted(zip(names, r, strict=True))) for r in cur.fetchall()]
    return sorted(rows, key=repr)


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Small dirty exports: tickets (rows per ticket), events (history over monthly files),
    interactions (links), snapshots (sightings)."""
    root = tmp_path_factory.mktemp("exports")
    return {s: write_shape(s, root / s, SMALL, dirty_rate=0.03).out
            for s in ("tickets", "events", "interactions", "snapshots")}  # fmt: skip


def mapping_file(folder: Path, name: str, mapping: dict[str, str]) -> Path:
    path = folder / f"{name}.yml"
    path.write_text(yaml.safe_dump(mapping), encoding="utf-8")
    return path


def test_wrong_created_column_then_retry_then_reprocess_equals_fresh_ingest(
    exports: dict[str, Path], tmp_path: Path
) -> None:
    """A wrong created column, a retry with the right one (which releases some rows), then
    a reprocess with the right one: the lake equals a fresh ingest, table by table."""
    wrong = mapping_file(tmp_path, "wrong", {"created_at": "closed_at"})
    right = mapping_file(tmp_path, "right", {"created_at": "created_at"})
    project = new_project(tmp_path / "p")
    project.ingest([exports["tickets"]], mapping=wrong)
    retried = project.retry_quarantine(mapping=right)
    assert retried and sum(b.rows_loaded for b in retried) > 0
    before = project.status()
    reference = new_project(tmp_path / "ref")
    reference.ingest([exports["tickets"]], mapping=right)
    assert lake_state(project) != lake_state(reference)

    done = project.reprocess(mapping=right)

    assert lake_state(project) == lake_state(reference)
    [one] = done
    retry_ids = {b.batch_id for b in retried}
    assert retry_ids <= {i for _, new in one.pairs for i in new.supersedes}
    assert_superseded(project, before, retry_ids)


def assert_superseded(project: Project, before: dict[str, Any], retry_ids: set[str]) -> None:
    """Every batch committed before is superseded by one that read the same file with the
    same rows in, and every file's rows in = loaded + quarantined."""
    manifest = project.lake.manifest()
    by_id = {b.batch_id: b for b in manifest.batches}
    old = [b for b in before["batches"] if b["status"] == "committed"]
    for row in old:
        gone = by_id[row["batch_id"]]
        assert gone.status == "superseded" and gone.superseded_by
        new = by_id[gone.superseded_by]
        assert new.status == "committed" and row["batch_id"] in new.supersedes
        if row["batch_id"] not in retry_ids:
            assert (new.path, new.sha256, new.rows_in) == (row["path"], row["sha256"],
                                                           row["rows_in"])  # fmt: skip
    for b in (b for b in manifest.batches if b.status == "committed"):
        assert b.rows_in == b.rows_loaded + b.rows_quarantined
    totals = project.status()["totals"]
    assert totals["rows_in"] == before["totals"]["rows_in"]
    assert totals["files_committed"] == before["totals"]["files_committed"]
    assert totals["rows_in"] == totals["rows_loaded"] + totals["rows_quarantined"]
    with project.read() as con:
        ledger = con.execute("SELECT count(*) FROM ledger WHERE status = 'superseded' "
                             "AND superseded_by IS NOT NULL").fetchall()[0][0]  # fmt: skip
    assert ledger == len(old)


@pytest.mark.parametrize("shape", ["events", "interactions", "snapshots"])
def test_statuses_fixed_then_reprocess_equals_fresh_ingest(
    exports: dict[str, Path], tmp_path: Path, shape: str
) -> None:
    """Every status unknown under a wrong vocabulary; reprocessed under the right one, the
    lake (events, links, sightings, quarantine, bronze, ledger) equals a fresh ingest."""
    project = new_project(tmp_path / "p", WRONG_STATUSES)
    project.ingest([exports[shape]])
    with project.read() as con:
        known = con.execute("SELECT count(*) FROM ticket_events "
                            "WHERE status_category <> 'unknown'").fetchall()[0][0]  # fmt: skip
    assert known == 0
    before = project.status()
    reference = new_project(tmp_path / "ref")
    reference.ingest([exports[shape]])
    project = set_config(project, {"statuses": reference.settings.statuses})

    project.reprocess()

    assert lake_state(project) == lake_state(reference)
    assert_superseded(project, before, set())


def test_reprocess_with_unchanged_settings_is_a_no_op(
    exports: dict[str, Path], tmp_path: Path
) -> None:
    """Nothing differs from what the batches were derived with: no commit, nothing rewritten."""
    project = new_project(tmp_path / "p")
    project.ingest([exports["events"]])
    version = project.lake.manifest().version
    [one] = project.reprocess("events")
    assert one.unchanged and not one.pairs
    assert project.lake.manifest().version == version


def test_reprocess_keeps_the_files_identity_and_the_key_index_in_step(
    exports: dict[str, Path], tmp_path: Path
) -> None:
    """The new batches keep their files' identity (ingesting them again skips them), and the
    key index holds exactly the keys of the lake's files, at the new version."""
    project = new_project(tmp_path / "p", WRONG_STATUSES)
    project.ingest([exports["events"]])
    project.ingest([exports["snapshots"]])
    defaults = new_project(tmp_path / "defaults").settings.statuses
    project = set_config(project, {"statuses": defaults})
    project.reprocess("events")
    again = project.ingest([exports["events"]], rehash=True)
    assert {b.status for b in again.batches} == {"skipped"}
    assert index_rows(project, rebuilt=False) == index_rows(project, rebuilt=True)


def index_rows(project: Project, rebuilt: bool) -> dict[str, Any]:
    """The key index's rows and version: the project's own, or one rebuilt from the lake."""
    manifest = project.lake.manifest()
    con = duckdb.connect()
    index = KeyIndex.scratch() if rebuilt else project.lake.index
    index.attach(con)
    if rebuilt:
        index.sync(con, project.lake.store, manifest)
    rows: dict[str, Any] = {t: sorted(con.execute(f"SELECT * FROM idx.{t}").fetchall(), key=repr)
                            for t in ("event_keys", "link_keys", "created", "sighting_days")}  # fmt: skip
    [(version, digest)] = con.execute("SELECT version, digest FROM idx.state").fetchall()
    assert digest == manifest.digest(version)  # in step: the next writer will not rebuild it
    con.close()
    return rows


def test_unknown_source_is_one_line_exit_2(exports: dict[str, Path], tmp_path: Path) -> None:
    project = new_project(tmp_path / "p")
    project.ingest([exports["tickets"]])
    result = run_cli(project.root, "ingest", "--reprocess", "--source", "nope")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: unknown source 'nope' (sources in the lake: tickets)"
    ]
    with_files = run_cli(project.root, "ingest", "--reprocess", str(exports["tickets"]))
    assert with_files.returncode == 2
    assert with_files.stderr.strip().splitlines() == [
        "error: --reprocess reads the lake's bronze copies; give --source NAME or nothing, "
        "not files"
    ]
    rehash = run_cli(project.root, "ingest", "--reprocess", "--rehash")
    assert rehash.returncode == 2 and "it takes no --format or --rehash" in rehash.stderr


def run_cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CLI), "-p", str(root), *args], capture_output=True, text=True,
                          timeout=300, check=False, env=cli_env())  # fmt: skip


def cli_env() -> dict[str, str]:
    """The environment for the CLI: the code under test first on the path."""
    src = str(Path(__file__).resolve().parents[2] / "src")
    return {**os.environ, "PYTHONPATH": src}


# ---------------------------------------------------------------- crashes


@pytest.fixture(scope="module")
def crash_setup(
    exports: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """A project ingested under the wrong statuses (to copy, never use), its state, the
    state a reprocess under the right ones ends with, and how long that took."""
    root = tmp_path_factory.mktemp("crash")
    wrong = new_project(root / "wrong", WRONG_STATUSES)
    wrong.ingest([exports["events"]])
    wrong.ingest([exports["interactions"]])
    done = copy_project(wrong.root, root / "done")
    began = time.monotonic()
    result = run_cli(done.root, "ingest", "--reprocess")
    seconds = time.monotonic() - began
    assert result.returncode == 0, result.stderr
    return {
        "wrong": wrong.root,
        "old": lake_state(wrong),
        "new": lake_state(done),
        "seconds": seconds,
    }


def copy_project(src: Path, dst: Path) -> Project:
    """A copy of the project at ``src``, with the right statuses in its configuration."""
    shutil.copytree(src, dst)
    path = dst / "ticketlake.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.pop("statuses")
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return Project(dst)


def start(root: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([str(CLI), "-p", str(root), "ingest", "--reprocess"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=cli_env())  # fmt: skip


def manifests(lake: Path) -> int:
    """How many manifests the lake has committed."""
    return len(list((lake / "_manifest").glob("[0-9]*.json")))


def unnamed(lake: Path) -> set[str]:
    """Parquet files no manifest names yet."""
    on_disk = {p.relative_to(lake).as_posix() for p in lake.rglob("*.parquet")}
    versions = sorted((lake / "_manifest").glob("[0-9]*.json"))
    manifest = json.loads(versions[-1].read_text())
    named = {f["key"] for f in manifest["files"]}
    return on_disk - named


BEFORE_COMMIT, AFTER_COMMIT = -1.0, -2.0  # kill moments found by watching the lake, not timed


def test_sigkill_during_reprocess_leaves_the_old_state_or_the_new(
    crash_setup: dict[str, Any], tmp_path: Path
) -> None:
    """Killed at moments spread over a reprocess, once between writing the new files and
    committing them and once just after the commit, the lake holds the old state or the new,
    never a mix; the next reprocess ends in the new state with no file left over."""
    seen = set()
    moments = [crash_setup["seconds"] * f for f in (0.2, 0.4, 0.55, 0.7, 0.85, 0.95)]
    for i, moment in enumerate([BEFORE_COMMIT, AFTER_COMMIT, *moments]):
        project = copy_project(crash_setup["wrong"], tmp_path / str(i))
        lake = project.root / "lake"
        committed = manifests(lake)
        proc = start(project.root)
        try:
            if moment == BEFORE_COMMIT:  # the new batches' files written, not yet committed
                while proc.poll() is None and len(unnamed(lake)) < 3:
                    time.sleep(0.001)
            elif moment == AFTER_COMMIT:  # the new manifest committed, the run not yet ended
                while proc.poll() is None and manifests(lake) == committed:
                    time.sleep(0.001)
            else:
                time.sleep(moment)
        finally:
            proc.kill()
            proc.wait(timeout=300)
        state = lake_state(project)
        assert state in (crash_setup["old"], crash_setup["new"]), f"mixed state at {moment}"
        seen.add("old" if state == crash_setup["old"] else "new")
        result = run_cli(project.root, "ingest", "--reprocess")
        assert result.returncode == 0, result.stderr
        assert lake_state(project) == crash_setup["new"]
        assert unnamed(lake) == set()
    assert seen == {"old", "new"}, seen
