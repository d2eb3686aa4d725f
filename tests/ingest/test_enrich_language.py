"""primary_language: the highest-q primary subtag of Accept-Language, bounded."""

from __future__ import annotations

import pytest

from collector.ingest.enrich.language import MAX_HEADER_CHARS, primary_language


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("nl-NL,nl;q=0.9,en;q=0.8", "nl"),
        ("en-US,en;q=0.9", "en"),
        ("EN-gb", "en"),
        ("de", "de"),
        # Highest q wins regardless of order.
        ("en;q=0.5, fr;q=0.9, de;q=0.7", "fr"),
        # On a tie the first one wins.
        ("da, en-gb;q=1.0", "da"),
        # Three-letter primary subtags exist (e.g. Filipino, Asturian).
        ("fil-PH,fil;q=0.9", "fil"),
        # q=0 means "not acceptable".
        ("fr;q=0, en;q=0.1", "en"),
        ("fr;q=0", None),
        # Wildcard and garbage are no language; a valid entry after them still counts.
        ("*", None),
        ("*, de;q=0.5", "de"),
        ("garbage!!", None),
        ("x-klingon", None),
        ("abcd", None),
        ("en;q=2", None),
        ("en;q=abc, nl;q=0.3", "nl"),
        ("", None),
        (None, None),
        (",,,;;;", None),
        ("  nl-BE ; q=0.8 ", "nl"),
    ],
)
def test_primary_language(header, expected):
    assert primary_language(header) == expected


def test_parsing_ignores_header_beyond_limit():
    # The winner sits beyond the limit, so it is not seen.
    header = "en;q=0.1," + "xx;q=0.2," * 40 + "nl;q=1"
    assert len(header) > MAX_HEADER_CHARS
    assert primary_language(header) == "xx"


def test_entry_cut_by_the_limit_is_dropped():
    # The limit falls inside "english": kept, the stub "en" (q=1) would wrongly win.
    head = "fr;q=0.5,"
    header = head + " " * (MAX_HEADER_CHARS - len(head) - 2) + "english"
    assert header[:MAX_HEADER_CHARS].endswith(" en")
    assert primary_language(header) == "fr"
