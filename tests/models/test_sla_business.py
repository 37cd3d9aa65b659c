"""Business time per status stay (models/sla/sla_status_business.sql) against the reference in
sla_reference.py, on hypothesis-generated calendars and stays, plus golden cases computed by
hand. The model runs on a table of stays standing in for flow_status_interval and the
``cfg_*`` tables of the settings: the golden cases and the reference comparison on DuckDB and
on Spark (tests/models/engines.py), the other properties on DuckDB;
tests/engine/test_spark_parity.py builds it on both from a generated lake."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.models import engines, sla_reference
from tests.models.engines import Run
from ticketlake.config import Settings
from ticketlake.config.calendars import ALWAYS, WEEKDAYS
from ticketlake.engine import calendars, inputs

EXAMPLES = int(os.environ.get("TICKETLAKE_EXAMPLES", "15"))
STAYS = pa.schema([
    ("source", pa.string()), ("ticket_id", pa.string()), ("stay_number", pa.int64()),
    ("status", pa.string()), ("status_category", pa.string()),
    ("entered_at", pa.timestamp("us")), ("left_at", pa.timestamp("us")),
])  # fmt: skip
Stay = tuple[datetime, datetime | None]
Case = tuple[dict[str, Any], list[Stay]]  # calendars by name, and stays
Seconds = dict[str, list[float | None]]  # calendar -> business seconds of each stay, in order


@pytest.fixture(scope="module")
def con() -> Run:
    """The model on DuckDB, for the properties checked there only."""
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    return engines.on_duckdb(connection)


def business(run: Run, config: dict[str, Any], stays: list[Stay]) -> Seconds:
    """Business seconds of each stay (in order) per calendar, as the model computes them."""
    base = {k: v for k, v in config.items() if k != "calendars"}
    return batch(run, base, [(config.get("calendars", {}), stays)])[0]


def batch(run: Run, base: dict[str, Any], cases: list[Case]) -> list[Seconds]:
    """:func:`business` of many cases in one query (settings ``base`` plus every case's
    calendars): case ``i``'s calendars are named ``c<i>_<name>``, its stays ticket ``i``'s."""
    config = {**base, "calendars": {f"c{i}_{name}": cal for i, (found, _) in enumerate(cases)
                                    for name, cal in found.items()}}  # fmt: skip
    ends = [t for _, stays in cases for stay in stays for t in stay if t is not None]
    span = calendars.span_of(min(ends).year, max(ends).year)
    rows = [{"source": "s", "ticket_id": str(i), "stay_number": n, "status": "x",
             "status_category": "open", "entered_at": a, "left_at": b}
            for i, (_, stays) in enumerate(cases)
            for n, (a, b) in enumerate(stays, start=1)]  # fmt: skip
    tables = {**inputs.tables(Settings.model_validate(config), span),
              "flow_status_interval": pa.Table.from_pylist(rows, schema=STAYS)}  # fmt: skip
    out: list[Seconds] = [{} for _ in cases]
    found = run("sla_status_business", tables)
    for row in sorted(found, key=lambda r: (r["calendar"], r["stay_number"])):
        prefix, name = f"c{row['ticket_id']}_", row["calendar"]
        if name == ALWAYS or name.startswith(prefix):
            seconds = out[int(row["ticket_id"])].setdefault(name.removeprefix(prefix), [])
            seconds.append(row["business_seconds"])
    return out


def reference(config: dict[str, Any], name: str, stays: list[Stay]) -> list[float | None]:
    calendar, zone = Settings.model_validate(config).business_calendars()[name]
    return [None if b is None else sla_reference.business_seconds(calendar, zone, a, b)
            for a, b in stays]  # fmt: skip


# ---------------------------------------------------------------- generated calendars

ZONES = ["Europe/Berlin", "America/New_York", "UTC", "Asia/Kolkata", "Australia/Lord_Howe"]
HOLIDAYS = [None, {"country": "DE", "subdivision": "BE"}, {"country": "US"}, {"country": "BR"}]
# Days around the daylight-saving changes of 2024 (Europe, US, Lord Howe), and Christmas.
DAYS = [date(2024, 3, 9), date(2024, 3, 30), date(2024, 4, 6), date(2024, 10, 5),
        date(2024, 10, 26), date(2024, 11, 2), date(2024, 12, 24), date(2024, 12, 31)]  # fmt: skip


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def windows(draw: st.DrawFn) -> list[str]:
    found = []
    for _ in range(draw(st.integers(0, 2))):
        start = draw(st.integers(0, 95)) * 15
        length = draw(st.integers(1, 80)) * 15  # up to 20 hours, past midnight overnight
        found.append(f"{clock(start)}-{clock((start + length) % 1440 or 1440)}")
    return found


@st.composite
def calendar(draw: st.DrawFn) -> dict[str, Any]:
    found: dict[str, Any] = {
        "timezone": draw(st.sampled_from(ZONES)),
        "hours": {day: draw(windows()) for day in WEEKDAYS},
        "holidays": draw(st.sampled_from(HOLIDAYS)),
        "closed": [],
    }
    for _ in range(draw(st.integers(0, 2))):
        day = draw(st.sampled_from(DAYS)) + timedelta(days=draw(st.integers(0, 3)))
        part = draw(st.sampled_from(["", " 00:00-12:00", " 13:00-24:00", " 02:00-03:30"]))
        found["closed"].append(f"{day.isoformat()}{part}")
    if draw(st.booleans()):
        since = draw(st.sampled_from(DAYS)) + timedelta(days=draw(st.integers(0, 3)))
        found["changes"] = [{"since": since.isoformat(), "hours": {"mon-fri": draw(windows())}}]
    return found


@st.composite
def stays(draw: st.DrawFn) -> list[Stay]:
    found: list[Stay] = []
    for _ in range(draw(st.integers(1, 3))):
        start = datetime.combine(draw(st.sampled_from(DAYS)), datetime.min.time())
        entered = start + timedelta(microseconds=draw(st.integers(0, 4 * 86400 * 10**6)))
        length = timedelta(microseconds=draw(st.integers(0, 3 * 86400 * 10**6)))
        found.append((entered, entered + length))
    return found


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])  # fmt: skip
@given(calendar(), stays())
def test_model_agrees_with_the_reference(con: Run, cal: dict[str, Any],
                                         found: list[Stay]) -> None:  # fmt: skip
    config = {"timezone": "America/Sao_Paulo", "calendars": {"desk": cal}}
    _agree(config, found, business(con, config, found))


def test_spark_agrees_with_the_reference(spark: Any) -> None:
    """The same on Spark, every generated case in one query."""
    base = {"timezone": "America/Sao_Paulo"}
    cases = engines.drawn(st.tuples(calendar(), stays()), EXAMPLES)
    found = batch(engines.on_spark(spark), base, [({"desk": c}, s) for c, s in cases])
    for (cal, stays_), computed in zip(cases, found, strict=True):
        _agree({**base, "calendars": {"desk": cal}}, stays_, computed)


def _agree(config: dict[str, Any], stays_: list[Stay], computed: Seconds) -> None:
    for name in ("desk", "24/7"):
        expected = reference(config, name, stays_)
        assert computed[name] == pytest.approx(expected, abs=1e-3), (name, config, stays_)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])  # fmt: skip
@given(calendar(), stays(), st.floats(0, 1))
def test_splitting_a_stay_adds_up(con: Run, cal: dict[str, Any],
                                  found: list[Stay], share: float) -> None:  # fmt: skip
    entered, left = found[0]
    assert left is not None
    middle = entered + (left - entered) * share
    config = {"calendars": {"desk": cal}}
    whole, first, second = business(
        con, config, [(entered, left), (entered, middle), (middle, left)]
    )["desk"]
    assert first is not None and second is not None
    assert whole == pytest.approx(first + second, abs=1e-6)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])  # fmt: skip
@given(st.sampled_from(ZONES), stays())
def test_always_counts_calendar_time(con: Run, zone: str,
                                     found: list[Stay]) -> None:  # fmt: skip
    computed = business(con, {"timezone": zone}, found)["24/7"]
    assert computed == pytest.approx([(b - a).total_seconds() for a, b in found if b], abs=1e-6)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow,
          HealthCheck.function_scoped_fixture])  # fmt: skip
@given(
    calendar(), st.sampled_from(DAYS), st.integers(0, 86400 * 10**6), st.integers(0, 86400 * 10**6)
)
def test_a_closed_day_adds_nothing(con: Run, cal: dict[str, Any],
                                   day: date, a: int, b: int) -> None:  # fmt: skip
    """A stay inside a local day that ``closed`` lists, or inside a day without hours (nor
    hours the day before, whose overnight window could reach into it), counts 0."""
    zone = cal["timezone"]
    midnight = sla_reference.edge(day, 0, zone)
    length = int((sla_reference.edge(day, 1440, zone) - midnight).total_seconds() * 10**6)
    entered, left = (midnight + timedelta(microseconds=x % length) for x in sorted((a, b)))
    closed = {**cal, "closed": [day.isoformat()]}
    shut = {WEEKDAYS[day.weekday()], WEEKDAYS[(day - timedelta(days=1)).weekday()]}
    no_hours = {**cal, "hours": {k: v for k, v in cal["hours"].items() if k not in shut},
                "closed": [], "changes": []}  # fmt: skip
    for case in (closed, no_hours):
        assert business(con, {"calendars": {"desk": case}}, [(entered, left)])["desk"] == [0.0]


# ---------------------------------------------------------------- golden cases, by hand

H = 3600


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


GOLDEN = [
    pytest.param(
        # Berlin springs forward on 2024-03-31 at 02:00 CET. 01:00-05:00 that day is 01:00 CET
        # (00:00Z) to 05:00 CEST (03:00Z): 3 h; the next day's window opens at 01:00 CEST
        # (23:00Z on the 31st): 1 h of it before the stay ends at midnight UTC. 3 + 1 = 4 h.
        "Europe/Berlin",
        {"daily": ["01:00-05:00"]},
        [],
        "2024-03-31T00:00",
        "2024-04-01T00:00",
        4 * H,
        id="berlin-spring",
    ),
    pytest.param(
        # Berlin falls back on 2024-10-27 at 03:00 CEST. 01:00 CEST (23:00Z on the 26th) to
        # 05:00 CET (04:00Z): 5 h. The 26th's window (23:00Z-03:00Z) ended before the stay.
        "Europe/Berlin",
        {"daily": ["01:00-05:00"]},
        [],
        "2024-10-26T12:00",
        "2024-10-27T12:00",
        5 * H,
        id="berlin-autumn",
    ),
    pytest.param(
        # New York springs forward on 2024-03-10 at 02:00 EST: 00:00 EST (05:00Z) to 04:00 EDT
        # (08:00Z) is 3 h.
        "America/New_York",
        {"sun": ["00:00-04:00"]},
        [],
        "2024-03-10T00:00",
        "2024-03-11T00:00",
        3 * H,
        id="new-york-spring",
    ),
    pytest.param(
        # New York falls back on 2024-11-03 at 02:00 EDT. Saturday's overnight window 22:00
        # EDT (02:00Z on the 3rd) to Sunday 06:00 EST (11:00Z): 9 h.
        "America/New_York",
        {"sat": ["22:00-06:00"]},
        [],
        "2024-11-01T00:00",
        "2024-11-05T00:00",
        9 * H,
        id="new-york-autumn-overnight",
    ),
    pytest.param(
        # 02:30 does not exist in New York on 2024-03-10: the window opens when the clock
        # jumps, 03:00 EDT (07:00Z), and closes at 05:00 EDT (09:00Z): 2 h.
        "America/New_York",
        {"sun": ["02:30-05:00"]},
        [],
        "2024-03-10T00:00",
        "2024-03-11T00:00",
        2 * H,
        id="new-york-skipped-opening",
    ),
    pytest.param(
        # Friday 2024-01-05 22:00 CET (21:00Z) to Saturday 06:00 CET (05:00Z): 8 h.
        "Europe/Berlin",
        {"fri": ["22:00-06:00"]},
        [],
        "2024-01-05T00:00",
        "2024-01-08T00:00",
        8 * H,
        id="overnight",
    ),
    pytest.param(
        # The same, with Saturday closed: the night is cut at Saturday's local midnight
        # (23:00Z on Friday): 21:00Z-23:00Z, 2 h.
        "Europe/Berlin",
        {"fri": ["22:00-06:00"]},
        ["2024-01-06"],
        "2024-01-05T00:00",
        "2024-01-08T00:00",
        2 * H,
        id="overnight-into-a-closed-day",
    ),
    pytest.param(
        # A stay starting 30 minutes into Tuesday's 08:00-12:00 + 13:00-17:00 (UTC) and ending
        # at 14:15 on Wednesday, with Wednesday closed from 13:00: Tuesday 3.5 h + 4 h,
        # Wednesday 4 h: 11.5 h.
        "UTC",
        {"tue-wed": ["08:00-12:00", "13:00-17:00"]},
        ["2024-01-03 13:00-24:00"],
        "2024-01-02T08:30",
        "2024-01-03T14:15",
        11.5 * H,
        id="part-day",
    ),
    pytest.param(
        # 400 days from Monday 2024-01-01: 57 weeks and a day, so 57 * 5 + 1 = 286 weekdays
        # of 8 h: 2288 h.
        "UTC",
        {"mon-fri": ["09:00-17:00"]},
        [],
        "2024-01-01T00:00",
        "2025-02-04T00:00",
        2288 * H,
        id="over-400-days",
    ),
]


BERLIN_9_17 = {"timezone": "Europe/Berlin", "hours": {"mon-fri": ["09:00-17:00"]},
               "holidays": {"country": "DE", "subdivision": "BE"}}  # fmt: skip
SHORTER = {"timezone": "UTC", "hours": {"daily": ["09:00-17:00"]},
           "changes": [{"since": "2024-01-03", "hours": {"daily": ["09:00-12:00"]}}]}  # fmt: skip


def _golden(zone: str, hours: dict[str, list[str]], closed: list[str], entered: str,
            left: str, expected: float) -> Case:  # fmt: skip
    return {"desk": {"timezone": zone, "hours": hours, "closed": closed}}, [(at(entered), at(left))]


CASES: dict[str, Case] = {
    **{repr(p.values[:5]): _golden(*p.values) for p in GOLDEN},  # type: ignore[arg-type]
    "holidays": ({"desk": BERLIN_9_17}, [(at("2024-12-22T23:00"), at("2024-12-28T00:00"))]),
    "change of hours": ({"desk": SHORTER}, [(at("2024-01-01T00:00"), at("2024-01-06T00:00"))]),
    "current stay": ({}, [(at("2024-01-01T00:00"), at("2024-01-02T00:00")),
                          (at("2024-01-02T00:00"), None)]),
}  # fmt: skip


@pytest.fixture(scope="module")
def golden(run: Run) -> dict[str, Seconds]:
    """Every golden case's business seconds, in one query per engine."""
    return dict(zip(CASES, batch(run, {}, list(CASES.values())), strict=True))


@pytest.mark.parametrize(("zone", "hours", "closed", "entered", "left", "expected"), GOLDEN)
def test_golden(golden: dict[str, Seconds], zone: str, hours: dict[str, list[str]],
                closed: list[str], entered: str, left: str, expected: float) -> None:  # fmt: skip
    config = {"calendars": {"desk": {"timezone": zone, "hours": hours, "closed": closed}}}
    found = golden[repr((zone, hours, closed, entered, left))]
    assert found["desk"] == [expected]
    if at(left) - at(entered) < timedelta(days=10):  # the reference steps minutes
        assert reference(config, "desk", [(at(entered), at(left))]) == [expected]
    assert found["24/7"] == [(at(left) - at(entered)).total_seconds()]


def test_golden_holidays(golden: dict[str, Seconds]) -> None:
    """Berlin's public holidays close 25 and 26 December 2024 (a Wednesday and a Thursday);
    Monday to Friday 09:00-17:00 from Monday the 23rd to Saturday the 28th counts Monday,
    Tuesday and Friday: 24 h."""
    assert golden["holidays"]["desk"] == [24 * H]


def test_golden_change_of_hours(golden: dict[str, Seconds]) -> None:
    """Hours 09:00-17:00 (UTC) until Wednesday 2024-01-03, 09:00-12:00 from then on: Monday
    to Friday of that week is 8 + 8 + 3 + 3 + 3 = 25 h."""
    assert golden["change of hours"]["desk"] == [25 * H]


def test_the_current_stay_has_no_business_time(golden: dict[str, Seconds]) -> None:
    assert golden["current stay"]["24/7"] == [86400.0, None]
