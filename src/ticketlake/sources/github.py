"""``github``: GitHub issues as the REST API returns them, and their issue events.

A file holds issues (``GET /repos/{owner}/{repo}/issues``: a JSON array per page, or JSON
lines), issue events (``GET /repos/{owner}/{repo}/issues/events``: records with ``event``
and ``issue``) and issue comments (``GET /repos/{owner}/{repo}/issues/comments``: records
with ``issue_url`` and ``body``), in any mix. Each issue gives ``created`` at ``created_at``, ``resolved`` (a
close as completed: GitHub's close is the resolution) or ``cancelled`` (``state_reason``
``not_planned`` or ``duplicate``) at ``closed_at``, and its
state at ``updated_at``; each event gives one event carrying the issue's state after it, found
by replaying the issue's events in time order; each comment an ``updated`` event with its
text. Pull requests (records with ``pull_request``), their events and comments are left out
and counted: the ingest report says how many.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa

from ticketlake.sources import documents
from ticketlake.sources.base import Format
from ticketlake.sources.documents import Record, Row, Unusable
from ticketlake.sources.readers import Chunk

# state_reason of a closed issue -> its status label and category (None: completed).
CLOSED = {
    None: ("closed", "closed"),
    "completed": ("closed", "closed"),
    "not_planned": ("closed (not planned)", "cancelled"),
    "duplicate": ("closed (duplicate)", "cancelled"),
}
OPEN = ("open", "open")
PULL_REQUESTS = "pull request"  # what the batch reason counts: "left out: 3 pull requests"
PULL_EVENTS = "pull request event"
PULL_COMMENTS = "pull request comment"
_ISSUE_URL = re.compile(r"/issues/([0-9]+)$")
_REPO = re.compile(r"/repos/([^/]+/[^/]+?)(?:/|$)")
SNIFF_BYTES = 1 << 16


def _login(user: object) -> str | None:
    return str(user["login"]) if isinstance(user, dict) and user.get("login") else None


def _repo(*records: object) -> str | None:
    """``owner/repo`` from the first API address a record holds."""
    for record in records:
        if not isinstance(record, dict):
            continue
        for key in ("repository_url", "url"):
            found = _REPO.search(str(record.get(key) or ""))
            if found:
                return found.group(1)
    return None


def ticket_id(number: object, repo: str | None) -> str | None:
    """``owner/repo#123``, or ``#123`` when the record names no repository; None without a
    number (the core quarantines the rows as ``missing_id``)."""
    if number is None or number == "":
        return None
    if isinstance(number, bool) or not str(number).isdigit():
        raise Unusable(f"not an issue number: {number!r}")
    return f"{repo or ''}#{number}"


def _closed(reason: object) -> tuple[str, str]:
    label = CLOSED.get(str(reason) if reason else None)
    if label is None:
        return f"closed ({reason})", "closed"
    return label


def _state(status: tuple[str, str]) -> dict[str, object]:
    return {"status": status[0], "vendor_status_category": status[1]}


# ---------------------------------------------------------------- issues


def issue_rows(issue: Mapping[str, Any]) -> list[Row]:
    """An issue's rows: created, closed (when closed) and its state now."""
    tid = ticket_id(issue.get("number"), _repo(issue))
    names = [
        label.get("name") if isinstance(label, dict) else label
        for label in issue.get("labels") or []
    ]
    assignees = [_login(a) for a in issue.get("assignees") or []] or [_login(issue.get("assignee"))]
    common: dict[str, object] = {
        "ticket_id": tid,
        "requester": _login(issue.get("user")),
    }
    rows = [
        Row(
            ".created_at",
            {
                **common,
                "event_time": issue.get("created_at"),
                "event_type": "created",
                "event_key": "issue",
                "created_at": issue.get("created_at"),
                "title": issue.get("title"),
            },
            issue,
        )
    ]
    closed = str(issue.get("state") or "").lower() == "closed"
    status = _closed(issue.get("state_reason")) if closed else OPEN
    if closed and issue.get("closed_at"):
        kind = "cancelled" if status[1] == "cancelled" else "resolved"
        rows.append(
            Row(
                ".closed_at",
                {
                    **common,
                    "event_time": issue.get("closed_at"),
                    "event_type": kind,
                    "event_key": "issue",
                    **_state(status),
                },
                issue,
            )
        )
    now = {
        **common,
        "event_time": issue.get("updated_at"),
        "event_type": "updated",
        "event_key": "issue",
        "assignee": next((a for a in assignees if a), None),
        "labels": documents.labels(names),  # today's labels, with today's state
        **_state(status),
    }
    rows.append(Row(".updated_at", now, issue))
    return rows


# ---------------------------------------------------------------- events


class Replay:
    """One issue's state as its events change it, event by event in time order."""

    def __init__(self) -> None:
        self.status = OPEN
        self.assignees: list[str] = []
        self.labels: list[str] = []

    def row(self, event: Mapping[str, Any], tid: str | None) -> Row:
        """The row of one event: its type and the state after it."""
        kind = self._apply(event)
        values = {
            "ticket_id": tid,
            "event_time": event.get("created_at"),
            "event_type": kind,
            "event_key": str(event.get("id") or f"{event.get('event')}"),
            "changed_by": _login(event.get("actor")),
            "assignee": self.assignees[-1] if self.assignees else None,
            "labels": documents.labels(self.labels),
            **_state(self.status),
        }
        return Row("", values, event)

    def _apply(self, event: Mapping[str, Any]) -> str:
        name = str(event.get("event") or "")
        if name == "closed":
            self.status = _closed(event.get("state_reason"))
            return "cancelled" if self.status[1] == "cancelled" else "resolved"
        if name == "reopened":
            self.status = OPEN
            return "reopened"
        if name in ("assigned", "unassigned"):
            return self._assign(name, _login(event.get("assignee")))
        label = event.get("label")
        text = str(label.get("name")) if isinstance(label, dict) and label.get("name") else None
        if name == "labeled" and text and text not in self.labels:
            self.labels.append(text)
        elif name == "unlabeled" and text in self.labels:
            self.labels.remove(text)
        return "updated"

    def _assign(self, name: str, login: str | None) -> str:
        had = bool(self.assignees)
        if login in self.assignees:
            self.assignees.remove(login)
        if name == "unassigned" or login is None:
            return "updated"
        self.assignees.append(login)
        return "reassigned" if had else "assigned"


def comment_row(comment: Mapping[str, Any]) -> Row:
    """An issue comment (``GET /repos/{owner}/{repo}/issues/comments``) as an ``updated``
    event with its text; it carries none of the issue's state (the issue's own rows and
    events do)."""
    url = str(comment.get("issue_url") or "")
    number = _ISSUE_URL.search(url)
    if number is None:
        raise Unusable(f"a comment whose issue_url names no issue: {url!r}")
    values = {
        "ticket_id": ticket_id(number.group(1), _repo({"url": url})),
        "event_time": comment.get("created_at"),
        "event_type": "updated",
        "event_key": f"comment:{comment.get('id')}",
        "changed_by": _login(comment.get("user")),
        "comment": comment.get("body") or None,
    }
    return Row("", values, comment)


def _is_pull_comment(comment: Mapping[str, Any]) -> bool:
    """Whether an issue comment is on a pull request (its page is under ``/pull/``)."""
    return "/pull/" in str(comment.get("html_url") or "")


def _event_issue(event: Mapping[str, Any]) -> tuple[str | None, bool]:
    """The ticket id an event belongs to and whether that issue is a pull request."""
    issue = event.get("issue")
    if not isinstance(issue, dict):
        raise Unusable(
            "an issue event without its issue (export the repository's issue "
            "events, whose records name the issue)"
        )
    return ticket_id(issue.get("number"), _repo(issue, event)), "pull_request" in issue


# ---------------------------------------------------------------- the file


def read(path: Path) -> Iterator[Chunk]:
    """Rows of a GitHub export: issues as they come, then every issue's events replayed."""
    rows = documents.Rows()
    events: dict[str | None, list[tuple[Record, dict[str, Any]]]] = {}
    left_out = {PULL_REQUESTS: 0, PULL_EVENTS: 0, PULL_COMMENTS: 0}
    for record in documents.records(path, ("items",)):
        value = record.value
        if isinstance(value, Unusable) or not isinstance(value, dict):
            reason = str(value) if isinstance(value, Unusable) else "expected a JSON object"
            rows.reject(record, None if isinstance(value, Unusable) else value, reason)
            continue
        try:
            if "event" in value:
                tid, pull = _event_issue(value)
                if not pull:
                    events.setdefault(tid, []).append((record, value))
                left_out[PULL_EVENTS] += pull
                continue
            if "issue_url" in value and "number" not in value:
                pull = _is_pull_comment(value)
                exploded = [] if pull else [comment_row(value)]
                left_out[PULL_COMMENTS] += pull
            elif "number" not in value:
                raise Unusable("not a GitHub issue, issue event or comment: it has no number")
            elif "pull_request" in value:
                left_out[PULL_REQUESTS] += 1
                continue
            else:
                exploded = issue_rows(value)
        except Unusable as exc:
            rows.reject(record, value, str(exc))
            continue
        for row in exploded:
            rows.add(record, row)
        yield from rows.full()
    for tid, items in events.items():
        replay = Replay()
        for record, event in sorted(
            items, key=lambda i: (str(i[1].get("created_at")), str(i[1].get("id", "")).zfill(20))
        ):
            rows.add(record, replay.row(event, tid))
        yield from rows.full()
    last = list(rows.rest()) or [
        Chunk(pa.table({"_line": pa.array([], pa.int64()), "_raw": pa.array([], pa.string())}))
    ]
    last[-1].left_out = {what: n for what, n in left_out.items() if n}
    yield from last


# ---------------------------------------------------------------- recognising the export

_ISSUE = re.compile(r'"number"\s*:')
_GITHUB = re.compile(r'api\.github\.com/repos/|"node_id"\s*:|"html_url"\s*:\s*"https://github\.')
_EVENT = re.compile(r'"event"\s*:\s*"[a-z_]+"')
_COMMENT = re.compile(r'"issue_url"\s*:\s*"https://api\.github\.com/repos/')


def sniff(path: Path) -> bool:
    """Whether the file's first bytes look like GitHub issues, issue events or comments."""
    head = documents.head(path, SNIFF_BYTES)
    github = bool(_GITHUB.search(head))
    event = bool(_EVENT.search(head) and '"actor"' in head)
    return github and bool(_ISSUE.search(head) or event or _COMMENT.search(head))


KIND = documents.kind("github.issues", read)

FORMAT = Format(
    name="github",
    summary="GitHub issues (REST), issue events and comments, JSON arrays or lines; pull "
    "requests left out.",
    kinds=documents.named(KIND, documents.JSON_NAMES),
    sniff=sniff,
)
