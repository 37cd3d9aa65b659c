"""The ingest read path under random input: bytes, encodings, line endings, quoting and field
sizes never end in an internal error, and every row is loaded or quarantined."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ticketlake import Project, TicketlakeError
from ticketlake.sources import readers

HEADER = ["ticket_id", "created_at", "status", "title"]
TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
FIELD = st.one_of(
    st.sampled_from(["T1", "T2", "", "?", "2024-01-01 10:00", "2024-02-30 10:00", "Open",
                     "Closed", "x,y", 'say "hi"', "two\nlines", "tab\there", "CET",
                     "2024-01-01 10:00:00 CET", "0001-01-01", "9999-12-31 23:59"]),
    TEXT,
    st.integers(0, 3000).map(lambda n: "w" * n),
)  # fmt: skip
ROW = st.lists(FIELD, min_size=1, max_size=6)


def _encode(text: str, encoding: str) -> bytes:
    if encoding == "mixed":  # UTF-8 with one row of latin-1 somewhere in the middle
        lines = text.split("\n")
        middle = len(lines) // 2
        return (
            "\n".join(lines[:middle]).encode()
            + b"\n"
            + "\n".join(lines[middle:]).encode("latin-1", errors="replace")
        )
    return text.encode(encoding, errors="replace")


@st.composite
def files(draw: st.DrawFn) -> bytes:
    """A CSV-ish file: a header and rows written with random quoting and line endings, in a
    random encoding, sometimes with raw bytes spliced in."""
    rows = draw(st.lists(ROW, min_size=0, max_size=25))
    out = io.StringIO()
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    writer = csv.writer(out, quoting=quoting, lineterminator=newline)
    writer.writerow(HEADER)
    writer.writerows(rows)
    text = out.getvalue()
    if draw(st.booleans()):
        text += draw(st.sampled_from(["", "\n\n", 'T9,"unterminated', ",,,,,,,,", "\n \n"]))
    data = _encode(text, draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16",
                                               "cp1252", "mixed"])))  # fmt: skip
    if draw(st.booleans()):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(max_size=8)) + data[at:]
    return data


@settings(
    max_examples=int(os.environ.get("TICKETLAKE_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(files())
def test_random_files_load_or_fail_with_a_reason_and_lose_no_row(data: bytes) -> None:
    """Every outcome is a ledger row: committed with rows in = loaded + quarantined (and the
    quarantine holding exactly the quarantined rows), or failed with a reason naming the
    file; nothing raises except our own one-line errors."""
    with tempfile.TemporaryDirectory() as tmp:
        project = Project(Path(tmp) / "p")
        project.root.mkdir()
        project.init()
        path = Path(tmp) / "t.csv"
        path.write_bytes(data)
        try:
            [batch] = project.ingest([path], format="tickets").batches
        except TicketlakeError as exc:
            assert "\n" not in str(exc) and str(path) in str(exc)
            return
        if batch.status == "failed":
            assert batch.reason and "t.csv" in batch.reason
            return
        assert batch.rows_in == batch.rows_loaded + batch.rows_quarantined
        quarantined = Project(project.root).quarantine()
        assert len(quarantined) == batch.rows_quarantined
        assert all(r["line"] >= 2 and r["reason"] for r in quarantined)
        assert len({r["line"] for r in quarantined}) == len(quarantined)


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=400), st.sampled_from([1, 2, 3, 7, 64]))
def test_line_facts_match_a_plain_split(data: bytes, block: int) -> None:
    """The fingerprint's line and blank-line counts and :class:`readers.Lines` agree with
    splitting the bytes on newlines, whatever the block size the file is read in."""
    if b"\x00" in data:
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.txt"
        path.write_bytes(data)
        lines = data.split(b"\n")[:-1] if data.endswith(b"\n") else data.split(b"\n")
        lines = [] if not data else lines
        blank = [i + 1 for i, line in enumerate(lines) if line in (b"", b"\r")]
        saved = readers.BLOCK
        readers.BLOCK = block
        try:
            fp = readers.fingerprint(path)
            found_blank = readers.Lines(path).blank()
            texts = readers.Lines(path).text(range(1, len(lines) + 1))
        except readers.FileProblem:  # a UTF-16 byte-order mark followed by NULs, say
            return
        finally:
            readers.BLOCK = saved
        assert (fp.lines, fp.blank_lines) == (len(lines), len(blank))
        assert found_blank == blank
        want = {i + 1: line.rstrip(b"\r\n").decode("utf-8", "backslashreplace")
                for i, line in enumerate(lines) if line}  # fmt: skip
        assert {k: v for k, v in texts.items() if v} == {k: v for k, v in want.items() if v}
