"""A bounded memo for the enrichment steps that are pure functions of a header or URL.

Real traffic repeats a small set of page URLs, referrers, Origins and
Accept-Language values, so most calls become one dict hit instead of a
urlsplit or a regex. Long values are computed every time: they are rare, and
leaving them out keeps the memo's memory small even under attack (at most
`maxsize` entries of at most `max_chars` characters each).

Referrers and page URLs with a query, a fragment or user info are never
kept either (the `unless` characters): those parts can carry search terms, tokens or
credentials, which Peil drops from what it stores and so should not hold
in memory beyond the request.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, wraps
from typing import TypeVar

R = TypeVar("R")

MAX_MEMO_CHARS = 512
# Distinct values one memo keeps: a site's pages, referrers, elements, media.
MEMO_SIZE = 2048
# A referrer holding one of these has parts Peil does not store (memoize_short's `unless`).
REFERRER_PRIVATE_PARTS = "?#@"


def memoize_short(
    maxsize: int, max_chars: int = MAX_MEMO_CHARS, unless: str = ""
) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """lru_cache(maxsize) for functions whose first argument is a str (or None),
    bypassed when it is longer than `max_chars` or holds any character of
    `unless`; other arguments must be hashable."""

    def decorate(function: Callable[..., R]) -> Callable[..., R]:
        memo = lru_cache(maxsize=maxsize)(function)

        @wraps(function)
        def call(value, *rest):
            if value is not None and (
                len(value) > max_chars or (unless and any(c in value for c in unless))
            ):
                return function(value, *rest)
            return memo(value, *rest)

        call.cache_info = memo.cache_info  # type: ignore[attr-defined]
        call.cache_clear = memo.cache_clear  # type: ignore[attr-defined]
        return call

    return decorate
