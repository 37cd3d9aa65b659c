"""Inject realistic defects into written exports and record exactly what was injected.

Row defects (one per chosen line): ``malformed_row`` (fields missing or extra),
``unparseable_timestamp``, ``impossible_timestamp`` (before the ticket was created),
``missing_id`` and ``duplicate_row`` (an exact copy of a clean line, placed later in the file).
File defects: a UTF-8 byte-order mark on the first file and latin-1 encoding of the last one.
Line numbers in the manifest are 1-based physical lines of the final file (header is line 1).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from ticketlake.synth.shapes.base import Roles, WrittenFile

ROW_DEFECTS = ("malformed_row", "unparseable_timestamp", "impossible_timestamp", "missing_id",
               "duplicate_row")  # fmt: skip
DEFECT_SHARE = (0.2, 0.25, 0.2, 0.15, 0.2)
GARBAGE_TIMES = ("not a date", "32/13/2024 25:61", "2024-02-30 10:00:00", "yesterday",
                 "0000-00-00 00:00:00", "24-01-2024 9h30", "#VALUE!")  # fmt: skip


@dataclass(frozen=True)
class Defect:
    """One injected defect: where it is and what it is."""

    file: str
    line: int
    error_class: str
    column: str | None
    ticket_id: str | None
    detail: str


@dataclass
class _Row:
    """A data line being edited: its text and whether it may still take a defect."""

    text: str
    clean: bool = True


def inject(
    files: list[WrittenFile], rate: float, seed: int, horizon_start: datetime
) -> dict[str, Any]:
    """Corrupt ``files`` in place at ``rate`` defects per data row; return the manifest."""
    rng = np.random.default_rng([seed, 99])
    targets = [f for f in files if f.roles is not None]
    defects: list[Defect] = []
    file_info: dict[str, dict[str, Any]] = {}
    for f in targets:
        defects += _inject_file(rng, f, rate, horizon_start)
    if targets:
        file_info[targets[0].path.name] = {"bom": True}
        _add_bom(targets[0].path)
    if len(targets) > 1 and _has_non_ascii(targets[-1].path):
        file_info.setdefault(targets[-1].path.name, {})["encoding"] = "latin-1"
        _to_latin1(targets[-1].path)
    counts = {c: sum(d.error_class == c for d in defects) for c in ROW_DEFECTS}
    return {
        "rate": rate,
        "seed": seed,
        "files": file_info,
        "counts": counts,
        "defects": [asdict(d) for d in defects],
    }


def _inject_file(
    rng: np.random.Generator, f: WrittenFile, rate: float, start: datetime
) -> list[Defect]:
    assert f.roles is not None
    lines = f.path.read_text(encoding="utf-8").splitlines()
    head, body, tail = _split(lines, f.kind)
    rows = [_Row(t) for t in body]
    count = round(rate * len(rows))
    chosen: Any = rng.choice(len(rows), size=min(count, len(rows)), replace=False) if rows else []
    kinds = rng.choice(len(ROW_DEFECTS), size=len(chosen), p=DEFECT_SHARE)
    editor = _Editor(f.kind, f.roles, rng, start)
    if f.kind == "csv":
        editor.header = _csv_fields(head[0])
    planned: list[tuple[int, str, str | None, str, str | None]] = []
    copies: list[tuple[int, int]] = []
    creations = _creation_rows(editor, rows)
    # Impossible timestamps go last, and in event logs only to tickets whose creation row is
    # in the same file and intact: otherwise no reader could tell the event is impossible.
    order = sorted(
        zip(chosen, kinds, strict=True), key=lambda p: ROW_DEFECTS[p[1]] == "impossible_timestamp"
    )
    for idx, kind in order:
        error_class = ROW_DEFECTS[kind]
        if error_class == "duplicate_row":
            copies.append((int(idx), int(rng.integers(int(idx) + 1, len(rows) + 1))))
            continue
        original_id = editor.ticket_id(rows[idx].text)
        if error_class == "impossible_timestamp" and f.roles.skip is not None:
            created = creations.get(original_id)
            if created is None or not rows[created].clean:
                continue
        applied = editor.apply(rows[idx], error_class)
        if applied is not None:
            planned.append((int(idx), error_class, applied[0], applied[1], original_id))
    return _write(f, head, rows, tail, planned, copies, editor)


def _creation_rows(editor: _Editor, rows: list[_Row]) -> dict[str | None, int]:
    """Ticket id -> index of its creation row, for files whose roles name one (event logs)."""
    skip = editor.roles.skip
    if skip is None:
        return {}
    found: dict[str | None, int] = {}
    for i, row in enumerate(rows):
        record = editor.parse(row.text)
        if record.get(skip[0]) == skip[1]:
            found.setdefault(editor.ticket_id(row.text), i)
    return found


def _split(lines: list[str], kind: str) -> tuple[list[str], list[str], list[str]]:
    """Header lines, data lines and trailer lines of a file."""
    if kind == "csv":
        return lines[:1], lines[1:], []
    if kind == "json":
        return lines[:1], lines[1:-1], lines[-1:]
    return [], lines, []


def _write(
    f: WrittenFile,
    head: list[str],
    rows: list[_Row],
    tail: list[str],
    planned: list[tuple[int, str, str | None, str, str | None]],
    copies: list[tuple[int, int]],
    editor: _Editor,
) -> list[Defect]:
    """Lay out the final lines (copies inserted after their target position) and number them."""
    inserts: dict[int, list[int]] = {}
    for source, before in copies:
        if rows[source].clean:
            inserts.setdefault(before, []).append(source)
    out = list(head)
    line_of: dict[int, int] = {}
    defects: list[Defect] = []
    for pos in range(len(rows) + 1):
        for source in inserts.get(pos, []):
            out.append(editor.as_copy(rows[source].text))
            defects.append(Defect(f.path.name, len(out), "duplicate_row", None,
                                  editor.ticket_id(rows[source].text),
                                  f"copy of line {line_of[source]}"))  # fmt: skip
        if pos < len(rows):
            out.append(rows[pos].text)
            line_of[pos] = len(out)
    if editor.kind == "json":  # array elements: a comma after each but the last
        for i in range(len(head), len(out) - 1):
            if not out[i].endswith(","):
                out[i] += ","
    if tail and out and out[-1].endswith(","):
        out[-1] = out[-1][:-1]
    out += tail
    f.path.write_text("\n".join(out) + "\n", encoding="utf-8")
    for idx, error_class, column, detail, ticket_id in planned:
        defects.append(Defect(f.path.name, line_of[idx], error_class, column, ticket_id, detail))
    return sorted(defects, key=lambda d: d.line)


class _Editor:
    """Edits one data line of a CSV, JSON-lines or JSON-array file."""

    def __init__(self, kind: str, roles: Roles, rng: np.random.Generator, start: datetime) -> None:
        self.kind, self.roles, self.rng, self.start = kind, roles, rng, start
        self.header: list[str] = []

    def ticket_id(self, text: str) -> str | None:
        """The id of a (possibly corrupted) line, when it can still be read."""
        try:
            record = self.parse(text)
        except (ValueError, IndexError):
            return None
        value = record.get(self.roles.ids[0])
        return str(value) if value else None

    def as_copy(self, text: str) -> str:
        """A duplicate line; array elements get a trailing comma (the last one loses it later)."""
        if self.kind == "json" and not text.endswith(","):
            return text + ","
        return text

    def apply(self, row: _Row, error_class: str) -> tuple[str | None, str] | None:
        """Corrupt ``row`` in place; return (column, detail) or None if not applicable."""
        record = self.parse(row.text)
        result: tuple[str | None, str] | None = getattr(self, f"_{error_class}")(row, record)
        if result is not None:
            row.clean = False
        return result

    def _malformed_row(self, row: _Row, record: dict[str, Any]) -> tuple[str | None, str] | None:
        if self.kind == "json":
            return None  # a broken element would make the whole array unreadable
        if self.kind == "jsonl":
            cut = int(self.rng.integers(5, max(6, len(row.text) // 2)))
            row.text = row.text[:cut]
            return None, f"line cut after {cut} characters"
        fields = _csv_fields(row.text)
        if self.rng.random() < 0.5:
            drop = int(self.rng.integers(1, max(2, len(fields) // 2)))
            fields = fields[:-drop]
            detail = f"{len(fields)} fields instead of {len(self.header)}"
        else:
            fields = [*fields, "extra", "fields"]
            detail = f"{len(fields)} fields instead of {len(self.header)}"
        row.text = _csv_line(fields)
        return None, detail

    def _unparseable_timestamp(
        self, row: _Row, record: dict[str, Any]
    ) -> tuple[str | None, str] | None:
        column = str(self.rng.choice(self.roles.times))
        value = str(self.rng.choice(GARBAGE_TIMES))
        self._set(row, record, column, value)
        return column, f"timestamp replaced by {value!r}"

    def _impossible_timestamp(
        self, row: _Row, record: dict[str, Any]
    ) -> tuple[str | None, str] | None:
        if self.roles.skip and record.get(self.roles.skip[0]) == self.roles.skip[1]:
            return None
        candidates = [c for c in self.roles.later if _get(record, c)]
        if not candidates:
            return None
        column = str(self.rng.choice(candidates))
        when = self.start - timedelta(days=float(self.rng.uniform(1, 30)))
        self._set(row, record, column, _format_time(when, self.roles.date_format))
        return column, "before the ticket was created"

    def _missing_id(self, row: _Row, record: dict[str, Any]) -> tuple[str | None, str] | None:
        for column in self.roles.ids:
            self._set(row, record, column, "")
        return self.roles.ids[0], "id left empty"

    def parse(self, text: str) -> dict[str, Any]:
        """The fields of a data line by column name."""
        if self.kind == "csv":
            return dict(zip(self.header, _csv_fields(text), strict=False))
        return dict(json.loads(text.strip().rstrip(",")))

    def _set(self, row: _Row, record: dict[str, Any], column: str, value: str) -> None:
        if self.kind == "csv":
            record[column] = value
            row.text = _csv_line([record[h] for h in self.header])
            return
        _put(record, column, value or None)
        comma = "," if row.text.endswith(",") else ""
        indent = "\t" if row.text.startswith("\t") else ""
        row.text = indent + json.dumps(record, ensure_ascii=False, separators=(",", ":")) + comma


def _get(record: dict[str, Any], dotted: str) -> Any:
    value: Any = record
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _put(record: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    node = record
    for part in parents:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    node[leaf] = value


def _csv_fields(text: str) -> list[str]:
    return next(csv.reader([text]))


def _csv_line(fields: list[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(fields)
    return buf.getvalue()


def _format_time(when: datetime, fmt: str) -> str:
    if fmt == "iso7":
        return when.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"
    if fmt == "iso-offset":
        return when.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    return when.astimezone(UTC).strftime(fmt)


def _add_bom(path: Path) -> None:
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())


def _has_non_ascii(path: Path) -> bool:
    return any(b > 127 for b in path.read_bytes())


def _to_latin1(path: Path) -> None:
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1"))
