"""Time the generator per shape (`python bench/bench_generate.py [TICKETS]`); not a test."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from ticketlake.synth import SHAPES, Options, write_shape


def main(tickets: int) -> None:
    """Print seconds and rows for each shape at ``tickets`` tickets over a year."""
    with tempfile.TemporaryDirectory() as tmp:
        for shape in SHAPES:
            started = time.perf_counter()
            result = write_shape(shape, Path(tmp) / shape, Options(tickets=tickets, days=365))
            print(f"{shape:13s} {result.rows:>10,} rows {time.perf_counter() - started:7.1f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
