"""The Spark engine as users run it: ``ticketlake --engine spark build`` in Spark local mode,
the spark-submit entry point, and the errors for a missing PySpark or an unknown engine.
A Spark build must print the same KPIs as a DuckDB build of the same lake."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ticketlake import Project
from ticketlake.cli.main import app
from ticketlake.engine import spark_job
from ticketlake.synth import Options, write_shape

pytestmark = [pytest.mark.slow, pytest.mark.spark]  # Spark local mode: about a minute
needs_spark = pytest.mark.skipif(
    importlib.util.find_spec("pyspark") is None, reason="PySpark is not installed"
)

KPIS = ("volume", "resolution_time", "backlog")
VOLUME = "SELECT * FROM kpi_volume_daily ORDER BY ALL"
SPARK_SUBMIT = Path(sys.executable).parent / "spark-submit"


def _cli(root: Path, *args: str) -> tuple[int, str, str]:
    """``ticketlake -p ROOT ARGS...`` in-process: (exit code, stdout, stderr)."""
    result = CliRunner().invoke(app, ["-p", str(root), *args])
    return result.exit_code, result.stdout, result.stderr


def _json(root: Path, *args: str) -> Any:
    code, out, err = _cli(root, *args, "-f", "json")
    assert code == 0, err
    return json.loads(out)


def _one_line_error(code: int, err: str) -> None:
    """Exit 2 with exactly one ``error:`` line and no traceback."""
    assert code == 2, err
    assert err.strip().count("\n") == 0 and err.startswith("error:"), err
    assert "Traceback" not in err


def _same_rows(got: list[dict[str, Any]], want: list[dict[str, Any]]) -> None:
    """Same rows in the same order; floats within 1e-9 relative, everything else exact."""
    assert len(got) == len(want) and want
    for row, expected in zip(got, want, strict=True):
        assert row.keys() == expected.keys()
        for key, value in expected.items():
            if isinstance(value, float):
                assert row[key] == pytest.approx(value, rel=1e-9), (key, expected)
            else:
                assert row[key] == value, (key, expected)


def _kpis(root: Path) -> dict[str, Any]:
    return {name: _json(root, "kpis", name) for name in KPIS}


def _spark_home() -> str:
    """The pyspark package folder, which is SPARK_HOME for a pip-installed PySpark."""
    spec = importlib.util.find_spec("pyspark")
    assert spec is not None and spec.origin is not None
    return os.path.dirname(spec.origin)


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project whose lake holds ~60 generated tickets of the event-log shape and ~120 with
    text (tickets shape), not built; builds find themes (text.enabled)."""
    root = tmp_path_factory.mktemp("spark_cli") / "lake"
    root.mkdir()
    data = write_shape("events", root / "exports", Options(tickets=60, days=20, seed=11))
    texts = write_shape("tickets", root / "texts", Options(tickets=120, days=20, seed=12))
    project = Project(root)
    config = project.init()
    config.write_text(
        config.read_text("utf-8") + "\ntext:\n  enabled: true\n  themes: 4\n", "utf-8"
    )
    project.ingest([data.out], format="eventlog")
    project.ingest([f.path for f in texts.files], format="tickets")
    return root


def _copy(lake: Path, name: str) -> Path:
    """A copy of the project (same lake, same settings) to build independently."""
    return Path(shutil.copytree(lake, lake.with_name(name), symlinks=True))


@pytest.fixture(scope="module")
def duckdb_built(lake: Path) -> Path:
    """The lake built by DuckDB with ``ticketlake build --full``."""
    root = _copy(lake, "duckdb")
    code, _out, err = _cli(root, "build", "--full")
    assert code == 0, err
    return root


@pytest.fixture(scope="module")
def spark_built(lake: Path) -> Path:
    """The same lake built by ``ticketlake --engine spark build`` (Spark local mode)."""
    root = _copy(lake, "spark")
    code, _out, err = _cli(root, "--engine", "spark", "build")
    assert code == 0, err
    return root


@needs_spark
def test_spark_build_prints_the_same_kpis_as_duckdb(duckdb_built: Path, spark_built: Path) -> None:
    want, got = _kpis(duckdb_built), _kpis(spark_built)
    for name in KPIS:
        _same_rows(got[name], want[name])


@needs_spark
def test_spark_build_has_the_same_themes_as_duckdb(duckdb_built: Path, spark_built: Path) -> None:
    """The text stage runs on the build's database after Spark's tables are loaded."""
    for table in ("text_ticket", "text_theme", "theme_outcome", "theme_weekly"):
        sql = (
            f"SELECT * EXCLUDE (text_sha) FROM {table} ORDER BY ALL"
            if table == "text_ticket"
            else f"SELECT * FROM {table} ORDER BY ALL"
        )
        want, got = _json(duckdb_built, "query", sql), _json(spark_built, "query", sql)
        _same_rows(got, want)


@needs_spark
def test_spark_build_records_mode_spark_for_every_model(
    duckdb_built: Path, spark_built: Path
) -> None:
    modes = {r["model"]: r["mode"] for r in _json(spark_built, "query", "SELECT * FROM _models")}
    built = {r["model"] for r in _json(duckdb_built, "query", "SELECT model FROM _models")}
    assert set(modes) == built and set(modes.values()) == {"spark"}


def test_missing_pyspark_is_one_line_naming_the_extra(lake: Path) -> None:
    root = _copy(lake, "no_pyspark")
    code = ("import sys; sys.modules['pyspark'] = None; from ticketlake.cli.main import main; "
            f"sys.argv = ['ticketlake', '-p', {str(root)!r}, '--engine', 'spark', 'build']; main()")  # fmt: skip
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, check=False)  # fmt: skip
    _one_line_error(result.returncode, result.stderr)
    assert "ticketlake[spark]" in result.stderr
    assert not (root / "warehouse" / "ticketlake.duckdb").exists()


def test_unknown_engine_is_a_one_line_config_error(lake: Path) -> None:
    code, _out, err = _cli(lake, "--engine", "nonsense", "build")
    _one_line_error(code, err)
    assert "engine.name" in err


@needs_spark
def test_spark_submit_builds_the_selected_model(lake: Path, duckdb_built: Path) -> None:
    """The cluster entry point under a real spark-submit: kpi_volume_daily and the three
    models it needs, equal to the DuckDB build's table."""
    root = _copy(lake, "spark_submit")
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable, "SPARK_HOME": _spark_home()}
    cmd = [str(SPARK_SUBMIT), "--master", "local[2]", "--conf", "spark.ui.showConsoleProgress=false",
           spark_job.__file__, "--project", str(root), "--select", "kpi_volume_daily"]  # fmt: skip
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300,
                            check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("built 4 models on Spark"), result.stdout
    modes = {r["model"]: r["mode"] for r in _json(root, "query", "SELECT * FROM _models")}
    assert modes == dict.fromkeys(
        ("tickets", "fact_ticket_event", "fact_ticket", "kpi_volume_daily"), "spark"
    )
    _same_rows(_json(root, "query", VOLUME), _json(duckdb_built, "query", VOLUME))
