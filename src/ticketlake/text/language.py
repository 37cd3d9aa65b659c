"""The language of ticket text, where it is cheap to tell: py3langid's naive Bayes model, which
ships inside its package (nothing is downloaded), about 20 microseconds a ticket.

A short text says too little: below MIN_LETTERS letters, or when the model's normalised
probability of its best language is under MIN_CONFIDENCE, the language is unknown (None), and
the build says how many tickets that left (docs/text.md#language).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from ticketlake.common import extras
from ticketlake.text.masking import without_tokens

MIN_LETTERS = 20
MIN_CONFIDENCE = 0.9
_LETTER = re.compile(r"[^\W\d_]")


@cache
def _identifier() -> Any:
    langid = extras.load("py3langid.langid", "text", "the language of ticket text")
    return langid.LanguageIdentifier.from_model_file(langid.MODEL_FILE, norm_probs=True)


def detect(texts: Sequence[str | None]) -> list[str | None]:
    """Each text's ISO 639-1 language code, or None where it cannot be told with confidence."""
    identifier = _identifier()
    found: list[str | None] = []
    for text in texts:
        clean = without_tokens(text or "")
        if len(_LETTER.findall(clean)) < MIN_LETTERS:
            found.append(None)
            continue
        language, probability = identifier.classify(clean)
        found.append(str(language) if probability >= MIN_CONFIDENCE else None)
    return found
