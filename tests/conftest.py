"""Shared fixtures: generated data is expensive, so it is made once per session."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from xdist.scheduler import LoadScopeScheduling

from tests import real_data
from tests.themed import make_themed
from ticketlake import Project
from ticketlake.config import Settings
from ticketlake.engine import spark as engine
from ticketlake.synth import Generated, Options, write_shape

SMALL = Options(tickets=3_000, days=45, seed=7)
# The test files that start Spark (in the test process or as a command). They run one after
# another in one worker, so one JVM serves them all instead of one per worker competing for
# the machine's two cores; collection fails if a test elsewhere starts Spark.
SPARK_FILES = frozenset({
    "tests/engine/test_local_time.py",
    "tests/engine/test_spark_cli.py",
    "tests/engine/test_spark_days.py",
    "tests/engine/test_spark_parity.py",
    "tests/lake/test_stores.py",
    "tests/models/test_fact_sla.py",
    "tests/models/test_sla_business.py",
    "tests/text/test_masking_spark.py",
})  # fmt: skip
# The slowest scopes, slowest first (from `pytest --durations`): they start first, so the two
# workers end together instead of one running a long file alone at the end. The other files
# follow in collection order.
SLOWEST_FIRST = (
    "spark",
    "tests/ingest/test_crash.py",
    "tests/models/test_incremental.py",
    "tests/engine/test_build_failures.py",
    "tests/bench/test_bench_smoke.py",
    "tests/ingest/test_reprocess.py",
    "tests/serve/test_dashboard.py",
    "tests/cli/test_cli.py",
    "tests/test_prefect_flow.py",
)


def scope_of(nodeid: str) -> str:
    """The scope a test runs in: its file, or "spark" for the :data:`SPARK_FILES`."""
    module = nodeid.split("::", 1)[0]
    return "spark" if module in SPARK_FILES else module


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """The schedule of ``pytest -n 2`` (the Makefile's): each test file runs whole in one
    worker, so its module fixtures are built once, and the :data:`SPARK_FILES` together."""
    return SparkTogether(config, log)


class SparkTogether(LoadScopeScheduling):
    """pytest-xdist's per-scope schedule with a test file as the scope, the Spark files one,
    handed out in collection order (:data:`SLOWEST_FIRST` leads it) rather than by size."""

    def __init__(self, config: pytest.Config, log: Any = None) -> None:
        super().__init__(config, log)
        self.config.option.loadscopereorder = False

    def _split_scope(self, nodeid: str) -> str:
        return scope_of(nodeid)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The :data:`SLOWEST_FIRST` scopes lead the collection; a test that starts Spark outside
    :data:`SPARK_FILES` is a collection error."""
    rank = {scope: n for n, scope in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(scope_of(item.nodeid), len(rank)))
    for item in items:
        module = item.nodeid.split("::", 1)[0]
        if _needs_spark(item) and module not in SPARK_FILES:
            raise pytest.UsageError(f"{item.nodeid} starts Spark: add {module} to SPARK_FILES "
                                    "in tests/conftest.py")  # fmt: skip


def _needs_spark(item: pytest.Item) -> bool:
    """Whether the test starts Spark in the test process or through a Spark command."""
    if item.get_closest_marker("spark") is not None or "spark" in getattr(item, "fixturenames", ()):
        return True
    params = getattr(getattr(item, "callspec", None), "params", {})
    return "spark" in params.values()


@pytest.fixture(scope="session")
def servicenow_log() -> Path:
    """The real ServiceNow audit log (tests/real_data.py says where it is looked for); its
    tests skip with the reason when it is missing, and fail under ``CI=true``."""
    return real_data.servicenow_log()


@pytest.fixture(scope="session")
def spark() -> Any:
    """A Spark session of its own (own temporary views and SQL settings) on the process's
    Spark context, which Spark builds in the same test process share (local[2], as a
    project's default). One shuffle partition: the model tests' inputs are a few rows."""
    pytest.importorskip("pyspark", reason="PySpark is in the spark and dev extras")
    session = engine.session(Settings()).newSession()
    for key, value in {**engine.REQUIRED_CONF, "spark.sql.shuffle.partitions": "1"}.items():
        session.conf.set(key, value)
    return session


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Generated]:
    """Every shape, clean, from the same options."""
    root = tmp_path_factory.mktemp("clean")
    return {
        s: write_shape(s, root / s, SMALL)
        for s in ("tickets", "snapshots", "events", "interactions", "json")
    }


@pytest.fixture(scope="session")
def dirty(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Generated]:
    """Every shape with 3% defects and a manifest."""
    root = tmp_path_factory.mktemp("dirty")
    return {
        s: write_shape(s, root / s, SMALL, dirty_rate=0.03)
        for s in ("tickets", "snapshots", "events", "interactions", "json")
    }


@pytest.fixture(scope="session")
def themed(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The small project with themes (tests/themed.py), built once (read-only for tests)."""
    pytest.importorskip("sklearn", reason="themes need the text extra")
    return make_themed(tmp_path_factory.mktemp("themed") / "project")


def data_lines(path: Path) -> list[str]:
    """Lines of a generated file, decoded the way the manifest says it was written."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return text.lstrip("\ufeff").splitlines()
