"""A push against a real redis-server: the slice equals the warehouse's open tickets key for
key, the indexes equal the warehouse's groups and priorities, keys carry the TTL policy, and
the round trips stay within tickets / 1000."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from bench.online_push import synthetic

from ticketlake import Project, online
from ticketlake.config.model import Online
from ticketlake.datasets import features
from ticketlake.errors import ServiceError, UsageError

# The fields compared value for value with fact_ticket, per clock with fact_sla, and the
# features with ticketlake.datasets.features at the as-of time.
STATE = (
    "status",
    "status_category",
    "priority",
    "group_name",
    "assignee",
    "title",
    "reopen_count",
    "reassignment_count",
)
INSTANTS = ("last_event_at", "created_at")
CLOCK = ("policy", "stage", "target_seconds", "elapsed_business_seconds", "percent_elapsed")


def project(root: Path, url: str, *settings: str) -> Project:
    """The demo project pointed at the test's Redis, with ``online.KEY=VALUE`` settings."""
    return Project(root, [f"online.url={url}", *(f"online.{s}" for s in settings)])


def open_tickets(p: Project, per_source: int) -> dict[str, list[dict[str, Any]]]:
    """The oracle: per source, the open tickets of the current build, newest update first
    (ties to the greater id), cut at ``per_source``; each with its SLA clocks and features."""
    with p.warehouse.reading() as snapshot:
        tickets = snapshot.con.sql("SELECT * FROM fact_ticket WHERE is_open").to_arrow_table()
        clocks = snapshot.con.sql("SELECT * FROM fact_sla").to_arrow_table()
        known = snapshot.con.sql(features.current()).to_arrow_table()
    now = {(f["source"], f["ticket_id"]): f for f in known.to_pylist()}
    sla: dict[tuple[str, str], dict[str, Any]] = {}
    for c in clocks.to_pylist():
        sla.setdefault((c["source"], c["ticket_id"]), {})[c["metric"]] = c
    found: dict[str, list[dict[str, Any]]] = {}
    for t in sorted(
        tickets.to_pylist(), key=lambda t: (t["last_event_at"], t["ticket_id"]), reverse=True
    ):
        key = (t["source"], t["ticket_id"])
        found.setdefault(t["source"], []).append(
            t | {"sla": sla.get(key, {}), "features": now.get(key)}
        )
    return {s: rows[:per_source] for s, rows in sorted(found.items())}


def instant(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


def utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.replace(tzinfo=UTC)


def assert_same_ticket(value: dict[str, Any], row: dict[str, Any]) -> None:
    assert {k: value[k] for k in STATE} == {k: row[k] for k in STATE}
    assert [instant(value[k]) for k in INSTANTS] == [utc(row[k]) for k in INSTANTS]
    if row["features"] is None:
        assert value["features"] is None
    else:
        assert instant(value["features"]["known_at"]) == utc(row["features"]["known_at"])
        names = features.FEATURES
        assert {k: value["features"][k] for k in names} == pytest.approx(
            {k: row["features"][k] for k in names}
        )
    for metric in ("response", "resolution"):
        clock, expected = value["sla"][metric], row["sla"].get(metric)
        if expected is None:
            assert clock is None
            continue
        assert {k: clock[k] for k in CLOCK} == pytest.approx({k: expected[k] for k in CLOCK})
        assert instant(clock["due_at"]) == utc(expected["due_at"])
        assert instant(clock["breach_at"]) == utc(expected["breach_at"])


@pytest.mark.parametrize("per_source", [7, 1000])
def test_slice_equals_the_warehouse_open_tickets_key_for_key(
    built: Path, redis_url: str, redis: Any, per_source: int
) -> None:
    p = project(built, redis_url, f"per_source={per_source}")
    pushed = p.online_push()
    expected = open_tickets(p, per_source)
    assert pushed.tickets == {s: len(rows) for s, rows in expected.items()}
    assert redis.get("ticketlake:current") == str(pushed.generation)
    base = f"ticketlake:g:{pushed.generation}:"
    keys = set(redis.scan_iter(f"{base}ticket:*", count=1000))
    assert keys == {
        f"{base}ticket:{s}:{t['ticket_id']}" for s, rows in expected.items() for t in rows
    }
    with online.opened(p.settings.online) as client:
        meta, found = online.whole(client, p.settings.online)
    assert meta["build_id"] == p.warehouse.current().build_id  # type: ignore[union-attr]
    for source, rows in expected.items():
        assert [v["ticket_id"] for v in found[source]] == [t["ticket_id"] for t in rows]
        for value, row in zip(found[source], rows, strict=True):
            assert value["generation"] == pushed.generation
            assert_same_ticket(value, row)
    assert all(v["features"] for values in found.values() for v in values), "no features joined"


def test_group_and_priority_indexes_equal_the_warehouse(
    built: Path, redis_url: str, redis: Any
) -> None:
    p = project(built, redis_url, "per_source=60")
    pushed = p.online_push()
    base = f"ticketlake:g:{pushed.generation}:"
    expected: dict[str, list[str]] = {}
    for source, rows in open_tickets(p, 60).items():
        for t in rows:
            expected.setdefault(f"{base}recent:{source}", []).append(t["ticket_id"])
            expected.setdefault(f"{base}priority:{source}:{t['priority']}", []).append(
                t["ticket_id"]
            )
            if t["group_name"] is not None:
                expected.setdefault(f"{base}group:{source}:{t['group_name']}", []).append(
                    t["ticket_id"]
                )
    indexes = {k for k in redis.scan_iter(f"{base}*", count=1000) if ":ticket:" not in k}
    assert indexes - {f"{base}meta"} == set(expected)
    for key, ids in expected.items():
        assert redis.zrange(key, 0, -1, desc=True) == ids
    # Across sources, as `online top --group` reads them: newest first, the limit kept.
    group = next(k.rsplit(":", 1)[1] for k in expected if ":group:" in k)
    top = p.online_top(group=group, limit=15)
    scores = [instant(v["last_event_at"]) for v in top]
    assert all(v["group_name"] == group for v in top) and scores == sorted(scores, reverse=True)
    members = sum(
        len(ids) for k, ids in expected.items() if ":group:" in k and k.endswith(f":{group}")
    )
    assert len(top) == min(15, members)
    both = p.online_top(group=group, priority="P3", limit=1000)
    assert {(v["source"], v["ticket_id"]) for v in both} == {
        (k.split(":")[-2], i)
        for k, ids in expected.items()
        if ":priority:" in k and k.endswith(":P3")
        for i in ids
        if i in expected.get(f"{base}group:{k.split(':')[-2]}:{group}", [])
    }


def test_new_keys_carry_the_ttl_and_the_replaced_slice_expires_after_grace(
    built: Path, redis_url: str, redis: Any
) -> None:
    first = project(
        built, redis_url, "grace_seconds=1", "ttl_seconds=3600", "per_source=20"
    ).online_push()
    old = list(redis.scan_iter(f"ticketlake:g:{first.generation}:*", count=1000))
    assert old and all(3590 <= redis.ttl(k) <= 3600 for k in [*old, "ticketlake:current"])
    second = project(
        built, redis_url, "grace_seconds=1", "ttl_seconds=3600", "per_source=30"
    ).online_push()
    assert second.expired_old == sum(first.tickets.values())
    assert all(redis.ttl(k) in (0, 1) or not redis.exists(k) for k in old)
    deadline = time.monotonic() + 5
    while any(redis.exists(k) for k in old) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(redis.exists(k) for k in old)
    new = list(redis.scan_iter(f"ticketlake:g:{second.generation}:*", count=1000))
    assert len(new) > len(old) and all(3590 <= redis.ttl(k) <= 3600 for k in new)


@pytest.mark.parametrize("batch", [1000, 3000])
def test_round_trips_at_most_one_per_thousand_tickets(
    redis_url: str, redis: Any, batch: int
) -> None:
    settings = Online(url=redis_url, prefix="rt", batch_tickets=batch)
    table = synthetic(6_000, sources=3)
    with online.opened(settings) as client:
        pushes = [online.push(client, table, settings) for _ in range(2)]
    for pushed in pushes:
        assert sum(pushed.tickets.values()) == 6_000
        # INCR, MODULE LIST, the meta, the swap (EVALSHA, and the first time SCRIPT LOAD
        # and EVALSHA again), and one pipeline per batch.
        assert pushed.round_trips <= math.ceil(6_000 / batch) + 6
        assert pushed.round_trips <= 6_000 // 1000 + 6
    # Both generations (the first lives out its grace): tickets, 3 sources' recent, group and
    # priority indexes, the meta; then the pointer and the generation counter.
    assert redis.dbsize() == 2 * (6_000 + 3 * (1 + 8 + 4) + 1) + 2


def test_an_older_generation_never_replaces_a_newer_one(
    built: Path, redis_url: str, redis: Any
) -> None:
    """Two pushes overlapping: the one that took its generation first and ends last is not
    swapped in (here the newer one is faked: generation 999 with its meta)."""
    redis.set("ticketlake:current", "999")
    redis.set(
        "ticketlake:g:999:meta",
        '{"generation": 999, "sources": {}, "indexes": [], "encoding": "string"}',
    )
    with pytest.raises(ServiceError, match=r"a newer push \(generation 999\) is current"):
        project(built, redis_url, "per_source=3").online_push()
    assert redis.get("ticketlake:current") == "999"


def test_without_redis_py_the_extra_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib  # noqa: PLC0415

    real = importlib.import_module

    def without_redis(name: str, package: str | None = None) -> Any:
        if name == "redis":
            raise ImportError(name)
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", without_redis)
    with pytest.raises(UsageError, match=r"pip install 'ticketlake\[online\]'"):
        online.connect(Online(url="redis://127.0.0.1:1/0"))
