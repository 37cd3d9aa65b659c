"""Fixtures for mart and KPI tests: a project built from small hand-written exports."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from tests.models import engines
from ticketlake import Project

Builder = Callable[..., Project]


def build_project(root: Path, files: dict[str, str], fmt: str = "eventlog",
                  source: str = "desk", settings: str = "") -> Project:  # fmt: skip
    """Write ``files`` into an export folder under ``root``, ingest them as one source (named
    ``source``) with the given format, build the warehouse and return the project.
    ``settings`` is YAML merged into the default ticketlake.yml (its keys override the
    defaults, section by section)."""
    exports = root / "exports" / source
    exports.mkdir(parents=True)
    for name, text in files.items():
        (exports / name).write_text(text, encoding="utf-8")
    config = Project(root).init()
    text = config.read_text(encoding="utf-8").replace(
        "sources: []\n",
        f"sources:\n  - name: {source}\n    format: {fmt}\n    path: exports/{source}\n",
        1,
    )
    merged = _merge(yaml.safe_load(text), yaml.safe_load(settings) or {})
    config.write_text(yaml.safe_dump(merged, sort_keys=False), encoding="utf-8")
    project = Project(root)
    outcome = project.ingest(source=source)
    assert not outcome.failed, [b.reason for b in outcome.failed]
    project.build()
    return project


@pytest.fixture(scope="module", params=engines.ENGINES)
def run(request: pytest.FixtureRequest) -> engines.Run:
    """Runs a model on stand-in input tables (tests/models/engines.py), once per engine."""
    if request.param == "spark":
        return engines.on_spark(request.getfixturevalue("spark"))
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return engines.on_duckdb(con)


@pytest.fixture
def build_mart(tmp_path: Path) -> Builder:
    """``build_mart({"events.csv": text}, fmt="eventlog", settings="kpis: {...}")``:
    :func:`build_project` in a fresh folder of the test's own."""
    counter = iter(range(1_000))

    def build(files: dict[str, str], fmt: str = "eventlog", source: str = "desk",
              settings: str = "") -> Project:  # fmt: skip
        return build_project(tmp_path / f"project{next(counter)}", files, fmt, source, settings)

    return build


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        both = isinstance(value, dict) and isinstance(out.get(key), dict)
        out[key] = _merge(out[key], value) if both else value
    return out


def rows(project: Project, sql: str) -> list[tuple[object, ...]]:
    """The rows of a read-only query on the project's warehouse."""
    return project.query(sql)[1]
