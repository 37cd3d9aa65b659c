"""A push: the slice's rows written as a new generation, then made current in one step.

The rows go out in non-transactional pipelines of ``batch_tickets`` tickets (one round trip
each): the values with ``ttl_seconds``, and the sorted sets with the same time to live after
every ZADD, so keys of a push killed half-way expire on their own. Then the meta key, and only
then :data:`SWAP` points ``{prefix}:current`` at the new generation and gives the replaced
one ``grace_seconds`` to live. Readers read the pointer once, so they see one whole
generation or the one before it, never a mix (docs/online.md).
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from ticketlake.config.model import Online
from ticketlake.errors import UsageError
from ticketlake.online import values
from ticketlake.online.connect import Client, failures
from ticketlake.online.keys import Generation, Layout
from ticketlake.online.slice import KEYED

# One atomic step: point at the new generation (whose meta must exist, so the pointer is
# never at a partial one) and let the old generation's keys expire after the grace period.
# A push that took its generation before the current one's (two pushes overlapping) loses:
# the pointer never goes back to an older generation.
# KEYS: pointer, new meta. ARGV: new generation, ttl, grace, the prefix's generation base.
SWAP = """
if redis.call('EXISTS', KEYS[2]) == 0 then
  return redis.error_reply('ERR generation ' .. ARGV[1] .. ' has no meta key')
end
local old = redis.call('GET', KEYS[1])
if old and tonumber(old) > tonumber(ARGV[1]) then
  redis.call('EXPIRE', KEYS[2], ARGV[3])
  return redis.error_reply('ERR a newer push (generation ' .. old .. ') is current; generation '
    .. ARGV[1] .. ' was not swapped in')
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
if (not old) or old == ARGV[1] then return 0 end
local base = ARGV[4] .. old .. ':'
local meta = redis.call('GET', base .. 'meta')
if not meta then return 0 end
local m = cjson.decode(meta)
local n = 0
for source, _ in pairs(m.sources) do
  for _, id in ipairs(redis.call('ZRANGE', base .. 'recent:' .. source, 0, -1)) do
    redis.call('EXPIRE', base .. 'ticket:' .. source .. ':' .. id, ARGV[3])
    n = n + 1
  end
end
for _, key in ipairs(m.indexes) do redis.call('EXPIRE', key, ARGV[3]) end
redis.call('EXPIRE', base .. 'meta', ARGV[3])
return n
"""


@dataclass
class Pushed:
    """What a push wrote: its generation, tickets per source, round trips and seconds."""

    generation: int
    tickets: dict[str, int]
    round_trips: int
    seconds: float
    encoding: str
    build_id: str | None = None
    expired_old: int = 0
    swap_seconds: float = 0.0


@dataclass
class _Indexes:
    """The sorted sets of one generation, filled batch by batch: key -> {member: score}."""

    members: dict[str, dict[str, float]] = field(default_factory=lambda: defaultdict(dict))
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    names: set[str] = field(default_factory=set)


def push(
    client: Client,
    rows: pa.Table | Iterable[pa.RecordBatch],
    online: Online,
    build_id: str | None = None,
) -> Pushed:
    """Write ``rows`` (columns of :data:`ticketlake.online.slice.COLUMNS`, or at least
    :data:`~ticketlake.online.slice.KEYED`) as a new generation and make it current."""
    started, sent = time.perf_counter(), client.round_trips
    layout = Layout(online.prefix)
    with failures(client):
        encoding = values.ENCODINGS["rejson" if values.has_rejson(client.redis) else "string"]
        generation = int(client.redis.incr(layout.counter))
        keys = layout.of(generation)
        indexes = _Indexes()
        for batch in _batches(rows, online.batch_tickets):
            _write_batch(client, batch, keys, generation, encoding, indexes, online.ttl_seconds)
        meta = _meta(generation, build_id, encoding.name, indexes)
        client.redis.set(keys.meta, json.dumps(meta), ex=online.ttl_seconds)
        expired, swapped = _swap(client, layout, keys, generation, online)
    return Pushed(
        generation=generation,
        tickets=dict(indexes.counts),
        round_trips=client.round_trips - sent,
        seconds=time.perf_counter() - started,
        encoding=encoding.name,
        build_id=build_id,
        expired_old=expired,
        swap_seconds=swapped,
    )


def _swap(
    client: Client, layout: Layout, keys: Generation, generation: int, online: Online
) -> tuple[int, float]:
    """Run :data:`SWAP`: the old generation's tickets it expired, and its seconds."""
    started = time.perf_counter()
    expired = client.redis.register_script(SWAP)(
        keys=[layout.current, keys.meta],
        args=[generation, online.ttl_seconds, online.grace_seconds, f"{online.prefix}:g:"],
    )
    return int(expired), time.perf_counter() - started


def _batches(rows: pa.Table | Iterable[pa.RecordBatch], size: int) -> Iterable[pa.RecordBatch]:
    if isinstance(rows, pa.Table):
        missing = [c for c in KEYED if c not in rows.column_names]
        if missing:
            raise UsageError(f"slice rows lack the column(s) {', '.join(missing)}")
        yield from rows.to_batches(max_chunksize=size)
        return
    for batch in rows:
        yield from pa.Table.from_batches([batch]).to_batches(max_chunksize=size)


def _write_batch(
    client: Client,
    batch: pa.RecordBatch,
    keys: Generation,
    generation: int,
    encoding: Any,
    indexes: _Indexes,
    ttl: int,
) -> None:
    """One round trip: the batch's values, then its members of every index (with the ttl)."""
    pipe = client.redis.pipeline(transaction=False)
    touched: dict[str, dict[str, float]] = defaultdict(dict)
    for row in batch.to_pylist():
        source, ticket_id = str(row["source"]), str(row["ticket_id"])
        value = {"generation": generation, **row}
        encoding.write(pipe, keys.ticket(source, ticket_id), values.dumps(value), ttl)
        score = _epoch(row["last_event_at"])
        for key in _index_keys(keys, source, row):
            touched[key][ticket_id] = score
        indexes.counts[source] += 1
    for key, members in touched.items():
        pipe.zadd(key, members)
        pipe.expire(key, ttl)
        indexes.names.add(key)
    pipe.execute()


def _index_keys(keys: Generation, source: str, row: dict[str, Any]) -> list[str]:
    """The sorted sets a ticket is a member of: recent, its group (if any), its priority."""
    found = [keys.recent(source)]
    if row.get("group_name") is not None:
        found.append(keys.group(source, str(row["group_name"])))
    if row.get("priority") is not None:
        found.append(keys.priority(source, str(row["priority"])))
    return found


def _epoch(moment: datetime | None) -> float:
    """A sorted set's score: the last update in epoch seconds (naive instants are UTC)."""
    if moment is None:
        return 0.0
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.timestamp()


def _meta(
    generation: int, build_id: str | None, encoding: str, indexes: _Indexes
) -> dict[str, Any]:
    """The meta key's value: what a reader needs to check it has the whole generation."""
    return {
        "generation": generation,
        "build_id": build_id,
        "pushed_at": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "encoding": encoding,
        "sources": {source: {"tickets": n} for source, n in sorted(indexes.counts.items())},
        "indexes": sorted(indexes.names),
    }
