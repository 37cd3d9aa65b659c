"""Draw a synthetic ticket history as columnar numpy arrays.

Each ticket has a fixed set of event *slots* (created, assigned, first response, reassignments,
pending, resolutions, reopens, closure, cancellation); a slot either happens at a time or is
absent. Slot times increase with the slot index, so every export shape is a projection of the
same matrix, and the shapes stay consistent with each other by construction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cached_property

import numpy as np
import numpy.typing as npt

from ticketlake.synth import profile as pf
from ticketlake.synth import rising as theme
from ticketlake.synth.population import Population, draw_population

I64 = npt.NDArray[np.int64]
Ints = npt.NDArray[np.int_]
Bools = npt.NDArray[np.bool_]
Floats = npt.NDArray[np.float64]

ABSENT = np.iinfo(np.int64).max
MAX_REASSIGN = 4
# Slot layout: name, status label, event type.
SLOTS: tuple[tuple[str, str, str], ...] = (
    ("created", "New", "created"),
    ("assigned", "Assigned", "assigned"),
    ("responded", "In Progress", "first_response"),
    *(
        item
        for j in range(MAX_REASSIGN)
        for item in (
            (f"reassigned_{j + 1}", "Assigned", "reassigned"),
            (f"picked_up_{j + 1}", "In Progress", "status_change"),
        )
    ),
    ("pending", "Awaiting Customer", "status_change"),
    ("pending_end", "In Progress", "status_change"),
    ("resolved_1", "Resolved", "resolved"),
    ("reopened_1", "Reopened", "reopened"),
    ("resolved_2", "Resolved", "resolved"),
    ("reopened_2", "Reopened", "reopened"),
    ("resolved_3", "Resolved", "resolved"),
    ("closed", "Closed", "closed"),
    ("cancelled", "Cancelled", "cancelled"),
)
SLOT = {name: i for i, (name, _, _) in enumerate(SLOTS)}
N_SLOTS = len(SLOTS)
STATUS_LABELS = ("New", "Assigned", "In Progress", "Awaiting Customer", "On Hold", "Resolved",
                 "Reopened", "Closed", "Cancelled")  # fmt: skip
ON_HOLD = STATUS_LABELS.index("On Hold")
SLOT_STATUS = np.array([STATUS_LABELS.index(s) for _, s, _ in SLOTS], dtype=np.int8)
RESOLVED_SLOTS = [SLOT["resolved_1"], SLOT["resolved_2"], SLOT["resolved_3"]]
REOPEN_SLOTS = [SLOT["reopened_1"], SLOT["reopened_2"]]
REASSIGN_SLOTS = [SLOT[f"reassigned_{j + 1}"] for j in range(MAX_REASSIGN)]


@dataclass(frozen=True)
class Options:
    """What to generate: size, horizon, seed, how much personal data to plant in text, and
    from which day a rising theme appears."""

    tickets: int = 10_000
    days: int = 90
    start: date = date(2024, 1, 1)
    seed: int = 42
    personal: float = 0.0  # share of tickets whose text gains personal data (synth/personal.py)
    rising: int | None = None  # day index from which a planted theme appears (synth/rising.py)

    @property
    def start_ns(self) -> int:
        """The horizon start as UTC nanoseconds since the epoch."""
        start = datetime(self.start.year, self.start.month, self.start.day, tzinfo=UTC)
        return int(start.timestamp()) * 10**9

    @property
    def export_ns(self) -> int:
        """The export instant: the end of the last generated day."""
        return self.start_ns + self.days * pf.DAY_NS


@dataclass
class TicketSet:
    """A drawn history: per-ticket attributes and per-slot times, groups, agents and lags."""

    options: Options
    population: Population
    number: I64
    created: I64
    priority: Ints
    category: Ints
    channel: Ints
    requester: Ints
    times: I64  # (n, N_SLOTS), ABSENT where the slot does not happen (before export)
    group: Ints  # (n, N_SLOTS), -1 before assignment
    agent: Ints  # (n, N_SLOTS), -1 before assignment
    lag_ns: I64  # (n, N_SLOTS), system recording delay of each event
    on_hold: Bools  # the pending slot is "On Hold" rather than "Awaiting Customer"
    vanished_at: I64  # ABSENT unless the ticket was deleted without closing

    def __len__(self) -> int:
        return int(self.number.shape[0])

    @property
    def present(self) -> Bools:
        """Slots that happened before the export instant."""
        return np.asarray(self.times != ABSENT)

    @cached_property
    def recorded(self) -> I64:
        """When the system recorded each event (event time plus its lag); ABSENT stays large."""
        return np.asarray(self.times + np.where(self.present, self.lag_ns, 0))

    @property
    def kept(self) -> Bools:
        """Tickets still in the system at the export instant. Every export taken then leaves
        the deleted ones out; only the daily snapshots taken before a deletion show them."""
        return np.asarray(self.vanished_at == ABSENT)

    @property
    def last_slot(self) -> Ints:
        """Index of each ticket's latest event."""
        return np.asarray(N_SLOTS - 1 - np.argmax(self.present[:, ::-1], axis=1))

    def slot_status(self) -> Ints:
        """Status index of every slot, honouring the per-ticket on-hold variant."""
        status = np.broadcast_to(SLOT_STATUS, self.times.shape).astype(np.int64)
        status[:, SLOT["pending"]] = np.where(self.on_hold, ON_HOLD, status[:, SLOT["pending"]])
        return status

    def at_last(self, matrix: npt.NDArray[np.generic]) -> npt.NDArray[np.generic]:
        """The value of a per-slot matrix at each ticket's latest event."""
        return np.take_along_axis(matrix, self.last_slot[:, None], axis=1)[:, 0]

    @property
    def status(self) -> Ints:
        """Current status index (into STATUS_LABELS) at export time."""
        return self.at_last(self.slot_status()).astype(np.int64)

    @property
    def current_group(self) -> Ints:
        """Group holding each ticket at its latest event."""
        return self.at_last(self.group).astype(np.int64)

    @property
    def current_agent(self) -> Ints:
        """Assignee at each ticket's latest event (-1 while unassigned)."""
        return self.at_last(self.agent).astype(np.int64)

    def slot_time(self, name: str) -> I64:
        """Times of one slot across tickets (ABSENT where it did not happen)."""
        return self.times[:, SLOT[name]]

    @property
    def resolved_at(self) -> I64:
        """Latest resolution for tickets whose current status is resolved or closed."""
        res = self.times[:, RESOLVED_SLOTS]
        latest = np.where(res == ABSENT, -1, res).max(axis=1)
        done = np.isin(
            self.status, [STATUS_LABELS.index("Resolved"), STATUS_LABELS.index("Closed")]
        )
        return np.where(done & (latest >= 0), latest, ABSENT)

    @property
    def first_resolved_at(self) -> I64:
        """The first resolution, which the resolution-time distribution describes."""
        return self.slot_time("resolved_1")

    @property
    def closed_at(self) -> I64:
        """Closure or cancellation time."""
        return np.minimum(self.slot_time("closed"), self.slot_time("cancelled"))

    @property
    def done_at(self) -> I64:
        """When the work ended: the final resolution, or the cancellation. A record with a
        single end milestone (an interaction) ends here, not at the later closure."""
        return np.minimum(self.resolved_at, self.slot_time("cancelled"))

    @property
    def reopen_count(self) -> Ints:
        """Reopens that happened before export."""
        return np.asarray(self.present[:, REOPEN_SLOTS].sum(axis=1))

    @property
    def reassignment_count(self) -> Ints:
        """Group changes that happened before export."""
        return np.asarray(self.present[:, REASSIGN_SLOTS].sum(axis=1))


def generate(options: Options) -> TicketSet:
    """Draw a deterministic ticket history for ``options``."""
    rng = np.random.default_rng(options.seed)
    population = draw_population(rng, options.tickets)
    n = options.tickets
    created = _created_times(rng, options)
    category = rng.choice(len(pf.CATEGORY_SHARE), n, p=_norm(pf.CATEGORY_SHARE))
    priority = rng.choice(len(pf.PRIORITY_SHARE), n, p=_norm(pf.PRIORITY_SHARE))
    k = _choose_rows(rng, np.asarray(pf.REASSIGN_PROBS)[category])
    factor = theme.resolution_factor(options, created)
    times = _slot_times(rng, created, priority, category, k, factor)
    groups = _group_chain(rng, category, k)
    group, agent = _slot_assignment(rng, population, groups, k)
    vanished_at = _vanish(rng, times)
    times = _finalise(times, vanished_at, options.export_ns)
    return TicketSet(
        options=options,
        population=population,
        number=np.arange(1, n + 1, dtype=np.int64),
        created=created,
        priority=priority,
        category=category,
        channel=rng.choice(len(pf.CHANNELS), n, p=_norm(pf.CHANNEL_SHARE)),
        requester=population.pick_requesters(rng, n),
        times=times,
        group=np.where(times == ABSENT, -1, group),
        agent=np.where(times == ABSENT, -1, agent),
        lag_ns=_lags(rng, times.shape),
        on_hold=rng.random(n) < 0.3,
        vanished_at=np.where(vanished_at < options.export_ns, vanished_at, ABSENT),
    )


def _norm(weights: tuple[float, ...]) -> Floats:
    w = np.asarray(weights, dtype=np.float64)
    return np.asarray(w / w.sum())


def _choose_rows(rng: np.random.Generator, probs: Floats) -> Ints:
    """One categorical draw per row of a probability matrix."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(probs.shape[0]) * cum[:, -1]
    return np.asarray((u[:, None] > cum).sum(axis=1))


def _created_times(rng: np.random.Generator, options: Options) -> I64:
    """Creation instants with weekday and hour-of-day seasonality, sorted ascending."""
    first_weekday = options.start.weekday()
    weekday = (np.arange(options.days) + first_weekday) % 7
    day_p = np.asarray(pf.WEEKDAY_WEIGHT)[weekday]
    day = rng.choice(options.days, options.tickets, p=day_p / day_p.sum())
    hour = rng.choice(24, options.tickets, p=_norm(pf.HOUR_WEIGHT))
    within = rng.integers(0, pf.HOUR_NS // 100, options.tickets) * 100
    created = options.start_ns + day * pf.DAY_NS + hour * pf.HOUR_NS + within
    return np.sort(created).astype(np.int64)


def _lognormal_h(rng: np.random.Generator, median_h: Floats, sigma: float) -> Floats:
    return median_h * np.exp(sigma * rng.standard_normal(median_h.shape))


def _slot_times(
    rng: np.random.Generator,
    created: I64,
    priority: Ints,
    category: Ints,
    k: Ints,
    factor: Floats,
) -> I64:
    """Absolute time of every slot, ABSENT where the ticket's path skips it. ``factor``
    stretches the time to first resolution (ones but for a planted theme: exact, no draw)."""
    n = created.shape[0]
    t = np.full((n, N_SLOTS), np.nan)
    res_h = _resolution_hours(rng, priority, category, k) * factor
    resp_h = np.minimum(_lognormal_h(rng, np.asarray(pf.RESPONSE_MEDIAN_H)[priority], 0.9),
                        0.5 * res_h)  # fmt: skip
    t[:, SLOT["created"]] = 0.0
    t[:, SLOT["assigned"]] = resp_h * rng.uniform(0.1, 0.6, n)
    t[:, SLOT["responded"]] = resp_h
    _work_slots(rng, t, resp_h, res_h, k)
    t[:, SLOT["resolved_1"]] = res_h
    _reopen_slots(rng, t, res_h, category)
    _close_slot(rng, t)
    _cancel(rng, t)
    hours = np.where(np.isnan(t), -1.0, t)
    out = created[:, None] + (hours * pf.HOUR_NS).astype(np.int64)
    return np.where(np.isnan(t), ABSENT, out)


def _resolution_hours(rng: np.random.Generator, priority: Ints, category: Ints, k: Ints) -> Floats:
    """Time to first resolution: lognormal body, reassignment penalty, heavy tail."""
    median = (np.asarray(pf.RESOLUTION_MEDIAN_H)[priority] * np.asarray(pf.CATEGORY_FACTOR)[category]
              * pf.REASSIGN_FACTOR**k)  # fmt: skip
    hours = _lognormal_h(rng, median, pf.RESOLUTION_SIGMA)
    tail = rng.random(hours.shape[0]) < pf.TAIL_SHARE
    stuck = pf.TAIL_MEDIAN_FACTOR * np.exp(pf.TAIL_SIGMA * rng.standard_normal(hours.shape[0]))
    return np.asarray(np.where(tail, hours * stuck, hours), dtype=np.float64)


def _work_slots(
    rng: np.random.Generator, t: Floats, resp_h: Floats, res_h: Floats, k: Ints
) -> None:
    """Reassignments in the first 70% of the work, an optional pending spell after them."""
    n = resp_h.shape[0]
    work = res_h - resp_h
    cols = np.arange(MAX_REASSIGN)
    u = np.where(cols[None, :] < k[:, None], rng.random((n, MAX_REASSIGN)), 2.0)
    u.sort(axis=1)
    nxt = np.concatenate([u[:, 1:], np.full((n, 1), 2.0)], axis=1)
    nxt = np.where(nxt > 1.0, 1.0, nxt)
    pick = u + (nxt - u) * rng.uniform(0.05, 0.3, (n, MAX_REASSIGN))
    for j in range(MAX_REASSIGN):
        valid = j < k
        t[:, SLOT[f"reassigned_{j + 1}"]] = np.where(valid, resp_h + 0.7 * work * u[:, j], np.nan)
        t[:, SLOT[f"picked_up_{j + 1}"]] = np.where(valid, resp_h + 0.7 * work * pick[:, j], np.nan)
    pending = rng.random(n) < pf.PENDING_SHARE
    start = 0.7 + 0.3 * rng.uniform(0.05, 0.4, n)
    end = start + (0.95 - start) * rng.uniform(0.3, 0.9, n)
    t[:, SLOT["pending"]] = np.where(pending, resp_h + work * start, np.nan)
    t[:, SLOT["pending_end"]] = np.where(pending, resp_h + work * end, np.nan)


def _reopen_slots(rng: np.random.Generator, t: Floats, res_h: Floats, category: Ints) -> None:
    """Up to two reopen cycles after the first resolution."""
    n = res_h.shape[0]
    first = rng.random(n) < np.asarray(pf.REOPEN_SHARE)[category]
    second = first & (rng.random(n) < pf.SECOND_REOPEN_SHARE)
    reopen_1 = res_h + _lognormal_h(rng, np.full(n, 20.0), 1.0)
    resolved_2 = reopen_1 + res_h * 0.3 * np.exp(0.5 * rng.standard_normal(n))
    reopen_2 = resolved_2 + _lognormal_h(rng, np.full(n, 12.0), 1.0)
    resolved_3 = reopen_2 + res_h * 0.2 * np.exp(0.5 * rng.standard_normal(n))
    t[:, SLOT["reopened_1"]] = np.where(first, reopen_1, np.nan)
    t[:, SLOT["resolved_2"]] = np.where(first, resolved_2, np.nan)
    t[:, SLOT["reopened_2"]] = np.where(second, reopen_2, np.nan)
    t[:, SLOT["resolved_3"]] = np.where(second, resolved_3, np.nan)


def _close_slot(rng: np.random.Generator, t: Floats) -> None:
    """Closure: most tickets auto-close three days after the final resolution."""
    n = t.shape[0]
    final = np.nanmax(t[:, RESOLVED_SLOTS], axis=1)
    auto = rng.random(n) < 0.6
    delay = np.where(auto, 72.0 + rng.uniform(0, 1, n), _lognormal_h(rng, np.full(n, 6.0), 1.0))
    t[:, SLOT["closed"]] = final + delay


def _cancel(rng: np.random.Generator, t: Floats) -> None:
    """A few tickets are cancelled soon after creation and skip the rest of the path."""
    n = t.shape[0]
    cancelled = rng.random(n) < pf.CANCEL_SHARE
    at = _lognormal_h(rng, np.full(n, 2.0), 1.2)
    keep_assign = at > t[:, SLOT["assigned"]]
    row = t[cancelled]
    row[:, 2:] = np.nan
    row[~keep_assign[cancelled], SLOT["assigned"]] = np.nan
    row[:, SLOT["cancelled"]] = at[cancelled]
    t[cancelled] = row


def _vanish(rng: np.random.Generator, times: I64) -> I64:
    """Some open tickets are deleted at a random point of their life and never close."""
    n = times.shape[0]
    live = times[:, SLOT["cancelled"]] == ABSENT
    vanish = live & (rng.random(n) < pf.VANISH_SHARE)
    start, end = times[:, 0], times[:, SLOT["resolved_1"]]
    span = np.where(vanish, end - start, 0)
    at = start + (span * rng.uniform(0.1, 0.9, n)).astype(np.int64)
    return np.where(vanish, at, ABSENT)


def _finalise(times: I64, vanished_at: I64, export_ns: int) -> I64:
    """Drop events after deletion or export; make times strictly increasing, 100 ns ticks."""
    gap = 1_000_000  # keep one millisecond between consecutive events
    out = np.where((times < vanished_at[:, None]) & (times < export_ns), times, ABSENT)
    out = out // 100 * 100
    last = out[:, 0].copy()
    for s in range(1, N_SLOTS):
        col = out[:, s]
        fixed = np.maximum(col, last + gap)
        keep = (col != ABSENT) & (fixed < export_ns) & (fixed < vanished_at)
        out[:, s] = np.where(keep, fixed, ABSENT)
        last = np.where(keep, fixed, last)
    return out


def _group_chain(rng: np.random.Generator, category: Ints, k: Ints) -> Ints:
    """Groups a ticket passes through: L1 first, escalations, some back-and-forth."""
    n = category.shape[0]
    esc = np.asarray(pf.ESCALATION)[category]
    level = np.asarray([g.level for g in pf.GROUPS])
    chain = np.full((n, MAX_REASSIGN + 1), -1, dtype=np.int64)
    start_l1 = np.where(np.isin(category, [1, 5]) & (rng.random(n) < 0.4), 1, 0)
    chain[:, 0] = np.where(rng.random(n) < 0.05, esc[:, 0], start_l1)
    for j in range(1, MAX_REASSIGN + 1):
        chain[:, j] = _next_group(rng, chain, j, esc, level)
    return chain


def _next_group(rng: np.random.Generator, chain: Ints, j: int, esc: Ints, level: Ints) -> Ints:
    """One step of the chain: back to the previous group, or up (or across) a tier."""
    n = chain.shape[0]
    cur = chain[:, j - 1]
    prev = chain[:, j - 2] if j >= 2 else np.full(n, -1)
    other_l1 = 1 - np.minimum(cur, 1)
    from_l1 = np.where(esc[:, 0] == cur, other_l1, esc[:, 0])
    other_l2 = 2 + (cur - 2 + rng.integers(1, 4, n)) % 4
    from_l2 = np.where(rng.random(n) < 0.7, esc[:, 1], other_l2)
    from_l3 = 6 + (cur - 6 + rng.integers(1, 3, n)) % 3
    up = np.select([level[cur] == 1, level[cur] == 2], [from_l1, from_l2], from_l3)
    back = (prev >= 0) & (prev != cur) & (rng.random(n) < pf.BACK_TO_PREVIOUS_GROUP)
    return np.where(back, prev, up)


def _slot_assignment(
    rng: np.random.Generator, population: Population, chain: Ints, k: Ints
) -> tuple[Ints, Ints]:
    """Group and agent of every slot, following the group chain."""
    n = chain.shape[0]
    agents = np.stack([population.pick_agents(rng, chain[:, j]) for j in range(chain.shape[1])], 1)
    step = np.zeros((n, N_SLOTS), dtype=np.int64)
    for j in range(MAX_REASSIGN):
        step[:, SLOT[f"reassigned_{j + 1}"] :] = np.minimum(j + 1, k)[:, None]
    group = np.take_along_axis(chain, step, axis=1)
    agent = np.take_along_axis(agents, step, axis=1)
    agent[:, SLOT["created"]] = -1
    return group, agent


def _lags(rng: np.random.Generator, shape: tuple[int, ...]) -> I64:
    """System recording delay per event: seconds usually, minutes to hours sometimes."""
    base = 1.5 * np.exp(rng.standard_normal(shape))
    slow = rng.random(shape) < 0.04
    extra = 1200.0 * np.exp(1.2 * rng.standard_normal(shape))
    seconds = np.where(slow, base + extra, base)
    return (seconds * 10**9).astype(np.int64) // 100 * 100
