"""The real server on loopback over a small built demo project, made once per session.

``served`` yields a :class:`Served`: the base URL, the project, and keys for a viewer, an
admin, and a viewer and an admin restricted to one source (``RESTRICTED_TO``). Any test of the API or the
dashboard reuses it; :func:`get` is a small client on top.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from ticketlake import Project, demo

pytest.importorskip("fastapi", reason="the API needs the serve extra")
httpx = pytest.importorskip("httpx", reason="httpx is in the dev extra")
uvicorn = pytest.importorskip("uvicorn", reason="the API needs the serve extra")

from ticketlake.serve.app import create_app  # noqa: E402 - after the extra is known present
from ticketlake.serve.keys import KeyStore  # noqa: E402

RESTRICTED_TO = "helpdesk"


@dataclass(frozen=True)
class Served:
    """A running server: where, over which project, and a key per kind of caller."""

    url: str
    project: Project
    keys: dict[str, str]  # viewer, admin, restricted (a viewer), restricted_admin

    def get(self, path: str, key: str | None = "viewer", **params: object) -> httpx.Response:
        """``GET path`` with the key of that kind (None: no key)."""
        headers = {"X-API-Key": self.keys[key]} if key else {}
        # httpx drops a query written in the path when params are given, even empty ones
        return httpx.get(self.url + path, params=params or None, headers=headers, timeout=60)


@pytest.fixture(scope="session")
def built_demo(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The demo made small (300 tickets per shape, every source), built, no report."""
    root = tmp_path_factory.mktemp("serve") / "demo"
    demo.run(root, tickets=300, charts=False)
    return Project(root)


@pytest.fixture(scope="session")
def served(built_demo: Project) -> Iterator[Served]:
    """uvicorn serving ``built_demo`` in a thread, on a port of loopback the system chose."""
    store = KeyStore.of(built_demo.root)
    keys = {"viewer": store.add("viewer", "viewer")[1], "admin": store.add("admin", "admin")[1],
            "restricted": store.add("restricted", "viewer", [RESTRICTED_TO])[1],
            "restricted_admin": store.add("restricted-admin", "admin", [RESTRICTED_TO])[1]}  # fmt: skip
    with serving(create_app(built_demo)) as url:
        yield Served(url, built_demo, keys)


class _Server(uvicorn.Server):  # type: ignore[misc,name-defined]
    def install_signal_handlers(self) -> None:
        """A server in a thread leaves the process's signals alone."""


@contextmanager
def serving(app: object) -> Iterator[str]:
    """Serve ``app`` on a free loopback port in a thread; yields its base URL (tests that
    need a server of their own call it too)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = _Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
