"""Hostile or careless input on the ingest read path (issue 14): nothing is lost, nothing is
silently wrong, and nothing ends in an internal error."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ticketlake import Project
from ticketlake.ingest import targets
from ticketlake.sources import readers

Cli = Callable[..., tuple[int, str, str]]


def _write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _events(project: Project, sql: str) -> list[tuple[object, ...]]:
    with Project(project.root).read() as con:
        return con.execute(sql).fetchall()


def _configure(project: Project, source: str) -> Project:
    """Append ``source`` (YAML lines of one ``sources`` entry) to the project's settings."""
    config = project.root / "ticketlake.yml"
    text = config.read_text(encoding="utf-8").replace("sources: []\n", f"sources:\n{source}", 1)
    config.write_text(text, encoding="utf-8")
    return Project(project.root)


# ---------------------------------------------------------------- 3. a file that changes


def test_a_file_rewritten_while_it_is_read_is_not_recorded_as_seen(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The exporter truncates the file between hashing and reading: that batch must not be
    recorded under the full file's hash, so the full file loads once it is complete again."""
    rows = [f"T{i},2024-01-0{1 + i % 9} 10:00,Open" for i in range(40)]
    full = "ticket_id,created_at,status\n" + "\n".join(rows) + "\n"
    path = _write(tmp_path / "in" / "tickets.csv", full)
    real = readers.fingerprint

    def rewritten_after_hashing(p: Path, *args: object, **kwargs: object) -> object:
        found = real(p, *args, **kwargs)  # type: ignore[arg-type]
        p.write_text("ticket_id,created_at,status\n" + "\n".join(rows[:5]) + "\n")
        return found

    monkeypatch.setattr(readers, "fingerprint", rewritten_after_hashing)
    monkeypatch.setattr(targets, "fingerprint", rewritten_after_hashing, raising=False)
    first = project.ingest([path], format="tickets").batches[0]
    monkeypatch.undo()
    assert first.status == "failed" and "changed while" in first.reason, first
    path.write_text(full, encoding="utf-8")
    second = Project(project.root).ingest([path], format="tickets").batches[0]
    assert second.status == "committed", second.reason
    totals = Project(project.root).status()["totals"]
    assert (totals["rows_in"], totals["rows_loaded"], totals["tickets"]) == (40, 40, 40)


# ---------------------------------------------------------------- 5. mixed encodings


def test_one_latin1_row_in_a_utf8_file_keeps_every_utf8_name(
    project: Project, tmp_path: Path
) -> None:
    """Valid UTF-8 stays intact; the undecodable row is quarantined with its line and why."""
    body = (
        (
            "ticket_id,created_at,assignee\n"
            "T1,2024-01-01 10:00,José Schmidt\n"
            "T2,2024-01-01 11:00,Zoë Ångström\n"
        ).encode()
        + "T3,2024-01-01 12:00,Fran\xe7ois\n".encode("latin-1")
        + ("T4,2024-01-01 13:00,Łukasz Żółć\n").encode()
    )
    path = _write(tmp_path / "mixed.csv", body)
    batch = project.ingest([path], format="tickets").batches[0]
    assert batch.status == "committed", batch.reason
    assert (batch.rows_in, batch.rows_loaded, batch.rows_quarantined) == (4, 3, 1)
    names = {r[0] for r in _events(project, "SELECT DISTINCT assignee FROM ticket_events")}
    assert names == {"José Schmidt", "Zoë Ångström", "Łukasz Żółć"}
    [row] = Project(project.root).quarantine()
    assert row["line"] == 4
    assert "UTF-8" in row["reason"] and row["raw"].startswith("T3,")


def test_utf16_with_a_byte_order_mark_is_decoded(project: Project, tmp_path: Path) -> None:
    text = "ticket_id,created_at,assignee\nT1,2024-01-01 10:00,Jürgen\nT2,2024-01-02 10:00,Ana\n"
    path = _write(tmp_path / "u16.csv", text.encode("utf-16"))
    batch = project.ingest([path], format="tickets").batches[0]
    assert batch.status == "committed", batch.reason
    assert (batch.rows_in, batch.rows_loaded) == (2, 2)
    names = {r[0] for r in _events(project, "SELECT DISTINCT assignee FROM ticket_events")}
    assert names == {"Jürgen", "Ana"}


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ("ticket_id,created_at\nT1,2024-01-01\n".encode("utf-16-le"), "UTF-16"),
        (b"ticket_id,created_at\nT1,2024-01-01\x00\x00\nT2,2024-01-02\n", "NUL"),
    ],
)
def test_nul_bytes_and_utf16_without_a_mark_get_a_reason_that_says_so(
    data: bytes, says: str, project: Project, cli: Cli, tmp_path: Path
) -> None:
    path = _write(tmp_path / "odd.csv", data)
    code, _, err = cli("ingest", str(path), "--format", "tickets")
    assert code == 1 and "Traceback" not in err and "internal error" not in err
    [line] = [x for x in err.splitlines() if x.startswith("error:")]
    assert says in line and "odd.csv" in line


# ---------------------------------------------------------------- 7. oversized fields


def test_an_oversized_field_is_a_quarantined_row_and_the_other_files_go_on(
    project: Project, cli: Cli, tmp_path: Path
) -> None:
    """A field over 128 MiB: its row is quarantined naming the line, the next file loads."""
    folder = tmp_path / "big"
    _write(folder / "a.csv", "ticket_id,created_at,title\nA1,2024-01-01 10:00,ok\n")
    with (folder / "b.csv").open("wb") as f:
        f.write(b"ticket_id,created_at,title\nB1,2024-01-01 10:00,ok\nB2,2024-01-01 11:00,")
        block = b"x" * (1 << 20)
        for _ in range(130):
            f.write(block)
        f.write(b"\nB3,2024-01-01 12:00,ok\n")
    _write(folder / "c.csv", "ticket_id,created_at,title\nC1,2024-01-01 10:00,ok\n")
    code, _, err = cli("ingest", str(folder), "--format", "tickets")
    assert "internal error" not in err and "Traceback" not in err, err
    status = Project(project.root).status()
    by_file = {Path(b["path"]).name: b for b in status["batches"]}
    assert {n: b["status"] for n, b in by_file.items()} == dict.fromkeys(
        ("a.csv", "b.csv", "c.csv"), "committed"
    )
    assert (by_file["b.csv"]["rows_loaded"], by_file["b.csv"]["rows_quarantined"]) == (2, 1)
    [row] = Project(project.root).quarantine()
    assert (Path(row["file"]).name, row["line"]) == ("b.csv", 3)
    assert "bytes" in row["reason"] and len(row["raw"]) < 1 << 20
    assert code == 0


# ---------------------------------------------------------------- 8. time-zone names


def test_time_zone_abbreviations_are_quarantined_unless_the_source_maps_them(
    project: Project, tmp_path: Path
) -> None:
    """``CET`` is ambiguous (and was read as UTC); offsets and RFC 2822 dates parse."""
    path = _write(
        tmp_path / "exports" / "tz.csv",
        "ticket_id,created_at\n"
        "A,2024-01-01 10:00:00 CET\n"
        "B,2024-01-01 10:00:00+0530\n"
        'C,"Mon, 01 Jan 2024 10:00:00 +0100"\n'
        "D,2024-07-01T10:00:00-04:00\n",
    )
    batch = project.ingest([path], format="tickets").batches[0]
    assert (batch.rows_loaded, batch.rows_quarantined) == (3, 1)
    [row] = Project(project.root).quarantine()
    assert (row["line"], row["column"]) == (2, "created_at") and "CET" in row["reason"]
    got = dict(_events(project, "SELECT ticket_id, strftime(created_at, '%Y-%m-%d %H:%M') "
                                "FROM ticket_events WHERE event_type = 'created'"))  # fmt: skip
    assert got == {"B": "2024-01-01 04:30", "C": "2024-01-01 09:00", "D": "2024-07-01 14:00"}


def test_a_mapped_time_zone_abbreviation_parses(project: Project, tmp_path: Path) -> None:
    _write(tmp_path / "exports" / "tz.csv",
           "ticket_id,created_at\nA,2024-01-01 10:00:00 CET\nB,2024-07-01 10:00:00 CEST\n")  # fmt: skip
    mapped = _configure(project, f"  - name: desk\n    format: tickets\n"
                                 f"    path: {tmp_path / 'exports'}\n"
                                 "    zone_names: {CET: '+01:00', CEST: '+02:00'}\n")  # fmt: skip
    batch = mapped.ingest(source="desk").batches[0]
    assert (batch.rows_loaded, batch.rows_quarantined) == (2, 0), batch.reason
    got = dict(_events(mapped, "SELECT ticket_id, strftime(created_at, '%H:%M') "
                               "FROM ticket_events WHERE event_type = 'created'"))  # fmt: skip
    assert got == {"A": "09:00", "B": "08:00"}


# ---------------------------------------------------------------- 9. implausible values


def test_implausible_dates_and_negative_counters_are_quarantined(
    project: Project, tmp_path: Path
) -> None:
    """Year 1 and 9999 would blow dim_date up; a negative counter is no count at all."""
    path = _write(
        tmp_path / "t.csv",
        "ticket_id,created_at,resolved_at,reopen_count\n"
        "A,0001-01-01 10:00,,0\n"
        "B,2024-01-01 10:00,9999-12-31 10:00,0\n"
        "C,2024-01-01 10:00,2024-01-02 10:00,-3\n"
        "D,1989-12-31 23:00,,0\n"
        "E,2024-01-01 10:00,2024-01-02 10:00,1\n",
    )
    batch = project.ingest([path], format="tickets").batches[0]
    assert (batch.rows_loaded, batch.rows_quarantined) == (1, 4)
    rows = {r["line"]: r for r in Project(project.root).quarantine()}
    assert {line: r["error_class"] for line, r in rows.items()} == {
        2: "implausible_timestamp",
        3: "implausible_timestamp",
        4: "implausible_value",
        5: "implausible_timestamp",
    }
    assert rows[3]["column"] == "resolved_at" and "9999" in rows[3]["reason"]
    assert rows[4]["column"] == "reopen_count"


def test_the_plausibility_window_is_configurable(project: Project, tmp_path: Path) -> None:
    _write(tmp_path / "exports" / "t.csv", "ticket_id,created_at\nD,1985-06-01 10:00\n")
    wide = _configure(project, f"  - name: desk\n    format: tickets\n"
                               f"    path: {tmp_path / 'exports'}\n")  # fmt: skip
    wide = Project(wide.root, ["ingest.plausible_from=1980-01-01"])
    batch = wide.ingest(source="desk").batches[0]
    assert (batch.rows_loaded, batch.rows_quarantined) == (1, 0)
