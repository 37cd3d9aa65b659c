"""The people and places tickets refer to: agents, customers, requesters, locations."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ticketlake.synth import profile as pf

Ints = npt.NDArray[np.int_]


@dataclass(frozen=True)
class Population:
    """Agents per group, customers, and requesters who belong to a customer and a location."""

    agent_names: tuple[str, ...]
    agent_group: Ints
    agent_weight: npt.NDArray[np.float64]
    customer_names: tuple[str, ...]
    customer_uuid: tuple[str, ...]
    requester_names: tuple[str, ...]
    requester_customer: Ints
    requester_location: Ints
    requester_weight: npt.NDArray[np.float64]

    def pick_agents(self, rng: np.random.Generator, groups: Ints) -> Ints:
        """An agent of each given group; some agents of a group take more work than others."""
        out = np.full(groups.shape[0], -1, dtype=np.int64)
        for g in range(len(pf.GROUPS)):
            rows = np.flatnonzero(groups == g)
            members = np.flatnonzero(self.agent_group == g)
            weight = self.agent_weight[members] / self.agent_weight[members].sum()
            out[rows] = rng.choice(members, rows.shape[0], p=weight)
        return out

    def pick_requesters(self, rng: np.random.Generator, n: int) -> Ints:
        """Requesters of ``n`` tickets; a few frequent requesters file many tickets."""
        p = self.requester_weight / self.requester_weight.sum()
        return rng.choice(len(self.requester_names), n, p=p)


def _names(rng: np.random.Generator, count: int) -> list[str]:
    """Plausible 'First Last' names, with middle initials once plain pairs run out."""
    firsts, lasts = pf.FIRST_NAMES, pf.LAST_NAMES
    pairs = len(firsts) * len(lasts)
    out = []
    for i in rng.permutation(max(count, pairs))[:count] if count <= pairs else range(count):
        first, last = firsts[i % len(firsts)], lasts[(i // len(firsts)) % len(lasts)]
        middle = "" if i < pairs else f" {chr(65 + (i // pairs - 1) % 26)}."
        out.append(f"{first}{middle} {last}")
    return out


def uuids(rng: np.random.Generator, count: int) -> list[str]:
    """``count`` random version-4-looking UUID strings drawn from ``rng``."""
    raw = rng.bytes(16 * count).hex()
    out = []
    for i in range(0, len(raw), 32):
        h = raw[i : i + 32]
        out.append(f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{h[16:20]}-{h[20:]}")
    return out


def _zipf_weights(rng: np.random.Generator, count: int, exponent: float) -> npt.NDArray[np.float64]:
    weights = 1.0 / np.arange(1, count + 1, dtype=np.float64) ** exponent
    return np.asarray(rng.permutation(weights), dtype=np.float64)


def draw_population(rng: np.random.Generator, tickets: int) -> Population:
    """A population sized for ``tickets`` tickets."""
    n_agents = sum(g.agents for g in pf.GROUPS)
    agent_group = np.repeat(np.arange(len(pf.GROUPS)), [g.agents for g in pf.GROUPS])
    n_customers = int(np.clip(tickets // 400, 8, 60))
    customers = [f"{pf.CUSTOMER_STEMS[i % len(pf.CUSTOMER_STEMS)]} "
                 f"{pf.CUSTOMER_SUFFIXES[(i // len(pf.CUSTOMER_STEMS)) % len(pf.CUSTOMER_SUFFIXES)]}"
                 for i in range(n_customers)]  # fmt: skip
    n_requesters = int(np.clip(tickets // 6, 20, 50_000))
    loc_w = np.asarray([loc.weight for loc in pf.LOCATIONS])
    return Population(
        agent_names=tuple(_names(rng, n_agents)),
        agent_group=agent_group,
        agent_weight=_zipf_weights(rng, n_agents, 0.6),
        customer_names=tuple(customers),
        customer_uuid=tuple(uuids(rng, n_customers)),
        requester_names=tuple(_names(rng, n_requesters)),
        requester_customer=rng.choice(
            n_customers, n_requesters, p=_p(_zipf_weights(rng, n_customers, 1.0))
        ),
        requester_location=rng.choice(len(loc_w), n_requesters, p=loc_w / loc_w.sum()),
        requester_weight=_zipf_weights(rng, n_requesters, 0.8),
    )


def _p(weights: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.asarray(weights / weights.sum())
