"""How the charts present their rows (docs/report.md, "Presentation"): weekly or monthly
points over long periods, with years on the axes and the same totals as the days; variant
labels wrapped and whole in the tooltip; long tails on a log scale; and the summary's
percentage change only from samples of at least ``MIN_SAMPLE``."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import duckdb
import pytest
import vl_convert

from tests.report.conftest import Written
from ticketlake import Project
from ticketlake.report import page as report_page
from ticketlake.report.charts import CATALOG, PNG_WIDTH, fixed_width, lifecycle, spec
from ticketlake.report.charts.marks import WRAP
from ticketlake.report.data import rows
from ticketlake.report.render import VEGA_LITE
from ticketlake.report.result import MIN_SAMPLE, Figure, Period
from ticketlake.report.scope import MONTHLY_AFTER_DAYS, WEEKLY_AFTER_DAYS, Scope, grain_of

# Periods around the 60 generated days (2024-01-01 to 2024-02-29): 275 days, then 3 years.
WEEKS = Period(date(2023, 6, 1), date(2024, 3, 1))
MONTHS = Period(date(2021, 3, 1), date(2024, 3, 1))


@pytest.fixture(scope="module")
def con(built: Project) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = built.warehouse.connect()
    yield connection
    connection.close()


def drawn(con: duckdb.DuckDBPyConnection, chart: str, scope: Scope) -> dict[str, Any]:
    found = rows(con, CATALOG[chart].sql(scope))
    assert found, (chart, scope)
    return spec(CATALOG[chart], found, scope)


def values(found: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows a specification carries (Altair names them in ``datasets``)."""
    data: list[dict[str, Any]] = found["datasets"][found["data"]["name"]]
    return data


def axis_labels(found: dict[str, Any]) -> list[str]:
    """The x axis labels of the chart as vl-convert draws it, one string per label."""
    svg = vl_convert.vegalite_to_svg(fixed_width(found), VEGA_LITE, allowed_base_urls=[])
    axis = svg.split('aria-label="X-axis', 1)[1].split('class="mark-text role-axis-title"')[0]
    labels = re.findall(r"<text[^>]*>(.*?)</text>", axis)
    return [" ".join(re.sub(r"<[^>]+>", " ", label).split()) for label in labels]


@pytest.mark.parametrize(
    "days, grain",
    [(1, "day"), (WEEKLY_AFTER_DAYS, "day"), (WEEKLY_AFTER_DAYS + 1, "week"),
     (MONTHLY_AFTER_DAYS, "week"), (MONTHLY_AFTER_DAYS + 1, "month")],
)  # fmt: skip
def test_the_grain_follows_the_length_of_the_period(days: int, grain: str) -> None:
    start = date(2024, 1, 1)
    period = Period(start, start + timedelta(days=days - 1))
    assert period.days == days
    assert grain_of(period) == grain == Scope("s", period).grain
    assert Scope("s", period, points="day").grain == "day"  # a caller may choose


@pytest.mark.parametrize("period, grain", [(WEEKS, "week"), (MONTHS, "month")])
def test_long_periods_have_weekly_or_monthly_points_with_the_days_totals(
    con: duckdb.DuckDBPyConnection, period: Period, grain: str
) -> None:
    """Created and resolved per week or month add up to the days' counts, each point on the
    first day of its week (a Monday) or month."""
    scope = Scope("desk", period)
    assert scope.grain == grain
    points = values(drawn(con, "volume", scope))
    days = values(drawn(con, "volume", Scope("desk", period, points="day")))
    assert len(points) < len(days) / 4
    for series in ("Created", "Resolved"):
        assert sum(p[series] for p in points) == sum(d[series] for d in days) > 0
    for point in points:
        first = date.fromisoformat(point["day"])
        assert first.weekday() == 0 if grain == "week" else first.day == 1


def test_a_weekly_backlog_is_the_backlog_of_the_weeks_last_day(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """The backlog is a level, not a flow: a week shows its last day's, as the KPI reads it."""
    weekly: dict[str, int] = defaultdict(int)
    for row in values(drawn(con, "backlog", Scope("desk", WEEKS))):
        weekly[row["day"]] += row["open_tickets"]
    daily: dict[str, int] = defaultdict(int)
    for row in values(drawn(con, "backlog", Scope("desk", WEEKS, points="day"))):
        daily[row["day"]] += row["open_tickets"]
    for monday, total in weekly.items():
        start = date.fromisoformat(monday)
        week = [d for d in daily if start <= date.fromisoformat(d) < start + timedelta(days=7)]
        assert total == daily[max(week)], monday
    assert len(weekly) >= 8


@pytest.mark.parametrize("period", [Period(date(2024, 2, 5), date(2024, 2, 25)), WEEKS, MONTHS])
def test_time_axes_show_the_year(con: duckdb.DuckDBPyConnection, period: Period) -> None:
    """Daily, weekly and monthly axes alike: the year is under the first label (and under
    January's), and the axis title names the grain."""
    found = drawn(con, "volume", Scope("desk", period))
    x = found["encoding"]["x"]
    assert (
        x["title"].split()[0] == {"day": "Day", "week": "Week", "month": "Month"}[grain_of(period)]
    )
    assert "'%Y'" in x["axis"]["labelExpr"]
    labels = axis_labels(found)
    assert labels and re.search(r"\b20\d\d$", labels[0]), labels
    january = [label for label in labels if label.startswith("Jan")]
    assert all(re.fullmatch(r"Jan 20\d\d", label) for label in january), labels
    if period.days > 366:
        assert len(january) >= 2, labels  # each year named where it starts


def test_weekly_bars_span_their_week_and_the_axis_the_period(
    con: duckdb.DuckDBPyConnection,
) -> None:
    found = drawn(con, "backlog", Scope("desk", WEEKS))
    for row in values(found):
        assert date.fromisoformat(row["until"]) - date.fromisoformat(row["day"]) == timedelta(7)
    first, last = found["encoding"]["x"]["scale"]["domain"]
    # from the Monday of the period's first day to the end of the week of its last
    assert (first["year"], first["month"], first["date"]) == (2023, 5, 29)
    assert (last["year"], last["month"], last["date"]) == (2024, 3, 4)


def test_variant_labels_are_wrapped_and_whole_in_the_tooltip(written: Written,
                                                             con: duckdb.DuckDBPyConnection) -> None:  # fmt: skip
    """Each variant is on the axis in lines of about ``WRAP`` characters (broken after a
    ``>``), nothing cut off, and the tooltip names it in full."""
    found = drawn(con, "variants", Scope("desk", written.result.period))
    y, tooltip = found["encoding"]["y"], found["encoding"]["tooltip"]
    assert "split(datum.label" in y["axis"]["labelExpr"]
    assert {
        "field": "variant",
        "type": "nominal",
        "title": "Variant (statuses in order)",
    } in tooltip
    long = [r for r in values(found) if len(r["variant"]) > WRAP]
    assert long, "the generated variants include long ones"
    for row in values(found):
        lines = row[y["field"]].split("\n")
        assert " ".join(lines) == row["variant"]
        assert len(lines) == 1 or all(line.endswith(" >") for line in lines[:-1])
        assert all(len(line) <= WRAP + 2 for line in lines)


@pytest.fixture(scope="module")
def tails() -> Iterator[duckdb.DuckDBPyConnection]:
    """The lag values of two sources: ``tail`` 900 near 2 seconds, 60 of 1,000 to 4,000,
    and 7 of 0; ``flat`` 10 to 20 seconds, with its row of the model's bins."""
    connection = duckdb.connect()
    connection.sql("CREATE TABLE lifecycle_lag (source VARCHAR, lag_seconds DOUBLE)")
    connection.sql(
        "INSERT INTO lifecycle_lag SELECT 'tail', 1.5 + (i % 10) / 10.0 FROM range(900) t(i) "
        "UNION ALL SELECT 'tail', 1000 + 50 * i FROM range(60) t(i) "
        "UNION ALL SELECT 'tail', 0 FROM range(7) "
        "UNION ALL SELECT 'flat', 10 + i / 10.0 FROM range(101) t(i)"
    )
    connection.sql(
        "CREATE TABLE lifecycle_distribution AS SELECT 'flat' AS source, "
        "'system_lag_seconds' AS measure, 'all' AS dimension, 'all' AS value, "
        "CAST(i + 1 AS INTEGER) AS bin, 10 + i / 2.0 AS bin_start, 10.5 + i / 2.0 AS bin_end, "
        "5 AS values_in_bin, 5.0 AS kde_count FROM range(20) t(i)"
    )
    yield connection
    connection.close()


def test_a_long_tail_is_drawn_on_a_log_scale(tails: duckdb.DuckDBPyConnection) -> None:
    """p99 over ten times the median: 20 bins even in the logarithm from the smallest value
    above 0 to the largest, every such value in one, the zeros counted in the axis title."""
    chart = CATALOG["system_lag"]
    scope = Scope("tail", Period(date(2024, 1, 1), date(2024, 1, 2)))
    found = rows(tails, chart.sql(scope))
    assert [r["scale"] for r in found] == ["log"] * lifecycle.BINS
    assert sum(r["values_in_bin"] for r in found) == 960
    assert {r["not_drawn"] for r in found} == {7}
    assert found[0]["bin_start"] == pytest.approx(1.5)
    assert found[-1]["bin_end"] == pytest.approx(1000 + 50 * 59)
    ratios = [r["bin_end"] / r["bin_start"] for r in found]
    assert ratios == pytest.approx([ratios[0]] * len(ratios))
    assert found[0]["values_in_bin"] > 0 and found[-1]["values_in_bin"] > 0
    drawing = spec(chart, found, scope)
    x = drawing["encoding"]["x"]
    assert x["scale"] == {"type": "log"}
    assert "log scale; 7 values of 0 or less not drawn" in x["title"]
    assert "layer" not in drawing  # no density curve: the model's is per bin of equal width
    vl_convert.vegalite_to_svg(fixed_width(drawing), VEGA_LITE, allowed_base_urls=[])


def test_a_short_tail_keeps_the_models_bins_and_curve(tails: duckdb.DuckDBPyConnection) -> None:
    chart = CATALOG["system_lag"]
    scope = Scope("flat", Period(date(2024, 1, 1), date(2024, 1, 2)))
    found = rows(tails, chart.sql(scope))
    assert [r["scale"] for r in found] == ["linear"] * 20
    assert [r["bin"] for r in found] == list(range(1, 21))
    drawing = spec(chart, found, scope)
    assert len(drawing["layer"]) == 2
    assert drawing["layer"][0]["encoding"]["x"]["scale"] == {}


def test_the_snapshots_lag_has_a_long_tail_and_is_drawn_on_a_log_scale(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """The generated snapshots' lag: seconds mostly, hours sometimes (the report's own data)."""
    p50, p99 = con.sql(
        "SELECT median(lag_seconds), quantile_cont(lag_seconds, 0.99) FROM lifecycle_lag "
        "WHERE source = 'snap'"
    ).fetchall()[0]
    assert p50 and p99 and p99 > lifecycle.LONG_TAIL_RATIO * p50
    found = drawn(con, "system_lag", Scope("snap", WEEKS))
    assert found["encoding"]["x"]["scale"] == {"type": "log"}


def test_charts_fill_their_container_and_pngs_have_a_fixed_width(
    con: duckdb.DuckDBPyConnection,
) -> None:
    found = drawn(con, "groups", Scope("desk", WEEKS))
    assert found["width"] == "container"
    assert found["autosize"]["type"] == "fit-x"
    assert fixed_width(found)["width"] == PNG_WIDTH and found["width"] == "container"
    assert spec(CATALOG["groups"], rows(con, CATALOG["groups"].sql(Scope("desk", WEEKS))),
                Scope("desk", WEEKS), width=500)["width"] == 500  # fmt: skip


@pytest.mark.parametrize(
    "sample, previous_sample, shown",
    [(MIN_SAMPLE, MIN_SAMPLE, True), (MIN_SAMPLE - 1, 500, False), (500, MIN_SAMPLE - 1, False),
     (None, None, True)],
)  # fmt: skip
def test_no_percentage_change_from_a_small_sample(sample: int | None,
                                                  previous_sample: int | None,
                                                  shown: bool) -> None:  # fmt: skip
    """At ``MIN_SAMPLE`` tickets in both periods the change has its percentage; with fewer in
    either, the values and the difference stay, the percentage gives way to a note."""
    figure = Figure("Created", "tickets", 40.0, 20.0, 0, sample, previous_sample)
    assert figure.change == 20.0
    assert figure.change_pct == (100.0 if shown else None)
    assert figure.too_small is not shown
    cell = report_page.render("t", Period(date(2024, 1, 1), date(2024, 1, 7)),
                              {"desk": [figure]}, "b", [], [], {}, "", "lib")  # fmt: skip
    assert "+20" in cell and ">40<" in cell and "previous 20" in cell
    assert ("(+100.0 %)" in cell) is shown
    assert ("data-small" in cell) is not shown
    if not shown:
        assert f"no %: fewer than {MIN_SAMPLE} tickets ({sample:,} and {previous_sample:,})" in cell
    assert f"at least {MIN_SAMPLE} tickets" in cell  # the rule is stated on the page
