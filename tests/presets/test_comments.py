"""Comments of the Zendesk, Jira and GitHub presets: each export's comments land in
``ticket_events.comment`` as received and in the warehouse's ``ticket_comments`` masked, with
their time, author and whether the requester wrote them."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.presets.desk import rows
from ticketlake import Project
from ticketlake.sources import jira
from ticketlake.synth import Options, write_shape

SECRET = "Call me on +44 20 7946 0123 or write to anna.berg@example.com"
MASKED = "Call me on [phone] or write to [email]"
REPLY = "Thanks, we are looking into it: see https://status.example.com/incidents/7."

ZENDESK = {
    "tickets": [
        {
            "id": 7,
            "subject": "VPN drops",
            "status": "open",
            "requester_id": 500,
            "submitter_id": 500,
            "via": {"channel": "web"},
            "created_at": "2024-03-04T09:00:00Z",
            "updated_at": "2024-03-04T11:00:00Z",
        }
    ],
    "audits": [
        {
            "id": 1,
            "ticket_id": 7,
            "created_at": "2024-03-04T09:00:00Z",
            "author_id": 500,
            "events": [
                {"id": 11, "type": "Create", "field_name": "status", "value": "new"},
                {"id": 12, "type": "Comment", "author_id": 500, "body": SECRET, "public": True},
            ],
        },
        {
            "id": 2,
            "ticket_id": 7,
            "created_at": "2024-03-04T10:00:00Z",
            "author_id": 900,
            "events": [
                {
                    "id": 21,
                    "type": "Change",
                    "field_name": "status",
                    "value": "open",
                    "previous_value": "new",
                },
                {"id": 22, "type": "Comment", "author_id": 900, "body": REPLY, "public": True},
            ],
        },
        {
            "id": 3,
            "ticket_id": 7,
            "created_at": "2024-03-04T11:00:00Z",
            "author_id": 900,
            "events": [
                {
                    "id": 31,
                    "type": "Change",
                    "field_name": "assignee_id",
                    "value": 900,
                    "previous_value": None,
                }
            ],
        },
    ],
}


def _jira_comment(cid: str, who: str, at: str, body: object) -> dict[str, Any]:
    return {"id": cid, "author": {"displayName": who}, "body": body, "created": at}


JIRA = {
    "issues": [
        {
            "id": "10007",
            "key": "SD-7",
            "fields": {
                "summary": "VPN drops",
                "status": {"name": "In Progress", "statusCategory": {"key": "indeterminate"}},
                "reporter": {"displayName": "Anna Berg"},
                "creator": {"displayName": "Anna Berg"},
                "created": "2024-03-04T09:00:00.000+0000",
                "updated": "2024-03-04T11:00:00.000+0000",
                "comment": {
                    "comments": [
                        # API 3's document body, listed after a later comment: read in time order.
                        _jira_comment(
                            "2",
                            "Zoe Patel",
                            "2024-03-04T10:30:00.000+0000",
                            {
                                "type": "doc",
                                "version": 1,
                                "content": [
                                    {
                                        "type": "paragraph",
                                        "content": [
                                            {
                                                "type": "text",
                                                "text": "Thanks, we are looking into it: see ",
                                            },
                                            {
                                                "type": "text",
                                                "text": "https://status.example.com/incidents/7.",
                                            },
                                        ],
                                    }
                                ],
                            },
                        ),
                        _jira_comment("1", "Anna Berg", "2024-03-04T09:05:00.000+0000", SECRET),
                    ],
                    "total": 2,
                },
            },
            "changelog": {
                "histories": [
                    {
                        "id": "100",
                        "author": {"displayName": "Zoe Patel"},
                        "created": "2024-03-04T10:00:00.000+0000",
                        "items": [
                            {
                                "field": "status",
                                "fieldId": "status",
                                "fromString": "To Do",
                                "toString": "In Progress",
                            }
                        ],
                    }
                ]
            },
        },
    ]
}

GITHUB_ISSUES = [
    {
        "url": "https://api.github.com/repos/acme/desk/issues/7",
        "repository_url": "https://api.github.com/repos/acme/desk",
        "number": 7,
        "node_id": "I_7",
        "title": "VPN drops",
        "user": {"login": "anna"},
        "state": "open",
        "labels": [],
        "created_at": "2024-03-04T09:00:00Z",
        "updated_at": "2024-03-04T11:00:00Z",
    },
]
GITHUB_COMMENTS = [
    {
        "url": "https://api.github.com/repos/acme/desk/issues/comments/1",
        "id": 1,
        "html_url": "https://github.com/acme/desk/issues/7#issuecomment-1",
        "issue_url": "https://api.github.com/repos/acme/desk/issues/7",
        "user": {"login": "anna"},
        "created_at": "2024-03-04T09:05:00Z",
        "body": SECRET,
    },
    {
        "url": "https://api.github.com/repos/acme/desk/issues/comments/2",
        "id": 2,
        "html_url": "https://github.com/acme/desk/issues/7#issuecomment-2",
        "issue_url": "https://api.github.com/repos/acme/desk/issues/7",
        "user": {"login": "zoe"},
        "created_at": "2024-03-04T10:30:00Z",
        "body": REPLY,
    },
    {
        "url": "https://api.github.com/repos/acme/desk/issues/comments/3",
        "id": 3,
        "html_url": "https://github.com/acme/desk/pull/8#issuecomment-3",
        "issue_url": "https://api.github.com/repos/acme/desk/issues/8",
        "user": {"login": "zoe"},
        "created_at": "2024-03-04T10:40:00Z",
        "body": "LGTM",
    },
]

# format -> (files, ticket id, requester's and agent's names, reply time)
CASES: dict[str, tuple[dict[str, Any], str, str, str, str]] = {
    "zendesk": ({"export.json": ZENDESK}, "7", "500", "900", "2024-03-04 10:00:00"),
    "jira": ({"search.json": JIRA}, "SD-7", "Anna Berg", "Zoe Patel", "2024-03-04 10:30:00"),
    "github": (
        {"issues.json": GITHUB_ISSUES, "issue_comments.json": GITHUB_COMMENTS},
        "acme/desk#7",
        "anna",
        "zoe",
        "2024-03-04 10:30:00",
    ),
}


@pytest.fixture(scope="module", params=sorted(CASES))
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    fmt = request.param
    files, *expected = CASES[fmt]
    root = tmp_path_factory.mktemp(fmt)
    Project(root).init()
    for name, content in files.items():
        (root / "exports" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "exports" / name).write_text(json.dumps(content), encoding="utf-8")
    project = Project(root)
    outcome = project.ingest([root / "exports"])
    assert not outcome.failed, [b.reason for b in outcome.failed]
    assert {chosen for _, chosen in outcome.chosen} == {fmt}
    project = Project(root)
    project.build()
    return project, fmt, *expected


def test_the_lake_keeps_each_comment_as_received(built: Any) -> None:
    project, _, ticket, *_ = built
    with project.read() as con:
        found = con.execute(
            "SELECT comment FROM ticket_events WHERE ticket_id = ? AND comment IS NOT NULL "
            "ORDER BY event_time",
            [ticket],
        ).fetchall()
    assert [r[0] for r in found] == [SECRET, REPLY]


def test_ticket_comments_are_masked_with_time_and_author(built: Any) -> None:
    project, _, ticket, requester, agent, replied = built
    found = rows(
        project,
        "SELECT ticket_id, author, by_requester, comment, commented_at FROM ticket_comments "
        "ORDER BY commented_at",
    )
    reply = "Thanks, we are looking into it: see [url]."
    assert [r[:4] for r in found] == [
        (ticket, requester, True, MASKED),
        (ticket, agent, False, reply),
    ]
    assert str(found[1][4]).replace("T", " ") == replied


def test_a_pull_request_comment_is_left_out_and_counted(tmp_path: Path) -> None:
    Project(tmp_path).init()
    path = tmp_path / "issue_comments.json"
    path.write_text(json.dumps(GITHUB_COMMENTS), encoding="utf-8")
    outcome = Project(tmp_path).ingest([path], format="github")
    assert [b.reason for b in outcome.batches] == ["left out: 1 pull request comment"]


def test_a_jira_document_body_reads_as_plain_text() -> None:
    body = {
        "type": "doc",
        "content": [
            {
                "type": "paragraph",
                "content": [
                    {"type": "text", "text": "First line"},
                    {"type": "hardBreak"},
                    {"type": "mention", "attrs": {"text": "@Zoe"}},
                ],
            },
            {
                "type": "bulletList",
                "content": [
                    {
                        "type": "listItem",
                        "content": [
                            {"type": "paragraph", "content": [{"type": "text", "text": "a point"}]}
                        ],
                    }
                ],
            },
        ],
    }
    assert jira.comment_text(body) == "First line\n@Zoe\na point"
    assert jira.comment_text("") is None and jira.comment_text(None) is None


@pytest.mark.parametrize(("shape", "fmt"), [("jira-json", "jira"), ("github", "github")])
def test_generated_desks_have_comments(tmp_path: Path, shape: str, fmt: str) -> None:
    options = Options(tickets=120, days=10, seed=4, personal=1.0)
    made = write_shape(shape, tmp_path / "exports", options)
    in_comments = [v for f in made.files for v in f.personal]
    assert in_comments and set(in_comments) <= set((made.manifest or {})["personal"])
    Project(tmp_path).init()
    assert not Project(tmp_path).ingest([tmp_path / "exports"], format=fmt).failed
    project = Project(tmp_path)
    project.build()
    found = rows(project, "SELECT by_requester, comment, commented_at FROM ticket_comments")
    assert {r[0] for r in found} == {True, False}  # the requesters' and the agents'
    assert not [v for v in in_comments for r in found if v in r[1]]
    assert sum("[" in r[1] for r in found) >= len(in_comments)
    first = rows(project, "SELECT min(created_at) FROM tickets")[0][0]
    assert all(isinstance(r[2], datetime) and r[2] >= first for r in found)
