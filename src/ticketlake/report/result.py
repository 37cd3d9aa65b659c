"""What a report is about and what it wrote: its period, headline figures, charts and notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

# A percentage change is shown only when both periods have at least this many tickets (or
# clocks) behind the figure: 3 against 5 is not "+67 %" (docs/report.md, "Summary").
MIN_SAMPLE = 30


@dataclass(frozen=True)
class Period:
    """The days a report covers, both included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        """How many days the period has."""
        return (self.end - self.start).days + 1

    @property
    def previous(self) -> Period:
        """The period of the same length that ends the day before this one starts."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def label(self) -> str:
        """``2024-02-02 to 2024-02-29 (28 days)``."""
        return f"{self.start} to {self.end} ({self.days} day{'s' if self.days > 1 else ''})"


@dataclass(frozen=True)
class Figure:
    """One headline number of one source, with its value in the previous period."""

    label: str
    unit: str
    value: float | None
    previous: float | None
    better: int  # +1 when a higher value is better, -1 when lower is, 0 when neither
    sample: int | None = None  # tickets behind ``value`` (None: not known)
    previous_sample: int | None = None  # tickets behind ``previous``

    @property
    def too_small(self) -> bool:
        """Whether either period has fewer than ``MIN_SAMPLE`` tickets behind its figure."""
        known = [n for n in (self.sample, self.previous_sample) if n is not None]
        return any(n < MIN_SAMPLE for n in known)

    @property
    def change(self) -> float | None:
        """``value - previous``; None when either is missing."""
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def change_pct(self) -> float | None:
        """The change as a percentage of the previous value; None when that is 0 or missing,
        or when a period has too few tickets behind its figure (:attr:`too_small`)."""
        if self.change is None or not self.previous or self.too_small:
            return None
        return 100.0 * self.change / abs(self.previous)

    @property
    def verdict(self) -> str:
        """``better``, ``worse`` or ``same`` for the change, ``""`` when it cannot be judged."""
        if self.change is None or self.better == 0:
            return ""
        if self.change == 0:
            return "same"
        return "better" if (self.change > 0) == (self.better > 0) else "worse"


@dataclass(frozen=True)
class Drawn:
    """A chart the report drew: in the HTML page and as the PNG file ``png``."""

    source: str
    chart: str
    title: str
    png: Path


@dataclass(frozen=True)
class Omitted:
    """A chart the report left out for a source, and why (it would have been empty)."""

    source: str
    chart: str
    title: str
    reason: str


@dataclass(frozen=True)
class Tabled:
    """A table of the catalogue the report shows for a source, with its rows (none: a note
    says why in its place)."""

    source: str
    table: str
    rows: list[dict[str, Any]]


@dataclass(frozen=True)
class ReportResult:
    """What ``Project.report`` wrote."""

    html: Path
    period: Period
    sources: list[str]
    summary: dict[str, list[Figure]]
    drawn: list[Drawn]
    omitted: list[Omitted]
    warnings: list[str] = field(default_factory=list)  # mapping health, as `check` says
    tables: list[Tabled] = field(default_factory=list)  # the themes' tables, when built

    @property
    def pngs(self) -> list[Path]:
        """Every PNG file written, one per drawn chart."""
        return [d.png for d in self.drawn]
