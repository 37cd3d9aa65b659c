"""One generated desk in the ``events`` shape and in a vendor preset's layout, ingested side by
side, and the figures the presets must agree on (issue 17's acceptance).

Each preset's test module builds a project with :func:`desk` (the ``events`` shape as source
``events``, the preset's shape as source ``preset``, ingested with ``--format PRESET`` and no
mapping) and compares :func:`figures` of the two sources, allowing only the differences the
layout forces, which the module lists and asserts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ticketlake import Project
from ticketlake.synth import Options, write_shape

OPTIONS = Options(tickets=400, days=21, seed=11)


def desk(root: Path, shape: str, fmt: str, options: Options = OPTIONS) -> Project:
    """``root`` holding the desk as ``events`` and as ``shape`` (read with ``fmt``), built;
    the sources are named after their folders: ``events`` and ``preset``."""
    project = Project(root)
    project.init()
    write_shape("events", root / "exports" / "events", options)
    write_shape(shape, root / "exports" / "preset", options)
    project = Project(root)
    assert not project.ingest([root / "exports" / "events"]).failed
    outcome = project.ingest([root / "exports" / "preset"], format=fmt)
    assert not outcome.failed, [b.reason for b in outcome.failed]
    project.build()
    return project


def hand_written(root: Path, folder: Path) -> tuple[Project, list[tuple[Path, str]]]:
    """A hand-written export (``folder``) ingested into a project at ``root`` with auto
    detection, then built; with the format auto detection chose for each file."""
    Project(root).init()
    outcome = Project(root).ingest([folder])
    assert not outcome.failed, [b.reason for b in outcome.failed]
    project = Project(root)
    project.build()
    return project, outcome.chosen


def rows(project: Project, sql: str) -> list[tuple[Any, ...]]:
    """The rows of a query on ``project``'s warehouse, as tuples."""
    return [tuple(r) for r in project.query(sql)[1]]


@dataclass(frozen=True)
class Figures:
    """What both sources must agree on."""

    tickets: int
    created: Mapping[object, int]
    resolved: Mapping[object, int]
    median_resolution_hours: float | None
    reopens: int
    time_in_status: Mapping[str, tuple[int, float]]  # status -> (stays, total hours)
    ping_pong: int


def figures(project: Project, source: str) -> Figures:
    """The headline figures of ``source``."""

    def rows(sql: str) -> list[tuple[object, ...]]:
        return [tuple(r) for r in project.query(sql.format(s=f"'{source}'"))[1]]

    ((tickets,),) = rows("SELECT count(*) FROM fact_ticket WHERE source = {s}")
    created = dict(rows("SELECT day, sum(created) FROM kpi_volume_daily WHERE source = {s} "
                        "AND created > 0 GROUP BY day"))  # fmt: skip
    resolved = dict(rows("SELECT day, sum(resolved) FROM kpi_volume_daily WHERE source = {s} "
                         "AND resolved > 0 GROUP BY day"))  # fmt: skip
    ((median,),) = rows("SELECT median(resolution_hours) FROM fact_ticket WHERE source = {s}")
    (reopens,), = rows("SELECT coalesce(sum(reopen_count), 0) FROM fact_ticket "
                       "WHERE source = {s}")  # fmt: skip
    stays = {str(k): (int(n), round(float(h or 0), 6)) for k, n, h in
             rows("SELECT status, stays, total_hours FROM flow_time_in_status "
                  "WHERE source = {s}")}  # fmt: skip
    ((pong,),) = rows(
        "SELECT count(*) FILTER (WHERE ping_pong) FROM flow_ticket WHERE source = {s}"
    )
    return Figures(
        int(tickets),
        {k: int(v) for k, v in created.items()},  # type: ignore[call-overload]
        {k: int(v) for k, v in resolved.items()},  # type: ignore[call-overload]
        None if median is None else float(median),
        int(reopens),
        stays,
        int(pong),
    )  # type: ignore[arg-type]
