"""``ticketlake demo``: every stage that exists, end to end, on generated data."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from ticketlake.project import Project
from ticketlake.synth import SHAPES

DEMO_TICKETS = 5_000
DEMO_DAYS = 60
DIRTY_RATE = 0.01


@dataclass(frozen=True)
class Step:
    """One thing the demo did, for the summary table."""

    step: str
    shape: str
    files: int
    rows: int
    defects: int
    path: str


def run(out: Path) -> list[Step]:
    """Create a project in ``out`` and generate every export shape into ``out/exports``."""
    project = Project(out)
    steps = []
    if not project.is_initialised:
        path = project.init()
        steps.append(Step("init", "-", 1, 0, 0, str(path)))
    exports = project.root / "exports"
    shutil.rmtree(exports, ignore_errors=True)
    for shape in SHAPES:
        result = project.generate(shape, exports / shape, tickets=DEMO_TICKETS, days=DEMO_DAYS)
        steps.append(Step("generate", shape, len(result.files), result.rows, 0, str(result.out)))
    dirty = project.generate("tickets", exports / "tickets_dirty", tickets=DEMO_TICKETS,
                             days=DEMO_DAYS, dirty=DIRTY_RATE)  # fmt: skip
    injected = len((dirty.manifest or {}).get("defects", []))
    steps.append(Step("generate --dirty", "tickets", len(dirty.files), dirty.rows, injected,
                      str(dirty.out)))  # fmt: skip
    return steps
