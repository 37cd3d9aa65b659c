"""Access control: API keys from the CLI, hashed at rest; 401, 403 and 200 as documented."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time

import httpx
from typer.testing import CliRunner

from tests.serve.conftest import Served, serving
from ticketlake.cli.main import app
from ticketlake.serve.app import create_app
from ticketlake.serve.keys import FILE, STATE


def test_health_needs_no_key_and_names_the_build(served: Served) -> None:
    """The one endpoint without a key says which build it serves."""
    answer = served.get("/api/health", key=None)
    assert answer.status_code == 200
    assert answer.json()["build"] == served.project.warehouse.current().build_id  # type: ignore[union-attr]


def test_keys_cli_adds_lists_and_revokes_and_stores_only_hashes(served: Served) -> None:
    """A key made by `keys add` opens the API, is not in the file, and `keys revoke` closes it."""
    runner = CliRunner()
    root = ["--project", str(served.project.root)]
    made = runner.invoke(app, [*root, "keys", "add", "cli-made", "--role", "admin"])
    assert made.exit_code == 0, made.output
    key = made.stdout.strip().splitlines()[-1]
    assert key.startswith("tlk_") and len(key) > 40
    assert key not in (served.project.root / STATE / FILE).read_text(encoding="utf-8")
    listed = runner.invoke(app, [*root, "keys", "list", "--format", "json"])
    assert '"cli-made"' in listed.stdout and '"admin"' in listed.stdout
    headers = {"Authorization": f"Bearer {key}"}
    assert httpx.get(f"{served.url}/api/me", headers=headers).json()["name"] == "cli-made"
    revoked = runner.invoke(app, [*root, "keys", "revoke", "cli-made"])
    assert revoked.exit_code == 0, revoked.output
    answer = httpx.get(f"{served.url}/api/me", headers=headers)
    assert answer.status_code == 401
    assert answer.json() == {"error": "unknown or revoked API key"}
    again = runner.invoke(app, [*root, "keys", "revoke", "cli-made"])
    assert again.exit_code == 2 and "no active key" in again.output


def test_login_sets_an_httponly_cookie_that_opens_the_api(served: Served) -> None:
    """The dashboard's login keeps the key in a cookie scripts cannot read; logout drops it."""
    with httpx.Client(base_url=served.url) as client:
        assert client.post("/api/login", json={"key": "tlk_wrong"}).status_code == 401
        answer = client.post("/api/login", json={"key": served.keys["restricted"]})
        assert answer.status_code == 200
        assert answer.json() == {"name": "restricted", "role": "viewer", "sources": ["helpdesk"]}
        assert "httponly" in answer.headers["set-cookie"].lower()
        assert client.get("/api/me").json()["name"] == "restricted"
        assert client.post("/api/logout").status_code == 200
        assert client.get("/api/me").status_code == 401


def test_errors_are_one_json_line(served: Served) -> None:
    """No key, a bad body and an unknown path all answer {"error": ...}."""
    assert served.get("/api/me", key=None).json()["error"].startswith("an API key is needed")
    bad = httpx.post(f"{served.url}/api/login", json={"nokey": 1})
    assert bad.status_code == 422 and list(bad.json()) == ["error"]
    missing = served.get("/api/nothing-here")
    assert missing.status_code == 404 and list(missing.json()) == ["error"]
    wrong = httpx.delete(f"{served.url}/api/health")  # a method the path does not take
    assert wrong.status_code == 405 and list(wrong.json()) == ["error"]
    assert wrong.headers["allow"] == "GET"  # the header HTTP requires of a 405 is kept


def test_serve_refuses_to_start_without_keys(tmp_path: object) -> None:
    """With no key defined, `serve` says how to add one instead of serving an open door."""
    runner = CliRunner()
    runner.invoke(app, ["init", str(tmp_path)])
    done = runner.invoke(app, ["--project", str(tmp_path), "serve"])
    assert done.exit_code == 2
    assert "ticketlake keys add NAME --role admin" in done.output


def test_ticketlake_serve_starts_on_loopback_and_prints_its_url(served: Served) -> None:
    """The command itself: uvicorn on 127.0.0.1 by default, the URL on standard output."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    server = subprocess.Popen(
        [sys.executable, "-m", "ticketlake.cli.main", "--project", str(served.project.root),
         "serve", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=5)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "ticketlake serve did not start"
                time.sleep(0.2)
        assert answer.json()["status"] == "ok"
        key = {"X-API-Key": served.keys["viewer"]}
        assert httpx.get(f"http://127.0.0.1:{port}/api/kpis", headers=key).status_code == 200
    finally:
        server.terminate()
        out, _ = server.communicate(timeout=30)
    assert f"on http://127.0.0.1:{port}/" in out


def test_an_unexpected_failure_is_one_json_line_and_logged(served: Served) -> None:
    """A bug answers 500 with one line naming no more than the exception's type."""
    app_ = create_app(served.project)

    @app_.get("/api/boom")
    def boom() -> None:
        raise RuntimeError("secret detail")

    caught = _Caught()
    logger = logging.getLogger("ticketlake.serve")  # ours does not propagate to the root
    logger.addHandler(caught)
    try:
        with serving(app_) as url:
            answer = httpx.get(f"{url}/api/boom")
    finally:
        logger.removeHandler(caught)
    assert answer.status_code == 500
    assert answer.json() == {
        "error": "internal error: RuntimeError (the server's log has the details)"
    }
    assert any(r.exc_info and "secret detail" in str(r.exc_info[1]) for r in caught.records)


class _Caught(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
