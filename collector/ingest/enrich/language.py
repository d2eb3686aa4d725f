"""The visitor's preferred language from Accept-Language, as a bare primary subtag."""

from __future__ import annotations

import re

# Real headers are well under this; parsing stays bounded whatever a client sends.
MAX_HEADER_CHARS = 256

_PRIMARY_RE = re.compile(r"[A-Za-z]{2,3}")
_Q_RE = re.compile(r"\s*q\s*=\s*(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)\s*", re.IGNORECASE)


def primary_language(accept_language: str | None) -> str | None:
    """Lowercased primary subtag (2-3 letters) of the highest-q language, e.g. "nl"
    for "nl-NL,nl;q=0.9,en;q=0.8"; None when no entry is a usable language."""
    if not accept_language:
        return None
    header = accept_language
    if len(header) > MAX_HEADER_CHARS:
        # A cut can leave half a tag ("en-U" or even "e"); drop the cut entry.
        header = header[:MAX_HEADER_CHARS].rpartition(",")[0]
    best: str | None = None
    best_q = 0.0
    for entry in header.split(","):
        tag, _, params = entry.partition(";")
        primary = tag.strip().partition("-")[0]
        if not _PRIMARY_RE.fullmatch(primary):
            # Also skips "*": a wildcard names no language.
            continue
        q = 1.0
        if params:
            match = _Q_RE.fullmatch(params)
            if match is None:
                continue
            q = float(match.group(1))
        # Strictly greater: on a tie the header's earlier entry wins.
        if q > best_q:
            best, best_q = primary, q
    return best.lower() if best else None
