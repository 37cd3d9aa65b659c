"""Personal data planted in generated text: off by default, at the rate asked for, listed in
the manifest, each value one the masks take out whole."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import duckdb
import numpy as np
import pytest

from ticketlake.errors import UsageError
from ticketlake.synth import MANIFEST, Options, generate, write_shape
from ticketlake.synth.personal import ticket_text
from ticketlake.synth.text import make_text
from ticketlake.text import masking

OPTIONS = Options(tickets=2_000, days=30, seed=5)


def test_off_by_default_the_text_is_as_it_was() -> None:
    ts = generate(OPTIONS)
    text = ticket_text(ts)
    title, description = make_text(np.random.default_rng([5, 1]), ts.category, ts.priority)
    assert text.title.equals(title) and text.description.equals(description)
    assert text.planted == ()


def test_planted_at_the_rate_in_descriptions_and_titles() -> None:
    ts = generate(replace(OPTIONS, personal=0.2))
    text, plain = ticket_text(ts), ticket_text(generate(OPTIONS))
    changed = np.array(text.description.to_pylist()) != np.array(plain.description.to_pylist())
    assert 0.17 < changed.mean() < 0.23
    titled = np.array(text.title.to_pylist()) != np.array(plain.title.to_pylist())
    assert 0.04 < titled.mean() < 0.1 and not (titled & ~changed).any()
    assert len(text.planted) == changed.sum() + titled.sum()
    joined = "\n".join(text.title.to_pylist() + text.description.to_pylist())
    assert all(value in joined for value in text.planted)


def test_every_planted_value_is_masked_whole() -> None:
    """Each value becomes exactly one token, of its kind: none leaks in part."""
    planted = ticket_text(generate(replace(OPTIONS, personal=0.5))).planted
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT unnest(?) AS x", [list(planted)])
    masked = [r[0] for r in con.execute(f"SELECT {masking.sql('x')} FROM t").fetchall()]
    tokens = set(masking.TOKENS.values())
    assert set(masked) == tokens  # every kind planted, every value one token


def test_manifest_lists_the_planted_values(tmp_path: Path) -> None:
    result = write_shape("json", tmp_path, replace(OPTIONS, personal=0.1))
    manifest = json.loads((tmp_path / MANIFEST).read_text())
    assert manifest == result.manifest
    assert manifest["personal"] == sorted(set(ticket_text(result.tickets).planted))
    written = "".join(p.read_text() for p in tmp_path.glob("*.json*") if p.name != MANIFEST)
    assert all(json.dumps(v)[1:-1] in written for v in manifest["personal"])


def test_without_planting_no_manifest(tmp_path: Path) -> None:
    result = write_shape("tickets", tmp_path, OPTIONS)
    assert result.manifest is None and not (tmp_path / MANIFEST).exists()


def test_rate_out_of_range(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--personal"):
        write_shape("tickets", tmp_path, replace(OPTIONS, personal=1.5))
