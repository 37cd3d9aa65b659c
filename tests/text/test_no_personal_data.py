"""Issue 21's acceptance for masking: personal data planted in generated ticket text appears
in no output. A project of several shapes that carry text, with e-mail addresses, phone
numbers and URLs planted in its titles, descriptions and comments, is ingested and built; then every
warehouse table, ``ticketlake export`` (CSV and Parquet), the report, the API (ticket search
and drill-down, every table's rows and downloads, the KPIs), the offline dataset and the
online slice in Redis are searched for every planted value. None may hold one, and the
tokens that replaced them must be there (so that the test cannot pass on empty outputs).

The lake's raw copy keeps the text as received (docs/text.md), so it is not searched.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from bench.online_push import redis_server
from typer.testing import CliRunner

from ticketlake import Project
from ticketlake.cli.main import app
from ticketlake.common.sqltext import ident
from ticketlake.synth import Options, write_shape
from ticketlake.text import masking

pytest.importorskip("fastapi", reason="the API needs the serve extra")
pytest.importorskip("redis", reason="the online slice needs the online extra")

from fastapi.testclient import TestClient

from ticketlake.serve.app import create_app
from ticketlake.serve.keys import KeyStore

pytestmark = pytest.mark.slow

OPTIONS = Options(tickets=150, days=20, seed=21, personal=0.3)
# Shape written -> format it is read with; the event log carries no text, the rest do.
SHAPES = {
    "events": "eventlog",
    "tickets": "tickets",
    "json": "json",
    "interactions": "interactions",
    "servicenow-table": "servicenow-table",
    "jira-json": "jira",
    "zendesk": "zendesk",
    "github": "github",
}
TOKENS = tuple(masking.TOKENS.values())


@dataclass(frozen=True)
class Built:
    """The built project, the values planted in its exports, and the Redis it pushed to."""

    project: Project
    planted: tuple[str, ...]
    redis_url: str


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    root = tmp_path_factory.mktemp("personal") / "project"
    config = Project(root).init()  # with themes and sentiment: their tables and answers too
    config.write_text(config.read_text("utf-8") + "\ntext:\n  enabled: true\n", "utf-8")
    planted: set[str] = set()
    project = Project(root)
    for shape, fmt in SHAPES.items():
        made = write_shape(shape, root / "exports" / shape, OPTIONS)
        planted.update((made.manifest or {}).get("personal", []))
        outcome = project.ingest([f.path for f in made.files], format=fmt)
        assert not outcome.failed, [b.reason for b in outcome.failed]
    with pytest.MonkeyPatch.context() as env, redis_server(tmp_path_factory.mktemp("redis")) as url:
        env.setenv("REDIS_URL", url)
        project = Project(root)
        project.build()
        project.online_push()
        yield Built(project, tuple(sorted(planted)), url)


def _check(built: Built, where: str, text: str) -> None:
    """No planted value in ``text``; at least one token (an output of the masked text)."""
    leaked = [value for value in built.planted if value in text]
    assert not leaked, f"{where} holds planted personal data: {leaked[:5]}"


def _with_tokens(text: str) -> bool:
    return any(token in text for token in TOKENS)


def _table_text(table: pa.Table) -> str:
    """Every value of ``table``, as text, one per line."""
    return "\n".join(str(v) for column in table.columns for v in column.to_pylist())


def test_plants_personal_data(built: Built) -> None:
    assert len(built.planted) > 30
    with built.project.read() as con:  # the lake keeps the text as received
        raw = con.execute("SELECT string_agg(description, '\n') FROM ticket_events").fetchone()
    assert raw is not None and sum(v in raw[0] for v in built.planted) > 30


def test_no_warehouse_table_holds_any(built: Built) -> None:
    found = ""
    with built.project.warehouse.reading() as snapshot:
        names = [
            r[0]
            for r in snapshot.con.execute(
                "SELECT table_name FROM duckdb_tables() UNION SELECT view_name FROM duckdb_views() "
                "WHERE NOT internal"
            ).fetchall()
        ]
        assert "fact_ticket" in names and len(names) > 30
        for name in names:
            table = snapshot.con.sql(f"SELECT * FROM {ident(name)}").to_arrow_table()
            text = _table_text(table)
            _check(built, f"table {name}", text)
            found += text
    assert all(token in found for token in TOKENS)


def test_comments_carry_planted_data_and_come_out_masked(built: Built) -> None:
    with built.project.read() as con:  # the lake keeps comments as received
        raw = con.execute("SELECT string_agg(comment, '\n') FROM ticket_events").fetchone()
    assert raw is not None and sum(v in raw[0] for v in built.planted) > 10
    with built.project.warehouse.reading() as snapshot:
        table = snapshot.con.sql("SELECT * FROM ticket_comments").to_arrow_table()
    text = _table_text(table)
    _check(built, "table ticket_comments", text)
    assert all(token in text for token in TOKENS)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_no_export_holds_any(built: Built, fmt: str, tmp_path: Path) -> None:
    exported = built.project.export(tmp_path, fmt)
    assert exported
    text = ""
    for path in sorted(tmp_path.rglob(f"*.{fmt}")):
        part = path.read_text() if fmt == "csv" else _table_text(pq.read_table(path))
        _check(built, f"export {path.name}", part)
        text += part
    assert all(token in text for token in TOKENS)


def test_the_report_holds_none(built: Built, tmp_path: Path) -> None:
    done = built.project.report(tmp_path / "report")
    for path in tmp_path.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".csv", ".json", ".svg", ".txt"):
            _check(built, f"report {path.name}", path.read_text(errors="replace"))
    assert done.html.exists()


def test_the_api_holds_none(built: Built) -> None:
    key = KeyStore.of(built.project.root).add("masking", "admin")[1]
    client = TestClient(create_app(Project(built.project.root)))
    client.headers["X-API-Key"] = key

    def get(path: str, **params: Any) -> str:
        response = client.get(path, params=params)
        assert response.status_code == 200, (path, response.text[:200])
        _check(built, path, response.text)
        return response.text

    def pages(path: str, **params: Any) -> Iterator[dict[str, Any]]:
        offset: int | None = 0
        while offset is not None:
            page = json.loads(get(path, limit=1000, offset=offset, **params))
            yield from page["rows"]
            offset = page["next"]

    tickets = list(pages("/api/tickets"))
    with_tokens = [t for t in tickets if _with_tokens(json.dumps(t))]
    assert with_tokens
    assert list(pages("/api/tickets", q="[email]"))
    drilled = ""
    for t in tickets[:: max(1, len(tickets) // 40)] + with_tokens[:40]:
        if "/" not in t["ticket_id"]:  # a GitHub issue's id (owner/repo#n) has no path
            drilled += get(f"/api/tickets/{t['source']}/{quote(t['ticket_id'], safe='')}")
    assert _with_tokens(drilled)
    rows = ""
    for table in json.loads(get("/api/tables")):
        name = table["table"]
        rows += json.dumps(list(pages(f"/api/tables/{name}")))
        get(f"/api/tables/{name}/download", format="csv")
        data = client.get(f"/api/tables/{name}/download", params={"format": "parquet"}).content
        _check(built, f"{name}.parquet", _table_text(pq.read_table(io.BytesIO(data))))
    assert all(token in rows for token in TOKENS)
    for kpi in json.loads(get("/api/kpis")):
        get(f"/api/kpis/{kpi['name']}")
    themes = list(pages("/api/themes")) + list(pages("/api/themes/rising"))
    assert themes and all(t["label"] for t in themes)
    with built.project.warehouse.reading() as snapshot:
        sources = [r[0] for r in snapshot.con.execute("SELECT DISTINCT source FROM text_ticket")
                   .fetchall()]  # fmt: skip
    for source in sources:
        for name in ("theme_outcome", "theme_rising"):
            get(f"/api/dashboard/tables/{name}", source=source)
        get("/api/charts/theme_volume", source=source)


def test_the_themes_command_holds_none(built: Built) -> None:
    done = CliRunner().invoke(app, ["-p", str(built.project.root), "themes", "-f", "json"])
    assert done.exit_code == 0, done.output
    _check(built, "ticketlake themes", done.stdout)
    labels = [r["label"] for r in json.loads(done.stdout)]
    assert labels and not any(token in label for label in labels for token in TOKENS)


def test_the_offline_dataset_holds_none(built: Built, tmp_path: Path) -> None:
    built.project.dataset(out=tmp_path / "dataset")
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".parquet" for p in files)
    for path in files:
        text = _table_text(pq.read_table(path)) if path.suffix == ".parquet" else path.read_text()
        _check(built, f"dataset {path.name}", text)


def test_the_online_slice_holds_none(built: Built) -> None:
    import redis as redis_py  # noqa: PLC0415 - the online extra

    client = redis_py.Redis.from_url(built.redis_url, decode_responses=True)
    values = []
    for key in client.scan_iter("*"):
        kind = client.type(key)
        read = {
            "string": client.get,
            "hash": client.hgetall,
            "set": client.smembers,
            "list": lambda k: client.lrange(k, 0, -1),
            "zset": lambda k: client.zrange(k, 0, -1, withscores=True),
        }
        if kind == "ReJSON-RL":
            values.append(json.dumps(client.json().get(key)))
        else:
            values.append(f"{key} {read[kind](key)}")
    client.close()
    text = "\n".join(values)
    assert values
    _check(built, "the online slice", text)
    assert _with_tokens(text)
