"""Stats queries: one module per endpoint, each reading the rollup tables
(realtime reads the newest raw events). Each returns the endpoint's JSON as a dict."""

from __future__ import annotations


def ratio(part: float, whole: float, digits: int = 4) -> float | None:
    """part / whole rounded, or None when there is nothing to divide by."""
    return round(part / whole, digits) if whole else None
