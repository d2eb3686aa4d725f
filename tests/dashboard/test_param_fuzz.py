"""Property-based test of every stats endpoint, the export and the login form
(issue 14, item 8): whatever the parameters, never a 500.

Hypothesis draws query strings for every GET route under /api/stats/ and
/api/export (taken from the app's router, so an endpoint added later is
covered without touching this file): known and arbitrary names, repeated
names, values of arbitrary text (NUL, control characters, lone surrogates
escaped as invalid UTF-8, unicode digits, huge), days at the calendar's
edges, negative and huge numbers; sent with an admin's API token, an
admin's dashboard session, a token that does not exist, or nothing, on a
site in UTC and one in Europe/Amsterdam (or an unknown one). Properties:

- the answer is never a 5xx, and its body can be read to the end (an export
  that fails after its first byte would break the stream instead);
- a 400 from the API is JSON `{"error": ...}` naming a parameter in quotes;
- nothing is logged at ERROR by the server (a handler's exception is).

The login form gets the same kind of fields (email, password, csrf, and
arbitrary others; the form's own CSRF token or a drawn one): never a 5xx
but the 503 with Retry-After of a full hashing queue.

Real server, real PostgreSQL, a fixed set of examples (derandomized, no
example database) so a run takes seconds and never differs from the last.
"""

from __future__ import annotations

import logging
import re
from datetime import date, timedelta
from urllib.parse import quote

import aiohttp
import asyncpg
import orjson
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from yarl import URL

from collector.model.vocabulary import DIMENSIONS
from tests.support.accounts import cookie_session, csrf_of, log_in
from tests.support.dashboard_data import EMAIL, PASSWORD, add_site

# Names the stats API knows today or may know soon (DESIGN.md, "Filters...").
KNOWN = (
    "site",
    "from",
    "to",
    "by",
    "limit",
    "url",
    "format",
    "filter",
    "compare",
    "interval",
    "event",
    "step",
    "src",
    "el",
)
EDGE_DAYS = (
    "0001-01-01",
    "1969-12-31",
    "1970-01-01",
    "1970-01-02",
    "2024-02-29",
    "2025-02-29",
    "2025-13-01",
    "9998-12-31",
    "9999-12-31",
    "10000-01-01",
    "-2025-01-01",
    "2025-1-1",
    "\uff12\uff10\uff12\uff15-01-01",  # fullwidth digits
)
TRICKY = (
    "",
    "\x00",
    "a\x00b",
    "/tour\x00",
    "\x1b[31m",
    "\r\nX-Injected: 1",
    "\u202e",
    "\ufeff",
    "\U0001f600",
    "\u00b2",  # str.isdigit, but not int()
    "\u0661\u0662",  # Arabic-Indic digits
    "-1",
    "0",
    "1001",
    str(2**63),
    "9" * 400,
    "x" * 5000,
    "NaN",
    "'",
    '"',
    "%",
    "%00",
    "page",
    "csv",
    "ndjson",
    "previous",
    "year",
    "hour",
    "country==NL",
    "page~/blog",
    "page:/tour",
    "event:signup",
    "https://www.example.nl/tour?id=7",
    "javascript:alert(1)",
    "//[::1",
)
EDGES = st.sampled_from(EDGE_DAYS)
DAYS = EDGES | st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(date.isoformat)
RECENT = st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31)).map(date.isoformat)
VALUES = (
    st.sampled_from(TRICKY) | st.text(max_size=30) | DAYS | st.integers(-(10**20), 10**20).map(str)
)
# A value for each name: a good one, one at its edges, or anything, so that
# examples reach the code past the first checks with one odd value in hand.
# (`a | b | c` picks each of a, b, c equally often.)
VALUES_FOR = {
    "from": RECENT | EDGES | EDGES | VALUES,
    "to": RECENT | EDGES | EDGES | VALUES,
    "by": st.sampled_from(DIMENSIONS) | VALUES,
    "limit": st.integers(min_value=1, max_value=1000).map(str)
    | st.sampled_from(("0", "-1", "1001", "\u00b2", "\u0661\u0662", "1e3", " 5", "+5"))
    | VALUES,
    "format": st.sampled_from(("csv", "ndjson")) | VALUES,
    "url": st.sampled_from(("/", "/tour", "https://www.example.nl/p?x=1"))
    | st.sampled_from(("/tour\x00", "https://www.example.nl/\x00", "/\x7f", "/\u0085"))
    | VALUES,
}
NAMES = st.sampled_from(KNOWN) | st.text(max_size=12)
AUTH = ("token", "token", "token", "session", "session", "unknown token", "none")


@pytest.fixture(scope="module")
async def sites(database_url):
    conn = await asyncpg.connect(database_url)
    try:
        return [
            (await add_site(conn, "Fuzz UTC"))["key"],
            (await add_site(conn, "Fuzz Amsterdam", "Europe/Amsterdam"))["key"],
            (await add_site(conn, "Fuzz Kiritimati", "Pacific/Kiritimati"))["key"],  # UTC+14
            "nosuchsite",
        ]
    finally:
        await conn.close()


@pytest.fixture(scope="module")
async def session_cookies(server, token):
    """An admin's dashboard session (the `token` fixture made the admin)."""
    async with cookie_session() as http:
        response = await log_in(http, server.url, EMAIL, PASSWORD)
        assert response.status == 303
        return {cookie.key: cookie.value for cookie in http.cookie_jar}


@pytest.fixture
def errors_logged(caplog):
    """How many records at ERROR or above the server has logged so far."""
    caplog.set_level(logging.WARNING)
    return lambda: sum(1 for r in caplog.records if r.levelno >= logging.ERROR)


def stats_paths(app) -> list[str]:
    """Every GET route of the stats API and the export, from the router."""
    paths = set()
    for route in app.router.routes():
        path = route.resource.canonical if route.resource is not None else ""
        if route.method == "GET" and (path.startswith("/api/stats/") or path == "/api/export"):
            paths.add(path)
    return sorted(paths)


@pytest.fixture(scope="module")
async def endpoints(server, token) -> dict[str, tuple[str, ...]]:
    """Each endpoint's parameter names, as its answer to an unknown one lists them."""
    found = {}
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http:
        for path in stats_paths(server.app):
            async with http.get(f"{server.url}{path}?zz_unknown=1") as response:
                message = (await response.json())["error"]
            listed = re.search(r"allowed here: (.*)\.$", message)
            found[path] = tuple(listed[1].split(", ")) if listed else KNOWN
    assert "/api/export" in found and "/api/stats/overview" in found
    return found


def query_string(pairs: list[tuple[str, str]]) -> str:
    # surrogatepass: a drawn lone surrogate goes out as the bytes it would be.
    return "&".join(
        f"{quote(n.encode('utf-8', 'surrogatepass'), safe='')}="
        f"{quote(v.encode('utf-8', 'surrogatepass'), safe='')}"
        for n, v in pairs
    )


def names_a_parameter(message: str, sent: list[str]) -> bool:
    return any(f"{name!r}" in message or f"{name[:64]!r}" in message for name in (*KNOWN, *sent))


@st.composite
def requests(draw, endpoints: dict[str, tuple[str, ...]], sites: list[str]):
    path = draw(st.sampled_from(sorted(endpoints)))
    allowed = [name for name in endpoints[path] if name != "site"]
    # Each of the endpoint's own names or not, in any order, each once (else the
    # first check stops the request); now and then an arbitrary name.
    pairs = [(name, draw(VALUES_FOR.get(name, VALUES))) for name in allowed if draw(st.booleans())]
    if draw(st.integers(0, 9)) == 9:
        pairs.append((draw(NAMES), draw(VALUES)))
    if draw(st.integers(0, 9)) < 9:  # mostly a real site, so the checks past it run too
        pairs.append(("site", draw(st.sampled_from(sites))))
    pairs = draw(st.permutations(pairs))
    if pairs and draw(st.integers(0, 9)) == 9:
        pairs.append(draw(st.sampled_from(pairs)))  # a repeated parameter
    tail = ""
    if allowed and draw(st.integers(0, 9)) == 9:
        # Percent-encoded bytes that are no UTF-8 (a lone surrogate among them):
        # the server decodes them as it likes, never with a 500.
        raw = draw(st.sampled_from(("%ED%A0%80", "%FF%FE", "%C0%AF", "%00", "%")))
        tail = f"&{draw(st.sampled_from(allowed))}={raw}"
    return path, pairs, tail, draw(st.sampled_from(AUTH))


@settings(
    max_examples=500,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_no_parameter_makes_the_stats_api_fail(
    server, token, session_cookies, endpoints, sites, errors_logged, data
):
    path, pairs, tail, auth = data.draw(requests(endpoints, sites))
    headers, cookies = {}, {}
    if auth == "token":
        headers["Authorization"] = f"Bearer {token}"
    elif auth == "unknown token":
        headers["Authorization"] = "Bearer not-a-token-" + "x" * 20
    elif auth == "session":
        cookies = session_cookies
    url = URL(f"{server.url}{path}?{query_string(pairs)}{tail}", encoded=True)
    before = errors_logged()
    async with (
        aiohttp.ClientSession(cookies=cookies) as http,
        http.get(url, headers=headers) as response,
    ):
        body = await response.read()  # to the end: an export must not break off
        status, kind = response.status, response.content_type
    event(f"{path} {status}")
    assert status < 500, (path, pairs, tail, status, body[:300])
    assert errors_logged() == before, (path, pairs, tail)
    if status == 400 and kind == "application/json":
        message = orjson_error(body)
        assert names_a_parameter(message, list(url.query.keys())), (pairs, tail, message)


def orjson_error(body: bytes) -> str:
    return orjson.loads(body)["error"]


FORM_VALUES = VALUES | st.just(EMAIL) | st.just(PASSWORD)


@st.composite
def login_forms(draw):
    fields = {}
    for name in ("email", "password", "csrf"):
        if draw(st.integers(0, 4)) < 4:
            fields[name] = draw(FORM_VALUES)
    for name, value in draw(st.lists(st.tuples(NAMES, VALUES), max_size=2)):
        fields.setdefault(name, value)
    # Usually the form's own token: without it every post stops at the CSRF check.
    # (Hypothesis favours small integers: the usual case is the small one.)
    return fields, draw(st.integers(0, 4)) < 4


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn=login_forms())
async def test_no_login_form_makes_login_fail(server, token, errors_logged, drawn):
    fields, own_token = drawn
    before = errors_logged()
    async with cookie_session() as http:
        async with http.get(f"{server.url}/login") as page:
            text = await page.text()
        if own_token and re.search(r'name="csrf-token"', text):
            fields["csrf"] = csrf_of(text)
        form = query_string(list(fields.items()))
        async with http.post(
            f"{server.url}/login",
            data=form.encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            allow_redirects=False,
        ) as response:
            await response.read()
            status, retry_after = response.status, response.headers.get("Retry-After")
    event(f"login {status}")
    assert status < 500 or (status == 503 and retry_after), (fields, status)
    assert errors_logged() == before, fields


# Every hostile value in each parameter of each endpoint, the others good: a
# fixed corpus, so the 500s issue 14 found (a day at the calendar's edge in
# Europe/Amsterdam, a NUL in `url`, '²' as `limit`) are tried on every run
# whatever Hypothesis draws.
CORPUS = (*EDGE_DAYS, *TRICKY[:-2], "%ED%A0%80")


# Required free-text parameters of the reports, with a good value.
REQUIRED = {
    "/api/stats/props": [("event", "signup")],
    "/api/stats/funnel": [("step", "page:/"), ("step", "event:signup")],
    "/api/stats/media/timeline": [("src", "v.mp4")],
}


def required_choice(message: str) -> tuple[str, str] | None:
    """('by', 'page') from "Parameter 'by' is required: one of page, referrer, ..."."""
    found = re.search(r"Parameter '([^']+)' is required: one of ([^,.]+)", message)
    return (found[1], found[2]) if found else None


async def test_every_hostile_value_in_every_parameter(
    server, token, endpoints, sites, errors_logged
):
    amsterdam = sites[1]
    before = errors_logged()
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http:

        async def get(path: str, pairs: list[tuple[str, str]], raw: str = "") -> tuple[int, bytes]:
            url = URL(f"{server.url}{path}?{query_string(pairs)}{raw}", encoded=True)
            async with http.get(url) as response:
                return response.status, await response.read()

        for path, names in endpoints.items():
            base = [("site", amsterdam), *REQUIRED.get(path, [])]
            status, body = await get(path, base)
            if status == 400 and (needed := required_choice(orjson_error(body))):
                base.append(needed)  # a required parameter, with its first choice
            status, _ = await get(path, base)
            assert status == 200, path
            for name in names:
                others = [pair for pair in base if pair[0] != name]
                for value in CORPUS:
                    if value.startswith("%"):
                        status, body = await get(path, others, f"&{name}={value}")
                    else:
                        status, body = await get(path, [*others, (name, value)])
                    assert status < 500, (path, name, value, body[:300])
                    if status == 400:
                        message = orjson_error(body)
                        assert names_a_parameter(message, [name]), (path, name, value, message)
    assert errors_logged() == before


async def test_the_server_still_answers_after_the_properties(get, sites):
    since = (date.today() - timedelta(days=300)).isoformat()
    status, _ = await get("/api/stats/overview", site=sites[1], **{"from": since})
    assert status == 200
