"""A theme planted from a given day on, so a topic test can check that it is found rising.

Off by default (``Options.rising`` is None), so generated data stays as it always was. From
the day ``Options.rising`` (0-based from ``Options.start``) a share SHARE of newly created
tickets is about an authenticator rollout gone wrong: their title and the problem sentences of
their description come from a vocabulary no category uses (text.py), and their first
resolution takes RESOLUTION_FACTOR times as long. Every draw here comes from generators of
its own, so the main history is unchanged; the manifest lists the tickets (``write_shape``).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from ticketlake.synth import profile as pf
from ticketlake.synth.text import tone_frame

if TYPE_CHECKING:
    from ticketlake.synth.model import Options, TicketSet

Bools = npt.NDArray[np.bool_]
Floats = npt.NDArray[np.float64]

SHARE = 0.25  # of the tickets created on or after the day
RESOLUTION_FACTOR = 3.0  # on the time to first resolution
PHRASE = "authenticator push and number matching"
_SELECT_STREAM, _TEXT_STREAM = 21, 22  # seeds of the generators, beside Options.seed

# --- Vocabulary: none of these words is in a category's pool (text.py) --------------------
_OBJECT = (
    "Authenticator",
    "authenticator push",
    "push notification",
    "number matching challenge",
    "number matching dialog",
    "authenticator enrolment",
    "enrolment QR code",
    "passkey",
    "FIDO2 authenticator",
    "authenticator approval request",
    "two-step push",
    "authenticator recovery codes",
)
_SYMPTOM = (
    "never arrives",
    "shows the wrong number",
    "loops back to the enrolment page",
    "expires before I can approve it",
    "arrives twice",
    "arrives minutes late",
    "shows no number at all",
    "asks me to enrol again",
    "rejects the number I type",
    "hangs on the approval dialog",
    "says the request was declined",
    "keeps prompting every hour",
)
_WHERE = (
    "on my work handset",
    "on my personal handset",
    "on the Android handset",
    "on my iPhone",
    "on the company tablet",
    "on the spare handset",
)
_CONTEXT = (
    "since the authenticator rollout",
    "since number matching was switched on",
    "after re-enrolling my handset",
    "since the enrolment campaign",
    "after the authenticator upgrade",
    "when roaming abroad",
    "with energy saving on",
    "since the push approvals became mandatory",
)
_ATTEMPT = (
    "re-enrolling the authenticator",
    "scanning the enrolment QR code again",
    "turning notifications back on",
    "syncing the handset clock",
    "removing and re-adding the authenticator entry",
    "approving from the authenticator widget",
)
_TITLE = (
    "{object} {symptom}",
    "{object} {symptom} {context}",
    "Authenticator rollout: {object} {symptom}",
    "Number matching problem - {object} {symptom}",
    "Cannot approve push: {object} {symptom} {where}",
)
_PROBLEM = (
    "Since the authenticator rollout the {object} {symptom} {where}.",
    "The {object} {symptom} {context}, so I cannot approve anything.",
    "Every time I try to approve, the {object} {symptom} {where}.",
    "My {object} {symptom} {context}; colleagues enrolled the same week see it too.",
    "The {object} {symptom} {where} since the number matching change.",
)
_DETAIL = (
    "I already tried {attempt}, but the push still {symptom}.",
    "Tried {attempt}, no change.",
    "After {attempt} the number matching challenge {symptom}.",
    "",
)
_POOLS: dict[str, tuple[str, ...]] = {
    "object": _OBJECT,
    "symptom": _SYMPTOM,
    "where": _WHERE,
    "context": _CONTEXT,
    "attempt": _ATTEMPT,
}


def vocabulary() -> tuple[str, ...]:
    """Every phrase the theme's slots are filled from, for tests and topic checks."""
    return tuple(phrase for pool in _POOLS.values() for phrase in pool)


def first_day(options: Options) -> date:
    """The day the theme starts (``options.rising`` must be set)."""
    if options.rising is None:
        raise ValueError("no rising theme: Options.rising is None")
    return options.start + timedelta(days=options.rising)


def planted(options: Options, created: npt.NDArray[np.int64]) -> Bools:
    """Which of the tickets created at ``created`` carry the theme: a share SHARE of those
    created on or after the day, drawn from a generator of their own."""
    if options.rising is None:
        return np.zeros(created.shape[0], dtype=np.bool_)
    rng = np.random.default_rng([options.seed, _SELECT_STREAM])
    draw = rng.random(created.shape[0]) < SHARE
    return np.asarray(draw & (created >= options.start_ns + options.rising * pf.DAY_NS))


def planted_rising(ts: TicketSet) -> Bools:
    """The tickets of ``ts`` that carry the planted theme (all False without ``rising``)."""
    return planted(ts.options, ts.created)


def resolution_factor(options: Options, created: npt.NDArray[np.int64]) -> Floats:
    """The factor on each ticket's time to first resolution: 1.0 but for the theme's."""
    return np.where(planted(options, created), RESOLUTION_FACTOR, 1.0)


def plant_text(ts: TicketSet, title: pa.Array, description: pa.Array) -> tuple[pa.Array, pa.Array]:
    """``title`` and ``description`` with the theme's tickets' text replaced by the theme's,
    framed by an opener and a closer in the tone of the ticket's priority."""
    rows = np.flatnonzero(planted_rising(ts))
    if rows.size == 0:
        return title, description
    rng = np.random.default_rng([ts.options.seed, _TEXT_STREAM])
    titles, problems = _theme_sentences(rng, rows.size)
    opener, closer = tone_frame(rng, ts.priority[rows])
    body = pc.binary_join_element_wise(
        opener, pa.array(problems), closer, " ", null_handling="skip"
    )
    return _put(title, rows, pa.array(titles)), _put(description, rows, body)


def _theme_sentences(rng: np.random.Generator, n: int) -> tuple[list[str], list[str]]:
    """``n`` titles and problem paragraphs, each pair telling one story."""
    slots = {name: rng.integers(len(pool), size=n) for name, pool in _POOLS.items()}
    kinds = [rng.integers(len(t), size=n) for t in (_TITLE, _PROBLEM, _DETAIL)]
    titles, problems = [], []
    for i in range(n):
        words = {name: _POOLS[name][int(k[i])] for name, k in slots.items()}
        titles.append(_cap(_TITLE[kinds[0][i]].format(**words)))
        problem = _PROBLEM[kinds[1][i]].format(**words)
        detail = _DETAIL[kinds[2][i]].format(**words)
        problems.append(_cap(f"{problem} {detail}".strip()))
    return titles, problems


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _put(texts: pa.Array, rows: npt.NDArray[np.intp], values: pa.Array) -> pa.Array:
    """``texts`` with ``values`` at ``rows``."""
    out = texts.to_pylist()
    for row, value in zip(rows.tolist(), values.to_pylist(), strict=True):
        out[row] = value
    return pa.array(out, pa.string())


def manifest_entry(ts: TicketSet) -> dict[str, Any]:
    """What the manifest says about the theme: its day, a label, the ticket numbers that every
    export at the export instant holds (deleted ones left out), and the resolution factor."""
    tickets = ts.number[planted_rising(ts) & ts.kept]
    return {
        "day": first_day(ts.options).isoformat(),
        "phrase": PHRASE,
        "tickets": [int(n) for n in tickets],
        "resolution_factor": RESOLUTION_FACTOR,
    }
