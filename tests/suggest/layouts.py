"""Generated exports in three layouts nobody here designed, with their columns and value
forms: a GitHub issues dump, the BPI Challenge 2013 Volvo IT incident log and a ServiceNow
incident-table export. Each comes with the mapping a person would write by hand and the
facts the generator knows (tickets, resolved tickets).

``ticketlake.synth`` writes ticketlake's own shapes from one desk model; these layouts differ
in names, vocabularies and row grain, which is what ``map suggest`` must see through, so they
are written here directly: a few hundred tickets, deterministic per seed.
"""

from __future__ import annotations

import csv
import json
import random
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

NAMES = ["Frederic", "Anna", "Ravi", "Maria", "Chen", "Lukas", "Sofia", "Joao", "Priya", "Tom"]


@dataclass(frozen=True)
class Layout:
    """A generated export, the settings written by hand for it, and its true counts."""

    file: Path
    hand: dict[str, Any]  # ticketlake.yml content: sources, statuses, priorities
    tickets: int
    resolved: int
    median_hours: float  # median hours from creation to resolution, of the resolved

    @property
    def mapping(self) -> dict[str, str]:
        """The hand-written column mapping of the source."""
        mapping: dict[str, str] = self.hand["sources"][0]["mapping"]
        return mapping


def _minutes(rng: random.Random, low: int, high: int) -> timedelta:
    return timedelta(minutes=rng.randrange(low, high))


# ------------------------------------------------------------------ GitHub issues (JSON)


def github_issues(out: Path, n: int = 300, seed: int = 16) -> Layout:
    """A ``gh api --paginate repos/o/r/issues?state=all`` dump: one JSON array, newest first,
    times ISO 8601 in UTC with ``Z``, people and labels as nested objects."""
    rng = random.Random(seed)
    issues = [_issue(rng, number) for number in range(n, 0, -1)]
    out.write_text(json.dumps(issues, indent=1), encoding="utf-8")
    hand = {
        "sources": [{
            "name": "issues", "format": "json", "path": out.name,
            "mapping": {"ticket_id": "number", "created_at": "created_at",
                        "updated_at": "updated_at", "closed_at": "closed_at", "status": "state",
                        "assignee": "assignee.login", "requester": "user.login",
                        "title": "title"},
        }],
        "statuses": {"open": "open", "closed": "closed"},
    }  # fmt: skip
    spans = [_hours(i["created_at"], i["closed_at"], _iso) for i in issues if i["closed_at"]]
    return Layout(out, hand, n, len(spans), statistics.median(spans))


def _issue(rng: random.Random, number: int) -> dict[str, Any]:
    created = datetime(2024, 1, 1, tzinfo=UTC) + _minutes(rng, 0, 60 * 24 * 120)
    closed = created + _minutes(rng, 5, 60 * 24 * 20) if rng.random() < 0.7 else None
    updated = (closed or created) + _minutes(rng, 0, 600)
    labels = rng.sample(["bug", "enhancement", "question", "documentation"], rng.randrange(0, 3))
    assignee = rng.choice([None, *NAMES[:4]])
    return {
        "id": 2_000_000_000 + number * 37, "number": number,
        "title": f"Issue {number}: {rng.choice(['crash on start', 'typo', 'slow query'])}",
        "user": {"login": rng.choice(NAMES).lower(), "id": 1000 + rng.randrange(50)},
        "labels": [{"name": label, "color": "ededed"} for label in labels],
        "state": "closed" if closed else "open",
        "assignee": {"login": assignee.lower(), "id": 7} if assignee else None,
        "created_at": _z(created), "updated_at": _z(updated),
        "closed_at": _z(closed) if closed else None,
    }  # fmt: skip


def _hours(start: str, end: str, parse: Callable[[str], datetime]) -> float:
    return (parse(end) - parse(start)).total_seconds() / 3600


def _iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# ------------------------------------------------------ BPI Challenge 2013 incidents (CSV)

BPI_COLUMNS = ["SR Number", "Change Date+Time", "Status", "Sub Status", "Involved ST",
               "Involved ST Function Div", "Involved Org line 3", "Impact", "Product",
               "Country", "Owner Country", "Owner First Name"]  # fmt: skip
BPI_STATUSES = {
    "Assigned": "open", "In Progress": "open", "Awaiting Assignment": "open",
    "Wait - User": "pending", "Wait - Implementation": "on_hold", "In Call": "resolved",
    "Resolved": "resolved", "Closed": "closed", "Cancelled": "cancelled",
}  # fmt: skip
_STOCKHOLM = ZoneInfo("Europe/Stockholm")


def bpi_incidents(out: Path, n: int = 200, seed: int = 13) -> Layout:
    """The VINST incident log: one row per status change of a service request, local times
    with their offset (+01:00 in winter, +02:00 in summer), statuses Accepted/Queued/
    Completed with the sub-status that says what happened."""
    rng = random.Random(seed)
    cases = [_bpi_case(rng, 364_285_000 + i * 17) for i in range(n)]
    with out.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(BPI_COLUMNS)
        writer.writerows(row for case in cases for row in case)
    hand = {
        "sources": [{
            "name": "vinst", "format": "eventlog", "path": out.name,
            "mapping": {"ticket_id": "SR Number", "event_time": "Change Date+Time",
                        "status": "Sub Status", "sub_status": "Status", "priority": "Impact",
                        "group_name": "Involved ST", "assignee": "Owner First Name",
                        "category": "Product", "country": "Country"},
        }],
        "statuses": BPI_STATUSES,
        "priorities": {"aliases": {"Major": "P1", "High": "P2", "Medium": "P3", "Low": "P4"}},
    }  # fmt: skip
    done = ("Resolved", "Closed", "In Call")
    spans = [_hours(case[0][1], next(r[1] for r in case if r[3] in done), _iso)
             for case in cases if case[-1][3] in done]  # fmt: skip
    return Layout(out, hand, n, len(spans), statistics.median(spans))


def _bpi_case(rng: random.Random, number: int) -> list[list[str]]:
    """One service request's changes, in time order."""
    steps = [("Accepted", "In Progress")]
    if rng.random() < 0.4:
        steps += [("Queued", "Awaiting Assignment"), ("Accepted", "Assigned")]
    if rng.random() < 0.3:
        steps += [("Accepted", "Wait - User"), ("Accepted", "In Progress")]
    if rng.random() < 0.1:
        steps += [("Accepted", "Wait - Implementation")]
    ending = rng.random()
    if ending < 0.6:
        steps += [("Completed", "Resolved"), ("Completed", "Closed")][: rng.choice([1, 2, 2])]
    elif ending < 0.7:
        steps += [("Completed", "In Call")]
    elif ending < 0.78:
        steps += [("Completed", "Cancelled")]
    moment = datetime(2012, 3, 1, tzinfo=UTC) + _minutes(rng, 0, 60 * 24 * 60)
    team, impact = (
        rng.choice(["V30", "V5 3rd", "G97", "S42"]),
        rng.choice(["Low", "Medium", "High", "Major"]),
    )
    fixed = [team, "V3_2", "Org line A2", impact, f"PROD{rng.randrange(100, 700)}",
             rng.choice(["sweden", "india", "brazil", "usa"]), "sweden"]  # fmt: skip
    rows = []
    for status, sub in steps:
        stamp = moment.astimezone(_STOCKHOLM).isoformat(timespec="seconds")
        rows.append([f"1-{number}", stamp, status, sub, *fixed, rng.choice(NAMES)])
        moment += _minutes(rng, 10, 60 * 24 * 3)
    return rows


# ------------------------------------------------ ServiceNow incident-table export (CSV)

SN_COLUMNS = ["number", "state", "priority", "impact", "urgency", "opened_at", "resolved_at",
              "closed_at", "assignment_group", "assigned_to", "caller_id", "category",
              "short_description"]  # fmt: skip
SN_STATES = {"1": "new", "2": "open", "3": "on_hold", "6": "resolved", "7": "closed",
             "8": "cancelled"}  # fmt: skip
SN_PRIORITIES = ["1 - Critical", "2 - High", "3 - Moderate", "4 - Low", "5 - Planning"]
SN_DATES = "%d-%m-%Y %H:%M:%S"


def servicenow_incidents(out: Path, n: int = 300, seed: int = 7,
                         extra: Callable[[random.Random, list[str]], list[str]] | None = None) -> Layout:  # fmt: skip
    """An incident list exported as CSV with raw values: numeric states, ``1 - Critical``
    priorities, day-first dates without an offset, empty cells for missing times."""
    rng = random.Random(seed)
    rows = [_incident(rng, 10_001 + i) for i in range(n)]
    rows = [extra(rng, row) for row in rows] if extra else rows
    with out.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(SN_COLUMNS)
        writer.writerows(rows)
    hand = {
        "sources": [{
            "name": "incidents", "format": "tickets", "path": out.name, "date_format": SN_DATES,
            "mapping": {"ticket_id": "number", "created_at": "opened_at",
                        "resolved_at": "resolved_at", "closed_at": "closed_at",
                        "status": "state", "priority": "priority", "impact": "impact",
                        "urgency": "urgency", "group_name": "assignment_group",
                        "assignee": "assigned_to", "requester": "caller_id",
                        "category": "category", "title": "short_description"},
        }],
        "statuses": SN_STATES,
        "priorities": {"aliases": {p: f"P{min(int(p[0]), 4)}" for p in SN_PRIORITIES}},
    }  # fmt: skip
    spans = [_hours(r[5], r[6], lambda t: datetime.strptime(t, SN_DATES)) for r in rows if r[6]]
    return Layout(out, hand, n, len(spans), statistics.median(spans))


def _incident(rng: random.Random, number: int) -> list[str]:
    opened = datetime(2024, 2, 1) + _minutes(rng, 0, 60 * 24 * 75)
    state = rng.choices(list(SN_STATES), weights=[5, 10, 5, 20, 55, 5])[0]
    resolved = opened + _minutes(rng, 15, 60 * 24 * 6) if state in ("6", "7") else None
    closed = (resolved or opened) + _minutes(rng, 60, 60 * 24 * 4) if state in ("7", "8") else None
    levels = ["1 - High", "2 - Medium", "3 - Low"]
    return [
        f"INC{number:07d}", state, rng.choice(SN_PRIORITIES), rng.choice(levels),
        rng.choice(levels), opened.strftime(SN_DATES), _sn(resolved), _sn(closed),
        rng.choice(["Service Desk", "Network", "Database"]),
        "" if state == "1" else rng.choice(NAMES), rng.choice(NAMES),
        rng.choice(["inquiry", "software", "hardware", "network"]),
        rng.choice(["Cannot log in", "VPN drops", "Printer offline", "Email slow"]),
    ]  # fmt: skip


def _sn(moment: datetime | None) -> str:
    return moment.strftime(SN_DATES) if moment else ""


LAYOUTS: dict[str, Callable[[Path], Layout]] = {
    "github": lambda folder: github_issues(folder / "issues.json"),
    "bpi2013": lambda folder: bpi_incidents(folder / "vinst.csv"),
    "servicenow": lambda folder: servicenow_incidents(folder / "incidents.csv"),
}
