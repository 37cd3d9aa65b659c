"""Mapping health on small hand-written exports whose unknown, missing and unmapped values are
counted by hand, and the vendor's resolution time beside the derived one."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pytest

from tests.models.conftest import build_project
from ticketlake import Project
from ticketlake.engine.health import Health, measure, warnings

# Statuses 'Foo' x3 and 'Bar' x1 are not in the default statuses; 'Urgentish' is no priority.
# By hand, per ticket (latest status / priority / group; what its events show):
#   A  Resolved / High / L1        created event, resolved event
#   B  Foo (unmapped) / High / L1  created event, never ends
#   C  Closed / (none) / L2        created event, closed by its status alone: no resolution time
#   D  Bar (unmapped) / Urgentish / (none)   no created event
#   E  (none) / Low / (none)       no created event, no status, no lifecycle type: stateless
#   F  In Progress / Low / L1      created event, one update dated 2030: after the file was read
LOG = """\
case_id,timestamp,event_type,status,assignment_group,priority
A,2024-01-01T09:00:00Z,created,New,L1,High
A,2024-01-01T10:00:00Z,resolved,Resolved,L1,High
B,2024-01-01T09:00:00Z,created,Foo,L1,High
B,2024-01-01T11:00:00Z,updated,Foo,,High
C,2024-01-02T09:00:00Z,created,Foo,L2,
C,2024-01-02T10:00:00Z,updated,Closed,L2,
D,2024-01-02T09:00:00Z,updated,Bar,,Urgentish
E,2024-01-03T09:00:00Z,updated,,,Low
E,2024-01-03T10:00:00Z,updated,,,Low
F,2024-01-04T09:00:00Z,created,New,L1,Low
F,2030-01-01T09:00:00Z,updated,In Progress,L1,Low
"""

# (level, field) -> (rows, unknown, missing)
EXPECTED_FIELDS = {
    ("events", "status"): (11, 4, 2),  # Foo x3, Bar; E's two events have none
    ("events", "priority"): (11, 1, 2),  # Urgentish; C's two events have none
    ("events", "group"): (11, 0, 4),  # B's update, D, E x2
    ("tickets", "status"): (6, 2, 1),  # B, D unmapped; E none
    ("tickets", "priority"): (6, 1, 1),  # D unmapped; C none
    ("tickets", "group"): (6, 0, 2),  # D, E
    ("tickets", "created"): (6, 0, 2),  # D, E
    ("tickets", "resolution"): (6, 3, 1),  # B, D, E cannot tell; C closed without one
}

BREACHES = [
    "desk: status unknown or missing: 3 of 6 tickets (50.0%) > check.max_unknown_share.status 5%",
    "desk: priority unknown or missing: 2 of 6 tickets (33.3%) > check.max_unknown_share.priority "
    "5%",
    "desk: created unknown or missing: 2 of 6 tickets (33.3%) > check.max_unknown_share.created 5%",
    "desk: resolution unknown or missing: 4 of 6 tickets (66.7%) > "
    "check.max_unknown_share.resolution 5%",
    "desk: dated after their file was read: 1 of 11 events (9.1%) > check.max_out_of_period_share 1%",
]

RELAXED = """
check:
  max_unknown_share: {status: 0.5, priority: 0.34, group: 0.34, created: 0.34, resolution: 0.67}
  max_stateless_share: 0.17
  max_out_of_period_share: 0.091
"""


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The log above, ingested as source ``desk`` and built."""
    return build_project(tmp_path_factory.mktemp("health"), {"events.csv": LOG})


def test_shares_and_counts_are_those_counted_by_hand(desk: Project) -> None:
    found = desk.health()
    got = {(f.level, f.field): (f.rows, f.unknown, f.missing) for f in found.fields}
    assert got == EXPECTED_FIELDS
    share = {(f.level, f.field): f.share for f in found.fields}
    assert share["tickets", "status"] == 0.5 and share["events", "status"] == 6 / 11
    [source] = found.sources
    assert (source.source, source.events, source.tickets) == ("desk", 11, 6)
    assert (source.stateless, source.out_of_period) == (1, 1)  # E; F's update of 2030
    assert (source.resolved_by_rule, source.resolved_differs) == (1, 0)  # C; no vendor field


def test_unmapped_values_with_their_counts(desk: Project) -> None:
    got = [(u.field, u.value, u.events, u.tickets, u.values) for u in desk.health().unmapped]
    assert got == [
        ("priority", "Urgentish", 1, 1, 1),
        ("status", "Foo", 3, 2, 2),
        ("status", "Bar", 1, 1, 2),
    ]


def test_top_values_caps_the_list(desk: Project) -> None:
    capped = Project(desk.root, ["check.top_values=1"]).health()
    assert [(u.field, u.value, u.values) for u in capped.unmapped] == [
        ("priority", "Urgentish", 1),
        ("status", "Foo", 2),
    ]
    assert "desk: unmapped status values (events): 'Foo' x3 and 1 more" in warnings(capped)


def test_breaches_are_one_exact_line_each(desk: Project) -> None:
    assert desk.health().breaches == BREACHES


def test_at_or_under_every_threshold_nothing_breaches(tmp_path: Path) -> None:
    relaxed = build_project(tmp_path, {"events.csv": LOG}, settings=RELAXED)
    assert relaxed.health().breaches == []
    stricter = Project(relaxed.root, ["check.max_stateless_share=0.16"]).health()
    assert stricter.breaches == [
        "desk: state nothing reveals: 1 of 6 tickets (16.7%) > check.max_stateless_share 16%"
    ]


def test_values_are_mapped_with_todays_settings(desk: Project) -> None:
    """Events keep the category they were ingested with; health maps the raw values again,
    as the next build will, so adding a label to the settings clears it at once."""
    mapped = Project(desk.root, ["statuses.Foo=open", "statuses.Bar=closed"]).health()
    status = next(f for f in mapped.fields if (f.level, f.field) == ("tickets", "status"))
    assert (status.unknown, status.missing) == (0, 1)
    assert [u.value for u in mapped.unmapped] == ["Urgentish"]


def test_one_source_and_an_unknown_one(desk: Project) -> None:
    assert [s.source for s in desk.health("desk").sources] == ["desk"]
    with pytest.raises(Exception, match="--source nosuch: no events of that source"):
        desk.health("nosuch")


# ServiceNow exports its own resolved_at. By hand (derived rule: docs/metrics.md):
#   INC1 resolved 11:00, closed next day: derived = vendor = 01-01 11:00
#   INC2 closed without resolved_at: vendor NULL, derived from the state change, 01-03 10:00
#   INC3 resolved 10:00, then Active again: vendor 10:00, derived NULL (open)
#   INC4 resolved 10:00, Active at 12:00, Resolved by status at 15:00: vendor 10:00, derived 15:00
SNOW = """\
number,incident_state,sys_mod_count,sys_updated_at,opened_at,resolved_at,closed_at,priority
INC1,New,0,01/01/2024 09:00,01/01/2024 09:00,01/01/2024 11:00,02/01/2024 12:00,3 - Moderate
INC1,Resolved,1,01/01/2024 12:00,01/01/2024 09:00,01/01/2024 11:00,02/01/2024 12:00,3 - Moderate
INC1,Closed,2,02/01/2024 12:00,01/01/2024 09:00,01/01/2024 11:00,02/01/2024 12:00,3 - Moderate
INC2,New,0,01/01/2024 09:00,01/01/2024 09:00,?,03/01/2024 10:00,3 - Moderate
INC2,Closed,1,03/01/2024 10:00,01/01/2024 09:00,?,03/01/2024 10:00,3 - Moderate
INC3,New,0,01/01/2024 09:00,01/01/2024 09:00,01/01/2024 10:00,?,3 - Moderate
INC3,Resolved,1,01/01/2024 10:00,01/01/2024 09:00,01/01/2024 10:00,?,3 - Moderate
INC3,Active,2,01/01/2024 14:00,01/01/2024 09:00,01/01/2024 10:00,?,3 - Moderate
INC4,New,0,01/01/2024 09:00,01/01/2024 09:00,01/01/2024 10:00,?,3 - Moderate
INC4,Resolved,1,01/01/2024 10:00,01/01/2024 09:00,01/01/2024 10:00,?,3 - Moderate
INC4,Active,2,01/01/2024 12:00,01/01/2024 09:00,01/01/2024 10:00,?,3 - Moderate
INC4,Resolved,3,01/01/2024 15:00,01/01/2024 09:00,01/01/2024 10:00,?,3 - Moderate
"""


@pytest.fixture(scope="module")
def snow(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return build_project(
        tmp_path_factory.mktemp("snow"), {"incidents.csv": SNOW}, "servicenow", "snow"
    )


def test_source_resolved_at_is_the_vendor_field_beside_the_derived_one(snow: Project) -> None:
    got = {
        r[0]: r[1:]
        for r in snow.query("SELECT ticket_id, source_resolved_at, resolved_at FROM fact_ticket")[1]
    }
    at = datetime(2024, 1, 1)
    assert got == {
        "INC1": (at.replace(hour=11), at.replace(hour=11)),
        "INC2": (None, datetime(2024, 1, 3, 10)),
        "INC3": (at.replace(hour=10), None),
        "INC4": (at.replace(hour=10), at.replace(hour=15)),
    }


def test_check_counts_where_vendor_and_derived_differ(snow: Project) -> None:
    [source] = snow.health().sources
    assert source.resolved_differs == 2  # INC3, INC4
    assert source.resolved_by_rule == 2  # INC2 (no vendor field), INC4 (after a reopen)
    assert "snow: resolved_at differs from the source's own for 2 of 4 tickets" in warnings(
        snow.health()
    )


def test_without_a_build_the_milestone_figures_are_absent(tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "events.csv").write_text(LOG, encoding="utf-8")
    project = Project(tmp_path)
    project.init()
    project.ingest([exports], format="eventlog")
    [source] = project.health().sources
    assert (source.resolved_by_rule, source.resolved_differs) == (None, None)
    assert source.tickets == 6


def test_a_build_from_before_source_resolved_at_leaves_the_figures_out(desk: Project) -> None:
    """A warehouse built by an older ticketlake has no fact_ticket.source_resolved_at: the
    milestone figures are absent until the next build, and nothing fails."""
    older = pa.table({"source": ["desk"], "ticket_id": ["A"], "resolved_at": [None]})
    queries: list[str] = []

    def fact_ticket(sql: str) -> pa.Table:
        queries.append(sql)
        return older.slice(0, 0)

    with desk.read() as con:
        found = measure(con, desk.settings, fact_ticket=fact_ticket)
    assert [(s.resolved_by_rule, s.resolved_differs) for s in found.sources] == [(None, None)]
    assert queries == ["SELECT * FROM fact_ticket LIMIT 0"]


def test_a_file_that_failed_is_a_breach_until_it_loads(tmp_path: Path) -> None:
    """A file missing a required column loads nothing, so no share sees it: check names it,
    and once the same path commits the breach is gone."""
    project = Project(tmp_path)
    project.init()
    export = tmp_path / "desk.csv"
    export.write_text("foo,bar\n1,2\n", encoding="utf-8")
    project.ingest([export], format="eventlog")
    found = measure_project(project)
    [source] = {b["source"] for b in project.status()["batches"]}
    assert [(u.source, u.path) for u in found.unloaded] == [(source, str(export))]
    assert found.breaches == [f"{source}: not loaded: {found.unloaded[0].reason}"]
    assert "missing required column" in found.unloaded[0].reason
    assert project.health(source).breaches == found.breaches  # a source with no events yet
    export.write_text(LOG, encoding="utf-8")
    project.ingest([export], format="eventlog")
    assert measure_project(project).unloaded == []


def measure_project(project: Project) -> Health:
    """The health of every source of ``project``, without a build."""
    with project.read() as con:
        return measure(con, project.settings)


def test_rows_kept_in_quarantine_are_a_breach_above_the_threshold(tmp_path: Path) -> None:
    """A file can commit with every row quarantined (a date format nobody guessed) and leave
    no event to measure: its quarantined share breaches, 3 of 4 rows here."""
    project = Project(tmp_path)
    project.init()
    export = tmp_path / "desk.csv"
    export.write_text(
        "case_id,timestamp,event_type\nA,2024-01-01T09:00:00Z,created\n"
        "B,yesterday,created\nC,soon,created\nD,later,created\n",
        encoding="utf-8",
    )
    project.ingest([export], format="eventlog")
    [source] = {b["source"] for b in project.status()["batches"]}
    found = measure_project(project)
    assert [(q.rows_in, q.quarantined) for q in found.quarantined] == [(4, 3)]
    assert (
        f"{source}: rows quarantined: 3 of 4 rows (75.0%) > check.max_quarantined_share 5%; "
        "most: unparseable_timestamp in timestamp x3" in found.breaches
    )
    with project.read() as con:
        relaxed = project.settings.model_copy(
            update={
                "check": project.settings.check.model_copy(update={"max_quarantined_share": 0.75})
            }
        )
        assert not any("quarantined" in b for b in measure(con, relaxed).breaches)


def test_fields_a_source_does_not_export_are_counted_but_never_breach(desk: Project) -> None:
    """``not_exported: [priority, created]`` removes exactly those two breach lines; the
    counts stay as they were."""
    settings = desk.settings.model_copy(deep=True)
    [source] = settings.sources
    source.not_exported = ["priority", "created"]
    with desk.read() as con:
        found = measure(con, settings)
    assert found.breaches == [b for b in BREACHES if "priority" not in b and "created" not in b]
    assert len(found.breaches) == len(BREACHES) - 2
    assert found.fields == desk.health().fields


# The vendor's SLA figures against ticketlake's (docs/sla.md#the-vendors-own-figures), on an
# incident table and a policy of 8 business hours on Monday to Friday 09:00-17:00 UTC, nothing
# pausing it. 2024-01-01 is a Monday. By hand (ours: calendar / business minutes, verdict):
#   INC1 Mon 09:00 -> 13:00: 240 / 240, achieved. Vendor: made, 240, 240.5: all agree.
#   INC2 Fri 15:00 -> Mon 12:00: 4140 / 300 (Fri 15-17, Mon 9-12), achieved. Vendor: not made
#        (disagrees), 4140 (agrees), 4140 business (its schedule is 24/7: disagrees).
#   INC3 Mon 09:00 -> Tue 12:00: 1620 / 660, breached. Vendor: not made, 1622 (2 minutes off:
#        disagrees within 1, agrees within 2), 660.
#   INC4 open since Mon 01-08 11:00, as of 12:00: 60 business minutes, in progress, no verdict:
#        its made_sla has nothing to agree with, and no minutes.
INCIDENTS = """\
number,sys_updated_on,opened_at,resolved_at,state,priority,made_sla,calendar_stc,business_stc
INC1,2024-01-01 13:00:00,2024-01-01 09:00:00,2024-01-01 13:00:00,Resolved,3,true,14400,14430
INC2,2024-01-08 12:00:00,2024-01-05 15:00:00,2024-01-08 12:00:00,Resolved,3,false,248400,248400
INC3,2024-01-02 12:00:00,2024-01-01 09:00:00,2024-01-02 12:00:00,Resolved,3,false,97320,39600
INC4,2024-01-08 11:00:00,2024-01-08 11:00:00,,In Progress,3,true,,
"""

DESK = """
calendars:
  desk: {timezone: UTC, hours: {mon-fri: ["09:00-17:00"]}}
sla_policies:
  - name: desk
    resolution: {hours: 8, calendar: desk, paused_by: []}
"""

# (figure, vendor, both, agree)
AGREEMENT = [
    ("made_sla", 4, 3, 2),  # INC1, INC3
    ("vendor_resolution_business_minutes", 3, 3, 2),  # INC1, INC3
    ("vendor_resolution_minutes", 3, 3, 2),  # INC1, INC2
]


@pytest.fixture(scope="module")
def incidents(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return build_project(
        tmp_path_factory.mktemp("agreement"),
        {"incident.csv": INCIDENTS},
        "servicenow-table",
        "table",
        DESK,
    )


def test_the_vendors_sla_figures_agree_as_counted_by_hand(incidents: Project) -> None:
    found = incidents.health()
    got = [(a.source, a.figure, a.vendor, a.both, a.agree) for a in found.agreement]
    assert got == [("table", *row) for row in AGREEMENT]
    assert [a.rate for a in found.agreement] == [2 / 3] * 3
    assert {a.figure: a.compared_with for a in found.agreement} == {
        "made_sla": "fact_sla resolution achieved",
        "vendor_resolution_business_minutes": "fact_sla resolution elapsed_business_seconds",
        "vendor_resolution_minutes": "fact_ticket.resolution_hours",
    }
    stages = incidents.query("SELECT ticket_id, stage, elapsed_business_seconds / 60 "
                             "FROM fact_sla WHERE metric = 'resolution' ORDER BY 1")[1]  # fmt: skip
    assert stages == [("INC1", "achieved", 240.0), ("INC2", "achieved", 300.0),
                      ("INC3", "breached", 660.0), ("INC4", "in_progress", 60.0)]  # fmt: skip
    assert found.as_dict()["sla_agreement"][0] == {
        "source": "table",
        "figure": "made_sla",
        "compared_with": "fact_sla resolution achieved",
        "vendor": 4,
        "both": 3,
        "agree": 2,
        "rate": round(2 / 3, 6),
    }
    assert found.as_dict()["sla_tolerance_minutes"] == 1.0


def test_the_tolerance_is_a_setting(incidents: Project) -> None:
    wider = Project(incidents.root, ["check.sla_tolerance_minutes=2"]).health()
    calendar = next(a for a in wider.agreement if a.figure == "vendor_resolution_minutes")
    assert (calendar.both, calendar.agree) == (3, 3)  # INC3's 2 minutes now agree
    made = next(a for a in wider.agreement if a.figure == "made_sla")
    assert made.agree == 2  # a flag agrees exactly or not at all


def test_zendesk_metric_sets_agree(tmp_path: Path) -> None:
    """The Zendesk fixture's one solved ticket (35436): reply 45 minutes, resolution 1,530,
    business 510 (its 17 h pending excluded), on the default policy (24/7, pending pauses
    resolution): every figure agrees; the others export none."""
    project = Project(tmp_path)
    project.init()
    fixtures = Path(__file__).parents[1] / "presets" / "fixtures" / "zendesk"
    assert not Project(tmp_path).ingest([fixtures], format="zendesk").failed
    project = Project(tmp_path)
    project.build()
    got = [(a.figure, a.vendor, a.both, a.agree) for a in project.health().agreement]
    assert got == [
        ("vendor_reply_business_minutes", 1, 1, 1),
        ("vendor_reply_minutes", 1, 1, 1),
        ("vendor_resolution_business_minutes", 1, 1, 1),
        ("vendor_resolution_minutes", 1, 1, 1),
    ]


def test_no_agreement_without_vendor_figures_or_a_build(desk: Project) -> None:
    """An event log exports no SLA figure; before a build nothing is compared."""
    assert desk.health().agreement == []
    assert desk.health().as_dict()["sla_agreement"] == []
    with desk.read() as con:
        assert measure(con, desk.settings).agreement == []
