"""The language of ticket text: told where the text says enough, unknown otherwise."""

from __future__ import annotations

import pytest

pytest.importorskip("py3langid", reason="language detection needs the text extra")

from ticketlake.text import language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The VPN keeps dropping since the Windows update, please help", "en"),
        ("Mein Drucker druckt seit gestern nicht mehr, bitte helfen Sie mir", "de"),
        ("Bonjour, mon imprimante ne marche plus depuis hier matin", "fr"),
        ("Hola, mi ordenador portátil no funciona desde esta mañana y no puedo trabajar", "es"),
        ("Hola, mi portátil no enciende desde esta mañana, gracias", None),  # es at 0.69: unsure
        ("VPN down", None),  # too short to tell
        ("", None),
        (None, None),
    ],
)
def test_language(text: str | None, expected: str | None) -> None:
    assert language.detect([text]) == [expected]


def test_masking_tokens_are_not_text() -> None:
    """Tokens count as no letters: a text of little more than tokens is unknown."""
    assert language.detect(["[email] [url] [phone] [email] [url] ok"]) == [None]
    english = "Outlook is extremely slow since Monday morning"
    assert language.detect([f"{english} [email]"]) == language.detect([english]) == ["en"]
