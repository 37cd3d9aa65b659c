"""Crash safety and concurrency of ingest, with real processes, real files and SIGKILL."""

from __future__ import annotations

import collections
import fcntl
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ticketlake import Project
from ticketlake.synth import Generated

# Processes run the installed console script, as users do.
CLI = Path(sys.executable).parent / "ticketlake"
BIG_ROWS = 1_000_000
KILLS = 10
SEED = 20240611
RUN_TIMEOUT = 300.0

BatchKey = tuple[str, str, int, int, int, int]


@dataclass(frozen=True)
class Reference:
    """What one uninterrupted ingest of a dataset ends with, and how long it took."""

    totals: dict[str, int]
    batches: list[BatchKey]
    seconds: float


@pytest.fixture(scope="session")
def big_events(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    """Monthly event files with over a million rows and 0.1% defects."""
    out = tmp_path_factory.mktemp("big") / "events"
    data = Project(out.parent).generate("events", out, tickets=145_000, days=120, seed=11,
                                        dirty=0.001)  # fmt: skip
    assert data.rows >= BIG_ROWS
    return data


@pytest.fixture(scope="session")
def small_events(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    """A few monthly event files for 20k tickets, with 0.1% defects."""
    out = tmp_path_factory.mktemp("small") / "events"
    data = Project(out.parent).generate("events", out, tickets=20_000, days=90, seed=5,
                                        dirty=0.001)  # fmt: skip
    assert len(data.files) >= 3
    return data


@pytest.fixture(scope="session")
def blank_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An initialised project that never ingested anything; copy it, never use it directly."""
    root = tmp_path_factory.mktemp("blank") / "project"
    root.mkdir()
    Project(root).init()
    return root


@pytest.fixture(scope="session")
def big_reference(big_events: Generated, blank_project: Path,
                  tmp_path_factory: pytest.TempPathFactory) -> Reference:  # fmt: skip
    """Totals and duration of one uninterrupted CLI ingest of the big dataset."""
    return reference_run(big_events, fresh(blank_project, tmp_path_factory.mktemp("ref")))


@pytest.fixture(scope="session")
def small_reference(small_events: Generated, blank_project: Path,
                    tmp_path_factory: pytest.TempPathFactory) -> Reference:  # fmt: skip
    """Totals of one uninterrupted CLI ingest of the small dataset."""
    return reference_run(small_events, fresh(blank_project, tmp_path_factory.mktemp("sref")))


def fresh(blank: Path, where: Path) -> Path:
    """A copy of the blank project at ``where/project``."""
    return Path(shutil.copytree(blank, where / "project"))


def ingest_cmd(project: Path, data: Path, *extra: str) -> list[str]:
    """The command line of ``ticketlake -p PROJECT ingest DATA``."""
    return [str(CLI), "-p", str(project), "ingest", str(data), *extra]


def ingest(project: Path, data: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """Run an ingest to completion."""
    return subprocess.run(ingest_cmd(project, data, *extra), capture_output=True, text=True,
                          timeout=RUN_TIMEOUT, check=False)  # fmt: skip


def start_ingest(project: Path, data: Path) -> subprocess.Popen[bytes]:
    """Start an ingest in the background, its output discarded."""
    return subprocess.Popen(ingest_cmd(project, data), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip


@contextmanager
def reaped(proc: subprocess.Popen[bytes]) -> Iterator[subprocess.Popen[bytes]]:
    """Make sure a background process is gone when the block ends, even on failure."""
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=RUN_TIMEOUT)


def reference_run(data: Generated, project: Path) -> Reference:
    """Ingest ``data`` once without interruption and note the outcome."""
    began = time.monotonic()
    result = ingest(project, data.out)
    seconds = time.monotonic() - began
    assert result.returncode == 0, result.stderr
    totals, batches = outcome(project)
    assert totals["files_committed"] == len(data.files) and totals["files_failed"] == 0
    return Reference(totals, batches, seconds)


def outcome(project: Path) -> tuple[dict[str, int], list[BatchKey]]:
    """Totals without ``files_skipped`` and the sorted committed batches of a project."""
    status = Project(project).status()
    totals = {k: v for k, v in status["totals"].items() if k != "files_skipped"}
    return totals, sorted(batch_key(b) for b in committed(status))


def batch_key(batch: dict[str, Any]) -> BatchKey:
    """The parts of a ledger row that must not depend on how the run went."""
    return (batch["path"], batch["status"], batch["rows_in"], batch["rows_loaded"],
            batch["rows_quarantined"], batch["duplicates"])  # fmt: skip


def committed(status: dict[str, Any]) -> list[dict[str, Any]]:
    """Ledger rows of committed batches."""
    return [b for b in status["batches"] if b["status"] == "committed"]


def latest_manifest(lake: Path) -> dict[str, Any]:
    """The highest-numbered manifest of ``lake`` (an empty one if none exists)."""
    versions = sorted((lake / "_manifest").glob("[0-9]*.json"))
    return json.loads(versions[-1].read_text()) if versions else {"batches": [], "files": []}


def assert_no_orphans(lake: Path) -> None:
    """Every Parquet file is named by the latest manifest, and every named file exists."""
    on_disk = {p.relative_to(lake).as_posix() for p in lake.rglob("*.parquet")}
    named = {f["key"] for f in latest_manifest(lake)["files"]}
    assert on_disk - named == set(), "orphan files"
    assert named - on_disk == set(), "named files missing"
    assert list((lake / "_manifest").glob("*.tmp")) == []


def snapshot(lake: Path) -> dict[str, str]:
    """Every file under ``lake`` with a hash of its bytes."""
    return {p.relative_to(lake).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(lake.rglob("*")) if p.is_file()}  # fmt: skip


def kill_moments(rng: random.Random, span: float, count: int) -> list[float]:
    """One random moment in each of ``count`` equal slices of (0, span), shuffled."""
    moments = [span * (i + rng.uniform(0.01, 0.99)) / count for i in range(count)]
    rng.shuffle(moments)
    return moments


@pytest.mark.slow
def test_sigkill_at_random_moments_leaves_totals_of_an_uninterrupted_run(
    big_events: Generated, blank_project: Path, big_reference: Reference, tmp_path: Path
) -> None:
    """A writer killed at any moment, then rerun, ends exactly like a run never killed."""
    rng = random.Random(SEED)
    mid_run = 0
    for i, moment in enumerate(kill_moments(rng, big_reference.seconds, KILLS)):
        project = fresh(blank_project, tmp_path / str(i))
        with reaped(start_ingest(project, big_events.out)) as proc:
            time.sleep(moment)
            proc.kill()
            proc.wait(timeout=RUN_TIMEOUT)
        done = len(committed(Project(project).status()))
        mid_run += 0 < done < len(big_reference.batches)
        result = ingest(project, big_events.out)
        assert result.returncode == 0, f"rerun after kill at {moment:.2f} s: {result.stderr}"
        totals, batches = outcome(project)
        assert totals == big_reference.totals, f"kill at {moment:.2f} s"
        assert batches == big_reference.batches, f"kill at {moment:.2f} s"
        assert_no_orphans(project / "lake")
        shutil.rmtree(project)  # ten copies of the lake would hold ~300 MB
    assert mid_run > 0, "no kill landed between two commits"


def test_sigkill_between_write_and_commit_leaves_no_orphans(
    small_events: Generated, blank_project: Path, small_reference: Reference, tmp_path: Path
) -> None:
    """A writer killed after writing a batch's files but before committing them is undone."""
    for done in (0, len(small_events.files) - 1):
        project = fresh(blank_project, tmp_path / str(done))
        lake = project / "lake"
        with reaped(start_ingest(project, small_events.out)) as proc:
            while proc.poll() is None and not (commits(lake) >= done and uncommitted(lake)):
                time.sleep(0.002)
            proc.kill()
            proc.wait(timeout=RUN_TIMEOUT)
        assert commits(lake) == done and uncommitted(lake), "not killed between write and commit"
        result = ingest(project, small_events.out)
        assert result.returncode == 0, result.stderr
        assert outcome(project) == (small_reference.totals, small_reference.batches)
        assert_no_orphans(lake)


def commits(lake: Path) -> int:
    """Committed batches named by the latest manifest."""
    return sum(b["status"] == "committed" for b in latest_manifest(lake)["batches"])


def uncommitted(lake: Path) -> set[str]:
    """Parquet files no manifest names yet (listed before the manifest is read)."""
    on_disk = {p.relative_to(lake).as_posix() for p in lake.rglob("*.parquet")}
    return on_disk - {f["key"] for f in latest_manifest(lake)["files"]}


def test_two_concurrent_ingests_equal_a_single_run(
    small_events: Generated, blank_project: Path, small_reference: Reference, tmp_path: Path
) -> None:
    """Two writers started together load every file once, like one writer alone."""
    single = small_reference
    project = fresh(blank_project, tmp_path)
    cmd = ingest_cmd(project, small_events.out)
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]  # fmt: skip
    for proc in procs:
        _, stderr = proc.communicate(timeout=RUN_TIMEOUT)
        assert proc.returncode == 0, stderr
    assert outcome(project) == (single.totals, single.batches)
    loaded = collections.Counter(Path(b["path"]).name for b in committed(Project(project).status()))
    assert loaded == collections.Counter(f.path.name for f in small_events.files)
    assert_no_orphans(project / "lake")


@pytest.mark.slow
def test_reader_is_not_blocked_by_writer(
    big_events: Generated, blank_project: Path, tmp_path: Path
) -> None:
    """Status answers promptly during an ingest and always shows a whole commit."""
    project = fresh(blank_project, tmp_path)
    seen: list[int] = []
    with reaped(start_ingest(project, big_events.out)) as proc:
        while proc.poll() is None:
            began = time.monotonic()
            status = Project(project).status()
            assert time.monotonic() - began < 5.0
            assert_consistent(status)
            seen.append(len(committed(status)))
        assert proc.returncode == 0
    assert seen == sorted(seen), "committed batches went backwards"
    assert len(set(seen)) >= 2, f"never saw a commit happen: {seen}"
    final = Project(project).status()
    assert_consistent(final)
    assert len(committed(final)) == len(big_events.files) >= seen[-1]


def assert_consistent(status: dict[str, Any]) -> None:
    """Ledger rows add up, and the data files agree with the ledger of the same version."""
    rows = committed(status)
    totals = status["totals"]
    for b in rows:
        assert b["rows_in"] == b["rows_loaded"] + b["rows_quarantined"], b
    assert totals["retries"] == 0
    assert totals["files_committed"] == len(rows)
    assert totals["rows_in"] == totals["rows_loaded"] + totals["rows_quarantined"]
    assert totals["rows_in"] == sum(b["rows_in"] for b in rows)
    assert totals["events"] == sum(b["rows_loaded"] - b["duplicates"] for b in rows)


def test_second_writer_gives_up_with_clear_message(
    small_events: Generated, blank_project: Path, tmp_path: Path
) -> None:
    """With the lock held elsewhere, ingest --wait 1 exits 75 with one error line."""
    project = fresh(blank_project, tmp_path)
    Project(project).ingest([small_events.files[0].path])
    lake = project / "lake"
    before = snapshot(lake)
    lock = lake / "_lock" / "write.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        began = time.monotonic()
        result = ingest(project, small_events.out, "--wait", "1")
        waited = time.monotonic() - began
    finally:
        os.close(fd)
    assert result.returncode == 75, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "another ingest" in errors[0], result.stderr
    others = [line for line in result.stderr.splitlines() if not line.startswith("error:")]
    assert all(line.startswith("waiting for another ingest") for line in others), result.stderr
    assert 1.0 <= waited < 30.0
    assert snapshot(lake) == before
