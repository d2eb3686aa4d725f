"""Referrer reduction, page URL splitting and the site-domain checks."""

from __future__ import annotations

import pytest

from collector.ingest.enrich.referrer import (
    host_allowed,
    kept_query,
    origin_host,
    reduce_referrer,
    split_url,
)

OWN = ["example.nl", "shop.example.com"]


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("https://www.google.com/search?q=secret", "google.com/search"),
        ("https://google.com/", "google.com"),
        ("https://google.com", "google.com"),
        ("http://News.YCombinator.com/item?id=1#c", "news.ycombinator.com/item"),
        ("https://user:pass@blog.test:8443/post/1/", "blog.test/post/1/"),
        ("https://www.bing.com.", "bing.com"),
        ("HTTPS://DuckDuckGo.com/", "duckduckgo.com"),
        ("https://t.co/" + "a" * 500, "t.co/" + "a" * 199),
        ("https://[2001:db8::1]:8080/x", "2001:db8::1/x"),
        # Not http(s), or no host.
        (None, None),
        ("", None),
        ("data:text/html,hi", None),
        ("javascript:alert(1)", None),
        ("android-app://com.google.android.gm/", None),
        ("ftp://files.test/x", None),
        ("/relative/path", None),
        ("https://", None),
        ("https://[broken/", None),
        # Self-referrals: one of the site's domains or a subdomain of one.
        ("https://example.nl/about", None),
        ("https://www.example.nl/", None),
        ("https://blog.example.nl/post", None),
        ("https://shop.example.com/cart", None),
        ("https://www.shop.example.com/cart", None),
        # Look-alikes are real referrers.
        ("https://badexample.nl/", "badexample.nl"),
        ("https://example.nl.evil.com/x", "example.nl.evil.com/x"),
        ("https://example.com/", "example.com"),
    ],
)
def test_reduce_referrer(ref, expected):
    assert reduce_referrer(ref, OWN) == expected


def test_www_twin_of_listed_domain_is_self():
    assert reduce_referrer("https://example.org/a", ["www.example.org"]) is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.nl/tour?id=7", ("example.nl", "/tour", "id=7")),
        ("https://Example.NL:8443", ("example.nl", "/", None)),
        ("http://example.nl/a/b?#frag", ("example.nl", "/a/b", None)),
        ("https://example.nl/#/spa/route", ("example.nl", "/", None)),
        ("https://u:p@example.nl/x?q=1#f", ("example.nl", "/x", "q=1")),
        ("https://localhost:8000/", ("localhost", "/", None)),
        ("ftp://example.nl/", None),
        ("example.nl/path", None),
        ("", None),
        (None, None),
    ],
)
def test_split_url(url, expected):
    assert split_url(url) == expected


def test_split_url_caps_the_path_and_leaves_the_query_to_kept_query():
    host, path, query = split_url("https://e.nl/" + "p" * 5000 + "?" + "q" * 5000)
    assert host == "e.nl"
    assert len(path) == 1000
    # all of it (within split_url's 8 KiB of input): kept_query() cuts what it keeps
    assert query == "q" * (8192 - len("https://e.nl/") - 5000 - 1)


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("example.nl", True),
        ("www.example.nl", True),
        ("a.b.example.nl", True),
        ("EXAMPLE.NL", True),
        ("example.nl.", True),
        ("badexample.nl", False),
        ("example.nl.evil.com", False),
        ("example.com", False),
        ("shop.example.com", True),
        ("other.example.com", False),
        ("", False),
        (None, False),
    ],
)
def test_host_allowed(host, allowed):
    assert host_allowed(host, OWN) is allowed


def test_host_allowed_ignores_empty_domains():
    assert not host_allowed("anything.test", ["", "."])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://www.example.nl", "www.example.nl"),
        ("http://localhost:8000", "localhost"),
        ("https://example.nl/page?x=1", "example.nl"),
        ("null", None),
        ("", None),
        (None, None),
        ("chrome-extension://abcdef", None),
    ],
)
def test_origin_host(value, expected):
    assert origin_host(value) == expected


def test_a_semicolon_ends_a_kept_parameter_so_nothing_rides_along():
    keep = ("utm_source", "ref")
    assert kept_query("utm_source=x;token=abc&ref=1;email=a@b.nl", keep) == "utm_source=x&ref=1"
    assert kept_query("token=abc;utm_source=x", keep) is None


def test_path_parameters_are_not_part_of_the_stored_path():
    assert split_url("https://www.example.nl/p;jsessionid=ABC?id=7") == (
        "www.example.nl",
        "/p",
        "id=7",
    )
    assert split_url("https://www.example.nl/;email=a@b.nl")[1] == "/"
