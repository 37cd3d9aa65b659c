"""A small project with themes of ticket text (``text.enabled: true``): two row-per-ticket
sources of 300 tickets over 30 days, the second with a theme planted to rise from day 21
(synth --rising), built once. The report, API and dashboard tests of themes read it."""

from __future__ import annotations

from pathlib import Path

from ticketlake import Project
from ticketlake.synth import Options, write_shape

SOURCES = {"desk": Options(tickets=300, days=30, seed=5),
           "portal": Options(tickets=300, days=30, seed=6, rising=21)}  # fmt: skip


def make_themed(root: Path) -> Project:
    """Generate, configure, ingest and build the project in ``root``, text on in its file."""
    config = Project(root).init()
    for name, options in SOURCES.items():
        write_shape("tickets", root / "exports" / name, options)
    listed = "".join(f"  - name: {n}\n    format: tickets\n    path: exports/{n}\n"
                     for n in SOURCES)  # fmt: skip
    text = config.read_text(encoding="utf-8").replace("sources: []\n", f"sources:\n{listed}", 1)
    config.write_text(f"{text}\ntext:\n  enabled: true\n", encoding="utf-8")
    project = Project(root)
    assert project.settings.text.enabled
    run = project.run()
    assert not run.failed, [b.reason for b in run.failed]
    return project
