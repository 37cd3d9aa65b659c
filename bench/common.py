"""Running one stage in its own process and measuring it: wall time and peak memory.

Each stage is a child process so its peak resident memory is its own. DuckDB allocates
natively, so the resident set of the process (not tracemalloc) is what counts: the peak is
the larger of the child's ``ru_maxrss`` (from ``wait4``) and the summed RSS of its process
tree, polled every 50 ms.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import duckdb
import pyarrow

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / "work"  # generated workloads and scratch projects (gitignored)
RESULTS = BENCH / "results"
BIN = Path(sys.executable).parent
TICKETLAKE = str(BIN / "ticketlake")
PYTHON = sys.executable
MB = 1_000_000  # MB/s and sizes in the results are decimal megabytes
PINNED = "TICKETLAKE_BENCH_SOURCE"  # set when src/ of a git revision is benchmarked


@dataclass
class Measured:
    """One child process: its command, wall seconds, peak RSS and exit code."""

    label: str
    command: list[str]
    seconds: float
    peak_rss_bytes: int
    returncode: int
    cpu_seconds: float = 0.0  # user + system CPU of the child: less sensitive to a busy machine
    load_before: float = 0.0  # 1-minute load average when it started
    stdout_tail: str = ""
    stderr_tail: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class StageError(RuntimeError):
    """A measured child exited non-zero; ``measured`` is what was measured of it."""

    def __init__(self, message: str, measured: Measured) -> None:
        super().__init__(message)
        self.measured = measured


def measure(label: str, command: list[str], cwd: Path | None = None,
            env: dict[str, str] | None = None, stdout: Path | None = None,
            check: bool = True) -> Measured:  # fmt: skip
    """Run ``command`` to completion; return its wall time and peak RSS."""
    out = open(stdout, "wb") if stdout else subprocess.PIPE  # noqa: SIM115
    load = os.getloadavg()[0]
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.PIPE)
    poller = _TreePoller(proc.pid)
    poller.start()
    stderr_chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: stderr_chunks.append(proc.stderr.read()))  # type: ignore[union-attr]
    reader.start()
    stdout_data = b""
    if stdout is None:
        stdout_data = proc.stdout.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    poller.stop()
    reader.join()
    if stdout:
        out.close()  # type: ignore[union-attr]
    peak = max(usage.ru_maxrss * 1024, poller.peak)
    result = Measured(label, command, seconds, peak, proc.returncode,
                      usage.ru_utime + usage.ru_stime, load,
                      _tail(stdout_data), _tail(b"".join(stderr_chunks)))  # fmt: skip
    if check and proc.returncode != 0:
        message = f"{label} failed ({proc.returncode}): {' '.join(command)}"
        raise StageError(f"{message}\n{result.stderr_tail}\n{result.stdout_tail}", result)
    return result


def _tail(data: bytes, limit: int = 2000) -> str:
    return data[-limit:].decode("utf-8", "replace")


class _TreePoller(threading.Thread):
    """Samples the summed RSS of a process and its descendants."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak = pid, interval, 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.peak = max(self.peak, tree_rss(self.pid))
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and every descendant (0 once it has exited)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as handle:
                    fields = handle.read().rsplit(b")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(entry))
            except (OSError, IndexError):
                continue
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += _rss(current)
        todo += children.get(current, [])
    return total


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", "rb") as handle:
            for line in handle:
                if line.startswith(b"VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def csv_stats(folder: Path, files: list[Path] | None = None) -> tuple[int, int, int]:
    """(files, data rows, bytes) of the CSV files in ``folder`` (or of ``files``)."""
    paths = files if files is not None else sorted(folder.glob("*.csv"))
    rows = size = 0
    for path in paths:
        size += path.stat().st_size
        with open(path, "rb") as handle:
            rows += sum(block.count(b"\n") for block in iter(lambda h=handle: h.read(1 << 24), b""))
        rows -= 1  # header
    return len(paths), rows, size


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    info: dict[str, Any] = {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "ram_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "os": f"{platform.system()} {platform.release()}",
        "distro": _distro(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "pyarrow": pyarrow.__version__,
        "ticketlake": _version("ticketlake"),
        "pandas": _version("pandas"),
        "git": _git_head(),
        "load_avg_at_start": os.getloadavg(),
    }
    return info


def _version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _distro() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return ""


def _git_head() -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True)  # fmt: skip
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "src"],
                               capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
        return out.stdout.strip() + ("+dirty-src" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def rerun_at(rev: str, module: str, argv: list[str], work: Path = WORK) -> Path:
    """Run ``python -m module argv`` again with ``src/`` of git revision ``rev`` first on the
    Python path, so the harness and every stage use that revision while others edit the
    working tree; return the path the rerun prints last (its results)."""
    sha = subprocess.run(["git", "-C", str(REPO), "rev-parse", rev], capture_output=True,
                         text=True, check=True).stdout.strip()  # fmt: skip
    target = work / "src" / sha
    if not (target / "src" / "ticketlake").is_dir():
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(REPO), "archive", sha, "src"],
                                 capture_output=True, check=True).stdout  # fmt: skip
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    path = os.pathsep.join(filter(None, [str(target / "src"), os.environ.get("PYTHONPATH")]))
    env = os.environ | {PINNED: f"git {sha}", "PYTHONPATH": path}
    print(f"ticketlake at {sha} ({target / 'src'})", file=sys.stderr, flush=True)
    out = subprocess.run([PYTHON, "-m", module, *argv, "--print-out"], cwd=REPO, env=env,
                         check=True, stdout=subprocess.PIPE, text=True).stdout  # fmt: skip
    return Path(out.strip().splitlines()[-1])
