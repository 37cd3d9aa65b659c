"""Sentiment of ticket text: VADER's lexicon model, tuned with a lexicon of IT-support words.

VADER (a rule-based model over a word lexicon) needs no training and no download: its lexicon
ships inside the package, and ours (``lexicon.txt`` beside this module) is merged over it, so
that "not working", "crashed" or "outage" carry the sign a support desk reads in them. Text is
scored as the warehouse holds it, masked (:mod:`ticketlake.text.masking`); the mask tokens are
removed first so that a ticket's score does not depend on whether it named an address.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Protocol

from ticketlake.common import extras
from ticketlake.text import masking

EXTRA = "text"
LEXICON = "lexicon.txt"  # the domain lexicon, a package resource of ticketlake.text
SCALE = 4.0  # VADER's lexicon scores lie in [-SCALE, SCALE]
# VADER's documented thresholds on the compound score
NEGATIVE_BELOW = -0.05
POSITIVE_ABOVE = 0.05


class _Analyzer(Protocol):
    """What this module uses of VADER's ``SentimentIntensityAnalyzer``."""

    lexicon: dict[str, float]

    def polarity_scores(self, text: str) -> dict[str, float]: ...


def score(texts: Sequence[str | None]) -> list[float | None]:
    """VADER's compound score of each text, in [-1, 1]; None where a text is None, empty or
    nothing but mask tokens, since there is nothing to read a sentiment from."""
    return [_compound(text) for text in texts]


def label(compound: float) -> str:
    """The class VADER's authors give a compound score: negative, positive or neutral."""
    if compound < NEGATIVE_BELOW:
        return "negative"
    if compound > POSITIVE_ABOVE:
        return "positive"
    return "neutral"


def domain_lexicon() -> dict[str, float]:
    """The IT-support lexicon shipped with the package, word to score; a malformed line raises
    ``ValueError`` naming it, as the file is part of the code, not a user's input."""
    text = resources.files("ticketlake.text").joinpath(LEXICON).read_text(encoding="utf-8")
    entries = (_entry(n, line) for n, line in enumerate(text.splitlines(), 1))
    return dict(e for e in entries if e is not None)


def _entry(number: int, line: str) -> tuple[str, float] | None:
    """One line of the lexicon as (word, score); None for a blank or comment line."""
    if not line.strip() or line.startswith("#"):
        return None
    word, sep, value = line.partition("\t")
    try:
        points = float(value)
    except ValueError:
        points = float("nan")
    if not sep or word != word.strip().lower() or " " in word or not abs(points) <= SCALE:
        raise ValueError(f"{LEXICON} line {number}: want word<TAB>score, got {line!r}")
    return word, points


def _compound(text: str | None) -> float | None:
    """The compound score of one text without its mask tokens, or None if nothing is left."""
    words = masking.without_tokens(text or "").split()
    if not words:
        return None
    return float(_analyzer().polarity_scores(" ".join(words))["compound"])


@cache
def _analyzer() -> _Analyzer:
    """VADER's analyzer with the domain lexicon merged in; built once per process, since
    reading its lexicon of 7,500 words is the costly part."""
    vader = extras.load("vaderSentiment.vaderSentiment", EXTRA, "ticket sentiment")
    analyzer: _Analyzer = vader.SentimentIntensityAnalyzer()
    analyzer.lexicon.update(domain_lexicon())
    return analyzer
