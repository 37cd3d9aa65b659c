"""``ticketlake lifecycle`` and ``ticketlake flow`` as users run them, in-process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.cli import RUN
from ticketlake import Project
from ticketlake.cli.main import app
from ticketlake.synth import Options, write_shape

SOURCES = (("desk", "eventlog", "events"), ("snap", "snapshots", "snapshots"))
LIFECYCLE_MEASURES = {"lifetime_hours", "update_interval_hours", "system_lag_seconds"}


def _make(root: Path) -> Path:
    """A project with a generated event log (``desk``) and generated daily snapshots
    (``snap``) of the same tickets; nothing ingested or built yet."""
    options = Options(tickets=30, days=10, seed=5)
    for name, _fmt, shape in SOURCES:
        write_shape(shape, root / "exports" / name, options)
    config = Project(root).init()
    sources = "".join(f"  - name: {n}\n    format: {f}\n    path: exports/{n}\n"
                      for n, f, _ in SOURCES)  # fmt: skip
    text = config.read_text(encoding="utf-8").replace("sources: []\n", f"sources:\n{sources}", 1)
    config.write_text(text, encoding="utf-8")
    return root


def _cli(root: Path, *args: str) -> tuple[int, str, str]:
    """``ticketlake -p ROOT ARGS...`` in-process on a 200-column terminal: (exit code, stdout,
    stderr)."""
    result = CliRunner().invoke(app, ["-p", str(root), *args], env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def _json(root: Path, *args: str) -> dict[str, list[dict[str, Any]]]:
    """The one JSON document a command prints with ``-f json``."""
    code, out, err = _cli(root, *args, "-f", "json")
    assert code == 0, err
    document = json.loads(out)  # fails on anything but exactly one document
    assert isinstance(document, dict)
    return document


def _sources(document: dict[str, list[dict[str, Any]]]) -> dict[str, set[str]]:
    """Per part of a document, the sources its rows belong to."""
    return {part: {r["source"] for r in found} for part, found in document.items()}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project after ``ticketlake run`` (read-only for the tests)."""
    root = _make(tmp_path_factory.mktemp("analytics_cli"))
    code, _out, err = _cli(root, *RUN)
    assert code == 0, err
    return root


@pytest.mark.parametrize("command", ["lifecycle", "flow"])
def test_before_any_build_one_error_line(tmp_path: Path, command: str) -> None:
    """Exit 2 with one ``error:`` line that says to run ``ticketlake build``; nothing on
    stdout, no traceback."""
    code, out, err = _cli(_make(tmp_path), command)
    assert code == 2, err
    assert err.strip().count("\n") == 0 and err.startswith("error:"), err
    assert "ticketlake build" in err and "Traceback" not in err
    assert not out


def test_lifecycle_tables(built: Path) -> None:
    """The summary per source, then a histogram per source and measure."""
    code, out, err = _cli(built, "lifecycle")
    assert code == 0, err
    assert "lifecycle per source (hours; lag in seconds)" in out
    for title in ("desk: lifetime_hours", "desk: update_interval_hours", "snap: lifetime_hours",
                  "snap: update_interval_hours", "snap: system_lag_seconds"):  # fmt: skip
        assert f"{title} (histogram, ~ kernel density)" in out, title
    # the event log records no system time: no lag histogram for it
    assert "desk: system_lag_seconds" not in out
    # on screen the summary has a row per figure and a column per source
    assert "┃ figure" in out and "desk" in out and "snap" in out and "Traceback" not in out


def test_lifecycle_json(built: Path) -> None:
    """One document: the summary (a row per source) and 20 bins per source and measure."""
    document = _json(built, "lifecycle")
    assert set(document) == {"summary", "distributions"}
    assert [r["source"] for r in document["summary"]] == ["desk", "snap"]
    summary = {r["source"]: r for r in document["summary"]}
    assert summary["snap"]["lagged_updates"] > 0 and summary["desk"]["lagged_updates"] == 0
    assert summary["snap"]["vanished"] > 0  # a snapshot source can lose tickets
    bins: dict[tuple[str, str], int] = {}
    for row in document["distributions"]:
        key = (row["source"], row["measure"])
        bins[key] = bins.get(key, 0) + 1
    assert {m for _, m in bins} == LIFECYCLE_MEASURES
    assert set(bins.values()) == {20}


def test_lifecycle_one_source(built: Path) -> None:
    """``--source snap`` keeps snap's rows only, in every part."""
    document = _json(built, "lifecycle", "--source", "snap")
    assert _sources(document) == {"summary": {"snap"}, "distributions": {"snap"}}
    assert len(document["summary"]) == 1


def test_flow_tables(built: Path) -> None:
    """Summary, time in status, the top transitions and variants, each titled."""
    code, out, err = _cli(built, "flow")
    assert code == 0, err
    for title in ("process flow per source (hours)", "time in status (hours)",
                  "top 10 transitions", "top 10 variants"):  # fmt: skip
        assert title in out, title
    assert "┃ figure" in out and "│ desk " in out and "Traceback" not in out


def test_flow_json(built: Path) -> None:
    """One document with the four parts. Both sources have a flow summary (snapshots have a
    history), but only the event log has statuses, hence stays, transitions and variants."""
    document = _json(built, "flow")
    assert set(document) == {"summary", "time_in_status", "transitions", "variants"}
    assert _sources(document) == {"summary": {"desk", "snap"}, "time_in_status": {"desk"},
                                  "transitions": {"desk"}, "variants": {"desk"}}  # fmt: skip
    assert len(document["transitions"]) == 10 and len(document["variants"]) == 10


def test_flow_one_source(built: Path) -> None:
    """``--source desk`` keeps desk's rows only; snap alone has a summary and nothing else."""
    document = _json(built, "flow", "--source", "desk")
    assert set().union(*_sources(document).values()) == {"desk"}
    assert len(document["summary"]) == 1
    document = _json(built, "flow", "--source", "snap")
    assert [r["source"] for r in document["summary"]] == ["snap"]
    assert not document["time_in_status"] and not document["transitions"]
    assert not document["variants"]


def test_flow_top(built: Path) -> None:
    """``--top 2``: the two busiest transitions and the two commonest variants of the source,
    busiest first."""
    everything = _json(built, "flow", "--top", "1000")
    top = _json(built, "flow", "--top", "2")
    for part, measure in (("transitions", "transitions"), ("variants", "tickets")):
        counts = sorted((r[measure] for r in everything[part]), reverse=True)
        assert len(counts) > 2, part
        assert [r[measure] for r in top[part]] == counts[:2], part
    assert top["summary"] == everything["summary"]
    assert top["time_in_status"] == everything["time_in_status"]
    code, out, err = _cli(built, "flow", "--top", "2")
    assert code == 0, err
    assert "top 2 transitions" in out and "top 2 variants" in out


def test_flow_top_must_be_positive(built: Path) -> None:
    """``--top 0`` is a usage error."""
    code, out, _err = _cli(built, "flow", "--top", "0")
    assert code == 2 and not out


def test_csv_output(built: Path) -> None:
    """``-f csv`` prints each part as CSV with its header, no table borders."""
    code, out, err = _cli(built, "flow", "-f", "csv")
    assert code == 0, err
    assert out.startswith("source,tickets,mean_throughput_hours,")
    assert "source,status,status_category,stays," in out
    assert "source,from_status,to_status,transitions,median_hours" in out
    assert "│" not in out


def test_lifecycle_by_priority(built: Path) -> None:
    """``--by priority``: the summary per source and priority, and one histogram per priority
    (snapshots carry no priority: theirs is the single slice ``unknown``)."""
    document = _json(built, "lifecycle", "--by", "priority")
    assert {(r["source"], r["priority"]) for r in document["summary"]} >= {("desk", "P1")}
    slices = {(r["source"], r["dimension"], r["value"]) for r in document["distributions"]}
    assert {v for s, _, v in slices if s == "desk"} == {"P1", "P2", "P3", "P4"}
    assert {v for s, _, v in slices if s == "snap"} == {"unknown"}
    assert {d for _, d, _ in slices} == {"priority"}
    code, _out, err = _cli(built, "lifecycle", "--by", "agent")
    assert code == 2 and "Traceback" not in err
