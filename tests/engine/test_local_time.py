"""The one definition of local time (engine/dialect.py): hand-computed instants on DuckDB,
the same answers from its Spark rewrite, and the shapes the rule refuses.

Offsets: Berlin +1 until 2024-03-31 01:00Z, then +2 until 2024-10-27 01:00Z; New York -5
until 2024-03-10 07:00Z, then -4 until 2024-11-03 06:00Z; Lord Howe +10:30/+11 (a half-hour
change at 02:00 local); Apia skipped 2011-12-30 (from -10 to +14).
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest

from ticketlake.config import Settings
from ticketlake.engine import spark as spark_engine
from ticketlake.engine.dialect import DialectError, local_day, local_time, to_spark, utc_time

WALL = "CAST(d AS TIMESTAMP) + INTERVAL 1 HOUR * h"
t = datetime
# (zone, local day, hour) -> the UTC instant of that wall time.
CUTOFFS = [
    ("Europe/Berlin", date(2024, 3, 30), 24, t(2024, 3, 30, 23)),  # midnight CET
    ("Europe/Berlin", date(2024, 3, 31), 24, t(2024, 3, 31, 22)),  # midnight CEST
    ("Europe/Berlin", date(2024, 3, 31), 2, t(2024, 3, 31, 1)),  # skipped: read as CET (+1)
    ("Europe/Berlin", date(2024, 3, 31), 3, t(2024, 3, 31, 1)),  # 03:00 CEST: the same instant
    ("Europe/Berlin", date(2024, 10, 27), 2, t(2024, 10, 27, 1)),  # repeated: the later (CET)
    ("Europe/Berlin", date(2024, 10, 27), 1, t(2024, 10, 26, 23)),  # 01:00 CEST, once
    ("Europe/Berlin", date(2024, 10, 27), 3, t(2024, 10, 27, 2)),  # 03:00 CET
    ("America/New_York", date(2024, 3, 10), 2, t(2024, 3, 10, 7)),  # skipped: read as EST (-5)
    ("America/New_York", date(2024, 3, 10), 24, t(2024, 3, 11, 4)),  # midnight EDT
    ("America/New_York", date(2024, 11, 3), 1, t(2024, 11, 3, 6)),  # repeated: the later (EST)
    ("America/New_York", date(2024, 11, 3), 0, t(2024, 11, 3, 4)),  # midnight EDT
    ("Australia/Lord_Howe", date(2024, 4, 7), 1, t(2024, 4, 6, 14)),  # 01:30 repeats; 01:00 +11
    ("Pacific/Apia", date(2011, 12, 30), 12, t(2011, 12, 30, 22)),  # a skipped day: -10 kept
    ("UTC", date(2024, 3, 31), 24, t(2024, 4, 1)),
]
# (zone, UTC instant) -> local day
DAYS = [
    ("Europe/Berlin", t(2024, 3, 31, 22, 30), date(2024, 4, 1)),
    ("Europe/Berlin", t(2024, 3, 30, 22, 59), date(2024, 3, 30)),
    ("Europe/Berlin", t(2024, 10, 26, 22, 0), date(2024, 10, 27)),
    ("Europe/Berlin", t(2024, 10, 27, 22, 59), date(2024, 10, 27)),
    ("America/New_York", t(2024, 3, 10, 4, 59), date(2024, 3, 9)),
    ("America/New_York", t(2024, 3, 11, 3, 59), date(2024, 3, 10)),
    ("America/New_York", t(2024, 11, 4, 4, 59), date(2024, 11, 3)),
    ("UTC", t(2024, 3, 31, 23, 59), date(2024, 3, 31)),
]


def _duck(sql: str, rows: list[tuple[object, ...]], columns: str) -> list[tuple[object, ...]]:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"CREATE TABLE v ({columns})")
    con.executemany(f"INSERT INTO v VALUES ({', '.join('?' * len(rows[0]))})", rows)
    return con.execute(sql).fetchall()


CUTOFF_SQL = f"SELECT z, d, h, {utc_time(WALL, 'z')} AS c FROM v ORDER BY z, d, h"
DAY_SQL = f"SELECT z, ts, {local_day('ts', 'z')} AS d FROM v ORDER BY z, ts"


def test_utc_time_of_a_wall_time() -> None:
    found = _duck(CUTOFF_SQL, [c[:3] for c in CUTOFFS], "z VARCHAR, d DATE, h INTEGER")
    assert found == sorted(CUTOFFS, key=lambda c: c[:3])


def test_local_day_of_an_instant() -> None:
    found = _duck(DAY_SQL, [d[:2] for d in DAYS], "z VARCHAR, ts TIMESTAMP")
    assert found == sorted(DAYS, key=lambda d: d[:2])


def test_spark_rewrites() -> None:
    """The two shapes become Spark's conversions; a third is refused, naming the shapes."""
    sql = to_spark(f"SELECT {local_time('ts', 'z')} AS l FROM v")
    assert "FROM_UTC_TIMESTAMP(ts, z)" in sql and "TIMEZONE" not in sql.upper()
    assert "TO_UTC_TIMESTAMP" in to_spark(f"SELECT {utc_time('w', 'z')} FROM v")
    with pytest.raises(DialectError, match=r"timezone\(zone, timezone\('UTC', ts\)\)"):
        to_spark("SELECT timezone('Europe/Berlin', ts) FROM v")


@pytest.mark.slow
@pytest.mark.spark
def test_spark_gives_the_same_instants_and_days() -> None:
    """Both shapes on Spark (local mode, session zone UTC) give the hand-computed values."""
    spark = spark_engine.session(Settings())
    cutoffs = spark.createDataFrame([c[:3] for c in CUTOFFS], "z STRING, d DATE, h INT")
    cutoffs.createOrReplaceTempView("v")
    found = [tuple(r) for r in spark.sql(to_spark(CUTOFF_SQL)).collect()]
    assert found == sorted(CUTOFFS, key=lambda c: c[:3])
    days = spark.createDataFrame([d[:2] for d in DAYS], "z STRING, ts TIMESTAMP")
    days.createOrReplaceTempView("v")
    found = [tuple(r) for r in spark.sql(to_spark(DAY_SQL)).collect()]
    assert found == sorted(DAYS, key=lambda d: d[:2])
