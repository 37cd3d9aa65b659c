"""The expansion of business calendars into UTC intervals (engine/calendars.py): the edges
the clock skips or repeats, overlaps, closures and the span of years the table covers."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from ticketlake.config import Settings
from ticketlake.engine import calendars, inputs

BERLIN = ZoneInfo("Europe/Berlin")


def test_an_edge_the_clock_skips_is_the_jump() -> None:
    # 2024-03-31 02:30 does not exist in Berlin: the clock jumps from 02:00 CET (01:00Z).
    assert calendars.instant(date(2024, 3, 31), 150, BERLIN) == datetime(2024, 3, 31, 1, 0)


def test_an_edge_the_clock_repeats_is_its_first_occurrence() -> None:
    # 2024-10-27 02:30 happens at 00:30Z (CEST) and again at 01:30Z (CET).
    assert calendars.instant(date(2024, 10, 27), 150, BERLIN) == datetime(2024, 10, 27, 0, 30)


def test_the_local_midnight_after_a_day() -> None:
    assert calendars.instant(date(2024, 7, 1), 1440, BERLIN) == datetime(2024, 7, 1, 22, 0)


def windows(desk: dict[str, object], first: date, last: date) -> list[tuple[datetime, datetime]]:
    settings = Settings.model_validate({"calendars": {"desk": desk}})
    calendar, zone = settings.business_calendars()["desk"]
    return [
        (i.opens_at, i.closes_at) for i in calendars.open_intervals(calendar, zone, (first, last))
    ]


def test_overlapping_windows_are_one_interval() -> None:
    # Monday's night runs to Tuesday 06:00, over Tuesday's 00:00-08:00.
    desk = {"hours": {"mon": ["22:00-06:00"], "tue": ["00:00-08:00"]}}
    found = windows(desk, date(2024, 1, 1), date(2024, 1, 2))
    assert found == [(datetime(2024, 1, 1, 22), datetime(2024, 1, 2, 8))]


def test_touching_days_stay_apart() -> None:
    found = windows({"hours": {"daily": ["00:00-24:00"]}}, date(2024, 1, 1), date(2024, 1, 2))
    assert found == [(datetime(2024, 1, 1), datetime(2024, 1, 2)),
                     (datetime(2024, 1, 2), datetime(2024, 1, 3))]  # fmt: skip


def test_a_part_day_splits_a_window() -> None:
    desk = {"hours": {"daily": ["08:00-18:00"]}, "closed": ["2024-01-01 12:00-13:00"]}
    found = windows(desk, date(2024, 1, 1), date(2024, 1, 1))
    assert found == [(datetime(2024, 1, 1, 8), datetime(2024, 1, 1, 12)),
                     (datetime(2024, 1, 1, 13), datetime(2024, 1, 1, 18))]  # fmt: skip


def test_the_windows_carry_a_running_total() -> None:
    settings = Settings.model_validate(
        {"calendars": {"desk": {"hours": {"mon-fri": ["09:00-17:00"]}}}}
    )
    table = inputs.tables(settings, calendars.span_of(2024, 2024))["cfg_calendar_windows"]
    desk = [r for r in table.to_pylist() if r["calendar"] == "desk"]
    assert desk[0]["local_day"] == date(2024, 1, 1) and desk[0]["running_seconds"] == 8 * 3600
    assert desk[-1]["local_day"] == date(2025, 12, 31)  # the year after the last event's
    assert desk[-1]["running_seconds"] == (262 + 261) * 8 * 3600  # weekdays of 2024 and 2025
    assert [r["window_number"] for r in desk] == list(range(1, len(desk) + 1))


def test_no_events_no_windows() -> None:
    assert calendars.span_of(None, None) is None
    assert inputs.tables(Settings())["cfg_calendar_windows"].num_rows == 0


def test_the_span_does_not_change_the_fingerprint() -> None:
    settings = Settings()
    assert inputs.fingerprint(
        settings, (date(2024, 1, 1), date(2025, 12, 31))
    ) == inputs.fingerprint(settings)
    other = Settings.model_validate({"calendars": {"desk": {"hours": {"mon": ["09:00-17:00"]}}}})
    assert inputs.fingerprint(other) != inputs.fingerprint(settings)


def test_the_years_count_the_windows_before_them() -> None:
    settings = Settings.model_validate(
        {"calendars": {"desk": {"hours": {"mon-fri": ["09:00-17:00"]}}}}
    )
    found = inputs.tables(settings, calendars.span_of(2024, 2024))["cfg_calendar_years"].to_pylist()
    desk = {r["year"]: r["windows_before"] for r in found if r["calendar"] == "desk"}
    assert desk == {2023: 0, 2024: 0, 2025: 262, 2026: 523}
