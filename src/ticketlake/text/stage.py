"""The text stage of a build: themes and sentiment per ticket, then what they mean for outcomes.

It runs inside the build's transaction, after the SQL models, on the build's own database, so
its tables are published with the rest of the build or not at all. Python computes what SQL
cannot (the topic model, sentiment): ``text_ticket`` holds, per ticket, its theme, the
theme's share of its loading and its sentiment; ``text_theme`` each theme's label, terms and
phrases; ``text_fit`` how the model was chosen; ``text_vocab`` and ``text_component`` the
fitted model itself. The SQL files of ``text/sql/`` then join them to the mart's outcomes
(``theme_*`` and ``sentiment_weekly`` tables, docs/text.md).

Between fits, new tickets and tickets whose text changed are assigned to the stored themes;
the others keep theirs. A fit happens on the first build, on ``build --full`` (the build
starts from an empty database), on ``ticketlake themes --refit`` and when a ``text`` setting
the model depends on changed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.resources import files

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ticketlake.common.duck import registered, relations
from ticketlake.config import Settings
from ticketlake.text import language, sentiment, themes

ACROSS = "*"  # the scope of a model fitted across all sources
MODEL_TABLES = ("text_fit", "text_vocab", "text_component", "text_theme")
TABLES = (*MODEL_TABLES, "text_ticket", "theme_daily", "theme_weekly", "theme_outcome",
          "theme_rising", "sentiment_weekly")  # fmt: skip
_TICKETS = """SELECT source, ticket_id, coalesce(title, '') || chr(10) || coalesce(description, '')
    AS text FROM tickets ORDER BY source, ticket_id"""  # fmt: skip


@dataclass(frozen=True)
class Outcome:
    """What one run of the stage did: per scope, whether it fitted, and tickets it scored."""

    fitted: tuple[str, ...]
    assigned: int
    kept: int


def enabled(settings: Settings) -> bool:
    """Whether builds run the stage."""
    return settings.text.enabled


def run(con: duckdb.DuckDBPyConnection, settings: Settings, refit: bool = False) -> Outcome:
    """Bring the text tables up to date with the ``tickets`` model in ``con``."""
    tickets = con.sql(_TICKETS).to_arrow_table()
    digest = _settings_digest(settings)
    old = _old_tickets(con)
    fitted: list[str] = []
    rows: list[dict[str, object]] = []
    assigned = kept = 0
    for scope, part in _scopes(tickets, settings.text.per_source).items():
        stored = None if refit else _stored(con, scope, digest)
        if stored is None:
            stored = _fit(con, scope, part, settings, digest)
            fitted.append(scope)
            keep: dict[tuple[str, str], dict[str, object]] = {}
        else:
            keep = {k: v for k, v in old.items() if v["scope"] == scope}
        new_rows, reused = _score(stored, scope, part, keep)
        rows += new_rows
        assigned, kept = assigned + len(new_rows) - reused, kept + reused
    _write_tickets(con, rows)
    _write_outcomes(con, settings)
    return Outcome(tuple(fitted), assigned, kept)


def _settings_digest(settings: Settings) -> str:
    """The settings a fit depends on."""
    text = settings.text
    wanted = [text.themes, list(text.themes_tried), text.per_source, text.seed]
    return hashlib.sha256(json.dumps(wanted).encode()).hexdigest()[:16]


def _scopes(tickets: pa.Table, per_source: bool) -> dict[str, pa.Table]:
    """The tickets each model is fitted to: one model across sources, or one per source."""
    if not per_source:
        return {ACROSS: tickets}
    names = sorted(set(tickets.column("source").to_pylist()))
    return {n: tickets.filter(pc.equal(tickets.column("source"), n)) for n in names}


def _stored(con: duckdb.DuckDBPyConnection, scope: str, digest: str) -> themes.Fit | None:
    """The model fitted for ``scope`` with these settings, if the database holds one."""
    if not set(MODEL_TABLES) <= relations(con):
        return None
    fits = con.execute("SELECT seed, settings FROM text_fit WHERE scope = ?", [scope]).fetchall()
    if not fits or fits[0][1] != digest:
        return None
    fit = fits[0]
    vocab = con.execute("SELECT term, idf FROM text_vocab WHERE scope = ? ORDER BY col",
                        [scope]).fetchall()  # fmt: skip
    weights = con.execute("SELECT theme, col, weight FROM text_component WHERE scope = ?",
                          [scope]).fetchall()  # fmt: skip
    k = 1 + max((w[0] for w in weights), default=-1)
    components = np.zeros((k, len(vocab)))
    for theme, col, weight in weights:
        components[theme, col] = weight
    terms = tuple(v[0] for v in vocab)
    return themes.Fit(terms, np.array([v[1] for v in vocab], dtype=np.float64), components,
                      int(fit[0]))  # fmt: skip


def _fit(con: duckdb.DuckDBPyConnection, scope: str, part: pa.Table, settings: Settings,
         digest: str) -> themes.Fit:  # fmt: skip
    """Fit the model of ``scope`` and store it (replacing the scope's old one)."""
    text = settings.text
    model = themes.fit(part.column("text").to_pylist(), text.seed, text.themes, text.themes_tried)
    _create_model_tables(con)
    for table in MODEL_TABLES:
        con.execute(f"DELETE FROM {table} WHERE scope = ?", [scope])
    chosen = "setting text.themes" if text.themes is not None else "coherence (NPMI)"
    con.execute("INSERT INTO text_fit VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [scope, datetime.now(UTC).replace(tzinfo=None), model.themes, chosen, text.seed,
                 part.num_rows, json.dumps({str(k): round(v, 6) for k, v in
                                            model.coherence.items()}), digest])  # fmt: skip
    vocab = pa.table({"scope": [scope] * len(model.terms), "term": list(model.terms),
                      "col": list(range(len(model.terms))), "idf": model.idf})  # fmt: skip
    _insert(con, "text_vocab", vocab)
    theme, col = np.nonzero(model.components)
    weights = pa.table({"scope": [scope] * len(theme), "theme": theme.astype(np.int32),
                        "col": col.astype(np.int32),
                        "weight": model.components[theme, col]})  # fmt: skip
    _insert(con, "text_component", weights)
    for k in range(model.themes):
        con.execute("INSERT INTO text_theme VALUES (?, ?, ?, ?, ?)",
                    [scope, k, model.label(k), model.top_terms(k, 10, words=1),
                     model.keyphrases(k)])  # fmt: skip
    return model


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: pa.Table) -> None:
    with registered(con, "_text_rows", rows):
        con.execute(f"INSERT INTO {table} SELECT * FROM _text_rows")


def _create_model_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""CREATE TABLE IF NOT EXISTS text_fit (scope VARCHAR, fitted_at TIMESTAMP,
        themes INTEGER, chosen_by VARCHAR, seed BIGINT, tickets BIGINT, coherence VARCHAR,
        settings VARCHAR)""")  # fmt: skip
    con.execute("CREATE TABLE IF NOT EXISTS text_vocab (scope VARCHAR, term VARCHAR, "
                "col INTEGER, idf DOUBLE)")  # fmt: skip
    con.execute("CREATE TABLE IF NOT EXISTS text_component (scope VARCHAR, theme INTEGER, "
                "col INTEGER, weight DOUBLE)")  # fmt: skip
    con.execute("CREATE TABLE IF NOT EXISTS text_theme (scope VARCHAR, theme INTEGER, "
                "label VARCHAR, terms VARCHAR[], keyphrases VARCHAR[])")  # fmt: skip


def _old_tickets(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], dict[str, object]]:
    """The rows ``text_ticket`` holds, by ticket."""
    if "text_ticket" not in relations(con):
        return {}
    table = con.sql("SELECT * FROM text_ticket").to_arrow_table().to_pylist()
    return {(r["source"], r["ticket_id"]): r for r in table}


def _score(model: themes.Fit, scope: str, part: pa.Table,
           keep: dict[tuple[str, str], dict[str, object]]) -> tuple[list[dict[str, object]], int]:  # fmt: skip
    """Rows of ``text_ticket`` for ``part``: kept where the text is unchanged, computed for
    the rest; also how many were kept."""
    rows: list[dict[str, object]] = []
    todo: list[tuple[str, str, str, str]] = []
    for source, ticket, text in zip(*(part.column(c).to_pylist() for c in
                                      ("source", "ticket_id", "text")), strict=True):  # fmt: skip
        digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        old = keep.get((source, ticket))
        if old is not None and old["text_sha"] == digest:
            rows.append(old)
        else:
            todo.append((source, ticket, text, digest))
    kept = len(rows)
    texts = [t[2] for t in todo]
    theme, weight = themes.assign(model, texts)
    feeling, said = sentiment.score(texts), language.detect(texts)
    for (source, ticket, _, digest), th, w, s, lang in zip(todo, theme, weight, feeling, said,
                                                            strict=True):  # fmt: skip
        rows.append({"source": source, "ticket_id": ticket, "scope": scope, "language": lang,
                     "theme": th, "theme_weight": w, "sentiment": s, "text_sha": digest})  # fmt: skip
    return rows, kept


def _write_tickets(con: duckdb.DuckDBPyConnection, rows: list[dict[str, object]]) -> None:
    schema = pa.schema([("source", pa.string()), ("ticket_id", pa.string()),
                        ("scope", pa.string()), ("language", pa.string()),
                        ("theme", pa.int32()),
                        ("theme_weight", pa.float64()), ("sentiment", pa.float64()),
                        ("text_sha", pa.string())])  # fmt: skip
    with registered(con, "_text_rows", pa.Table.from_pylist(rows, schema=schema)):
        con.execute("CREATE OR REPLACE TABLE text_ticket AS SELECT * FROM _text_rows "
                    "ORDER BY source, ticket_id")  # fmt: skip


def _write_outcomes(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """The ``theme_*`` and ``sentiment_weekly`` tables, from the SQL of ``text/sql/``."""
    con.execute("CREATE OR REPLACE TEMP TABLE _text_params AS SELECT ? AS min_tickets, "
                "? AS z", [settings.text.rising_min_tickets, settings.text.rising_z])  # fmt: skip
    folder = files("ticketlake.text").joinpath("sql")
    for name in ("theme_daily", "theme_weekly", "theme_outcome", "theme_rising",
                 "sentiment_weekly"):  # fmt: skip
        sql = folder.joinpath(f"{name}.sql").read_text("utf-8")
        con.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")
