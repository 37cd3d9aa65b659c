"""The offline training set (ticketlake/datasets): golden rows worked out by hand, the split
and its label cut-offs, the manifest and the atomic write, and the leakage test.

Golden log (eventlog, source ``desk``, UTC; High = P2, target 8 h; Low = P4, target 72 h):

  ticket  events                                                      open at the end of
  A High  01-01 10:00 New (Desk), 12:00 In Progress (bob),             01-01, 01-03
          01-02 09:00 reassigned to Apps (carol), 15:00 Resolved,
          01-03 10:00 reopened (In Progress), 01-04 08:00 Resolved
  B Low   01-01 20:00 New (Desk), 01-03 11:00 In Progress (dan)       01-01, 01-02, 01-03
  C High  01-02 06:00 New, 07:00 Resolved                             never
  E Low   01-02 22:00 New (Desk), 01-03 01:00 Resolved                01-02

The source's as-of time is its last event, 01-04 08:00, so 01-04 has not ended: the snapshot
days are 01-01..01-03. With both held-out shares 0 every row is in train and its labels read
up to the as-of time.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow.parquet as pq
import pytest

from tests.models.conftest import build_project, rows
from ticketlake import Project
from ticketlake.datasets import features, offline
from ticketlake.errors import UsageError

HEADER = "case_id,timestamp,event_type,status,assignment_group,assignee,priority\n"
LOG = (
    HEADER
    + """\
A,2024-01-01T10:00:00Z,created,New,Desk,,High
A,2024-01-01T12:00:00Z,assigned,In Progress,Desk,bob,High
A,2024-01-02T09:00:00Z,reassigned,In Progress,Apps,carol,High
A,2024-01-02T15:00:00Z,resolved,Resolved,Apps,carol,High
A,2024-01-03T10:00:00Z,reopened,In Progress,Apps,carol,High
A,2024-01-04T08:00:00Z,resolved,Resolved,Apps,carol,High
B,2024-01-01T20:00:00Z,created,New,Desk,,Low
B,2024-01-03T11:00:00Z,assigned,In Progress,Desk,dan,Low
C,2024-01-02T06:00:00Z,created,New,Desk,,High
C,2024-01-02T07:00:00Z,resolved,Resolved,Desk,,High
E,2024-01-02T22:00:00Z,created,New,Desk,,Low
E,2024-01-03T01:00:00Z,resolved,Resolved,Desk,,Low
"""
)
ALL_TRAIN = "dataset: {validation_share: 0, test_share: 0}"
US = 1e-6 / 3600  # one microsecond in hours: a day's end is its last microsecond


def _end(day: str) -> datetime:
    return datetime.fromisoformat(day) + timedelta(days=1, microseconds=-1)


def _hours(start: str, day: str) -> float:
    return (_end(day) - datetime.fromisoformat(start)).total_seconds() / 3600


def _read(done: offline.Dataset) -> list[dict[str, Any]]:
    return pq.read_table(done.file).to_pylist()


def _by_key(table: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["ticket_id"], r["day"].isoformat()): r for r in table}


@pytest.fixture(scope="module")
def golden(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return build_project(tmp_path_factory.mktemp("golden"), {"log.csv": LOG}, settings=ALL_TRAIN)


def test_rows_are_the_open_tickets_at_each_day_end(golden: Project) -> None:
    got = _by_key(_read(golden.dataset()))
    assert sorted(got) == [
        ("A", "2024-01-01"),
        ("A", "2024-01-03"),
        ("B", "2024-01-01"),
        ("B", "2024-01-02"),
        ("B", "2024-01-03"),
        ("E", "2024-01-02"),
    ]
    assert {r["snapshot_at"] for r in got.values()} == {
        _end(d) for d in ("2024-01-01", "2024-01-02", "2024-01-03")
    }


def test_features_known_at_the_day_end(golden: Project) -> None:
    got = _by_key(_read(golden.dataset()))
    expected = {
        # ticket, day: age, priority, group, assignee, status, hours in status, reassignments,
        # status stays, reopens, queue load (open tickets of its group then)
        ("A", "2024-01-01"): (
            _hours("2024-01-01T10:00", "2024-01-01"),
            "P2",
            "Desk",
            "bob",
            "In Progress",
            _hours("2024-01-01T12:00", "2024-01-01"),
            0,
            2,
            0,
            2,
        ),
        ("B", "2024-01-01"): (
            _hours("2024-01-01T20:00", "2024-01-01"),
            "P4",
            "Desk",
            None,
            "New",
            _hours("2024-01-01T20:00", "2024-01-01"),
            0,
            1,
            0,
            2,
        ),
        ("B", "2024-01-02"): (
            _hours("2024-01-01T20:00", "2024-01-02"),
            "P4",
            "Desk",
            None,
            "New",
            _hours("2024-01-01T20:00", "2024-01-02"),
            0,
            1,
            0,
            2,
        ),
        ("E", "2024-01-02"): (
            _hours("2024-01-02T22:00", "2024-01-02"),
            "P4",
            "Desk",
            None,
            "New",
            _hours("2024-01-02T22:00", "2024-01-02"),
            0,
            1,
            0,
            2,
        ),
        # A: New, In Progress, Resolved, In Progress again = 4 stays; one reassignment, one
        # reopen; alone in Apps. B: In Progress since 11:00, alone in Desk now.
        ("A", "2024-01-03"): (
            _hours("2024-01-01T10:00", "2024-01-03"),
            "P2",
            "Apps",
            "carol",
            "In Progress",
            _hours("2024-01-03T10:00", "2024-01-03"),
            1,
            4,
            1,
            1,
        ),
        ("B", "2024-01-03"): (
            _hours("2024-01-01T20:00", "2024-01-03"),
            "P4",
            "Desk",
            "dan",
            "In Progress",
            _hours("2024-01-03T11:00", "2024-01-03"),
            0,
            2,
            0,
            1,
        ),
    }
    names = features.FEATURES
    for key, values in expected.items():
        row = got[key]
        for name, value in zip(names, values, strict=True):
            if isinstance(value, float):
                assert row[name] == pytest.approx(value, abs=1e-9), (key, name)
            else:
                assert row[name] == value, (key, name)


def test_labels_read_what_happened_after(golden: Project) -> None:
    got = _by_key(_read(golden.dataset()))
    resolution, within, reopened = ("hours_to_resolution", "resolved_within_target", "reopened")
    # A at 01-01: resolved 01-02 15:00 (15 h later, 29 h after creation > 8 h), reopened 01-03.
    a1 = got[("A", "2024-01-01")]
    assert a1[resolution] == pytest.approx(15 + US, abs=1e-9)
    assert (a1[within], a1[reopened]) == (False, True)
    # A at 01-03: resolved again 01-04 08:00; no reopen yet, and 7 days have not passed.
    a3 = got[("A", "2024-01-03")]
    assert a3[resolution] == pytest.approx(8 + US, abs=1e-9)
    assert (a3[within], a3[reopened]) == (False, None)
    # B never resolved: 60 h after creation at the as-of time, within 72 h, so not known yet.
    for day in ("2024-01-01", "2024-01-02", "2024-01-03"):
        assert (got[("B", day)][resolution], got[("B", day)][within]) == (None, None)
        assert got[("B", day)][reopened] is None
    # E resolved 01-03 01:00: 1 h later, 3 h after creation (within 72 h).
    e2 = got[("E", "2024-01-02")]
    assert e2[resolution] == pytest.approx(1 + US, abs=1e-9)
    assert (e2[within], e2[reopened]) == (True, None)


def test_split_by_time_and_labels_cut_at_the_split_end(tmp_path: Path) -> None:
    # Three days, a third each: train 01-01, validation 01-02, test 01-03.
    project = build_project(
        tmp_path / "split",
        {"log.csv": LOG},
        settings="dataset: {validation_share: 0.3, test_share: 0.3}",
    )
    done = project.dataset()
    got = _by_key(_read(done))
    assert {k: r["split"] for k, r in got.items()} == {
        ("A", "2024-01-01"): "train",
        ("B", "2024-01-01"): "train",
        ("B", "2024-01-02"): "validation",
        ("E", "2024-01-02"): "validation",
        ("A", "2024-01-03"): "test",
        ("B", "2024-01-03"): "test",
    }
    # A's resolution on 01-02 is validation time: its training row does not know it, but does
    # know (14 h after creation at the end of 01-01) that the 8 h target was missed.
    a1 = got[("A", "2024-01-01")]
    assert (a1["hours_to_resolution"], a1["resolved_within_target"], a1["reopened"]) == (
        None,
        False,
        None,
    )
    assert a1["labels_cut_at"] == _end("2024-01-01")
    # E's resolution at 01-03 01:00 is test time, after the validation split ends.
    assert got[("E", "2024-01-02")]["hours_to_resolution"] is None
    assert got[("A", "2024-01-03")]["hours_to_resolution"] == pytest.approx(8 + US, abs=1e-9)
    splits = done.manifest["splits"]
    assert {n: (s["rows"], s["from"], s["to"]) for n, s in splits.items()} == {
        "train": (2, "2024-01-01", "2024-01-01"),
        "validation": (2, "2024-01-02", "2024-01-02"),
        "test": (2, "2024-01-03", "2024-01-03"),
    }
    assert splits["test"]["labels_cut_at"] == "2024-01-04T08:00:00"


def test_manifest_describes_the_file(golden: Project, tmp_path: Path) -> None:
    import hashlib  # noqa: PLC0415

    done = golden.dataset(out=tmp_path / "ds")
    manifest = json.loads((tmp_path / "ds" / offline.MANIFEST_FILE).read_text())
    assert manifest == done.manifest
    assert manifest["content_sha256"] == hashlib.sha256(done.file.read_bytes()).hexdigest()
    assert manifest["rows"] == pq.read_metadata(done.file).num_rows == 6
    assert manifest["features"] == list(features.FEATURES)
    assert manifest["labels"] == list(offline.LABELS)
    assert manifest["sources"] == {"desk": 6}
    table = pq.read_table(done.file)
    assert set(features.FEATURES) | set(offline.LABELS) <= set(table.column_names)
    # The same build gives the same bytes: the hash identifies the content.
    again = golden.dataset(out=tmp_path / "ds")
    assert again.manifest["content_sha256"] == manifest["content_sha256"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds"]  # no work folders left behind


def test_as_of_cuts_rows_and_labels(golden: Project, tmp_path: Path) -> None:
    done = golden.dataset(as_of=date(2024, 1, 2), out=tmp_path / "cut")
    got = _by_key(_read(done))
    assert sorted(got) == [
        ("A", "2024-01-01"),
        ("B", "2024-01-01"),
        ("B", "2024-01-02"),
        ("E", "2024-01-02"),
    ]
    # A's resolution (01-02 15:00) is before the cut; its reopen (01-03) is not.
    a1 = got[("A", "2024-01-01")]
    assert a1["hours_to_resolution"] == pytest.approx(15 + US, abs=1e-9)
    assert a1["reopened"] is None
    assert got[("E", "2024-01-02")]["hours_to_resolution"] is None
    with pytest.raises(UsageError, match="up to 2023-12-31"):
        golden.dataset(as_of=date(2023, 12, 31), out=tmp_path / "none")


def test_cli_builds_and_names_the_file(golden: Project, tmp_path: Path) -> None:
    from typer.testing import CliRunner  # noqa: PLC0415

    from ticketlake.cli.main import app  # noqa: PLC0415

    out = tmp_path / "cli"
    result = CliRunner().invoke(
        app, ["--project", str(golden.root), "dataset", "build", "--out", str(out), "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    assert str(out / offline.DATA_FILE) in result.stdout
    bad = CliRunner().invoke(
        app, ["--project", str(golden.root), "dataset", "build", "--as-of", "yesterday"]
    )
    assert bad.exit_code != 0
    assert "--as-of expects a date as YYYY-MM-DD" in bad.output
    assert "Traceback" not in bad.output


# ---------------------------------------------------------------------------- leakage

ZONE = "America/New_York"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """Generated event logs (with reassignments, reopens and cancellations) read in New York
    time, so that day ends are local and not midnight UTC."""
    root = tmp_path_factory.mktemp("leak")
    project = Project(root)
    config = project.init()
    project.generate("events", root / "exports" / "events", tickets=300, days=10)
    config.write_text(
        config.read_text().replace(
            "sources: []\n",
            f"sources:\n  - name: desk\n    format: eventlog\n    path: exports/events\n"
            f"    timezone: {ZONE}\n",
            1,
        )
    )
    project = Project(root)
    assert not project.ingest(source="desk").failed
    project.build()
    return project


def _events(project: Project) -> dict[str, list[dict[str, Any]]]:
    names, found = project.query(
        "SELECT ticket_id, event_number, event_time, state, status, priority, group_name, "
        "assignee, is_reassignment, is_reopen FROM fact_ticket_event ORDER BY ticket_id, "
        "event_number"
    )
    by_ticket: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in found:
        event = dict(zip(names, row, strict=True))
        by_ticket[event["ticket_id"]].append(event)
    return by_ticket


def _last(events: list[dict[str, Any]], field: str) -> Any:
    return next((e[field] for e in reversed(events) if e[field] is not None), None)


def _known(events: list[dict[str, Any]], created: datetime, at: datetime) -> dict[str, Any] | None:
    """A ticket's features at ``at`` from its events up to then alone (None: not open)."""
    before = [e for e in events if e["event_time"] <= at]
    state = _last(before, "state")
    if created > at or state is None or state in features.TERMINAL:
        return None
    stays, since, seen = 0, None, None
    for e in before:
        if e["status"] is not None and e["status"] != seen:
            stays, since = stays + 1, e["event_time"]
        seen = e["status"] if e["status"] is not None else seen
    return {
        "age_hours": (at - created).total_seconds() / 3600,
        "priority": _last(before, "priority") or "unknown",
        "group_name": _last(before, "group_name"),
        "assignee": _last(before, "assignee"),
        "status": _last(before, "status"),
        "hours_in_status": (at - since).total_seconds() / 3600 if since else None,
        "reassignments": sum(bool(e["is_reassignment"]) for e in before),
        "status_stays": stays,
        "reopens": sum(bool(e["is_reopen"]) for e in before),
    }


def test_every_feature_recomputed_from_earlier_events_alone(generated: Project) -> None:
    events = _events(generated)
    created = dict(rows(generated, "SELECT ticket_id, created_at FROM fact_ticket"))
    as_of = rows(generated, "SELECT max(last_event_at) FROM fact_ticket")[0][0]
    zone, utc = ZoneInfo(ZONE), ZoneInfo("UTC")
    first = min(created.values()).replace(tzinfo=utc).astimezone(zone).date()
    expected: dict[tuple[str, datetime], dict[str, Any]] = {}
    day = first
    while True:
        end = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone).astimezone(
            utc
        ).replace(tzinfo=None) - timedelta(microseconds=1)
        if end > as_of:
            break
        for ticket, evs in events.items():
            got = _known(evs, created[ticket], end)
            if got is not None:
                expected[(ticket, end)] = got
        day += timedelta(days=1)
    load: dict[tuple[datetime, str | None], int] = defaultdict(int)
    for (_, end), feats in expected.items():
        load[(end, feats["group_name"])] += 1
    for (_, end), feats in expected.items():
        feats["queue_load"] = load[(end, feats["group_name"])]
    table = _read(generated.dataset())
    got = {(r["ticket_id"], r["snapshot_at"]): r for r in table}
    assert len(expected) > 300  # the test has something to check
    assert sorted(got) == sorted(expected)
    for key, feats in expected.items():
        for name, value in feats.items():
            if isinstance(value, float):
                assert math.isclose(got[key][name], value, abs_tol=1e-9), (key, name)
            else:
                assert got[key][name] == value, (key, name)
    # The generated desk reassigns, reopens and moves tickets through statuses.
    assert max(r["reassignments"] for r in table) > 0
    assert max(r["status_stays"] for r in table) > 2


def test_features_do_not_change_when_later_days_are_cut(generated: Project, tmp_path: Path) -> None:
    full = _read(generated.dataset(out=tmp_path / "full"))
    days = sorted({r["day"] for r in full})
    cut = _read(generated.dataset(as_of=days[len(days) // 2], out=tmp_path / "cut"))
    assert cut
    keys = ("source", "ticket_id", "snapshot_at", *features.FEATURES)
    earlier = [{k: r[k] for k in keys} for r in full if r["day"] <= days[len(days) // 2]]
    assert [{k: r[k] for k in keys} for r in cut] == earlier
