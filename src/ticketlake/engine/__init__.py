"""Engines that run the SQL models: DuckDB today, Spark later."""
