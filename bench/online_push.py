"""A pipelined push of the online slice: seconds, Redis round trips and tickets per second.

``python -m bench.online_push [--tickets 100000] [--sources 5] [--batch 2000] [--url URL]``

Synthetic rows of the slice's schema (ticketlake.online.COLUMNS, SLA clocks included) are
pushed with the library's writer to a ``redis-server`` of its own on a loopback port (started
here and stopped after; ``--url`` uses a running server instead), ``--pushes`` times, so the
later pushes also swap out a full generation. Round trips are counted by the client (one per
command or pipeline sent); the issue's bar is at most tickets / 1000. The result goes to
``bench/results/online-<timestamp>.json`` (``--out`` to choose).
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from bench.common import RESULTS, machine
from ticketlake import online
from ticketlake.config.model import Online

REDIS_SERVER = "/usr/bin/redis-server"
GROUPS = (
    "Service Desk",
    "Network",
    "Database",
    "Security Engineering",
    "Field Services",
    "Identity",
    "Messaging",
    "Workplace",
)
PRIORITIES = ("P1", "P2", "P3", "P4")
STATUSES = (
    ("New", "new"),
    ("In Progress", "open"),
    ("Awaiting Customer", "pending"),
    ("On Hold", "on_hold"),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--sources", type=int, default=5)
    parser.add_argument("--batch", type=int, default=2000, help="online.batch_tickets")
    parser.add_argument("--pushes", type=int, default=3)
    parser.add_argument("--url", help="a running Redis (default: start redis-server)")
    parser.add_argument("--prefix", default="bench")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    table = synthetic(args.tickets, args.sources)
    with _server(args.url) as url:
        settings = Online(url=url, prefix=args.prefix, batch_tickets=args.batch)
        runs = [_push(table, settings) for _ in range(args.pushes)]
    if args.out == Path("-"):
        return 0
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = args.out or RESULTS / f"online-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "machine": machine(),
        "arguments": vars(args) | {"out": str(out)},
        "runs": runs,
        "bar": {"round_trips_at_most": args.tickets // 1000},
    }
    out.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
    for run in runs:
        print(summary(run))
    print(f"wrote {out}")
    return 0 if all(r["round_trips"] <= args.tickets // 1000 for r in runs) else 1


def summary(run: dict[str, Any]) -> str:
    """One push in one line, as the README quotes it."""
    return (
        f"generation {run['generation']}: {run['total']:,} tickets in {run['seconds']:.2f} s "
        f"({run['tickets_per_s']:,.0f}/s), {run['round_trips']} round trips; the swap "
        f"{1000 * run['swap_seconds']:.0f} ms, expiring {run['expired_old']:,} old tickets"
    )


def _push(table: pa.Table, settings: Online) -> dict[str, Any]:
    with online.opened(settings) as client:
        pushed = online.push(client, table, settings)
    total = sum(pushed.tickets.values())
    return asdict(pushed) | {"total": total, "tickets_per_s": total / pushed.seconds}


def synthetic(tickets: int, sources: int = 5, seed: int = 7) -> pa.Table:
    """``tickets`` rows of the slice's schema across ``sources`` sources, newest first per
    source (as the warehouse's slice query orders them)."""
    rng = np.random.default_rng(seed)
    as_of = datetime(2024, 6, 1, tzinfo=UTC).replace(tzinfo=None)
    source = np.array([f"source_{i % sources}" for i in range(tickets)])
    ages = np.sort(rng.integers(0, 30 * 86_400, tickets))
    updated = [as_of - timedelta(seconds=int(a)) for a in ages]
    created = [
        u - timedelta(seconds=int(s))
        for u, s in zip(updated, rng.integers(60, 9e5, tickets), strict=True)
    ]
    status = rng.integers(0, len(STATUSES), tickets)
    columns: dict[str, Any] = {
        "source": source,
        "ticket_id": [f"TCK-{i:08d}" for i in range(tickets)],
        "last_event_at": updated,
        "group_name": [GROUPS[g] for g in rng.integers(0, len(GROUPS), tickets)],
        "priority": [PRIORITIES[p] for p in rng.integers(0, len(PRIORITIES), tickets)],
        "rank": np.arange(tickets) // sources + 1,
        "title": [f"Synthetic ticket {i}: printer on floor {i % 9} jams" for i in range(tickets)],
        "status": [STATUSES[s][0] for s in status],
        "status_category": [STATUSES[s][1] for s in status],
        "support_level": ["L1"] * tickets,
        "assignee": [f"Agent {a}" for a in rng.integers(0, 200, tickets)],
        "customer": [f"Customer {c}" for c in rng.integers(0, 50, tickets)],
        "category": ["Hardware"] * tickets,
        "channel": ["email"] * tickets,
        "created_at": created,
        "first_response_at": created,
        "reopen_count": rng.integers(0, 3, tickets),
        "reassignment_count": rng.integers(0, 5, tickets),
        "as_of_at": [as_of] * tickets,
    }
    columns["sla"] = _clocks(rng, tickets, created)
    return pa.table(columns)


def _clocks(rng: np.random.Generator, n: int, created: list[datetime]) -> pa.StructArray:
    """The response and resolution clocks, with the fields the warehouse's have."""

    def clock(hours: float) -> pa.StructArray:
        elapsed = rng.uniform(0, 2 * hours * 3600, n)
        due = [c + timedelta(hours=hours) for c in created]
        fields = {
            "policy": pa.array(["default"] * n),
            "priority": pa.array(["P3"] * n),
            "calendar": pa.array(["24/7"] * n),
            "stage": pa.array(np.where(elapsed > hours * 3600, "breached", "in_progress")),
            "target_seconds": pa.array(np.full(n, hours * 3600.0)),
            "elapsed_business_seconds": pa.array(elapsed),
            "paused_business_seconds": pa.array(np.zeros(n)),
            "percent_elapsed": pa.array(100 * elapsed / (hours * 3600)),
            "due_at": pa.array(due),
            "breach_at": pa.array(due),
        }
        return pa.StructArray.from_arrays(list(fields.values()), list(fields))

    both = [clock(4.0), clock(24.0)]
    return pa.StructArray.from_arrays(both, ["response", "resolution"])


@contextmanager
def _server(url: str | None) -> Iterator[str]:
    if url is not None:
        yield url
        return
    with (
        tempfile.TemporaryDirectory(prefix="online-bench-") as folder,
        redis_server(Path(folder)) as started,
    ):
        yield started


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """A ``redis-server`` of its own on a free loopback port, nothing persisted, stopped
    after the block; its URL. Fails (never skips) when Debian's redis-server is missing:
    ``make test`` installs it."""
    binary = shutil.which("redis-server") or REDIS_SERVER
    port = _free_port()
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
            "--logfile",
            str(folder / "redis.log"),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        _wait_for(port, process)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"redis-server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"redis-server did not answer on port {port} within 10 s")


if __name__ == "__main__":
    raise SystemExit(main())
