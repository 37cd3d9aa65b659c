"""Unusable paths from the command line: a configuration error (exit 2) when a setting names a
path of the wrong kind, an I/O error (exit 74) naming the path when the operating system
refuses it; one line each, never a traceback or an internal error. A log folder that cannot
be written only turns file logging off, and devices, pipes and sockets are never ingested."""

from __future__ import annotations

import csv
import io
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ticketlake import Project
from ticketlake.cli.main import app
from ticketlake.errors import StorageError
from ticketlake.synth import Options, write_shape

TINY = Options(tickets=40, days=3, seed=3)


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


def run(project: Path, *args: str) -> Ran:
    """``ticketlake -p PROJECT ARGS...`` in this process."""
    result = CliRunner().invoke(app, ["-p", str(project), *args])
    return Ran(result.exit_code, result.stdout, result.stderr)


def run_process(project: Path, *args: str) -> Ran:
    """The same in a subprocess with a deadline: a command that blocks fails the test."""
    cmd = [sys.executable, "-c", "from ticketlake.cli.main import main; main()",
           "-p", str(project), *args]  # fmt: skip
    env = {**os.environ, "COLUMNS": "1000"}  # one message a line, however long its path
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False, env=env)
    return Ran(done.returncode, done.stdout, done.stderr)


def assert_one_error(ran: Ran, code: int, *names: str) -> str:
    """Exit ``code`` and exactly one ``error:`` line, naming every one of ``names``."""
    assert ran.code == code, ran.err
    assert "Traceback" not in ran.err and "internal error" not in ran.err, ran.err
    errors = [line for line in ran.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, ran.err
    assert all(name in errors[0] for name in names), errors[0]
    return errors[0]


def assert_log_warning(ran: Ran, log_dir: Path) -> None:
    """Success, and one warning line saying the log file is off and where it is."""
    assert ran.code == 0, ran.err
    assert "error:" not in ran.err and "Traceback" not in ran.err, ran.err
    warnings = [line for line in ran.err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1, ran.err
    assert str(log_dir) in warnings[0] and "logging to the file is off" in warnings[0]


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Make ``folder`` and everything in it read-only for this process, root included: a
    read-only bind mount as root (who ignores permission bits), the bits otherwise."""
    if os.geteuid() != 0:
        with _without_write_bits(folder):
            yield
        return
    mounted = subprocess.run(["mount", "--bind", folder, folder], capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.fail(f"cannot make {folder} read-only as root: mount --bind failed "
                    f"({mounted.stderr.decode().strip()}); these tests need CAP_SYS_ADMIN")  # fmt: skip
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", folder], check=True)
        yield
    finally:
        subprocess.run(["umount", folder], check=True)


@contextmanager
def _without_write_bits(folder: Path) -> Iterator[None]:
    entries = [folder, *folder.rglob("*")]
    modes = {path: path.stat().st_mode for path in entries}
    for path, mode in modes.items():
        path.chmod(mode & ~0o222)
    try:
        yield
    finally:
        for path, mode in modes.items():
            path.chmod(mode)


@pytest.fixture
def export(tmp_path: Path) -> Path:
    """One small, valid tickets export."""
    return write_shape("tickets", tmp_path / "export", TINY).files[0].path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An initialised project folder."""
    root = tmp_path / "project"
    root.mkdir()
    Project(root).init()
    return root


@pytest.fixture
def built(project: Path, export: Path) -> Path:
    """A project with one batch ingested and the warehouse built."""
    for args in (("ingest", str(export)), ("build",)):
        ran = run(project, *args)
        assert ran.code == 0, ran.err
    return project


# ---------------------------------------------------------------- configuration errors

COMMANDS = [("status",), ("config",), ("ingest", "{export}"), ("build",), ("query", "select 1")]
WRONG_KIND = [
    ("lake", "/dev/null"),
    ("lake", "{file}"),
    ("lake", "/dev/null/lake"),
    ("warehouse", "{folder}"),
    ("warehouse", "/dev/null/ticketlake.duckdb"),
    ("logs", "{file}"),
]


@pytest.mark.parametrize(("key", "value"), WRONG_KIND)
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_path_of_the_wrong_kind_is_a_config_error(
    tmp_path: Path, project: Path, export: Path, command: tuple[str, ...], key: str, value: str
) -> None:
    """Every command refuses it before doing anything: exit 2, naming the key and the path."""
    (tmp_path / "a_file").write_text("not a folder\n")
    (tmp_path / "a_folder").mkdir()
    names = {"file": tmp_path / "a_file", "folder": tmp_path / "a_folder", "export": export}
    value = value.format(**names)
    args = [arg.format(**names) for arg in command]
    ran = run(project, "--set", f"paths.{key}={value}", *args)
    assert_one_error(ran, 2, f"paths.{key}", value)


# ---------------------------------------------------------------- I/O errors


def test_lake_the_system_will_not_create_is_an_io_error(project: Path, export: Path) -> None:
    ran = run(project, "--set", "paths.lake=/proc/ticketlake-lake", "ingest", str(export))
    assert_one_error(ran, StorageError.exit_code, "/proc/ticketlake-lake")


def test_read_only_lake_refuses_ingest_and_still_reads(built: Path, tmp_path: Path) -> None:
    second = write_shape("tickets", tmp_path / "more", Options(tickets=30, days=2, seed=9))
    with read_only(built / "lake"):
        ran = run(built, "ingest", str(second.files[0].path))
        line = assert_one_error(ran, StorageError.exit_code, str(built / "lake"))
        assert "read-only file system" in line.lower() or "permission denied" in line.lower()
        status = run(built, "status", "--format", "json")
    assert status.code == 0 and '"batches"' in status.out, status.err


def test_lake_in_a_read_only_folder_is_an_io_error(project: Path, export: Path) -> None:
    (project / "frozen").mkdir()
    with read_only(project / "frozen"):
        ran = run(project, "--set", "paths.lake=frozen/lake", "ingest", str(export))
    assert_one_error(ran, StorageError.exit_code, str(project / "frozen" / "lake"))


def test_read_only_warehouse_folder_refuses_build_and_still_answers(built: Path) -> None:
    with read_only(built / "warehouse"):
        ran = run(built, "build")
        assert_one_error(ran, StorageError.exit_code, str(built / "warehouse" / "builds"))
        query = run(built, "query", "select count(*) AS n from fact_ticket", "--format", "csv")
    assert query.code == 0 and query.out.splitlines()[0] == "n", query.err


def test_warehouse_the_system_will_not_create_is_an_io_error(project: Path) -> None:
    ran = run(project, "--set", "paths.warehouse=/proc/ticketlake/w.duckdb", "build")
    assert_one_error(ran, StorageError.exit_code, "/proc/ticketlake")


# ---------------------------------------------------------------- logs


@pytest.mark.parametrize("command", [*COMMANDS, ("quarantine",)], ids=lambda c: c[0])
def test_read_only_log_folder_turns_file_logging_off(
    built: Path, export: Path, command: tuple[str, ...]
) -> None:
    """Reading commands work; writing ones too: the lake's ledger, not the log, is the record."""
    args = [arg.format(export=export) for arg in command]
    with read_only(built / "logs"):
        ran = run(built, *args)
    assert_log_warning(ran, built / "logs")


def test_log_folder_the_system_will_not_create_turns_file_logging_off(project: Path) -> None:
    ran = run(project, "--set", "paths.logs=/proc/ticketlake-logs", "status")
    assert_log_warning(ran, Path("/proc/ticketlake-logs"))


# ---------------------------------------------------------------- inputs that are not files


def _fifo(folder: Path) -> Path:
    path = folder / "pipe.csv"
    os.mkfifo(path)
    return path


def _socket(folder: Path) -> Path:
    path = folder / "sock.csv"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
    return path


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (lambda _: Path("/dev/zero"), "a character device"),
        (lambda _: Path("/dev/null"), "a character device"),
        (_fifo, "a named pipe"),
        (_socket, "a socket"),
    ],
    ids=["dev-zero", "dev-null", "fifo", "socket"],
)
def test_non_regular_input_is_refused_without_opening_it(
    project: Path, tmp_path: Path, make: object, kind: str
) -> None:
    """/dev/zero never ends and opening a FIFO blocks: refused quickly, nothing recorded."""
    path = make(tmp_path)  # type: ignore[operator]
    ran = run_process(project, "ingest", str(path))
    line = assert_one_error(ran, 2, str(path), "not a regular file", kind)
    assert line == f"error: {path}: not a regular file (it is {kind})"
    assert run(project, "status", "--format", "json").out.count('"batch_id"') == 0


def test_folder_lists_non_regular_files_as_ignored(project: Path, export: Path) -> None:
    """The export is loaded; the pipe, the socket and the dead link beside it are ignored."""
    pipe, sock = _fifo(export.parent), _socket(export.parent)
    dead = export.parent / "gone.csv"
    dead.symlink_to(export.parent / "nowhere.csv")
    ran = run_process(project, "ingest", str(export.parent), "--output", "csv")
    assert ran.code == 0, ran.err
    ignored = sorted(line for line in ran.err.splitlines() if line.startswith("ignored:"))
    assert ignored == [
        f"ignored: {dead}: cannot be read: No such file or directory",
        f"ignored: {pipe}: not a regular file (it is a named pipe)",
        f"ignored: {sock}: not a regular file (it is a socket)",
    ]
    rows = list(csv.DictReader(io.StringIO(ran.out)))
    assert [(row["file"], row["status"]) for row in rows] == [(export.name, "committed")]


def test_file_the_system_will_not_read_is_a_failed_batch(project: Path) -> None:
    """A process's own memory map is a regular file whose first bytes cannot be read."""
    ran = run(project, "ingest", "/proc/self/mem")
    assert_one_error(ran, 1, "/proc/self/mem: cannot be read: Input/output error")
