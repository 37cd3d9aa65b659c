"""The organisation and the distributions the generator draws from.

Everything the generator promises (priority mix, median resolution per priority, seasonality)
is stated here as data, so tests can check the output against the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

HOUR_NS = 3_600 * 10**9
DAY_NS = 24 * HOUR_NS

PRIORITIES = ("P1", "P2", "P3", "P4")
PRIORITY_SHARE = (0.04, 0.16, 0.50, 0.30)
PRIORITY_LABELS = {
    "tickets": ("Critical", "High", "Medium", "Low"),
    "events": ("1 - Critical", "2 - High", "3 - Moderate", "4 - Low"),
    "json": ("urgent", "high", "normal", "low"),
}
# Median hours to first response and to first resolution, per priority.
RESPONSE_MEDIAN_H = (0.25, 1.0, 3.0, 6.0)
RESOLUTION_MEDIAN_H = (3.0, 8.0, 24.0, 60.0)
RESOLUTION_SIGMA = 1.0
# Long tail: a share of tickets gets stuck and takes several times longer.
TAIL_SHARE = 0.06
TAIL_MEDIAN_FACTOR = 6.0
TAIL_SIGMA = 0.7
# Each reassignment lengthens the resolution by this factor.
REASSIGN_FACTOR = 1.3

CATEGORIES = (
    "Network",
    "Hardware",
    "Software",
    "Access",
    "Email",
    "Printing",
    "Database",
    "Security",
)
CATEGORY_SHARE = (0.16, 0.14, 0.20, 0.15, 0.10, 0.07, 0.08, 0.10)
CATEGORY_FACTOR = (1.0, 1.6, 1.2, 0.5, 0.8, 0.9, 1.5, 1.3)
# Probability of 0..4 reassignments, per category (rows follow CATEGORIES).
REASSIGN_PROBS = (
    (0.50, 0.27, 0.13, 0.06, 0.04),
    (0.60, 0.25, 0.10, 0.03, 0.02),
    (0.50, 0.28, 0.13, 0.05, 0.04),
    (0.70, 0.20, 0.07, 0.02, 0.01),
    (0.60, 0.25, 0.10, 0.03, 0.02),
    (0.65, 0.22, 0.09, 0.02, 0.02),
    (0.45, 0.28, 0.15, 0.07, 0.05),
    (0.45, 0.30, 0.14, 0.06, 0.05),
)
REOPEN_SHARE = (0.05, 0.07, 0.08, 0.04, 0.05, 0.06, 0.07, 0.06)
SECOND_REOPEN_SHARE = 0.15
CANCEL_SHARE = 0.025
VANISH_SHARE = 0.01
PENDING_SHARE = 0.35
BACK_TO_PREVIOUS_GROUP = 0.22

CHANNELS = ("email", "portal", "phone", "chat", "walk-in")
CHANNEL_SHARE = (0.35, 0.30, 0.20, 0.12, 0.03)

WEEKDAY_WEIGHT = (1.15, 1.10, 1.05, 1.00, 0.90, 0.25, 0.20)  # Monday first
HOUR_WEIGHT = (
    0.15, 0.10, 0.08, 0.08, 0.10, 0.20, 0.45, 0.90, 1.60, 1.90, 1.85, 1.60,
    1.20, 1.50, 1.70, 1.60, 1.35, 1.00, 0.60, 0.40, 0.30, 0.25, 0.20, 0.18,
)  # fmt: skip


@dataclass(frozen=True)
class Group:
    """A support group (queue) with its tier and the size of its agent pool."""

    name: str
    level: int
    agents: int


GROUPS = (
    Group("Service Desk", 1, 12),
    Group("Desktop Support", 1, 8),
    Group("Network Operations", 2, 6),
    Group("Application Support", 2, 8),
    Group("Identity & Access", 2, 5),
    Group("Messaging", 2, 4),
    Group("Infrastructure", 3, 5),
    Group("Database Engineering", 3, 4),
    Group("Security Engineering", 3, 4),
)
# Where each category escalates: (L2 group, L3 group), indexes into GROUPS.
ESCALATION = ((2, 6), (1, 6), (3, 7), (4, 8), (5, 6), (1, 6), (3, 7), (4, 8))


@dataclass(frozen=True)
class Location:
    """An office with its country and IANA time zone."""

    city: str
    country: str
    timezone: str
    weight: float


LOCATIONS = (
    Location("London", "GB", "Europe/London", 3.0),
    Location("Manchester", "GB", "Europe/London", 1.0),
    Location("Berlin", "DE", "Europe/Berlin", 2.0),
    Location("München", "DE", "Europe/Berlin", 1.0),
    Location("Paris", "FR", "Europe/Paris", 1.5),
    Location("Madrid", "ES", "Europe/Madrid", 1.0),
    Location("São Paulo", "BR", "America/Sao_Paulo", 1.2),
    Location("New York", "US", "America/New_York", 2.5),
    Location("Chicago", "US", "America/Chicago", 1.2),
    Location("Toronto", "CA", "America/Toronto", 1.0),
    Location("Bangalore", "IN", "Asia/Kolkata", 1.8),
    Location("Sydney", "AU", "Australia/Sydney", 0.8),
)

CUSTOMER_STEMS = (
    "Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay", "Soylent",
    "Tyrell", "Cyberdyne", "Wonka", "Gringotts", "Oscorp", "Aperture", "Massive Dynamic",
    "Pied Piper", "Dunder Mifflin", "Monarch", "Nakatomi", "Prestige", "Virtucon", "Zorg",
    "Kramerica", "Bluth", "Sterling Cooper", "Gekko", "Duff", "Krusty", "Nordwind",
)  # fmt: skip
CUSTOMER_SUFFIXES = ("Corp", "Ltd", "GmbH", "Inc", "Group", "SA", "Holdings")
PROJECT_KEYS = ("CONR", "TB", "OPS", "HD", "ITSD", "SUP")

FIRST_NAMES = (
    "Alice", "Bob", "Carla", "David", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas",
    "Karin", "Liam", "Maya", "Nikhil", "Olga", "Pedro", "Quinn", "Rosa", "Sven", "Tara",
    "Uma", "Victor", "Wen", "Xavier", "Yara", "Zoe", "José", "Françoise", "Björn", "Chloé",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Jones", "Müller", "Schmidt", "Dubois", "García", "Rossi", "Silva", "Kumar",
    "Patel", "Chen", "Wang", "Kowalski", "Novak", "Johansson", "O'Brien", "Nguyen", "Kim",
    "Haddad", "Cohen", "Martin", "Bernard", "Fischer", "Weber", "López", "Santos", "Ito",
    "Tanaka", "Okafor", "Mensah",
)  # fmt: skip


def _lognorm_cdf(x: float, median: float, sigma: float) -> float:
    return 0.5 * (1.0 + math.erf((math.log(x) - math.log(median)) / (sigma * math.sqrt(2.0))))


def resolution_cdf(hours: float, priority: int) -> float:
    """Probability that a ticket of ``priority`` is first resolved within ``hours``.

    Exact mixture over categories, reassignment counts and the long tail, so tests can
    compare the generated median against the distribution the generator promises.
    """
    total = 0.0
    for cat, cat_share in enumerate(CATEGORY_SHARE):
        for k, k_share in enumerate(REASSIGN_PROBS[cat]):
            median = RESOLUTION_MEDIAN_H[priority] * CATEGORY_FACTOR[cat] * REASSIGN_FACTOR**k
            body = _lognorm_cdf(hours, median, RESOLUTION_SIGMA)
            tail_median = median * TAIL_MEDIAN_FACTOR
            tail_sigma = math.hypot(RESOLUTION_SIGMA, TAIL_SIGMA)
            tail = _lognorm_cdf(hours, tail_median, tail_sigma)
            total += cat_share * k_share * ((1 - TAIL_SHARE) * body + TAIL_SHARE * tail)
    return total


def expected_median_resolution_hours(priority: int) -> float:
    """The median of ``resolution_cdf`` for ``priority``, found by bisection on a log scale."""
    lo, hi = math.log(1e-3), math.log(1e5)
    for _ in range(80):
        mid = (lo + hi) / 2
        if resolution_cdf(math.exp(mid), priority) < 0.5:
            lo = mid
        else:
            hi = mid
    return math.exp((lo + hi) / 2)
