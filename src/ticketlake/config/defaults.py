"""Defaults and patterns shared by the configuration models."""

from __future__ import annotations

import re
from typing import Literal

CONFIG_FILE = "ticketlake.yml"

StatusCategory = Literal[
    "new", "open", "pending", "on_hold", "resolved", "closed", "cancelled", "unknown"
]
Encoding = Literal["auto", "utf-8", "latin-1", "cp1252"]

IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")
SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
MEMORY = re.compile(r"^(\d+(\.\d+)?\s*([KMGT]i?B|B)|\d+(\.\d+)?%)$", re.IGNORECASE)
MEMORY_PARTS = re.compile(r"^(\d+(?:\.\d+)?)\s*(.*)$")  # number and unit of a valid MEMORY
# Share of engine.memory_limit DuckDB may use. Measured with a 2GB budget on the benchmark's
# 23.5M-row snapshots: DuckDB at the whole 2GB peaked at 2.46 GB (ingest) and 2.44 GB (build);
# at 70% (1.4GB) at 1.84 GB and 1.76 GB. Ingest keeps more in Python (a document's rows, Arrow
# chunks): with a 1GB budget a million-event XES ingest peaked at 1.01 GB with 70% and at
# 0.90 GB with 60%, the 23.5M-row snapshots ingest at 0.93 GB with 60%. A build's process
# holds some 230 MB besides DuckDB and more that DuckDB does not count: the 23.5M-row
# snapshots build (each model committed as built, full models in ticket-hash parts) peaked
# with a 1GB budget at 1.07 GB with 70% and 1.00 GB with 60%. At 50% the 2.35M-row build
# takes as long as at 60% with a 2GB budget. Queries and readers keep 70%.
DUCKDB_SHARE = 0.7
DUCKDB_INGEST_SHARE = 0.6
DUCKDB_BUILD_SHARE = 0.5
# Rows of a per-ticket model's largest input per MB of DuckDB's memory that one part of its
# full build reads (engine.part_rows; engine/runner.py). Measured on the snapshots workload:
# `tickets` (2.35M sightings) runs out of memory in one part with 490 MB for DuckDB (it needs
# some 350 MB whatever the rows: 25 aggregates over two threads' partitions) and passes in 3
# parts with 280 MB; at ten times the rows, 2 parts of 11.7M with 700 MB ran out of memory,
# and this default (18 parts for `tickets`) got every per-ticket model that runs before
# `lifecycle_ticket` through within a 1GB budget.
PART_ROWS_PER_MB = 2_000
DATE_DIRECTIVES = "YymdHIMSfpzZbBaAj%"
DEFAULT_NULL_MARKERS = ["", "?", "NULL", "null", "N/A", "n/a", "-"]

# pending = waiting for the requester; on_hold = waiting for anyone else (vendor, problem, change).
DEFAULT_STATUSES: dict[str, StatusCategory] = {
    "New": "new",
    "To Do": "new",
    "Assigned": "open",
    "In Progress": "open",
    "Active": "open",
    "Open": "open",
    "Work in Progress": "open",
    "Reopened": "open",
    "Waiting for Support": "open",
    "Awaiting Customer": "pending",
    "Awaiting User Info": "pending",
    "Awaiting Evidence": "pending",
    "Waiting for Customer": "pending",
    "Pending": "pending",
    "Awaiting Vendor": "on_hold",
    "Awaiting Problem": "on_hold",
    "On Hold": "on_hold",
    "Hold": "on_hold",
    "Resolved": "resolved",
    "Solved": "resolved",
    "Done": "closed",
    "Closed": "closed",
    "Closed Complete": "closed",
    "Cancelled": "cancelled",
    "Canceled": "cancelled",
    "Closed Abandoned": "cancelled",
}
DEFAULT_ALIASES = {
    "1 - Critical": "P1",
    "2 - High": "P2",
    "3 - Moderate": "P3",
    "4 - Low": "P4",
    "5 - Planning": "P4",
    "Critical": "P1",
    "Urgent": "P1",
    "Highest": "P1",
    "High": "P2",
    "Medium": "P3",
    "Moderate": "P3",
    "Normal": "P3",
    "Low": "P4",
    "Lowest": "P4",
    "Planning": "P4",
    **{str(n): f"P{n}" for n in range(1, 5)},
    **{f"P{n}": f"P{n}" for n in range(1, 5)},
}
