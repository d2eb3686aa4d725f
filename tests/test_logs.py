"""No full client address in any log line (privacy rule 1), and no log flood.

Malformed requests (bad request line, method, header; lines over aiohttp's
limits; broken bodies; TLS spoken to the HTTP port) and requests that fail
(4xx, and a handler raising an exception whose message holds the peer's
address) are sent from distinctive loopback addresses: each client socket is
bound to its own 127.x.y.z before connecting (Linux routes all of 127/8 to
lo), and to ::1. The whole log output is then searched for those addresses
in every textual form: of a real `peil serve` subprocess (its stderr, at
DEBUG with one worker and at INFO with two), and of the in-process app
(caplog, every logger at DEBUG).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import subprocess
import sys
from contextlib import suppress
from ipaddress import IPv4Address, IPv6Address, ip_address
from pathlib import Path

import asyncpg
import pytest
from aiohttp import web

from collector.app import AccessLogger, make_app
from collector.config import load_settings
from collector.logs import PrivateFormatter, Repeats, ServerLog, truncate_addresses
from tests.support.client import CHROME, ORIGIN
from tests.support.serve import free_port, wait_healthy

# (what is sent, the source address it is sent from); each address only once.
MALFORMED = {
    "garbage request line": (b"GARBAGE\r\n\r\n", "127.83.1.101"),
    "bad method": (b"G@T / HTTP/1.1\r\nHost: x\r\n\r\n", "127.83.2.102"),
    "header without colon": (b"GET / HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n", "127.83.3.103"),
    "request line too long": (
        b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        "127.83.4.104",
    ),
    "header too long": (
        b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n",
        "127.83.5.105",
    ),
    "bad content-length": (
        b"POST /api/events HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        "127.83.6.106",
    ),
    "broken chunked body": (
        b"POST /api/events HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
        b"Transfer-Encoding: chunked\r\n\r\nzz\r\nnot a chunk\r\n\r\n",
        "127.83.7.107",
    ),
    "TLS hello on the HTTP port": (
        bytes.fromhex("16030100a5010000a10303") + os.urandom(32),
        "127.83.8.108",
    ),
    # aiohttp logs a bad method on a connection's first request at DEBUG, any later one
    # as an exception: a valid request first, then garbage on the same connection.
    "garbage after a good request": (
        b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nG@RBAGE / HTTP/1.1\r\n\r\n",
        "127.83.9.109",
    ),
}


def ingest_request(body: bytes, origin: str = ORIGIN) -> bytes:
    return (
        b"POST /api/events HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
        + f"Origin: {origin}\r\nUser-Agent: {CHROME}\r\n".encode()
        + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        + body
    )


FAILING = {
    "not json": (ingest_request(b"{nope"), "127.84.1.111"),
    "unknown site": (
        ingest_request(b'{"site":"nosuchsite","url":"https://x.nl/","events":[{"t":"pageview"}]}'),
        "127.84.2.112",
    ),
    "body too large": (ingest_request(b"x" * 70_000), "127.84.3.113"),
    "no such route": (
        b"GET /nope/127.84.4.0 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "127.84.4.114",
    ),
    "method not allowed": (
        b"DELETE /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "127.84.5.115",
    ),
    "no credentials": (
        b"GET /api/stats/overview?site=x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "127.84.6.116",
    ),
    "line break in the path": (
        b"GET /a%0Ab%0D HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "127.84.7.117",
    ),
    # The login and /metrics read the client's address too (throttle, allow list).
    "login without its token": (
        b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-"
        b"urlencoded\r\nContent-Length: 21\r\nConnection: close\r\n\r\nemail=a%40b.nl&csrf=\xff",
        "127.84.8.118",
    ),
    "metrics through an untrusted proxy": (
        b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 127.84.9.119\r\n"
        b"Connection: close\r\n\r\n",
        "127.84.9.119",
    ),
}

# In the in-process app only: a handler whose exception message holds the peer's address.
BOOM = b"GET /boom HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
BOOM_FROM = "127.85.1.121"


def textual_forms(address: str) -> list[str]:
    """`address` as a log line might spell it."""
    addr = ip_address(address)
    forms = {address, addr.exploded, addr.compressed}
    if isinstance(addr, IPv4Address):
        mapped = IPv6Address(f"::ffff:{address}")
        forms |= {
            f"::ffff:{address}",
            mapped.compressed,  # ::ffff:7f53:165
            mapped.exploded,
            ".".join(f"{int(octet):03d}" for octet in address.split(".")),  # 127.083.001.101
            addr.packed.hex(),  # 7f530165
            str(int(addr)),
        }
    else:
        forms |= {f"[{address}]", addr.exploded.replace(":0000", ":0"), addr.packed.hex()}
    return sorted(forms)


def leaks(log: str, addresses: list[str]) -> list[str]:
    lines = log.splitlines()
    return [
        f"{form!r} in {line!r}"
        for address in addresses
        for form in textual_forms(address)
        for line in lines
        if form in line
    ]


def send_from(source: str, port: int, data: bytes, host: str = "127.0.0.1") -> bytes:
    """`data` on a connection from `source`; what came back until the server closed it."""
    family = socket.AF_INET6 if ":" in source else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(5)
        sock.bind((source, 0))
        sock.connect((host, port))
        with suppress(OSError):  # the server may answer and close before all of it was sent
            sock.sendall(data)
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except OSError:
            pass  # reset after the answer
        return answer


def status_of(answer: bytes) -> int | None:
    first = answer.split(b"\r\n", 1)[0].split()
    return int(first[1]) if len(first) > 1 and first[1].isdigit() else None


# ---------------------------------------------------------------- peil serve


@pytest.fixture(scope="module")
async def site_key(database_url: str) -> str:
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(
            "INSERT INTO sites (key, name, domains) VALUES ('logsite', 'Logs', '{example.nl}')"
        )
    finally:
        await conn.close()
    return "logsite"


def run_serve(env: dict[str, str], level: str, workers: int) -> tuple[str, dict[str, int | None]]:
    """Serve, send every request from its address, stop; (stderr, status per request)."""
    port = free_port()
    env = {**env, "PEIL_PORT": str(port), "PEIL_LOG_LEVEL": level, "PEIL_RATE_LIMIT": "0"}
    serve = subprocess.Popen(
        [sys.executable, "-m", "collector", "serve", "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_healthy(f"http://127.0.0.1:{port}/healthz", serve)
        statuses = {
            name: status_of(send_from(source, port, data))
            for name, (data, source) in {**MALFORMED, **FAILING}.items()
        }
    finally:
        serve.send_signal(signal.SIGTERM)
        _, stderr = serve.communicate(timeout=60)
    return stderr, statuses


@pytest.mark.parametrize(("level", "workers"), [("DEBUG", 1), ("INFO", 2)])
def test_serve_logs_no_client_address(env, site_key, tmp_path: Path, level, workers):
    stderr, statuses = run_serve({**env, "PEIL_DATA_DIR": str(tmp_path)}, level, workers)
    assert "listening on" in stderr, stderr  # the log was captured
    assert statuses["not json"] == 400 and statuses["unknown site"] == 403
    assert statuses["body too large"] == 413 and statuses["no such route"] == 404
    assert statuses["header without colon"] == 400

    sources = [source for _, source in [*MALFORMED.values(), *FAILING.values()]]
    assert leaks(stderr, sources) == []
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    for name, (_, source) in MALFORMED.items():
        prefix = source.rsplit(".", 1)[0] + ".0/24"
        mine = [line for line in lines if prefix in line]
        if level == "DEBUG":
            # one line: its reason and the truncated peer, no access line besides
            assert len(mine) == 1, (name, mine)
            assert f"bad request from {prefix}: " in mine[0], (name, mine)
        else:
            assert mine == [], (name, mine)  # nothing at the default level: no flood
    if level == "DEBUG":
        # the access line of a path with a line break stays one line, percent-encoded
        assert any('"GET /a%0Ab%0D" 404' in line for line in lines), stderr
    else:
        # at most a 500's one line ("unhandled ..."), however many bad requests came
        aiohttp = [line for line in lines if " aiohttp." in line]
        assert all(" aiohttp.server: unhandled " in line for line in aiohttp), aiohttp


# ---------------------------------------------------------------- the in-process app


async def boom(request: web.Request) -> web.Response:
    raise ValueError(f"cannot serve {request.remote} with token s3cretvalue")


@pytest.fixture
async def app_ports(database_url, env, site_key):
    """Peil's app with one more route that fails, on 127.0.0.1 and ::1."""
    settings = load_settings({**env, "PEIL_RATE_LIMIT": "0"})
    app = make_app(settings, database_url)
    app.router.add_get("/boom", boom)

    # Outermost, so that the access rules (which know no /boom) do not answer 404 first.
    @web.middleware
    async def boom_first(request: web.Request, handler):
        return await (boom if request.path == "/boom" else handler)(request)

    app.middlewares.insert(0, boom_first)
    runner = web.AppRunner(app, access_log_class=AccessLogger)
    await runner.setup()
    v4 = web.TCPSite(runner, "127.0.0.1", 0)
    await v4.start()
    v6 = web.TCPSite(runner, "::1", 0)
    await v6.start()
    ports = {addr[0]: addr[1] for addr in runner.addresses}
    try:
        yield ports["127.0.0.1"], ports["::1"]
    finally:
        await runner.cleanup()


async def test_app_logs_no_client_address(app_ports, caplog):
    v4_port, v6_port = app_ports
    caplog.set_level(logging.DEBUG)  # every logger, every level
    for _, (data, source) in {**MALFORMED, **FAILING}.items():
        await asyncio.to_thread(send_from, source, v4_port, data)
    answers = [await asyncio.to_thread(send_from, BOOM_FROM, v4_port, BOOM) for _ in range(5)]
    assert {status_of(a) for a in answers} == {500}
    for data, _ in [*MALFORMED.values(), *FAILING.values()]:
        await asyncio.to_thread(send_from, "::1", v6_port, data, "::1")
    assert status_of(await asyncio.to_thread(send_from, "::1", v6_port, BOOM, "::1")) == 500

    sources = [source for _, source in [*MALFORMED.values(), *FAILING.values()]]
    assert leaks(caplog.text, [*sources, BOOM_FROM, "::1"]) == []
    assert "s3cretvalue" not in caplog.text and "Traceback" not in caplog.text
    assert [r for r in caplog.records if r.exc_info] == []

    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert all(r.getMessage().startswith("unhandled ") for r in errors), errors
    # one line per kind of 500 (the repeats within a minute left out), type and route
    booms = [r.getMessage() for r in errors if "/boom" in r.getMessage()]
    assert booms == [
        "unhandled ValueError in GET /boom (test_logs.py:"
        f"{boom.__code__.co_firstlineno + 1} in boom)"
    ]
    at_info = [
        r for r in caplog.records if r.levelno >= logging.INFO and r.name.startswith("aiohttp")
    ]
    assert at_info == errors  # malformed requests: DEBUG only
    bad = [r.getMessage() for r in caplog.records if r.getMessage().startswith("bad request")]
    assert len(bad) == 2 * len(MALFORMED), bad
    assert "bad request from ::/48: " in "\n".join(bad)


# ---------------------------------------------------------------- the pieces


@pytest.mark.parametrize(
    ("text", "logged"),
    [
        ("Error handling request from 127.0.0.78", "Error handling request from 127.0.0.0/24"),
        ("peer ('203.0.113.77', 5000)", "peer ('203.0.113.0/24', 5000)"),
        ("peer 203.0.113.77:5000.", "peer 203.0.113.0/24:5000."),
        ("from [2001:db8:85a3::8a2e:370:7334]:443", "from [2001:db8:85a3::/48]:443"),
        ("mapped ::ffff:203.0.113.77.", "mapped 203.0.113.0/24."),
        ("loopback ::1 and 0:0:0:0:0:0:0:1", "loopback ::/48 and ::/48"),
        ("GET http://203.0.113.77/x", "GET http://203.0.113.0/24/x"),
        ("203.0.113.77/32", "203.0.113.0/24/32"),
        ("kept 203.0.113.0/24 and 2001:db8:85a3::/48.", None),  # idempotent
        ("at 10:00:00, Class::method, v1.2.3.4, 2024-01-01T10:00:00", None),
    ],
)
def test_addresses_in_other_libraries_lines_are_truncated(text, logged):
    assert truncate_addresses(text, 24, 48) == (text if logged is None else logged)


def test_no_prefix_no_address():
    assert truncate_addresses("from 203.0.113.77 and 2001:db8::1", 0, 0) == "from - and -"


def test_formatter_truncates_tracebacks_of_other_libraries_only():
    formatter = PrivateFormatter(24, 48)
    try:
        raise ConnectionError("connect to 198.51.100.23 failed")
    except ConnectionError:
        exc_info = sys.exc_info()
    foreign = logging.LogRecord(
        "asyncio", logging.ERROR, __file__, 1, "from %s", ("198.51.100.23",), exc_info
    )
    text = formatter.format(foreign)
    assert (
        "198.51.100.23" not in text and text.count("198.51.100.0/24") == 3
    )  # line, source, message
    own = logging.LogRecord(
        "collector.server",
        logging.INFO,
        __file__,
        1,
        "listening on http://%s:%d",
        ("127.0.0.1", 8000),
        None,
    )
    assert formatter.format(own).endswith("listening on http://127.0.0.1:8000")


def test_server_log_lines_are_one_line_without_address(caplog):
    log = ServerLog(24, 48)
    caplog.set_level(logging.DEBUG, "aiohttp.server")
    log.debug("Ignored premature client\ndisconnection from %s", "192.0.2.44")
    log.exception("Unhandled exception", exc_info=KeyError("192.0.2.44"))
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        "Ignored premature client disconnection from 192.0.2.0/24",
        "Unhandled exception: KeyError",
    ]
    assert [r.exc_info for r in caplog.records] == [None, None]


def test_repeats_write_one_line_a_minute_with_the_count_left_out():
    repeats = Repeats(60)
    assert repeats.admit("x", now=0) == 0
    assert [repeats.admit("x", now=t) for t in (1, 2, 59)] == [None, None, None]
    assert repeats.admit("y", now=30) == 0
    assert repeats.admit("x", now=60) == 3
    assert repeats.admit("x", now=61) is None
