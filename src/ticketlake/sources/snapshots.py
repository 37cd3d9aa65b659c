"""``snapshots``: a folder of daily ``YYYYMMDD.csv`` exports of open tickets (seed 000).

The snapshot date comes from the file name; ``_ts`` (epoch seconds) is when the system
recorded the row and ``lastModifiedTimeUtc`` when a user last changed the ticket. A ticket
that did not change between two snapshots describes the same update twice; it is kept once.
Every row is also a sighting (``ticket_sightings``: the ticket was in that day's snapshot), so
the lifecycle models know the last snapshot a ticket was in (and so whether it vanished);
the build turns a ticket's sightings into intervals of consecutive days.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePath

from ticketlake.common.sqltext import lit
from ticketlake.sources.base import FileKind, Format
from ticketlake.sources.readers import FileProblem

_EVENTS_SQL = """
SELECT ticket_id, created_at AS event_time, 'created' AS event_type, customer, created_at,
       external_id, _line
FROM valid
UNION ALL BY NAME
SELECT ticket_id, updated_at AS event_time, 'updated' AS event_type, customer, created_at,
       external_id, observed_at, snapshot_date, _line
FROM valid
"""

# Each row also says the ticket was still open on the file's day.
_SIGHTINGS_SQL = "SELECT ticket_id, snapshot_date AS seen_on, _line FROM valid"


def snapshot_date(path: PurePath) -> Mapping[str, str]:
    """``snapshot_date`` as a SQL literal from a ``YYYYMMDD`` file name."""
    stem = path.name[:8]
    if not stem.isdigit():
        raise FileProblem(f"{path}: snapshot file names must start with YYYYMMDD")
    return {"snapshot_date": f"strptime({lit(stem)}, '%Y%m%d')::DATE"}


KIND = FileKind(
    name="snapshots.daily",
    history=True,
    container="csv",
    synonyms={
        "ticket_id": ("issueId", "issue_id", "key"),
        "external_id": ("id",),
        "customer": ("customerId", "customer_id"),
        "created_at": ("createdTimeUtc",),
        "updated_at": ("lastModifiedTimeUtc",),
        "observed_at": ("_ts", "ts"),
    },
    required=("ticket_id", "external_id", "created_at", "updated_at"),
    events_sql=_EVENTS_SQL,
    sightings_sql=_SIGHTINGS_SQL,
    derived=snapshot_date,
)

_DAILY = "[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]"
FORMAT = Format(
    name="snapshots",
    summary="Daily YYYYMMDD.csv snapshots with _ts system time and user modification time.",
    kinds=((f"{_DAILY}.csv", KIND), (f"{_DAILY}.csv.gz", KIND)),
    signature=("ts", "issue_id", "last_modified_time_utc"),
)
