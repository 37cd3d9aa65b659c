"""Masking of personal data in ticket text: the patterns, read from the canonical model,
against hand-written examples on DuckDB; generated text without personal data is untouched."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest

from tests.text.examples import DUCKDB_ONLY, MASKED
from ticketlake.engine import models
from ticketlake.synth.text import CATEGORIES, make_text
from ticketlake.text import masking

DOC = Path(__file__).parents[2] / "docs" / "text.md"


def _mask(texts: list[str]) -> list[str]:
    """Each text through the model's masks, on DuckDB."""
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t AS SELECT unnest(?) AS x, generate_subscripts(?, 1) AS i", [texts, texts]
    )
    rows = con.execute(f"SELECT {masking.sql('x')} FROM t ORDER BY i").fetchall()
    return [r[0] for r in rows]


def test_masks_come_from_the_model_in_order() -> None:
    assert [m.name for m in masking.masks()] == ["email", "url", "phone"]
    assert [m.token for m in masking.masks()] == ["[email]", "[url]", "[phone]"]


@pytest.mark.parametrize(("text", "want"), MASKED, ids=[t or "empty" for t, _ in MASKED])
def test_example(text: str, want: str | None) -> None:
    assert _mask([text]) == [text if want is None else want]


@pytest.mark.parametrize(("text", "want"), DUCKDB_ONLY)
def test_glued_to_a_non_ascii_letter(text: str, want: str) -> None:
    """Masked on DuckDB; Spark leaves these (tests/text/test_masking_spark.py)."""
    assert _mask([text]) == [want]


def test_no_lookaround_and_no_backreference() -> None:
    """RE2 (DuckDB) has neither; Java's regex (Spark) would read them, so the engines would
    differ."""
    for mask in masking.masks():
        assert not any(s in mask.pattern for s in ("(?=", "(?!", "(?<", "\\1", "\\2"))


def test_generated_text_is_left_as_it_is() -> None:
    """The generator's text (without planted personal data) has none, so masking changes
    nothing in it: today's data and every golden file built on it stay as they were."""
    rng = np.random.default_rng(3)
    n = 20_000
    titles, descriptions = make_text(
        rng, rng.integers(len(CATEGORIES), size=n), rng.integers(4, size=n)
    )
    texts = titles.to_pylist() + descriptions.to_pylist()
    assert _mask(texts) == texts


def test_title_and_description_must_be_masked_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    model = models.load()["tickets"]
    sql = model.sql.replace("'[url]', 'g'", "'[link]', 'g'", 1)
    changed = {**models.load(), "tickets": models.parse(model.name, model.layer, sql)}
    monkeypatch.setattr(models, "load", lambda: changed)
    masking.masks.cache_clear()
    try:
        with pytest.raises(models.ModelError, match="masked by the same"):
            masking.masks()
    finally:
        masking.masks.cache_clear()


def test_docs_give_every_pattern_and_token() -> None:
    text = DOC.read_text()
    for mask in masking.masks():
        assert mask.pattern in text and mask.token in text
