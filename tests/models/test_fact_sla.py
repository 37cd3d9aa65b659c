"""SLA clocks (models/sla/fact_sla.sql): golden cases computed by hand, and agreement with the
reference in sla_reference.py on hypothesis-generated stays with pauses, on DuckDB and on
Spark (tests/models/engines.py). The golden cases run on DuckDB only: on Spark each is a
query of 30 to 70 s here, so Spark checks the model on the generated cases, all in one query. The model runs on small tables standing in for fact_ticket,
fact_ticket_event and flow_status_interval and the ``cfg_*`` tables of the settings;
tests/engine/test_spark_parity.py builds it on both engines from a generated lake."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.models import engines, sla_reference
from tests.models.engines import Run
from ticketlake.config import Settings
from ticketlake.engine import calendars, inputs

EXAMPLES = int(os.environ.get("TICKETLAKE_EXAMPLES", "15"))
TS = pa.timestamp("us")
TICKETS = pa.schema([
    ("source", pa.string()), ("ticket_id", pa.string()), ("created_at", TS),
    ("first_response_at", TS), ("first_resolved_at", TS), ("resolved_at", TS),
    ("cancelled_at", TS), ("last_event_at", TS), ("priority", pa.string()),
    ("group_name", pa.string()), ("category", pa.string()), ("channel", pa.string()),
    ("customer", pa.string()),
])  # fmt: skip
EVENTS = pa.schema([
    ("source", pa.string()), ("ticket_id", pa.string()), ("event_number", pa.int64()),
    ("priority", pa.string()),
])  # fmt: skip
STAYS = pa.schema([
    ("source", pa.string()), ("ticket_id", pa.string()), ("stay_number", pa.int64()),
    ("status_category", pa.string()), ("entered_at", TS), ("left_at", TS),
])  # fmt: skip
H = 3600


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass
class Ticket:
    """A ticket as the model reads it: milestones, the priorities its events carry in order,
    and its status stays (category, entered) in order, the last one current."""

    created: str
    stays: list[tuple[str, str]] = field(default_factory=list)
    responded: str | None = None
    resolved: str | None = None  # the final resolution
    first_resolved: str | None = None
    cancelled: str | None = None
    priorities: list[str] = field(default_factory=lambda: ["P3"])
    last_event: str | None = None
    customer: str | None = None
    ticket_id: str = "t"
    source: str = "s"

    def rows(self) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
        times = [self.created, *(e for _, e in self.stays), self.responded, self.resolved,
                 self.cancelled, self.last_event]  # fmt: skip
        ticket = {
            "source": self.source, "ticket_id": self.ticket_id, "created_at": at(self.created),
            "first_response_at": _at(self.responded),
            "first_resolved_at": _at(self.first_resolved or self.resolved),
            "resolved_at": _at(self.resolved), "cancelled_at": _at(self.cancelled),
            "last_event_at": max(at(t) for t in times if t), "priority": self.priorities[-1],
            "group_name": None, "category": None, "channel": None, "customer": self.customer,
        }  # fmt: skip
        events = [{"source": self.source, "ticket_id": self.ticket_id, "event_number": n,
                   "priority": p}
                  for n, p in enumerate(self.priorities, start=1)]  # fmt: skip
        stays = [
            {"source": self.source, "ticket_id": self.ticket_id, "stay_number": n,
             "status_category": c,
             "entered_at": at(e), "left_at": _at(self.stays[n][1] if n < len(self.stays) else None)}
            for n, (c, e) in enumerate(self.stays, start=1)
        ]  # fmt: skip
        return ticket, events, stays


def _at(text: str | None) -> datetime | None:
    return None if text is None else at(text)


@pytest.fixture(scope="module")
def con() -> Run:
    """The model on DuckDB, for the hypothesis test checked example by example."""
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    return engines.on_duckdb(connection)


@pytest.fixture(scope="module")
def run(con: Run) -> Run:
    """The golden cases' engine: DuckDB (the module docstring says why not Spark too)."""
    return con


def fact_sla(run: Run, config: dict[str, Any],
             tickets: list[Ticket]) -> dict[tuple[str, str], dict[str, Any]]:  # fmt: skip
    """The model's rows keyed by (ticket_id, metric)."""
    return {(r["ticket_id"], r["metric"]): r for r in fact_sla_rows(run, config, tickets)}


def fact_sla_rows(run: Run, config: dict[str, Any], tickets: list[Ticket]) -> list[dict[str, Any]]:
    """The model's rows for ``tickets`` under the settings ``config``."""
    rows = [t.rows() for t in tickets]
    tables = {
        **inputs.tables(Settings.model_validate(config), calendars.span_of(2023, 2025)),
        "fact_ticket": pa.Table.from_pylist([r[0] for r in rows], schema=TICKETS),
        "fact_ticket_event": pa.Table.from_pylist([e for r in rows for e in r[1]], schema=EVENTS),
        "flow_status_interval": pa.Table.from_pylist([s for r in rows for s in r[2]], schema=STAYS),
    }
    return run("fact_sla", tables)


# A desk open Monday to Friday 09:00-17:00 UTC; 2024-01-05 is a Friday.
WEEKDAYS_9_17 = {"desk": {"timezone": "UTC", "hours": {"mon-fri": ["09:00-17:00"]}}}


def desk_policy(response: float, resolution: float, **extra: Any) -> dict[str, Any]:
    return {
        "calendars": WEEKDAYS_9_17,
        "sla_policies": [{
            "name": "desk",
            "response": {"hours": response, "calendar": "desk"},
            "resolution": {"hours": resolution, "calendar": "desk"},
        }],
        **extra,
    }  # fmt: skip


def test_paused_over_a_weekend(run: Run) -> None:
    """Created Friday 15:00, pending from Friday 16:00 to Monday 10:00, resolved Monday 12:00,
    target 4 business hours. Business time from start to stop: Friday 15-17 (2 h) + Monday
    9-12 (3 h) = 5 h; paused: Friday 16-17 (1 h) + Monday 9-10 (1 h) = 2 h; counted 3 h:
    achieved. Calendar time: Friday 15:00 to Monday 12:00 = 69 h."""
    ticket = Ticket("2024-01-05T15:00", [("open", "2024-01-05T15:00"),
                    ("pending", "2024-01-05T16:00"), ("open", "2024-01-08T10:00"),
                    ("resolved", "2024-01-08T12:00")], resolved="2024-01-08T12:00")  # fmt: skip
    row = fact_sla(run, desk_policy(1, 4), [ticket])["t", "resolution"]
    assert row["policy"] == "desk" and row["calendar"] == "desk"
    assert row["target_seconds"] == 4 * H
    assert row["paused_business_seconds"] == 2 * H
    assert row["elapsed_business_seconds"] == 3 * H
    assert row["elapsed_calendar_seconds"] == 69 * H
    assert row["stage"] == "achieved" and row["breach_at"] is None
    assert row["started_at"] == at("2024-01-05T15:00")
    assert row["stopped_at"] == at("2024-01-08T12:00")


def test_target_crossed_inside_a_pause(run: Run) -> None:
    """Created Monday 2024-01-08 09:00, target 2 business hours. Pending from 10:00 to 14:00
    (the target would have been reached at 11:00 without the pause), open again from 14:00:
    1 h counted before the pause, so the clock crosses 2 h at 15:00 after it resumes.
    Resolved 16:00: counted 3 h, breached at 15:00."""
    ticket = Ticket("2024-01-08T09:00", [("open", "2024-01-08T09:00"),
                    ("pending", "2024-01-08T10:00"), ("open", "2024-01-08T14:00"),
                    ("resolved", "2024-01-08T16:00")], resolved="2024-01-08T16:00")  # fmt: skip
    row = fact_sla(run, desk_policy(1, 2), [ticket])["t", "resolution"]
    assert row["paused_business_seconds"] == 4 * H
    assert row["elapsed_business_seconds"] == 3 * H
    assert row["breach_at"] == at("2024-01-08T15:00")
    assert row["stage"] == "breached"


def test_breach_across_closed_hours(run: Run) -> None:
    """Created Friday 16:00, no response, 2 business hours to respond: Friday 16-17 is 1 h,
    the second hour ends Monday 10:00. The source's last event is Monday 12:00: breached,
    still open; counted 1 + 3 = 4 h, 200% of the target."""
    ticket = Ticket("2024-01-05T16:00", [("open", "2024-01-05T16:00")],
                    last_event="2024-01-08T12:00")  # fmt: skip
    found = fact_sla(run, desk_policy(2, 8), [ticket])
    row = found["t", "response"]
    assert row["breach_at"] == at("2024-01-08T10:00")
    assert row["stage"] == "breached" and row["stopped_at"] is None
    assert row["elapsed_business_seconds"] == 4 * H and row["percent_elapsed"] == 200.0
    assert row["due_at"] == row["breach_at"]
    resolution = found["t", "resolution"]
    assert resolution["stage"] == "in_progress" and resolution["breach_at"] is None
    # 4 of 8 h counted by Monday 12:00: due at 16:00 if nothing pauses it
    assert resolution["due_at"] == at("2024-01-08T16:00")


def test_target_reached_as_the_desk_closes(run: Run) -> None:
    """Created Friday 09:00 with 8 business hours to resolve: the eighth hour ends Friday
    17:00 as the desk closes. Resolved by Monday's opening, the clock is achieved (exactly its
    target); resolved Monday 10:00 (9 h) it is breached, at Friday 17:00, when its target was
    reached (rule 6). Running, it is due at Friday 17:00."""
    ticket = Ticket("2024-01-05T09:00", [("open", "2024-01-05T09:00")], resolved="2024-01-08T08:00")
    achieved = fact_sla(run, desk_policy(2, 8), [ticket])["t", "resolution"]
    assert achieved["elapsed_business_seconds"] == 8 * H and achieved["stage"] == "achieved"
    assert achieved["breach_at"] is None
    late = fact_sla(run, desk_policy(2, 8), [replace(ticket, resolved="2024-01-08T10:00")])
    assert late["t", "resolution"]["elapsed_business_seconds"] == 9 * H
    assert late["t", "resolution"]["stage"] == "breached"
    assert late["t", "resolution"]["breach_at"] == at("2024-01-05T17:00")
    running = replace(ticket, resolved=None, last_event="2024-01-05T12:00")
    due = fact_sla(run, desk_policy(2, 8), [running])["t", "resolution"]
    assert due["due_at"] == at("2024-01-05T17:00") and due["breach_at"] is None


def test_target_reached_as_a_pause_begins(run: Run) -> None:
    """Created Monday 09:00 with 2 business hours to resolve, pending 11:00-14:00: the target
    is reached as the pause begins. Resolved 16:00 (9-11 and 14-16 counted, 3 h paused), the
    clock is breached, at 11:00, when its target was reached (rule 6)."""
    ticket = Ticket("2024-01-08T09:00", [("open", "2024-01-08T09:00"),
                                         ("pending", "2024-01-08T11:00"),
                                         ("open", "2024-01-08T14:00")],
                    resolved="2024-01-08T16:00")  # fmt: skip
    row = fact_sla(run, desk_policy(1, 2), [ticket])["t", "resolution"]
    assert row["elapsed_business_seconds"] == 4 * H and row["paused_business_seconds"] == 3 * H
    assert row["breach_at"] == at("2024-01-08T11:00")


def test_priority_in_force_when_the_clock_started(run: Run) -> None:
    """Created as P3 (default targets, 24/7: resolution 24 h), raised to P1 (4 h) later,
    resolved after 10 h: measured against P3's 24 h it is achieved; with `sla_priority:
    current` against P1's 4 h it is breached at 4 h."""
    ticket = Ticket("2024-01-08T09:00", [("open", "2024-01-08T09:00"),
                    ("resolved", "2024-01-08T19:00")], resolved="2024-01-08T19:00",
                    priorities=["P3", "P3", "P1"])  # fmt: skip
    start = fact_sla(run, {}, [ticket])["t", "resolution"]
    assert (start["policy"], start["priority"], start["target_seconds"]) == (
        "default",
        "P3",
        24 * H,
    )
    assert start["stage"] == "achieved" and start["elapsed_business_seconds"] == 10 * H
    now = fact_sla(run, {"sla_priority": "current"}, [ticket])["t", "resolution"]
    assert (now["priority"], now["target_seconds"], now["stage"]) == ("P1", 4 * H, "breached")
    assert now["breach_at"] == at("2024-01-08T13:00")


def test_a_reopen(run: Run) -> None:
    """24/7, P3 (24 h). Created Monday 00:00, resolved at 10:00, reopened Tuesday 10:00,
    resolved for good Tuesday 20:00. The resolved stay between (24 h) does not count: 10 h +
    10 h = 20 h counted, achieved; the clock stops at the final resolution, 44 h after the
    start."""
    ticket = Ticket("2024-01-08T00:00", [("open", "2024-01-08T00:00"),
                    ("resolved", "2024-01-08T10:00"), ("open", "2024-01-09T10:00"),
                    ("resolved", "2024-01-09T20:00")], resolved="2024-01-09T20:00",
                    first_resolved="2024-01-08T10:00")  # fmt: skip
    found = fact_sla(run, {}, [ticket])
    row = found["t", "resolution"]
    assert row["paused_business_seconds"] == 24 * H
    assert row["elapsed_business_seconds"] == 20 * H
    assert row["elapsed_calendar_seconds"] == 44 * H
    assert row["stage"] == "achieved"
    response = found["t", "response"]  # no response: the first resolution
    assert response["stopped_at"] == at("2024-01-08T10:00") and response["stage"] == "breached"
    assert response["breach_at"] == at("2024-01-08T04:00")


def test_a_cancelled_ticket(run: Run) -> None:
    """24/7, P3: responded after 1 h (achieved), cancelled after 30 h: the resolution clock
    stops there, cancelled (it crossed 24 h at 24 h, which breach_at keeps)."""
    ticket = Ticket("2024-01-08T00:00", [("open", "2024-01-08T00:00"),
                    ("cancelled", "2024-01-09T06:00")], responded="2024-01-08T01:00",
                    cancelled="2024-01-09T06:00")  # fmt: skip
    found = fact_sla(run, {}, [ticket])
    assert found["t", "response"]["stage"] == "achieved"
    row = found["t", "resolution"]
    assert row["stage"] == "cancelled" and row["stopped_at"] == at("2024-01-09T06:00")
    assert row["elapsed_business_seconds"] == 30 * H
    assert row["breach_at"] == at("2024-01-09T00:00") and row["due_at"] is None


def test_paused_now(run: Run) -> None:
    """Open in pending since 2 h after creation (24/7, P3): 2 h counted, paused."""
    ticket = Ticket("2024-01-08T00:00", [("open", "2024-01-08T00:00"),
                    ("pending", "2024-01-08T02:00")], last_event="2024-01-10T00:00")  # fmt: skip
    row = fact_sla(run, {}, [ticket])["t", "resolution"]
    assert row["stage"] == "paused" and row["elapsed_business_seconds"] == 2 * H
    assert row["paused_business_seconds"] == 46 * H
    # 22 h left as of Wednesday 00:00: due at 22:00 if it resumed then
    assert row["due_at"] == at("2024-01-10T22:00")


def test_rules_pick_the_first_match(run: Run) -> None:
    """A policy for customer ACME only; other tickets fall through to the default."""
    config = desk_policy(1, 4)
    config["sla_policies"][0]["when"] = {"customer": ["ACME"]}
    acme = Ticket("2024-01-08T09:00", customer="ACME", ticket_id="a", last_event="2024-01-08T10:00")
    other = Ticket("2024-01-08T09:00", customer="Other", ticket_id="b")
    found = fact_sla(run, config, [acme, other])
    assert found["a", "resolution"]["policy"] == "desk"
    assert found["b", "resolution"]["policy"] == "default"
    assert found["b", "resolution"]["calendar"] == "24/7"


# ---------------------------------------------------------------- against the reference

CATEGORIES = ["open", "pending", "on_hold", "open", "new", "resolved"]  # resolved: then reopened
DESKS = [
    {"timezone": "Europe/Berlin", "hours": {"mon-fri": ["08:00-12:00", "13:00-18:00"]},
     "holidays": {"country": "DE", "subdivision": "BE"}},
    {"timezone": "America/New_York",
     "hours": {"mon-fri": ["09:00-17:00"], "sat": ["22:00-06:00"]}, "closed": ["2024-10-28"]},
]  # fmt: skip
DAYS = [datetime(2024, 3, 29), datetime(2024, 10, 25), datetime(2024, 12, 23)]


@st.composite
def histories(draw: st.DrawFn) -> Ticket:
    created = draw(st.sampled_from(DAYS)) + timedelta(minutes=draw(st.integers(0, 3 * 1440)))
    stays, moment = [], created
    for _ in range(draw(st.integers(1, 5))):
        stays.append((draw(st.sampled_from(CATEGORIES)), moment.isoformat()))
        moment += timedelta(seconds=draw(st.integers(1, 2 * 86400)))
    resolved = draw(st.booleans())
    if resolved:
        stays.append(("resolved", moment.isoformat()))
    return Ticket(created.isoformat(), stays, resolved=moment.isoformat() if resolved else None,
                  last_event=moment.isoformat())  # fmt: skip


def reference(
    config: dict[str, Any], ticket: Ticket, target: float
) -> tuple[float, float, datetime | None]:
    """Paused and counted business seconds of the resolution clock and the breach instant,
    stepping through the stays (and, for the breach, minutes) with the reference."""
    calendar, zone = Settings.model_validate(config).business_calendars()["desk"]
    stop = at(ticket.resolved or ticket.last_event or ticket.created)
    ends = [at(e) for _, e in ticket.stays[1:]] + [stop]
    paused = counted = 0.0
    breach = None
    for (category, entered), left in zip(ticket.stays, ends, strict=True):
        a, b = at(entered), min(left, stop)
        seconds = sla_reference.business_seconds(calendar, zone, a, b) if a < b else 0.0
        if category in ("pending", "on_hold", "resolved"):
            paused += seconds
        else:
            # the instant the counted time reaches the target (used when it goes past it)
            if breach is None and seconds > 0 and counted + seconds >= target:
                breach = sla_reference.instant_reaching(calendar, zone, a, target - counted)
            counted += seconds
    return paused, counted, breach


def _config(desk: dict[str, Any], hours: int) -> dict[str, Any]:
    return {"calendars": {"desk": desk}, "sla_policies": [
        {"name": "desk", "resolution": {"hours": hours, "calendar": "desk"}}]}  # fmt: skip


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])  # fmt: skip
@given(st.sampled_from(DESKS), histories(), st.integers(1, 40))
def test_model_agrees_with_the_reference(con: Run, desk: dict[str, Any],
                                         ticket: Ticket, hours: int) -> None:  # fmt: skip
    config = _config(desk, hours)
    _agree(config, ticket, hours, fact_sla(con, config, [ticket])["t", "resolution"])


def test_spark_agrees_with_the_reference(spark: Any) -> None:
    """The same on Spark, every generated case in one query: case ``i``'s ticket comes from
    source ``s<i>``, whose policy measures it in calendar ``c<i>`` (its own as-of time too)."""
    cases = engines.drawn(st.tuples(st.sampled_from(DESKS), histories(), st.integers(1, 40)),
                          EXAMPLES)  # fmt: skip
    config = {
        "calendars": {f"c{i}": desk for i, (desk, _, _) in enumerate(cases)},
        "sla_policies": [
            {"name": f"p{i}", "when": {"source": [f"s{i}"]},
             "resolution": {"hours": hours, "calendar": f"c{i}"}}
            for i, (_, _, hours) in enumerate(cases)
        ],
    }  # fmt: skip
    tickets = [replace(t, source=f"s{i}") for i, (_, t, _) in enumerate(cases)]
    rows = fact_sla_rows(engines.on_spark(spark), config, tickets)
    found = {r["source"]: r for r in rows if r["metric"] == "resolution"}
    for i, (desk, ticket, hours) in enumerate(cases):
        _agree(_config(desk, hours), ticket, hours, found[f"s{i}"])


def _agree(config: dict[str, Any], ticket: Ticket, hours: int, row: dict[str, Any]) -> None:
    """The model's resolution clock ``row`` agrees with the reference, to the millisecond."""
    paused, counted, breach = reference(config, ticket, hours * H)
    case = (config, ticket, hours)
    assert row["paused_business_seconds"] == pytest.approx(paused, abs=1e-3), case
    assert row["elapsed_business_seconds"] == pytest.approx(counted, abs=1e-3), case
    if counted > hours * H + 1e-3:
        assert breach is not None and row["breach_at"] is not None, case
        assert abs((row["breach_at"] - breach).total_seconds()) < 1e-3, case
    elif counted < hours * H - 1e-3:
        assert row["breach_at"] is None, case
    if ticket.resolved is not None:
        assert row["due_at"] is None, case
    elif counted < hours * H - 1e-3:  # running: the rest of the target from the as-of time on
        calendar, zone = Settings.model_validate(config).business_calendars()["desk"]
        due = sla_reference.instant_reaching(calendar, zone, at(str(ticket.last_event)),
                                             hours * H - counted)  # fmt: skip
        assert abs((row["due_at"] - due).total_seconds()) < 1e-3, case
    elif counted > hours * H + 1e-3:
        assert row["due_at"] == row["breach_at"], case
    # paused time plus counted time is the business time of the whole clock
    whole = sla_reference.business_seconds(
        *Settings.model_validate(config).business_calendars()["desk"],
        at(ticket.created),
        at(ticket.resolved or ticket.last_event or ticket.created),
    )
    assert paused + counted == pytest.approx(whole, abs=1e-3)
    assert row["paused_business_seconds"] + row["elapsed_business_seconds"] == pytest.approx(
        whole, abs=1e-3
    ), case
