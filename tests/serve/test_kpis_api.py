"""The API's KPIs are the CLI's: same catalog, same SQL, same values for the same arguments."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.serve.conftest import RESTRICTED_TO, Served
from ticketlake.cli.main import app

CASES = [
    ("volume", {"by": ["source"]}),
    ("volume", {"by": ["week", "priority"], "from": "2024-01-08", "to": "2024-02-10"}),
    ("backlog", {"by": ["day"], "where": ["source=helpdesk"]}),
    ("resolution_time", {"by": ["source", "group"]}),
    ("response_time", {}),
    ("sla_attainment", {"by": ["policy", "metric"], "where": ["source=events"]}),
    ("priority_summary", {"by": ["label"]}),  # with a note on labels
    ("daily_ops", {"from": "2024-01-15", "to": "2024-01-20"}),  # a fixed grain
    ("flow", {"by": ["source"]}),
]


def _cli(served: Served, name: str, args: dict[str, Any]) -> Any:
    options = [f"--{k}={v}" for k, values in args.items()
               for v in (values if isinstance(values, list) else [values])]  # fmt: skip
    done = CliRunner().invoke(app, ["--project", str(served.project.root), "kpis", name,
                                    *options, "--format", "json"])  # fmt: skip
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)


def _api(served: Served, name: str, args: dict[str, Any], key: str = "viewer") -> dict[str, Any]:
    """Every page of the KPI, the rows joined, the notes of the first."""
    rows: list[dict[str, Any]] = []
    offset: int | None = 0
    while offset is not None:
        answer = served.get(f"/api/kpis/{name}", key, **args, limit=7, offset=offset)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        rows += body["rows"]
        offset = body["next"]
    return {"notes": body["notes"], "rows": rows}


@pytest.mark.parametrize(
    ("name", "args"), CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)]
)
def test_the_api_answers_what_the_cli_prints(
    served: Served, name: str, args: dict[str, Any]
) -> None:
    """`ticketlake kpis NAME ... --format json` and GET /api/kpis/NAME agree, page by page."""
    printed = _cli(served, name, args)
    answered = _api(served, name, args)
    if isinstance(printed, dict):  # the CLI prints an object when there are notes
        assert answered == printed
    else:
        assert answered == {"notes": [], "rows": printed}
    assert answered["rows"], "a case with no rows proves little"


def test_a_restricted_key_gets_what_the_cli_prints_for_its_source(served: Served) -> None:
    """Without a source filter, a key kept to one source gets the CLI's --where source=."""
    printed = _cli(served, "volume", {"by": ["week"], "where": [f"source={RESTRICTED_TO}"]})
    assert _api(served, "volume", {"by": ["week"]}, "restricted")["rows"] == printed


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/api/kpis/nope", "no KPI named 'nope'"),
        ("/api/kpis/volume?by=planet", "cannot be broken down by 'planet'"),
        ("/api/kpis/volume?from=2024-13-01", "from expects a date as YYYY-MM-DD"),
        ("/api/kpis/volume?where=planet=mars", "cannot be filtered on 'planet'"),
        ("/api/kpis/volume?where=nothing", "where expects NAME=VALUE"),
        ("/api/kpis/volume?limit=0", "limit:"),
    ],
)
def test_bad_arguments_are_one_line(served: Served, path: str, message: str) -> None:
    """A bad KPI, dimension, date or filter is 400 (a malformed limit 422), in one line."""
    answer = served.get(path)
    assert answer.status_code in (400, 422)
    assert list(answer.json()) == ["error"]
    assert message in answer.json()["error"]
