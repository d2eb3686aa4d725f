"""The collector serves the tracker and the opt-out page (collector/tracker.py), checked over
HTTP against a real server: GET /peil.js is the committed build with its content type,
caching, strong ETag and 304 revalidation, gzip when accepted; the package ships the file
(collector/static/peil.js); /optout carries a strict Content-Security-Policy and has no
inline script or style, and the files it loads are served."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from importlib import resources

import aiohttp
import pytest

from collector.tracker import accepts_gzip, etag_matches
from tests.support.app import RunningApp
from tests.support.browser import DIST, REPO


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    # no automatic decompression: the tests look at the bytes on the wire
    async with aiohttp.ClientSession(auto_decompress=False) as session:
        yield session


async def get(
    http: aiohttp.ClientSession, url: str, **headers: str
) -> tuple[aiohttp.ClientResponse, bytes]:
    headers.setdefault("Accept-Encoding", "identity")
    async with http.get(url, headers=headers) as response:
        return response, await response.read()


async def test_peil_js_is_the_committed_build(
    server: RunningApp, http: aiohttp.ClientSession
) -> None:
    response, body = await get(http, f"{server.url}/peil.js")
    assert response.status == 200
    assert body == DIST.read_bytes()
    assert response.headers["Content-Type"] == "application/javascript; charset=utf-8"
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Encoding" not in response.headers
    etag = response.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and len(etag) > 20  # strong
    again, _ = await get(http, f"{server.url}/peil.js")
    assert again.headers["ETag"] == etag


async def test_peil_js_gzipped_when_accepted(
    server: RunningApp, http: aiohttp.ClientSession
) -> None:
    plain, _ = await get(http, f"{server.url}/peil.js")
    response, body = await get(http, f"{server.url}/peil.js", **{"Accept-Encoding": "gzip, br"})
    assert response.status == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert gzip.decompress(body) == DIST.read_bytes()
    assert len(body) <= 3072  # the size budget, as served
    # another representation, another strong ETag
    assert response.headers["ETag"] != plain.headers["ETag"]
    refused, body = await get(http, f"{server.url}/peil.js", **{"Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in refused.headers and body == DIST.read_bytes()


async def test_peil_js_revalidates_with_304(
    server: RunningApp, http: aiohttp.ClientSession
) -> None:
    url = f"{server.url}/peil.js"
    first, _ = await get(http, url)
    etag = first.headers["ETag"]
    for if_none_match in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        response, body = await get(http, url, **{"If-None-Match": if_none_match})
        assert response.status == 304, if_none_match
        assert body == b""
        assert response.headers["ETag"] == etag
        assert response.headers["Cache-Control"] == "public, max-age=3600"
    # the gzip representation has its own tag: the identity one does not match it
    zipped, _ = await get(http, url, **{"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert zipped.status == 200
    stale, body = await get(http, url, **{"If-None-Match": '"not-the-tag"'})
    assert stale.status == 200 and body == DIST.read_bytes()


async def test_head_peil_js(server: RunningApp, http: aiohttp.ClientSession) -> None:
    async with http.head(f"{server.url}/peil.js", headers={"Accept-Encoding": "identity"}) as r:
        assert r.status == 200
        assert r.headers["Content-Length"] == str(len(DIST.read_bytes()))
        assert await r.read() == b""


def test_package_ships_the_tracker() -> None:
    # the file the server reads, found through the package as in an installed wheel
    shipped = resources.files("collector.static").joinpath("peil.js")
    assert shipped.read_bytes() == DIST.read_bytes()
    link = REPO / "collector" / "static" / "peil.js"
    assert link.is_symlink() and str(link.readlink()) == "../../tracker_js/dist/peil.js"


class Elements(HTMLParser):
    """Tags with their attributes, and the text inside <script> and <style> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline: list[str] = []
        self._open: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._open = tag

    def handle_endtag(self, tag: str) -> None:
        self._open = None

    def handle_data(self, data: str) -> None:
        if self._open in ("script", "style") and data.strip():
            self.inline.append(data)


async def test_optout_page_has_a_strict_csp_and_no_inline_code(
    server: RunningApp, http: aiohttp.ClientSession
) -> None:
    response, body = await get(http, f"{server.url}/optout")
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    csp = [d.strip() for d in response.headers["Content-Security-Policy"].split(";")]
    assert "default-src 'none'" in csp
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert "frame-ancestors *" in csp  # sites frame it on their privacy page
    assert "X-Frame-Options" not in response.headers
    assert response.headers["ETag"] and response.headers["Cache-Control"]

    page = Elements()
    page.feed(body.decode())
    assert page.inline == []
    for tag, attrs in page.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        assert "style" not in attrs and tag != "style"
    scripts = [attrs["src"] for tag, attrs in page.tags if tag == "script"]
    sheets = [attrs["href"] for tag, attrs in page.tags if tag == "link"]
    assert scripts == ["optout.js"] and sheets == ["optout.css"]
    for name, content_type in (
        ("optout.js", "application/javascript; charset=utf-8"),
        ("optout.css", "text/css; charset=utf-8"),
    ):
        served, content = await get(http, f"{server.url}/{name}")
        assert served.status == 200 and served.headers["Content-Type"] == content_type
        assert content == resources.files("collector.static").joinpath(name).read_bytes()


@pytest.mark.parametrize(
    ("header", "gzip_ok"),
    [
        ("gzip, deflate, br, zstd", True),
        ("br;q=1.0, gzip;q=0.8", True),
        ("GZIP", True),
        ("x-gzip", True),
        ("gzip;q=0", False),
        ("gzip; q=0.0", False),
        ("deflate, br", False),
        ("identity", False),
        ("", False),
        ("gzip;q=nonsense", False),
    ],
)
def test_accept_encoding(header: str, gzip_ok: bool) -> None:
    assert accepts_gzip(header) is gzip_ok


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        ('"abc"', True),
        ('W/"abc"', True),
        ('"x", "abc"', True),
        ("*", True),
        ('"abcd"', False),
        ("abc", False),
        ("", False),
    ],
)
def test_if_none_match(header: str, matches: bool) -> None:
    assert etag_matches(header, '"abc"') is matches
