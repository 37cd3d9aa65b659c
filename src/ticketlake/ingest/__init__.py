"""Ingestion: plan the files, validate and transform rows, commit batches to the lake."""
