"""The query sandbox (engine/reader.py): a query reads the warehouse's tables and nothing else.

Every adversarial statement runs twice, through ``ticketlake query`` and through
``Project.query``: it must fail with one line, show nothing it was not allowed to read, and
leave every file of the project, of a folder of canaries outside it and of the working
directory as it was.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from ticketlake import Project, TicketlakeError, UsageError
from ticketlake.cli.main import app
from ticketlake.engine import reader

SECRET_NAME = "TICKETLAKE_TEST_AWS_SECRET_ACCESS_KEY"
SECRET = "tl-fake-secret-5f1c9e0b"  # planted in the environment, as S3 credentials would be
CANARY = "tl-canary-83b2d7"  # the content of every file a query must not read
PASSWD = "root:x:0:0"


@dataclass(frozen=True)
class Site:
    """A built project, a folder of canaries beside it and an empty working directory."""

    root: Path
    files: Path
    cwd: Path

    @property
    def project(self) -> Project:
        return Project(self.root)

    def fill(self, sql: str) -> str:
        """``sql`` with its ``{placeholders}`` pointing into this site."""
        build = (self.root / "warehouse" / "ticketlake.duckdb").resolve()
        lake_file = next((self.root / "lake" / "events").rglob("*.parquet"))
        return sql.format(
            root=self.root, lake=self.root / "lake", lake_file=lake_file, build=build,
            builds=build.parent, sibling=self.root / "warehouse" / "notes.csv",
            csv=self.files / "canary.csv", json=self.files / "canary.json",
            other=self.files / "other.duckdb", imp=self.files / "imp", out=self.files / "out",
            secret=SECRET_NAME,
        )  # fmt: skip

    def snapshot(self) -> dict[str, str]:
        """Every file and folder under the three places, with a digest of each file (the
        project's own log, which every command appends to, left out)."""
        found = {}
        for top in (self.root, self.files, self.cwd):
            for path in top.rglob("*"):
                if path.is_relative_to(self.root / "logs"):
                    continue
                found[str(path)] = (
                    hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
                )
        return found


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """A warehouse built from 300 generated tickets; canary files, a folder whose
    ``schema.sql`` would copy a table over a canary and over a lake file, and a fake secret
    in the environment."""
    root, files, cwd = (tmp_path_factory.mktemp(n) for n in ("project", "canaries", "cwd"))
    project = Project(root)
    project.init()
    project.generate("tickets", root / "exports", tickets=300, days=20)
    project.ingest([root / "exports"], format="tickets")
    project.build()
    here = Site(root, files, cwd)
    (files / "canary.csv").write_text(f"secret\n{CANARY}\n", encoding="utf-8")
    (files / "canary.json").write_text(f'{{"secret": "{CANARY}"}}\n', encoding="utf-8")
    (root / "warehouse" / "notes.csv").write_text(f"secret\n{CANARY}\n", encoding="utf-8")
    other = duckdb.connect(str(files / "other.duckdb"))
    other.execute(f"CREATE TABLE secrets AS SELECT '{CANARY}' AS secret")
    other.close()
    (files / "imp").mkdir()
    (files / "imp" / "schema.sql").write_text(here.fill(
        "COPY (SELECT 'pwned' AS x) TO '{csv}';\n"
        "COPY (SELECT 'pwned' AS x) TO '{lake_file}' (FORMAT parquet);\n"
        "COPY (SELECT 'pwned' AS x) TO '{out}.csv';\n"), encoding="utf-8")  # fmt: skip
    (files / "imp" / "load.sql").write_text("", encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(SECRET_NAME, SECRET)
        yield here


# Statements that must not run, with {placeholders} filled in by Site.fill.
ADVERSARIAL = [
    # PRAGMA, IMPORT and EXPORT
    "PRAGMA import_database('{imp}')",
    "IMPORT DATABASE '{imp}'",
    "EXPORT DATABASE '{out}'",
    "PRAGMA database_list",
    "PRAGMA enable_external_access",
    # table functions that read files or URLs
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_csv_auto('{csv}')",
    "SELECT * FROM read_csv(['{csv}', '/etc/passwd'])",
    "SELECT * FROM read_json('{json}')",
    "SELECT * FROM read_json_auto('{json}')",
    "SELECT * FROM read_text('/proc/self/environ')",
    "SELECT content FROM read_blob('{csv}')",
    "SELECT * FROM read_parquet('{lake_file}')",
    "SELECT * FROM parquet_scan('{lake_file}')",
    "SELECT * FROM parquet_metadata('{lake_file}')",
    "SELECT * FROM read_json_auto('{lake}/_manifest/*.json')",
    "SELECT * FROM glob('/**')",
    "SELECT * FROM glob('{root}/**')",
    "SELECT * FROM sniff_csv('/etc/passwd')",
    "SELECT * FROM '/etc/passwd'",
    "FROM '{csv}'",
    "SELECT * FROM '{lake_file}'",
    "SELECT * FROM read_parquet('https://example.com/lake/events.parquet')",
    "SELECT * FROM read_parquet('s3://bucket/lake/events.parquet')",
    "SELECT * FROM read_csv('http://127.0.0.1:9/tickets.csv')",
    # the warehouse's neighbours: a sibling file, the configuration, another build folder
    "SELECT * FROM read_csv('{sibling}')",
    "SELECT * FROM read_text('{root}/ticketlake.yml')",
    "SELECT filename FROM read_blob('{builds}/*')",
    # COPY
    "COPY fact_ticket TO '{out}.csv'",
    "COPY (SELECT * FROM fact_ticket) TO '{out}.parquet' (FORMAT parquet)",
    "COPY (SELECT 'pwned' AS x) TO '{lake_file}' (FORMAT parquet)",
    "COPY fact_ticket FROM '{csv}'",
    # ATTACH, DETACH, USE
    "ATTACH '{other}' AS other",
    "ATTACH '{out}.duckdb' AS scratch",
    "ATTACH ':memory:' AS scratch",
    "DETACH warehouse",
    "USE memory",
    # extensions
    "INSTALL httpfs",
    "FORCE INSTALL httpfs",
    "LOAD httpfs",
    # settings
    "SET enable_external_access = true",
    "RESET enable_external_access",
    "SET lock_configuration = false",
    "SET allowed_directories = ['/']",
    # objects and maintenance
    "CREATE SECRET leak (TYPE s3, KEY_ID 'a', SECRET 'b')",
    "CREATE MACRO leak(p) AS TABLE SELECT * FROM read_text(p)",
    "CREATE VIEW leak AS SELECT * FROM read_csv('/etc/passwd')",
    "CREATE TEMP TABLE leak AS SELECT 1",
    "CREATE TABLE leak AS SELECT 1",
    "CALL pragma_version()",
    "CHECKPOINT",
    "VACUUM",
    "INSERT INTO fact_ticket SELECT * FROM fact_ticket",
    "UPDATE fact_ticket SET status = 'x'",
    "DELETE FROM fact_ticket",
    "DROP TABLE fact_ticket",
    # several statements, and statements behind comments
    "SELECT 1; COPY (SELECT 1) TO '{out}.csv'",
    "SELECT 1;; ATTACH '{other}' AS other",
    "/* just a comment */ COPY (SELECT 1) TO '{out}.csv'",
    "SELECT 1 --\n; COPY (SELECT 1) TO '{out}.csv'",
    "-- SELECT 1\nPRAGMA import_database('{imp}')",
    "SELECT 1 /* ; */; INSTALL httpfs",
    # Unicode: a fullwidth semicolon, zero-width spaces, homoglyphs, a right-to-left override
    "SELECT 1\uff1b COPY (SELECT 1) TO '{out}.csv'",
    "\u200bCOPY (SELECT 1) TO '{out}.csv'",
    "SELECT 1;\u200b COPY (SELECT 1) TO '{out}.csv'",
    "SELECT * FROM read_text('/proc/self/environ')\u200b",
    "\u0405ELECT * FROM read_csv('/etc/passwd')",  # a Cyrillic S
    "\uff33\uff25\uff2c\uff25\uff23\uff34 * FROM read_csv('/etc/passwd')",  # fullwidth letters
    "\u202eSELECT * FROM read_text('/proc/self/environ')",
    # CTEs and nested queries
    "WITH t AS (SELECT 1) DELETE FROM fact_ticket",
    "WITH t AS (SELECT * FROM read_csv('/etc/passwd')) SELECT * FROM t",
    "SELECT * FROM (SELECT * FROM read_text('{csv}'))",
    "SELECT * FROM query('COPY (SELECT 1) TO ''{out}.csv''')",
    "SELECT * FROM query('SELECT * FROM read_text(''/proc/self/environ'')')",
    "SELECT * FROM query_table('{csv}')",
    # the environment and settings
    "SELECT getenv('{secret}')",
    "SELECT current_setting('s3_secret_access_key')",
    "SELECT * FROM duckdb_secrets()",
    # nothing at all
    "",
    "-- only a comment",
]


def _cli(site: Site, *args: str) -> tuple[int, str, str]:
    """``ticketlake -p ROOT ARGS...`` in-process: (exit code, stdout, stderr)."""
    result = CliRunner().invoke(app, ["-p", str(site.root), *args])
    return result.exit_code, result.stdout, result.stderr


def _tickets(site: Site) -> object:
    return site.project.query("SELECT count(*) FROM fact_ticket").rows[0][0]


def _leaks(text: str) -> list[str]:
    return [marker for marker in (CANARY, SECRET, PASSWD, "pwned") if marker in text]


def _one_line(code: int, err: str) -> None:
    """A non-zero exit with exactly one ``error:`` line and no traceback."""
    assert code != 0, err
    assert err.startswith("error:") and err.strip().count("\n") == 0, err
    assert "Traceback" not in err and "internal error" not in err, err


def test_there_are_at_least_40_adversarial_statements() -> None:
    """The issue asks for 40; fewer would be a weaker suite than promised."""
    assert len(set(ADVERSARIAL)) == len(ADVERSARIAL) >= 40


@pytest.mark.parametrize("sql", ADVERSARIAL)
def test_ticketlake_query_refuses_in_one_line_and_touches_nothing(
    site: Site, sql: str, monkeypatch: pytest.MonkeyPatch
) -> None:  # fmt: skip
    """Exit non-zero with one ``error:`` line; nothing read shows up; no file changes."""
    monkeypatch.chdir(site.cwd)
    before, tickets = site.snapshot(), _tickets(site)
    code, out, err = _cli(site, "query", "--", site.fill(sql))
    _one_line(code, err)
    assert not out and not _leaks(err), (out, err)
    assert site.snapshot() == before
    assert _tickets(site) == tickets


@pytest.mark.parametrize("sql", ADVERSARIAL)
def test_project_query_refuses_in_one_line_and_touches_nothing(
    site: Site, sql: str, monkeypatch: pytest.MonkeyPatch
) -> None:  # fmt: skip
    """The library's read path (what the HTTP API will call) refuses the same way."""
    monkeypatch.chdir(site.cwd)
    before, tickets = site.snapshot(), _tickets(site)
    with pytest.raises(TicketlakeError) as refused:
        site.project.query(site.fill(sql), capped=True)
    message = str(refused.value)
    assert message and "\n" not in message and not _leaks(message), message
    assert site.snapshot() == before
    assert _tickets(site) == tickets


@pytest.mark.parametrize(
    "sql, says",
    [
        ("PRAGMA import_database('{imp}')", "only a single read-only SELECT is allowed (got PRAGMA)"),
        ("COPY fact_ticket TO '{out}.csv'", "(got COPY)"),
        ("SELECT 1; SELECT 2", "(got 2 statements)"),
        ("-- nothing", "(got no statement)"),
        ("\u0405ELECT 1", "query does not parse: Parser Error"),
        ("SELECT * FROM read_csv('/etc/passwd')", 'query refused: Permission Error: Cannot access file "/etc/passwd"'),
        ("\u202eSELECT 1", "\\u202eSELECT"),  # the override is spelled out, not obeyed
    ],
)  # fmt: skip
def test_refusals_exit_2_and_say_what_was_given(site: Site, sql: str, says: str) -> None:
    """Refused by the parser check or by the sandbox: a usage error (exit 2) naming it."""
    code, _out, err = _cli(site, "query", "--", site.fill(sql))
    _one_line(code, err)
    assert code == 2 and says in err, err
    with pytest.raises(UsageError):
        site.project.query(site.fill(sql))


@pytest.mark.parametrize("sql", ["SELECT * FROM no_such_table", "SELECT getenv('HOME')",
                                 "SELECT CAST('x' AS INTEGER)"])  # fmt: skip
def test_a_query_that_fails_is_one_line_with_exit_1(site: Site, sql: str) -> None:
    """DuckDB's own errors (no such table or function, a bad cast) are ``query failed``."""
    code, _out, err = _cli(site, "query", sql)
    _one_line(code, err)
    assert code == 1 and err.startswith("error: query failed: "), err


def _process(site: Site, code: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``code`` in a new Python process whose environment holds the fake secret from the
    start, as S3 credentials would be, so it is in that process's ``/proc/self/environ``."""
    env = {**os.environ, SECRET_NAME: SECRET}
    return subprocess.run([sys.executable, "-c", code, *args], cwd=site.cwd, env=env,
                          capture_output=True, text=True, timeout=300, check=False)  # fmt: skip


def test_the_environment_of_a_real_process_is_out_of_reach(site: Site) -> None:
    """``ticketlake query`` as its own process: the secret DuckDB could read from
    ``/proc/self/environ`` without the sandbox (the control) does not come out with it."""
    environ = "SELECT content FROM read_text('/proc/self/environ')"
    control = _process(site, "import duckdb, sys; print(duckdb.sql(sys.argv[1]).fetchall())",
                       environ)  # fmt: skip
    assert SECRET in control.stdout, control.stderr
    cli = "from ticketlake.cli.main import main; main()"
    result = _process(site, cli, "-p", str(site.root), "query", environ)
    assert result.returncode == 2 and not result.stdout, result.stderr
    assert result.stderr.startswith("error: query refused: Permission Error")
    assert SECRET not in result.stderr and result.stderr.count("\n") == 1


def test_python_objects_are_not_reachable_by_name(site: Site) -> None:
    """DuckDB's Python client scans a DataFrame or Arrow table named in the SQL from the
    caller's variables; on a reader's connection (external access off) it does not."""
    secrets = pa.table({"secret": [CANARY]})
    assert duckdb.connect().execute("SELECT * FROM secrets").fetchall() == [(CANARY,)]
    con = site.project.warehouse.connect()
    try:
        with pytest.raises(duckdb.CatalogException, match="secrets does not exist"):
            con.execute("SELECT * FROM secrets")
    finally:
        con.close()
    assert secrets.num_rows == 1


@pytest.mark.parametrize(
    "sql",
    [
        "COPY (SELECT 1) TO '{out}.csv'",
        "SELECT * FROM read_csv('{csv}')",
        "SELECT * FROM read_text('/proc/self/environ')",
        "ATTACH '{other}' AS other",
        "INSTALL httpfs",
        "LOAD httpfs",
        "PRAGMA import_database('{imp}')",
        "SET enable_external_access = true",
        "SET lock_configuration = false",
        "SET threads = 1",
    ],
)
def test_the_connection_alone_refuses_files_extensions_and_settings(site: Site, sql: str) -> None:
    """By construction: even a statement that got past the parser check (here executed on
    the connection directly) cannot reach a file, load code or undo the lock."""
    before = site.snapshot()
    con = site.project.warehouse.connect()
    try:
        with pytest.raises(
            duckdb.Error, match=r"disabled (by|through) configuration|has been locked"
        ):
            con.execute(site.fill(sql))
        assert con.execute("SELECT count(*) FROM fact_ticket").fetchall()[0][0] > 0
    finally:
        con.close()
    assert site.snapshot() == before


def test_export_connection_writes_only_into_its_folder(site: Site, tmp_path: Path) -> None:
    """``export`` may write into its output folder and nowhere else."""
    con = site.project.warehouse.connect(write_to=tmp_path / "mart")
    try:
        (tmp_path / "mart").mkdir()
        con.execute(f"COPY (SELECT 1 AS x) TO '{tmp_path / 'mart' / 'x.csv'}'")
        for outside in (tmp_path / "x.csv", tmp_path / "mart" / ".." / "y.csv"):
            with pytest.raises(duckdb.PermissionException):
                con.execute(f"COPY (SELECT 1 AS x) TO '{outside}'")
    finally:
        con.close()
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["mart", "x.csv"]


# ------------------------------------------------------------------ what still works


@pytest.mark.parametrize(
    "sql, first",
    [
        ("SELECT count(*) AS n FROM fact_ticket", "n"),
        ("  select priority, count(*) AS n FROM fact_ticket GROUP BY ALL ORDER BY 1;  ", "priority"),
        ("WITH t AS (SELECT * FROM fact_ticket) SELECT count(*) AS n FROM t", "n"),
        ("FROM fact_ticket SELECT ticket_id LIMIT 3", "ticket_id"),
        ("/* a comment */ SELECT 1 AS one -- and another", "one"),
        ("VALUES (1, 'a')", "col0"),
        ("(SELECT 1 AS x) UNION ALL (SELECT 2)", "x"),
        ("DESCRIBE fact_ticket", "column_name"),
        ("SHOW TABLES", "name"),
        ("SUMMARIZE SELECT created_at FROM fact_ticket", "column_name"),
        ("SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1", "view_name"),
        ("SELECT * FROM duckdb_databases()", "database_name"),
        ("SELECT model, mode FROM _models", "model"),
        ("SELECT '；' AS fullwidth, 'COPY x TO y' AS text", "fullwidth"),
        ("PIVOT (SELECT priority FROM fact_ticket) ON priority IN ('P1', 'P2') USING count(*)", "P1"),
        ("SELECT * FROM query_table('fact_ticket') LIMIT 1", "source"),
    ],
)  # fmt: skip
def test_reading_the_warehouse_still_works(site: Site, sql: str, first: str) -> None:
    """SELECT in all its forms, DESCRIBE, SHOW and SUMMARIZE (which DuckDB parses as
    SELECTs) and the catalog functions run in the CLI and the library alike."""
    code, out, err = _cli(site, "query", sql, "-f", "csv")
    assert code == 0 and not err, err
    assert out.splitlines()[0].split(",")[0] == first
    names, rows = site.project.query(sql)
    assert names[0] == first and rows


def test_the_warehouse_is_the_default_catalog_in_utc(site: Site) -> None:
    """Tables resolve without a prefix and as ``warehouse.<table>``; the session is UTC."""
    result = site.project.query("SELECT current_database(), current_setting('TimeZone'), "
                                "(SELECT count(*) FROM warehouse.main.fact_ticket)")  # fmt: skip
    assert result.rows == [("warehouse", "UTC", _tickets(site))]


def test_readers_print_no_progress_bar(site: Site) -> None:
    """In a real process DuckDB draws a progress bar on stdout for a query slower than two
    seconds, which would corrupt a script's CSV or JSON output; readers turn it off."""
    code = ("import sys; from ticketlake import Project; con = Project(sys.argv[1]).warehouse"
            ".connect(); print(con.execute(\"SELECT current_setting('enable_progress_bar')\")"
            ".fetchall())")  # fmt: skip
    control = _process(site, "import duckdb; print(duckdb.sql(\"SELECT current_setting("
                             "'enable_progress_bar')\").fetchall())")  # fmt: skip
    assert control.stdout == "[(True,)]\n", control.stderr
    result = _process(site, code, str(site.root))
    assert result.stdout == "[(False,)]\n", result.stderr


def test_a_query_that_spills_to_disk_works_and_leaves_no_file(site: Site) -> None:
    """Beyond its memory a query spills into a folder of its own, removed at the end."""
    project = Project(site.root, ["engine.memory_limit=64MB", "engine.threads=1"])
    before = site.snapshot()
    sql = "SELECT count(DISTINCT h) FROM (SELECT md5(range::VARCHAR) AS h FROM range(2500000) ORDER BY h)"
    assert project.query(sql).rows == [(2_500_000,)]
    assert site.snapshot() == before


# ------------------------------------------------------------------ caps


def test_rows_beyond_max_rows_are_cut_with_a_note(site: Site) -> None:
    """The first max_rows rows are printed and stderr says so in one line."""
    code, out, err = _cli(site, "--set", "query.max_rows=5", "query",
                          "SELECT range AS n FROM range(8)", "-f", "csv")  # fmt: skip
    assert code == 0
    assert out.splitlines() == ["n", "0", "1", "2", "3", "4"]
    assert err == "showing the first 5 rows; set query.max_rows or add LIMIT\n"


def test_exactly_max_rows_rows_are_not_cut(site: Site) -> None:
    """One more row is fetched to know: a result of exactly max_rows has no note."""
    code, out, err = _cli(site, "--set", "query.max_rows=5", "query",
                          "SELECT range AS n FROM range(5)", "-f", "csv")  # fmt: skip
    assert code == 0 and not err and len(out.splitlines()) == 6


def test_the_library_says_when_rows_were_cut(site: Site) -> None:
    """``capped=True`` applies the settings and sets ``cut``; without it every row comes."""
    project = Project(site.root, ["query.max_rows=3"])
    capped = project.query("SELECT * FROM range(10)", capped=True)
    assert (len(capped.rows), capped.cut) == (3, True)
    whole = project.query("SELECT * FROM range(10)")
    assert (len(whole.rows), whole.cut) == (10, False)


def test_catalog_reads_are_never_cut(site: Site) -> None:
    """KPIs, tables and lifecycle figures are ticketlake's own reads: a cap of one row
    changes nothing about them."""
    tight = Project(site.root, ["query.max_rows=1"])
    assert tight.kpi("volume", by=["day"]).num_rows > 1
    assert tight.tables() == site.project.tables() and len(tight.tables()) > 1


def test_a_long_query_stops_at_the_timeout_in_one_line(site: Site) -> None:
    """query.timeout_seconds interrupts the query; exit 1 with one line naming the setting."""
    started = time.monotonic()
    code, out, err = _cli(site, "--set", "query.timeout_seconds=1", "query",
                          "SELECT count(*) FROM range(10000000000) a, range(1000) b")  # fmt: skip
    assert time.monotonic() - started < 30
    _one_line(code, err)
    assert code == 1 and not out
    assert err == "error: query stopped after 1 s (query.timeout_seconds)\n"


def test_limits_come_from_the_query_settings() -> None:
    """The defaults: 10,000 rows and 60 seconds; ``--set`` changes them."""
    assert reader.Limits.of(Project("/nonexistent").settings.query) == reader.Limits(10_000, 60)
    tight = Project("/nonexistent", ["query.max_rows=7", "query.timeout_seconds=2.5"])
    assert reader.Limits.of(tight.settings.query) == reader.Limits(7, 2.5)
