"""Lake integrity: the manifest records each committed file's size, SHA-256 and rows. A file
changed, truncated or removed afterwards stops every reader, build and ingest with one line
naming it (never a silently smaller result), and ``ticketlake verify`` checks the whole lake."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from ticketlake import Project
from ticketlake.cli.main import app
from ticketlake.lake import DataFile, LakeIntegrityError
from ticketlake.lake import manifest as mf

EXIT_DATAERR = 65


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with two months of events (two input files, four lake files), built once."""
    root = tmp_path_factory.mktemp("integrity") / "project"
    root.mkdir()
    project = Project(root)
    project.init()
    generated = project.generate("events", root / "exports", tickets=200, days=45)
    assert len(generated.files) == 2
    assert not project.ingest([root / "exports"]).failed
    project.build()
    return root


@pytest.fixture
def project(built: Path, tmp_path: Path) -> Project:
    """A private copy of the built project (its warehouse link is relative, so it moves)."""
    root = tmp_path / "project"
    shutil.copytree(built, root, symlinks=True)
    return Project(root)


def cli(project: Project, *args: str) -> tuple[int, str, str]:
    """``ticketlake -p PROJECT ARGS...``: (exit code, stdout, stderr)."""
    result = CliRunner().invoke(app, ["-p", str(project.root), *args])
    return result.exit_code, result.stdout, result.stderr


def files(project: Project, table: str) -> list[DataFile]:
    return [f for f in project.lake.manifest().files if f.table == table]


def path_of(project: Project, f: DataFile) -> Path:
    return project.root / "lake" / f.key


def overwrite(path: Path) -> None:
    """The attack from issue 14: other valid Parquet content (five of its rows) in its place."""
    con = duckdb.connect()
    con.execute(f"CREATE TABLE five AS SELECT * FROM read_parquet('{path}') LIMIT 5")
    con.execute(f"COPY five TO '{path}' (FORMAT parquet)")
    con.close()


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def remove(path: Path) -> None:
    path.unlink()


def flip(path: Path) -> None:
    """Change one byte in the middle of the file; its size stays the same."""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def warehouse_state(project: Project) -> tuple[Path, object]:
    """The snapshot the warehouse link points at, and its fact table's row count."""
    return project.warehouse.path.resolve(), project.query("SELECT count(*) FROM fact_ticket")


def one_line_naming(text: str, key: str) -> bool:
    line = text.strip()
    return "\n" not in line and key in line and "ticketlake verify" in line


@pytest.mark.parametrize("damage", [overwrite, truncate, remove], ids=lambda d: d.__name__)
def test_a_damaged_file_stops_reads_builds_and_ingests(
    project: Project, damage: Callable[[Path], None], tmp_path: Path
) -> None:
    """Every reader checks each file against the manifest before reading it."""
    before = warehouse_state(project)
    version = project.lake.manifest().version
    damaged = files(project, "ticket_events")[0]
    damage(path_of(project, damaged))
    with pytest.raises(LakeIntegrityError, match=damaged.key), project.read():
        pass
    new = project.generate("events", tmp_path / "new", tickets=20, days=5, seed=3).files[0]
    for args in (["status"], ["build"], ["build", "--full"], ["ingest", str(new.path)]):
        code, _out, err = cli(project, *args)
        assert code == EXIT_DATAERR, (args, err)
        assert one_line_naming(err, damaged.key), (args, err)
    assert warehouse_state(project) == before
    assert project.lake.manifest().version == version  # the ingest committed nothing


def test_verify_names_every_damaged_file(project: Project) -> None:
    first, second = files(project, "ticket_events")
    bronze = files(project, "bronze")[0]
    overwrite(path_of(project, first))
    truncate(path_of(project, second))
    flip(path_of(project, bronze))
    code, out, _err = cli(project, "verify")
    assert code == 1, out
    *lines, summary = out.strip().splitlines()
    assert sorted(lines) == sorted(f"damaged: {f.key}: {why}" for f, why in [
        (first, _size_change(project, first)),
        (second, _size_change(project, second)),
        (bronze, _checksum_change(project, bronze)),
    ])  # fmt: skip
    assert summary.startswith("lake damaged: 3 of 4 files")


def _size_change(project: Project, f: DataFile) -> str:
    found = path_of(project, f).stat().st_size
    return f"{found:,} bytes, the manifest says {f.size:,}"


def _checksum_change(project: Project, f: DataFile) -> str:
    found = hashlib.sha256(path_of(project, f).read_bytes()).hexdigest()
    return f"SHA-256 {found[:12]}..., the manifest says {str(f.sha256)[:12]}..."


def test_a_same_size_change_is_caught_by_its_checksum(project: Project) -> None:
    damaged = files(project, "ticket_events")[1]
    size = path_of(project, damaged).stat().st_size
    flip(path_of(project, damaged))
    assert path_of(project, damaged).stat().st_size == size
    code, out, _err = cli(project, "verify", "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert report["ok"] is False
    assert report["problems"] == [
        {"key": damaged.key, "problem": _checksum_change(project, damaged)}
    ]


def test_a_clean_lake_verifies_and_records_what_was_written(project: Project) -> None:
    manifest = project.lake.manifest()
    for f in manifest.files:
        data = path_of(project, f).read_bytes()
        assert (f.size, f.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    total = sum(int(f.size or 0) for f in manifest.files)
    code, out, _err = cli(project, "verify")
    assert code == 0, out
    assert out.strip() == f"lake ok: 4 files, {total:,} bytes, version {manifest.version}"
    code, out, _err = cli(project, "verify", "--format", "json")
    report = json.loads(out)
    assert code == 0 and report["ok"] is True and report["files"] == 4
    assert report["bytes"] == total and report["problems"] == [] and report["orphans"] == []


def test_orphans_are_listed_and_kept(project: Project) -> None:
    """A file no manifest names is not a damage (readers never see it), but verify lists it."""
    source = path_of(project, files(project, "ticket_events")[0])
    stray = source.with_name("stray.parquet")
    shutil.copyfile(source, stray)
    code, out, _err = cli(project, "verify")
    assert code == 0, out
    lines = out.strip().splitlines()
    key = stray.relative_to(project.root / "lake").as_posix()
    assert key.startswith("events/") and f"orphan: {key}: no manifest names it" in lines
    assert lines[-1].startswith("lake ok: 4 files") and stray.is_file()


def _as_older_version(project: Project) -> None:
    """Rewrite the latest manifest as ticketlake wrote it before it recorded sizes and hashes."""
    store = project.lake.store
    key = mf.key_of(mf.versions(store)[-1])
    body = json.loads(store.read_bytes(key))
    for f in body["files"]:
        del f["size"], f["sha256"]
    (project.root / "lake" / key).write_text(json.dumps(body))


def test_a_manifest_from_an_older_version_still_loads_reads_and_verifies(project: Project) -> None:
    with project.read() as con:
        events = con.execute("SELECT count(*) FROM ticket_events").fetchall()
    _as_older_version(project)
    assert all(f.size is None and f.sha256 is None for f in project.lake.manifest().files)
    with project.read() as con:
        assert con.execute("SELECT count(*) FROM ticket_events").fetchall() == events
    code, out, _err = cli(project, "verify")
    assert code == 0, out
    *lines, summary = out.strip().splitlines()
    keys = [f.key for f in project.lake.manifest().files]
    assert lines == [
        f"no checksum: {k}: written by an older ticketlake; rows checked" for k in keys
    ]
    assert summary.startswith("lake ok: 4 files") and "4 without checksum" in summary


def test_the_build_checks_row_counts_where_no_size_is_recorded(project: Project) -> None:
    """Without a recorded size the cheap check cannot see the attack; the build's footer
    check of row counts still stops it, and the published warehouse stays as it was."""
    _as_older_version(project)
    before = warehouse_state(project)
    damaged = files(project, "ticket_events")[0]
    overwrite(path_of(project, damaged))
    for args in (["build"], ["build", "--full"]):
        code, _out, err = cli(project, *args)
        assert code == EXIT_DATAERR, err
        assert one_line_naming(err, damaged.key) and f"{damaged.rows:,}" in err, err
    assert warehouse_state(project) == before
    code, out, _err = cli(project, "verify")
    assert code == 1 and f"damaged: {damaged.key}: 5 rows, the manifest says" in out


def test_a_damaged_manifest_is_an_error_naming_it(project: Project) -> None:
    key = mf.key_of(project.lake.manifest().version)
    (project.root / "lake" / key).write_text('{"version": 2, "files": [')
    for args in (["status"], ["verify"]):
        code, _out, err = cli(project, *args)
        assert code == EXIT_DATAERR and "\n" not in err.strip() and key in err, err


def test_a_quarantine_retry_checks_the_bronze_copy_it_reads(tmp_path: Path) -> None:
    """A retry reads the original rows back from the batch's bronze file, not from a view:
    a bronze copy cut to five rows must stop it, not retry five rows and call it done."""
    project = Project(tmp_path / "dirty")
    project.root.mkdir()
    project.init()
    project.generate("events", tmp_path / "exports", tickets=200, days=10, dirty=0.05)
    (batch,) = project.ingest([tmp_path / "exports"]).batches
    assert batch.rows_quarantined > 0
    (bronze,) = files(project, "bronze")
    overwrite(project.root / "lake" / bronze.key)
    with pytest.raises(LakeIntegrityError, match=bronze.key):
        project.retry_quarantine()
