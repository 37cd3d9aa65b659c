"""Shared fixtures: generated data is expensive, so it is made once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ticketlake.synth import Generated, Options, write_shape

SMALL = Options(tickets=3_000, days=45, seed=7)

SERVICENOW = "servicenow_incident_event_log.csv.gz"
# The real log sits beside the repository (../shared/data); clones elsewhere find it at /work,
# or wherever TICKETLAKE_SERVICENOW_LOG points.
SERVICENOW_CANDIDATES = [
    Path(os.environ.get("TICKETLAKE_SERVICENOW_LOG", "/nonexistent")),
    Path(__file__).resolve().parents[2] / "shared" / "data" / SERVICENOW,
    Path("/work/shared/data") / SERVICENOW,
]


@pytest.fixture(scope="session")
def servicenow_log() -> Path:
    """The real ServiceNow audit log. Its tests fail, never skip, when it is missing: the
    numbers they check are the project's evidence on real data."""
    found = next((p for p in SERVICENOW_CANDIDATES if p.is_file()), None)
    if found is None:
        pytest.fail("the real ServiceNow log is missing; set TICKETLAKE_SERVICENOW_LOG "
                    f"(looked in {SERVICENOW_CANDIDATES[1:]})")  # fmt: skip
    return found


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Generated]:
    """Every shape, clean, from the same options."""
    root = tmp_path_factory.mktemp("clean")
    return {
        s: write_shape(s, root / s, SMALL)
        for s in ("tickets", "snapshots", "events", "interactions", "json")
    }


@pytest.fixture(scope="session")
def dirty(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Generated]:
    """Every shape with 3% defects and a manifest."""
    root = tmp_path_factory.mktemp("dirty")
    return {
        s: write_shape(s, root / s, SMALL, dirty_rate=0.03)
        for s in ("tickets", "snapshots", "events", "interactions", "json")
    }


def data_lines(path: Path) -> list[str]:
    """Lines of a generated file, decoded the way the manifest says it was written."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return text.lstrip("\ufeff").splitlines()
