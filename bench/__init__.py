"""Benchmark harness for ticketlake: `python -m bench.run --scale smoke|small|full`.

Timings live here, never in tests; tests/bench only checks the harness runs and that the
baselines compute the same numbers as ticketlake.
"""
