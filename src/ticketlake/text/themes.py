"""Themes: what tickets are about, found by a topic model over their masked text.

TF-IDF over words and word pairs, then non-negative matrix factorisation (scikit-learn's
NMF, seeded, so the same text and seed give the same themes). The number of themes is the
one, in a range, whose themes are most coherent: the mean NPMI of each theme's top terms over
the tickets they occur in (docs/text.md#themes); ``text.themes`` overrides it. A ticket's
theme is the one with the largest loading, found by non-negative least squares against the
fitted themes, one ticket at a time: so a ticket assigned between fits gets exactly the theme
the fit would give it, and the fit's own assignment is the same computation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any

import numpy as np
import numpy.typing as npt

from ticketlake.common import extras
from ticketlake.text import masking

NEEDED_FOR = "themes of ticket text"
SAMPLE = 5_000  # tickets the number of themes is chosen on (all of them are fitted)
TOP_TERMS = 10  # the terms whose coherence is scored, and that label a theme
TOKENS = r"(?u)\b[^\W\d_][\w-]*[^\W_]\b"  # words of two or more characters, starting with a letter

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Fit:
    """A fitted topic model: the vocabulary with its IDF weights, and each theme's loadings
    on it (one row per theme)."""

    terms: tuple[str, ...]
    idf: Floats
    components: Floats
    seed: int
    coherence: dict[int, float] = field(default_factory=dict)  # per number of themes tried

    @property
    def themes(self) -> int:
        """How many themes the model has."""
        return int(self.components.shape[0])

    def top_terms(self, theme: int, n: int = TOP_TERMS, words: int | None = None) -> list[str]:
        """The theme's heaviest terms; ``words`` keeps only terms of that many words."""
        order = np.argsort(-self.components[theme], kind="stable")
        picked = [self.terms[i] for i in order if self.components[theme, i] > 0
                  and (words is None or self.terms[i].count(" ") + 1 == words)]  # fmt: skip
        return picked[:n]

    def keyphrases(self, theme: int, n: int = 3) -> list[str]:
        """The theme's heaviest phrases of two words that do not repeat one another."""
        phrases: list[str] = []
        for phrase in self.top_terms(theme, n * 5, words=2):
            if not any(set(phrase.split()) == set(p.split()) for p in phrases):
                phrases.append(phrase)
        return phrases[:n]

    def label(self, theme: int) -> str:
        """A short name: the three heaviest single words."""
        return " / ".join(self.top_terms(theme, 3, words=1))


@cache
def stop_words() -> frozenset[str]:
    """English stop words and the courtesy and urgency words every ticket uses whatever it is
    about (``text/boilerplate.txt``)."""
    text = files("ticketlake.text").joinpath("boilerplate.txt").read_text("utf-8")
    ours = {w for line in text.splitlines() if not line.startswith("#") for w in line.split()}
    fe = extras.load("sklearn.feature_extraction.text", "text", NEEDED_FOR)
    return frozenset(fe.ENGLISH_STOP_WORDS) | ours


def _vectorizer(vocabulary: Sequence[str] | None = None, min_df: int = 3) -> Any:
    fe = extras.load("sklearn.feature_extraction.text", "text", NEEDED_FOR)
    return fe.TfidfVectorizer(
        stop_words=sorted(stop_words()), token_pattern=TOKENS, ngram_range=(1, 2),
        min_df=min_df, max_df=0.3, sublinear_tf=True, max_features=20_000,
        vocabulary=vocabulary, preprocessor=_clean,
    )  # fmt: skip


def _clean(text: str) -> str:
    """Lower case, masking tokens out."""
    return masking.without_tokens(text).lower()


def fit(docs: Sequence[str], seed: int = 0, themes: int | None = None,
        tried: tuple[int, int] = (4, 16)) -> Fit:  # fmt: skip
    """Fit themes to ``docs``: ``themes`` of them, or the most coherent number in ``tried``
    (inclusive, capped by what the text can carry)."""
    vec = _vectorizer(min_df=min(3, max(1, len(docs) // 50)))
    try:
        x = vec.fit_transform(docs)
    except ValueError:  # no term left: nothing to find themes in
        return Fit((), np.zeros(0), np.zeros((0, 0)), seed)
    terms = tuple(str(t) for t in vec.get_feature_names_out())
    idf = np.asarray(vec.idf_, dtype=np.float64)
    most = max(1, min(x.shape[0] - 1, x.shape[1] - 1))
    if themes is not None:
        return Fit(terms, idf, _nmf(x, min(themes, most), seed), seed)
    low, high = min(tried[0], most), min(tried[1], most)
    sample = x
    if x.shape[0] > SAMPLE:
        rows = np.sort(np.random.default_rng(seed).choice(x.shape[0], SAMPLE, replace=False))
        sample = x[rows]
    scores = {k: coherence(sample, _nmf(sample, k, seed)) for k in range(low, high + 1)}
    best = max(scores, key=lambda k: (round(scores[k], 6), -k))
    return Fit(terms, idf, _nmf(x, best, seed), seed, scores)


def _nmf(x: Any, k: int, seed: int) -> Floats:
    decomposition = extras.load("sklearn.decomposition", "text", NEEDED_FOR)
    model = decomposition.NMF(k, init="nndsvda", random_state=seed, max_iter=400, tol=1e-4)
    model.fit(x)
    return np.asarray(model.components_, dtype=np.float64)


def coherence(x: Any, components: Floats, top: int = TOP_TERMS) -> float:
    """Mean NPMI of each theme's top terms over the documents of ``x`` they occur in: 1 when
    a theme's terms always occur together, 0 when independently, -1 when never together."""
    present = (x > 0).astype(np.float64).tocsc()
    n = x.shape[0]
    share = np.asarray(present.sum(axis=0)).ravel() / n
    scores = []
    for row in components:
        idx = np.argsort(-row, kind="stable")[:top]
        joint = (present[:, idx].T @ present[:, idx]).toarray() / n
        i, j = np.triu_indices(len(idx), 1)
        p_ij, p_i, p_j = joint[i, j], share[idx][i], share[idx][j]
        with np.errstate(divide="ignore", invalid="ignore"):
            npmi = np.where(p_ij > 0, np.log(p_ij / (p_i * p_j)) / -np.log(p_ij), -1.0)
        npmi = np.where(p_ij >= 1.0, 1.0, npmi)
        scores.append(float(npmi.mean()) if npmi.size else 0.0)
    return float(np.mean(scores)) if scores else 0.0


def assign(model: Fit, docs: Sequence[str]) -> tuple[list[int | None], list[float | None]]:
    """Each document's theme and the share of its loading that theme carries (None, None for
    a document without any of the model's terms)."""
    if not model.themes or not docs:
        return [None] * len(docs), [None] * len(docs)
    vec = _vectorizer(vocabulary=model.terms)
    vec.fit(["x"])  # sets the vocabulary; the IDF weights are the fit's
    vec.idf_ = model.idf
    x = vec.transform(docs)
    loadings = _loadings(model.components, x)
    totals = loadings.sum(axis=1)
    best = np.argmax(loadings, axis=1)
    themes = [int(b) if t > 0 else None for b, t in zip(best, totals, strict=True)]
    weights = [float(round(loadings[i, b] / t, 9)) if t > 0 else None
               for i, (b, t) in enumerate(zip(best, totals, strict=True))]  # fmt: skip
    return themes, weights


def _loadings(components: Floats, x: Any) -> Floats:
    """Non-negative least squares of each row of ``x`` on the themes, row by row: minimise
    ||x - w H|| with w >= 0, through the Cholesky factor of H Hᵀ (k by k)."""
    optimize = extras.load("scipy.optimize", "text", NEEDED_FOR)
    gram = components @ components.T
    factor = np.linalg.cholesky(gram + 1e-12 * np.eye(gram.shape[0])).T  # R with G = RᵀR
    projected = np.asarray((x @ components.T), dtype=np.float64)  # each row: H x
    targets = np.linalg.solve(factor.T, projected.T).T  # R⁻ᵀ H x
    out = np.zeros_like(projected)
    for i, target in enumerate(targets):
        if projected[i].any():
            out[i] = optimize.nnls(factor, target)[0]
    return out
