"""Cluster entry point: ``spark-submit [options] spark_job.py --project DIR [--lake URI]
[--select MODEL]``.

It builds the project's warehouse on Spark, exactly as ``ticketlake --engine spark build``
does, with the master and settings spark-submit gives (``--master yarn``, ``--conf``); the
project's ``spark.master`` is used only when spark-submit names none. ``--lake`` overrides the
project's ``paths.lake`` (for example ``s3://bucket/lake``, read by Spark as ``s3a://``).
docs/spark.md shows how to run it.
"""

from __future__ import annotations

import argparse
import sys

from ticketlake.errors import TicketlakeError
from ticketlake.project import Project


def main(argv: list[str] | None = None) -> int:
    """Build the warehouse on Spark; print one line on success, one error line otherwise."""
    parser = argparse.ArgumentParser(prog="spark_job.py", description=__doc__)
    parser.add_argument("--project", required=True, help="Project folder (holds ticketlake.yml).")
    parser.add_argument("--lake", help="Lake location, overriding the project's paths.lake.")
    parser.add_argument("--select", help="Build one model and what it needs.")
    args = parser.parse_args(argv)
    overrides = ["engine.name=spark", *([f"paths.lake={args.lake}"] if args.lake else [])]
    try:
        project = Project(args.project, overrides)
        done = project.build(args.select)
    except TicketlakeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(f"built {len(done.modes)} models on Spark from lake version {done.lake_version} "
          f"into {done.path}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
