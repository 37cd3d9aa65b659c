"""``ticketlake map suggest`` on three layouts nobody here designed: the suggestion is valid
configuration, maps the lifecycle columns right, and, unedited, gives the headline figures
of a mapping written by hand. Unknown values are listed with their counts; a file that cannot
be read is one line and exit code 2."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
import yaml

from tests.suggest.conftest import Built, run_cli
from tests.suggest.layouts import github_issues, servicenow_incidents
from ticketlake import Project, config
from ticketlake.cli import docgen

LIFECYCLE = ("ticket_id", "created_at", "event_time", "status", "sub_status", "priority")
HEADLINES = """SELECT count(*) AS tickets, count(resolved_at) AS resolved,
    round(median(resolution_hours), 6) AS median_resolution_hours FROM fact_ticket"""


def headlines(project: Project) -> dict[str, object]:
    """Ticket count, resolved count and median resolution hours of the built warehouse."""
    names, rows = project.query(HEADLINES)
    return dict(zip(names, rows[0], strict=True))


def test_the_suggestion_is_configuration_ticketlake_accepts(built: Built) -> None:
    settings = config.load_settings(built.suggested.root)
    (source,) = settings.sources
    hand = built.layout.hand["sources"][0]
    assert (source.format, source.date_format) == (hand["format"], hand.get("date_format"))
    assert source.path == f"exports/{built.layout.file.name}"


def test_the_lifecycle_columns_are_mapped_as_by_hand(built: Built) -> None:
    mapping = config.load_settings(built.suggested.root).sources[0].mapping
    wanted = {f: c for f, c in built.layout.mapping.items() if f in LIFECYCLE}
    assert {f: c for f, c in mapping.items() if f in LIFECYCLE} == wanted


def test_labels_are_the_hand_written_ones(built: Built) -> None:
    settings = config.load_settings(built.suggested.root)
    assert settings.statuses == built.layout.hand["statuses"]
    aliases = built.layout.hand.get("priorities", {}).get("aliases")
    if aliases is None:
        assert "No priority column found" in built.suggestion
    else:
        assert settings.priorities.aliases == aliases


def test_unedited_suggestion_gives_the_hand_mappings_headlines(built: Built) -> None:
    suggested, hand = headlines(built.suggested), headlines(built.hand)
    assert suggested == hand
    assert suggested["tickets"] == built.layout.tickets
    assert suggested["resolved"] == built.layout.resolved
    assert suggested["median_resolution_hours"] == pytest.approx(built.layout.median_hours)


def _odd_values(rng: random.Random, row: list[str]) -> list[str]:
    """Spoil a few rows: a state and a priority no vocabulary knows."""
    if rng.random() < 0.05:
        row[1], row[2] = "-100", "9 - Someday"
    return row


def test_unknown_values_are_listed_with_their_counts(tmp_path: Path) -> None:
    layout = servicenow_incidents(tmp_path / "incidents.csv", extra=_odd_values)
    odd = sum(1 for line in layout.file.read_text().splitlines() if ",-100," in line)
    code, out, _ = run_cli("-p", str(tmp_path), "map", "suggest", str(layout.file))
    assert code == 0
    assert f'# "-100": ?  # {odd} rows: not a known status' in out
    assert f'# "9 - Someday": ?  # {odd} rows: not a known priority' in out
    settings = yaml.safe_load(out)
    assert "-100" not in settings["statuses"]  # listed for review, never guessed


def test_unmapped_columns_are_listed_with_counts(built: Built) -> None:
    mapped = set(config.load_settings(built.suggested.root).sources[0].mapping.values())
    listed = re.findall(r'^    #   "([^"]+)": \w+, ([\d,]+) distinct in ([\d,]+) rows',
                        built.suggestion, re.MULTILINE)  # fmt: skip
    header = built.suggestion.splitlines()[2]
    columns = int(re.search(r"(\d+) columns", header).group(1))  # type: ignore[union-attr]
    assert len(listed) + len(mapped) == columns
    assert not mapped & {name for name, _, _ in listed}


def test_ambiguous_day_and_month_are_flagged(tmp_path: Path) -> None:
    file = tmp_path / "desk.csv"
    file.write_text("id,created_at,status\n1,01/02/2024 10:00,Open\n2,03/04/2024 11:00,Closed\n")
    code, out, _ = run_cli("-p", str(tmp_path), "map", "suggest", str(file))
    assert code == 0
    assert "created_at also reads as %m/%d/%Y %H:%M: check day and month order" in out


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("broken.json", '[{"number": 1,', "cannot read"),
        ("binary.csv", "\x00\x01\x02\xff" * 64, "cannot read"),
        ("empty.csv", "", "cannot read"),
        ("missing.csv", None, "not a file"),
    ],
)
def test_an_unreadable_file_is_one_line_and_exit_2(tmp_path: Path, name: str,
                                                   content: str | None, reason: str) -> None:  # fmt: skip
    file = tmp_path / name
    if content is not None:
        file.write_bytes(content.encode("latin-1"))
    code, out, err = run_cli("-p", str(tmp_path), "map", "suggest", str(file))
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and reason in err and name in err
    assert "Traceback" not in err


def test_out_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    layout = servicenow_incidents(tmp_path / "incidents.csv", n=20)
    target = tmp_path / "suggested.yml"
    target.write_text("keep me\n")
    code, _, err = run_cli("map", "suggest", str(layout.file), "--out", str(target))
    assert code == 2 and "--force" in err and target.read_text() == "keep me\n"
    code, out, _ = run_cli("map", "suggest", str(layout.file), "--out", str(target), "--force")
    assert code == 0 and out.strip() == f"wrote {target}"
    assert yaml.safe_load(target.read_text())["sources"][0]["format"] == "tickets"


def test_format_option_overrides_the_choice(tmp_path: Path) -> None:
    layout = servicenow_incidents(tmp_path / "incidents.csv", n=20)
    code, out, _ = run_cli("map", "suggest", str(layout.file), "--format", "eventlog")
    assert code == 0
    source = yaml.safe_load(out)["sources"][0]
    assert source["format"] == "eventlog" and "created_at" not in source["mapping"]
    code, _, err = run_cli("map", "suggest", str(layout.file), "--format", "xml")
    assert code == 2 and "unknown format 'xml'" in err


def test_the_cli_reference_documents_map_suggest() -> None:
    page = docgen.render()
    assert "## ticketlake map suggest\n" in page
    assert "Usage: ticketlake map suggest [OPTIONS]" in page


def _suggest(tmp_path: Path, name: str, content: bytes) -> dict[str, object]:
    """``map suggest`` on a small file: its output read as YAML, and the text itself."""
    file = tmp_path / name
    file.write_bytes(content)
    code, out, err = run_cli("-p", str(tmp_path), "map", "suggest", str(file))
    assert code == 0, err
    return {"yaml": yaml.safe_load(out), "text": out}


@pytest.mark.parametrize(
    ("values", "vocabulary", "categories"),
    [
        (["new", "open", "pending", "hold", "solved", "closed"], "Zendesk statuses",
         ["new", "open", "pending", "on_hold", "resolved", "closed"]),
        (["To Do", "In Progress", "Done"], "Jira status categories", ["new", "open", "closed"]),
        (["new", "indeterminate", "done"], "Jira status categories", ["new", "open", "closed"]),
        (["New", "On Hold", "Resolved", "Canceled"], "ServiceNow incident states",
         ["new", "on_hold", "resolved", "cancelled"]),
    ],
)  # fmt: skip
def test_known_status_vocabularies(tmp_path: Path, values: list[str], vocabulary: str,
                                   categories: list[str]) -> None:  # fmt: skip
    lines = [f'{{"id": {i}, "created_at": "2024-01-0{i + 1}T10:00:00Z", "status": "{v}"}}'
             for i, v in enumerate(values)]  # fmt: skip
    got = _suggest(tmp_path, "desk.jsonl", "\n".join(lines).encode())
    assert f"Status values of status, read as {vocabulary}." in str(got["text"])
    assert got["yaml"]["statuses"] == dict(zip(values, categories, strict=True))  # type: ignore[index]


def test_json_lines_and_a_json_array_give_the_same_mapping(tmp_path: Path) -> None:
    issues = json.loads(github_issues(tmp_path / "issues.json", n=40).file.read_text())
    lines = "\n".join(json.dumps(issue) for issue in issues).encode()
    array = _suggest(tmp_path, "issues.json", json.dumps(issues).encode())
    jsonl = _suggest(tmp_path, "issues.jsonl", lines)
    assert array["yaml"]["sources"][0]["mapping"] == jsonl["yaml"]["sources"][0]["mapping"]  # type: ignore[index]


def test_a_single_byte_file_is_read_and_control_characters_stay_valid_yaml(tmp_path: Path) -> None:
    content = b"id,created_at,status,city\n1,2024-01-02 10:00,Op\x7fen\x85,K\xf6ln\n"
    got = _suggest(tmp_path, "desk.csv", content)  # 0x85 is an ellipsis in cp1252
    assert "Read as CSV (cp1252" in str(got["text"])
    assert '  # "Op\\u007fen\u2026": ?  # 1 row' in str(got["text"])
    assert got["yaml"]["sources"][0]["mapping"]["location"] == "city"  # type: ignore[index]


def test_a_delimiter_ingest_cannot_read_is_a_warning(tmp_path: Path) -> None:
    got = _suggest(tmp_path, "desk.csv", b"id;created_at;status\n1;2024-01-02 10:00;Open\n")
    assert "# WARNING: the delimiter is ';'; ingest reads comma-separated files only." in str(
        got["text"]
    )


def test_zone_names_and_mixed_time_forms_are_named(tmp_path: Path) -> None:
    content = (b"id,created_at,resolved_at,status\n"
               b"1,2024-01-15 10:00 CET,16/01/2024 10:00,Open\n"
               b"2,2024-01-16 10:00 CET,17/01/2024 12:00,Closed\n")  # fmt: skip
    text = str(_suggest(tmp_path, "desk.csv", content)["text"])
    assert "# CHECK: created_at ends in zone names CET: map them in zone_names." in text
    assert (
        "created_at is written differently (ISO 8601) from the other times (%d/%m/%Y %H:%M)" in text
    )
    assert "are not times" not in text
    assert (
        'created_at: "created_at"  # time, 2 distinct in 2 rows; ISO 8601, offsets CET x2' in text
    )


def test_a_jira_export_is_mapped_by_its_dotted_paths(tmp_path: Path) -> None:
    issues = [{"id": str(10_000 + i), "key": f"DESK-{i}", "fields": {
        "created": f"2024-01-{i + 10}T10:00:00.000+0100", "summary": "VPN drops",
        "resolutiondate": f"2024-01-{i + 11}T09:30:00.000+0100" if i % 2 else None,
        "status": {"name": "Done" if i % 2 else "In Progress",
                   "statusCategory": {"key": "done" if i % 2 else "indeterminate"}},
        "priority": {"name": ["Highest", "High", "Medium", "Low"][i % 4]},
        "assignee": {"displayName": "Anna"}}} for i in range(8)]  # fmt: skip
    lines = "\n".join(json.dumps(issue) for issue in issues).encode()
    got = _suggest(tmp_path, "jira.jsonl", lines)["yaml"]
    assert got["sources"][0]["mapping"] == {  # type: ignore[index]
        "ticket_id": "key", "created_at": "fields.created",
        "resolved_at": "fields.resolutiondate", "status": "fields.status.name",
        "priority": "fields.priority.name", "assignee": "fields.assignee.displayName",
        "title": "fields.summary",
    }  # fmt: skip
    assert got["statuses"] == {"Done": "closed", "In Progress": "open"}  # type: ignore[index]
    assert got["priorities"]["aliases"] == {
        "Highest": "P1",
        "High": "P2",
        "Medium": "P3",
        "Low": "P4",
    }  # type: ignore[index]
