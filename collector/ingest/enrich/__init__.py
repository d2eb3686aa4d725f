"""Pure enrichment steps of the ingest pipeline, one responsibility per module."""
