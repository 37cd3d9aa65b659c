"""Labels and the vendor's own figures in the warehouse: bridge_ticket_label, fact_ticket's
labels and vendor_* columns, and the KPIs sliced by label (--by label, --where label=X), on
small hand-written exports whose expected values are worked out by hand in the comments."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.models.conftest import build_project, rows
from ticketlake import Project
from ticketlake import sources as formats
from ticketlake.cli.main import app
from ticketlake.errors import UsageError
from ticketlake.kpis import CATALOG
from ticketlake.sources import documents
from ticketlake.sources.base import FileKind, Format

# Labels as the tickets format reads a `tags` column (split on ; or ,, trimmed, blanks dropped,
# each once, first seen first):
#   T1 billing, vip        T2 billing        T3 vip, outage (the second vip dropped)
#   T4 none (empty cell)   T5 outage (the blank before ; dropped)
# bridge_ticket_label: 2 + 1 + 2 + 0 + 1 = 6 rows.
TICKETS = """\
ticket_id,created_at,first_response_at,resolved_at,status,priority,tags
T1,2024-01-01 09:00:00,2024-01-01 10:00:00,2024-01-01 13:00:00,Resolved,High,billing;vip
T2,2024-01-01 10:00:00,2024-01-01 12:00:00,2024-01-02 10:00:00,Resolved,Low,billing
T3,2024-01-02 09:00:00,2024-01-02 09:30:00,,Open,Low,"vip, outage , vip"
T4,2024-01-02 11:00:00,2024-01-02 15:00:00,2024-01-02 19:00:00,Resolved,Low,
T5,2024-01-03 08:00:00,,,New,Medium,  ;outage
"""


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The tickets above, built once for the module."""
    root = tmp_path_factory.mktemp("labels")
    return build_project(root, {"tickets.csv": TICKETS}, fmt="tickets")


def _kpi(
    project: Project, name: str, by: list[str] | None = None, **filters: str
) -> list[dict[str, Any]]:
    return project.kpi(name, by, **filters).to_pylist()


def test_bridge_has_one_row_per_current_label(labelled: Project) -> None:
    assert rows(labelled, "SELECT ticket_id, label FROM bridge_ticket_label ORDER BY ALL") == [
        ("T1", "billing"),
        ("T1", "vip"),
        ("T2", "billing"),
        ("T3", "outage"),
        ("T3", "vip"),
        ("T5", "outage"),
    ]


def test_bridge_refreshes_incrementally(tmp_path: Path) -> None:
    """A later export retags T2 (billing -> vip, escalated) and adds T6 without tags: only the
    touched tickets' rows change, and the result equals a full build."""
    project = build_project(tmp_path, {"tickets.csv": TICKETS}, fmt="tickets")
    later = tmp_path / "exports" / "desk" / "later.csv"
    later.write_text(
        "ticket_id,created_at,updated_at,status,priority,tags\n"
        "T2,2024-01-01 10:00:00,2024-01-05 09:00:00,Resolved,Low,vip;escalated\n"
        "T6,2024-01-05 10:00:00,,New,Low,\n",
        encoding="utf-8",
    )
    assert not project.ingest(source="desk").failed
    assert project.build().modes["bridge_ticket_label"] == "incremental"
    sql = "SELECT ticket_id, label FROM bridge_ticket_label ORDER BY ALL"
    assert rows(project, sql) == [
        ("T1", "billing"),
        ("T1", "vip"),
        ("T2", "escalated"),
        ("T2", "vip"),
        ("T3", "outage"),
        ("T3", "vip"),
        ("T5", "outage"),
    ]
    incremental = rows(project, sql)
    project.build(full=True)
    assert rows(project, sql) == incremental


def test_fact_ticket_carries_the_labels(labelled: Project) -> None:
    assert dict(rows(labelled, "SELECT ticket_id, labels FROM fact_ticket")) == {
        "T1": '["billing","vip"]',
        "T2": '["billing"]',
        "T3": '["vip","outage"]',
        "T4": None,
        "T5": '["outage"]',
    }


def test_resolution_time_by_label(labelled: Project) -> None:
    """Resolved: T1 13-9 = 4 h, T2 (1 day + 0 h) = 24 h, T4 19-11 = 8 h. billing: T1, T2,
    mean (4 + 24) / 2 = 14; vip: T1, 4; (none): T4, 8; outage: nothing resolved, no row."""
    found = {
        r["label"]: (r["resolved"], r["mean_hours"])
        for r in _kpi(labelled, "resolution_time", ["label"])
    }
    assert found == {"(none)": (1, 8.0), "billing": (2, 14.0), "vip": (1, 4.0)}


def test_response_time_by_label_counts_a_ticket_once_per_label(labelled: Project) -> None:
    """Responded: T1 1 h, T2 2 h, T3 0.5 h, T4 4 h. billing T1, T2: mean 1.5; vip T1, T3:
    mean (1 + 0.5) / 2 = 0.75; outage T3: 0.5; (none) T4: 4. 2 + 2 + 1 + 1 = 6 counts of
    4 tickets: T1 and T3 count twice."""
    found = {
        r["label"]: (r["responded"], r["mean_hours"])
        for r in _kpi(labelled, "response_time", ["label"])
    }
    assert found == {"(none)": (1, 4.0), "billing": (2, 1.5), "outage": (1, 0.5), "vip": (2, 0.75)}
    assert labelled.kpi_notes("response_time", ["label"]) == [
        "tickets with several labels count once per label: 2 tickets have more than one"
    ]


def test_the_note_counts_only_the_tickets_the_kpi_counts(labelled: Project) -> None:
    """resolution_time counts T1, T2, T4: only T1 has two labels (T3 is not resolved)."""
    assert labelled.kpi_notes("resolution_time", ["label"]) == [
        "tickets with several labels count once per label: 1 ticket has more than one"
    ]
    assert labelled.kpi_notes("resolution_time", ["week"]) == []


def test_priority_summary_by_label_and_priority(labelled: Project) -> None:
    """Every ticket: T1 High (P2 by default), T2, T3, T4 Low (P4), T5 Medium (P3)."""
    found = {
        (r["label"], r["priority"]): r["tickets"]
        for r in _kpi(labelled, "priority_summary", ["label", "priority"])
    }
    assert found == {
        ("billing", "P2"): 1,
        ("billing", "P4"): 1,
        ("vip", "P2"): 1,
        ("vip", "P4"): 1,
        ("outage", "P4"): 1,
        ("outage", "P3"): 1,
        ("(none)", "P4"): 1,
    }


def test_where_label_keeps_the_tickets_with_that_label(labelled: Project) -> None:
    """vip: T1 (1 h) and T3 (0.5 h), both created in the week of Monday 2024-01-01: one row,
    mean 0.75. (none): T4 alone, 4 h."""
    vip = _kpi(labelled, "response_time", label="vip")
    assert [(str(r["week"]), r["responded"], r["mean_hours"]) for r in vip] == [
        ("2024-01-01", 2, 0.75)
    ]
    none = _kpi(labelled, "response_time", ["source"], label="(none)")
    assert [(r["responded"], r["mean_hours"]) for r in none] == [(1, 4.0)]


def test_lifecycle_slices_by_label(labelled: Project) -> None:
    """Its base has one row per ticket too: 2 billing, 2 vip, 2 outage, 1 without."""
    found = {r["label"]: r["tickets"] for r in _kpi(labelled, "lifecycle", ["label"])}
    assert found == {"billing": 2, "vip": 2, "outage": 2, "(none)": 1}


@pytest.mark.parametrize(
    "name",
    [
        "volume",
        "backlog",
        "target_attainment",
        "agent_load",
        "time_in_status",
        "daily_ops",
        "distributions",
    ],
)
def test_kpis_not_counted_over_tickets_refuse_label(labelled: Project, name: str) -> None:
    for by, filters in ((["label"], {}), (None, {"label": "vip"})):
        with pytest.raises(UsageError, match=f"^{name} cannot be sliced by label: its rows"):
            labelled.kpi(name, by, **filters)


def test_label_is_offered_exactly_for_the_ticket_grain_kpis() -> None:
    sliced = {k.name for k in CATALOG.values() if "label" in k.by_names()}
    assert sliced == {
        "response_time",
        "resolution_time",
        "location_demand",
        "conversion",
        "reopen_rate",
        "reassignments",
        "priority_summary",
        "lifecycle",
        "flow",
        "variants",
    }


def _cli(project: Project, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["-p", str(project.root), *args])
    return result.exit_code, result.stdout, result.stderr


def test_cli_says_how_tickets_count_by_label(labelled: Project) -> None:
    """The note on stderr in every format; JSON output holds it beside the rows."""
    note = "tickets with several labels count once per label: 2 tickets have more than one"
    code, out, err = _cli(labelled, "kpis", "response_time", "--by", "label", "-f", "csv")
    assert code == 0, err
    assert out.splitlines()[0].startswith("label,responded,")
    assert f"note: {note}" in err
    code, out, err = _cli(labelled, "kpis", "response_time", "--by", "label", "-f", "json")
    assert code == 0, err
    document = json.loads(out)
    assert document["notes"] == [note]
    assert {r["label"]: r["responded"] for r in document["rows"]} == {
        "(none)": 1,
        "billing": 2,
        "outage": 1,
        "vip": 2,
    }


def test_cli_where_label_without_by_label_prints_rows_only(labelled: Project) -> None:
    code, out, err = _cli(labelled, "kpis", "response_time", "--where", "label=vip", "-f", "json")
    assert code == 0, err
    assert [r["responded"] for r in json.loads(out)] == [2] and "note:" not in err


def test_cli_refuses_label_in_one_line(labelled: Project) -> None:
    code, out, err = _cli(labelled, "kpis", "volume", "--by", "label")
    assert code == 2 and not out
    assert err.strip().splitlines() == [
        "error: volume cannot be sliced by label: its rows (kpi_volume_daily) are not tickets; "
        "label slices " + ", ".join(k.name for k in CATALOG.values() if k.by_label)
    ]


# ---------------------------------------------------------------- the vendor's own figures

# A tiny document format for the test (the presets bring the real ones): each record is a
# ticket with its events; each event row carries the vendor minutes the export gave then.
# V1: created 09:00, replied 09:30 (30 min), solved 11:00 (120 min), business minutes 20 and
#     100 on the solved event; then an update carries new labels and no minutes, so the
#     latest non-NULL minutes stay those of the solved event, and the labels are the update's.
# V2: created, no figures at all: every vendor column NULL.
VENDOR_DOC = [
    {
        "id": "V1",
        "events": [
            {"at": "2024-03-01T09:00:00Z", "type": "created", "status": "new", "tags": ["a"]},
            {"at": "2024-03-01T09:30:00Z", "type": "responded", "status": "open", "reply": 31.0},
            {
                "at": "2024-03-01T11:00:00Z",
                "type": "resolved",
                "status": "solved",
                "reply": 30.0,
                "reply_business": 20.0,
                "resolution": 120.0,
                "resolution_business": 100.0,
            },
            {
                "at": "2024-03-01T12:00:00Z",
                "type": "updated",
                "status": "solved",
                "tags": ["b", "c", "b"],
            },
        ],
    },
    {
        "id": "V2",
        "events": [
            {"at": "2024-03-02T09:00:00Z", "type": "created", "status": "new"},
        ],
    },
]
_FIGURES = {
    "reply": "vendor_reply_minutes",
    "reply_business": "vendor_reply_business_minutes",
    "resolution": "vendor_resolution_minutes",
    "resolution_business": "vendor_resolution_business_minutes",
}


def _explode(record: documents.Record) -> Iterable[documents.Row]:
    for i, event in enumerate(record.value["events"]):
        values = {
            "ticket_id": record.value["id"],
            "event_time": event["at"],
            "event_type": event["type"],
            "status": event["status"],
            "labels": documents.labels(event["tags"]) if "tags" in event else None,
            **{field: event.get(key) for key, field in _FIGURES.items()},
        }
        yield documents.Row(f".events[{i}]", values, event)


_KIND = FileKind(
    name="vendortest.json",
    container="json",
    synonyms=documents.IDENTITY,
    required=("ticket_id", "event_time"),
    events_sql=documents.EVENTS_SQL,
    reader=documents.reader(_explode, ()),
    history=True,
)
VENDOR = Format(name="vendortest", summary="A test document format.", kinds=(("*.json", _KIND),))


@pytest.fixture(scope="module")
def vendor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    """The document above, ingested with the test format registered for the module."""
    formats.FORMATS[VENDOR.name] = VENDOR
    try:
        root = tmp_path_factory.mktemp("vendor")
        doc = json.dumps(VENDOR_DOC, indent=1)
        settings = "statuses:\n  solved: resolved\n"
        yield build_project(root, {"tickets.json": doc}, fmt="vendortest", settings=settings)
    finally:
        del formats.FORMATS[VENDOR.name]


def test_fact_ticket_keeps_the_latest_vendor_figures(vendor: Project) -> None:
    found = rows(
        vendor,
        "SELECT ticket_id, vendor_reply_minutes, vendor_reply_business_minutes,"
        " vendor_resolution_minutes, vendor_resolution_business_minutes, labels,"
        " first_response_hours, resolution_hours FROM fact_ticket ORDER BY 1",
    )
    # ticketlake's own: 09:00 -> 09:30 is 0.5 h, 09:00 -> 11:00 is 2 h, beside the vendor's.
    assert found == [
        ("V1", 30.0, 20.0, 120.0, 100.0, '["b","c"]', 0.5, 2.0),
        ("V2", None, None, None, None, None, None, None),
    ]
    assert rows(vendor, "SELECT ticket_id, label FROM bridge_ticket_label ORDER BY ALL") == [
        ("V1", "b"),
        ("V1", "c"),
    ]


def test_flow_slices_by_label(vendor: Project) -> None:
    """The test format exports histories, so flow_ticket has V1 (labels b, c) and V2 (none):
    V1 counts under b and under c, V2 under (none)."""
    found = {r["label"]: r["tickets"] for r in vendor.kpi("flow", ["label"]).to_pylist()}
    assert found == {"(none)": 1, "b": 1, "c": 1}
