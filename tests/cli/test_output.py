"""What the commands print is the data as it is: a value, a file name or an error message
that looks like rich markup (``[/x]``, ``[bold]``, ``[link=...]``) or an emoji code
(``postgres:x:``, ``:smile:``) is printed literally, never parsed; and every CSV the
commands write is formula-safe (docs/cli.md)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.cli import RUN
from ticketlake import Project
from ticketlake.cli.main import app

# Labels rich would read as markup or emoji codes; each must be printed exactly as written.
GROUP, EMOJI_GROUP = "[bold]loud[/bold]", "postgres:x:"
AGENT, LINK_AGENT, EMOJI_AGENT = "[/x]", "[link=file:///etc/passwd]x[/link]", ":smile: team"
BAD_TIME = "[/x] not a time"
FILE = "ev [bold] :smile:.csv"
EVENTS = f"""case_id,timestamp,event_type,status,assignment_group,assignee,priority
A-1,2024-01-05T09:00:00Z,created,New,{GROUP},{AGENT},Low
A-1,2024-01-05T10:00:00Z,assigned,Assigned,{GROUP},{AGENT},Low
A-1,2024-01-05T12:00:00Z,resolved,Resolved,{GROUP},{AGENT},Low
A-2,2024-01-05T09:00:00Z,created,New,{EMOJI_GROUP},{EMOJI_AGENT},High
A-2,2024-01-05T10:00:00Z,assigned,Assigned,{EMOJI_GROUP},{LINK_AGENT},High
A-3,{BAD_TIME},created,New,{EMOJI_GROUP},{EMOJI_AGENT},High
A-4,2024-01-06T09:00:00Z,created,New,+1+1,=1+1,Low
A-5,2024-01-06T09:00:00Z,created,New,＝1+1,@SUM(A1),Low
"""
# What rich would have made of them: none of it may appear.
RENDERED = ("❌", "😄")
# Text cells a spreadsheet would run as formulas, and what the CSV must hold instead.
FORMULAS = {
    "=1+1": "'=1+1",
    "+1+1": "'+1+1",
    "-2+3": "'-2+3",
    "@SUM(A1)": "'@SUM(A1)",
    "\t=1+1": "'\t=1+1",
    "\r=1+1": "'\r=1+1",
    "\n=1+1": "'\n=1+1",
    "  =1+1": "'  =1+1",
    "＝1+1": "'＝1+1",
    "＋1": "'＋1",
    "－1": "'－1",
    "＠SUM(A1)": "'＠SUM(A1)",
    "plain": "plain",
    "1-1": "1-1",
    'a\rb, "c"': 'a\rb, "c"',  # a lone carriage return inside a cell is quoted
}


def _cli(root: Path, *args: str) -> tuple[int, str, str]:
    """``ticketlake -p ROOT ARGS...`` in-process, wide enough that no cell is folded."""
    result = CliRunner().invoke(app, ["-p", str(root), *args], env={"COLUMNS": "400"})
    return result.exit_code, result.stdout, result.stderr


def _project(root: Path) -> Path:
    """A project with one event-log source, ``desk``, holding :data:`EVENTS` as :data:`FILE`."""
    (root / "exports" / "desk").mkdir(parents=True)
    (root / "exports" / "desk" / FILE).write_text(EVENTS, encoding="utf-8")
    config = Project(root).init()
    source = "sources:\n  - name: desk\n    format: eventlog\n    path: exports/desk\n"
    text = config.read_text(encoding="utf-8").replace("sources: []\n", source, 1)
    config.write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project, ingested and built (read-only for the tests)."""
    root = _project(tmp_path_factory.mktemp("output"))
    code, _out, err = _cli(root, *RUN)
    assert code == 0, err
    return root


def _literal(out: str, *values: str) -> None:
    for value in values:
        assert value in out, value
    for rendered in RENDERED:
        assert rendered not in out, rendered


@pytest.mark.parametrize(
    ("args", "values"),
    [
        (
            ["query", f"SELECT '{AGENT}' AS \"{GROUP}\", '{EMOJI_GROUP}' AS b"],
            [AGENT, GROUP, EMOJI_GROUP],
        ),
        (["query", f"SELECT '{LINK_AGENT}' AS a, '{EMOJI_AGENT}' AS b"], [LINK_AGENT, EMOJI_AGENT]),
        (["kpis", "agent_load", "--by", "agent"], [AGENT, LINK_AGENT, EMOJI_AGENT]),
        (["kpis", "volume", "--by", "group"], [GROUP, EMOJI_GROUP]),
        (["quarantine"], [FILE, BAD_TIME, EMOJI_GROUP, EMOJI_AGENT]),
        (["status", "--batches"], [FILE]),
        (["tables", "--sample", "3"], [AGENT, GROUP, EMOJI_GROUP, LINK_AGENT]),
    ],
)
def test_tables_print_values_as_they_are(built: Path, args: list[str], values: list[str]) -> None:
    """Exit 0, and each value (and column name) on screen exactly as it is stored."""
    code, out, err = _cli(built, *args)
    assert code == 0, err
    _literal(out, *values)


def test_ingest_prints_file_names_as_they_are(tmp_path: Path) -> None:
    """The ingest table, and the line saying which format was detected, name the file as
    it is called."""
    root = _project(tmp_path)
    path = root / "exports" / "desk" / FILE
    code, out, err = _cli(root, "ingest", str(path))
    assert code == 0, err
    _literal(out, FILE)
    first, *rest = err.splitlines()
    assert first == f"auto: {path} read as eventlog"
    assert all(line.startswith("health: ") for line in rest), rest  # mapping health follows


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["kpis", f"{EMOJI_GROUP} {AGENT}"], f"error: no KPI named '{EMOJI_GROUP} {AGENT}'"),
        (
            ["ingest", f"nope {GROUP} {EMOJI_AGENT}.csv"],
            f"error: nope {GROUP} {EMOJI_AGENT}.csv: no such file or folder",
        ),
        (["generate", "--shape", AGENT], f"error: unknown shape '{AGENT}'"),
        (
            ["kpis", "volume", "--from", f"{EMOJI_AGENT} {LINK_AGENT}"],
            f"--from expects a date as YYYY-MM-DD, got '{EMOJI_AGENT} {LINK_AGENT}'",
        ),
    ],
)
def test_error_messages_are_printed_as_they_are(built: Path, args: list[str], says: str) -> None:
    """Exit 2 and one line that quotes the value literally; no internal error."""
    code, out, err = _cli(built, *args)
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("error: ") and says in err, err
    assert not out


def test_paths_are_printed_as_they_are(tmp_path: Path) -> None:
    """``init`` names the file it wrote, even in a folder whose name looks like markup."""
    folder = tmp_path / f"p {GROUP} {EMOJI_AGENT}"
    result = CliRunner().invoke(app, ["init", str(folder)], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"wrote {folder / 'ticketlake.yml'}\n"


def test_query_csv_is_formula_safe(built: Path) -> None:
    """Each text cell a spreadsheet would run gets a leading apostrophe, in the header too;
    numbers stay numbers (``-1`` of an integer column is printed as it is)."""
    values = ", ".join(f"({i}, '{v}')" for i, v in enumerate(FORMULAS))
    sql = f'SELECT -1 AS n, v AS "=x" FROM (VALUES {values}) AS t(i, v) ORDER BY i'
    code, out, err = _cli(built, "query", sql, "-f", "csv")
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["n", "'=x"]
    assert [r[1] for r in rows[1:]] == list(FORMULAS.values())
    assert {r[0] for r in rows[1:]} == {"-1"}


def test_kpis_csv_is_formula_safe(built: Path) -> None:
    """Groups and agents named like formulas are written with a leading apostrophe."""
    code, out, err = _cli(built, "kpis", "volume", "--by", "group", "-f", "csv")
    assert code == 0, err
    groups = {r["group"] for r in csv.DictReader(io.StringIO(out))}
    assert groups == {GROUP, EMOJI_GROUP, "'+1+1", "'＝1+1"}
    code, out, err = _cli(built, "kpis", "agent_load", "--by", "agent", "-f", "csv")
    assert code == 0, err
    agents = {r["agent"] for r in csv.DictReader(io.StringIO(out))}
    assert agents >= {AGENT, LINK_AGENT, "'=1+1", "'@SUM(A1)"}
