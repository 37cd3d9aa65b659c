"""A rising theme planted from a given day: off by default and then nothing changes; on, a
quarter of the tickets created from that day speak of an authenticator rollout in words no
category uses, take three times as long to resolve, and the manifest lists them."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from ticketlake.cli.main import app
from ticketlake.errors import UsageError
from ticketlake.synth import MANIFEST, Options, generate, planted_rising, rising, write_shape
from ticketlake.synth.model import TicketSet
from ticketlake.synth.personal import ticket_text
from ticketlake.synth.profile import DAY_NS, HOUR_NS
from ticketlake.synth.text import _BY_CATEGORY, _split

OPTIONS = Options(tickets=2_000, days=60, seed=7, rising=20)
THEME = ("authenticator", "push", "number matching", "enrol", "passkey", "fido2")


@pytest.fixture(scope="module")
def planted_set() -> TicketSet:
    return generate(OPTIONS)


def _day_of(ts: TicketSet) -> np.ndarray:
    return (ts.created - ts.options.start_ns) // DAY_NS


def test_off_leaves_everything_as_it_was() -> None:
    small = Options(tickets=300, days=15, seed=3)
    plain, off = generate(small), generate(replace(small, rising=None))
    for name in ("created", "times", "group", "agent", "lag_ns", "priority", "category"):
        assert np.array_equal(getattr(plain, name), getattr(off, name)), name
    a, b = ticket_text(plain), ticket_text(off)
    assert a.title.equals(b.title) and a.description.equals(b.description)
    assert not planted_rising(off).any()


# Digest of a small history and its text as drawn before the option existed.
BEFORE_RISING = "285404b8b3e1632227882d68dd7708fee772b14e99fbf2f8851b73c4da27bc0e"


def test_off_draws_the_history_drawn_before_the_option() -> None:
    ts = generate(Options(tickets=300, days=15, seed=3))
    text, digest = ticket_text(ts), hashlib.sha256()
    for array in (ts.created, ts.times, ts.group, ts.agent, ts.lag_ns):
        digest.update(np.ascontiguousarray(array).tobytes())
    digest.update("\n".join(text.title.to_pylist() + text.description.to_pylist()).encode())
    assert digest.hexdigest() == BEFORE_RISING


def test_only_the_theme_changes_when_on(planted_set: TicketSet) -> None:
    plain = generate(replace(OPTIONS, rising=None))
    mask = planted_rising(planted_set)
    assert np.array_equal(plain.created, planted_set.created)
    assert np.array_equal(plain.times[~mask], planted_set.times[~mask])
    a, b = ticket_text(plain), ticket_text(planted_set)
    same = np.array(a.title.to_pylist()) == np.array(b.title.to_pylist())
    assert same[~mask].all() and not same[mask].any()


def test_planted_from_the_day_at_the_share(planted_set: TicketSet) -> None:
    mask, day = planted_rising(planted_set), _day_of(planted_set)
    assert not mask[day < 20].any()
    assert abs(mask[day >= 20].mean() - rising.SHARE) < 0.04
    assert np.array_equal(mask, planted_rising(generate(OPTIONS)))  # deterministic


def _object_words() -> re.Pattern[str]:
    phrases = {p.lower() for c in _BY_CATEGORY.values() for p in _split(c["object"])}
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])({alternatives})(?![\w-])")


def test_planted_text_speaks_of_the_theme_only(planted_set: TicketSet) -> None:
    mask, text = planted_rising(planted_set), ticket_text(planted_set)
    objects = _object_words()
    titles = np.array(text.title.to_pylist())[mask]
    descriptions = np.array(text.description.to_pylist())[mask]
    for title, description in zip(titles, descriptions, strict=True):
        for part in (title.lower(), description.lower()):
            assert any(word in part for word in THEME), part
            assert objects.search(part) is None, (part, objects.search(part))
    assert len(set(titles)) > 100


def test_planted_tickets_take_longer_to_resolve(planted_set: TicketSet) -> None:
    mask, day = planted_rising(planted_set), _day_of(planted_set)
    first = planted_set.first_resolved_at
    hours = (first - planted_set.created) / HOUR_NS
    done = (first != np.iinfo(np.int64).max) & (day >= 20)
    assert np.median(hours[done & mask]) > 2 * np.median(hours[done & ~mask])


def test_manifest_lists_the_theme(tmp_path: Path) -> None:
    result = write_shape("tickets", tmp_path, OPTIONS)
    manifest = json.loads((tmp_path / MANIFEST).read_text())
    assert manifest == result.manifest and set(manifest) == {"shape", "rising"}
    entry, ts = manifest["rising"], result.tickets
    assert entry["day"] == "2024-01-21" and entry["resolution_factor"] == rising.RESOLUTION_FACTOR
    assert entry["phrase"] == rising.PHRASE
    assert entry["tickets"] == ts.number[planted_rising(ts) & ts.kept].tolist()
    written = "".join(p.read_text() for p in tmp_path.glob("tickets_*.csv"))
    assert all(f"TCK-{n:07d}" in written for n in entry["tickets"])


def test_manifest_keeps_the_personal_values_beside(tmp_path: Path) -> None:
    result = write_shape("json", tmp_path, replace(OPTIONS, personal=0.1), dirty_rate=0.01)
    assert {"shape", "defects", "personal", "rising"} <= set(result.manifest or {})


@pytest.mark.parametrize("day", [-1, 60, 100])
def test_a_day_outside_the_horizon_is_refused(tmp_path: Path, day: int) -> None:
    with pytest.raises(UsageError, match="--rising"):
        write_shape("tickets", tmp_path, replace(OPTIONS, rising=day))


def test_cli_plants_the_theme(tmp_path: Path) -> None:
    out = tmp_path / "g"
    args = [
        "-p",
        str(tmp_path),
        "generate",
        "-n",
        "400",
        "-d",
        "20",
        "--rising",
        "5",
        "-o",
        str(out),
        "-f",
        "json",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    entry = json.loads((out / MANIFEST).read_text())["rising"]
    assert entry["day"] == "2024-01-06" and len(entry["tickets"]) > 40


def test_cli_refuses_a_day_past_the_end(tmp_path: Path) -> None:
    args = [
        "-p",
        str(tmp_path),
        "generate",
        "-n",
        "50",
        "-d",
        "10",
        "--rising",
        "10",
        "-o",
        str(tmp_path / "g"),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2 and "--rising" in result.output
