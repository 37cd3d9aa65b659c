"""Each export shape: layout, headers, and consistency with the other shapes."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.conftest import SMALL, data_lines
from ticketlake.synth import Generated, Options, write_shape
from ticketlake.synth import profile as pf
from ticketlake.synth.model import ABSENT
from ticketlake.synth.shapes.snapshots import HEADER

SEED_000_HEADER = b"_ts,issueId,id,customerId,lastModified,createdTimeUtc,lastModifiedTimeUtc\n"


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(data_lines(path)))


def test_snapshot_files_are_daily_with_the_exact_header(generated: dict[str, Generated]) -> None:
    files = sorted(f.path for f in generated["snapshots"].files)
    assert [p.name for p in files][:2] == ["20240101.csv", "20240102.csv"]
    assert len(files) == SMALL.days
    for path in files:
        assert path.read_bytes().startswith(SEED_000_HEADER)
    row = _rows(files[-1])[0]
    assert len(row["createdTimeUtc"]) == len("2024-01-23T11:10:30.9114993Z")
    assert row["lastModified"] == row["lastModifiedTimeUtc"]
    assert row["customerId"].startswith("customer--")
    assert tuple(row) == HEADER


def _iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _events_by_ticket(generated: dict[str, Generated]) -> dict[int, list[tuple[datetime, str]]]:
    events: dict[int, list[tuple[datetime, str]]] = {}
    for f in generated["events"].files:
        for row in _rows(f.path):
            at = datetime.fromisoformat(row["timestamp"]).astimezone(UTC)
            events.setdefault(int(row["case_id"][4:]), []).append((at, row["event_type"]))
    return events


def test_snapshots_are_consistent_with_the_event_log(generated: dict[str, Generated]) -> None:
    """Each snapshot row shows an event of the ticket's log; a ticket deleted later is in no
    export taken at the end, the event log included, but snapshots before the deletion."""
    events = _events_by_ticket(generated)
    deleted_at = generated["snapshots"].tickets.vanished_at
    for f in generated["snapshots"].files[::7]:
        instant_ns = int(f.extra["snapshot_instant_ns"])  # type: ignore[call-overload]
        instant = datetime.fromtimestamp(instant_ns // 10**9, tz=UTC)
        for row in _rows(f.path):
            number = int(row["issueId"].split("-")[1])
            if number not in events:
                assert instant_ns < deleted_at[number - 1] < ABSENT
                continue
            history = events[number]
            modified = _iso(row["lastModifiedTimeUtc"]).replace(microsecond=0)
            created = _iso(row["createdTimeUtc"]).replace(microsecond=0)
            assert history[0] == (created, "created")
            assert modified in {at for at, _ in history if at < instant}
            assert int(row["_ts"]) >= _iso(row["lastModifiedTimeUtc"]).timestamp()
            day_start = instant - timedelta(days=1)
            ended = [at for at, kind in history if kind in ("closed", "cancelled")]
            assert not ended or ended[0] >= day_start


def test_tickets_shape_one_row_per_ticket(generated: dict[str, Generated]) -> None:
    rows = [r for f in generated["tickets"].files for r in _rows(f.path)]
    ids = [r["ticket_id"] for r in rows]
    assert len(ids) == len(set(ids)) == generated["tickets"].rows
    assert {r["priority"] for r in rows} == set(pf.PRIORITY_LABELS["tickets"])
    for r in rows:
        assert r["first_response_at"] == "" or r["first_response_at"] >= r["created_at"]
        assert r["closed_at"] == "" or r["closed_at"] >= r["created_at"]
    open_rows = [r for r in rows if r["closed_at"] == ""]
    assert open_rows and all(r["status"] not in ("Closed", "Cancelled") for r in open_rows)


def test_events_carry_offsets_and_support_levels(generated: dict[str, Generated]) -> None:
    rows = _rows(generated["events"].files[0].path)
    assert {r["timestamp"][-6:] for r in rows} >= {"+00:00", "+01:00", "-05:00"}
    assert {r["support_level"] for r in rows} == {"L1", "L2", "L3"}
    assert {"reassigned", "resolved", "closed", "first_response"} <= {r["event_type"] for r in rows}


def test_interactions_export_set(generated: dict[str, Generated]) -> None:
    names = sorted(f.path.name for f in generated["interactions"].files)
    assert {n.split("_2")[0] for n in names} == {"interaction", "ims_inc", "sysid"}
    inter = {r["number"] for f in generated["interactions"].files
             if f.path.name.startswith("interaction_") for r in _rows(f.path)}  # fmt: skip
    links = [r for f in generated["interactions"].files
             if f.path.name.startswith("ims_inc_") for r in _rows(f.path)]  # fmt: skip
    assert links and {r["interaction_number"] for r in links} <= inter
    sysids = [json.loads(f.path.read_text()) for f in generated["interactions"].files
              if f.path.name.startswith("sysid_")]  # fmt: skip
    numbers = {rec["number"] for doc in sysids for rec in doc}
    assert inter <= numbers and {r["incident_number"] for r in links} <= numbers


def test_json_documents_are_nested(generated: dict[str, Generated]) -> None:
    doc = json.loads(data_lines(generated["json"].files[0].path)[0])
    assert doc["requester"]["organization"]["name"]
    assert set(doc["metrics"]) >= {"first_response_at", "solved_at", "reopens"}
    assert doc["priority"] in pf.PRIORITY_LABELS["json"]


def test_same_seed_writes_identical_files(tmp_path: Path) -> None:
    for shape in ("tickets", "events"):
        a = write_shape(shape, tmp_path / "a" / shape, Options(tickets=500, days=20, seed=1))
        b = write_shape(shape, tmp_path / "b" / shape, Options(tickets=500, days=20, seed=1))
        assert [f.path.read_bytes() for f in a.files] == [f.path.read_bytes() for f in b.files]
