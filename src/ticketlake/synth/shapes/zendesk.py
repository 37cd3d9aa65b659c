"""``zendesk``: the desk as Zendesk's API exports it: tickets with their metric sets (the
incremental ticket export with ``include=metric_sets``) and every ticket's audits.

Zendesk knows people, groups and organisations by number, so the ids are numbers: a ticket's
id is its desk number, groups, agents, requesters and organisations have ids in their own
ranges. The desk's statuses collapse into Zendesk's: Assigned, In Progress and Reopened are
all ``open``; a cancelled ticket is one the export lists as ``deleted``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ticketlake.synth import profile as pf
from ticketlake.synth.model import ABSENT, SLOT, TicketSet
from ticketlake.synth.personal import ticket_text
from ticketlake.synth.shapes import base

ISO_Z = "%Y-%m-%dT%H:%M:%SZ"
# Zendesk's status for each of the desk's (STATUS_LABELS order).
STATUS = ("new", "open", "open", "pending", "hold", "solved", "open", "closed", "deleted")
CHANNEL = {"email": "email", "portal": "web", "phone": "voice", "chat": "chat", "walk-in": "web"}
TYPE = ("incident", "incident", "problem", "question", "incident", "task", "problem", "incident")
GROUP_ID, AGENT_ID, REQUESTER_ID, ORG_ID = 20_000, 1_000, 500_000, 70_000
SYSTEM = -1  # the author Zendesk gives automatic updates (the closure of a solved ticket)
TICKET_TIMES = ("created_at", "updated_at", "metric_set.solved_at")
PAGE = 100
SUBDOMAIN = "https://example.zendesk.com/api/v2"


def iso(ns: int) -> str | None:
    """An instant as Zendesk writes it (UTC, seconds, ``Z``)."""
    if ns == ABSENT:
        return None
    return np.datetime64(ns // 10**9, "s").astype(object).strftime(ISO_Z)  # type: ignore[no-any-return]


def business_minutes(
    start: npt.NDArray[np.int64], end: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """Minutes between two instants inside a Monday to Friday, 09:00 to 17:00 UTC schedule."""

    def upto(ns: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        minute = ns // (60 * 10**9)
        day = minute // 1440 + 3  # day 0 is a Monday (1970-01-01 was a Thursday)
        weekday, within = day % 7, minute % 1440
        today = np.where(weekday < 5, np.clip(within - 540, 0, 480), 0)
        return np.asarray((day // 7) * 2400 + np.minimum(weekday, 5) * 480 + today)

    return np.asarray(upto(end) - upto(start))


def _minutes(start: int, end: int, business: int) -> dict[str, int] | None:
    if ABSENT in (start, end):
        return None
    return {"calendar": int((end - start) // (60 * 10**9)), "business": int(business)}


class Desk:
    """The desk's tickets as Zendesk documents."""

    def __init__(self, ts: TicketSet) -> None:
        self.ts = ts
        self.status = ts.slot_status()
        text = ticket_text(ts)
        self.title, self.description = text.title.to_pylist(), text.description.to_pylist()
        self.customer = base.customer_of(ts)
        # Per-ticket values, computed once (each is a pass over the whole desk).
        self.present = ts.present
        self.now = {
            "status": ts.status,
            "agent": ts.current_agent,
            "group": ts.current_group,
            "updated": ts.at_last(ts.times),
            "solved": ts.resolved_at,
            "responded": ts.slot_time("responded"),
            "assigned": ts.slot_time("assigned"),
            "reopens": ts.reopen_count,
        }
        self.reply = business_minutes(ts.created, np.minimum(self.now["responded"], 2**62))
        self.resolution = business_minutes(ts.created, np.minimum(self.now["solved"], 2**62))

    def ticket(self, i: int) -> dict[str, Any]:
        """Ticket ``i`` as the incremental export lists it, with its own metric set."""
        ts = self.ts
        number, agent, group = (
            int(ts.number[i]),
            int(self.now["agent"][i]),
            int(self.now["group"][i]),
        )
        channel = CHANNEL[pf.CHANNELS[ts.channel[i]]]
        return {
            "url": f"{SUBDOMAIN}/tickets/{number}.json",
            "id": number,
            "external_id": None,
            "via": {"channel": channel, "source": {"from": {}, "to": {}, "rel": None}},
            "created_at": iso(int(ts.created[i])),
            "updated_at": iso(int(self._updated(i))),
            "type": TYPE[ts.category[i]],
            "subject": self.title[i],
            "raw_subject": self.title[i],
            "description": self.description[i],
            "priority": pf.PRIORITY_LABELS["json"][ts.priority[i]],
            "status": STATUS[self.now["status"][i]],
            "recipient": None,
            "requester_id": REQUESTER_ID + int(ts.requester[i]),
            "submitter_id": REQUESTER_ID + int(ts.requester[i]),
            "assignee_id": AGENT_ID + agent if agent >= 0 else None,
            "organization_id": ORG_ID + int(self.customer[i]),
            "group_id": GROUP_ID + group if group >= 0 else None,
            "tags": [pf.CATEGORIES[ts.category[i]].lower(), pf.CHANNELS[ts.channel[i]]],
            "metric_set": self.metric_set(i),
        }

    def _updated(self, i: int) -> int:
        return int(self.now["updated"][i])

    def metric_set(self, i: int) -> dict[str, Any]:
        """Zendesk's ticket metric set of ticket ``i``: its own reply and resolution minutes."""
        ts = self.ts
        created, responded = int(ts.created[i]), int(self.now["responded"][i])
        solved = int(self.now["solved"][i])
        agents = ts.agent[i][self.present[i] & (ts.agent[i] >= 0)]
        groups = ts.group[i][self.present[i] & (ts.group[i] >= 0)]
        return {
            "url": f"{SUBDOMAIN}/ticket_metrics/{9_000_000 + int(ts.number[i])}.json",
            "id": 9_000_000 + int(ts.number[i]),
            "ticket_id": int(ts.number[i]),
            "created_at": iso(created),
            "updated_at": iso(self._updated(i)),
            "group_stations": len(np.unique(groups)),
            "assignee_stations": len(np.unique(agents)),
            "reopens": int(self.now["reopens"][i]),
            "replies": int(responded != ABSENT),
            "assignee_updated_at": iso(self._last_assignment(i)),
            "initially_assigned_at": iso(int(self.now["assigned"][i])),
            "solved_at": iso(solved),
            "reply_time_in_minutes": _minutes(created, responded, int(self.reply[i])),
            "full_resolution_time_in_minutes": _minutes(created, solved, int(self.resolution[i])),
        }

    def _last_assignment(self, i: int) -> int:
        agent, present = self.ts.agent[i], self.present[i]
        changed = [
            s
            for s in range(1, agent.shape[0])
            if present[s] and agent[s] >= 0 and agent[s] != agent[s - 1]
        ]
        return int(self.ts.times[i, changed[-1]]) if changed else ABSENT

    def audits(self, i: int, next_id: Iterator[int]) -> list[dict[str, Any]]:
        """Ticket ``i``'s audits: one per update that changed status, group or assignee, or
        added the first reply. The deletion of a cancelled ticket leaves no audit."""
        out: list[dict[str, Any]] = []
        before: dict[str, object] = {}
        for s in np.flatnonzero(self.present[i]):
            if s == SLOT["cancelled"]:
                continue
            state = self._state(i, int(s))
            events = self._events(i, int(s), before, state, next_id)
            if events:
                out.append(self._audit(i, int(s), events, next(next_id)))
            before = state
        return out

    def _state(self, i: int, s: int) -> dict[str, object]:
        group, agent = int(self.ts.group[i, s]), int(self.ts.agent[i, s])
        return {
            "status": STATUS[self.status[i, s]],
            "group_id": GROUP_ID + group if group >= 0 else None,
            "assignee_id": AGENT_ID + agent if agent >= 0 else None,
        }

    def _events(
        self,
        i: int,
        s: int,
        before: dict[str, object],
        state: dict[str, object],
        next_id: Iterator[int],
    ) -> list[dict[str, Any]]:
        ts = self.ts
        if s == SLOT["created"]:
            fields = {
                "requester_id": REQUESTER_ID + int(ts.requester[i]),
                "subject": self.title[i],
                "priority": pf.PRIORITY_LABELS["json"][ts.priority[i]],
                **state,
            }
            events = [
                {"id": next(next_id), "type": "Create", "field_name": k, "value": v}
                for k, v in fields.items()
                if v is not None
            ]
            return [*events, self._comment(i, s, REQUESTER_ID + int(ts.requester[i]), next_id)]
        events = [
            {
                "id": next(next_id),
                "type": "Change",
                "field_name": k,
                "value": v,
                "previous_value": before.get(k),
            }
            for k, v in state.items()
            if v != before.get(k)
        ]
        if s == SLOT["responded"]:
            events.append(self._comment(i, s, AGENT_ID + int(ts.agent[i, s]), next_id))
        return events

    def _comment(self, i: int, s: int, author: int, next_id: Iterator[int]) -> dict[str, Any]:
        body = self.description[i] if s == SLOT["created"] else "Thanks, we are looking into it."
        return {
            "id": next(next_id),
            "type": "Comment",
            "author_id": author,
            "body": body,
            "public": True,
            "attachments": [],
        }

    def _audit(self, i: int, s: int, events: list[dict[str, Any]], audit_id: int) -> dict[str, Any]:
        ts = self.ts
        if s == SLOT["created"]:
            author = REQUESTER_ID + int(ts.requester[i])
        elif s == SLOT["closed"] or ts.agent[i, s] < 0:
            author = SYSTEM
        else:
            author = AGENT_ID + int(ts.agent[i, s])
        return {
            "id": audit_id,
            "ticket_id": int(ts.number[i]),
            "created_at": iso(int(ts.times[i, s])),
            "author_id": author,
            "metadata": {"system": {}, "custom": {}},
            "via": {"channel": "web" if author != SYSTEM else "rule"},
            "events": events,
        }


def _counter(start: int) -> Iterator[int]:
    n = start
    while True:
        n += 1
        yield n


def _lines(path: Path, documents: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        for doc in documents:
            out.write(json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n")


def _pages(items: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """Audits as the list endpoint pages them (``{"audits": [...], "next_page", "count"}``)."""
    pages = []
    for at in range(0, len(items), PAGE):
        last = at + PAGE >= len(items)
        nxt = None if last else f"{SUBDOMAIN}/ticket_audits.json?page={at // PAGE + 2}"
        pages.append(
            {
                key: items[at : at + PAGE],
                "next_page": nxt,
                "previous_page": None,
                "count": len(items),
            }
        )
    return pages


def write(ts: TicketSet, out: Path, layout: base.Layout) -> list[base.WrittenFile]:
    """``tickets.jsonl`` (a ticket per line, each with its ``metric_set``) and
    ``audits.jsonl`` (pages of audits); with ``--json-array`` one JSON document each
    (``tickets.json``: an incremental export page, ``audits.json``: one audits page)."""
    desk = Desk(ts)
    kept = [int(i) for i in np.flatnonzero(ts.kept)]
    tickets = [desk.ticket(i) for i in kept]
    ids = _counter(300_000_000)
    audits = sorted((a for i in kept for a in desk.audits(i, ids)), key=lambda a: a["created_at"])
    if layout.json_lines:
        _lines(out / "tickets.jsonl", tickets)
        _lines(out / "audits.jsonl", _pages(audits, "audits"))
        roles = base.Roles(
            ids=("id",), times=TICKET_TIMES, later=TICKET_TIMES[1:], date_format=ISO_Z
        )
        return [
            base.WrittenFile(out / "tickets.jsonl", len(tickets), "jsonl", roles),
            base.WrittenFile(out / "audits.jsonl", len(audits), "jsonl"),
        ]
    page = {
        "tickets": tickets,
        "next_page": None,
        "count": len(tickets),
        "end_of_stream": True,
        "end_time": int(ts.options.export_ns // 10**9),
    }
    _lines(out / "tickets.json", [page])
    _lines(out / "audits.json", [{"audits": audits, "next_page": None, "count": len(audits)}])
    return [
        base.WrittenFile(out / "tickets.json", len(tickets), "json"),
        base.WrittenFile(out / "audits.json", len(audits), "json"),
    ]
