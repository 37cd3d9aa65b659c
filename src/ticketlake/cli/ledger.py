"""``status`` and ``quarantine`` as they read at 80 columns: a summary per source, the batch
table on request, one line per quarantined row; JSON and CSV keep every field."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from ticketlake.cli import screen
from ticketlake.cli.output import Format, FormatOption, console, emit
from ticketlake.engine.health import warnings
from ticketlake.errors import UsageError
from ticketlake.project import Project

SHORT = 8  # characters of a short batch id (its random part) and of a short SHA-256


def status(
    ctx: typer.Context,
    batches: Annotated[bool, typer.Option("--batches", help="List the batches (the ledger) "
                       "instead of the summary per source.")] = False,
    last: Annotated[int | None, typer.Option("--last", min=1, help="With --batches: only the "
                    "N most recent.")] = None,
    source: Annotated[str | None, typer.Option("--source", help="Only this source.")] = None,
    output: FormatOption = Format.table,
) -> None:  # fmt: skip
    """Show each source's files, rows in, loaded, quarantined, last batch and warnings
    (--batches: the ledger itself; --format json is a stable interface)."""
    project: Project = ctx.obj
    if output is Format.json and not batches:
        result = {**project.status(), "warnings": warnings(project.health())}
        sys.stdout.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    elif batches:
        _batches(project, _chosen(project.status()["batches"], source, last), output)
    else:
        _summary(project, source, output)


def _chosen(
    rows: list[dict[str, Any]], source: str | None, last: int | None
) -> list[dict[str, Any]]:
    """The batches of ``source`` (all when None), the ``last`` N of them (all when None)."""
    rows = [b for b in rows if source is None or b["source"] == source]
    return rows[-last:] if last else rows


def _summary(project: Project, source: str | None, output: Format) -> None:
    found = [s for s in project.ledger_summary() if source is None or s["source"] == source]
    if output is not Format.table:
        emit([{**s, "warnings": "; ".join(s["warnings"])} for s in found], output)
        return
    rows = [{"source": s["source"], "files": s["files"], "rows in": s["rows_in"],
             "loaded": s["rows_loaded"], "quarantined": s["rows_quarantined"],
             "last batch": _minute(s["last_batch_at"])[5:], "warnings": len(s["warnings"])}
            for s in found]  # fmt: skip
    if not rows:
        _nothing("status", "no batches" + (f" of source {source!r}" if source else ""))
        return
    screen.emit(rows, title="sources, times in UTC (status --batches lists every batch)")
    _warnings(found)
    if source is None:
        _totals(project.status()["totals"])


def _minute(iso: str | None) -> str:
    """``2024-01-05T08:00:12Z`` as ``2024-01-05 08:00`` (UTC), short enough for a column."""
    return "" if iso is None else iso[:16].replace("T", " ")


def _warnings(found: Sequence[Mapping[str, Any]]) -> None:
    lines = [f"{s['source']}: {w}" for s in found for w in s["warnings"]]
    width = console().width
    for line in (["warnings:"] if lines else []) + lines:
        console().print(screen.clip(line if line == "warnings:" else f"  {line}", width),
                        soft_wrap=True)  # fmt: skip


def _totals(totals: Mapping[str, int]) -> None:
    t = totals
    lines = [f"lake: {t['events']:,} events of {t['tickets']:,} tickets, {t['links']:,} links; "
             f"{t['duplicates']:,} duplicate rows, {t['retries']:,} retries",
             f"files: {t['files_committed']:,} committed, {t['files_skipped']:,} skipped, "
             f"{t['files_failed']:,} failed"]  # fmt: skip
    for line in lines:
        console().print(screen.clip(line, console().width), soft_wrap=True)


def _batches(project: Project, found: list[dict[str, Any]], output: Format) -> None:
    if output is not Format.table:
        emit(found, output)
        return
    if not found:
        _nothing("status --batches", "no batches matched")
        return
    rows = [{"batch": _short_batch(b["batch_id"]), "file": _relative(project, b["path"]),
             "status": b["status"], "in": b["rows_in"], "loaded": b["rows_loaded"],
             "quarantined": b["rows_quarantined"], "source": b["source"],
             "sha256": (b["sha256"] or "")[:SHORT], "finished": _minute(b["finished_at"]),
             "reason": b["reason"]} for b in found]  # fmt: skip
    title = f"batches: {len(rows)} (quarantine --batch takes the short id)"
    screen.emit(rows, title=title, flexible={"file", "reason"}, tail={"file"})


def _short_batch(batch_id: str) -> str:
    """The random part of a batch id (``20240105T080012-3f9c1a2b`` -> ``3f9c1a2b``)."""
    return batch_id.rpartition("-")[2][:SHORT] or batch_id


def _relative(project: Project, path: str | None) -> str:
    """``path`` relative to the project folder when it lies inside it, else as recorded."""
    if not path:
        return ""
    root = project.root.resolve()
    try:
        return str(Path(os.path.abspath(path)).relative_to(root))
    except ValueError:
        return path


def _nothing(what: str, why: str) -> None:
    console().print(f"{what}: nothing matched ({why})", soft_wrap=True)


def quarantined(project: Project, batch: str | None, released: bool, full: bool,
                output: Format) -> None:  # fmt: skip
    """Print the quarantined rows: one line each (``full``: every field, raw text whole)."""
    rows = project.quarantine(full_batch(project, batch) if batch else None, released)
    if output is not Format.table:
        emit(rows, output, title=f"quarantine: {len(rows)} rows")
    elif not rows:
        _nothing("quarantine", ("no rows" if released else "no open rows")
                 + (f" of batch {batch}" if batch else ""))  # fmt: skip
    elif full:
        _full(project, rows)
    else:
        _lines(project, rows)


def full_batch(project: Project, batch: str) -> str:
    """A batch id as given, or the whole id of a short one (its random part)."""
    if "-" in batch:
        return batch
    ids = [
        b["batch_id"] for b in project.status()["batches"] if _short_batch(b["batch_id"]) == batch
    ]
    if len(ids) > 1:
        raise UsageError(f"--batch {batch} names {len(ids)} batches; give the whole id")
    return ids[0] if ids else batch


def _lines(project: Project, rows: list[dict[str, Any]]) -> None:
    shown = [{"file:line": f"{_relative(project, r['file'])}:{r['line']}", "reason": r["reason"],
              "raw": r["raw"]} for r in rows]  # fmt: skip
    screen.emit(shown, title=_title(rows), flexible={"file:line", "reason", "raw"},
                tail={"file:line"})  # fmt: skip


def _title(rows: list[dict[str, Any]]) -> str:
    sources = sorted({r["source"] for r in rows})
    batches = len({r["batch_id"] for r in rows})
    return (f"quarantine: {len(rows)} rows in {batches} batch(es) of {', '.join(sources)} "
            "(--full shows whole rows)")  # fmt: skip


def _full(project: Project, rows: list[dict[str, Any]]) -> None:
    """Each row whole, in three lines: where, why, and its raw text; the terminal wraps."""
    out = console()
    for r in rows:
        released = f", released by {r['released_by']}" if r["released_by"] else ""
        out.print(f"{_relative(project, r['file'])}:{r['line']} ({r['source']}, batch "
                  f"{r['batch_id']}{released})", soft_wrap=True)  # fmt: skip
        column = f"{r['column']}: " if r["column"] else ""
        out.print(f"  {column}{r['error_class']}: {screen.shown(r['reason'])}", soft_wrap=True)
        out.print(f"  {screen.shown(r['raw'])}", soft_wrap=True)
