"""A real redis-server on loopback for the session, and the demo project the slice is of."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from bench.online_push import redis_server

from ticketlake import demo


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Debian's ``redis-server`` on a free loopback port, nothing persisted, stopped after the
    session. Missing, it fails the tests rather than skipping them: ``make test`` installs it."""
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
def redis(redis_url: str) -> Iterator[object]:
    """A redis-py client on an emptied server (each test starts from nothing)."""
    import redis as redis_py  # noqa: PLC0415 - the online extra, in dev

    client = redis_py.Redis.from_url(redis_url, decode_responses=True)
    client.flushall()
    yield client
    client.close()


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo project, ingested and built (200 tickets over 5 days, no charts)."""
    root = tmp_path_factory.mktemp("online") / "demo"
    demo.run(root, tickets=200, days=5, charts=False)
    return root
