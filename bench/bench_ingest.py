"""Time ingestion per shape (`python bench/bench_ingest.py [TICKETS]`); not a test."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from ticketlake import Project
from ticketlake.synth import SHAPES, Options, write_shape


def main(tickets: int) -> None:
    """Print rows in, seconds and rows per second for each shape, plus the real ServiceNow log."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for shape in SHAPES:
            data = write_shape(shape, root / "data" / shape, Options(tickets=tickets, days=180))
            _time(root / f"p-{shape}", shape, [data.out])
        log = (
            Path(__file__).resolve().parents[2] / "shared/data/servicenow_incident_event_log.csv.gz"
        )
        if log.exists():
            _time(root / "p-servicenow", "servicenow", [log], "servicenow")


def _time(folder: Path, label: str, paths: list[Path], fmt: str = "auto") -> None:
    project = Project(folder)
    folder.mkdir()
    project.init()
    started = time.perf_counter()
    project.ingest(paths, format=fmt)
    seconds = time.perf_counter() - started
    rows = project.status()["totals"]["rows_in"]
    print(f"{label:13s} {rows:>10,} rows {seconds:7.1f} s {rows / seconds:>10,.0f} rows/s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
