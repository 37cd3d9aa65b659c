"""Where tests find the real data sets kept outside the repository.

The real ServiceNow log is named by ``TICKETLAKE_SERVICENOW_LOG`` or sits in ``../shared/data``
beside the checkout. Without it its tests skip, saying so; under ``CI=true`` they fail, since
there the numbers they check are the project's evidence on real data and must not go quiet.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest

ENV = "TICKETLAKE_SERVICENOW_LOG"
SERVICENOW = "servicenow_incident_event_log.csv.gz"
REPO = Path(__file__).resolve().parents[1]


def servicenow_log(repo: Path = REPO) -> Path:
    """The real ServiceNow log: the file ``TICKETLAKE_SERVICENOW_LOG`` names (which must
    exist, being set on purpose), else ``../shared/data`` beside ``repo``; skips, or under
    ``CI=true`` fails, when there is none."""
    named = os.environ.get(ENV, "")
    if named:
        if not Path(named).is_file():
            pytest.fail(f"{ENV}={named} is not a file")
        return Path(named)
    beside = repo.parent / "shared" / "data" / SERVICENOW
    if beside.is_file():
        return beside
    _missing(f"the real ServiceNow log is missing: set {ENV} or put {SERVICENOW} in "
             "../shared/data beside the repository")  # fmt: skip


def _missing(why: str) -> NoReturn:
    """Skip the test with ``why``; fail it instead on CI, where real data is required."""
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(f"{why} (CI=true requires it)")
    pytest.skip(why)
