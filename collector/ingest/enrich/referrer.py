"""URL handling for page URLs, referrers and the Origin check.

Only http(s) URLs are kept. Referrers are reduced to host + path: queries and
fragments often carry search terms, tokens or e-mail addresses, and userinfo can
carry credentials, so none of them are stored. A page URL keeps its host, its
path and, of its query, only the parameters named in PEIL_KEEP_QUERY
(`kept_query`); its fragment and userinfo are dropped too.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from urllib.parse import SplitResult, unquote_plus, urlsplit

from collector.ingest.enrich.memo import MEMO_SIZE, REFERRER_PRIVATE_PARTS, memoize_short

MAX_REFERRER_PATH = 200
MAX_URL_PATH = 1000
MAX_URL_QUERY = 1000
# DNS limit; anything longer is not a real host name.
MAX_HOST = 253
# urlsplit is linear, but nothing useful lives beyond this in a URL we store.
MAX_INPUT = 8192

_HTTP_SCHEMES = ("http", "https")


def _split_http(url: str | None) -> tuple[SplitResult, str] | None:
    """`url` split, with its normalised host, when it is an absolute http(s) URL."""
    if not url:
        return None
    try:
        parts = urlsplit(url[:MAX_INPUT])
    except ValueError:
        # e.g. an unbalanced "[" in the host.
        return None
    if parts.scheme.lower() not in _HTTP_SCHEMES:
        return None
    host = normalise_host(parts.hostname)
    if host is None:
        return None
    return parts, host


def normalise_host(host: str | None) -> str | None:
    """Lowercase, without the DNS root dot; None when empty or too long."""
    if not host:
        return None
    host = host.lower().rstrip(".")
    if not host or len(host) > MAX_HOST:
        return None
    return host


def host_allowed(host: str | None, domains: Iterable[str]) -> bool:
    """Whether `host` is one of `domains` or a subdomain of one.

    "www.example.nl" is allowed for "example.nl"; "badexample.nl" and
    "example.nl.evil.com" are not.
    """
    host = normalise_host(host)
    if host is None:
        return False
    for domain in domains:
        domain = normalise_host(domain)
        if domain is None:
            continue
        # The "." keeps "badexample.nl" from matching "example.nl".
        if host == domain or host.endswith("." + domain):
            return True
    return False


@memoize_short(MEMO_SIZE)
def origin_host(origin_or_referer: str | None) -> str | None:
    """The host of an Origin or Referer header (http(s) only, no port), or None;
    an opaque origin ("null") has no host."""
    split = _split_http(origin_or_referer)
    return split[1] if split else None


def _strip_www(host: str) -> str:
    return host[4:] if host.startswith("www.") else host


def reduce_referrer(ref: str | None, own_domains: Iterable[str]) -> str | None:
    """Referrer as scheme-less "host/path" ("google.com/search" for
    "https://www.google.com/search?q=x"), or None when empty, not http(s), or a
    self-referral from one of the site's own domains."""
    split = _split_http(ref)
    if split is None:
        return None
    parts, host = split
    domains = [d for d in (normalise_host(d) for d in own_domains) if d]
    bare = _strip_www(host)
    # Also count www/non-www twins as the site itself, whichever one is listed.
    if host_allowed(host, domains) or any(bare == _strip_www(d) for d in domains):
        return None
    path = parts.path
    if path == "/":
        path = ""
    return bare + path[:MAX_REFERRER_PATH]


# A page URL with a query (or user info) is split every time: its query may hold
# parameters PEIL_KEEP_QUERY drops, which should not stay in memory either.
@memoize_short(MEMO_SIZE, unless=REFERRER_PRIVATE_PARTS)
def split_url(url: str | None) -> tuple[str, str, str | None] | None:
    """(host, path, query) of a page URL; None unless it is absolute http(s).

    The host is lowercase without port, the path defaults to "/" and is capped at
    1000 characters, the query is all of it as sent (`kept_query` then keeps what
    may be stored), an empty one is None, and the fragment is dropped.
    """
    split = _split_http(url)
    if split is None:
        return None
    parts, host = split
    # Path parameters (`/p;jsessionid=...`) are a query by another name, and no
    # report reads them: the path ends at the first ";".
    path = parts.path.partition(";")[0][:MAX_URL_PATH] or "/"
    return host, path, parts.query or None


def kept_query(query: str, keep: Collection[str]) -> str | None:
    """The parameters of `query` named in `keep` (PEIL_KEEP_QUERY), in their order,
    repeats included, each as sent; None when none is.

    A name is compared as a reader of the query decodes it (URLSearchParams,
    parse_qsl: "&" separates, "+" is a space, %XX escapes), so `utm%5Fsource=x`
    is kept as utm_source and `tok%65n=x` is not kept as anything else. A ";"
    ends a parameter (older readers split there too), so `utm_source=x;token=y`
    keeps `utm_source=x` only. What is
    kept is at most 1000 characters: parameters that would go beyond are left out
    whole, never cut (a cut could leave half an escape, or half a value that
    reads as another).
    """
    kept: list[str] = []
    size = -1
    for part in query.split("&"):
        # Some readers also split at ";": a kept value must not carry one on.
        part = part.partition(";")[0]
        name = part.partition("=")[0]
        if name not in keep and (
            ("%" not in name and "+" not in name) or unquote_plus(name) not in keep
        ):
            continue
        size += len(part) + 1
        if size > MAX_URL_QUERY:
            break
        kept.append(part)
    return "&".join(kept) if kept else None
