"""Synthetic ticket text: shape, determinism, encoding safety and realism checks."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pytest

from ticketlake.synth import text
from ticketlake.synth.text import CATEGORIES, make_text

N = 2000

# Phrases only one tone's templates use, to recognise the tone from the text alone.
TONE_MARKERS = {
    "polite": r"could you please|i wanted to let you know|would you mind|i would be grateful",
    "frustrated": r"again|still|unacceptable|third time|half a day",
    "urgent": r"urgent|asap|critical|immediate|top priority|production impact",
    "technical": r"reproduced on|observed:|checked from|clients behind",
    "casual": r"pls|kindly|can u|not sure why|thx",
}


@dataclass(frozen=True)
class Sample:
    category: np.ndarray
    priority: np.ndarray
    titles: list[str]
    descriptions: list[str]


@pytest.fixture(scope="module")
def sample() -> Sample:
    rng = np.random.default_rng(20240601)
    category = rng.integers(0, len(CATEGORIES), N)
    priority = rng.integers(0, 4, N)
    titles, descriptions = make_text(np.random.default_rng(7), category, priority)
    return Sample(category, priority, titles.to_pylist(), descriptions.to_pylist())


def words(phrases: list[str]) -> set[str]:
    return {w for p in phrases for w in re.findall(r"[a-z0-9][a-z0-9-]*", p.lower())}


def vocab(category: str, slots: tuple[str, ...] = ("object", "symptom")) -> list[str]:
    return [e for slot in slots for e in text._split(text._BY_CATEGORY[category][slot])]


def share(texts: list[str], pattern: str) -> float:
    regex = re.compile(pattern, re.IGNORECASE)
    return sum(bool(regex.search(t)) for t in texts) / max(len(texts), 1)


def test_same_seed_same_text() -> None:
    category = np.arange(500) % len(CATEGORIES)
    priority = np.arange(500) % 4
    first = make_text(np.random.default_rng(3), category, priority)
    again = make_text(np.random.default_rng(3), category, priority)
    other = make_text(np.random.default_rng(4), category, priority)
    assert first[0].equals(again[0]) and first[1].equals(again[1])
    assert not first[1].equals(other[1])


def test_lengths_and_types(sample: Sample) -> None:
    category = np.zeros(17, dtype=np.int32)
    titles, descriptions = make_text(np.random.default_rng(0), category, category)
    assert titles.type == descriptions.type == pa.string()
    assert len(titles) == len(descriptions) == 17
    assert titles.null_count == descriptions.null_count == 0
    assert len(sample.titles) == len(sample.descriptions) == N
    assert all(sample.titles) and all(sample.descriptions)


def test_empty_input() -> None:
    empty = np.array([], dtype=np.int64)
    titles, descriptions = make_text(np.random.default_rng(0), empty, empty)
    assert len(titles) == len(descriptions) == 0


@pytest.mark.parametrize(
    ("category", "priority"),
    [([0, 1], [0]), ([8], [0]), ([-1], [0]), ([0], [4])],
)
def test_bad_input_is_rejected(category: list[int], priority: list[int]) -> None:
    with pytest.raises(ValueError):
        make_text(np.random.default_rng(0), np.array(category), np.array(priority))


def test_no_line_breaks(sample: Sample) -> None:
    for value in sample.titles + sample.descriptions:
        assert "\n" not in value and "\r" not in value


def test_only_latin1_characters(sample: Sample) -> None:
    assert max(ord(ch) for value in sample.titles + sample.descriptions for ch in value) <= 255
    for value in sample.titles + sample.descriptions:
        value.encode("latin-1")


def test_vocabulary_stays_latin1_under_recasing() -> None:
    pools = {name: pool.values.to_pylist() for name, (_, pool) in text._POOLS.items()}
    templates = [
        t
        for part in (text._TITLE, text._PROBLEM, text._OPENER, text._CLOSER, text._TECH_LINE)
        for t in part.table.values.to_pylist()
    ]
    for value in [v for vs in pools.values() for v in vs] + templates:
        for cased in (value, value.upper(), value.lower()):
            assert max(map(ord, cased)) <= 255, value
    # Only the latin_* pools may leave ASCII, so their share of rows is what the code sets.
    for name, values in pools.items():
        assert all(v.isascii() for v in values) != name.startswith("latin"), name
    assert all(t.isascii() for t in templates)


def test_some_rows_are_not_ascii(sample: Sample) -> None:
    for texts in (sample.titles, sample.descriptions):
        assert 0.01 <= share(texts, r"[^\x00-\x7f]") <= 0.06


def test_descriptions_need_csv_quoting(sample: Sample) -> None:
    assert share(sample.descriptions, '"') > 0.05
    assert share(sample.descriptions, ",") > 0.2
    assert share(sample.descriptions, r'".*,|,.*"') > 0.05


def test_titles_are_short(sample: Sample) -> None:
    counts = np.array([len(t.split()) for t in sample.titles])
    assert counts.min() >= 3 and counts.max() <= 20
    assert np.mean((counts >= 4) & (counts <= 12)) > 0.95


@pytest.fixture(scope="module")
def exclusive_words() -> dict[str, set[str]]:
    """Per category, words of its objects and symptoms found nowhere else in a title's text."""
    literals = [re.sub(r"\{\w+\}", " ", t) for t in text._TITLE.table.values.to_pylist()]
    shared_pools = [
        v for kind, pool in text._POOLS.values() if kind == "" for v in pool.values.to_pylist()
    ]
    places = [v for c in CATEGORIES for v in vocab(c, ("where", "context"))]
    filler = words(literals + shared_pools + places)
    own = {c: words(vocab(c)) - filler for c in CATEGORIES}
    return {c: ws.difference(*(o for d, o in own.items() if d != c)) for c, ws in own.items()}


@pytest.mark.parametrize("category", CATEGORIES)
def test_titles_use_their_category_vocabulary(
    sample: Sample, exclusive_words: dict[str, set[str]], category: str
) -> None:
    index = CATEGORIES.index(category)
    titles = [words([t]) for t, c in zip(sample.titles, sample.category, strict=True) if c == index]
    hit_rate = {
        c: sum(bool(t & ws) for t in titles) / len(titles) for c, ws in exclusive_words.items()
    }
    assert hit_rate.pop(category) > 0.6
    assert max(hit_rate.values()) < 0.05, hit_rate


def test_title_and_description_name_the_same_object(sample: Sample) -> None:
    objects = {i: [o.lower() for o in vocab(c, ("object",))] for i, c in enumerate(CATEGORIES)}
    rows = zip(sample.category, sample.titles, sample.descriptions, strict=True)
    for category, title, description in rows:
        named = {o for o in objects[category] if o in title.lower()}
        assert any(o in description.lower() for o in named), (title, description)


def test_several_tones_appear(sample: Sample) -> None:
    for tone, pattern in TONE_MARKERS.items():
        assert share(sample.descriptions, pattern) > 0.03, tone


def test_urgent_tone_follows_priority(sample: Sample) -> None:
    by_priority = [
        [d for d, p in zip(sample.descriptions, sample.priority, strict=True) if p == level]
        for level in range(4)
    ]
    urgent = [share(ds, TONE_MARKERS["urgent"]) for ds in by_priority]
    assert urgent[0] > 0.25
    assert urgent[0] > 3 * urgent[3]
