"""Ingest pipeline: parse, validate, enrich and queue tracker events."""
