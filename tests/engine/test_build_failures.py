"""A build that is killed, runs out of disk or runs out of memory publishes nothing partial,
leaves nothing behind, and the next build succeeds and equals an undisturbed one."""

from __future__ import annotations

import json
import math
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ticketlake import Project
from ticketlake.common import duck
from ticketlake.engine import leases
from ticketlake.engine import warehouse as wh
from ticketlake.errors import OutOfMemoryError, TicketlakeError

CLI = Path(sys.executable).parent / "ticketlake"
KILLS = 6
SEED = 20261201


class Tables(dict[str, list[tuple[Any, ...]]]):
    """Every table of a published build (state tables aside), rows sorted; two are equal
    when their doubles agree to 1e-9 relative (sums in another order differ in the last
    bits) and everything else exactly."""

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, dict) and self.keys() == other.keys()
                and all(_rows_equal(self[n], other[n]) for n in self))  # fmt: skip

    __hash__ = None  # type: ignore[assignment]


def tables(project: Project) -> Tables:
    """The published build's tables (see :class:`Tables`)."""
    con = duck.connect({}, path=str(project.warehouse.path.resolve()), read_only=True)
    try:
        names = sorted(n for n in duck.relations(con) if not n.startswith("_"))
        found = {n: con.execute(f'SELECT * FROM "{n}"').fetchall() for n in names}
    finally:
        con.close()
    return Tables({n: sorted(rows, key=_order) for n, rows in found.items()})


def _order(row: tuple[Any, ...]) -> str:
    return repr(tuple(round(v, 6) if isinstance(v, float) else v for v in row))


def _rows_equal(a: list[tuple[Any, ...]], b: list[tuple[Any, ...]]) -> bool:
    return len(a) == len(b) and all(
        len(x) == len(y) and all(_same(u, v) for u, v in zip(x, y, strict=True))
        for x, y in zip(a, b, strict=True)
    )


def _same(u: Any, v: Any) -> bool:
    if isinstance(u, float) and isinstance(v, float):
        return math.isclose(u, v, rel_tol=1e-9, abs_tol=1e-12)
    return bool(u == v)


def leftovers(project: Project) -> list[str]:
    """Files in the warehouse folder that no kept build names (a failed build's remains)."""
    root = project.warehouse.root
    kept = project.warehouse._kept()
    named = {b.root / t.file for b in kept for t in b.tables.values()}
    named |= {b.catalog for b in kept} | {b.catalog.with_suffix(".json") for b in kept}
    named |= {root / "work.duckdb", root / "ticketlake.duckdb",
              root / "builds" / "published.json", root / "builds" / ".lock",
              root / "builds" / leases.LOCK}  # fmt: skip  # the builder's and readers' locks
    found = (p for p in root.rglob("*") if p.is_file() or p.is_symlink())
    return sorted(str(p.relative_to(root)) for p in found if p not in named)


@pytest.fixture(scope="module")
def lake_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with a month of an event log ingested, never built; copy it."""
    root = tmp_path_factory.mktemp("first") / "project"
    root.mkdir()
    project = Project(root)
    project.init()
    data = project.generate("events", root.parent / "events", tickets=6_000, days=60, seed=3)
    project.ingest([data.files[0].path])
    (root.parent / "later").mkdir()
    for f in data.files[1:]:
        shutil.copy(f.path, root.parent / "later" / f.path.name)
    return root


@pytest.fixture(scope="module")
def built_project(lake_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``lake_project`` built once, then the other month ingested, not built; copy it."""
    root = Path(
        shutil.copytree(lake_project, tmp_path_factory.mktemp("second") / "project", symlinks=True)
    )
    Project(root).build()
    Project(root).ingest([lake_project.parent / "later"])
    return root


@pytest.fixture(scope="module")
def reference(lake_project: Path, built_project: Path,
              tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:  # fmt: skip
    """Undisturbed runs: the first build of ``lake_project`` and the incremental build of
    ``built_project``, with their tables and how long each took."""
    found: dict[str, Any] = {}
    for name, template in (("first", lake_project), ("second", built_project)):
        project = copy_of(template, tmp_path_factory.mktemp(f"ref-{name}"))
        began = time.monotonic()
        project.build()
        found[f"{name}_seconds"] = time.monotonic() - began
        found[name] = tables(project)
    return found


def copy_of(lake_project: Path, where: Path) -> Project:
    return Project(Path(shutil.copytree(lake_project, where / "project", symlinks=True)))


def build_cmd(project: Project, *extra: str) -> list[str]:
    return [str(CLI), "-p", str(project.root), "build", *extra]


def kill_during_build(project: Project, after: float) -> None:
    """Start ``ticketlake build`` and SIGKILL it ``after`` seconds in."""
    proc = subprocess.Popen(build_cmd(project), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        time.sleep(after)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=300)


def published_is_whole(project: Project, allowed: list[Tables | None]) -> None:
    """The warehouse path names no build, or a whole one that is one of ``allowed``."""
    if not project.warehouse.path.exists():
        assert None in allowed
        return
    assert tables(project) in [a for a in allowed if a is not None]


@pytest.mark.slow
def test_sigkill_at_random_moments_of_a_first_and_an_incremental_build(
    lake_project: Path, built_project: Path, reference: dict[str, Any], tmp_path: Path
) -> None:
    """Killed at any moment, a build leaves the previous build published (or none), whole;
    the next build removes what the killed one left and ends like an undisturbed one."""
    rng = random.Random(SEED)
    for i in range(KILLS):
        incremental = i % 2 == 1
        project = copy_of(built_project if incremental else lake_project, tmp_path / str(i))
        span = reference["second_seconds" if incremental else "first_seconds"]
        kill_during_build(project, rng.uniform(0.05, 1.0) * span)
        before = reference["first"] if incremental else None
        after = reference["second"] if incremental else reference["first"]
        published_is_whole(Project(project.root), [before, after])
        done = subprocess.run(build_cmd(project), capture_output=True, text=True, timeout=300,
                              check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert tables(Project(project.root)) == after, f"kill {i}"
        assert leftovers(Project(project.root)) == []
        shutil.rmtree(project.root.parent)


def test_a_build_killed_after_its_catalog_leaves_the_last_good_build(
    built_project: Path, reference: dict[str, Any], tmp_path: Path
) -> None:
    """Orphans of a build that died before publishing (a catalog, table files, a WAL) are
    removed by the next build, and retention counts only published builds: the last good
    build is never deleted to make room for an orphan."""
    project = copy_of(built_project, tmp_path)
    good = project.warehouse.current()
    assert good is not None
    builds = project.warehouse.builds
    for name in ("20990101T000000-deadbeef.duckdb", "20990101T000000-deadbeef.duckdb.wal",
                 ".20990101T000001-feedface.duckdb.tmp"):  # fmt: skip
        (builds / name).write_bytes(b"left by a killed build")
    orphan = project.warehouse.root / "tables" / "fact_ticket" / "20990101T000000-deadbeef.parquet"
    orphan.write_bytes(b"PAR1")
    project.build()
    kept = [b.build_id for b in project.warehouse._kept()]
    assert kept[1] == good.build_id and len(kept) == 2
    assert (builds / f"{good.build_id}.duckdb").exists()
    assert leftovers(project) == [] and not orphan.exists()
    assert tables(project) == reference["second"]


def test_a_build_that_fails_after_committing_models_makes_the_next_one_start_afresh(
    built_project: Path, reference: dict[str, Any], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """Each model is committed to the working database as it is built; one that fails later
    leaves the database marked as holding no published build, so the next build rebuilds
    every model rather than trust a half-refreshed one, and equals an undisturbed build."""
    project = copy_of(built_project, tmp_path)
    work = project.warehouse.root / wh.WORK
    good = project.warehouse.current()
    assert good is not None and wh._holds(work) == good.build_id
    runs = wh.Runner._model

    def failing(self: wh.Runner, model: Any, *args: Any) -> tuple[str, int]:
        if model.name == "lifecycle_distribution":
            raise TicketlakeError("a model that cannot run")
        return runs(self, model, *args)

    with monkeypatch.context() as patched:
        patched.setattr(wh.Runner, "_model", failing)
        with pytest.raises(TicketlakeError, match="a model that cannot run"):
            project.build()
    assert wh._holds(work) is None
    con = duck.connect({}, path=str(work), read_only=True)
    try:
        committed = {
            r[0]
            for r in con.execute(
                "SELECT model FROM _models WHERE done_gen = (SELECT max(done_gen) FROM _models)"
            ).fetchall()
        }
    finally:
        con.close()
    assert "fact_ticket" in committed and "lifecycle_distribution" not in committed
    assert tables(project) == reference["first"]
    built = project.build()
    assert set(built.modes.values()) == {"full"}
    assert tables(Project(project.root)) == reference["second"]
    assert leftovers(project) == []


# ---------------------------------------------------------------- disk


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 3 MB tmpfs, unmounted afterwards (tests run as root, as ``make test`` does)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def on_disk(project: Project, disk: Path) -> Project:
    return Project(project.root, [f"paths.warehouse={disk / 'warehouse' / 'ticketlake.duckdb'}"])


def test_a_build_that_would_not_fit_is_refused_before_it_starts(
    lake_project: Path, tmp_path: Path, small_disk: Path
) -> None:
    """Free space is checked first; the message says how much is needed."""
    project = on_disk(copy_of(lake_project, tmp_path), small_disk)
    with pytest.raises(wh.WarehouseError, match="free, but a build needs about"):
        project.build()
    assert not project.warehouse.path.exists()


def test_a_disk_that_fills_up_during_a_build_leaves_nothing(
    lake_project: Path, reference: dict[str, Any], tmp_path: Path, small_disk: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """With the space check fooled, the disk fills up mid-build: one line, nothing published,
    nothing left behind; with room again, the next build equals an undisturbed one."""
    project = on_disk(copy_of(lake_project, tmp_path), small_disk)
    real = shutil.disk_usage
    monkeypatch.setattr(wh.shutil, "disk_usage",
                        lambda p: real(p)._replace(free=1 << 40))  # fmt: skip
    with pytest.raises(wh.WarehouseError, match="disk filled up") as info:
        project.build()
    assert "\n" not in str(info.value)
    assert not project.warehouse.path.exists()
    subprocess.run(["mount", "-o", "remount,size=200m", str(small_disk)], check=True)
    monkeypatch.undo()
    Project(project.root, project.overrides).build()
    assert tables(Project(project.root, project.overrides)) == reference["first"]
    assert leftovers(Project(project.root, project.overrides)) == []


# ---------------------------------------------------------------- memory


def test_a_build_that_cannot_fit_in_memory_says_so_and_publishes_nothing(
    built_project: Path, reference: dict[str, Any], tmp_path: Path
) -> None:
    """A tiny engine.memory_limit: one line naming the model and the setting, exit 71, the
    previous build still published; with the limit back, the build equals an undisturbed one."""
    project = copy_of(built_project, tmp_path)
    cmd = [str(CLI), "-p", str(project.root), "--set", "engine.memory_limit=2MB", "build"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == OutOfMemoryError.exit_code, done.stderr
    [line] = [x for x in done.stderr.splitlines() if x.startswith("error:")]
    assert "out of memory while building" in line and "engine.memory_limit" in line
    assert "Traceback" not in done.stderr
    assert tables(Project(project.root)) == reference["first"]
    Project(project.root).build()
    assert tables(Project(project.root)) == reference["second"]
    assert leftovers(Project(project.root)) == []


def test_an_ingest_that_cannot_fit_in_memory_says_so_and_commits_nothing(
    lake_project: Path, tmp_path: Path
) -> None:
    """The same for ingest: one line naming the file and the setting; the lake unchanged."""
    project = copy_of(lake_project, tmp_path)
    before = project.status()["totals"]
    done = subprocess.run([str(CLI), "-p", str(project.root), "--set", "engine.memory_limit=1MB",
                           "ingest", str(lake_project.parent / "later")], capture_output=True,
                          text=True, timeout=300, check=False)  # fmt: skip
    assert done.returncode == OutOfMemoryError.exit_code, done.stderr
    [line] = [x for x in done.stderr.splitlines() if x.startswith("error:")]
    assert "out of memory while " in line and "engine.memory_limit is 1MB" in line
    after = Project(project.root).status()["totals"]
    assert {k: v for k, v in after.items() if k != "files_skipped"} == {
        k: v for k, v in before.items() if k != "files_skipped"
    }
    lake = project.root / "lake"
    named = {f["key"] for f in _latest(lake)["files"]}
    assert {p.relative_to(lake).as_posix() for p in lake.rglob("*.parquet")} == named


def _latest(lake: Path) -> dict[str, Any]:
    versions = sorted((lake / "_manifest").glob("[0-9]*.json"))
    return dict(json.loads(versions[-1].read_text()))


def test_errors_are_not_swallowed(lake_project: Path, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """A failure that is neither memory nor disk still fails the build, unchanged, and
    leaves nothing published."""
    project = copy_of(lake_project, tmp_path)

    def broken(*args: object, **kwargs: object) -> None:
        raise TicketlakeError("a model that cannot run")

    monkeypatch.setattr(wh.publish, "write", broken)
    with pytest.raises(TicketlakeError, match="a model that cannot run"):
        project.build()
    assert not project.warehouse.path.exists()
    assert leftovers(project) == []


# ---------------------------------------------------------------- export


def exported(folder: Path) -> dict[str, bytes]:
    """Every file an export wrote, by name (hidden partial files included, to catch them)."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def export_reference(built_project: Path, tmp_path_factory: pytest.TempPathFactory
                     ) -> tuple[Path, dict[str, bytes], float]:  # fmt: skip
    """A built project (copy it), its undisturbed CSV export and how long that took."""
    root = copy_of(built_project, tmp_path_factory.mktemp("export")).root
    out = root.parent / "ref"
    began = time.monotonic()
    done = subprocess.run([str(CLI), "-p", str(root), "export", str(out)], capture_output=True,
                          text=True, timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return root, exported(out), time.monotonic() - began


def test_sigkill_during_an_export_then_again_equals_an_undisturbed_export(
    export_reference: tuple[Path, dict[str, bytes], float], tmp_path: Path
) -> None:
    """Every file an export leaves is whole; the next export removes its partial file and
    ends with exactly the undisturbed files."""
    root, want, seconds = export_reference
    rng = random.Random(SEED + 1)
    for i in range(3):
        out = tmp_path / str(i)
        cmd = [str(CLI), "-p", str(root), "export", str(out)]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, 0.9) * seconds)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=300)
        if out.exists():
            for name, data in exported(out).items():
                assert name.startswith(".") or data == want[name], name  # whole, or partial
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stderr
        assert exported(out) == want


def test_an_export_onto_a_full_disk_is_one_line_and_leaves_no_partial_file(
    export_reference: tuple[Path, dict[str, bytes], float], small_disk: Path
) -> None:
    """The disk fills up: exit 74, one line naming the file, every file left is whole and no
    partial one remains; with room again, the export equals an undisturbed one."""
    root, want, _ = export_reference
    out = small_disk / "mart"
    cmd = [str(CLI), "-p", str(root), "export", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 74, done.stderr
    [line] = [x for x in done.stderr.splitlines() if x.startswith("error:")]
    assert "cannot write" in line and str(out) in line and "Traceback" not in done.stderr
    left = exported(out)
    assert not [n for n in left if n.startswith(".")]
    assert all(data == want[name] for name, data in left.items())
    subprocess.run(["mount", "-o", "remount,size=200m", str(small_disk)], check=True)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert exported(out) == want
