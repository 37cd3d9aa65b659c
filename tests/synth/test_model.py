"""The generator's statistical and structural promises, checked on its output."""

from __future__ import annotations

import numpy as np
import pytest

from ticketlake.synth import Options, generate
from ticketlake.synth import profile as pf
from ticketlake.synth.model import ABSENT, N_SLOTS, SLOT

BIG = Options(tickets=60_000, days=120, seed=11)


@pytest.fixture(scope="module")
def big():  # type: ignore[no-untyped-def]
    return generate(BIG)


def test_same_seed_same_history_other_seed_differs() -> None:
    a, b = generate(Options(tickets=2000, seed=3)), generate(Options(tickets=2000, seed=3))
    c = generate(Options(tickets=2000, seed=4))
    assert np.array_equal(a.times, b.times) and np.array_equal(a.agent, b.agent)
    assert not np.array_equal(a.times, c.times)


def test_no_event_before_creation_and_times_increase(big) -> None:  # type: ignore[no-untyped-def]
    t = big.times
    present = t != ABSENT
    assert (t[present] >= np.broadcast_to(big.created[:, None], t.shape)[present]).all()
    for s in range(1, N_SLOTS):
        earlier = np.where(present[:, :s], t[:, :s], -1).max(axis=1)
        assert (t[present[:, s], s] > earlier[present[:, s]]).all()
    assert (t[present] < BIG.export_ns).all()


def test_priority_mix_within_one_point(big) -> None:  # type: ignore[no-untyped-def]
    share = np.bincount(big.priority, minlength=4) / len(big)
    assert np.abs(share - np.asarray(pf.PRIORITY_SHARE)).max() < 0.01


def test_median_resolution_per_priority_within_ten_percent(big) -> None:  # type: ignore[no-untyped-def]
    # Tickets older than 40 days: anyone still unresolved has taken longer than any median,
    # so counting them as infinite leaves the sample median exact.
    old = big.created < BIG.export_ns - 40 * pf.DAY_NS
    ordinary = (big.vanished_at == ABSENT) & (big.slot_time("cancelled") == ABSENT)
    for p in range(4):
        rows = old & ordinary & (big.priority == p)
        hours = (big.first_resolved_at[rows] - big.created[rows]) / pf.HOUR_NS
        hours = np.where(big.first_resolved_at[rows] == ABSENT, np.inf, hours)
        expected = pf.expected_median_resolution_hours(p)
        assert abs(np.median(hours) / expected - 1) < 0.10, (p, np.median(hours), expected)


def test_realistic_shapes(big) -> None:  # type: ignore[no-untyped-def]
    created = big.created.astype("datetime64[ns]")
    weekday = (created.astype("datetime64[D]").astype(np.int64) + 3) % 7  # 0 = Monday
    per_day = np.bincount(weekday, minlength=7)
    assert per_day[:5].min() > 3 * per_day[5:].max()  # weekdays far busier than weekends
    hour = (big.created // pf.HOUR_NS) % 24
    assert np.bincount(hour, minlength=24)[9] > 5 * np.bincount(hour, minlength=24)[3]
    assert 0.03 < (big.reopen_count > 0).mean() < 0.10
    assert (big.reassignment_count >= 2).mean() > 0.1
    still_open = big.closed_at == ABSENT
    assert 0.01 < still_open.mean() < 0.2


def test_group_sequences_include_back_and_forth(big) -> None:  # type: ignore[no-untyped-def]
    groups = big.group[:, [SLOT["responded"]] + [SLOT[f"reassigned_{j}"] for j in range(1, 5)]]
    ping_pong = 0
    for row in groups[big.reassignment_count >= 2][:5000]:
        seq = [g for g in row if g >= 0]
        collapsed = [g for i, g in enumerate(seq) if i == 0 or g != seq[i - 1]]
        assert collapsed == seq  # a reassignment always changes the group
        ping_pong += any(collapsed[i] == collapsed[i + 2] for i in range(len(collapsed) - 2))
    assert ping_pong > 100


def test_first_group_is_tier_one_for_most_tickets(big) -> None:  # type: ignore[no-untyped-def]
    level = np.asarray([g.level for g in pf.GROUPS])[big.group[:, SLOT["assigned"]]]
    assigned = big.group[:, SLOT["assigned"]] >= 0
    assert 0.9 < (level[assigned] == 1).mean() < 0.99
