"""SLA policies: which targets a ticket is measured against (docs/sla.md).

An ordered list of policies, each with the conditions a ticket must meet (``when``: source,
priority, group, category, channel, customer; the first match wins) and, per metric (first
response, resolution), the hours allowed by priority, the calendar they are counted in and
the status categories that pause the clock. After the list comes the built-in ``default``
policy, built from ``targets`` on ``24/7``, so a project without policies measures what it
always did. The settings only describe policies; engine/inputs.py writes them as tables.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ticketlake.config.calendars import ALWAYS
from ticketlake.config.defaults import StatusCategory

DEFAULT = "default"  # the built-in last policy, from `targets`
METRICS = ("response", "resolution")
# What pauses each metric's clock unless a policy says otherwise.
DEFAULT_PAUSES: dict[str, tuple[StatusCategory, ...]] = {
    "response": (),
    "resolution": ("pending", "on_hold"),
}
MATCHED = ("source", "priority", "group", "category", "channel", "customer")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _as_list(value: Any) -> Any:
    """One value or a list of values, as a list of text."""
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


class Match(_Section):
    """Conditions on a ticket; a key not given matches anything, a list matches any of it."""

    source: list[str] = Field(default_factory=list, description="Source names.")
    priority: list[str] = Field(
        default_factory=list, description="Canonical priorities (at the clock's start by default)."
    )
    group: list[str] = Field(default_factory=list, description="Assignment groups (current).")
    category: list[str] = Field(default_factory=list, description="Categories (current).")
    channel: list[str] = Field(default_factory=list, description="Channels (current).")
    customer: list[str] = Field(default_factory=list, description="Customers (current).")

    @field_validator(*MATCHED, mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        return _as_list(value)


class Clock(_Section):
    """The target of one metric: hours allowed, the calendar counting them, what pauses it."""

    hours: float | dict[str, float] = Field(
        description="Hours allowed: one number for every priority, or priority -> hours."
    )
    calendar: str = Field(ALWAYS, description="Business calendar the hours count in, or 24/7.")
    paused_by: list[StatusCategory] | None = Field(
        None,
        description="Status categories that pause the clock; null: pending and on_hold pause resolution, nothing pauses response.",
    )

    @field_validator("hours")
    @classmethod
    def _positive(cls, value: float | dict[str, float]) -> float | dict[str, float]:
        for hours in value.values() if isinstance(value, dict) else [value]:
            if hours <= 0:
                raise ValueError(f"hours must be greater than 0 (got {hours:g})")
        return value

    def hours_by_priority(self, levels: list[str]) -> dict[str, float]:
        """Hours per canonical priority; one number applies to every level and ``unknown``."""
        if isinstance(self.hours, dict):
            return dict(self.hours)
        return dict.fromkeys([*levels, "unknown"], float(self.hours))

    def pauses(self, metric: str) -> tuple[str, ...]:
        """The categories that pause this clock for ``metric``."""
        return DEFAULT_PAUSES[metric] if self.paused_by is None else tuple(self.paused_by)


class Policy(_Section):
    """One SLA policy and the tickets it applies to."""

    name: str = Field(description="Policy name (a-z, 0-9, _), shown in fact_sla.")
    when: Match = Field(
        default_factory=Match, description="Tickets the policy applies to; empty: every ticket."
    )
    response: Clock | None = Field(None, description="First-response target; null: none.")
    resolution: Clock | None = Field(None, description="Resolution target; null: none.")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if value == DEFAULT:
            raise ValueError(
                f"'{DEFAULT}' is built in from targets; end the list with a policy without `when`"
            )
        if not re.fullmatch(r"[a-z][a-z0-9_]*", value):
            raise ValueError(
                f"invalid policy name '{value}' (start with a-z; use only a-z, 0-9 and _)"
            )
        return value

    def clocks(self) -> dict[str, Clock]:
        """The metrics the policy has targets for."""
        found = {"response": self.response, "resolution": self.resolution}
        return {metric: clock for metric, clock in found.items() if clock is not None}


PriorityRule = Literal["start", "current"]


def check_policies(policies: list[Policy], calendars: set[str], levels: list[str]) -> list[Policy]:
    """Names are unique, calendars exist and priorities are levels."""
    seen: set[str] = set()
    known = {*levels, "unknown"}
    for policy in policies:
        if policy.name in seen:
            raise ValueError(f"policy '{policy.name}' is given twice")
        seen.add(policy.name)
        for metric, clock in policy.clocks().items():
            where = f"{policy.name}.{metric}"
            if clock.calendar != ALWAYS and clock.calendar not in calendars:
                raise ValueError(f"{where}: unknown calendar '{clock.calendar}'")
            wrong = [p for p in clock.hours_by_priority(levels) if p not in known]
            if wrong:
                raise ValueError(f"{where}.hours: unknown priority '{wrong[0]}' (levels: {levels})")
        wrong = [p for p in policy.when.priority if p not in known]
        if wrong:
            raise ValueError(f"{policy.name}.when.priority: unknown priority '{wrong[0]}'")
    return policies
