"""Reading the slice: the pointer once, then only that generation's keys.

A generation a push has just replaced stays readable for ``grace_seconds``; a reader that
finds one of its keys gone took the pointer longer ago than that, and starts again from the
pointer (:data:`ATTEMPTS` times).
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from ticketlake.config.model import Online
from ticketlake.errors import ServiceError, UsageError
from ticketlake.online.connect import Client, failures
from ticketlake.online.keys import Generation, Layout
from ticketlake.online.values import ENCODINGS

ATTEMPTS = 5
T = TypeVar("T")


class _GoneError(Exception):
    """A key of the generation being read expired under the reader."""


@dataclass(frozen=True)
class Current:
    """The generation the pointer named when it was read, and its meta."""

    generation: int
    keys: Generation
    meta: dict[str, Any]

    @property
    def encoding(self) -> Any:
        """How this generation stores its values."""
        return ENCODINGS[self.meta["encoding"]]


def current(client: Client, online: Online) -> Current:
    """The generation readers read now; one line when there is no slice."""
    layout = Layout(online.prefix)
    pointer = client.redis.get(layout.current)
    if pointer is None:
        raise UsageError(
            f"no online slice with prefix {online.prefix} in Redis at "
            f"{client.shown}; run `ticketlake online push`"
        )
    keys = layout.of(int(pointer))
    meta = client.redis.get(keys.meta)
    if meta is None:
        raise _GoneError
    return Current(int(pointer), keys, json.loads(meta))


def retrying(client: Client, online: Online, read: Callable[[Current], T]) -> T:
    """``read`` of the current generation, from the pointer again if a key of it is gone."""
    with failures(client):
        for _ in range(ATTEMPTS):
            try:
                return read(current(client, online))
            except _GoneError:
                continue
    raise ServiceError(
        f"the online slice at {client.shown} changed under {ATTEMPTS} reads in a row; try again"
    )


def get(
    client: Client, online: Online, ticket_id: str, source: str | None = None
) -> list[dict[str, Any]]:
    """The ticket ``ticket_id`` of ``source`` (of every source that has one by default)."""

    def read(now: Current) -> list[dict[str, Any]]:
        sources = [source] if source is not None else list(now.meta["sources"])
        found = _values(client, now, [now.keys.ticket(s, ticket_id) for s in sources], False)
        return [v for v in found if v is not None]

    return retrying(client, online, read)


def top(
    client: Client,
    online: Online,
    group: str | None = None,
    priority: str | None = None,
    source: str | None = None,
    limit: int = 20,
) -> list[dict[str, Any]]:
    """The ``limit`` most recently updated tickets of the slice, of ``group`` and
    ``priority`` when given, across sources unless ``source``."""

    def read(now: Current) -> list[dict[str, Any]]:
        sources = [source] if source is not None else list(now.meta["sources"])
        ranked = _ranked(client, now, sources, group, priority, limit)
        keys = [now.keys.ticket(s, member) for _score, member, s in ranked]
        return [v for v in _values(client, now, keys, True) if v is not None]

    return retrying(client, online, read)


def whole(client: Client, online: Online) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """The current generation's meta and, per source, every value in the order of its
    ``recent`` index (newest first): what the tests compare with the warehouse."""

    def read(now: Current) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
        found: dict[str, list[dict[str, Any]]] = {}
        for s in now.meta["sources"]:
            ids = client.redis.zrange(now.keys.recent(s), 0, -1, desc=True)
            keys = [now.keys.ticket(s, i.decode()) for i in ids]
            found[s] = [v for v in _values(client, now, keys, True) if v is not None]
        return now.meta, found

    return retrying(client, online, read)


def _ranked(
    client: Client,
    now: Current,
    sources: list[str],
    group: str | None,
    priority: str | None,
    limit: int,
) -> list[tuple[float, str, str]]:
    """(score, ticket id, source) of the newest ``limit`` members, newest first, ties to the
    greater id as within one sorted set; one round trip for every source's index."""
    pipe = client.redis.pipeline(transaction=False)
    for s in sources:
        wanted = [
            k
            for k, v in (
                (now.keys.group(s, group or ""), group),
                (now.keys.priority(s, priority or ""), priority),
            )
            if v is not None
        ]
        if len(wanted) == 2:
            pipe.zinter(wanted, aggregate="MAX", withscores=True)
        else:
            pipe.zrange(
                (wanted or [now.keys.recent(s)])[0], 0, limit - 1, desc=True, withscores=True
            )
    merged = [
        (score, member.decode(), s)
        for s, reply in zip(sources, pipe.execute(), strict=True)
        for member, score in reply
    ]
    return heapq.nlargest(limit, merged, key=lambda r: (r[0], r[1]))


def _values(
    client: Client, now: Current, keys: list[str], whole_generation: bool
) -> list[dict[str, Any] | None]:
    """The values of ``keys`` in one round trip; a key an index names must exist (else the
    generation is expiring: :class:`_GoneError`), and every value must be of this generation."""
    if not keys:
        return []
    pipe = client.redis.pipeline(transaction=False)
    now.encoding.read(pipe, keys)
    pipe.exists(now.keys.meta)
    reply, meta_left = pipe.execute()
    found: list[dict[str, Any] | None] = now.encoding.decode(reply)
    if not meta_left or (whole_generation and any(v is None for v in found)):
        raise _GoneError
    mixed = [v for v in found if v is not None and v.get("generation") != now.generation]
    if mixed:
        raise ServiceError(
            f"the online slice mixes generations {now.generation} and {mixed[0].get('generation')}"
        )
    return found
