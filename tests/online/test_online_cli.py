"""``ticketlake online push|get|top`` against the session's redis-server, and their errors:
one line each, a non-zero exit, never a traceback or a password."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ticketlake.cli.main import app


def cli(root: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(app, ["-p", str(root), *args], env={"COLUMNS": "200", **(env or {})})


def one_line_error(result: Any, code: int) -> str:
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    return str(lines[0])


def test_push_get_and_top(built: Path, redis_url: str, redis: Any) -> None:
    url = f"online.url={redis_url}"
    pushed = cli(built, "--set", url, "online", "push", "-f", "json")
    assert pushed.exit_code == 0, pushed.output
    per_source = {r["source"]: r["tickets"] for r in json.loads(pushed.stdout)}
    assert per_source and all(n > 0 for n in per_source.values())
    top = cli(built, "--set", url, "online", "top", "--limit", "5", "-f", "json")
    newest = json.loads(top.stdout)
    assert top.exit_code == 0 and len(newest) == 5
    first = newest[0]
    got = cli(built, "--set", url, "online", "get", first["ticket_id"], "--source", first["source"])
    assert got.exit_code == 0 and json.loads(got.stdout) == [first]
    group = cli(
        built,
        "--set",
        url,
        "online",
        "top",
        "--group",
        first["group_name"],
        "--source",
        first["source"],
        "--priority",
        first["priority"],
        "-f",
        "csv",
    )
    assert group.exit_code == 0
    assert first["ticket_id"] in group.stdout.splitlines()[1]
    table = cli(built, "--set", url, "online", "top", "-n", "3")
    assert table.exit_code == 0 and "online slice: 3 most recently updated" in table.stdout
    missing = cli(built, "--set", url, "online", "get", "NO-SUCH-TICKET")
    assert "NO-SUCH-TICKET is not in the online slice" in one_line_error(missing, 1)


def test_no_slice_yet(built: Path, redis_url: str, redis: Any) -> None:
    found = cli(built, "--set", f"online.url={redis_url}", "online", "top")
    assert "no online slice with prefix ticketlake" in one_line_error(found, 2)


def test_no_redis_configured(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    message = one_line_error(cli(built, "online", "push"), 2)
    assert message == (
        "error: no Redis for the online slice: set online.url in ticketlake.yml or REDIS_URL"
    )


def test_unreachable_redis_names_the_url_without_its_password(built: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    env = {"REDIS_URL": f"redis://bob:s3cret@127.0.0.1:{port}/0"}
    message = one_line_error(cli(built, "online", "push", env=env), 69)
    assert f"cannot reach Redis at redis://bob:***@127.0.0.1:{port}/0" in message
    assert "s3cret" not in message


def test_a_password_in_the_config_file_is_refused(built: Path) -> None:
    message = one_line_error(
        cli(built, "--set", "online.url=redis://u:pw@h:1/0", "online", "top"), 2
    )
    assert "online.url" in message and "TICKETLAKE_REDIS_PASSWORD" in message


def test_credentials_from_the_environment(built: Path, redis_url: str, redis: Any) -> None:
    redis.config_set("requirepass", "pw-online")
    try:
        url = f"online.url={redis_url}"
        right = {"TICKETLAKE_REDIS_PASSWORD": "pw-online"}
        assert cli(built, "--set", url, "online", "push", env=right).exit_code == 0
        wrong = {"TICKETLAKE_REDIS_PASSWORD": "not-it"}
        message = one_line_error(cli(built, "--set", url, "online", "top", env=wrong), 69)
        assert "refused the credentials" in message and "not-it" not in message
    finally:
        redis.config_set("requirepass", "")
