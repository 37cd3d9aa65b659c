"""Issue 15's targets, checked against a results document; bench/README.md says how each is
measured. A target is met (True), missed (False) or not measured (None): its workload was not
run, or its reference computed other figures than ticketlake, so the ratio would not compare
the same work."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from statistics import fmean
from typing import Any

_UNITS = {
    "b": 1,
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "tb": 10**12,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
    "tib": 2**40,
}
MEMORY_WORKLOAD = "snapshots_10x"
MEMORY_LIMIT = "1GB"  # engine.memory_limit of the memory target's run
MEMORY_BAR = 10**9  # 1 GB, as DuckDB counts a GB
DAY_SHARE = 0.05  # day 61 (ingest + build) as a share of the 60-day backfill
FLAT_FILES = 10  # per-file ingest: the last 10 files against the first 10
FLAT_BAR = 1.3


@dataclass(frozen=True)
class Ratio:
    """ticketlake's ingest + build over a reference's time on one workload, at most ``bar``
    (below it when ``strict``)."""

    target: str
    workload: str
    reference: str
    bar: float
    strict: bool = False

    @property
    def shown_bar(self) -> str:
        return f"{'<' if self.strict else '<='} {self.bar:g}x"


RATIOS = (
    Ratio("snapshots: ingest + build vs near-limit reference", "snapshots", "near_limit", 3.0),
    Ratio("snapshots: ingest + build vs pandas baseline", "snapshots", "pandas", 1.0, strict=True),
    Ratio(
        "snapshots (stretch): ingest + build vs near-limit reference",
        "snapshots",
        "near_limit",
        1.5,
    ),
    Ratio("events: ingest + build vs near-limit reference", "events", "near_limit", 3.0),
    Ratio("tickets: ingest + build vs near-limit reference", "tickets", "near_limit", 3.0),
)


def size_bytes(text: str) -> int:
    """Bytes of a DuckDB memory limit such as ``2GB`` (10^9), ``1.5GiB`` (2^30) or ``75%``."""
    value = text.strip().lower().replace(" ", "")
    if value.endswith("%"):
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        return int(ram * float(value[:-1]) / 100)
    match = re.fullmatch(r"([0-9.]+)([a-z]*)", value)
    if not match or match.group(2) not in _UNITS:
        raise ValueError(f"not a memory size: {text!r}")
    return int(float(match.group(1)) * _UNITS[match.group(2)])


def evaluate(results: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per target: what was measured, the bar, and whether it was met (None: not run)."""
    found = results.get("workloads", {})
    return [
        *(_ratio(r, found.get(r.workload)) for r in RATIOS),
        *_incremental(found.get("incremental")),
        _memory(found.get(MEMORY_WORKLOAD)),
        _flat(found.get("snapshots")),
    ]


def _row(target: str, value: Any, bar: str, met: bool | None, shown: str = "") -> dict[str, Any]:
    """One target: ``value`` as measured, ``shown`` as the README prints it."""
    return {
        "target": target,
        "value": value,
        "bar": bar,
        "met": met,
        "shown": shown or ("not run" if value is None else str(value)),
    }


def _failed(entry: dict[str, Any]) -> str:
    failed = entry["failed"]
    return f"{failed['stage']} failed (exit {failed['returncode']})"


def _ratio(spec: Ratio, entry: dict[str, Any] | None) -> dict[str, Any]:
    if entry and "failed" in entry:
        return _row(spec.target, None, spec.shown_bar, False, f"ticketlake {_failed(entry)}")
    if entry is None:
        return _row(spec.target, None, spec.shown_bar, None)
    ratio = entry.get("ratios", {}).get(f"pipeline_vs_{spec.reference}")
    if ratio is None:
        ran = entry.get("baselines", {}).get(spec.reference)
        why = _failed({"failed": ran}) if ran else "this run has no such reference"
        return _row(spec.target, None, spec.shown_bar, None, f"not measured: {why}")
    cpu = entry["ratios"].get(f"pipeline_cpu_vs_{spec.reference}")
    agree = entry["equivalence"][spec.reference]["equal"]
    met = (ratio < spec.bar if spec.strict else ratio <= spec.bar) if agree else None
    shown = f"{ratio}x wall" + (f", {cpu}x CPU" if cpu else "")
    shown += "; same figures" if agree else "; REFERENCE DISAGREES, ratio invalid"
    return _row(spec.target, ratio, spec.shown_bar, met, shown)


def _memory(entry: dict[str, Any] | None) -> dict[str, Any]:
    target = f"{MEMORY_WORKLOAD}: peak RSS of every stage, engine.memory_limit {MEMORY_LIMIT}"
    bar = "every stage finishes, <= 1 GB (1,000 MB)"
    if not entry:
        return _row(target, None, bar, None)
    limit = entry.get("engine", {}).get("memory_limit")
    if limit != MEMORY_LIMIT:
        return _row(target, None, bar, None, f"not measured: run with engine.memory_limit {limit}")
    if "failed" in entry:
        peak = entry["failed"]["peak_rss_bytes"]
        return _row(target, peak, bar, False, f"{_failed(entry)} at {peak / 1e6:,.0f} MB")
    stages = entry["ticketlake"]["stages"]
    worst = max(stages, key=lambda s: stages[s]["peak_rss_bytes"])
    peak = stages[worst]["peak_rss_bytes"]
    return _row(target, peak, bar, peak <= MEMORY_BAR, f"{peak / 1e6:,.0f} MB ({worst})")


def _incremental(entry: dict[str, Any] | None) -> list[dict[str, Any]]:
    share_target = "incremental: day 61 (ingest + build) vs 60-day backfill"
    equal_target = "incremental: warehouse equals a full rebuild"
    share_bar = f"<= {DAY_SHARE:.0%}"
    if entry and "failed" in entry:
        return [
            _row(share_target, None, share_bar, False, _failed(entry)),
            _row(equal_target, None, "equal", False, _failed(entry)),
        ]
    if not entry:
        return [_row(share_target, None, share_bar, None), _row(equal_target, None, "equal", None)]
    share = entry["day_share_of_backfill"]
    shown = f"{share:.1%} ({entry['day']['seconds']:.1f} s of {entry['backfill']['seconds']:.1f} s)"
    same = entry["equal_to_full_rebuild"]
    detail = (
        f"equal: {same['tables']} tables, {same['rows']:,} rows"
        if same["equal"]
        else "; ".join(same["mismatches"][:3])
    )
    return [
        _row(share_target, share, share_bar, share <= DAY_SHARE, shown),
        _row(equal_target, same["equal"], "equal", same["equal"], detail),
    ]


def _flat(entry: dict[str, Any] | None) -> dict[str, Any]:
    """Per-file ingest seconds of the snapshots run: the mean of the last files over the mean
    of the first (10 each; half the files each when there are fewer than 20)."""
    target = f"snapshots: per-file ingest, mean of the last {FLAT_FILES} files vs the first"
    bar = f"<= {FLAT_BAR}x"
    if not entry:
        return _row(target, None, bar, None)
    files = entry.get("ticketlake", {}).get("files", [])
    if len(files) < 2:
        why = _failed(entry) if "failed" in entry else "no per-file times in this run"
        return _row(target, None, bar, None, f"not measured: {why}")
    k = min(FLAT_FILES, len(files) // 2)
    first, last = files[:k], files[-k:]
    ratio = round(fmean(f["seconds"] for f in last) / fmean(f["seconds"] for f in first), 2)
    per_row = _per_row(last) / _per_row(first)
    shown = (
        f"{ratio}x ({fmean(f['seconds'] for f in last):.2f} s vs "
        f"{fmean(f['seconds'] for f in first):.2f} s, {k} of {len(files)} files each; "
        f"{per_row:.2f}x per row)"
    )
    return _row(target, ratio, bar, ratio <= FLAT_BAR, shown)


def _per_row(files: list[dict[str, Any]]) -> float:
    seconds: float = sum(f["seconds"] for f in files)
    rows: int = sum(f["rows"] for f in files)
    return seconds / max(1, rows)
