"""The theme tables' figures against values worked out by hand (docs/text.md#outcomes): the
SQL of ticketlake/text/sql runs on small hand-made inputs standing in for the mart."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from ticketlake.config import Settings
from ticketlake.text import stage

# Theme 0 "vpn": T1 (resolved in 10 h, first response 1 h, SLA achieved, ping-pong), T2
# (resolved in 30 h, response 3 h, breached, reopened once, no ping-pong), T3 (open, group path
# without ping-pong, no SLA row). Theme 1 "printer": T4 (resolved in 4 h, no response, breached).
# T5 has no theme. Sentiments: T1 -0.5, T2 -0.1, T3 0.3, T4 0.8, T5 NULL.
FACT = """CREATE TABLE fact_ticket AS SELECT * FROM (VALUES
    ('s', 'T1', DATE '2024-01-01', TIMESTAMP '2024-01-01 10:00', 1.0, 10.0, false, 0, 'net', 'acme', NULL, 'Europe/Berlin'),
    ('s', 'T2', DATE '2024-01-02', TIMESTAMP '2024-01-02 10:00', 3.0, 30.0, false, 1, 'net', NULL, 'bob', 'Europe/Berlin'),
    ('s', 'T3', DATE '2024-01-09', NULL, NULL, NULL, true, 0, 'net', 'acme', NULL, 'Europe/Berlin'),
    ('s', 'T4', DATE '2024-01-10', TIMESTAMP '2024-01-10 10:00', NULL, 4.0, false, 0, 'print', 'acme', NULL, 'Europe/Berlin'),
    ('s', 'T5', DATE '2024-01-10', NULL, NULL, NULL, true, 0, 'print', 'acme', NULL, 'Europe/Berlin')
) v(source, ticket_id, created_date, first_resolved_at, first_response_hours, resolution_hours,
    is_open, reopen_count, group_name, customer, requester, timezone)"""  # fmt: skip
TEXT = """CREATE TABLE text_ticket AS SELECT * FROM (VALUES
    ('s', 'T1', '*', 'en', 0, 0.9, -0.5, 'a'), ('s', 'T2', '*', 'en', 0, 0.8, -0.1, 'b'),
    ('s', 'T3', '*', NULL, 0, 0.7, 0.3, 'c'), ('s', 'T4', '*', 'en', 1, 1.0, 0.8, 'd'),
    ('s', 'T5', '*', NULL, NULL, NULL, NULL, 'e')
) v(source, ticket_id, scope, language, theme, theme_weight, sentiment, text_sha)"""  # fmt: skip
THEMES = """CREATE TABLE text_theme AS SELECT * FROM (VALUES
    ('*', 0, 'vpn', ['vpn'], ['vpn tunnel']), ('*', 1, 'printer', ['printer'], ['toner low'])
) v(scope, theme, label, terms, keyphrases)"""  # fmt: skip
SLA = """CREATE TABLE fact_sla AS SELECT * FROM (VALUES
    ('s', 'T1', 'resolution', 'achieved'), ('s', 'T2', 'resolution', 'breached'),
    ('s', 'T2', 'response', 'achieved'), ('s', 'T4', 'resolution', 'breached')
) v(source, ticket_id, metric, stage)"""  # fmt: skip
FLOW = """CREATE TABLE flow_ticket AS SELECT * FROM (VALUES
    ('s', 'T1', true), ('s', 'T2', false), ('s', 'T3', false), ('s', 'T4', NULL)
) v(source, ticket_id, ping_pong)"""  # fmt: skip
# T1's comments: the requester's at Sunday 2024-01-07 23:30 UTC, which is Monday 00:30 in
# Berlin (week 2), and an agent's in week 1; T2's requester comment has no score (tokens only).
COMMENTS = """CREATE TABLE text_comment AS SELECT * FROM (VALUES
    ('s', 'T1', 'c1', TIMESTAMP '2024-01-07 23:30', true, 'x', -0.6),
    ('s', 'T1', 'c2', TIMESTAMP '2024-01-03 09:00', false, 'y', 0.4),
    ('s', 'T1', 'c3', TIMESTAMP '2024-01-08 12:00', true, 'z', 0.2),
    ('s', 'T2', 'c4', TIMESTAMP '2024-01-03 09:00', true, 'w', NULL)
) v(source, ticket_id, comment_key, commented_at, by_requester, comment_sha, sentiment)"""  # fmt: skip
# Three ISO weeks: from Monday 2024-01-01, 2024-01-08 and 2024-01-15.
CALENDAR = """CREATE TABLE dim_date AS SELECT d::DATE AS date_day,
    CAST(date_trunc('week', d) AS DATE) AS week_start
    FROM range(DATE '2024-01-01', DATE '2024-01-21', INTERVAL 1 DAY) t(d)"""  # fmt: skip


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for sql in (FACT, TEXT, THEMES, SLA, FLOW, CALENDAR, COMMENTS):
        con.execute(sql)
    settings = Settings.model_validate({"text": {"rising_min_tickets": 2, "rising_z": 1.0}})
    stage._write_outcomes(con, settings)
    return con


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, object]]:
    return con.sql(sql).to_arrow_table().to_pylist()


def test_theme_outcome_by_hand(con: duckdb.DuckDBPyConnection) -> None:
    rows = {r["theme"]: r for r in _rows(con, "SELECT * FROM theme_outcome WHERE source = '*'")}
    vpn, printer, none = rows[0], rows[1], rows[None]
    assert (vpn["tickets"], printer["tickets"], none["tickets"]) == (3, 1, 1)
    assert (vpn["share_pct"], none["label"]) == (60.0, "(no theme)")
    assert vpn["open_tickets"] == 1
    assert vpn["median_first_response_hours"] == 2.0  # of 1 and 3
    assert vpn["median_resolution_hours"] == 20.0  # of 10 and 30
    assert vpn["breach_rate_pct"] == 50.0  # T2 breached of T1, T2 (T3 has no clock)
    assert vpn["reopen_rate_pct"] == 50.0  # T2 of the two resolved
    assert vpn["ping_pong_pct"] == pytest.approx(100 / 3)  # T1 of T1, T2, T3
    assert vpn["mean_sentiment"] == pytest.approx((-0.5 - 0.1 + 0.3) / 3)
    assert vpn["negative_pct"] == pytest.approx(200 / 3)  # T1, T2 below -0.05
    assert printer["breach_rate_pct"] == 100.0 and printer["ping_pong_pct"] is None
    assert printer["median_first_response_hours"] is None
    per_source = _rows(con, "SELECT theme, tickets FROM theme_outcome WHERE source = 's'")
    assert sorted(per_source, key=str) == sorted(
        [{"theme": 0, "tickets": 3}, {"theme": 1, "tickets": 1}, {"theme": None, "tickets": 1}],
        key=str,
    )


def test_theme_weekly_and_rising_by_hand(con: duckdb.DuckDBPyConnection) -> None:
    weekly = _rows(con, "SELECT week_start, theme, tickets FROM theme_weekly "
                        "WHERE source = '*' ORDER BY 1, 2")  # fmt: skip
    by_source = _rows(con, "SELECT week_start, theme, tickets FROM theme_weekly "
                           "WHERE source = 's' ORDER BY 1, 2")  # fmt: skip
    assert by_source == weekly  # one source: its counts are the scope's
    assert [(r["week_start"], r["theme"], r["tickets"]) for r in weekly] == [
        (date(2024, 1, 1), 0, 2), (date(2024, 1, 1), 1, 0),
        (date(2024, 1, 8), 0, 1), (date(2024, 1, 8), 1, 1),
        (date(2024, 1, 15), 0, 0), (date(2024, 1, 15), 1, 0),
    ]  # fmt: skip
    rising = _rows(con, "SELECT week_start, theme, previous_tickets, z, rising, "
                        "first_rising_week FROM theme_rising WHERE source = '*' "
                        "ORDER BY 1, 2")  # fmt: skip
    first = rising[0]  # the calendar's first week has no week before it: never rising
    assert first["previous_tickets"] is None and first["rising"] is False
    # printer in week 2: 1 against 0, z = 1 / sqrt(1) = 1, but under the minimum of 2 tickets
    assert rising[3]["z"] == 1.0 and rising[3]["rising"] is False
    # vpn in week 3: 0 against 1, z = -1
    assert rising[4]["z"] == -1.0 and not any(r["rising"] for r in rising)
    assert all(r["first_rising_week"] is None for r in rising)


def test_sentiment_weekly_by_hand(con: duckdb.DuckDBPyConnection) -> None:
    rows = _rows(con, "SELECT * FROM sentiment_weekly ORDER BY week_start, group_name, customer")
    got = [(r["week_start"], r["group_name"], r["customer"], r["tickets"], r["mean_sentiment"])
           for r in rows]  # fmt: skip
    assert got == [
        (date(2024, 1, 1), "net", "acme", 1, -0.5),
        (date(2024, 1, 1), "net", "bob", 1, -0.1),  # no customer: the requester
        (date(2024, 1, 8), "net", "acme", 1, 0.3),
        (date(2024, 1, 8), "print", "acme", 1, 0.8),  # T5 has no text score: not counted
    ]
    assert rows[0]["negative_pct"] == 100.0 and rows[2]["negative_pct"] == 0.0


def test_comment_sentiment_weekly_by_hand(con: duckdb.DuckDBPyConnection) -> None:
    rows = _rows(con, "SELECT * FROM comment_sentiment_weekly")
    got = [(r["week_start"], r["customer"], r["by_requester"], r["comments"], r["mean_sentiment"],
            r["negative_pct"]) for r in rows]  # fmt: skip
    assert got == [
        (date(2024, 1, 1), "acme", False, 1, 0.4, 0.0),  # T2's unscored comment: no row
        (date(2024, 1, 8), "acme", True, 2, pytest.approx(-0.2), 50.0),  # Berlin's Monday
    ]
