"""``ticketlake themes``: what tickets are about, and how each kind of problem fares
(docs/text.md)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ticketlake.cli.output import Format, FormatOption, emit, say, working
from ticketlake.common import extras
from ticketlake.errors import UsageError
from ticketlake.project import Project
from ticketlake.text import MODULES
from ticketlake.text.themes import NEEDED_FOR

# The outcome table's columns as printed; --format json gives every column.
BRIEF = ("theme", "label", "tickets", "share_pct", "median_resolution_hours",
         "median_first_response_hours", "breach_rate_pct", "reopen_rate_pct", "ping_pong_pct",
         "mean_sentiment")  # fmt: skip


def themes(
    ctx: typer.Context,
    source: Annotated[str | None, typer.Option("--source", help="One source's tickets only.")] = None,
    rising: Annotated[bool, typer.Option("--rising", help="The weeks themes rose in: more tickets than the week before by text.rising_z standard errors.")] = False,
    refit: Annotated[bool, typer.Option("--refit", help="Build, fitting the themes afresh first.")] = False,
    output: FormatOption = Format.table,
) -> None:  # fmt: skip
    """Themes of ticket text with their volume and outcomes: resolution and response hours,
    breach, reopen and ping-pong rates, sentiment; or, with --rising, the rising themes."""
    project: Project = ctx.obj
    for module in MODULES:
        extras.load(module, "text", NEEDED_FOR)
    if refit:
        if not project.settings.text.enabled:
            raise UsageError("themes are off: set text.enabled: true in the configuration")
        with working("fitting themes and building") as update:
            project.build(on_model=lambda name: update(f"building {name}"), refit=True)
        say("themes fitted afresh")
    table, unknown = project.themes_and_unknowns(source, rising)
    rows = table.to_pylist()
    _notes(unknown)
    if rising:
        emit(rows, output, title="rising themes (latest week first)",
             empty="themes: no theme rose in any week")  # fmt: skip
        return
    shown = rows if output is not Format.table else [_brief(r) for r in rows]
    emit(shown, output, title=f"themes of {source or 'all sources'} and their outcomes",
         empty="themes: no ticket has text")  # fmt: skip


def _notes(unknown: dict[str, int]) -> None:
    """Say how many tickets the model could not place, so no count is silently short."""
    total = unknown["tickets"]
    if unknown["no_theme"]:
        say(f"note: {unknown['no_theme']:,} of {total:,} tickets have no theme (their text has "
            "none of the model's terms); they are counted as '(no theme)'")  # fmt: skip
    if unknown["no_language"]:
        say(f"note: the language of {unknown['no_language']:,} of {total:,} tickets could not "
            "be told (too short or unclear)")  # fmt: skip


def _brief(row: dict[str, Any]) -> dict[str, Any]:
    return {name: row[name] for name in BRIEF}
