"""lifecycle_distribution's kernel density from pre-aggregated cells, against the density summed
over every value (computed here with numpy, independently of the SQL).

The model runs on tables shaped like its inputs, in an in-memory DuckDB. Its bin counts must be
exact; each ``kde_density`` within its row's ``kde_error_bound`` of the exact sum (plus 1e-9
relative for summation order), the bound never negative and never above the a-priori bound
that the cell width gives (docs/metrics.md, "Histograms and density curves"). A slice whose
every cell holds one distinct value has a bound of 0: it is exact to 1e-9.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

import duckdb
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ticketlake.engine import models

MODEL = models.load()["lifecycle_distribution"].sql
REL = 1e-9  # summation order: the model adds cells, numpy adds values
ROOT_2PI = math.sqrt(2 * math.pi)
# Value sets by shape: narrow, long-tailed, tied, and a bulk with far outliers.
SHAPES: dict[str, Callable[[random.Random, int], list[float]]] = {
    "narrow": lambda r, n: [r.gauss(1000.0, 0.01) for _ in range(n)],
    "normal": lambda r, n: [r.gauss(50.0, 20.0) for _ in range(n)],
    "lognormal": lambda r, n: [r.lognormvariate(0.0, 2.0) for _ in range(n)],
    "pareto": lambda r, n: [r.paretovariate(1.1) for _ in range(n)],
    "ties": lambda r, n: [r.randint(0, 6) * 0.25 for _ in range(n)],
    "rounded": lambda r, n: [round(r.expovariate(0.1), 1) for _ in range(n)],
    "outliers": lambda r, n: [r.random() if i % 500 else 1e6 * r.random() for i in range(n)],
    "negative": lambda r, n: [r.gauss(0.0, 1.0) * 10 ** r.randint(0, 4) for _ in range(n)],
}


def run_model(values: list[float], labels: list[str]) -> list[dict[str, Any]]:
    """The model's rows for lifetimes ``values`` of one source, with priority ``labels``."""
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE lifecycle_ticket AS SELECT 'desk' AS source, "
        "unnest(?::VARCHAR[]) AS priority, NULL::VARCHAR AS customer, "
        "NULL::VARCHAR AS group_name, unnest(?::DOUBLE[]) AS lifetime_hours",
        [labels, values],
    )
    slice_columns = "source VARCHAR, priority VARCHAR, customer VARCHAR, group_name VARCHAR"
    con.execute(f"CREATE TABLE lifecycle_update_interval ({slice_columns}, interval_hours DOUBLE)")
    con.execute(f"CREATE TABLE lifecycle_lag ({slice_columns}, lag_seconds DOUBLE)")
    cursor = con.execute(MODEL)
    names = [d[0] for d in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def slices(values: list[float], labels: list[str]) -> dict[tuple[str, str], np.ndarray]:
    """The values of each slice: the whole source, and each priority."""
    found = {("all", "all"): np.array(values)}
    for label in sorted(set(labels)):
        found["priority", label] = np.array(
            [x for x, g in zip(values, labels, strict=True) if g == label]
        )
    return found


def bandwidth(xs: np.ndarray) -> float:
    """Silverman's rule, 1.06 * s * n^(-1/5); 0 when every value is the same (numpy's
    standard deviation of equal values is not always 0, DuckDB's is)."""
    if xs.min() == xs.max():
        return 0.0
    return float(1.06 * np.std(xs, ddof=1) * len(xs) ** -0.2)


def exact_density(xs: np.ndarray, centre: float, h: float) -> float:
    """The Gaussian kernel density at ``centre``, summed over every value."""
    return float(np.exp(-0.5 * ((centre - xs) / h) ** 2).sum() / (len(xs) * h * ROOT_2PI))


def cell_width(xs: np.ndarray, h: float) -> float:
    """The grid's cell width: a power of two, at most h / 10 unless the range would then
    hold more than 20,000 cells."""
    span = float(xs.max() - xs.min())
    return 2.0 ** max(math.floor(math.log2(h / 10)), math.ceil(math.log2(span / 20_000)))


def check_slice(rows: list[dict[str, Any]], xs: np.ndarray) -> list[float]:
    """Assert one slice's 20 rows against the exact figures; return its bounds."""
    lo, hi, h = float(xs.min()), float(xs.max()), bandwidth(xs)
    assert [r["bin"] for r in rows] == list(range(1, 21))
    bins = (
        np.ones(len(xs), dtype=int)
        if hi == lo
        else np.minimum(20, np.floor((xs - lo) / (hi - lo) * 20).astype(int) + 1)
    )
    assert [r["values_in_bin"] for r in rows] == [int((bins == k).sum()) for k in range(1, 21)]
    if h == 0:
        assert all(r["kde_density"] is None and r["kde_error_bound"] is None for r in rows)
        return []
    a_priori = cell_width(xs, h) ** 2 / (8 * ROOT_2PI * h**3)
    for r in rows:
        want = exact_density(xs, (r["bin_start"] + r["bin_end"]) / 2, h)
        bound = r["kde_error_bound"]
        assert 0 <= bound <= a_priori * (1 + REL), (r, a_priori)
        assert abs(r["kde_density"] - want) <= bound + REL * want, (r, want)
        width = r["bin_end"] - r["bin_start"]
        assert math.isclose(r["kde_count"], r["kde_density"] * len(xs) * width, rel_tol=REL)
    return [r["kde_error_bound"] for r in rows]


def check(values: list[float], labels: list[str]) -> dict[tuple[str, str], list[float]]:
    """Run the model and check every slice; return each slice's bounds."""
    found: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in sorted(run_model(values, labels), key=lambda r: r["bin"]):
        assert (row["source"], row["measure"]) == ("desk", "lifetime_hours")
        found.setdefault((row["dimension"], row["value"]), []).append(row)
    expected = slices(values, labels)
    assert set(found) == set(expected)
    return {key: check_slice(found[key], xs) for key, xs in expected.items()}


@settings(max_examples=60, deadline=None)
@given(
    shape=st.sampled_from(sorted(SHAPES)),
    n=st.integers(2, 4000),
    seed=st.integers(0, 2**32 - 1),
    groups=st.integers(1, 3),
)
def test_density_is_within_its_bound(shape: str, n: int, seed: int, groups: int) -> None:
    """Any value set: exact counts, every density within its bound of the exact sum."""
    rng = random.Random(seed)
    values = SHAPES[shape](rng, n)
    check(values, [f"P{rng.randrange(groups)}" for _ in values])


# Values as the lifecycle models make them: whole microseconds, here up to some 11 days.
MICROS = st.integers(-(10**12), 10**12).map(lambda k: k / 1e6)


@settings(max_examples=40, deadline=None)
@given(values=st.lists(MICROS, min_size=2, max_size=39))
def test_small_slices_are_exact(values: list[float]) -> None:
    """39 values or fewer always have more cells than values: each is a cell of its own, the
    bound is 0 and the density the exact sum (docs/metrics.md)."""
    for bounds in check(values, ["P1"] * len(values)).values():
        assert bounds in ([], [0.0] * 20)


def test_equal_values_all_fall_in_bin_1() -> None:
    """A slice whose values are all the same has 20 bins of width 0 and its values in bin 1,
    as docs/metrics.md says (least() skips a NULL, which once sent them to bin 20)."""
    found = run_model([1.0, 1.0, 1.0], ["P1", "P1", "P2"])
    for key, count in ((("all", "all"), 3), (("priority", "P1"), 2), (("priority", "P2"), 1)):
        rows = sorted(
            (r for r in found if (r["dimension"], r["value"]) == key), key=lambda r: r["bin"]
        )
        assert [r["values_in_bin"] for r in rows] == [count] + [0] * 19, key
        assert {(r["bin_start"], r["bin_end"], r["kde_density"]) for r in rows} == {
            (1.0, 1.0, None)
        }


def test_distinct_values_in_their_own_cells_are_exact() -> None:
    """4,000 values on 7 points a quarter apart: far more values than cells, but no cell holds
    two distinct values, so the density is exact."""
    rng = random.Random(1)
    values = [rng.randint(0, 6) * 0.25 for _ in range(4000)]
    assert check(values, ["P1"] * len(values))["all", "all"] == [0.0] * 20


def test_a_smooth_slice_is_approximated_within_a_small_bound() -> None:
    """20,000 normal values: the density is summed over cells (the bound is not 0), and the
    bound is a tiny share of the density's peak."""
    rng = random.Random(2)
    values = [rng.gauss(50.0, 20.0) for _ in range(20_000)]
    rows = [r for r in run_model(values, ["P1"] * len(values)) if r["dimension"] == "all"]
    peak = max(r["kde_density"] for r in rows)
    assert 0 < max(r["kde_error_bound"] for r in rows) < 1e-3 * peak
    check(values, ["P1"] * len(values))


def test_a_range_past_20000_cells_widens_them() -> None:
    """Values at 0 and 1e7 and 59,998 more within 2,500 of bin 1's centre (250,000): h / 10
    would cut the range into some 40,000 cells; the cap doubles their width, and the bound
    near the centre grows past what h / 10 allows."""
    rng = random.Random(3)
    values = [0.0, 1e7] + [rng.uniform(247_500.0, 252_500.0) for _ in range(59_998)]
    xs = np.array(values)
    h = bandwidth(xs)
    fine = 2.0 ** math.floor(math.log2(h / 10))
    assert (xs.max() - xs.min()) / fine > 20_000
    bounds = check(values, ["P1"] * len(values))["all", "all"]
    assert bounds[0] > fine**2 / (8 * ROOT_2PI * h**3)
