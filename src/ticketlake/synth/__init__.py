"""Realistic, deterministic synthetic ticket exports in every shape ticketlake reads."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ticketlake.errors import UsageError
from ticketlake.synth import dirty, personal, rising
from ticketlake.synth.model import Options, TicketSet, generate
from ticketlake.synth.rising import planted_rising
from ticketlake.synth.shapes import SHAPES, Layout, WrittenFile

MANIFEST = "dirty_manifest.json"


@dataclass
class Generated:
    """What one ``generate`` run wrote."""

    shape: str
    out: Path
    tickets: TicketSet
    files: list[WrittenFile]
    manifest: dict[str, Any] | None = field(default=None)

    @property
    def rows(self) -> int:
        """Data rows written across all files (before any defect injection)."""
        return sum(f.rows for f in self.files)


def write_shape(
    shape: str,
    out: Path,
    options: Options,
    layout: Layout | None = None,
    dirty_rate: float = 0.0,
) -> Generated:
    """Draw tickets for ``options`` and write them to ``out`` in ``shape``. With defects
    (``dirty_rate``), planted personal data (``options.personal``) or a rising theme
    (``options.rising``) the manifest (MANIFEST) lists them."""
    _check(shape, options, dirty_rate)
    tickets = generate(options)
    files = SHAPES[shape](tickets, out, layout or Layout())
    result = Generated(shape, out, tickets, files)
    if dirty_rate > 0:
        start = datetime.fromtimestamp(options.start_ns / 10**9, tz=UTC)
        result.manifest = {"shape": shape, **dirty.inject(files, dirty_rate, options.seed, start)}
    if options.personal > 0:
        in_files = [v for f in files for v in f.personal]  # such as in comments
        planted = sorted({*personal.ticket_text(tickets).planted, *in_files})
        result.manifest = {"shape": shape, **(result.manifest or {}), "personal": planted}
    if options.rising is not None:
        entry = rising.manifest_entry(tickets)
        result.manifest = {"shape": shape, **(result.manifest or {}), "rising": entry}
    if result.manifest is not None:
        (out / MANIFEST).write_text(
            json.dumps(result.manifest, indent=1, ensure_ascii=False) + "\n"
        )
    return result


def _check(shape: str, options: Options, dirty_rate: float) -> None:
    """Refuse, in the words of the command's options, what ``write_shape`` cannot honour."""
    if shape not in SHAPES:
        raise UsageError(f"unknown shape {shape!r}; choose one of {', '.join(SHAPES)}")
    if not 0.0 <= dirty_rate <= 0.5:
        raise UsageError(f"--dirty must be between 0 and 0.5, got {dirty_rate}")
    if not 0.0 <= options.personal <= 1.0:
        raise UsageError(f"--personal must be between 0 and 1, got {options.personal}")
    if options.rising is not None and not 0 <= options.rising < options.days:
        raise UsageError(
            f"--rising must be a day index from 0 to {options.days - 1} (--days {options.days}),"
            f" got {options.rising}"
        )


__all__ = [
    "MANIFEST",
    "SHAPES",
    "Generated",
    "Layout",
    "Options",
    "generate",
    "planted_rising",
    "write_shape",
]
