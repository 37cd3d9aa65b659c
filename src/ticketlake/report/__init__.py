"""``ticketlake report``: the warehouse as charts, in one self-contained HTML page and as PNGs.

Altair and vl-convert are an optional extra (``pip install 'ticketlake[report]'``). Only the
modules of this package import them, and only after :func:`require` has checked that they are
installed, so the rest of ticketlake works without them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import duckdb

from ticketlake.common import extras
from ticketlake.errors import UsageError
from ticketlake.report.result import Drawn, Figure, Omitted, Period, ReportResult

EXTRA = ("altair", "vl_convert")
Progress = Callable[[int, int, str], None]  # (charts done, charts in all, what is being drawn)

__all__ = ["Drawn", "Figure", "Omitted", "Period", "Progress", "ReportResult", "missing",
           "require", "write"]  # fmt: skip


def missing() -> list[str]:
    """The packages of the ``report`` extra that cannot be imported."""
    return extras.missing(*EXTRA)


def require() -> None:
    """Fail with one clear line, saying how to install the extra, when it is not installed."""
    absent = missing()
    if absent:
        raise UsageError(f"the report needs {' and '.join(absent)}: "
                         "pip install 'ticketlake[report]'")  # fmt: skip


def write(con: duckdb.DuckDBPyConnection, out_dir: Path, title: str, start: date | None = None,
          end: date | None = None, progress: Progress | None = None,
          warnings: Sequence[str] = ()) -> ReportResult:  # fmt: skip
    """Write ``report.html`` and ``png/<source>/<chart>.png`` into ``out_dir`` from the
    warehouse snapshot ``con`` reads, with the mapping-health ``warnings``; see
    docs/report.md."""
    require()
    from ticketlake.report import render  # noqa: PLC0415 - needs the extra checked above

    return render.write(con, out_dir, title, start, end, progress, warnings)
