"""``jira-csv`` and ``jira-json``: the desk as Jira exports it.

``jira-csv`` is the issue-navigator CSV (one row per issue, repeated ``Labels`` and
``Component/s`` columns, ``12/Mar/24 10:15 AM`` dates, in UTC); ``jira-json`` is the REST
search response with ``expand=changelog``, in pages of 100 issues, every event of the desk a
changelog history, with the issue's comments (the agent's first reply at the response, the
reporter's follow-up at each reopen). The desk's assignment group is the issue's component
(one at a time: a handoff removes the old component and adds the new one, as two items of
one history), its category the issue type, its channel and office the labels.
"""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ticketlake.synth import profile as pf
from ticketlake.synth.model import ABSENT, REOPEN_SLOTS, SLOT, STATUS_LABELS, TicketSet
from ticketlake.synth.personal import plant_comments, ticket_text
from ticketlake.synth.shapes import base
from ticketlake.synth.text import COMMENT_LINES

PRIORITIES = ("Highest", "High", "Medium", "Low")  # Jira's default scheme, P1..P4
# Each desk status's Jira status category (statusCategory.key).
CATEGORY = {"New": "new", "Resolved": "done", "Closed": "done", "Cancelled": "done"}
CATEGORY_NAMES = {"new": "To Do", "indeterminate": "In Progress", "done": "Done"}
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
CSV_DATE = "%d/%b/%y %I:%M %p"
JSON_DATE = "%Y-%m-%dT%H:%M:%S.000+0000"
PAGE = 100  # issues per search page (the API's maxResults)
CSV_ROWS = 1000  # issues per CSV file (the navigator's export limit)
PROJECT = "SD"


def _when(ns: int) -> datetime:
    return datetime.fromtimestamp(ns // 10**9, tz=UTC)


def csv_time(ns: int) -> str:
    """Jira's default ``dd/MMM/yy h:mm a``, in English whatever the locale (minutes only)."""
    if ns == ABSENT:
        return ""
    t = _when(ns)
    hour = t.hour % 12 or 12
    return (f"{t.day:02d}/{MONTHS[t.month - 1]}/{t.year % 100:02d} {hour}:{t.minute:02d} "
            f"{'AM' if t.hour < 12 else 'PM'}")  # fmt: skip


def json_time(ns: int) -> str | None:
    """Jira's REST timestamp, ``2024-03-12T10:15:30.000+0000`` (whole seconds, as the desk)."""
    return None if ns == ABSENT else _when(ns).strftime(JSON_DATE)


class Desk:
    """Per-ticket views of the desk in Jira's vocabulary."""

    def __init__(self, ts: TicketSet) -> None:
        self.ts = ts
        self.pop = ts.population
        self.status = ts.slot_status()
        text = ticket_text(ts)
        self.title, self.description = text.title, text.description
        self.location = base.location_of(ts)

    def reporter(self, t: int) -> str:
        return str(self.pop.requester_names[self.ts.requester[t]])

    def key(self, t: int) -> str:
        return f"{PROJECT}-{int(self.ts.number[t])}"

    def agent(self, index: int) -> str | None:
        return None if index < 0 else self.pop.agent_names[index]

    def group(self, index: int) -> str | None:
        return None if index < 0 else pf.GROUPS[index].name

    def labels(self, t: int) -> list[str]:
        channel = pf.CHANNELS[self.ts.channel[t]]
        city = pf.LOCATIONS[self.location[t]].city
        return [_slug(channel), _slug(city)]

    def slots(self, t: int) -> list[int]:
        return [int(s) for s in np.flatnonzero(self.ts.present[t])]

    def resolution(self, t: int) -> tuple[str | None, int]:
        """The issue's resolution and its date now (Jira clears both on a reopen)."""
        label = STATUS_LABELS[self.ts.status[t]]
        if label in ("Resolved", "Closed"):
            return "Done", int(self.ts.resolved_at[t])
        if label == "Cancelled":
            return "Won't Do", int(self.ts.slot_time("cancelled")[t])
        return None, ABSENT


def _slug(text: str) -> str:
    return "-".join(text.lower().split())


# ---------------------------------------------------------------------------------------------
# jira-json


def _status(label: str) -> dict[str, Any]:
    key = CATEGORY.get(label, "indeterminate")
    return {"name": label, "statusCategory": {"key": key, "name": CATEGORY_NAMES[key]}}


def _user(name: str | None) -> dict[str, str] | None:
    return None if name is None else {"displayName": name}


def _item(field: str, old: str | None, new: str | None) -> dict[str, Any]:
    field_id = "components" if field == "Component" else field
    return {"field": field, "fieldtype": "jira", "fieldId": field_id,
            "fromString": old, "toString": new}  # fmt: skip


def _resolution_at(slot: int) -> str | None:
    if slot in (SLOT["resolved_1"], SLOT["resolved_2"], SLOT["resolved_3"]):
        return "Done"
    if slot == SLOT["cancelled"]:
        return "Won't Do"
    return None


def _histories(desk: Desk, t: int) -> list[dict[str, Any]]:
    """One history per desk event after the creation: what changed, by whom."""
    ts, out = desk.ts, []
    slots = desk.slots(t)
    resolution: str | None = None
    for n, (before, slot) in enumerate(itertools.pairwise(slots), start=1):
        items = []
        old, new = STATUS_LABELS[desk.status[t, before]], STATUS_LABELS[desk.status[t, slot]]
        if old != new:
            items.append(_item("status", old, new))
        now = _resolution_at(slot) or (resolution if new in ("Resolved", "Closed") else None)
        if now != resolution:
            items.append(_item("resolution", resolution, now))
            resolution = now
        agents = desk.agent(ts.agent[t, before]), desk.agent(ts.agent[t, slot])
        if agents[0] != agents[1]:
            items.append(_item("assignee", *agents))
        groups = desk.group(ts.group[t, before]), desk.group(ts.group[t, slot])
        if groups[0] != groups[1]:
            items += [_item("Component", g, None) for g in groups[:1] if g]
            items += [_item("Component", None, g) for g in groups[1:] if g]
        author = "Automation for Jira" if slot == SLOT["closed"] else agents[1] or agents[0]
        out.append({"id": str(int(ts.number[t]) * 100 + n), "author": _user(author),
                    "created": json_time(int(ts.times[t, slot])), "items": items})  # fmt: skip
    return out


def comments(
    desk: Desk, kept: list[int]
) -> tuple[dict[int, list[dict[str, Any]]], tuple[str, ...]]:
    """The comments of the ``kept`` issues, drawn from a random stream of their own (the rest
    of the export is as it was without them), and the personal data planted in the
    reporters' follow-ups."""
    ts = desk.ts
    found = [
        (t, s)
        for t in kept
        for s in desk.slots(t)
        if s in REOPEN_SLOTS or (s == SLOT["responded"] and ts.agent[t, s] >= 0)
    ]
    kinds = ["reply" if s == SLOT["responded"] else "follow_up" for _, s in found]
    rng = np.random.default_rng([ts.options.seed, 23])
    texts = [str(rng.choice(COMMENT_LINES[kind])) for kind in kinds]
    asks = [i for i, kind in enumerate(kinds) if kind == "follow_up"]
    planted_texts, planted = plant_comments(ts, [texts[i] for i in asks])
    for i, text in zip(asks, planted_texts, strict=True):
        texts[i] = text
    out: dict[int, list[dict[str, Any]]] = {}
    for (t, s), kind, text in zip(found, kinds, texts, strict=True):
        by = desk.agent(int(ts.agent[t, s])) if kind == "reply" else desk.reporter(t)
        out.setdefault(t, []).append(_comment(desk, t, s, by, text))
    return out, planted


def _comment(desk: Desk, t: int, s: int, author: str | None, body: str) -> dict[str, Any]:
    comment_id = str(int(desk.ts.number[t]) * 100 + 50 + s)
    when = json_time(int(desk.ts.times[t, s]))
    return {
        "self": f"https://example.atlassian.net/rest/api/2/issue/{10000 + int(desk.ts.number[t])}"
        f"/comment/{comment_id}",
        "id": comment_id,
        "author": _user(author),
        "body": body,
        "updateAuthor": _user(author),
        "created": when,
        "updated": when,
    }


def issue(desk: Desk, t: int, notes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Issue ``t`` as the search API returns it with ``expand=changelog``; with ``notes``,
    its comments (``fields.comment``) too."""
    ts = desk.ts
    slots = desk.slots(t)
    histories = _histories(desk, t)
    resolution, resolved = desk.resolution(t)
    group = desk.group(int(ts.current_group[t]))
    return {
        "expand": "operations,editmeta,changelog,renderedFields",
        "id": str(10000 + int(ts.number[t])),
        "key": desk.key(t),
        "fields": {
            "summary": desk.title[t].as_py(),
            "issuetype": {"name": pf.CATEGORIES[ts.category[t]]},
            "status": _status(STATUS_LABELS[ts.status[t]]),
            "priority": {"name": PRIORITIES[ts.priority[t]]},
            "resolution": None if resolution is None else {"name": resolution},
            "assignee": _user(desk.agent(int(ts.current_agent[t]))),
            "reporter": _user(desk.pop.requester_names[ts.requester[t]]),
            "creator": _user(desk.pop.requester_names[ts.requester[t]]),
            "created": json_time(int(ts.times[t, SLOT["created"]])),
            "updated": json_time(int(ts.times[t, slots[-1]])),
            "resolutiondate": json_time(resolved),
            "labels": desk.labels(t),
            "components": [] if group is None else [{"name": group}],
            **({} if notes is None else {"comment": _comment_page(notes)}),
        },
        "changelog": {
            "startAt": 0,
            "maxResults": len(histories),
            "total": len(histories),
            "histories": histories,
        },
    }


def _comment_page(notes: list[dict[str, Any]]) -> dict[str, Any]:
    return {"comments": notes, "maxResults": len(notes), "total": len(notes), "startAt": 0}


def _kept(ts: TicketSet) -> list[int]:
    return [int(t) for t in np.flatnonzero(ts.kept)]


def write_json(ts: TicketSet, out: Path, layout: base.Layout) -> list[base.WrittenFile]:
    """Search pages ``search_NNNN.json`` of 100 issues, one issue a line (so that the defect
    injector can edit an issue as one JSON-array element)."""
    desk, kept = Desk(ts), _kept(ts)
    notes, planted = comments(desk, kept)
    roles = base.Roles(ids=("key",), times=("fields.created", "fields.updated"),
                       later=("fields.updated",), date_format=JSON_DATE)  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for page, start in enumerate(range(0, max(len(kept), 1), PAGE), start=1):
        chunk = kept[start : start + PAGE]
        path = out / f"search_{page:04d}.json"
        lines = [json.dumps(issue(desk, t, notes.get(t, [])), ensure_ascii=False,
                            separators=(",", ":")) for t in chunk]  # fmt: skip
        head = json.dumps({"expand": "schema,names", "startAt": start, "maxResults": PAGE,
                           "total": len(kept)})[:-1]  # fmt: skip
        path.write_text(head + ', "issues": [\n' + ",\n".join(lines) + "\n]}\n", encoding="utf-8")
        files.append(base.WrittenFile(path=path, rows=len(chunk), kind="json", roles=roles))
    files[0].personal = planted
    return files


# ---------------------------------------------------------------------------------------------
# jira-csv

HEADER = ("Summary", "Issue key", "Issue id", "Issue Type", "Status", "Project key",
          "Priority", "Resolution", "Assignee", "Reporter", "Creator", "Created", "Updated",
          "Resolved", "Component/s", "Component/s", "Labels", "Labels", "Sprint",
          "Description")  # fmt: skip


def _csv_rows(desk: Desk, kept: list[int]) -> Iterator[list[str]]:
    ts = desk.ts
    for t in kept:
        resolution, resolved = desk.resolution(t)
        labels = desk.labels(t)
        yield [desk.title[t].as_py(), desk.key(t), str(10000 + int(ts.number[t])),
               pf.CATEGORIES[ts.category[t]], STATUS_LABELS[ts.status[t]], PROJECT,
               PRIORITIES[ts.priority[t]], resolution or "Unresolved",
               desk.agent(int(ts.current_agent[t])) or "",
               desk.pop.requester_names[ts.requester[t]],
               desk.pop.requester_names[ts.requester[t]],
               csv_time(int(ts.times[t, SLOT["created"]])),
               csv_time(int(ts.times[t, desk.slots(t)[-1]])), csv_time(resolved),
               desk.group(int(ts.current_group[t])) or "", "", *labels, "",
               desk.description[t].as_py().replace("\n", " ")]  # fmt: skip


def write_csv(ts: TicketSet, out: Path, layout: base.Layout) -> list[base.WrittenFile]:
    """``jira_export_N.csv``, 1000 issues each, as the issue navigator exports them."""
    desk, kept = Desk(ts), _kept(ts)
    roles = base.Roles(ids=("Issue key",), times=("Created", "Updated", "Resolved"),
                       later=("Updated", "Resolved"), date_format=CSV_DATE)  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for n, start in enumerate(range(0, max(len(kept), 1), CSV_ROWS), start=1):
        chunk = kept[start : start + CSV_ROWS]
        path = out / f"jira_export_{n}.csv"
        with path.open("w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream, lineterminator="\n")
            writer.writerow(HEADER)
            writer.writerows(_csv_rows(desk, chunk))
        files.append(base.WrittenFile(path=path, rows=len(chunk), kind="csv", roles=roles))
    return files
