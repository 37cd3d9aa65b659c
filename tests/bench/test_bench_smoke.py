"""The benchmark harness at smoke scale: every stage is measured, and every reference
computes ticketlake's figures (the lifecycle figures of the snapshots, the headline figures
of the tickets and events). Timings never decide a test; the harness's numbers are checked
for presence and agreement only, and the targets' arithmetic on documents made up here."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from bench.common import Measured, StageError

from bench import compare, report, run, stages, targets, workloads
from ticketlake import Project


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
        files = entry["ticketlake"]["files"]
        assert len(files) == entry["input"]["files"]
        assert sum(f["rows"] for f in files) == entry["input"]["rows"]
        assert all(f["seconds"] > 0 for f in files)
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
@pytest.mark.parametrize("name", ["tickets", "events"])
def test_the_near_limit_reference_computes_ticketlakes_headline_figures(
    results: dict, name: str
) -> None:
    entry = results["workloads"][name]
    assert entry["equivalence"] == {"near_limit": {"equal": True, "mismatches": []}}
    assert entry["baselines"]["near_limit"]["seconds"] > 0
    assert entry["ratios"]["pipeline_vs_near_limit"] > 0
    summary = entry["ticketlake"]["headline_summary"]
    assert summary == pytest.approx(entry["baselines"]["near_limit"]["summary"], rel=1e-9)
    assert summary["tickets"] > summary["resolved"] > 0


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
    assert len(rows) == len(targets.RATIOS) + 4
    unmeasured = [name for name, row in rows.items() if row["met"] is None]
    assert unmeasured == [targets._memory(None)["target"]]  # no ten-times run at smoke scale
    table = report.render(results)
    assert "| snapshots | " in table and "| target |" in table
    assert table.count("near-limit DuckDB reference (ticketlake") == 3


def test_a_baseline_that_differs_is_caught() -> None:
    want = {
        "summary": {"tickets": 3, "vanished": 1, "mean_lifetime_hours": 2.5},
        "distribution": [
            {
                "measure": "lifetime_hours",
                "bin": 1,
                "values_in_bin": 2,
                "bin_start": 0.0,
                "bin_end": 1.0,
            }
        ],
    }
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


def test_a_headline_that_differs_is_caught() -> None:
    want = {
        "summary": {
            "tickets": 3,
            "resolved": 2,
            "median_resolution_hours": 2.5,
            "mean_resolution_hours": 3.0,
        },
        "daily": [
            {"day": "2024-01-01", "created": 3, "resolved": 0, "open_tickets": 2},
            {"day": "2024-01-02", "created": 0, "resolved": 2, "open_tickets": 1},
        ],
    }
    assert compare.headline_mismatches(want, copy.deepcopy(want)) == []
    near = copy.deepcopy(want)
    near["summary"]["mean_resolution_hours"] *= 1 + 1e-12
    near["daily"].append({"day": "2024-01-03", "created": 0, "resolved": 0, "open_tickets": 0})
    assert compare.headline_mismatches(want, near) == []  # a day of zeros is no day
    for key, value in (("tickets", 4), ("resolved", 1), ("median_resolution_hours", 2.6)):
        other = copy.deepcopy(want)
        other["summary"][key] = value
        assert compare.headline_mismatches(want, other), key
    for measure in ("created", "resolved", "open_tickets"):
        other = copy.deepcopy(want)
        other["daily"][1][measure] += 1
        assert compare.headline_mismatches(want, other) == [
            f"{measure} on 2024-01-02: ticketlake {want['daily'][1][measure]}, "
            f"baseline {want['daily'][1][measure] + 1}"
        ]
    other = copy.deepcopy(want)
    other["daily"].pop()
    assert len(compare.headline_mismatches(want, other)) == 2  # resolved and open on day 2


def _compared(ratio: float, equal: bool = True, reference: str = "near_limit") -> dict:
    return {
        "ratios": {f"pipeline_vs_{reference}": ratio},
        "equivalence": {reference: {"equal": equal, "mismatches": []}},
    }


def _targets(**workloads: dict) -> dict[str, dict]:
    return {row["target"]: row for row in targets.evaluate({"workloads": workloads})}


def test_the_speed_targets_hold_ticketlake_to_three_times_its_references() -> None:
    snapshots = _compared(2.9)
    snapshots["ratios"]["pipeline_vs_pandas"] = 1.0
    snapshots["equivalence"]["pandas"] = {"equal": True, "mismatches": []}
    rows = _targets(snapshots=snapshots, events=_compared(3.0), tickets=_compared(3.1))
    met = {(r.workload, r.reference, r.bar): rows[r.target]["met"] for r in targets.RATIOS}
    assert met == {
        ("snapshots", "near_limit", 3.0): True,
        ("snapshots", "pandas", 1.0): False,
        ("snapshots", "near_limit", 1.5): False,
        ("events", "near_limit", 3.0): True,
        ("tickets", "near_limit", 3.0): False,
    }
    rows = _targets(events=_compared(1.2, equal=False))
    row = rows["events: ingest + build vs near-limit reference"]
    assert row["met"] is None and "ratio invalid" in row["shown"]
    assert rows["snapshots (stretch): ingest + build vs near-limit reference"]["bar"] == "<= 1.5x"


def test_the_memory_target_wants_every_stage_within_1_gb_at_a_1gb_limit() -> None:
    def entry(limit: str, *peaks: int) -> dict:
        stages = {
            s: {"peak_rss_bytes": p}
            for s, p in zip(("ingest", "build", "kpis"), peaks, strict=False)
        }
        return {"engine": {"memory_limit": limit}, "ticketlake": {"stages": stages}}

    def met(ten_x: dict) -> bool | None:
        return targets._memory(ten_x)["met"]

    assert met(entry("1GB", 900_000_000, 1_000_000_000, 200_000_000)) is True
    assert met(entry("1GB", 900_000_000, 1_000_000_001, 200_000_000)) is False
    assert met(entry("2GB", 900_000_000, 900_000_000, 200_000_000)) is None
    failed = entry("1GB", 900_000_000)
    failed["failed"] = {"stage": "build", "returncode": 1, "peak_rss_bytes": 950_000_000}
    assert met(failed) is False and "build failed" in targets._memory(failed)["shown"]
    assert {w.name: w.memory_limit for w in workloads.SCALES["full"]}["snapshots_10x"] == "1GB"


def test_the_flat_ingest_target_compares_the_last_ten_files_with_the_first(tmp_path: Path) -> None:
    def files(first: float, last: float, n: int = 60) -> dict:
        seconds = [first] * 10 + [5.0] * (n - 20) + [last] * 10
        return {"ticketlake": {"files": [{"rows": 100, "seconds": s} for s in seconds]}}

    assert targets._flat(files(1.0, 1.3))["value"] == 1.3
    assert targets._flat(files(1.0, 1.3))["met"] is True
    assert targets._flat(files(1.0, 1.31))["met"] is False
    assert targets._flat(files(2.0, 1.0, n=20))["value"] == 0.5
    few = {"ticketlake": {"files": [{"rows": 1, "seconds": s} for s in (1, 1, 1, 9, 2, 2, 2)]}}
    assert targets._flat(few)["value"] == 2.0  # 3 files each when there are fewer than 20
    assert targets._flat(None)["met"] is None


def test_the_day_share_target_is_five_percent() -> None:
    def entry(share: float) -> dict:
        return {
            "day_share_of_backfill": share,
            "day": {"seconds": 1.0},
            "backfill": {"seconds": 20.0},
            "equal_to_full_rebuild": {"equal": True, "tables": 1, "rows": 1},
        }

    assert targets._incremental(entry(0.05))[0]["met"] is True
    assert targets._incremental(entry(0.051))[0]["met"] is False


def test_a_workload_can_set_its_own_memory_limit(tmp_path: Path) -> None:
    project = stages.new_project(tmp_path, "snapshots", tmp_path / "exports", "1GB")
    assert stages.engine_settings(project)["memory_limit_bytes"] == 10**9
    assert Project(project).settings.sources[0].name == stages.SOURCE


def test_a_failed_stage_ends_its_workload_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "tickets_202401.csv").write_text("ticket_id,created_at\nT1,2024-01-01 10:00:00\n")
    monkeypatch.setattr(run, "ensure", lambda workload, root: (exports, {}))

    def ingest(project: Path, label: str = "ingest") -> Measured:
        failed = Measured(label, ["ticketlake"], 0.5, 123, 1, stderr_tail="out of memory")
        raise StageError("ingest failed", failed)

    monkeypatch.setattr(run, "ingest", ingest)
    out = run.main(
        [
            "--scale",
            "smoke",
            "--only",
            "tickets",
            "events",
            "--work",
            str(tmp_path),
            "--out",
            str(tmp_path / "r.json"),
        ]
    )
    results = json.loads(out.read_text())
    for name in ("tickets", "events"):
        assert results["workloads"][name]["failed"]["stage"] == "ingest"
        row = {r["target"]: r for r in results["targets"]}[
            f"{name}: ingest + build vs near-limit reference"
        ]
        assert row["met"] is False and "ingest failed" in row["shown"]
    assert "**ingest failed** (exit 1)" in report.render(results)
