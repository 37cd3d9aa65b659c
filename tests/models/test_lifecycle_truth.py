"""Lifecycle and flow models against the generator's truth.

The synthetic generator knows every ticket's slot times, recording lags and group chain. The
truth here is computed from its ``TicketSet`` with numpy, independently of the SQL, by
replaying what each export shape writes (the shape helpers are the generator, not the code
under test); the generated files are then ingested and built, and the warehouse must agree.

Tolerances: exports carry 100 ns ticks (snapshots, 7 fractional digits) or whole seconds
(event log) and the warehouse stores microseconds, so each stored instant is within 1 µs of
the truth. A lifetime is then off by under 2 µs (6e-10 h): 1e-6 h is ample. A lag is off by
under 1 µs, hence so are the mean and the standard deviation of the lags: we allow a relative
1e-6 (about 1e-4 s on a mean of ~80 s). Counts and ticket sets are exact.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from ticketlake import Project
from ticketlake.synth import Generated, Options, write_shape
from ticketlake.synth import profile as pf
from ticketlake.synth.model import ABSENT, SLOTS, TicketSet
from ticketlake.synth.shapes import base
from ticketlake.synth.shapes.events import event_rows
from ticketlake.synth.shapes.snapshots import alive_rows, identity

OPTIONS = Options(tickets=800, days=40, seed=11)
HOURS = 1e-6  # absolute tolerance on lifetime statistics, in hours
LAG_REL = 1e-6  # relative tolerance on the lag mean and standard deviation
NS_PER_HOUR = 3600 * 10**9
# The warehouse's order of simultaneous events (fact_ticket_event.sql): creation first,
# resolution, then closure or cancellation, last; any other event type in between.
TYPE_RANK = {"created": 0, "resolved": 2, "closed": 3, "cancelled": 3}

Built = tuple[Generated, Project]


def _build(root: Path, shape: str, fmt: str) -> Built:
    generated = write_shape(shape, root / "exports" / shape, OPTIONS)
    project = Project(root / "project")
    project.init()
    outcome = project.ingest([generated.out], format=fmt)
    assert not outcome.failed
    project.build()
    return generated, project


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Clean daily snapshots, ingested and built once for the module."""
    return _build(tmp_path_factory.mktemp("snapshots"), "snapshots", "snapshots")


@pytest.fixture(scope="module")
def events(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """A clean event log, ingested and built once for the module."""
    return _build(tmp_path_factory.mktemp("events"), "events", "eventlog")


def _one(project: Project, sql: str) -> dict[str, object]:
    names, rows = project.query(sql)
    assert len(rows) == 1
    return dict(zip(names, rows[0], strict=True))


def _column(project: Project, sql: str) -> list[object]:
    return [row[0] for row in project.query(sql)[1]]


def _by_ticket(project: Project, sql: str) -> dict[str, object]:
    """``{ticket_id: value}`` from a two-column query."""
    return {str(row[0]): row[1] for row in project.query(sql)[1]}


def _stats(hours: npt.NDArray[np.float64]) -> dict[str, float]:
    """Mean, maximum and linearly interpolated 95th percentile (DuckDB's quantile_cont)."""
    return {
        "mean": float(hours.mean()),
        "max": float(hours.max()),
        "p95": float(np.percentile(hours, 95, method="linear")),
    }


# ---------------------------------------------------------------- snapshots truth


class SnapshotTruth:
    """What the daily snapshots show, replayed day by day from the ticket set."""

    def __init__(self, ts: TicketSet) -> None:
        n = len(ts)
        self.ts = ts
        self.ids = np.asarray(identity(ts).column("issueId").to_pylist(), dtype=object)
        self.last_slot = np.full(n, -1, dtype=np.int64)  # slot shown at the last sighting
        shown: list[npt.NDArray[np.int64]] = []
        rows = np.empty(0, dtype=np.int64)
        for day in range(ts.options.days):
            rows, slot = alive_rows(ts, day)
            self.last_slot[rows] = slot
            shown.append(rows * len(SLOTS) + slot)
        self.in_last = np.zeros(n, dtype=bool)
        self.in_last[rows] = True
        self.seen = self.last_slot >= 0
        pairs = np.unique(np.concatenate(shown))
        self.ticket, self.slot = pairs // len(SLOTS), pairs % len(SLOTS)

    @property
    def vanished(self) -> npt.NDArray[np.bool_]:
        """Seen in some snapshot but missing from the last one."""
        return np.asarray(self.seen & ~self.in_last)

    def lifetime_hours(self) -> npt.NDArray[np.float64]:
        """Per vanished ticket: its last visible modification minus its creation."""
        t = np.flatnonzero(self.vanished)
        ns = self.ts.times[t, self.last_slot[t]] - self.ts.created[t]
        return np.asarray(ns / NS_PER_HOUR)

    def lag_seconds(self) -> npt.NDArray[np.float64]:
        """``_ts - lastModifiedTimeUtc`` of every distinct update shown (``_ts`` is the
        recording instant rounded up to the second)."""
        recorded_s = -(-self.ts.recorded[self.ticket, self.slot] // 10**9)
        lag_ns = recorded_s * 10**9 - self.ts.times[self.ticket, self.slot]
        return np.asarray(lag_ns / 1e9)

    def update_intervals(self) -> int:
        """Gaps between consecutive distinct modification times (creation included)."""
        seen = np.flatnonzero(self.seen)
        tickets = np.concatenate([seen, self.ticket])
        times = np.concatenate([self.ts.created[seen], self.ts.times[self.ticket, self.slot]])
        distinct = np.unique(np.stack([tickets, times]), axis=1)
        return int(distinct.shape[1] - seen.shape[0])


@pytest.fixture(scope="module")
def snapshot_truth(snapshots: Built) -> SnapshotTruth:
    """The truth behind the snapshot files."""
    return SnapshotTruth(snapshots[0].tickets)


def test_snapshot_tickets_vanish_or_stay_open_as_generated(
    snapshots: Built, snapshot_truth: SnapshotTruth
) -> None:
    """A ticket missing from the last snapshot has vanished; one in it is still open."""
    project = snapshots[1]
    truth = snapshot_truth
    assert truth.vanished.any() and truth.in_last.any()
    got = _by_ticket(project, "SELECT ticket_id, ended_by FROM lifecycle_ticket")
    assert set(got) == set(truth.ids[truth.seen])
    vanished = {t for t, how in got.items() if how == "vanished"}
    still_open = {t for t, how in got.items() if how == "open"}
    assert vanished == set(truth.ids[truth.vanished])
    assert still_open == set(truth.ids[truth.in_last])
    summary = _one(project, "SELECT vanished, still_open, closed, cancelled FROM lifecycle_summary")
    assert summary == {
        "vanished": int(truth.vanished.sum()),
        "still_open": int(truth.in_last.sum()),
        "closed": 0,
        "cancelled": 0,
    }


def test_snapshot_lifetimes_of_vanished_tickets_match(
    snapshots: Built, snapshot_truth: SnapshotTruth
) -> None:
    """A vanished ticket lives from creation to its last visible modification: per ticket and
    as mean, maximum and 95th percentile, within 1e-6 h."""
    project = snapshots[1]
    truth = snapshot_truth
    ids, hours = truth.ids[truth.vanished], truth.lifetime_hours()
    got = _by_ticket(
        project,
        "SELECT ticket_id, lifetime_hours FROM lifecycle_ticket WHERE ended_by = 'vanished'",
    )
    assert set(got) == set(ids)
    assert np.abs(np.asarray([got[t] for t in ids], dtype=np.float64) - hours).max() < HOURS
    summary = _one(
        project,
        "SELECT mean_lifetime_hours AS mean, max_lifetime_hours AS max, "
        "p95_lifetime_hours AS p95 FROM lifecycle_summary",
    )
    assert summary == {k: pytest.approx(v, abs=HOURS) for k, v in _stats(hours).items()}


def test_snapshot_lag_mean_and_deviation_match(
    snapshots: Built, snapshot_truth: SnapshotTruth
) -> None:
    """System-versus-user lag over the distinct updates shown: count exact, mean and sample
    standard deviation within a relative 1e-6."""
    lags = snapshot_truth.lag_seconds()
    summary = _one(
        snapshots[1],
        "SELECT lagged_updates, mean_lag_seconds, stddev_lag_seconds FROM lifecycle_summary",
    )
    assert summary == {
        "lagged_updates": lags.shape[0],
        "mean_lag_seconds": pytest.approx(float(lags.mean()), rel=LAG_REL),
        "stddev_lag_seconds": pytest.approx(float(lags.std(ddof=1)), rel=LAG_REL),
    }


def test_snapshot_update_interval_count_is_exact(
    snapshots: Built, snapshot_truth: SnapshotTruth
) -> None:
    """One interval per gap between consecutive distinct modification times of a ticket."""
    expected = snapshot_truth.update_intervals()
    assert _column(snapshots[1], "SELECT count(*) FROM lifecycle_update_interval") == [expected]
    summary = _one(snapshots[1], "SELECT update_intervals FROM lifecycle_summary")
    assert summary == {"update_intervals": expected}


# ---------------------------------------------------------------- event log truth


def _group_paths(ts: TicketSet) -> dict[str, list[str]]:
    """Each ticket's assignment groups over its events, consecutive repeats collapsed.

    The event log writes whole seconds, so events 1 ms apart could share a timestamp (none
    of a ticket do at this seed). They are ordered as the warehouse documents: by second,
    then type rank, then file line (the true order). Groups change only at reassignments,
    which no rank moves past, so the path equals the one in true slot order.
    """
    ticket, slot = event_rows(ts)  # what the event log writes: no deleted ticket
    second = ts.times[ticket, slot] // 10**9
    rank = np.asarray([TYPE_RANK.get(kind, 1) for _, _, kind in SLOTS])[slot]
    order = np.lexsort((slot, rank, second, ticket))
    ticket, slot = ticket[order], slot[order]
    group = ts.group[ticket, slot]
    ids = base.ticket_ids(ts).to_pylist()
    names = [g.name for g in pf.GROUPS]
    paths: dict[str, list[str]] = {}
    for t, g in zip(ticket.tolist(), group.tolist(), strict=True):
        path = paths.setdefault(ids[t], [])
        if g >= 0 and (not path or path[-1] != names[g]):
            path.append(names[g])
    return paths


def _ping_pong(path: list[str]) -> bool:
    return any(path[i] == path[i - 2] for i in range(2, len(path)))


def test_event_log_ping_pong_and_group_changes_match(events: Built) -> None:
    """Ping-pong tickets (a collapsed group path A, B, A) and group changes per ticket are
    exactly the generator's."""
    generated, project = events
    paths = _group_paths(generated.tickets)
    got = {t: (c, p) for t, c, p in project.query(
        "SELECT ticket_id, group_changes, ping_pong FROM flow_ticket"
    )[1]}  # fmt: skip
    expected = {t: (len(p) - 1, _ping_pong(p)) for t, p in paths.items()}
    assert got == expected
    ping_pong = {t for t, p in paths.items() if _ping_pong(p)}
    assert ping_pong, "the seed should produce some ping-pong"
    assert set(_column(project, "SELECT ticket_id FROM flow_ticket WHERE ping_pong")) == ping_pong
    summary = _one(project, "SELECT ping_pong_tickets FROM flow_summary")
    assert summary == {"ping_pong_tickets": len(ping_pong)}


def test_event_log_lifetimes_of_closed_tickets_match(events: Built) -> None:
    """A closed ticket lives from creation to closure (both written in whole seconds): the
    set of closed tickets is exact; mean, maximum and 95th percentile within 1e-6 h."""
    generated, project = events
    ts = generated.tickets
    closed = np.flatnonzero(ts.slot_time("closed") != ABSENT)
    ns = (ts.slot_time("closed")[closed] // 10**9 - ts.created[closed] // 10**9) * 10**9
    hours = np.asarray(ns / NS_PER_HOUR)
    ids = np.asarray(base.ticket_ids(ts).to_pylist(), dtype=object)
    got = _by_ticket(
        project,
        "SELECT ticket_id, lifetime_hours FROM lifecycle_ticket WHERE ended_by = 'closed'",
    )
    assert set(got) == set(ids[closed])
    lifetimes = np.asarray([got[t] for t in ids[closed]], dtype=np.float64)
    assert np.abs(lifetimes - hours).max() < HOURS
    stats = _one(
        project,
        "SELECT avg(lifetime_hours) AS mean, max(lifetime_hours) AS max, "
        "quantile_cont(lifetime_hours, 0.95) AS p95 FROM lifecycle_ticket "
        "WHERE ended_by = 'closed'",
    )
    assert stats == {k: pytest.approx(v, abs=HOURS) for k, v in _stats(hours).items()}
