"""Python stages of a build: tables that SQL cannot compute, made after the SQL models.

A stage reads model tables from the build's database and writes its own tables there, inside
the build's last transaction, so they are published with the build or not at all. Each entry of
``STAGES`` names the tables it owns (kept between builds, as models' tables are), whether the
settings switch it on, and how it runs. The only stage today is the text stage (themes and
sentiment, ticketlake/text/stage.py); the third-party modules it needs (the ``text`` extra)
are imported when it runs.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import duckdb

from ticketlake.config import Settings
from ticketlake.text import stage as text_stage

# Each stage is a module with TABLES, enabled(settings) and run(con, settings, refit).
STAGES: dict[str, ModuleType] = {"text": text_stage}
TABLES = frozenset(t for stage in STAGES.values() for t in stage.TABLES)


def run(con: duckdb.DuckDBPyConnection, settings: Settings, refit: bool = False,
        on_stage: Callable[[str], None] | None = None) -> dict[str, str]:  # fmt: skip
    """Run the stages the settings switch on; return each of their tables' mode: ``full``
    when the stage refitted its model, ``incremental`` otherwise."""
    modes: dict[str, str] = {}
    for name, stage in STAGES.items():
        if not stage.enabled(settings):
            continue
        if on_stage:
            on_stage(name)
        outcome = stage.run(con, settings, refit)
        modes |= dict.fromkeys(stage.TABLES, "full" if outcome.fitted else "incremental")
    return modes
