"""``zendesk``: Zendesk Support tickets as the incremental export API writes them, with their
ticket metric sets and, when present, their audits.

A file holds ticket records and audit records in any of the forms the API gives them: pages
(``{"tickets": [...], "metric_sets": [...], "end_of_stream": ...}``, ``{"audits": [...]}``) as
one JSON document or as JSON lines, or JSON lines of single tickets or audits. Each ticket
gives its milestones (``created`` at ``created_at``, ``resolved`` at its metric set's
``solved_at``, and its current state at ``updated_at``); each audit gives one event carrying
the ticket's state after it, found by replaying the ticket's audits in time order, and the
text of the comments it adds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from ticketlake.sources import documents
from ticketlake.sources.base import Format
from ticketlake.sources.documents import Record, Row, Unusable
from ticketlake.sources.readers import Chunk

# Zendesk's statuses and the category each is; ``deleted`` is how the incremental export
# lists a deleted ticket.
STATUS_CATEGORY = {
    "new": "new",
    "open": "open",
    "pending": "pending",
    "hold": "on_hold",
    "solved": "resolved",
    "closed": "closed",
    "deleted": "cancelled",
}
DONE = ("solved", "closed")
# Audit fields replayed into the ticket's state, and the canonical field each feeds.
TRACKED = {
    "status": "status",
    "priority": "priority",
    "group_id": "group_name",
    "assignee_id": "assignee",
}
COMMENTS = ("Comment", "VoiceComment")  # audit events that add a comment
KEYS = ("tickets", "audits")
SNIFF_BYTES = 1 << 16


def _text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def _minutes(metrics: Mapping[str, Any], name: str, clock: str) -> object:
    value = metrics.get(name)
    return value.get(clock) if isinstance(value, dict) else None


def _status(value: object) -> dict[str, object]:
    status = _text(value)
    category = STATUS_CATEGORY.get(status.lower()) if status else None
    return {"status": status, "vendor_status_category": category}


# ---------------------------------------------------------------- tickets


def ticket_rows(ticket: Mapping[str, Any], metrics: Mapping[str, Any]) -> list[Row]:
    """A ticket's milestone rows: created, resolved (when solved or closed) and its state now
    (with its tags: the export shows today's)."""
    status = _text(ticket.get("status"))
    via = ticket.get("via")
    common: dict[str, object] = {
        "ticket_id": _text(ticket.get("id")),
        "priority": _text(ticket.get("priority")),
        "requester": _text(ticket.get("requester_id")),
        "customer": _text(ticket.get("organization_id")),
        "channel": _text(via.get("channel")) if isinstance(via, dict) else None,
        "category": _text(ticket.get("type")),
    }
    created = {
        **common,
        "event_time": ticket.get("created_at"),
        "event_type": "created",
        "event_key": "ticket",
        "created_at": ticket.get("created_at"),
        "title": _text(ticket.get("subject")),
    }
    rows = [Row(".created_at", created, ticket)]
    solved = metrics.get("solved_at")
    if solved and status in DONE:
        rows.append(
            Row(
                ".metric_set.solved_at",
                {
                    **common,
                    "event_time": solved,
                    "event_type": "resolved",
                    "event_key": "ticket",
                    **_status("solved"),
                },
                metrics,
            )
        )
    now = _state_now(ticket, metrics, common, status)
    tags = ticket.get("tags")  # today's tags: they go with today's state
    now["labels"] = documents.labels(tags) if isinstance(tags, list) else None
    rows.append(Row(".updated_at", now, ticket))
    return rows


def _state_now(
    ticket: Mapping[str, Any],
    metrics: Mapping[str, Any],
    common: Mapping[str, object],
    status: str | None,
) -> dict[str, object]:
    kind = {"closed": "closed", "deleted": "cancelled"}.get((status or "").lower(), "updated")
    return {
        **common,
        "event_time": ticket.get("updated_at"),
        "event_type": kind,
        "event_key": "ticket",
        **_status(status),
        "group_name": _text(ticket.get("group_id")),
        "assignee": _text(ticket.get("assignee_id")),
        "reopen_count": metrics.get("reopens"),
        "vendor_reply_minutes": _minutes(metrics, "reply_time_in_minutes", "calendar"),
        "vendor_reply_business_minutes": _minutes(metrics, "reply_time_in_minutes", "business"),
        "vendor_resolution_minutes": _minutes(
            metrics, "full_resolution_time_in_minutes", "calendar"
        ),
        "vendor_resolution_business_minutes": _minutes(
            metrics, "full_resolution_time_in_minutes", "business"
        ),
        # Not canonical fields: kept in the event's attributes.
        "zendesk_replies": metrics.get("replies"),
        "zendesk_assignee_updated_at": metrics.get("assignee_updated_at"),
    }


# ---------------------------------------------------------------- audits


class Replay:
    """One ticket's state as its audits change it, audit by audit in time order."""

    def __init__(self, requester: str | None) -> None:
        self.state: dict[str, object] = {}
        self.requester = requester
        self.creator: str | None = None
        self.replied = False

    def rows(self, audit: Mapping[str, Any]) -> list[Row]:
        """The rows of one audit: its event, and a ``responded`` one for the first reply."""
        events = audit["events"]
        if not isinstance(events, list):
            raise Unusable("the audit's events are not a list")
        before = dict(self.state)
        created = self._apply(events, before)
        author = _text(audit.get("author_id"))
        if created:
            self.creator = author
        reply = not self.replied and not created and self._is_reply(events, author)
        kind = "created" if created else _change_type(before, self.state)
        values = {
            "ticket_id": _text(audit.get("ticket_id")),
            "event_time": audit.get("created_at"),
            "event_type": kind if kind != "updated" or not reply else "responded",
            "event_key": _text(audit.get("id")) or "",
            "changed_by": author,
            "created_at": audit.get("created_at") if created else None,
            **{TRACKED[f]: _text(v) for f, v in self.state.items()},
            **_status(self.state.get("status")),
            "comment": comment_text(events),
        }
        rows = [Row("", values, audit)]
        if reply:
            self.replied = True
            if values["event_type"] != "responded":
                extra = {
                    **values,
                    "event_type": "responded",
                    "event_key": f"{values['event_key']}:reply",
                    "comment": None,  # the audit's own row carries it
                }
                rows.append(Row(" (first reply)", extra, audit))
        return rows

    def _apply(self, events: list[Any], before: dict[str, object]) -> bool:
        """Apply an audit's events to the state; ``before`` learns the previous values of
        fields the file had not shown yet."""
        created = False
        for event in events:
            if not isinstance(event, dict):
                raise Unusable("an audit event is not a JSON object")
            kind, name = event.get("type"), event.get("field_name")
            if kind == "Create":
                created = True
                if name == "requester_id":
                    self.requester = _text(event.get("value"))
            if kind in ("Create", "Change") and name in TRACKED:
                if kind == "Change" and name not in self.state:  # earlier history not in the file
                    self.state[name] = before[name] = event.get("previous_value")
                self.state[name] = event.get("value")
        return created

    def _is_reply(self, events: list[Any], author: str | None) -> bool:
        """A public comment by someone other than the requester (or the ticket's creator)."""
        asker = self.requester or self.creator
        if asker is None:
            return False
        for event in events:
            if event.get("type") in COMMENTS and event.get("public", True):
                by = _text(event.get("author_id")) or author
                if by is not None and by != asker:
                    return True
        return False


def comment_text(events: list[Any]) -> str | None:
    """The text of the comments an audit adds (``Comment`` and ``VoiceComment`` events, public
    or internal notes), one after another; None when it adds none."""
    bodies = [
        _text(e.get("body") if e.get("body") is not None else e.get("plain_body"))
        for e in events
        if e.get("type") in COMMENTS
    ]
    found = [b for b in bodies if b is not None]
    return "\n\n".join(found) if found else None


def _change_type(before: Mapping[str, object], after: Mapping[str, object]) -> str:
    """The event type of an audit that changed ``before`` into ``after``."""
    old, new = (
        str(s).lower() if s is not None else None
        for s in (before.get("status"), after.get("status"))
    )
    if old != new and new is not None:
        if new in ("solved", "closed", "deleted"):
            return {"solved": "resolved", "closed": "closed", "deleted": "cancelled"}[new]
        if old in DONE:
            return "reopened"
    for name in ("group_id", "assignee_id"):
        if before.get(name) != after.get(name) and after.get(name) is not None:
            return "reassigned" if before.get(name) is not None else "assigned"
    return "status_changed" if old != new else "updated"


def _time_key(audit: Mapping[str, Any]) -> tuple[str, str]:
    """Audits sort by their instant (text that is not a time sorts as text, and is then
    quarantined by the core as unparseable), then by id."""
    raw = str(audit.get("created_at") or "")
    try:
        when = datetime.fromisoformat(raw.replace("Z", "+00:00")).isoformat()
    except ValueError:
        when = raw
    return when, f"{audit.get('id', ''):>20}"


# ---------------------------------------------------------------- the file


def read(path: Path) -> Iterator[Chunk]:
    """Rows of a Zendesk export: tickets as they come, then every ticket's audits replayed."""
    rows = documents.Rows()
    audits: dict[str, list[tuple[Record, dict[str, Any]]]] = {}
    requesters: dict[str, str | None] = {}
    seen_pages: dict[int, Mapping[str, Any]] = {}
    metric_index: dict[int, dict[str, Mapping[str, Any]]] = {}
    for record in documents.records(path, KEYS):
        value = record.value
        if isinstance(value, Unusable) or not isinstance(value, dict):
            reason = str(value) if isinstance(value, Unusable) else "expected a JSON object"
            rows.reject(record, None if isinstance(value, Unusable) else value, reason)
            continue
        if id(record.page) not in seen_pages and record.page:
            seen_pages[id(record.page)] = record.page
            _page_audits(record, audits, rows)
        if "events" in value and "ticket_id" in value:
            _collect(record, value, audits, rows)
            continue
        if "id" not in value:
            rows.reject(record, value, "not a Zendesk ticket or audit: it has no id")
            continue
        metrics = _metrics(record, value, metric_index)
        requesters[str(value.get("id"))] = _text(value.get("requester_id"))
        for row in ticket_rows(value, metrics):
            rows.add(record, row)
        yield from rows.full()
    for ticket, items in audits.items():
        _replay(ticket, items, requesters.get(ticket), rows)
        yield from rows.full()
    yield from rows.rest()


def _collect(
    record: Record,
    audit: dict[str, Any],
    audits: dict[str, list[tuple[Record, dict[str, Any]]]],
    rows: documents.Rows,
) -> None:
    if audit.get("ticket_id") is None:
        rows.reject(record, audit, "an audit without ticket_id")
        return
    audits.setdefault(str(audit["ticket_id"]), []).append((record, audit))


def _page_audits(
    record: Record, audits: dict[str, list[tuple[Record, dict[str, Any]]]], rows: documents.Rows
) -> None:
    """The audits of a page whose records are its tickets (a page holding both lists)."""
    items = record.page.get("audits")
    if "tickets" not in record.page or not isinstance(items, list):
        return
    at = record.where.rsplit("tickets[", 1)[0]
    for i, audit in enumerate(items):
        where = Record(f"{at}audits[{i}]", record.line, audit, record.page)
        if isinstance(audit, dict) and isinstance(audit.get("events"), list):
            _collect(where, audit, audits, rows)
        else:
            rows.reject(where, audit, "not an audit: it has no events list")


def _metrics(
    record: Record, ticket: Mapping[str, Any], index: dict[int, dict[str, Mapping[str, Any]]]
) -> Mapping[str, Any]:
    """The ticket's metric set: its own ``metric_set``, else the page's side-loaded one."""
    own = ticket.get("metric_set")
    if isinstance(own, dict):
        return own
    if id(record.page) not in index:
        sets = record.page.get("metric_sets")
        index[id(record.page)] = {
            str(m.get("ticket_id")): m for m in sets or [] if isinstance(m, dict)
        }
    return index[id(record.page)].get(str(ticket.get("id")), {})


def _replay(
    ticket: str,
    items: list[tuple[Record, dict[str, Any]]],
    requester: str | None,
    rows: documents.Rows,
) -> None:
    replay = Replay(requester)
    for record, audit in sorted(items, key=lambda item: _time_key(item[1])):
        try:
            exploded = replay.rows(audit)
        except Unusable as exc:
            rows.reject(record, audit, str(exc))
            continue
        for row in exploded:
            rows.add(record, row)


# ---------------------------------------------------------------- recognising the export

_TICKET = re.compile(r'"requester_id"\s*:')
_TICKET_TOO = re.compile(r'"(via|submitter_id|end_of_stream|metric_sets?)"\s*:')
_AUDIT = re.compile(r'"audits"\s*:\s*\[|"field_name"\s*:')


def sniff(path: Path) -> bool:
    """Whether the file's first bytes look like Zendesk tickets or audits."""
    head = documents.head(path, SNIFF_BYTES)
    ticket = bool(_TICKET.search(head) and _TICKET_TOO.search(head))
    audit = bool(_AUDIT.search(head) and '"ticket_id"' in head and '"events"' in head)
    return ticket or audit


KIND = documents.kind("zendesk.export", read)

FORMAT = Format(
    name="zendesk",
    summary="Zendesk tickets (incremental export) with metric sets and audits, JSON or lines.",
    kinds=documents.named(KIND, documents.JSON_NAMES),
    sniff=sniff,
)
