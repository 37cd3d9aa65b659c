"""Issue 8's targets, checked against a results document."""

from __future__ import annotations

import os
import re
from typing import Any

_UNITS = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}  # fmt: skip
TWO_GB = 2 * 10**9


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
    return [*_speed(found.get("snapshots")), _memory(found.get("snapshots_10x")),
            *_incremental(found.get("incremental"))]  # fmt: skip


def _row(target: str, value: Any, bar: str, met: bool | None, shown: str = "") -> dict[str, Any]:
    """One target: ``value`` as measured, ``shown`` as the README prints it."""
    return {"target": target, "value": value, "bar": bar, "met": met,
            "shown": shown or ("not run" if value is None else str(value))}  # fmt: skip


def _speed(entry: dict[str, Any] | None) -> list[dict[str, Any]]:
    names = ("snapshots: ingest + build vs near-limit reference",
             "snapshots: ingest + build vs pandas baseline")  # fmt: skip
    if not entry or "ratios" not in entry:
        return [_row(names[0], None, "<= 1.5x", None), _row(names[1], None, "< 1x", None)]
    ratios, same = entry["ratios"], entry["equivalence"]
    rows = []
    for name, key, bar, limit in ((names[0], "near_limit", "<= 1.5x", 1.5),
                                  (names[1], "pandas", "< 1x", 1.0)):  # fmt: skip
        ratio, cpu = ratios[f"pipeline_vs_{key}"], ratios.get(f"pipeline_cpu_vs_{key}")
        agree = same[key]["equal"]
        met = (ratio <= limit if key == "near_limit" else ratio < limit) if agree else None
        shown = f"{ratio}x wall" + (f", {cpu}x CPU" if cpu else "")
        shown += "; same lifecycle figures" if agree else "; BASELINE DISAGREES, ratio invalid"
        rows.append(_row(name, ratio, bar, met, shown))
    return rows


def _memory(entry: dict[str, Any] | None) -> dict[str, Any]:
    target = "snapshots_10x: peak RSS of ingest, build and KPIs"
    if not entry:
        return _row(target, None, "< 2 GB and <= engine.memory_limit", None)
    stages = entry["ticketlake"]["stages"]
    worst = max(stages, key=lambda s: stages[s]["peak_rss_bytes"])
    peak = stages[worst]["peak_rss_bytes"]
    limit = entry["engine"]["memory_limit_bytes"]
    bar = f"< 2 GB and <= engine.memory_limit ({entry['engine']['memory_limit']})"
    return _row(target, peak, bar, peak < TWO_GB and peak <= limit,
                f"{peak / 1e9:.2f} GB ({worst})")  # fmt: skip


def _incremental(entry: dict[str, Any] | None) -> list[dict[str, Any]]:
    share_target = "incremental: day 61 (ingest + build) vs 60-day backfill"
    equal_target = "incremental: warehouse equals a full rebuild"
    if not entry:
        return [_row(share_target, None, "<= 10%", None), _row(equal_target, None, "equal", None)]
    share = entry["day_share_of_backfill"]
    shown = f"{share:.1%} ({entry['day']['seconds']:.1f} s of {entry['backfill']['seconds']:.1f} s)"
    same = entry["equal_to_full_rebuild"]
    detail = (f"equal: {same['tables']} tables, {same['rows']:,} rows" if same["equal"]
              else "; ".join(same["mismatches"][:3]))  # fmt: skip
    return [_row(share_target, share, "<= 10%", share <= 0.10, shown),
            _row(equal_target, same["equal"], "equal", same["equal"], detail)]  # fmt: skip
