"""The formula guard of every CSV ticketlake writes: one rule, the same in Python and SQL."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ticketlake.common.cells import guard, sql_guard

RUNS = [
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(A1)",
    "-2+3",
    "-1",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "\r\n=1+1",
    "  =1+1",
    " \n @x",
    "\u00a0=1",
    "\u3000=1",
    "\ufeff=1",
    "\tplain",
    "\rplain",
    "\nplain",
    "＝1+1",
    "＋1",
    "－1",
    "＠SUM(A1)",
    " ＝1",
]
INERT = ["", "plain", "1-1", "a=b", "a\n=1", " plain", "  ", "'=1+1", "1,5", "São Paulo", "ー1"]


@pytest.mark.parametrize("text", RUNS)
def test_text_a_spreadsheet_would_run_gets_an_apostrophe(text: str) -> None:
    assert guard(text) == "'" + text


@pytest.mark.parametrize("text", INERT)
def test_other_text_is_left_as_it_is(text: str) -> None:
    assert guard(text) == text


@pytest.mark.parametrize("value", [-1, -2.5, 0, None, True])
def test_numbers_and_other_values_are_left_as_they_are(value: object) -> None:
    assert guard(value) is value


def _in_sql(texts: list[str]) -> list[str]:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (i INTEGER, v VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(texts)))
    return [r[0] for r in con.execute(f"SELECT {sql_guard('v')} FROM t ORDER BY i").fetchall()]


def test_sql_applies_the_same_rule_to_every_example() -> None:
    texts = RUNS + INERT
    assert _in_sql(texts) == [guard(t) for t in texts]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.text(
            alphabet=st.sampled_from(" \t\n\r\v\f\u00a0\u3000\ufeff=+-@＝＋－＠a1'"), max_size=4
        ),
        min_size=1,
        max_size=20,
    )
)
def test_sql_and_python_agree(texts: list[str]) -> None:
    assert _in_sql(texts) == [guard(t) for t in texts]
