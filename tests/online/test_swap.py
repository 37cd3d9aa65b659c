"""The swap: a reader looping during repeated pushes never sees a mixed or partial slice, and
a push killed at a random moment leaves the slice the pointer names whole."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from bench.online_push import synthetic

from tests.online.test_push import open_tickets, project
from ticketlake import online
from ticketlake.config.model import Online

REPO = Path(__file__).resolve().parents[2]
# The variable part of a value: what two pushes of the same rows differ in.
PUSHED = "generation"


def content(found: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """A slice read whole, without the generation its values carry."""
    return {
        s: [{k: v for k, v in value.items() if k != PUSHED} for value in values]
        for s, values in found.items()
    }


def read_whole(settings: Online) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """The current slice, checked whole: each source's count is the meta's, and every value
    is of the meta's generation."""
    with online.opened(settings) as client:
        meta, found = online.whole(client, settings)
    assert {s: len(v) for s, v in found.items()} == {
        s: m["tickets"] for s, m in meta["sources"].items()
    }
    assert {value[PUSHED] for values in found.values() for value in values} <= {meta["generation"]}
    return meta, found


def test_reader_during_repeated_pushes_sees_one_whole_generation(
    built: Path, redis_url: str, redis: Any
) -> None:
    sizes = [5, 1000, 12, 40, 1000, 3, 25, 1000]
    pushed: dict[int, dict[str, list[str]]] = {}
    seen: list[tuple[int, dict[str, list[str]]]] = []
    failures: list[BaseException] = []
    done = threading.Event()
    settings = project(built, redis_url).settings.online
    first = project(built, redis_url, "per_source=1").online_push()
    pushed[first.generation] = _ids(open_tickets(project(built, redis_url), 1))

    def reader() -> None:
        while not done.is_set():
            try:
                meta, found = read_whole(settings)
            except BaseException as exc:
                failures.append(exc)
                return
            seen.append(
                (meta["generation"], {s: [v["ticket_id"] for v in vs] for s, vs in found.items()})
            )

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for n in sizes:
            p = project(built, redis_url, f"per_source={n}")
            pushed[p.online_push().generation] = _ids(open_tickets(p, n))
            time.sleep(0.05)
    finally:
        done.set()
        thread.join(timeout=30)
    assert not failures, failures[0]
    # Every read was exactly one push's slice: its tickets, its order, nothing of another.
    assert seen and all(ids == pushed[generation] for generation, ids in seen)
    assert len({generation for generation, _ in seen}) >= 3, "the reader saw too few swaps"


def _ids(expected: dict[str, list[dict[str, Any]]]) -> dict[str, list[str]]:
    return {s: [t["ticket_id"] for t in rows] for s, rows in expected.items()}


def _env(url: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": f"{REPO / 'src'}{os.pathsep}{REPO}", "REDIS_URL": url}


def _taking(command: list[str], env: dict[str, str], redis: Any, counter: str) -> Any:
    """Start the push ``command`` and return once it has taken its generation (the
    ``counter`` key moved) or ended: from then on it writes."""
    before = int(redis.get(counter) or 0)
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while process.poll() is None and int(redis.get(counter) or 0) == before:
        time.sleep(0.002)
    return process


def _killed(command: list[str], env: dict[str, str], redis: Any, counter: str, delay: float) -> int:
    """SIGKILL the push ``command`` ``delay`` seconds into its writing; its exit code (-9 if
    killed, 0 if it ended first)."""
    process = _taking(command, env, redis, counter)
    try:
        process.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
    return int(process.wait(timeout=60))


def _writing_time(command: list[str], env: dict[str, str], redis: Any, counter: str) -> float:
    """Seconds from the generation taken to the swap, in one whole run of ``command``."""
    process = _taking(command, env, redis, counter)
    started, pointer = time.monotonic(), counter.replace(":generation", ":current")
    while redis.get(pointer) != redis.get(counter) and process.poll() is None:
        time.sleep(0.002)
    writing = time.monotonic() - started
    assert process.wait(timeout=120) == 0, process.stderr.read()
    return writing


def test_killed_cli_push_leaves_the_previous_slice_whole(
    built: Path, redis_url: str, redis: Any
) -> None:
    """`ticketlake online push` (one ticket per pipeline, so its writing lasts) killed at
    random moments of its writing: the slice read after each kill is whole, and it is the
    previous push's unless the kill came after the swap."""
    p = project(built, redis_url)
    command = [
        sys.executable,
        "-m",
        "ticketlake.cli.main",
        "-p",
        str(built),
        "--set",
        "online.batch_tickets=1",
        "--set",
        "online.per_source=40",
        "online",
        "push",
    ]
    env, counter = _env(redis_url), "ticketlake:generation"
    writing = _writing_time(command, env, redis, counter)
    new = content(read_whole(p.settings.online)[1])
    rng = random.Random(20)
    outcomes = []
    # The first kill comes as soon as the push has taken its generation, so that one at least
    # lands while it writes however the machine's load stretches the others' timing.
    for delay in (0.0, *(rng.uniform(0, 1.1 * writing) for _ in range(3))):
        previous = p.online_push()  # all open tickets: not what the killed push writes
        before = content(read_whole(p.settings.online)[1])
        code = _killed(command, env, redis, counter, delay)
        meta, found = read_whole(p.settings.online)
        swapped = meta["generation"] != previous.generation
        assert content(found) == (new if swapped else before), f"exit {code}"
        outcomes.append((code, swapped))
    assert (-9, False) in outcomes, f"no kill landed before the swap: {outcomes}"


def test_push_killed_while_writing_leaves_the_previous_slice_whole(
    redis_url: str, redis: Any
) -> None:
    """A push of 20,000 synthetic rows (the bench's) killed at random moments of its
    writing: the pointer still names the previous slice, whole; the dead push's keys have
    their time to live and no meta key."""
    settings = Online(url=redis_url, prefix="kill")
    command = [
        sys.executable,
        "-m",
        "bench.online_push",
        "--url",
        redis_url,
        "--prefix",
        "kill",
        "--tickets",
        "20000",
        "--pushes",
        "1",
        "--out",
        "-",
    ]
    env, counter = _env(redis_url), "kill:generation"
    writing = _writing_time(command, env, redis, counter)
    rng = random.Random(7)
    mid_write = 0
    for _ in range(3):
        with online.opened(settings) as client:
            online.push(client, synthetic(900, sources=3), settings)
        before = content(read_whole(settings)[1])
        code = _killed(command, env, redis, counter, rng.uniform(0, 0.9 * writing))
        meta, found = read_whole(settings)
        if code == 0:  # it ended first: the new slice is current, whole
            assert sum(m["tickets"] for m in meta["sources"].values()) == 20_000
            continue
        assert content(found) == before
        killed = int(redis.get(counter))
        orphans = list(redis.scan_iter(f"kill:g:{killed}:*", count=5000))
        mid_write += bool(orphans)
        assert all(0 < redis.ttl(k) <= settings.ttl_seconds for k in orphans[:200])
        assert not redis.exists(f"kill:g:{killed}:meta")
    assert mid_write >= 2, "the kills missed the writes"
