"""The real ServiceNow audit log (UCI, CC BY 4.0) ingests completely and accountably."""

from __future__ import annotations

from pathlib import Path

import pytest

from ticketlake import Project


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory, servicenow_log: Path) -> Project:
    """A project holding the whole log."""
    project = Project(tmp_path_factory.mktemp("servicenow"))
    project.init()
    project.ingest([servicenow_log], format="servicenow")
    return project


def test_every_row_is_loaded_or_quarantined_with_a_reason(lake: Project) -> None:
    """rows in = loaded + quarantined for the file, and each quarantined row says why."""
    [batch] = lake.status()["batches"]
    assert batch["status"] == "committed"
    assert batch["rows_in"] == 119_998
    assert batch["rows_in"] == batch["rows_loaded"] + batch["rows_quarantined"]
    rows = lake.quarantine()
    assert len(rows) == batch["rows_quarantined"]
    assert all(r["reason"] and r["error_class"] and r["raw"] for r in rows)


def test_ticket_count_equals_distinct_numbers_among_loaded_rows(lake: Project) -> None:
    """Counted from the bronze copy (as received) minus the quarantined lines."""
    with lake.read() as con:
        key = con.execute("SELECT batch_id, source FROM ledger").fetchall()[0]
        bronze = lake.lake.store.read_path(f"bronze/{key[1]}/{key[0]}.parquet")
        expected = con.execute(f"""SELECT count(DISTINCT number) FROM read_parquet('{bronze}')
            WHERE _source_line NOT IN (SELECT source_line FROM quarantine)""").fetchall()[0][0]
        tickets = con.execute("SELECT count(*) FROM tickets").fetchall()[0][0]
    assert tickets == expected
    assert 20_700 < tickets <= 20_769


def test_day_first_dates_codes_and_nulls(lake: Project) -> None:
    """INC0000045 as in the file: opened 29/2/2016 01:16, priority 3 - Moderate, '?' is null."""
    with lake.read() as con:
        row = con.execute("""SELECT created_at, priority, priority_raw, status, status_category,
                assignee, made_sla, resolved_at, closed_at
            FROM tickets WHERE ticket_id = 'INC0000045'""").fetchall()[0]  # fmt: skip
    assert str(row[0]) == "2016-02-29 01:16:00"
    assert row[1:3] == ("P3", "3 - Moderate")
    assert row[3:5] == ("Closed", "closed")
    assert row[6] is True
    assert (str(row[7]), str(row[8])) == ("2016-02-29 11:29:00", "2016-03-05 12:00:00")
