"""The workloads of each scale, generated with ``ticketlake generate`` and cached.

A workload is one ``generate`` call; its files are cached under
``bench/work/data/<shape>-t<tickets>-d<days>-s<seed>/`` and reused while ``generate.json``
(written last, with what the generation cost) is there.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import targets
from bench.common import TICKETLAKE, WORK, csv_stats, measure

SEED = 42


@dataclass(frozen=True)
class Workload:
    """One generated data set and what the harness does with it.

    ``role``: ``compared`` runs ticketlake, then the shape's references on the same files, and
    checks that they compute ticketlake's figures; ``incremental`` backfills all files but the
    last, then adds the last one. ``memory_limit`` replaces the default ``engine.memory_limit``
    for ticketlake and the references.
    """

    name: str
    shape: str
    tickets: int
    days: int
    role: str
    seed: int = SEED
    smoke: bool = False  # one KPI command instead of all, to keep the smoke run short
    memory_limit: str | None = None

    @property
    def key(self) -> str:
        return f"{self.shape}-t{self.tickets}-d{self.days}-s{self.seed}"


def _scale(factor: float, *, ten_x: bool) -> list[Workload]:
    def n(tickets: int) -> int:
        return max(50, round(tickets * factor))

    found = [
        # 400k tickets over 60 days give ~2.35M snapshot rows (~0.45 GB of CSV).
        Workload("snapshots", "snapshots", n(400_000), 60, "compared"),
        # ~0.991 ticket rows per ticket over a year: 1.01M tickets give ~1.0M rows.
        Workload("tickets", "tickets", n(1_010_000), 365, "compared"),
        # ~7.1 events per ticket over a year: 703k tickets give ~5.0M rows.
        Workload("events", "events", n(703_000), 365, "compared"),
        # A 60-day backfill, then day 61.
        Workload("incremental", "snapshots", n(400_000), 61, "incremental"),
    ]
    if ten_x:
        # The memory target: every stage within 1 GB at engine.memory_limit 1GB.
        limit = targets.MEMORY_LIMIT
        ten = Workload(
            "snapshots_10x", "snapshots", n(4_000_000), 60, "compared", memory_limit=limit
        )
        found.insert(1, ten)
    return found


SCALES: dict[str, list[Workload]] = {
    "full": _scale(1.0, ten_x=True),
    "small": _scale(0.1, ten_x=True),
    # Seconds: enough rows to exercise every stage and the equivalence checks.
    "smoke": [
        Workload("snapshots", "snapshots", 400, 12, "compared", smoke=True),
        Workload("tickets", "tickets", 300, 30, "compared", smoke=True),
        Workload("events", "events", 200, 30, "compared", smoke=True),
        Workload("incremental", "snapshots", 300, 9, "incremental", smoke=True),
    ],
}


def ensure(workload: Workload, root: Path = WORK) -> tuple[Path, dict[str, Any]]:
    """The workload's folder, generating it unless cached; and its generation record."""
    folder = root / "data" / workload.key
    record_path = folder / "generate.json"
    if record_path.exists():
        return folder, json.loads(record_path.read_text())
    shutil.rmtree(folder, ignore_errors=True)
    folder.parent.mkdir(parents=True, exist_ok=True)
    command = [TICKETLAKE, "-q", "generate", "--shape", workload.shape,
               "--tickets", str(workload.tickets), "--days", str(workload.days),
               "--seed", str(workload.seed), "--out", str(folder), "--format", "json"]  # fmt: skip
    run = measure(f"generate {workload.key}", command)
    files, rows, size = csv_stats(folder)
    record = {"key": workload.key, "seconds": run.seconds, "peak_rss_bytes": run.peak_rss_bytes,
              "files": files, "rows": rows, "bytes": size, "command": command}  # fmt: skip
    record_path.write_text(json.dumps(record, indent=2))
    return folder, record
