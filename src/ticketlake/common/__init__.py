"""Ground floor: helpers every layer may use (SQL text, DuckDB conveniences, optional extras).

Nothing here imports another ticketlake package except :mod:`ticketlake.errors`, so ``lake/``,
``ingest/``, ``engine/`` and ``report/`` can all build on it without importing each other.
"""
