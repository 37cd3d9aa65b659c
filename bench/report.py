"""Render a results file as Markdown: the machine, one row per stage, the targets.

``python -m bench.report [RESULTS.json ...] [--readme]``: without files, the newest full-scale
result (else the newest of any scale). Several files give one section each, or
with ``--merge`` one table (e.g. a full run without the ten-times workload and one with only it). ``--readme`` replaces the text between the ``bench:start`` and ``bench:end``
markers of README.md instead of printing.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bench import targets
from bench.common import MB, REPO, RESULTS
from bench.workloads import SCALES

START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def merge(documents: list[dict[str, Any]], names: list[str]) -> dict[str, Any]:
    """One document from runs of the same scale (say the 1x workloads and the ten-times one),
    workloads in the scale's order, targets evaluated again."""
    merged = dict(documents[0])
    found: dict[str, Any] = {}
    for document in documents:
        found.update(document["workloads"])
    order = [w.name for w in SCALES.get(merged["scale"], [])]
    merged["workloads"] = dict(sorted(found.items(), key=lambda kv: _position(order, kv[0])))
    merged["targets"] = targets.evaluate(merged)
    merged["merged_from"] = names
    return merged


def _position(order: list[str], name: str) -> int:
    return order.index(name) if name in order else len(order)


def render(results: dict[str, Any], source: str = "") -> str:
    """The Markdown section for one results document."""
    lines = [_machine(results, source), "",
             "| workload | rows | CSV MB | stage | seconds | CPU s | peak RSS MB | rows/s | MB/s |",
             "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |"]  # fmt: skip
    for name, entry in results["workloads"].items():
        lines += _workload(name, entry)
    lines += ["", "| target | bar | measured | met |", "| --- | --- | --- | --- |"]
    for row in targets.evaluate(results):
        lines.append(f"| {row['target']} | {row['bar']} | {row['shown']} | {_met(row['met'])} |")
    return "\n".join(lines)


def _machine(results: dict[str, Any], source: str) -> str:
    m = results["machine"]
    code = results.get("ticketlake_source", "")
    code = code[:14] if code.startswith("git ") else f"working tree {m['git']}"
    engine = next(iter(results["workloads"].values()), {}).get("engine", {})
    return (
        f"**Scale `{results['scale']}`**, {results['started_at'][:10]}"
        f"{f' ({source})' if source else ''}: ticketlake {m['ticketlake']} at {code}; "
        f"{m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, {m['distro'] or m['os']}, "
        f"Python {m['python']}, DuckDB {m['duckdb']}, pandas {m['pandas']}; "
        f"engine.memory_limit {engine.get('memory_limit')} (unless a workload names its own) "
        f"and engine.threads {engine.get('threads')} for ticketlake and the references. A "
        "shared machine: wall times are noisy; ratios within one run and CPU seconds are the "
        "steadier signal."
    )


REFERENCES = {"near_limit": "near-limit DuckDB reference", "pandas": "pandas baseline (seed 000)"}
STAGES = {"ingest": "ticketlake ingest", "build": "ticketlake build", "kpis": "ticketlake KPIs"}


def _workload(name: str, entry: dict[str, Any]) -> list[str]:
    if "backfill" in entry:
        return _incremental(name, entry)
    if "input" not in entry:  # failed before anything was measured
        return [f"| {name} | | | {_failure(entry['failed'])} | | | | | |"]
    rows, size = entry["input"]["rows"], entry["input"]["bytes"]
    limit = entry.get("engine", {}).get("memory_limit")
    label = f"{name} (memory_limit {limit})" if entry["workload"].get("memory_limit") else name
    heads = iter([f"| {label} | {rows:,} | {size / MB:,.0f} |"])
    tl = entry["ticketlake"]
    items = [(STAGES[key], item) for key, item in tl["stages"].items()]
    if "pipeline" in tl:
        items.append(("**ticketlake ingest + build**", tl["pipeline"]))
    out = [f"{next(heads, '| | | |')} {text} | {_stage(item)} |" for text, item in items]
    if "failed" in entry:
        out.append(f"{next(heads, '| | | |')} {_failure(entry['failed'])} | | | | | |")
    for key, item in entry.get("baselines", {}).items():
        out.append(f"{next(heads, '| | | |')} {_reference(key, item, entry)} |")
    return out


def _reference(key: str, item: dict[str, Any], entry: dict[str, Any]) -> str:
    """A reference's row: its name, ticketlake's ratio to it and its stage figures."""
    label = REFERENCES.get(key, key)
    if "returncode" in item:
        return f"{label}: {_failure(item)} | | | | |"
    ratio = entry["ratios"][f"pipeline_vs_{key}"]
    agree = "" if entry["equivalence"][key]["equal"] else ", DISAGREES"
    return f"{label} (ticketlake {ratio}x{agree}) | {_stage(item)}"


def _failure(failed: dict[str, Any]) -> str:
    return f"**{failed['stage']} failed** (exit {failed['returncode']})"


def _incremental(name: str, entry: dict[str, Any]) -> list[str]:
    inp = entry["input"]
    share = entry["day_share_of_backfill"]
    rows = [
        (f"| {name} | {inp['backfill_rows']:,} | {inp['backfill_bytes'] / MB:,.0f} |",
         "backfill ingest", entry["backfill"]["ingest"]),
        ("| | | |", "backfill build", entry["backfill"]["build"]),
        (f"| | {inp['day_rows']:,} | {inp['day_bytes'] / MB:,.0f} |", "last day ingest",
         entry["day"]["ingest"]),
        ("| | | |", f"last day build ({share:.1%} of backfill with ingest)",
         entry["day"]["build"]),
        ("| | | |", "full rebuild (all days)", entry["full_rebuild"]),
    ]  # fmt: skip
    return [f"{head} {label} | {_stage(item)} |" for head, label, item in rows]


def _stage(item: dict[str, Any]) -> str:
    cpu = item.get("cpu_seconds")
    return (f"{item['seconds']:,.1f} | {'' if cpu is None else f'{cpu:,.1f}'} | "
            f"{item['peak_rss_bytes'] / MB:,.0f} | {item['rows_per_s']:,} | "
            f"{item['mb_per_s']:,.1f}")  # fmt: skip


def _met(met: bool | None) -> str:
    return {True: "met", False: "**missed**", None: "not measured"}[met]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.report", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("results", nargs="*", type=Path)
    parser.add_argument("--readme", action="store_true", help="Write into README.md.")
    parser.add_argument("--merge", action="store_true", help="One table from several files.")
    args = parser.parse_args()
    paths = args.results or [_newest()]
    documents = [json.loads(p.read_text()) for p in paths]
    if args.merge:
        names = [p.name for p in paths]
        text = render(merge(documents, names), " + ".join(names))
    else:
        text = "\n\n".join(render(d, p.name) for d, p in zip(documents, paths, strict=True))
    if not args.readme:
        print(text)
        return
    readme = REPO / "README.md"
    body = readme.read_text(encoding="utf-8")
    if START not in body or END not in body:
        raise SystemExit(f"README.md has no {START} ... {END} section")
    head, rest = body.split(START, 1)
    readme.write_text(f"{head}{START}\n{text}\n{END}{rest.split(END, 1)[1]}", encoding="utf-8")


def _newest() -> Path:
    found = sorted(RESULTS.glob("full-*.json")) or sorted(RESULTS.glob("*.json"))
    if not found:
        raise SystemExit("no results yet: run `make bench` (or `python -m bench.run`)")
    return found[-1]


if __name__ == "__main__":
    main()
