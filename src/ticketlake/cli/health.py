"""``ticketlake check`` and the short mapping-health summary other commands print."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from typer.exceptions import Exit

from ticketlake.cli.output import Format, FormatOption, emit, error, say
from ticketlake.engine.health import Agreement, FieldHealth, Health, SourceHealth, warnings
from ticketlake.project import Project

CheckSourceOption = Annotated[
    str | None, typer.Option("--source", help="Only this source (its name in the lake).")
]


def check(
    ctx: typer.Context, source: CheckSourceOption = None, output: FormatOption = Format.table
) -> None:
    """Show how well the mapping fits each source; exit 1 if a check.* threshold is passed.

    Per source: the share of events and tickets whose status, priority, group, creation
    time or resolution is unknown or missing, the unmapped raw values, tickets whose state
    nothing reveals, events outside the source's period, resolutions derived by rule, and how
    often the SLA figures a source exports agree with ticketlake's. Above a threshold it prints one line per breach on stderr, so a scheduled run can alert.
    """
    project: Project = ctx.obj
    found = project.health(source)
    if output is Format.json:
        sys.stdout.write(json.dumps(found.as_dict(), indent=2, ensure_ascii=False) + "\n")
    else:
        _tables(found, output)
    for line in found.breaches:
        error(line, label="breach")
    if found.breaches:
        raise Exit(1)


def _tables(found: Health, output: Format) -> None:
    """Three tables; CSV, one table only, gets the fields with every count."""
    if output is Format.csv:
        emit(found.as_dict()["fields"], output)
        return
    for u in found.unloaded:
        say(f"{u.source}: {u.path}: not loaded", stdout=True)
    if not found.sources:
        say("no events in the lake; nothing else to check", stdout=True)
        return
    emit(_field_rows(found.fields), output, title="unknown or missing (tickets, events)")
    unmapped = [
        {
            "source": u.source,
            "field": u.field,
            "value": u.value,
            "events": u.events,
            "tickets": u.tickets,
        }
        for u in found.unmapped
    ]
    if unmapped:
        emit(unmapped, output, title="unmapped values")
    else:
        say("every status and priority value is mapped", stdout=True)
    emit([_source_row(s) for s in found.sources], output, title="per source")
    if found.agreement:
        title = f"SLA figures of the source against ticketlake's (minutes within {found.tolerance_minutes:g})"
        emit([_agreement_row(a) for a in found.agreement], output, title=title)


def _field_rows(fields: list[FieldHealth]) -> list[dict[str, Any]]:
    """One row per source and field: the tickets' counts and share, and the events' share
    (the JSON output has every count of both)."""
    events = {(f.source, f.field): f for f in fields if f.level == "events"}
    return [
        {
            "source": f.source,
            "field": f.field,
            "unknown": f.unknown,
            "missing": f.missing,
            "tickets": f"{f.share:.1%}",
            "events": _share(events.get((f.source, f.field))),
        }
        for f in fields
        if f.level == "tickets"
    ]


def _share(f: FieldHealth | None) -> str:
    return "-" if f is None else f"{f.share:.1%}"


def _source_row(s: SourceHealth) -> dict[str, Any]:
    return {
        "source": s.source,
        "events": s.events,
        "tickets": s.tickets,
        "stateless": s.stateless,
        "outside": s.out_of_period,
        "by_rule": s.resolved_by_rule,
        "differs": s.resolved_differs,
    }


def _agreement_row(a: Agreement) -> dict[str, Any]:
    return {
        "source": a.source,
        "figure": a.figure,
        "against": a.compared_with,
        "vendor": a.vendor,
        "both": a.both,
        "agree": a.agree,
        "rate": "-" if a.rate is None else f"{a.rate:.1%}",
    }


def summary(ctx: typer.Context) -> None:
    """The warnings of ``check``, one line each on stderr (after ingest and build); nothing
    when there are none, and not with ``--quiet``, which keeps the console to errors and
    skips the work too."""
    if ctx.find_root().params.get("quiet"):
        return
    project: Project = ctx.obj
    show(ctx, warnings(project.health()))


def show(ctx: typer.Context, lines: list[str]) -> None:
    """Health warnings, one ``health:`` line each on stderr, unless ``--quiet``."""
    if ctx.find_root().params.get("quiet"):
        return
    for line in lines:
        error(line, label="health")
