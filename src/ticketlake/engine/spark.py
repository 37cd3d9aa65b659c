"""Running the SQL models on Apache Spark (``engine.name: spark``, ``--engine spark``).

Spark reads exactly the lake files the latest manifest names, runs every model transpiled
to Spark SQL (engine/dialect.py), and writes each model's table as Parquet under
``<lake>/marts/<build>/<model>/``. The warehouse then publishes a DuckDB snapshot holding
those tables, so ``kpis``, ``query`` and ``export`` read a Spark build as they read any other.
PySpark is an optional extra (``pip install 'ticketlake[spark]'``), imported only here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

import pyarrow as pa

from ticketlake.common import extras
from ticketlake.config import Settings
from ticketlake.engine import calendars, inputs, models
from ticketlake.errors import UsageError
from ticketlake.lake import Lake, integrity
from ticketlake.lake import schema as lake_schema
from ticketlake.lake.lake import LEDGER, ledger_row
from ticketlake.lake.manifest import Manifest
from ticketlake.lake.stores import Store

MARTS = "marts"  # lake prefix of Spark's outputs
KEEP_MARTS = 2
# What Hadoop says when a lake URI's scheme has no file system class on the classpath.
_NO_FILE_SYSTEM = re.compile(
    r"No FileSystem for scheme|ClassNotFoundException: (Class )?org\.apache\.hadoop\.fs"
)
# Settings every session needs for DuckDB's numbers: UTC like the lake, microsecond Parquet
# timestamps like DuckDB's, and non-ANSI arithmetic (NULL, not an error, on a bad cast).
REQUIRED_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    "spark.sql.ansi.enabled": "false",
}
# Defaults for a session ticketlake starts itself (not under spark-submit, whose --conf wins).
LOCAL_CONF = {
    "spark.sql.shuffle.partitions": "4",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
}


def pyspark() -> ModuleType:
    """The ``pyspark.sql`` module, or a clear message saying how to install it."""
    return extras.load("pyspark.sql", "spark", "the Spark engine",
                       "and a Java runtime 17+; see docs/spark.md")  # fmt: skip


def session(settings: Settings) -> Any:
    """A Spark session for ``settings.spark`` (an existing one in this process is reused).
    Under spark-submit, its ``--master`` wins over the project's ``spark.master``."""
    builder = pyspark().SparkSession.builder.appName("ticketlake")
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ  # set when spark-submit started us
    conf = {**({} if submitted else LOCAL_CONF), **settings.spark.conf, **REQUIRED_CONF}
    if not submitted:
        builder = builder.master(settings.spark.master)
    for key, value in conf.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def build(lake: Lake, manifest: Manifest, settings: Settings, name: str,
          todo: list[models.Model], on_model: Callable[[str], None] | None = None,
          ) -> dict[str, list[str]]:  # fmt: skip
    """Run ``todo`` on Spark; return the local paths of each model's Parquet files."""
    lake_files = _input_paths(lake, manifest)  # checked before Spark starts
    spark = session(settings)
    store, root = lake.store, f"{MARTS}/{name}"
    try:
        _register_inputs(spark, lake_files, manifest, settings)
        for model in todo:
            if on_model:
                on_model(model.name)
            out = store.spark_path(f"{root}/{model.name}")
            spark.sql(model.transpile("spark")).write.mode("overwrite").parquet(out)
            spark.read.parquet(out).createOrReplaceTempView(model.name)
        written = {m.name: _fetch(store, f"{root}/{m.name}") for m in todo}
    except BaseException as exc:
        store.delete_tree(root)  # a failed build leaves no partial output
        _explain(exc, store.uri)
        raise
    _prune(store, keep=name)
    return written


def _fetch(store: Store, folder: str) -> list[str]:
    """Local paths of the Parquet files Spark wrote under ``folder``."""
    return [store.read_path(k) for k in store.list(folder) if k.endswith(".parquet")]


def _explain(exc: BaseException, lake_uri: str) -> None:
    """Turn Spark's "no file system" error into one line saying what the cluster lacks."""
    if _NO_FILE_SYSTEM.search(str(exc)):
        raise UsageError(
            f"Spark cannot read the lake {lake_uri}: its file system connector is missing; "
            "for s3a:// add hadoop-aws (for example --packages "
            "org.apache.hadoop:hadoop-aws:3.4.1) and set spark.hadoop.fs.s3a.* (docs/storage.md)"
        ) from None


def _input_paths(lake: Lake, manifest: Manifest) -> dict[str, list[str]]:
    """Spark paths of the lake tables' files (only those the manifest lists), each checked in
    the store to have the size the manifest records."""
    return {
        table: integrity.remote_paths(lake.store, manifest.files_of(table))
        for table in ("ticket_events", "ticket_links", "ticket_sightings")
    }


def _register_inputs(
    spark: Any, lake_files: dict[str, list[str]], manifest: Manifest, settings: Settings
) -> None:
    """Temporary views of the lake tables (``lake_files``: their paths), ledger and settings."""
    for table, paths in lake_files.items():
        if paths:
            frame = _every_column(spark.read.option("mergeSchema", "true").parquet(*paths), table)
        else:
            frame = _frame(spark, pa.Table.from_pylist([], schema=_schema(table)))
        frame.createOrReplaceTempView(table)
    ledger = pa.Table.from_pylist([ledger_row(b) for b in manifest.batches], schema=LEDGER)
    _frame(spark, ledger).createOrReplaceTempView("ledger")
    span = calendars.span_of(*spark.sql(inputs.EVENT_SPAN_SQL).first())
    register(spark, inputs.tables(settings, span))


def _every_column(frame: Any, table: str) -> Any:
    """``frame`` with every column of the lake ``table``, NULL where its files were written
    before the column was added (as the DuckDB views read them, lake/lake.py ``scan_sql``)."""
    present = set(frame.columns)
    types = dict(zip(lake_schema.TABLES[table], _spark_types(_schema(table)), strict=True))
    return frame.selectExpr(
        *(f"`{c}`" if c in present else f"CAST(NULL AS {t}) AS `{c}`" for c, t in types.items())
    )


def register(spark: Any, tables: Mapping[str, pa.Table]) -> None:
    """A temporary view of each (small) Arrow table, under its name: the settings' ``cfg_*``
    tables here, and the stand-in inputs of the model tests."""
    for name, table in tables.items():
        _frame(spark, table).createOrReplaceTempView(name)


def _frame(spark: Any, table: pa.Table) -> Any:
    """A Spark DataFrame of a (small) Arrow table. Rows go over as Python values, not through
    pandas, whose string columns hold a missing value as NaN (pandas 3), not NULL."""
    rows = list(zip(*(column.to_pylist() for column in table.columns), strict=True))
    return spark.createDataFrame(rows, schema=_spark_schema(table.schema))


def _spark_schema(schema: pa.Schema) -> str:
    types = _spark_types(schema)
    return ", ".join(f"`{f.name}` {t}" for f, t in zip(schema, types, strict=True))


def _spark_types(schema: pa.Schema) -> list[str]:
    names = {pa.string(): "STRING", pa.int64(): "BIGINT", pa.int32(): "INT",
             pa.float64(): "DOUBLE", pa.bool_(): "BOOLEAN", pa.timestamp("us"): "TIMESTAMP_NTZ",
             pa.date32(): "DATE"}  # fmt: skip
    return [names[f.type] for f in schema]


def _schema(table: str) -> pa.Schema:
    kinds = {"VARCHAR": pa.string(), "BIGINT": pa.int64(), "INTEGER": pa.int32(),
             "TIMESTAMP": pa.timestamp("us"), "BOOLEAN": pa.bool_(), "DATE": pa.date32(),
             "DOUBLE": pa.float64()}  # fmt: skip
    return pa.schema([(c, kinds[t]) for c, t in lake_schema.TABLES[table].items()])


def _prune(store: Store, keep: str) -> None:
    """Keep the newest Spark outputs; older ones are no longer in any warehouse snapshot."""
    builds = sorted({k.split("/")[1] for k in store.list(MARTS)} - {keep})
    for old in builds[: max(0, len(builds) - (KEEP_MARTS - 1))]:
        store.delete_tree(f"{MARTS}/{old}")
