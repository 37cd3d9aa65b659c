"""Issue 17: an XES log of a million events ingests in bounded memory (peak RSS under
``engine.memory_limit``).

Writes the log with the generator (``--shape xes``, enough tickets for the events asked),
ingests it into a scratch project whose ``engine.memory_limit`` is ``--memory-limit``, in its
own process, and reports the ingest's peak RSS against the limit as JSON (and into
``bench/results/xes-memory-<events>.json`` with ``--save``)::

    python -m bench.xes_memory                      # 1,000,000 events (several minutes)
    python -m bench.xes_memory --events 50000       # the same check, small
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import stages, targets
from bench.common import Measured, measure

EVENTS_PER_TICKET = 6.5  # what the generator draws on average over 90 days
RESULTS = Path(__file__).parent / "results"


def generate(folder: Path, events: int) -> tuple[int, int]:
    """The log in ``folder`` (in its own process, so its memory is not the ingest's):
    events written and bytes on disk."""
    tickets = max(50, round(events / EVENTS_PER_TICKET))
    code = ("import sys; from pathlib import Path; from ticketlake.synth import Options, "
            f"write_shape; g = write_shape('xes', Path(sys.argv[1]), Options(tickets={tickets}, "
            "days=90, seed=42)); print(sum(f.rows for f in g.files))")  # fmt: skip
    run = measure("generate", [sys.executable, "-c", code, str(folder)])
    written = int(run.stdout_tail.strip().splitlines()[-1])
    return written, sum(f.stat().st_size for f in folder.iterdir())


def run(events: int, memory_limit: str, work: Path) -> dict[str, Any]:
    """Generate, ingest, and compare the ingest's peak RSS with the limit."""
    exports = work / "exports"
    written, size = generate(exports, events)
    project = stages.new_project(work, "xes", exports, memory_limit)
    ingest: Measured = stages.ingest(project)
    limit = targets.size_bytes(memory_limit)
    return {
        "events": written,
        "gzipped_bytes": size,
        "memory_limit": memory_limit,
        "memory_limit_bytes": limit,
        "ingest_seconds": round(ingest.seconds, 1),
        "peak_rss_bytes": ingest.peak_rss_bytes,
        "under_limit": ingest.peak_rss_bytes < limit,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--memory-limit", default="1GB")
    parser.add_argument("--save", action="store_true", help="write the result to bench/results")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="xes-memory-"))
    try:
        result = run(args.events, args.memory_limit, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    text = json.dumps(result, indent=1)
    print(text)
    if args.save:
        (RESULTS / f"xes-memory-{args.events}.json").write_text(text + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
