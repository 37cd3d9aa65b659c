"""Business calendars: the hours a desk is open, in its own time zone (docs/sla.md).

A calendar is weekly opening hours (several windows a day; a window whose end is not after
its start runs overnight into the next day), holidays from the ``holidays`` package for a
country and subdivision, explicit closed dates and part-days, and changes of the weekly
hours from a date on. ``24/7`` is built in. The settings only describe the calendar;
engine/calendars.py turns it into open intervals in UTC.
"""

from __future__ import annotations

import itertools
import re
from datetime import date
from functools import cache
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from ticketlake.config.checks import check_timezone

ALWAYS = "24/7"  # the built-in calendar: every second counts
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = date.weekday()
DAY_MINUTES = 24 * 60
_CLOCK = r"([01]\d|2[0-4]):([0-5]\d)"
_WINDOW = re.compile(rf"^\s*{_CLOCK}\s*-\s*{_CLOCK}\s*$")
_CLOSED = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})(?:\s*\.\.\s*(\d{4}-\d{2}-\d{2}))?(?:\s+(.+?))?\s*$")

Window = tuple[int, int]  # minutes after the local midnight of its day; end may pass 24:00
Week = tuple[tuple[Window, ...], ...]  # seven days, Monday first


class Closure(NamedTuple):
    """Local days ``first`` to ``last`` closed from ``start`` to ``end`` (minutes)."""

    first: date
    last: date
    start: int = 0
    end: int = DAY_MINUTES


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _minutes(hours: str, minutes: str) -> int:
    return int(hours) * 60 + int(minutes)


def parse_window(text: str) -> Window:
    """``'08:00-18:00'`` as minutes; ``'22:00-06:00'`` runs overnight (end + 24 h)."""
    found = _WINDOW.match(str(text))
    if not found:
        raise ValueError(f"'{text}' is not a window HH:MM-HH:MM such as 08:00-18:00")
    start, end = _minutes(*found.group(1, 2)), _minutes(*found.group(3, 4))
    if start >= DAY_MINUTES or end > DAY_MINUTES:
        raise ValueError(f"'{text}': a window opens before 24:00 and closes at 24:00 at the latest")
    if start == end:
        raise ValueError(
            f"'{text}' opens and closes at the same time (use 00:00-24:00 for all day)"
        )
    return (start, end if end > start else end + DAY_MINUTES)


def _days(key: str) -> list[int]:
    """Weekday numbers of ``mon``, ``mon-fri`` or ``daily``."""
    key = key.strip().lower()
    if key == "daily":
        return list(range(7))
    first, _, last = key.partition("-")
    if first not in WEEKDAYS or (last and last not in WEEKDAYS):
        raise ValueError(f"'{key}' is not a day (mon ... sun), a range such as mon-fri, or daily")
    a, b = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
    if b < a:
        raise ValueError(f"'{key}': a range runs from Monday towards Sunday, such as mon-fri")
    return list(range(a, b + 1))


def parse_week(hours: dict[str, list[str]]) -> Week:
    """Weekly hours keyed by day, range or ``daily`` as seven sorted tuples of windows."""
    week: list[list[Window]] = [[] for _ in WEEKDAYS]
    given: dict[int, str] = {}
    for key, windows in hours.items():
        if not isinstance(windows, list):
            raise ValueError(f"{key}: expected a list of windows such as ['08:00-18:00']")
        parsed = sorted(_window_of(key, w) for w in windows)
        for day in _days(key):
            if day in given:
                raise ValueError(f"{WEEKDAYS[day]} is given twice (in {given[day]} and {key})")
            given[day], week[day] = key, parsed
    return tuple(tuple(day) for day in week)


def _window_of(key: str, text: Any) -> Window:
    try:
        return parse_window(text)
    except ValueError as exc:
        raise ValueError(f"{key}: {exc}") from None


def parse_closed(text: str) -> Closure:
    """``2024-12-31``, ``2024-12-24 13:00-24:00`` or ``2024-12-27..2024-12-30`` as a closure."""
    found = _CLOSED.match(text)
    if not found:
        raise ValueError(
            f"'{text}' is not a date YYYY-MM-DD, a range DATE..DATE or a part-day DATE HH:MM-HH:MM"
        )
    try:
        first = date.fromisoformat(found.group(1))
        last = date.fromisoformat(found.group(2) or found.group(1))
    except ValueError:
        raise ValueError(f"'{text}': no such date") from None
    if last < first:
        raise ValueError(f"'{text}': the range ends before it starts")
    if found.group(3) is None:
        return Closure(first, last)
    start, end = parse_window(found.group(3))
    if end > DAY_MINUTES:
        raise ValueError(f"'{text}': a part-day closure ends by 24:00 on its own day")
    return Closure(first, last, start, end)


@cache
def holiday_countries() -> dict[str, tuple[str, ...]]:
    """Countries the ``holidays`` package knows, with their subdivisions."""
    import holidays  # noqa: PLC0415  (imported only when a calendar names holidays)

    return {k: tuple(v) for k, v in holidays.list_supported_countries().items()}


class Holidays(_Section):
    """Public holidays from the ``holidays`` package: every such day is closed."""

    country: str = Field(description="ISO 3166-1 alpha-2 country code, e.g. DE or BR.")
    subdivision: str | None = Field(
        None, description="The country's subdivision code, e.g. BE (Berlin); null: national only."
    )

    @model_validator(mode="after")
    def _known(self) -> Holidays:
        known = holiday_countries()
        if self.country not in known:
            raise ValueError(f"unknown holiday country '{self.country}' (use a code such as DE)")
        if self.subdivision is not None and self.subdivision not in known[self.country]:
            listed = ", ".join(known[self.country][:12]) or "none"
            raise ValueError(
                f"'{self.subdivision}' is not a subdivision of {self.country} (known: {listed})"
            )
        return self


class Change(_Section):
    """New weekly hours from a local date on (a calendar's validity periods)."""

    since: date = Field(description="First local day on which these hours apply.")
    hours: dict[str, list[str]] = Field(
        description="Weekly hours from `since` on, in the form of the calendar's `hours`."
    )
    _week: Week = PrivateAttr(default=((),) * 7)

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        parse_week(value)
        return value

    @model_validator(mode="after")
    def _parse(self) -> Change:
        self._week = parse_week(self.hours)
        return self

    @property
    def week(self) -> Week:
        return self._week


class Calendar(_Section):
    """One named business calendar."""

    timezone: str | None = Field(
        None, description="IANA time zone of the hours and dates; null uses the project timezone."
    )
    hours: dict[str, list[str]] = Field(
        description="Day (mon..sun), range (mon-fri) or daily -> open windows, e.g. ['08:00-18:00']."
    )
    holidays: Holidays | None = Field(
        None, description="Country (and subdivision) whose public holidays are closed days."
    )
    closed: list[str] = Field(
        default_factory=list,
        description="Closed dates (2024-12-31), ranges (DATE..DATE) and part-days (DATE HH:MM-HH:MM).",
    )
    changes: list[Change] = Field(
        default_factory=list, description="Changes of the weekly hours from a date on, in order."
    )
    _week: Week = PrivateAttr(default=((),) * 7)
    _closures: tuple[Closure, ...] = PrivateAttr(default=())

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        return check_timezone(value)

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        parse_week(value)
        return value

    @field_validator("closed", mode="before")
    @classmethod
    def _dates_as_text(cls, value: Any) -> Any:
        # YAML reads an unquoted 2024-12-31 as a date
        return [str(v) for v in value] if isinstance(value, list) else value

    @field_validator("closed")
    @classmethod
    def _closed(cls, value: list[str]) -> list[str]:
        for item in value:
            parse_closed(item)
        return value

    @field_validator("changes")
    @classmethod
    def _changes(cls, value: list[Change]) -> list[Change]:
        for a, b in itertools.pairwise(value):
            if b.since <= a.since:
                raise ValueError(f"changes must be in date order ({b.since} follows {a.since})")
        return value

    @model_validator(mode="after")
    def _parse(self) -> Calendar:
        self._week = parse_week(self.hours)
        self._closures = tuple(parse_closed(item) for item in self.closed)
        return self

    def week_on(self, day: date) -> Week:
        """The weekly hours in force on local ``day``."""
        current = self._week
        for change in self.changes:
            if change.since > day:
                break
            current = change.week
        return current

    @property
    def closures(self) -> tuple[Closure, ...]:
        """The explicit closed dates and part-days."""
        return self._closures


def always() -> Calendar:
    """The built-in ``24/7`` calendar (in the project time zone, whose days it follows)."""
    return Calendar(hours={"daily": ["00:00-24:00"]})


def check_names(value: dict[str, Calendar]) -> dict[str, Calendar]:
    """Calendar names are identifiers; ``24/7`` is built in and cannot be redefined."""
    for name in value:
        if name == ALWAYS:
            raise ValueError(f"'{ALWAYS}' is built in; give your calendar another name")
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise ValueError(
                f"invalid calendar name '{name}' (start with a-z; use only a-z, 0-9 and _)"
            )
    return value
