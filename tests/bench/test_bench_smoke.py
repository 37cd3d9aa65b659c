"""The benchmark harness at smoke scale: every stage is measured and both baselines compute
ticketlake's lifecycle figures. Timings never decide a test; the harness's numbers are
checked for presence and agreement only."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from bench import compare, report, run, targets, workloads


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict:
    work = tmp_path_factory.mktemp("bench")
    out = run.main(["--scale", "smoke", "--work", str(work), "--out", str(work / "smoke.json")])
    return json.loads(Path(out).read_text())


@pytest.mark.slow
def test_every_stage_of_every_workload_is_measured(results: dict) -> None:
    found = results["workloads"]
    assert set(found) == {w.name for w in workloads.SCALES["smoke"]}
    for name in ("snapshots", "tickets", "events"):
        entry = found[name]
        assert entry["input"]["rows"] > 0
        stages = entry["ticketlake"]["stages"]
        assert set(stages) == {"ingest", "build", "kpis"}
        for item in [*stages.values(), entry["ticketlake"]["pipeline"]]:
            assert item["seconds"] > 0 and item["peak_rss_bytes"] > 0
            assert item["rows_per_s"] > 0 and item["mb_per_s"] > 0
            assert isinstance(item["under_memory_limit"], bool)
        assert entry["ticketlake"]["lake"]["rows_loaded"] == entry["input"]["rows"]
        assert {m["model"] for m in entry["ticketlake"]["models"]} >= {"fact_ticket"}
    assert results["machine"]["cores"] and results["machine"]["duckdb"]


@pytest.mark.slow
def test_both_baselines_compute_ticketlakes_lifecycle_figures(results: dict) -> None:
    snapshots = results["workloads"]["snapshots"]
    for name in ("near_limit", "pandas"):
        assert snapshots["equivalence"][name] == {"equal": True, "mismatches": []}
        assert snapshots["baselines"][name]["seconds"] > 0
        assert snapshots["ratios"][f"pipeline_vs_{name}"] > 0
    summary = snapshots["ticketlake"]["lifecycle_summary"]
    assert summary["vanished"] > 0 and summary["still_open"] > 0
    assert summary["update_intervals"] > 0 and summary["lagged_updates"] > 0


@pytest.mark.slow
def test_the_last_day_builds_incrementally_and_equals_a_full_rebuild(results: dict) -> None:
    entry = results["workloads"]["incremental"]
    assert entry["equal_to_full_rebuild"]["equal"], entry["equal_to_full_rebuild"]["mismatches"]
    assert entry["equal_to_full_rebuild"]["tables"] > 30
    assert "incremental" in {m["mode"] for m in entry["day"]["models"]}
    assert entry["day_share_of_backfill"] > 0


@pytest.mark.slow
def test_targets_and_the_readme_table_come_from_the_results(results: dict) -> None:
    rows = {row["target"]: row for row in results["targets"]}
    assert len(rows) == 5
    measured = [row for row in rows.values() if row["met"] is not None]
    assert len(measured) == 4  # the ten-times workload is not part of the smoke scale
    table = report.render(results)
    assert "| snapshots | " in table and "near-limit" in table and "| target |" in table


def test_a_baseline_that_differs_is_caught() -> None:
    want = {
        "summary": {"tickets": 3, "vanished": 1, "mean_lifetime_hours": 2.5},
        "distribution": [{"measure": "lifetime_hours", "bin": 1, "values_in_bin": 2,
                          "bin_start": 0.0, "bin_end": 1.0}],
    }  # fmt: skip
    assert compare.lifecycle_mismatches(want, copy.deepcopy(want)) == []
    near = copy.deepcopy(want)
    near["summary"]["mean_lifetime_hours"] *= 1 + 1e-12
    assert compare.lifecycle_mismatches(want, near) == []
    for path, value in ((("summary", "tickets"), 4), (("summary", "mean_lifetime_hours"), 2.6)):
        other = copy.deepcopy(want)
        other[path[0]][path[1]] = value
        assert compare.lifecycle_mismatches(want, other), path
    other = copy.deepcopy(want)
    other["distribution"][0]["values_in_bin"] = 3
    assert compare.lifecycle_mismatches(want, other)


def test_memory_limits_parse_as_duckdb_reads_them() -> None:
    assert targets.size_bytes("2GB") == 2_000_000_000
    assert targets.size_bytes("1.5GiB") == 3 * 2**29
    assert targets.size_bytes("512MB") == 512_000_000
    assert 0 < targets.size_bytes("50%") < targets.size_bytes("100%")
