"""The dirty manifest lists exactly the defects that are in the files, and nothing else."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

import pytest

from tests.conftest import SMALL, data_lines
from ticketlake.synth import MANIFEST, Generated
from ticketlake.synth.dirty import GARBAGE_TIMES, ROW_DEFECTS

SHAPES = ("tickets", "snapshots", "events", "interactions", "json")


def _start() -> datetime:
    return datetime(SMALL.start.year, SMALL.start.month, SMALL.start.day)


def _record(kind: str, header: list[str], line: str) -> dict[str, str] | None:
    """A data line as a flat record, or None when the line is malformed."""
    if kind == "csv":
        fields = next(csv.reader([line]))
        return dict(zip(header, fields, strict=True)) if len(fields) == len(header) else None
    try:
        doc = json.loads(line.strip().rstrip(","))
    except json.JSONDecodeError:
        return None
    flat = dict(doc)
    for key, value in doc.items():
        if isinstance(value, dict):
            flat.update({f"{key}.{k}": v for k, v in value.items()})
    return {k: "" if v is None else str(v) for k, v in flat.items()}


def _parse_time(text: str) -> datetime | None:
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=None)
        except ValueError:
            pass
    if text.endswith("Z") and len(text) == 28:
        return datetime.fromisoformat(text[:26]).replace(tzinfo=None)
    return None


def _observed(result: Generated) -> dict[str, int]:
    """Count defects by inspecting the files alone."""
    counts = dict.fromkeys(ROW_DEFECTS, 0)
    for f in result.files:
        if f.roles is None:
            continue
        lines = data_lines(f.path)
        header = next(csv.reader([lines[0]])) if f.kind == "csv" else []
        body = lines[1:] if f.kind == "csv" else lines[1:-1] if f.kind == "json" else lines
        seen: set[str] = set()
        for line in body:
            norm = line.strip().rstrip(",")
            counts["duplicate_row"] += norm in seen
            seen.add(norm)
            record = _record(f.kind, header, line)
            if record is None:
                counts["malformed_row"] += 1
                continue
            counts["missing_id"] += record[f.roles.ids[0]] == ""
            values = [record.get(c, "") for c in f.roles.times]
            counts["unparseable_timestamp"] += any(v in GARBAGE_TIMES for v in values)
            later = [_parse_time(record.get(c, "")) for c in f.roles.later if record.get(c)]
            counts["impossible_timestamp"] += any(t is not None and t < _start() for t in later)
    return counts


@pytest.mark.parametrize("shape", SHAPES)
def test_manifest_matches_the_files(dirty: dict[str, Generated], shape: str) -> None:
    result = dirty[shape]
    manifest = json.loads((result.out / MANIFEST).read_text())
    assert manifest["counts"] == _observed(result)
    assert sum(manifest["counts"].values()) == len(manifest["defects"])
    assert all(
        manifest["counts"][c] > 0
        for c in ROW_DEFECTS
        if not (shape == "json" and c == "malformed_row")
    )


@pytest.mark.parametrize("shape", SHAPES)
def test_each_listed_defect_is_at_its_line(dirty: dict[str, Generated], shape: str) -> None:
    result = dirty[shape]
    manifest = json.loads((result.out / MANIFEST).read_text())
    kinds = {f.path.name: f.kind for f in result.files}
    for d in manifest["defects"]:
        lines = data_lines(result.out / d["file"])
        line = lines[d["line"] - 1]
        if d["error_class"] == "duplicate_row":
            original = int(d["detail"].removeprefix("copy of line "))
            assert line.strip().rstrip(",") == lines[original - 1].strip().rstrip(",")
            continue
        header = next(csv.reader([lines[0]])) if kinds[d["file"]] == "csv" else []
        record = _record(kinds[d["file"]], header, line)
        if d["error_class"] == "malformed_row":
            assert record is None
            continue
        assert record is not None
        value = record[d["column"]]
        if d["error_class"] == "missing_id":
            assert value == ""
        elif d["error_class"] == "unparseable_timestamp":
            assert value in GARBAGE_TIMES
        else:
            parsed = _parse_time(value)
            assert parsed is not None and parsed < _start()


@pytest.mark.parametrize("shape", SHAPES)
def test_bom_and_latin1_files(dirty: dict[str, Generated], shape: str) -> None:
    result = dirty[shape]
    manifest = json.loads((result.out / MANIFEST).read_text())
    for name, info in manifest["files"].items():
        raw = Path(result.out / name).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") == bool(info.get("bom"))
        if info.get("encoding") == "latin-1":
            with pytest.raises(UnicodeDecodeError):
                raw.decode("utf-8")
    assert any(info.get("bom") for info in manifest["files"].values())
    if shape != "snapshots":  # snapshot files are pure ASCII: latin-1 would change nothing
        assert any(info.get("encoding") == "latin-1" for info in manifest["files"].values())
