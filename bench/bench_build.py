"""Time warehouse builds (`python bench/bench_build.py [TICKETS]`); not a test.

Ingests a generated event log month by month: a full build after all but the last month,
then the last month and an incremental build, then a full build of the same lake.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ticketlake import Project
from ticketlake.synth import Options, write_shape


def main(tickets: int) -> None:
    """Print seconds for a full build, an incremental build and a full rebuild."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        data = write_shape("events", root / "data", Options(tickets=tickets, days=180))
        files = sorted(f.path for f in data.files)
        project = Project(root / "project")
        project.root.mkdir()
        project.init()
        project.ingest(files[:-1], format="eventlog")
        events = project.status()["totals"]["events"]
        _time(f"full build, {events:,} events", lambda: project.build(full=True))
        project.ingest(files[-1:], format="eventlog")
        events = project.status()["totals"]["events"]
        _time(f"incremental, +1 month, {events:,} events", project.build)
        _time(f"full build, {events:,} events", lambda: project.build(full=True))


def _time(label: str, step: Callable[[], object]) -> None:
    started = time.perf_counter()
    step()
    print(f"{label:45s} {time.perf_counter() - started:7.1f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
