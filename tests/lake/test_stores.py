"""Lake stores: the same contract on a local folder and on S3 (a real S3 server, moto's, on
loopback), and a whole project whose lake is ``s3://``: ingest, ledger, build and query."""

from __future__ import annotations

import importlib.util
import shutil
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner, Result

from tests.models.conftest import build_project, rows
from tests.models.test_golden_mart import LOG
from ticketlake import Project
from ticketlake.cli.main import app
from ticketlake.engine import spark_job
from ticketlake.errors import UsageError
from ticketlake.lake import LakeIntegrityError
from ticketlake.lake import manifest as mf
from ticketlake.lake.stores import Store, open_store
from ticketlake.lake.stores.s3 import LakeStorageError

moto_server = pytest.importorskip("moto.server", reason="moto[server] is in the dev extra")
boto3 = pytest.importorskip("boto3", reason="boto3 is in the s3 and dev extras")


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """An S3 server on a free loopback port for the module."""
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A new bucket, with the AWS environment pointing boto3 at the local server."""
    for name, value in {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "test",
                        "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1"
                        }.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    name = f"lake-{uuid.uuid4().hex[:12]}"
    boto3.client("s3").create_bucket(Bucket=name)
    return name


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """An empty store of each kind."""
    if request.param == "local":
        return open_store((tmp_path / "lake").as_uri(), tmp_path / "cache")
    bucket = request.getfixturevalue("bucket")
    return open_store(f"s3://{bucket}/some/lake", tmp_path / "cache")


def test_create_is_create_if_absent(store: Store) -> None:
    assert store.create("_manifest/00000001.json", b"first")
    assert not store.create("_manifest/00000001.json", b"second")
    assert store.read_bytes("_manifest/00000001.json") == b"first"


def test_write_put_read_list_delete(store: Store) -> None:
    for key in ("events/desk/b.parquet", "events/desk/a.parquet", "links/desk/c.parquet"):
        Path(store.write_path(key)).write_bytes(key.encode())
        store.put(key)
    assert store.exists("events/desk/a.parquet") and not store.exists("events/desk/zz.parquet")
    assert store.list("events") == ["events/desk/a.parquet", "events/desk/b.parquet"]
    assert store.list("events", older_than=timedelta(hours=1)) == []  # all were just written
    assert Path(store.read_path("links/desk/c.parquet")).read_bytes() == b"links/desk/c.parquet"
    store.delete("events/desk/a.parquet")
    assert store.list("events") == ["events/desk/b.parquet"]
    store.delete_tree("events")
    assert store.list("events") == [] and store.list("links") == ["links/desk/c.parquet"]
    with pytest.raises(FileNotFoundError):
        store.read_bytes("events/desk/a.parquet")


def test_sizes_come_from_the_store_and_evict_keeps_the_object(store: Store) -> None:
    key = "events/desk/a.parquet"
    Path(store.write_path(key)).write_bytes(b"12345")
    store.put(key)
    assert store.sizes("events") == {key: 5} and store.sizes("links") == {}
    store.evict(key)
    assert store.exists(key) and Path(store.read_path(key)).read_bytes() == b"12345"


def test_s3_evict_drops_the_cached_copy(bucket: str, tmp_path: Path) -> None:
    """What a reader does with a cached copy that does not match the manifest."""
    store = open_store(f"s3://{bucket}/lake", tmp_path / "cache")
    Path(store.write_path("events/x.parquet")).write_bytes(b"data")
    store.put("events/x.parquet")
    Path(store.read_path("events/x.parquet")).write_bytes(b"stale")
    store.evict("events/x.parquet")
    assert Path(store.read_path("events/x.parquet")).read_bytes() == b"data"


def test_s3_reads_are_cached_and_survive_a_cleared_cache(bucket: str, tmp_path: Path) -> None:
    writer = open_store(f"s3://{bucket}/lake", tmp_path / "writer-cache")
    Path(writer.write_path("bronze/x.parquet")).write_bytes(b"data")
    writer.put("bronze/x.parquet")
    reader = open_store(f"s3://{bucket}/lake", tmp_path / "reader-cache")
    path = Path(reader.read_path("bronze/x.parquet"))
    assert path.read_bytes() == b"data" and path.is_relative_to(tmp_path / "reader-cache")
    key = boto3.client("s3").list_objects_v2(Bucket=bucket)["Contents"][0]["Key"]
    assert key == "lake/bronze/x.parquet"
    assert reader.spark_path("bronze/x.parquet") == f"s3a://{bucket}/lake/bronze/x.parquet"


def test_a_stale_writer_loses_the_commit(bucket: str, tmp_path: Path) -> None:
    """Two machines commit on top of the same version: the conditional write lets one win."""
    one = open_store(f"s3://{bucket}/lake", tmp_path / "one")
    two = open_store(f"s3://{bucket}/lake", tmp_path / "two")
    base = mf.load(one)
    mf.commit(one, base, [], [])
    with pytest.raises(mf.CommitConflictError, match="another writer committed version 1"):
        mf.commit(two, base, [], [])
    assert mf.load(two).version == 1


def test_unknown_scheme_and_missing_bucket_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"unsupported scheme hdfs:// \(use file://, s3://"):
        open_store("hdfs://namenode/lake", tmp_path)
    with pytest.raises(UsageError, match="needs a bucket name"):
        open_store("s3:///lake", tmp_path)


def _project(root: Path, lake: str) -> Project:
    dirty = LOG + "Z,not-a-time,created,New,L1,,Low\n"
    return build_project(root, {"events.csv": dirty}, settings=f"paths: {{lake: '{lake}'}}")


def test_a_project_on_an_s3_lake_matches_a_local_one(bucket: str, tmp_path: Path) -> None:
    remote = _project(tmp_path / "remote", f"s3://{bucket}/desk-lake")
    local = _project(tmp_path / "local", "lake")
    objects = boto3.client("s3").list_objects_v2(Bucket=bucket, Prefix="desk-lake/")["Contents"]
    kinds = {o["Key"].split("/")[1] for o in objects}
    assert {"_manifest", "bronze", "events", "quarantine"} <= kinds
    assert not (tmp_path / "remote" / "lake").exists()  # nothing went to a local lake
    ledger = "SELECT rows_in, rows_loaded, rows_quarantined, events FROM ledger"
    with remote.read() as con:
        assert con.execute(ledger).fetchall() == [(32, 31, 1, 31)]
    for sql in ("SELECT * FROM fact_ticket ORDER BY ticket_id",
                "SELECT * FROM kpi_volume_daily ORDER BY ALL",
                "SELECT * FROM kpi_resolution_time ORDER BY ALL"):  # fmt: skip
        assert rows(remote, sql) == rows(local, sql)
    again = remote.ingest(source="desk")  # the same content again is a no-op
    assert [b.status for b in again.batches] == ["skipped"]
    with remote.read() as con:
        assert con.execute("SELECT count(*) FROM ticket_events").fetchall() == [(31,)]


def test_orphans_of_a_live_writer_elsewhere_are_kept(bucket: str, tmp_path: Path) -> None:
    """An object no manifest names may belong to another machine's batch in progress: the
    next writer leaves it alone (until the grace period passes) and readers never see it."""
    project = _project(tmp_path / "p", f"s3://{bucket}/lake")
    s3 = boto3.client("s3")
    stray = "lake/events/desk/in-progress.parquet"
    events = next(
        o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="lake/events/")["Contents"]
    )
    s3.copy_object(Bucket=bucket, Key=stray, CopySource={"Bucket": bucket, "Key": events})
    with project.lake.writer():
        pass
    assert s3.head_object(Bucket=bucket, Key=stray)
    with project.read() as con:
        assert con.execute("SELECT count(*) FROM ticket_events").fetchall() == [(31,)]


@pytest.mark.spark  # its last step is a Spark build refused for the damage
def test_damage_is_found_in_the_cache_and_in_the_bucket(bucket: str, tmp_path: Path) -> None:
    """A damaged cached copy is fetched again, on every read and by verify. An object changed
    in the bucket stops verify and Spark (which reads the bucket) while this machine's cached
    copy is still intact, and every reader once that copy is gone."""
    project = _project(tmp_path / "p", f"s3://{bucket}/lake")
    (events,) = [f for f in project.lake.manifest().files if f.table == "ticket_events"]
    cached = Path(project.lake.store.read_path(events.key))
    intact = cached.read_bytes()
    count = "SELECT count(*) FROM ticket_events"
    cached.write_bytes(intact[:100])
    with project.read() as con:
        assert con.execute(count).fetchall() == [(31,)]
    cached.write_bytes(intact[:-1] + bytes([intact[-1] ^ 0xFF]))  # same size
    assert invoke(project, "verify").exit_code == 0 and cached.read_bytes() == intact
    five = tmp_path / "five.parquet"
    duckdb.sql(f"COPY (SELECT * FROM read_parquet('{cached}') LIMIT 5) TO '{five}'")
    boto3.client("s3").upload_file(str(five), bucket, f"lake/{events.key}")
    result = invoke(project, "verify")
    assert result.exit_code == 1 and f"damaged: {events.key}: " in result.stdout
    result = invoke(project, "--engine", "spark", "build")
    assert result.exit_code == LakeIntegrityError.exit_code, result.output
    assert "\n" not in result.stderr.strip() and events.key in result.stderr
    shutil.rmtree(project.root / ".ticketlake" / "cache")
    with pytest.raises(LakeIntegrityError, match=events.key), project.read():
        pass


def invoke(project: Project, *args: str) -> Result:
    return CliRunner().invoke(app, ["--project", str(project.root), *args])


def test_cli_names_the_lake_when_the_bucket_is_missing(bucket: str, tmp_path: Path) -> None:
    project = _project(tmp_path / "p", f"s3://{bucket}/lake")
    result = CliRunner().invoke(
        app, ["--project", str(project.root), "--set", "paths.lake=s3://no-such-bucket/lake",
              "ingest", "--source", "desk"],
    )  # fmt: skip
    assert result.exit_code == LakeStorageError.exit_code, result.output
    line = result.output.strip()
    assert "\n" not in line and line.startswith("error: lake s3://no-such-bucket/lake")
    assert "NoSuchBucket" in line


@pytest.mark.slow
@pytest.mark.spark
@pytest.mark.skipif(importlib.util.find_spec("pyspark") is None, reason="needs PySpark")
def test_spark_reads_an_s3_lake_through_s3a(bucket: str, tmp_path: Path) -> None:
    """Spark is handed the manifest's files as s3a:// URIs. PySpark's own Hadoop has no S3A
    connector (hadoop-aws comes with the cluster), so here the build must stop with one line
    saying so, leaving the warehouse as it was and no Spark output in the bucket."""
    project = _project(tmp_path / "p", f"s3://{bucket}/lake")
    before = rows(project, "SELECT count(*) FROM fact_ticket")
    result = CliRunner().invoke(app, ["--project", str(project.root), "--engine", "spark",
                                      "build"])  # fmt: skip
    assert result.exit_code == 2, result.output
    line = result.output.strip()
    assert "\n" not in line and "hadoop-aws" in line and f"s3://{bucket}/lake" in line
    assert rows(project, "SELECT count(*) FROM fact_ticket") == before
    listed = boto3.client("s3").list_objects_v2(Bucket=bucket, Prefix="lake/marts/")
    assert listed["KeyCount"] == 0


def test_spark_job_takes_the_lake_location(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                           ) -> None:  # fmt: skip
    """``spark_job.py --lake URI`` overrides paths.lake; HDFS is refused before Spark starts."""
    project = _project(tmp_path / "p", "lake")
    code = spark_job.main(["--project", str(project.root), "--lake", "hdfs://namenode/lake"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err and "unsupported scheme 'hdfs://'" in err, err
