"""The serve load bench at a tiny size: it measures, and every response it got while builds
published was consistent with exactly one build (the numbers, not the timings, are checked)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="ticketlake serve needs the serve extra")

from bench import serve_load


@pytest.mark.slow
def test_clients_during_publishes_see_one_build_each(tmp_path: Path) -> None:
    out = tmp_path / "serve.json"
    code = serve_load.main(
        [
            "--clients",
            "3",
            "--builds",
            "3",
            "--tickets",
            "150",
            "--days",
            "8",
            "--work",
            str(tmp_path / "work"),
            "--out",
            str(out),
        ]
    )
    found = serve_load.results(json.loads(out.read_text(encoding="utf-8")))
    assert code == 0
    assert found.requests > 0 and found.errors == 0, found.error_examples
    assert found.consistent == found.requests and found.inconsistent == 0
    assert found.builds_seen >= 2, "the clients never saw a publish"
    assert found.p50_ms > 0 and found.p95_ms >= found.p50_ms and found.throughput_per_s > 0
    assert len(found.publish_seconds) == 3
