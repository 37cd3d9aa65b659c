"""``jira``: Jira's issue-navigator CSV export and its REST search JSON with the changelog.

The CSV (Filters > Export > CSV) has one row per issue: it becomes milestone events as the
``tickets`` format's rows do. Repeated columns hold multi-valued fields: every ``Labels``
column gives the ticket's labels; the first ``Component/s`` column is the assignment group
and the other repeats are kept as attributes. Dates are Jira's default ``dd/MMM/yy h:mm a``.

The JSON is ``/rest/api/2/search?expand=changelog`` (or ``/rest/api/3``): each issue's
``changelog.histories`` are replayed in time order, so that every event row carries the
issue's status, assignee, priority, resolution and component after it. The state at creation
is the current state with every change undone, newest first. Each of the issue's comments
(``fields.comment.comments``) is an ``updated`` event at its time, with its text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ticketlake.sources import documents
from ticketlake.sources.base import FileKind, Format
from ticketlake.sources.documents import Record, Row, Unusable
from ticketlake.sources.rows import MILESTONE_EVENTS_SQL

# Jira's status categories (statusCategory.key) as ticketlake's. ``done`` is resolved, not
# closed: Jira's done statuses end the work, not the issue's life (a done issue is reopened
# by a transition, and Jira has no closure stage after it). A status the settings map keeps
# the settings' category (the default map has ``Done``: closed).
CATEGORIES = {"new": "new", "indeterminate": "open", "done": "resolved"}
# A CSV's ``Status Category`` column, when the export has one, holds the categories' names.
CATEGORY_NAMES = {"to do": "new", "in progress": "open", "done": "resolved", **CATEGORIES}

DATE_FORMAT = "%d/%b/%y %I:%M %p"  # 12/Mar/24 10:15 AM, Jira's default date-time format

# ---------------------------------------------------------------------------------------------
# The issue-navigator CSV

CSV_SYNONYMS: dict[str, tuple[str, ...]] = {
    "ticket_id": ("issue_key",),
    "external_id": ("issue_id",),
    "title": ("summary",),
    "description": ("description",),
    "category": ("issue_type",),
    "status": ("status",),
    "vendor_status_category": ("status_category",),
    "priority": ("priority",),
    "sub_status": ("resolution",),
    "assignee": ("assignee",),
    "requester": ("reporter",),
    "group_name": ("component_s", "components"),
    "created_at": ("created",),
    "updated_at": ("updated",),
    "resolved_at": ("resolved",),
}

_CATEGORY_CASE = " ".join(f"WHEN '{raw}' THEN '{ours}'" for raw, ours in CATEGORY_NAMES.items())

# The milestones of each row, with the category Jira gives its status on the row's latest one.
CSV_EVENTS_SQL = f"""
WITH milestones AS ({MILESTONE_EVENTS_SQL})
SELECT m.*, CASE WHEN m.status IS NOT NULL
                 THEN CASE lower(trim(v.vendor_status_category)) {_CATEGORY_CASE} END
            END AS vendor_status_category
FROM milestones m JOIN valid v USING (_line)
"""

CSV_KIND = FileKind(
    name="jira.csv",
    container="csv",
    synonyms=CSV_SYNONYMS,
    required=("ticket_id", "created_at"),
    events_sql=CSV_EVENTS_SQL,
    lists={"labels": ("Labels",)},
)

# ---------------------------------------------------------------------------------------------
# The REST search JSON with the changelog

# Changelog field (``fieldId``, else ``field``, lower case) -> the canonical field it changes.
CHANGED: dict[str, str] = {
    "status": "status",
    "assignee": "assignee",
    "priority": "priority",
    "resolution": "sub_status",
    "components": "group_name",
    "component": "group_name",
}
_MULTI = {"group_name"}  # components: a list; the first is the group


def _name(value: object, key: str = "name") -> str | None:
    """The display text of a Jira object such as ``{"name": "High"}``, or None."""
    if isinstance(value, dict):
        text = value.get(key)
        return None if text is None else str(text)
    return None


def _current(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The issue's state now, as the canonical fields the changelog changes."""
    return {
        "status": _name(fields.get("status")),
        "assignee": _name(fields.get("assignee"), "displayName"),
        "priority": _name(fields.get("priority")),
        "sub_status": _name(fields.get("resolution")),
        "group_name": [_name(c) for c in fields.get("components") or [] if _name(c)],
    }


def _changes(history: Mapping[str, Any]) -> list[tuple[str, str | None, str | None]]:
    """(canonical field, from, to) of each item of a history that ticketlake follows."""
    out = []
    for item in history.get("items") or []:
        field = str(item.get("fieldId") or item.get("field") or "").lower()
        if field in CHANGED:
            out.append((CHANGED[field], item.get("fromString"), item.get("toString")))
    return out


def _apply(state: dict[str, Any], changes: list[tuple[str, str | None, str | None]],
           forward: bool) -> None:  # fmt: skip
    """Play ``changes`` on ``state``, or undo them (``forward`` False)."""
    for field, old, new in changes if forward else reversed(changes):
        before, after = (old, new) if forward else (new, old)
        if field in _MULTI:
            values = [v for v in state[field] if v != before]
            state[field] = [*values, after] if after is not None and after not in values else values
        else:
            state[field] = after


def _instant(text: object) -> datetime | None:
    """A Jira timestamp (``2024-03-12T10:15:30.000+0000``) as an instant, for ordering only."""
    try:
        when = datetime.fromisoformat(str(text)) if text else None
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when is not None and when.tzinfo is None else when


def _in_time_order(histories: list[Any]) -> list[tuple[int, dict[str, Any]]]:
    """(position, history) in time order; a history whose time cannot be read keeps its place
    after the one before it (the core quarantines its row, naming the value)."""
    keyed = []
    last = datetime.min.replace(tzinfo=UTC)
    for i, history in enumerate(histories):
        if not isinstance(history, dict):
            raise Unusable(f"changelog history {i} is not an object")
        last = _instant(history.get("created")) or last
        keyed.append((last, i, history))
    return [(i, h) for _, i, h in sorted(keyed, key=lambda k: (k[0], k[1]))]


def _event_type(changes: list[tuple[str, str | None, str | None]], state: Mapping[str, Any],
                before: Mapping[str, Any]) -> str:  # fmt: skip
    """A history's event type: a status change, else an (re)assignment, else an update. The
    mart derives resolutions and reopens from the status categories."""
    fields = {c[0] for c in changes}
    if "status" in fields:
        return "status_changed"
    for field, old in (("assignee", before["assignee"]), ("group_name", before["group_name"])):
        if field in fields and state[field]:
            return "reassigned" if old else "assigned"
    return "updated"


def _state_values(state: Mapping[str, Any], categories: Mapping[str, str]) -> dict[str, object]:
    groups = state["group_name"]
    status = state["status"]
    return {
        "status": status,
        "vendor_status_category": categories.get(status) if status else None,
        "assignee": state["assignee"],
        "priority": state["priority"],
        "sub_status": state["sub_status"],
        "group_name": groups[0] if groups else None,
    }


def _histories(issue: Mapping[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """The issue's changelog histories in time order, refusing a changelog cut to a page."""
    changelog = issue.get("changelog") or {}
    histories = list(changelog.get("histories") or [])
    total = changelog.get("total")
    if isinstance(total, int) and total > len(histories):
        raise Unusable(f"the changelog holds {len(histories)} of {total} histories; fetch them "
                       f"all (/rest/api/2/issue/{issue.get('key')}/changelog) and merge them")  # fmt: skip
    return _in_time_order(histories)


def _categories(fields: Mapping[str, Any]) -> dict[str, str]:
    """Status name -> category, as far as the issue tells: its current status only."""
    status = fields.get("status") or {}
    key = str((status.get("statusCategory") or {}).get("key", "")).lower()
    name = _name(status)
    return {name: CATEGORIES[key]} if name and key in CATEGORIES else {}


def _common(issue: Mapping[str, Any], fields: Mapping[str, Any]) -> dict[str, object]:
    """What every row of the issue carries."""
    return {
        "ticket_id": issue.get("key"),
        "external_id": issue.get("id"),
        "created_at": fields.get("created"),
        "updated_at": fields.get("updated"),
        "category": _name(fields.get("issuetype")),
        "requester": _name(fields.get("reporter"), "displayName"),
        "labels": documents.labels(fields.get("labels") or []),
    }


def _explode(record: Record) -> Iterator[Row]:
    """One row for the issue's creation, then one per changelog history, in time order; the
    state at creation is the current one with every change undone, newest first."""
    issue, fields = record.value, record.value["fields"]
    if not isinstance(fields, dict):
        raise Unusable("fields is not an object")
    ordered, categories, common = _histories(issue), _categories(fields), _common(issue, fields)
    state = _current(fields)
    changes = [_changes(h) for _, h in ordered]
    for change in reversed(changes):
        _apply(state, change, forward=False)
    created = {"event_time": fields.get("created"), "event_type": "created",
               "event_key": "created", "title": fields.get("summary"),
               "changed_by": _name(fields.get("creator"), "displayName")}  # fmt: skip
    item = {k: issue.get(k) for k in ("id", "key")} | {"created": fields.get("created")}
    yield Row("", {**common, **created, **_state_values(state, categories)}, item)
    comments = _comments(fields)
    for (position, history), change in zip(ordered, changes, strict=True):
        at = _instant(history.get("created"))
        while comments and at is not None and (comments[0][0] or at) < at:
            yield _comment_row(comments.pop(0), {**common, **_state_values(state, categories)})
        before = {**state, "group_name": list(state["group_name"])}
        _apply(state, change, forward=True)
        values = {**common, "event_time": history.get("created"),
                  "event_type": _event_type(change, state, before),
                  "event_key": str(history.get("id", position)),
                  "changed_by": _name(history.get("author"), "displayName"),
                  **_state_values(state, categories)}  # fmt: skip
        yield Row(f".changelog.histories[{position}]", values, history)
    for comment in comments:  # after the last history, or at its instant
        yield _comment_row(comment, {**common, **_state_values(state, categories)})


# A comment: its instant (None when unreadable), its position and the comment object.
_Comment = tuple[datetime | None, int, dict[str, Any]]


def _comments(fields: Mapping[str, Any]) -> list[_Comment]:
    """The issue's comments (``fields.comment.comments``) in time order; one whose time cannot
    be read goes last (the core quarantines its row, naming the value)."""
    listed = (fields.get("comment") or {}).get("comments") or []
    found = []
    for i, comment in enumerate(listed):
        if not isinstance(comment, dict):
            raise Unusable(f"comment {i} is not an object")
        found.append((_instant(comment.get("created")), i, comment))
    latest = datetime.max.replace(tzinfo=UTC)
    return sorted(found, key=lambda c: (c[0] or latest, c[1]))


def _comment_row(found: _Comment, state: Mapping[str, object]) -> Row:
    """A comment as an ``updated`` event carrying the issue's state at its time."""
    _, position, comment = found
    values = {
        **state,
        "event_time": comment.get("created"),
        "event_type": "updated",
        "event_key": f"comment:{comment.get('id', position)}",
        "changed_by": _name(comment.get("author"), "displayName"),
        "comment": comment_text(comment.get("body")),
    }
    return Row(f".fields.comment.comments[{position}]", values, comment)


def comment_text(body: object) -> str | None:
    """A comment's text: REST API 2 gives it as a string, API 3 as an Atlassian Document
    (a tree of nodes whose ``text`` nodes hold the words), read here as plain text."""
    text = body if isinstance(body, str) else _document_text(body).strip()
    return text or None


def _document_text(node: object) -> str:
    if not isinstance(node, dict):
        return ""
    kind = node.get("type")
    if kind == "text":
        return str(node.get("text") or "")
    if kind in ("mention", "emoji"):
        return str((node.get("attrs") or {}).get("text") or "")
    if kind == "hardBreak":
        return "\n"
    parts = [_document_text(child) for child in node.get("content") or []]
    return ("" if kind in _INLINE_HOLDERS else "\n").join(parts)


_INLINE_HOLDERS = ("paragraph", "heading")  # nodes whose children run on in one line


def sniff(path: Path) -> bool:
    """Whether ``path`` looks like Jira issues: an issue key and a ``fields`` object near the
    start (a search page, an array of issues, or issues as JSON lines)."""
    head = documents.head(path)
    return bool(_KEY.search(head) and _FIELDS.search(head))


_KEY = re.compile(r'"key"\s*:\s*"[A-Za-z][A-Za-z0-9_]*-[0-9]+"')
_FIELDS = re.compile(r'"fields"\s*:\s*\{')

JSON_KIND = documents.kind("jira.json", documents.reader(_explode, ("issues",)))

FORMAT = Format(
    name="jira",
    summary="Jira: the issue-navigator CSV export, or REST search JSON with expand=changelog.",
    kinds=(
        *documents.named(CSV_KIND, documents.CSV_NAMES),
        *documents.named(JSON_KIND, documents.JSON_NAMES),
    ),
    signature=("issue_key", "summary", "status"),
    date_format=DATE_FORMAT,
    sniff=sniff,
)
