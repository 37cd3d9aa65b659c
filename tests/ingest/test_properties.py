"""Properties that hold for any input: nothing lost, nothing counted twice."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ticketlake import Project

IDS = st.sampled_from(["T1", "T2", "T3", "", "?"])
TIMES = st.sampled_from(["2024-01-01 10:00", "2024-01-02 11:30:15", "2024-02-30 10:00", "", "x"])
STATUS = st.sampled_from(["Open", "Closed", "Weird", ""])
ROW = st.one_of(
    st.tuples(IDS, TIMES, TIMES, STATUS).map(list),
    st.lists(st.text(alphabet="ab,", max_size=3), min_size=1, max_size=6),  # ragged rows
)


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["ticket_id", "created_at", "resolved_at", "status"])
    writer.writerows(rows)
    return out.getvalue()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ROW, min_size=1, max_size=30))
def test_rows_in_equal_loaded_plus_quarantined_and_reingest_is_a_no_op(
    rows: list[list[str]],
) -> None:
    """For every file: in = loaded + quarantined; a second ingest changes no total."""
    with tempfile.TemporaryDirectory() as tmp:
        project = Project(Path(tmp) / "p")
        project.root.mkdir()
        project.init()
        path = Path(tmp) / "t.csv"
        path.write_text(_csv(rows), encoding="utf-8")
        [batch] = project.ingest([path], format="tickets").batches
        if batch.status == "failed":  # every row blank: nothing to load
            assert "no data rows" in batch.reason
            return
        assert batch.rows_in == batch.rows_loaded + batch.rows_quarantined
        assert batch.rows_quarantined == len(project.quarantine())
        before = project.status()["totals"]
        assert project.ingest([path], format="tickets").batches[0].status == "skipped"
        after = project.status()["totals"]
        assert {k: v for k, v in after.items() if k != "files_skipped"} == {
            k: v for k, v in before.items() if k != "files_skipped"
        }
        with project.read() as con:
            loaded = con.execute(
                "SELECT count(DISTINCT source_line) FROM ticket_events"
            ).fetchall()[0][0]
        assert loaded == batch.rows_loaded - batch.duplicates
