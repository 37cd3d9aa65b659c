"""Tests of the command line."""

# `ticketlake run` without its report step, for the tests that read the warehouse and never
# the report, which takes seconds to draw (tests/test_prefect_flow.py runs every step).
RUN = ("--set", "job.steps=[ingest, build, check]", "run")
