"""Load on ``ticketlake serve`` while builds publish: latency, throughput, and one build each.

``python -m bench.serve_load [--clients 8] [--builds 10] [--tickets 2000] [--days 40]``

A project with one snapshot source is backfilled with all days but ``--builds`` of them and
built; ``ticketlake serve`` then serves it from its own process on loopback. ``--clients``
threads read KPIs over keep-alive connections in a loop (each request one of ``READS``) while
the main thread adds one more day's file, ingests it and builds, ``--builds`` times, so every
build publishes different numbers. After each publish the publisher asks the server once for
every read and keeps the answers as that build's truth (it is the only writer, so the build
cannot change under it).

A response is **consistent** when it names a build (the ``build`` every API page carries) and
its body equals that build's truth; a request that mixed two builds would match neither. The
result, with p50/p95 latency, throughput and errors, goes to
``bench/results/serve-<timestamp>.json`` (``--out`` to choose). Timings never decide a test:
tests/bench/ runs this at a tiny size and checks only that it measured and stayed consistent.
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import socket
import statistics
import subprocess
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.common import RESULTS, TICKETLAKE, WORK, machine
from ticketlake import Project
from ticketlake.serve.keys import KeyStore
from ticketlake.synth import Options, write_shape

SOURCE = "desk"
# What the clients read: the headline KPIs a dashboard polls, by day and by week.
READS = (
    ("/api/kpis/volume", {"by": "day"}),
    ("/api/kpis/backlog", {"by": "day"}),
    ("/api/kpis/resolution_time", {"by": "week"}),
)


@dataclass
class Sample:
    """One client request: which read, how long, its status, build and body."""

    read: int
    seconds: float
    status: int
    build: str | None
    body: bytes


@dataclass
class Outcome:
    """What the run measured (written as the result JSON)."""

    clients: int
    builds: int
    requests: int
    seconds: float
    throughput_per_s: float
    p50_ms: float
    p95_ms: float
    max_ms: float
    errors: int
    consistent: int
    inconsistent: int
    builds_seen: int
    publish_seconds: list[float] = field(default_factory=list)
    error_examples: list[str] = field(default_factory=list)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--builds", type=int, default=10)
    parser.add_argument("--tickets", type=int, default=2_000)
    parser.add_argument("--days", type=int, default=40)
    parser.add_argument("--work", type=Path, default=WORK / "serve", help="scratch folder")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    work = args.work
    outcome = run(work, args.clients, args.builds, args.tickets, args.days)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = args.out or RESULTS / f"serve-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    document = {"machine": machine(), "arguments": vars(args) | {"out": str(out), "work": str(work)},
                "result": asdict(outcome)}  # fmt: skip
    out.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
    print(summary(outcome))
    print(f"wrote {out}")
    return 0 if outcome.errors == 0 and outcome.inconsistent == 0 else 1


def summary(o: Outcome) -> str:
    """The result in two lines, as the README quotes it."""
    return (f"{o.requests} requests from {o.clients} clients in {o.seconds:.1f} s "
            f"({o.throughput_per_s:.0f}/s) while {o.builds} builds published: p50 "
            f"{o.p50_ms:.1f} ms, p95 {o.p95_ms:.1f} ms, max {o.max_ms:.0f} ms\n"
            f"errors {o.errors}; consistent with exactly one build: {o.consistent} of "
            f"{o.requests} ({o.builds_seen} builds seen)")  # fmt: skip


def run(work: Path, clients: int, builds: int, tickets: int, days: int) -> Outcome:
    """Set up the project in ``work`` (replaced), serve it, load it, publish, measure."""
    shutil.rmtree(work, ignore_errors=True)
    files = _day_files(work / "generated", tickets, days)
    if len(files) <= builds:
        raise SystemExit(f"--days {days} gives {len(files)} files; need more than --builds")
    project, inbox = _project(work / "project")
    for path in files[:-builds]:
        shutil.copy2(path, inbox / path.name)
    _publish(project)
    key = KeyStore.of(project.root).add("bench", "viewer")[1]
    port = _free_port()
    server = subprocess.Popen([TICKETLAKE, "--project", str(project.root), "serve",
                               "--port", str(port)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        _wait_for(port, server)
        truth = {_current(project): _answers(port, key)}
        samples: list[Sample] = []
        stop = threading.Event()
        threads = [threading.Thread(target=_client, args=(port, key, i, stop, samples))
                   for i in range(clients)]  # fmt: skip
        began = time.monotonic()
        for thread in threads:
            thread.start()
        publish_seconds = []
        for path in files[-builds:]:
            shutil.copy2(path, inbox / path.name)
            started = time.monotonic()
            _publish(project)
            publish_seconds.append(round(time.monotonic() - started, 3))
            truth[_current(project)] = _answers(port, key)
        time.sleep(0.5)  # a last half second on the final build
        stop.set()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - began
    finally:
        server.terminate()
        server.wait(timeout=30)
    return _judge(samples, truth, clients, builds, elapsed, publish_seconds)


def _day_files(out: Path, tickets: int, days: int) -> list[Path]:
    """One snapshot file per day, oldest first."""
    generated = write_shape("snapshots", out, Options(tickets=tickets, days=days, seed=42))
    return sorted(Path(f.path) for f in generated.files)


def _project(root: Path) -> tuple[Project, Path]:
    """A new project with one snapshot source reading ``root/exports/desk``."""
    root.mkdir(parents=True)
    config = Project(root).init()
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("sources: []\n", f"sources:\n  - name: {SOURCE}\n    "
                                   f"format: snapshots\n    path: exports/{SOURCE}\n", 1),
                      encoding="utf-8")  # fmt: skip
    inbox = root / "exports" / SOURCE
    inbox.mkdir(parents=True)
    return Project(root), inbox


def _publish(project: Project) -> None:
    """Ingest what arrived and publish a build."""
    outcome = project.ingest(source=SOURCE)
    if outcome.failed:
        raise SystemExit(f"ingest failed: {outcome.failed[0].reason}")
    project.build()


def _current(project: Project) -> str:
    current = project.warehouse.current()
    assert current is not None
    return current.build_id


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_for(port: int, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"ticketlake serve exited: {(server.stderr or '').read()[-500:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("ticketlake serve did not start within 60 s")


def _get(con: http.client.HTTPConnection, key: str, read: int) -> tuple[int, str | None, bytes]:
    path, params = READS[read]
    con.request("GET", f"{path}?{urlencode(params)}", headers={"X-API-Key": key})
    response = con.getresponse()
    body = response.read()
    build = json.loads(body).get("build") if response.status == 200 else None
    return response.status, build, body


def _answers(port: int, key: str) -> dict[int, bytes]:
    """Every read's body, from the build being served (the publisher's truth)."""
    con = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        found = {}
        for read in range(len(READS)):
            status, _build, body = _get(con, key, read)
            if status != 200:
                raise SystemExit(f"{READS[read][0]}: HTTP {status}: {body[:300]!r}")
            found[read] = body
        return found
    finally:
        con.close()


def _client(port: int, key: str, seed: int, stop: threading.Event, out: list[Sample]) -> None:
    """Read in a loop over one keep-alive connection until ``stop``; a dropped connection
    counts as an error (status 0) and is opened again."""
    con = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    read = seed % len(READS)
    mine: list[Sample] = []
    while not stop.is_set():
        began = time.monotonic()
        try:
            status, build, body = _get(con, key, read)
        except (OSError, http.client.HTTPException) as exc:
            status, build, body = 0, None, str(exc).encode()
            con.close()
            con = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        mine.append(Sample(read, time.monotonic() - began, status, build, body))
        read = (read + 1) % len(READS)
    con.close()
    out.extend(mine)  # list.extend is atomic under the GIL


def _judge(samples: list[Sample], truth: dict[str, dict[int, bytes]], clients: int,
           builds: int, elapsed: float, publish_seconds: list[float]) -> Outcome:  # fmt: skip
    ms = sorted(s.seconds * 1000 for s in samples)
    errors = [s for s in samples if s.status != 200]
    ok = [s for s in samples if s.status == 200]
    consistent = [s for s in ok if s.build in truth and truth[s.build][s.read] == s.body]
    quantiles = statistics.quantiles(ms, n=20) if len(ms) >= 2 else ms * 19
    return Outcome(
        clients=clients, builds=builds, requests=len(samples), seconds=round(elapsed, 3),
        throughput_per_s=round(len(samples) / elapsed, 1) if elapsed else 0.0,
        p50_ms=round(statistics.median(ms), 2) if ms else 0.0, p95_ms=round(quantiles[18], 2),
        max_ms=round(ms[-1], 2) if ms else 0.0, errors=len(errors),
        consistent=len(consistent), inconsistent=len(ok) - len(consistent),
        builds_seen=len({s.build for s in ok}), publish_seconds=publish_seconds,
        error_examples=[f"HTTP {s.status}: {s.body[:200]!r}" for s in errors[:5]],
    )  # fmt: skip


def results(document: dict[str, Any]) -> Outcome:
    """The outcome a result file holds."""
    return Outcome(**document["result"])


if __name__ == "__main__":
    raise SystemExit(main())
