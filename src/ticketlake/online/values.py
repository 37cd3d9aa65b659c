"""How a ticket's JSON value is stored: a RedisJSON document where the server has the module,
otherwise a plain string. One class per encoding, both with the same shape, chosen by name
from :data:`ENCODINGS`; the meta key says which one a generation used."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any


class Strings:
    """``SET key json EX ttl``; read with ``MGET``."""

    name = "string"

    @staticmethod
    def write(pipe: Any, key: str, text: str, ttl: int) -> None:
        """Queue the write of one value with its time to live."""
        pipe.set(key, text, ex=ttl)

    @staticmethod
    def read(pipe: Any, keys: list[str]) -> None:
        """Queue the read of ``keys`` (one command)."""
        pipe.mget(keys)

    @staticmethod
    def decode(reply: list[Any]) -> list[dict[str, Any] | None]:
        """The values of a :meth:`read`'s reply; None where a key is gone."""
        return [None if v is None else json.loads(v) for v in reply]


class Documents:
    """``JSON.SET key $ json`` and ``EXPIRE``; read with ``JSON.MGET``, each value a path."""

    name = "rejson"

    @staticmethod
    def write(pipe: Any, key: str, text: str, ttl: int) -> None:
        """Queue the write of one document with its time to live."""
        pipe.execute_command("JSON.SET", key, "$", text)
        pipe.expire(key, ttl)

    @staticmethod
    def read(pipe: Any, keys: list[str]) -> None:
        """Queue the read of ``keys`` (one command)."""
        pipe.execute_command("JSON.MGET", *keys, "$")

    @staticmethod
    def decode(reply: list[Any]) -> list[dict[str, Any] | None]:
        """The documents of a :meth:`read`'s reply (each ``$`` reply is a one-element array)."""
        return [None if v is None else json.loads(v)[0] for v in reply]


ENCODINGS: dict[str, type[Strings] | type[Documents]] = {
    Strings.name: Strings,
    Documents.name: Documents,
}


def has_rejson(redis: Any) -> bool:
    """Whether the server has the RedisJSON module (``MODULE LIST`` names ReJSON); a server
    that refuses ``MODULE LIST`` (managed services often do) is taken to lack it."""
    try:
        modules = redis.execute_command("MODULE", "LIST")
    except Exception:
        return False
    return any(_name(m).lower() in ("rejson", "rejson-rl") for m in modules or ())


def _name(module: Any) -> str:
    if isinstance(module, dict):
        value = module.get(b"name", module.get("name", ""))
    else:  # RESP2: a flat list [b"name", b"ReJSON", b"ver", ...]
        pairs = dict(zip(module[::2], module[1::2], strict=False))
        value = pairs.get(b"name", pairs.get("name", ""))
    return value.decode() if isinstance(value, bytes) else str(value)


def dumps(value: dict[str, Any]) -> str:
    """A slice row as compact JSON; instants as ISO 8601 in UTC with a ``Z``."""
    return json.dumps(value, default=_instant, separators=(",", ":"), ensure_ascii=False)


def _instant(value: Any) -> str | float:
    if isinstance(value, datetime):
        moment = value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)
        return moment.isoformat() + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON")
