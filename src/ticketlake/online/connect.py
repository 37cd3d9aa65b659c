"""The Redis connection of the online slice: where from, with which credentials, and how many
round trips it made.

The URL comes from ``online.url`` or ``REDIS_URL``; a user name and password from
``TICKETLAKE_REDIS_USERNAME`` and ``TICKETLAKE_REDIS_PASSWORD`` (or inside ``REDIS_URL``),
never from ``ticketlake.yml``. Every message names the URL without its password.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ticketlake.common import extras
from ticketlake.config.model import Online
from ticketlake.errors import ServiceError, ServiceUnreachableError, UsageError

URL_ENV = "REDIS_URL"
USERNAME_ENV = "TICKETLAKE_REDIS_USERNAME"
PASSWORD_ENV = "TICKETLAKE_REDIS_PASSWORD"


def redis_module() -> Any:
    """redis-py, or one line naming the extra that installs it."""
    return extras.load("redis", "online", "the online slice")


@dataclass
class Client:
    """A Redis client and the number of times it sent commands to the server: one per
    command, one per pipeline however many commands it holds (each a round trip)."""

    redis: Any
    shown: str
    counter: list[int]

    @property
    def round_trips(self) -> int:
        """Round trips made since the client was opened."""
        return self.counter[0]

    def close(self) -> None:
        """Close the connections of the client's pool."""
        self.redis.close()


def url_of(online: Online, env: Mapping[str, str] = os.environ) -> str:
    """The Redis URL in use: ``online.url``, else ``REDIS_URL``; one line when neither."""
    url = online.url or env.get(URL_ENV)
    if not url:
        raise UsageError(
            f"no Redis for the online slice: set online.url in ticketlake.yml or {URL_ENV}"
        )
    return url


def shown(url: str) -> str:
    """``url`` with its password replaced by ``***``, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def connect(online: Online, env: Mapping[str, str] = os.environ) -> Client:
    """A client for the slice's server, checked with a PING (so a wrong address or password
    is one line now, not a traceback later)."""
    redis = redis_module()
    url = url_of(online, env)
    credentials = {
        k: env[v] for k, v in (("username", USERNAME_ENV), ("password", PASSWORD_ENV)) if env.get(v)
    }
    try:
        pool = redis.ConnectionPool.from_url(url, socket_timeout=30, **credentials)
    except ValueError as exc:
        raise UsageError(f"Redis URL {shown(url)}: {exc}") from None
    counter = [0]
    pool.connection_class = _counting(pool.connection_class, counter)
    client = Client(redis.Redis(connection_pool=pool), shown(url), counter)
    with failures(client):
        client.redis.ping()
    return client


def _counting(base: type, counter: list[int]) -> type:
    """A subclass of the connection class ``base`` that counts what it sends: redis-py sends
    a command, or a whole pipeline, with one ``send_packed_command``."""

    def send_packed_command(self: Any, command: Any, check_health: bool = True) -> None:
        counter[0] += 1
        base.send_packed_command(self, command, check_health)  # type: ignore[attr-defined]

    return type(f"Counting{base.__name__}", (base,), {"send_packed_command": send_packed_command})


@contextmanager
def failures(client: Client) -> Iterator[None]:
    """Redis's errors as one line naming the server (without its password)."""
    errors = redis_module().exceptions
    try:
        yield
    except errors.AuthenticationError as exc:
        raise ServiceError(f"Redis at {client.shown} refused the credentials: {exc}") from None
    except (errors.ConnectionError, errors.TimeoutError) as exc:
        message = f"cannot reach Redis at {client.shown}: {_reason(exc)}"
        raise ServiceUnreachableError(message) from None  # the daily job tries it again
    except errors.RedisError as exc:
        raise ServiceError(f"Redis at {client.shown}: {_reason(exc)}") from None


def _reason(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
