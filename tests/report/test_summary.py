"""The headline numbers at the top of the report against the same figures computed here,
independently, in SQL on the warehouse, for the fixed period and the previous one."""

from __future__ import annotations

from datetime import date

import pytest

from tests.report.conftest import END, START, Written
from ticketlake.report import Figure, Period

# Each headline as plain SQL on the ticket fact or a KPI table; {s}, {a} and {b} are the
# source and the first and last day.
INDEPENDENT = {
    "Created": "SELECT count(*) FROM fact_ticket WHERE source = '{s}' "
               "AND created_date BETWEEN '{a}' AND '{b}'",
    "Resolved": "SELECT count(*) FROM fact_ticket WHERE source = '{s}' "
                "AND resolved_date BETWEEN '{a}' AND '{b}'",
    "Backlog at end": "SELECT CAST(sum(open_tickets) AS BIGINT) FROM kpi_backlog_daily "
                      "WHERE source = '{s}' AND day = '{b}'",
    "Median first response": "SELECT median(first_response_hours) FROM fact_ticket "
                             "WHERE source = '{s}' AND created_date BETWEEN '{a}' AND '{b}'",
    "Median resolution": "SELECT median(resolution_hours) FROM fact_ticket "
                         "WHERE source = '{s}' AND resolved_date BETWEEN '{a}' AND '{b}'",
    "Response target met": "SELECT 100.0 * count(*) FILTER (WHERE within_response_target) "
                           "/ nullif(count(within_response_target), 0) FROM fact_ticket "
                           "WHERE source = '{s}' AND created_date BETWEEN '{a}' AND '{b}'",
    "Resolution target met": "SELECT 100.0 * sum(resolution_within) / nullif(sum("
                             "resolution_within + resolution_late + overdue_open), 0) "
                             "FROM kpi_target_attainment "
                             "WHERE source = '{s}' AND day BETWEEN '{a}' AND '{b}'",
    "Reopen rate": "SELECT 100.0 * count(*) FILTER (WHERE reopen_count > 0) "
                   "/ nullif(count(*), 0) FROM fact_ticket WHERE source = '{s}' "
                   "AND CAST(first_resolved_at AS DATE) BETWEEN '{a}' AND '{b}'",
}  # fmt: skip
# The tickets behind each headline, which decide whether its change has a percentage.
SAMPLES = {
    "Created": INDEPENDENT["Created"],
    "Resolved": INDEPENDENT["Resolved"],
    "Backlog at end": INDEPENDENT["Backlog at end"],
    "Median first response": INDEPENDENT["Median first response"].replace("median(", "count("),
    "Median resolution": INDEPENDENT["Median resolution"].replace("median(", "count("),
    "Response target met": "SELECT count(within_response_target) FROM fact_ticket "
                           "WHERE source = '{s}' AND created_date BETWEEN '{a}' AND '{b}'",
    "Resolution target met": "SELECT sum(resolution_within + resolution_late + overdue_open) "
                             "FROM kpi_target_attainment "
                             "WHERE source = '{s}' AND day BETWEEN '{a}' AND '{b}'",
    "Reopen rate": "SELECT count(*) FROM fact_ticket WHERE source = '{s}' "
                   "AND CAST(first_resolved_at AS DATE) BETWEEN '{a}' AND '{b}'",
}  # fmt: skip


def sample(written: Written, label: str, source: str, period: Period) -> int:
    sql = SAMPLES[label].format(s=source, a=period.start, b=period.end)
    return int(written.project.query(sql)[1][0][0] or 0)


def expected(written: Written, label: str, source: str, period: Period) -> float | None:
    sql = INDEPENDENT[label].format(s=source, a=period.start, b=period.end)
    value = written.project.query(sql)[1][0][0]
    return None if value is None else float(str(value))


def test_every_headline_is_checked(written: Written) -> None:
    for figures in written.result.summary.values():
        assert [f.label for f in figures] == list(INDEPENDENT)


def test_the_backlog_is_counted_on_the_last_day(written: Written) -> None:
    # Precondition of the "Backlog at end" query above: END has backlog rows.
    sql = f"SELECT count(*) FROM kpi_backlog_daily WHERE day = '{END}'"
    assert written.project.query(sql)[1][0][0] > 0


@pytest.mark.parametrize("source", ["desk", "sheet", "snap"])
def test_headlines_match_sql_for_the_period_and_the_previous_one(written: Written,
                                                                 source: str) -> None:  # fmt: skip
    period = written.result.period
    assert period == Period(START, END)
    for figure in written.result.summary[source]:
        now = expected(written, figure.label, source, period)
        before = expected(written, figure.label, source, period.previous)
        assert figure.value == pytest.approx(now), (source, figure.label)
        assert figure.previous == pytest.approx(before), (source, figure.label)
        assert figure.sample == sample(written, figure.label, source, period)
        assert figure.previous_sample == sample(written, figure.label, source, period.previous)
        if now is None or before is None:
            assert figure.change is None and figure.change_pct is None
            continue
        assert figure.change == pytest.approx(now - before)
        pct = None if before == 0 or figure.too_small else 100 * (now - before) / abs(before)
        assert figure.change_pct == pytest.approx(pct)


def test_the_event_log_has_every_headline(written: Written) -> None:
    """Guards the comparison above against a source whose figures are all missing."""
    assert all(f.value is not None and f.previous is not None
               for f in written.result.summary["desk"])  # fmt: skip


@pytest.mark.parametrize(
    "value, previous, better, change, pct, verdict",
    [
        (120.0, 100.0, +1, 20.0, 20.0, "better"),
        (120.0, 100.0, -1, 20.0, 20.0, "worse"),
        (80.0, 100.0, -1, -20.0, -20.0, "better"),
        (5.0, 0.0, +1, 5.0, None, "better"),  # from zero: no percentage
        (5.0, None, +1, None, None, ""),  # no previous value: no comparison
        (None, 3.0, +1, None, None, ""),
        (7.0, 7.0, -1, 0.0, 0.0, "same"),
        (9.0, 7.0, 0, 2.0, pytest.approx(28.5714, rel=1e-4), ""),  # neither way is better
        (-2.0, -4.0, +1, 2.0, 50.0, "better"),  # a negative base keeps the sign of the change
    ],
)
def test_change_against_the_previous_period(value: float | None, previous: float | None,
                                            better: int, change: float | None,
                                            pct: object, verdict: str) -> None:  # fmt: skip
    figure = Figure("x", "tickets", value, previous, better)
    assert figure.change == change
    assert figure.change_pct == pct
    assert figure.verdict == verdict


def test_previous_period_has_the_same_length() -> None:
    period = Period(date(2024, 2, 1), date(2024, 2, 29))
    assert period.previous == Period(date(2024, 1, 3), date(2024, 1, 31))
    assert period.previous.days == period.days == 29
