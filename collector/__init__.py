"""Peil: self-hosted, privacy-friendly analytics collector."""

__version__ = "0.1.0"
