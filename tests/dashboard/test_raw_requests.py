"""Requests no browser sends, written byte by byte on a socket: bytes that are no
UTF-8 in a form, a cookie or the Authorization header, bogus charsets, multipart
without a boundary, a JSON body arriving in pieces. Each gets a clear 4xx, never a
500, and the body that arrives slowly is read whole."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

import asyncpg
import orjson
import pytest

from tests.support.accounts import admin_client, cookie_session

PASSWORD = "raw requests password"


@pytest.fixture(scope="module")
async def admin(server, database_url):
    http = await admin_client(server.url, database_url, "raw@raw.nl", PASSWORD)
    cookie = next(c for c in http.cookie_jar if c.key == "peil_session")
    yield {"cookie": f"peil_session={cookie.value}", "csrf": http.headers["X-CSRF-Token"]}
    await http.close()


async def send(server, head: bytes, body: bytes = b"", pause_after: int | None = None) -> int:
    """Write a request as given (the body in two writes with a pause after byte
    `pause_after`); the status code of the answer."""
    url = urlsplit(server.url)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    try:
        writer.write(head.replace(b"\n", b"\r\n") + b"\r\n" + body[:pause_after])
        await writer.drain()
        if pause_after is not None:
            await asyncio.sleep(0.3)
            writer.write(body[pause_after:])
            await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), 10)
        return int(status_line.split()[1])
    finally:
        writer.close()


def head(method: str, path: str, *lines: bytes, length: int = 0) -> bytes:
    fields = b"".join(line + b"\n" for line in lines)
    return (
        f"{method} {path} HTTP/1.1\nHost: 127.0.0.1\nContent-Length: {length}\n"
        "Connection: close\n".encode()
        + fields
    )


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (b"application/x-www-form-urlencoded", b"email=a%40b.nl&password=x&csrf=\xff\xfe"),
        (b"application/x-www-form-urlencoded; charset=bogus", b"email=a&password=b&csrf=c"),
        (b"multipart/form-data", b"--x\r\n\r\nnothing\r\n"),
        (b"multipart/form-data; boundary=x", b"garbage"),
        (b"text/plain", b"\xff" * 100),
    ],
    ids=["non-utf8-field", "bogus-charset", "no-boundary", "bad-multipart", "text-plain"],
)
async def test_a_login_form_that_is_no_text_is_refused_not_500(server, content_type, body):
    status = await send(
        server, head("POST", "/login", b"Content-Type: " + content_type, length=len(body)), body
    )
    assert status == 403  # no readable CSRF token: refused before anything else


@pytest.mark.parametrize(
    "line",
    [
        b"Authorization: Bearer \xff\xfe\xfd",
        b"Authorization: Bearer peil_" + b"\xc3" * 43,
        b"Cookie: peil_session=\xff\xfe",
        b"Cookie: peil_login=\xff\xfe",
    ],
    ids=["bearer-bytes", "bearer-shaped-bytes", "session-cookie-bytes", "login-cookie-bytes"],
)
@pytest.mark.parametrize("path", ["/api/sites", "/", "/login"])
async def test_credentials_that_are_no_text_are_not_500(server, line, path):
    status = await send(server, head("GET", path, line))
    assert status in (200, 303, 401), status


async def test_a_post_with_a_login_cookie_that_is_no_text_is_refused(server):
    body = b"email=a&password=b&csrf=c"
    status = await send(
        server,
        head(
            "POST",
            "/login",
            b"Content-Type: application/x-www-form-urlencoded",
            b"Cookie: peil_login=\xff\xfe",
            length=len(body),
        ),
        body,
    )
    assert status == 403


async def test_a_json_body_that_arrives_in_pieces_is_read_whole(server, admin, database_url):
    body = orjson.dumps({"name": "Slow", "domains": ["slow.example.nl"]})
    status = await send(
        server,
        head(
            "POST",
            "/api/admin/sites",
            b"Content-Type: application/json",
            b"Cookie: " + admin["cookie"].encode(),
            b"X-CSRF-Token: " + admin["csrf"].encode(),
            length=len(body),
        ),
        body,
        pause_after=10,
    )
    assert status == 201
    conn = await asyncpg.connect(database_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM sites WHERE name = 'Slow'") == 1
    finally:
        await conn.close()


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PATCH", "/api/admin/sites/a%00b", {"name": "x"}),
        ("DELETE", "/api/admin/sites/a%00b", None),
        ("GET", "/api/admin/sites/a%00b/goals", None),
        ("PATCH", "/api/admin/users/a%00b", {"role": "viewer"}),
        ("PUT", "/api/admin/users/x%00y/sites/k", None),
        ("DELETE", "/api/admin/tokens/99999999999", None),
        ("DELETE", "/api/admin/tokens/%C2%B2", None),
        ("POST", "/api/admin/users", {"email": "n@raw.nl", "password": "x" * 12, "sites": ["a\0"]}),
        ("POST", "/api/admin/tokens", {"user": "a\0b"}),
        ("POST", "/api/admin/privacy/forget", {"uid": "u", "site": "a\0"}),
        ("POST", "/api/admin/sites", {"name": "a\0b", "domains": ["x.nl"]}),
    ],
)
async def test_odd_admin_paths_and_fields_are_4xx_in_one_sentence(
    server, admin, method, path, body
):
    async with (
        cookie_session() as http,
        http.request(
            method,
            server.url + path,
            data=orjson.dumps(body) if body is not None else None,
            headers={
                "Cookie": admin["cookie"],
                "X-CSRF-Token": admin["csrf"],
                "Content-Type": "application/json",
            },
        ) as response,
    ):
        assert response.status in (400, 404), await response.text()
        assert (await response.json())["error"]
