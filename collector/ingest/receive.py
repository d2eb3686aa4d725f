"""Receive: where a request came from, and its body, read bounded.

The full client address is located here, in memory only: the rate limit,
GeoIP and the visitor hash use it; what is stored or logged is truncated.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from collector.ingest.enrich.client_address import (
    Address,
    Network,
    client_address,
    parse_address,
)
from collector.ingest.validate import MAX_BODY_BYTES, BadBody


def _peer(request: web.BaseRequest) -> str | None:
    """The socket peer's full address: the one read of it. It stays in memory,
    in this module's callers; whatever is logged or stored is truncated first
    (enrich.ip_truncation: truncate_ip, describe_client)."""
    return request.remote


def locate_client(request: web.BaseRequest, trusted_proxies: tuple[Network, ...]) -> Address | None:
    """The socket peer, or the X-Forwarded-For client when the peer is a trusted proxy."""
    forwarded = request.headers.getall("X-Forwarded-For", ()) if trusted_proxies else ()
    return client_address(_peer(request), ",".join(forwarded) or None, trusted_proxies)


def forwarded_by_stranger(request: web.BaseRequest, trusted_proxies: tuple[Network, ...]) -> bool:
    """Whether the request says it was forwarded (X-Forwarded-For, Forwarded) by
    a peer that is not a trusted proxy: a proxy Peil does not know passing a
    client on. The peer's address is compared here, in memory, never kept."""
    if "X-Forwarded-For" not in request.headers and "Forwarded" not in request.headers:
        return False
    peer = parse_address(_peer(request))
    return not (peer is not None and any(peer in net for net in trusted_proxies))


async def read_body(request: web.BaseRequest, timeout_s: float) -> bytes:
    """At most MAX_BODY_BYTES, or BadBody(413) as soon as it is clearly more.

    A compressed body is refused (400) before a byte of it is read: the app
    turns aiohttp's automatic inflation off (app.handler_args), so a small
    "gzip bomb" costs neither memory nor CPU, and the tracker never compresses.
    A body not complete within `timeout_s` is refused too (400), so a client
    that trickles it (slow loris) cannot hold a handler and a socket open.
    """
    encoding = request.headers.get("Content-Encoding", "").strip().lower()
    if encoding not in ("", "identity"):
        raise BadBody(400, "compressed bodies are not accepted (Content-Encoding)")
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise BadBody(413, f"body over {MAX_BODY_BYTES} bytes")
    content = request.content
    if content.is_eof():
        # The whole body came in with the headers, as a beacon's nearly always
        # does: nothing to wait for, so no timeout to arm and no chunk loop.
        # (Complete means bounded: the reader stops reading from the socket
        # long before a body could grow far past the limit.)
        body = content.read_nowait()
        if len(body) > MAX_BODY_BYTES:
            raise BadBody(413, f"body over {MAX_BODY_BYTES} bytes")
        return body
    body = bytearray()
    try:
        async with asyncio.timeout(timeout_s):
            async for chunk in request.content.iter_chunked(16384):
                body += chunk
                if len(body) > MAX_BODY_BYTES:
                    raise BadBody(413, f"body over {MAX_BODY_BYTES} bytes")
    except TimeoutError:
        # 400, not aiohttp's 504 for an uncaught TimeoutError: the body is incomplete.
        raise BadBody(400, f"body not received within {timeout_s:g} s") from None
    return bytes(body)
