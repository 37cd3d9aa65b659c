"""The generator's defects in a preset's layout are quarantined at the manifest's lines, with
its classes, and nothing else is, where a row of the file is one record (CSV, and the incident
table's JSON). The document shapes whose records yield several rows (Jira's changelog, Zendesk,
GitHub) are checked in their own modules: there a spoiled record quarantines each of its rows.
"""

from __future__ import annotations

import collections
from pathlib import Path

import pytest

from ticketlake import Project
from ticketlake.synth import Options, write_shape

CASES = {"servicenow-table": "servicenow-table", "servicenow-table-json": "servicenow-table",
         "jira-csv": "jira"}  # fmt: skip


@pytest.mark.parametrize("shape", CASES)
def test_defects_are_quarantined_at_their_lines(shape: str, tmp_path: Path) -> None:
    Project(tmp_path).init()
    project = Project(tmp_path)
    generated = write_shape(shape, tmp_path / "x", Options(tickets=300, days=20, seed=5),
                            dirty_rate=0.03)  # fmt: skip
    assert generated.manifest is not None
    outcome = project.ingest([tmp_path / "x"], format=CASES[shape])
    assert not outcome.failed
    ignored = {p.name for p, _ in outcome.ignored}
    assert ignored == {"dirty_manifest.json"}, outcome.ignored
    want = collections.Counter((d["file"], d["line"], d["error_class"])
                               for d in generated.manifest["defects"])  # fmt: skip
    assert want, "the seed should inject defects"
    with project.read() as con:
        rows = con.execute(
            "SELECT source_file, source_line, error_class FROM quarantine"
        ).fetchall()
    got = collections.Counter((Path(f).name, line, cls) for f, line, cls in rows)
    if shape.endswith("-json"):  # a document's rows are numbered, not its lines: compare classes
        want = collections.Counter((f, c) for (f, _, c), n in want.items() for _ in range(n))
        got = collections.Counter((f, c) for (f, _, c), n in got.items() for _ in range(n))
    assert got == want
