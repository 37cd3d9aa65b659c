"""The text stage of a build: themes and sentiment per ticket, then what they mean for outcomes.

It runs inside the build's transaction, after the SQL models, on the build's own database, so
its tables are published with the rest of the build or not at all. Python computes what SQL
cannot (the topic model, sentiment, language): ``text_ticket`` holds, per ticket, its
language, theme, the theme's share of its loading and its sentiment; ``text_comment`` each
comment's sentiment; ``text_theme`` each theme's label, terms and
phrases; ``text_fit`` how the model was chosen; ``text_vocab`` and ``text_component`` the
fitted model itself. The SQL files of ``text/sql/`` then join them to the mart's outcomes
(``theme_*``, ``sentiment_weekly`` and ``comment_sentiment_weekly``, docs/text.md).

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

from ticketlake.common.duck import registered, relations
from ticketlake.config import Settings
from ticketlake.text import language, sentiment, themes

ACROSS = "*"  # the scope of a model fitted across all sources
MODEL_TABLES = ("text_fit", "text_vocab", "text_component", "text_theme")
TABLES = (*MODEL_TABLES, "text_ticket", "text_comment", "theme_daily", "theme_weekly",
          "theme_outcome", "theme_rising", "sentiment_weekly",
          "comment_sentiment_weekly")  # fmt: skip
_EMPTY = """SELECT NULL::VARCHAR AS source, NULL::VARCHAR AS ticket_id, NULL::VARCHAR AS scope,
    NULL::VARCHAR AS language, NULL::INTEGER AS theme, NULL::DOUBLE AS theme_weight,
    NULL::DOUBLE AS sentiment, NULL::VARCHAR AS text_sha LIMIT 0"""  # text_ticket's columns
_NO_COMMENTS = """SELECT NULL::VARCHAR AS source, NULL::VARCHAR AS ticket_id,
    NULL::VARCHAR AS comment_key, NULL::TIMESTAMP AS commented_at, NULL::BOOLEAN AS by_requester,
    NULL::VARCHAR AS comment_sha, NULL::DOUBLE AS sentiment LIMIT 0"""  # text_comment's columns
_TICKETS = """SELECT source, ticket_id, coalesce(title, '') || chr(10) || coalesce(description, '')
    AS text FROM tickets"""  # fmt: skip


@dataclass(frozen=True)
class Outcome:
    """What one run of the stage did: the scopes it fitted a model for."""

    fitted: tuple[str, ...]


def enabled(settings: Settings) -> bool:
    """Whether builds run the stage."""
    return settings.text.enabled


def run(con: duckdb.DuckDBPyConnection, settings: Settings, refit: bool = False) -> Outcome:
    """Bring the text tables up to date with the ``tickets`` model in ``con``."""
    digest = _settings_digest(settings)
    scope = "source" if settings.text.per_source else f"'{ACROSS}'"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _text_now AS SELECT source, ticket_id,
        {scope} AS scope, text, substr(sha256(text), 1, 16) AS text_sha FROM ({_TICKETS})""")  # fmt: skip
    scopes = [
        r[0] for r in con.execute("SELECT DISTINCT scope FROM _text_now ORDER BY 1").fetchall()
    ]
    _create_model_tables(con)
    fitted: list[str] = []
    fits: dict[str, themes.Fit] = {}
    for name in scopes:
        stored = None if refit else _stored(con, name, digest)
        if stored is None:
            stored = _fit(con, name, settings, digest)
            fitted.append(name)
        fits[name] = stored
    _drop_scopes(con, scopes)
    _keep(con, fitted)
    new = _score(con, fits)
    _write_tickets(con, new)
    _score_comments(con)
    _write_outcomes(con, settings)
    return Outcome(tuple(fitted))


def _score_comments(con: duckdb.DuckDBPyConnection) -> None:
    """``text_comment``: each comment's sentiment, kept for comments whose text is unchanged
    and scored for the others."""
    con.execute("""CREATE OR REPLACE TEMP TABLE _comments_now AS SELECT source, ticket_id,
        comment_key, commented_at, by_requester, comment,
        substr(sha256(comment), 1, 16) AS comment_sha FROM ticket_comments""")  # fmt: skip
    kept = "SELECT * FROM text_comment LIMIT 0"
    if "text_comment" in relations(con):
        kept = """SELECT o.* FROM text_comment o SEMI JOIN _comments_now n ON n.source = o.source
            AND n.ticket_id = o.ticket_id AND n.comment_key = o.comment_key
            AND n.comment_sha = o.comment_sha"""  # fmt: skip
    else:
        con.execute(f"CREATE TABLE text_comment AS {_NO_COMMENTS}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _comments_kept AS {kept}")
    todo = con.sql("""SELECT * FROM _comments_now n ANTI JOIN _comments_kept k
        ON k.source = n.source AND k.ticket_id = n.ticket_id AND k.comment_key = n.comment_key
        ORDER BY source, ticket_id, comment_key""").to_arrow_table()  # fmt: skip
    scored = todo.drop_columns(["comment"]).append_column(
        "sentiment", pa.array(sentiment.score(todo.column("comment").to_pylist()), pa.float64())
    )
    with registered(con, "_comments_new", scored):
        con.execute("CREATE OR REPLACE TABLE text_comment AS SELECT * FROM _comments_kept "
                    "UNION ALL BY NAME SELECT * FROM _comments_new "
                    "ORDER BY source, ticket_id, commented_at, comment_key")  # fmt: skip


def _settings_digest(settings: Settings) -> str:
    """The settings a fit depends on."""
    text = settings.text
    wanted = [text.themes, list(text.themes_tried), text.per_source, text.seed]
    return hashlib.sha256(json.dumps(wanted).encode()).hexdigest()[:16]


def _stored(con: duckdb.DuckDBPyConnection, scope: str, digest: str) -> themes.Fit | None:
    """The model fitted for ``scope`` with these settings, if the database holds one."""
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


def _fit(con: duckdb.DuckDBPyConnection, scope: str, settings: Settings,
         digest: str) -> themes.Fit:  # fmt: skip
    """Fit the model of ``scope`` to its tickets and store it (replacing its old one)."""
    text = settings.text
    docs = [r[0] for r in con.execute("SELECT text FROM _text_now WHERE scope = ? "
                                      "ORDER BY source, ticket_id", [scope]).fetchall()]  # fmt: skip
    model = themes.fit(docs, text.seed, text.themes, text.themes_tried)
    for table in MODEL_TABLES:
        con.execute(f"DELETE FROM {table} WHERE scope = ?", [scope])
    chosen = "setting text.themes" if text.themes is not None else "coherence (NPMI)"
    con.execute("INSERT INTO text_fit VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [scope, datetime.now(UTC).replace(tzinfo=None), model.themes, chosen, text.seed,
                 len(docs), json.dumps({str(k): round(v, 6) for k, v in
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


def _drop_scopes(con: duckdb.DuckDBPyConnection, scopes: list[str]) -> None:
    """Forget the models of scopes that have no tickets any more (a source dropped)."""
    for table in MODEL_TABLES:
        con.execute(f"DELETE FROM {table} WHERE scope NOT IN (SELECT unnest(?))", [scopes])


def _keep(con: duckdb.DuckDBPyConnection, fitted: list[str]) -> None:
    """Keep the rows of ``text_ticket`` whose ticket's text and model are unchanged (in
    ``_text_kept``)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE _text_kept AS {_EMPTY}")
    if "text_ticket" in relations(con):
        con.execute("""INSERT INTO _text_kept SELECT o.* FROM text_ticket AS o
            SEMI JOIN _text_now AS n ON n.source = o.source AND n.ticket_id = o.ticket_id
                AND n.scope = o.scope AND n.text_sha = o.text_sha
            WHERE o.scope NOT IN (SELECT unnest(?))""", [fitted])  # fmt: skip


def _score(con: duckdb.DuckDBPyConnection, fits: dict[str, themes.Fit]) -> pa.Table:
    """Theme, sentiment and language of the tickets ``_text_kept`` does not hold."""
    todo = con.sql("""SELECT n.source, n.ticket_id, n.scope, n.text, n.text_sha FROM _text_now n
        ANTI JOIN _text_kept k ON k.source = n.source AND k.ticket_id = n.ticket_id
        ORDER BY n.scope, n.source, n.ticket_id""").to_arrow_table()  # fmt: skip
    scope, texts = todo.column("scope").to_pylist(), todo.column("text").to_pylist()
    theme: list[int | None] = []
    weight: list[float | None] = []
    for name in dict.fromkeys(scope):
        part = [t for s, t in zip(scope, texts, strict=True) if s == name]
        found = themes.assign(fits[name], part)
        theme, weight = theme + found[0], weight + found[1]
    return pa.table({
        "source": todo.column("source"), "ticket_id": todo.column("ticket_id"),
        "scope": todo.column("scope"), "language": pa.array(language.detect(texts), pa.string()),
        "theme": pa.array(theme, pa.int32()), "theme_weight": pa.array(weight, pa.float64()),
        "sentiment": pa.array(sentiment.score(texts), pa.float64()),
        "text_sha": todo.column("text_sha"),
    })  # fmt: skip


def _write_tickets(con: duckdb.DuckDBPyConnection, new: pa.Table) -> None:
    """``text_ticket``: the kept rows and the new ones."""
    with registered(con, "_text_new", new):
        con.execute("CREATE OR REPLACE TABLE text_ticket AS SELECT * FROM _text_kept UNION ALL "
                    "BY NAME SELECT * FROM _text_new ORDER BY source, ticket_id")  # fmt: skip


def _write_outcomes(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """The ``theme_*`` and ``sentiment_weekly`` tables, from the SQL of ``text/sql/``."""
    con.execute("CREATE OR REPLACE TEMP TABLE _text_params AS SELECT ? AS min_tickets, "
                "? AS z", [settings.text.rising_min_tickets, settings.text.rising_z])  # fmt: skip
    folder = files("ticketlake.text").joinpath("sql")
    for name in ("theme_daily", "theme_weekly", "theme_outcome", "theme_rising",
                 "sentiment_weekly", "comment_sentiment_weekly"):  # fmt: skip
        sql = folder.joinpath(f"{name}.sql").read_text("utf-8")
        con.execute(f"CREATE OR REPLACE TABLE {name} AS {sql}")
