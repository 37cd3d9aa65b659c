"""Tests of the command line."""

# `ticketlake run` without its dataset, online and report steps, for the tests that read the warehouse
# and neither of those, which take seconds to write (tests/test_prefect_flow.py runs every step).
RUN = ("--set", "job.steps=[ingest, build, check]", "run")
