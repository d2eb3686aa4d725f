"""Sending events to a test server as a browser on a listed site would."""

from __future__ import annotations

import uuid

import aiohttp
import orjson

from collector.keys import WRITER

ORIGIN = "https://www.example.nl"
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


def new_id() -> str:
    return uuid.uuid4().hex[:16]


def body(site, events, **fields) -> bytes:
    return orjson.dumps(
        {
            "site": site["key"],
            "url": "https://www.example.nl/tour?id=7",
            "ref": "https://www.google.com/search?q=peil",
            "sw": 1920,
            "sh": 1080,
            "pv": "2.3.1",
            "uid": None,
            "sid": None,
            "events": events,
            **fields,
        }
    )


async def post(
    server,
    data: bytes,
    *,
    address: str = "203.0.113.77",
    origin: str | None = ORIGIN,
    ua: str = CHROME,
    headers: dict | None = None,
    stored: bool = True,
):
    sent = {
        "Content-Type": "text/plain",
        "User-Agent": ua,
        "X-Forwarded-For": address,
        "Accept-Language": "nl-NL,nl;q=0.9,en;q=0.8",
        **(headers or {}),
    }
    if origin:
        sent["Origin"] = origin
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{server.url}/api/events", data=data, headers=sent) as response,
    ):
        text = await response.text()
        result = response.status, dict(response.headers), text
    await server.app[WRITER].flush()
    return result


async def rows(db, client_ids):
    return await db.fetch(
        "SELECT * FROM events WHERE client_id = ANY($1) ORDER BY seq", list(client_ids)
    )


async def post_no_flush(server, data):
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{server.url}/api/events", data=data, headers={"User-Agent": CHROME, "Origin": ORIGIN}
        ) as response,
    ):
        return response.status, dict(response.headers), await response.text()
