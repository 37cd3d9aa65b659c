"""``github``: the desk as a GitHub repository's issues, issue events and issue comments, as
the REST API returns them, with a few pull requests mixed in (the issues endpoint lists both).

GitHub knows two states: a resolution closes the issue (``state_reason`` ``completed``), a
cancellation closes it as ``not_planned``, a reopen reopens it. It has no groups, no priority,
no pending spell and no closure after the resolution.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ticketlake.synth import profile as pf
from ticketlake.synth.model import SLOT, STATUS_LABELS, TicketSet
from ticketlake.synth.personal import plant_comments, ticket_text
from ticketlake.synth.shapes import base
from ticketlake.synth.shapes.zendesk import iso
from ticketlake.synth.text import COMMENT_LINES

REPO = "example-org/service-desk"
API = f"https://api.github.com/repos/{REPO}"
ISO_Z = "%Y-%m-%dT%H:%M:%SZ"
PULL_SHARE = 0.05  # pull requests added to the issues list, as a share of the issues
CLOSED = {
    STATUS_LABELS.index("Resolved"): "completed",
    STATUS_LABELS.index("Closed"): "completed",
    STATUS_LABELS.index("Cancelled"): "not_planned",
}
RESOLVED = [SLOT["resolved_1"], SLOT["resolved_2"], SLOT["resolved_3"]]
REOPENED = [SLOT["reopened_1"], SLOT["reopened_2"]]
ISSUE_TIMES = ("created_at", "updated_at", "closed_at")


def login(name: str, index: int) -> str:
    """A GitHub login for a person: ASCII, lower case, dashes, made unique by its index."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return f"{re.sub(r'[^a-z0-9]+', '-', plain.lower()).strip('-')}-{index}"


def _user(name: str, index: int, base_id: int) -> dict[str, Any]:
    return {"login": login(name, index), "id": base_id + index, "type": "User", "site_admin": False}


class Repo:
    """The desk's tickets as GitHub issues and issue events."""

    def __init__(self, ts: TicketSet) -> None:
        self.ts = ts
        pop = ts.population
        self.agents = [_user(n, i, 10_000) for i, n in enumerate(pop.agent_names)]
        self.people = [_user(n, i, 500_000) for i, n in enumerate(pop.requester_names)]
        text = ticket_text(ts)
        self.title, self.body = text.title.to_pylist(), text.description.to_pylist()
        self.status, self.agent_now = ts.status, ts.current_agent
        self.closed_at = np.minimum(ts.resolved_at, ts.slot_time("cancelled"))
        times = np.where(ts.present, ts.times, -1)
        times[:, SLOT["closed"]] = -1  # GitHub has no closure after the close
        self.updated = times.max(axis=1)
        self.present = ts.present

    def issue(self, i: int) -> dict[str, Any]:
        """Issue ``i`` as ``GET /repos/{owner}/{repo}/issues`` lists it."""
        ts, n = self.ts, int(self.ts.number[i])
        reason = CLOSED.get(int(self.status[i]))
        agent = int(self.agent_now[i])
        assignee = self.agents[agent] if agent >= 0 else None
        return {
            "url": f"{API}/issues/{n}",
            "repository_url": API,
            "html_url": f"https://github.com/{REPO}/issues/{n}",
            "id": 2_000_000 + n,
            "node_id": f"I_kwDO{n:08d}",
            "number": n,
            "title": self.title[i],
            "user": self.people[int(ts.requester[i])],
            "labels": [self._label(i)],
            "state": "closed" if reason else "open",
            "state_reason": reason,
            "locked": False,
            "assignee": assignee,
            "assignees": [assignee] if assignee else [],
            "comments": 1,
            "created_at": iso(int(ts.created[i])),
            "updated_at": iso(int(self.updated[i])),
            "closed_at": iso(int(self.closed_at[i])) if reason else None,
            "author_association": "NONE",
            "body": self.body[i],
        }

    def comments(self, kept: list[int]) -> tuple[list[dict[str, Any]], tuple[str, ...]]:
        """One comment per issue (as the issue's ``comments`` count says), from a random stream
        of its own: the agent's reply at the response, else the requester's nudge at the
        issue's last update; and the personal data planted in the nudges."""
        ts, responded = self.ts, SLOT["responded"]
        replied = [bool(self.present[i, responded] and ts.agent[i, responded] >= 0) for i in kept]
        rng = np.random.default_rng([ts.options.seed, 29])
        kinds = ["reply" if r else "nudge" for r in replied]
        texts = [str(rng.choice(COMMENT_LINES[kind])) for kind in kinds]
        asks = [k for k, kind in enumerate(kinds) if kind == "nudge"]
        planted_texts, planted = plant_comments(ts, [texts[k] for k in asks])
        for k, text in zip(asks, planted_texts, strict=True):
            texts[k] = text
        return [
            self._comment(i, r, t) for i, r, t in zip(kept, replied, texts, strict=True)
        ], planted

    def _comment(self, i: int, replied: bool, body: str) -> dict[str, Any]:
        ts, n, responded = self.ts, int(self.ts.number[i]), SLOT["responded"]
        comment_id = 60_000_000 + n
        if replied:
            user, at = self.agents[int(ts.agent[i, responded])], int(ts.times[i, responded])
        else:
            user, at = self.people[int(ts.requester[i])], int(self.updated[i])
        return {
            "url": f"{API}/issues/comments/{comment_id}",
            "html_url": f"https://github.com/{REPO}/issues/{n}#issuecomment-{comment_id}",
            "issue_url": f"{API}/issues/{n}",
            "id": comment_id,
            "node_id": f"IC_{comment_id}",
            "user": user,
            "created_at": iso(at),
            "updated_at": iso(at),
            "author_association": "MEMBER" if replied else "NONE",
            "body": body,
        }

    def _label(self, i: int) -> dict[str, Any]:
        category = int(self.ts.category[i])
        return {
            "id": 7_000 + category,
            "name": pf.CATEGORIES[category].lower(),
            "color": "ededed",
            "default": False,
        }

    def events(self, i: int, ids: Iterator[int]) -> list[dict[str, Any]]:
        """Issue ``i``'s events: labeled at creation, assigned and unassigned as its agent
        changes, closed at each resolution (or as not planned at a cancellation), reopened."""
        ts, out = self.ts, []
        previous = -1
        for s in (int(s) for s in np.flatnonzero(self.present[i])):
            agent, at = int(ts.agent[i, s]), int(ts.times[i, s])
            if s == SLOT["created"]:
                out.append(
                    self._event(
                        i,
                        "labeled",
                        at,
                        self.people[int(ts.requester[i])],
                        ids,
                        label=self._label(i),
                    )
                )
            if agent >= 0 and agent != previous:
                if previous >= 0:
                    out.append(
                        self._event(
                            i,
                            "unassigned",
                            at,
                            self.agents[agent],
                            ids,
                            assignee=self.agents[previous],
                        )
                    )
                out.append(
                    self._event(
                        i, "assigned", at, self.agents[agent], ids, assignee=self.agents[agent]
                    )
                )
            previous = agent if agent >= 0 else previous
            actor = self.agents[agent] if agent >= 0 else self.people[int(ts.requester[i])]
            if s in RESOLVED or s == SLOT["cancelled"]:
                reason = "completed" if s in RESOLVED else "not_planned"
                out.append(self._event(i, "closed", at, actor, ids, state_reason=reason))
            elif s in REOPENED:
                out.append(self._event(i, "reopened", at, self.people[int(ts.requester[i])], ids))
        return out

    def _event(
        self, i: int, name: str, at: int, actor: dict[str, Any], ids: Iterator[int], **extra: Any
    ) -> dict[str, Any]:
        event_id = next(ids)
        n = int(self.ts.number[i])
        return {
            "id": event_id,
            "node_id": f"IE_{event_id}",
            "url": f"{API}/issues/events/{event_id}",
            "actor": actor,
            "event": name,
            "commit_id": None,
            "created_at": iso(at),
            **extra,
            "issue": {"number": n, "url": f"{API}/issues/{n}", "repository_url": API},
        }

    def pulls(
        self, count: int, ids: Iterator[int]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """``count`` pull requests (numbered after the issues) and a ``closed`` event each."""
        ts, first = self.ts, int(self.ts.number.max()) + 1 if len(self.ts) else 1
        rng = np.random.default_rng([ts.options.seed, 17])
        pulls, events = [], []
        for k in range(count):
            n, agent = first + k, self.agents[int(rng.integers(len(self.agents)))]
            at = (
                ts.options.start_ns
                + int(rng.integers(ts.options.days * pf.DAY_NS // 10**9)) * 10**9
            )
            pulls.append(
                {
                    "url": f"{API}/issues/{n}",
                    "repository_url": API,
                    "number": n,
                    "node_id": f"PR_kwDO{n:08d}",
                    "title": f"Fix for #{k + 1}",
                    "user": agent,
                    "labels": [],
                    "state": "closed",
                    "state_reason": None,
                    "created_at": iso(at),
                    "updated_at": iso(at + 3600 * 10**9),
                    "closed_at": iso(at + 3600 * 10**9),
                    "pull_request": {
                        "url": f"{API}/pulls/{n}",
                        "merged_at": iso(at + 3600 * 10**9),
                    },
                }
            )
            event = self._pull_event(n, at + 3600 * 10**9, agent, ids)
            events.append(event)
        return pulls, events

    def _pull_event(
        self, n: int, at: int, actor: dict[str, Any], ids: Iterator[int]
    ) -> dict[str, Any]:
        event_id = next(ids)
        return {
            "id": event_id,
            "url": f"{API}/issues/events/{event_id}",
            "actor": actor,
            "event": "closed",
            "created_at": iso(at),
            "issue": {
                "number": n,
                "repository_url": API,
                "pull_request": {"url": f"{API}/pulls/{n}"},
            },
        }


def _counter(start: int) -> Iterator[int]:
    n = start
    while True:
        n += 1
        yield n


def write_array(path: Path, records: list[dict[str, Any]]) -> None:
    """A JSON array as the REST API pages it, one record per line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in records]
    path.write_text("[\n" + ",\n".join(lines) + "\n]\n", encoding="utf-8")


def write_lines(path: Path, records: list[dict[str, Any]]) -> None:
    """JSON lines, one record each."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in records),
        encoding="utf-8",
    )


def write(ts: TicketSet, out: Path, layout: base.Layout) -> list[base.WrittenFile]:
    """``issues.jsonl`` (issues and some pull requests), ``issue_events.jsonl`` (the
    repository's issue events) and ``issue_comments.jsonl`` (its issue comments), JSON lines; with ``--json-array`` ``.json`` arrays, as the
    REST API returns a page."""
    repo = Repo(ts)
    kept = [int(i) for i in np.flatnonzero(ts.kept)]
    ids = _counter(40_000_000)
    events = [e for i in kept for e in repo.events(i, ids)]
    pulls, pull_events = repo.pulls(round(PULL_SHARE * len(kept)), ids)
    issues = sorted([repo.issue(i) for i in kept] + pulls, key=lambda r: r["number"])
    events = sorted(events + pull_events, key=lambda e: (e["created_at"], e["id"]))
    suffix, kind = ("jsonl", "jsonl") if layout.json_lines else ("json", "json")
    put = write_lines if layout.json_lines else write_array
    put(out / f"issues.{suffix}", issues)
    put(out / f"issue_events.{suffix}", events)
    comments, planted = repo.comments(kept)
    comments.sort(key=lambda c: (c["created_at"], c["id"]))
    put(out / f"issue_comments.{suffix}", comments)
    roles = base.Roles(ids=("number",), times=ISSUE_TIMES, later=ISSUE_TIMES[1:], date_format=ISO_Z)
    return [
        base.WrittenFile(out / f"issues.{suffix}", len(issues), kind, roles),
        base.WrittenFile(out / f"issue_events.{suffix}", len(events), kind),
        base.WrittenFile(out / f"issue_comments.{suffix}", len(comments), kind, personal=planted),
    ]
