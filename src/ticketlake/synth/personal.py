"""Personal data planted in generated ticket text, on request, to test that it is masked.

Off by default (``Options.personal`` is 0), so generated data stays as it always was. At a
rate, a ticket's description (and a third as often its title) gains an e-mail address, a
phone number in one of several international and national formats, or a URL, each unique
to the ticket so that a planted value found in any output is a leak; a shape that writes
comments may plant them in its requesters' comments too (:func:`plant_comments`). The
generator's manifest lists every planted value (``write_shape``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ticketlake.synth import rising
from ticketlake.synth.model import TicketSet
from ticketlake.synth.text import make_text

_NAMES = ("anna.berg", "j.smith", "maria_lopez", "k.tanaka", "olivier.dupont", "s.okafor")
_EMAIL = ("{name}{k}@example.com", "{name}.{k}@mail.example.org", "{name}+it{k}@corp.example.de")
_PHONE = (
    "+44 20 7946 {k:04d}",
    "+1 (555) {a:03d}-{k:04d}",
    "+49 (0)30 {a:04d} {k:04d}",
    "+33 6 {b:02d} {c:02d} {d:02d} {e:02d}",
    "555-{a:03d}-{k:04d}",
    "(555) {a:03d}-{k:04d}",
    "020 {a:04d} {k:04d}",
    "0151-{a:04d}{k:04d}",
    "06.{b:02d}.{c:02d}.{d:02d}.{e:02d}",
)
_URL = (
    "https://portal.example.com/users/{name}{k}",
    "www.example.org/~{name}{k}/cv.pdf",
    "http://{k}.files.example.net/share?owner={name}",
)
_KINDS = (_EMAIL, _PHONE, _URL)
# How the value joins the text: descriptions end with it, titles carry it in brackets.
_DESCRIPTION = (
    "{text} You can reach me at {value}.",
    "{text}\nContact: {value}",
    "{text} ({value})",
)
_TITLE = "{text} ({value})"
_COMMENT_K = 5_000  # comments' values are numbered from here, apart from the tickets' own


@dataclass(frozen=True)
class TicketText:
    """Each ticket's title and description, and the personal data planted in them."""

    title: pa.Array
    description: pa.Array
    planted: tuple[str, ...] = ()


def ticket_text(ts: TicketSet) -> TicketText:
    """The text of ``ts``'s tickets (the same in every shape), with the rising theme's text in
    its tickets (synth/rising.py) and personal data planted in a share ``ts.options.personal``
    of them."""
    title, description = make_text(
        np.random.default_rng([ts.options.seed, 1]), ts.category, ts.priority
    )
    title, description = rising.plant_text(ts, title, description)
    if ts.options.personal <= 0:
        return TicketText(title, description)
    rng = np.random.default_rng([ts.options.seed, 11])
    n = len(ts)
    planted: list[str] = []
    rows = np.flatnonzero(rng.random(n) < ts.options.personal)
    description = _plant(rng, description, rows, lambda: rng.choice(_DESCRIPTION), planted)
    rows = rows[rng.random(rows.size) < 1 / 3]
    title = _plant(rng, title, rows, lambda: _TITLE, planted)
    return TicketText(title, description, tuple(planted))


def plant_comments(ts: TicketSet, comments: list[str]) -> tuple[list[str], tuple[str, ...]]:
    """``comments`` (a shape's requester comments, in a fixed order) with personal data
    planted in a share ``ts.options.personal`` of them, from a random stream of their own,
    and the values planted; unchanged when planting is off."""
    if ts.options.personal <= 0 or not comments:
        return comments, ()
    rng = np.random.default_rng([ts.options.seed, 12])
    rows = np.flatnonzero(rng.random(len(comments)) < ts.options.personal)
    planted: list[str] = []
    texts = pa.array(comments, pa.string())
    out = _plant(rng, texts, rows, lambda: rng.choice(_DESCRIPTION), planted, first=_COMMENT_K)
    return out.to_pylist(), tuple(planted)


def _plant(
    rng: np.random.Generator,
    texts: pa.Array,
    rows: np.ndarray,
    joiner: Callable[[], str],
    planted: list[str],
    first: int = 0,
) -> pa.Array:
    """``texts`` with a fresh personal value joined to each of ``rows`` (numbered from
    ``first``, so that values planted elsewhere differ)."""
    out = texts.to_pylist()
    for row in rows:
        value = _value(rng, first + int(row) + len(planted))
        planted.append(value)
        out[row] = joiner().format(text=out[row], value=value)
    return pa.array(out, pa.string())


def _value(rng: np.random.Generator, k: int) -> str:
    """One e-mail address, phone number or URL, unique to ``k``."""
    kind = _KINDS[int(rng.integers(len(_KINDS)))]
    template = kind[int(rng.integers(len(kind)))]
    pairs = dict(zip("bcde", (int(x) for x in rng.integers(10, 99, size=4)), strict=True))
    name = _NAMES[k % len(_NAMES)]
    return template.format(name=name, k=k % 10_000, a=100 + k // 10_000 % 900, **pairs)
