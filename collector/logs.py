"""Logging: one line per event, nothing at the default level but what an operator
needs, and no full client address in any line, whichever library writes it
(privacy rule 1).

Three guards, each for the lines it can see:

- Peil's own loggers (`collector.*`, `dashboard.*`, `peil`) name a client only
  through `describe_client()`, truncated to `PEIL_IPV4_PREFIX`/`PEIL_IPV6_PREFIX`
  bits ("203.0.113.0/24", or "-" when no address may be kept); the access line
  (`collector.app.AccessLogger`, at DEBUG) too.
- aiohttp's server logger, which reports every malformed request and every
  unhandled exception "from <full peer address>" with a traceback, is replaced
  (the `logger` of `collector.app.handler_args()`) by `ServerLog`:
  - a malformed request (bad request line or method, bad header, a line over
    aiohttp's limits, a broken chunked body: aiohttp's `HttpProcessingError`s)
    is one DEBUG line, `bad request from 203.0.113.0/24: LineTooLong (400)`,
    and nothing else (no access line either). DEBUG, because it is the
    client's fault, not the operator's problem: the internet sends such
    requests all day, and at INFO any client could fill the log with them;
  - an unhandled exception in a handler (a 500) is one ERROR line with the
    exception's type, the route (its pattern, not the path asked for) and
    where it was raised, `unhandled KeyError in GET /api/stats/overview
    (dashboard/stats/overview.py:41 in overview)`; never the exception's
    message (it may quote a value of the request) nor a traceback (whose
    messages may too). The same line (same type, route and place) is written
    at most once a minute, with the count of those left out, so a client that
    found a 500 cannot fill the log with it;
  - anything else it is handed is kept at its level, as one line, addresses
    truncated, an exception by its type only.
- Every other library's line (aiohttp.access, aiohttp.web, asyncio, asyncpg,
  uvloop, ...), message and traceback alike, is written by `PrivateFormatter`,
  which replaces each IPv4 or IPv6 address in it (with a port, in brackets,
  IPv4-mapped) by its truncated prefix. Peil's own lines are left as they are:
  they print the listening address, which is no client's.

tests/test_logs.py sends malformed requests and requests that fail from
distinctive loopback addresses (127.x.y.z, ::1) to a `peil serve` subprocess
and to the in-process app, and searches all their log output for those
addresses in every textual form.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import traceback
from contextlib import suppress
from contextvars import ContextVar
from ipaddress import ip_network
from pathlib import Path
from types import TracebackType
from typing import Any

from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_request import BaseRequest

from collector.ingest.enrich.client_address import parse_address
from collector.ingest.enrich.ip_truncation import describe_client

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
# Loggers whose lines Peil writes itself (and which name clients truncated only).
OWN_LOGGERS = ("collector", "dashboard", "peil")
# aiohttp's RequestHandler.handle_error(): args[0] is the full peer address.
AIOHTTP_REQUEST_ERROR = "Error handling request from %s"
REPEAT_INTERVAL_S = 60.0
_SOURCE_ROOT = Path(__file__).resolve().parent.parent  # collector/ and dashboard/ live here


def configure_logging(level: str = "INFO", ipv4_prefix: int = 0, ipv6_prefix: int = 0) -> None:
    """Log to stderr at `level`. Third-party lines keep at most `ipv4_prefix` /
    `ipv6_prefix` bits of any address (by default none: "-")."""
    handler = logging.StreamHandler()
    handler.setFormatter(PrivateFormatter(ipv4_prefix, ipv6_prefix))
    logging.basicConfig(level=getattr(logging, level, logging.INFO), handlers=[handler], force=True)
    # asyncpg's pool logs a traceback for every failed reconnect during an
    # outage; the writer already says, in one line per retry, that events wait.
    logging.getLogger("asyncpg.pool").setLevel(logging.ERROR)


# An IPv6 address (two to seven groups and their colons, maybe ending in a dotted
# IPv4 part), or an IPv4 address; not inside a longer word or number.
_ADDRESS = re.compile(
    r"(?<![0-9A-Za-z:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f.]*"
    r"|(?<![0-9A-Za-z.])\d{1,3}(?:\.\d{1,3}){3}(?![0-9A-Za-z])"
)


def truncate_addresses(text: str, ipv4_prefix: int, ipv6_prefix: int) -> str:
    """`text` with every IP address in it replaced by its truncated prefix
    ("2001:db8::/48", "203.0.113.0/24", "-"); what only looks like one (a time
    of day, "Class::method") stays."""

    def replace(match: re.Match[str]) -> str:
        token = match.group()
        if _network_kept(token, _PREFIX.match(text, match.end()), ipv4_prefix, ipv6_prefix):
            return token  # "203.0.113.0/24": truncated already
        tail = ""
        if token.endswith("."):  # the end of a sentence
            token, tail = token.rstrip("."), token[len(token.rstrip(".")) :]
        address = parse_address(token)
        if address is None:
            return match.group()
        return describe_client(address, ipv4_prefix, ipv6_prefix) + tail

    return _ADDRESS.sub(replace, text)


_PREFIX = re.compile(r"/(\d{1,3})(?!\d)")


def _network_kept(token: str, prefix: re.Match[str] | None, ipv4: int, ipv6: int) -> bool:
    """Whether token + "/N" is a network no longer than the prefix Peil may keep."""
    if prefix is None:
        return False
    try:
        network = ip_network(f"{token}/{prefix.group(1)}")  # strict: host bits must be 0
    except ValueError:
        return False
    return 0 < network.prefixlen <= (ipv4 if network.version == 4 else ipv6)


class PrivateFormatter(logging.Formatter):
    """The one line format, with the addresses in other libraries' lines
    (and their tracebacks) truncated."""

    def __init__(self, ipv4_prefix: int, ipv6_prefix: int) -> None:
        super().__init__(FORMAT, DATE_FORMAT)
        self.prefixes = (ipv4_prefix, ipv6_prefix)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        if record.name.partition(".")[0] in OWN_LOGGERS:
            return text
        return truncate_addresses(text, *self.prefixes)


# Set while aiohttp answers a request it could not parse, whose one line
# ServerLog has written: the access logger, called next in the same task (a
# copy of the connection's context per request), then writes none.
malformed_request: ContextVar[bool] = ContextVar("peil_malformed_request", default=False)


class ServerLog(logging.LoggerAdapter):
    """aiohttp's server logger as Peil writes it (see the module docstring):
    given to aiohttp as the `logger` of every connection's RequestHandler."""

    def __init__(
        self, ipv4_prefix: int, ipv6_prefix: int, logger: logging.Logger | None = None
    ) -> None:
        super().__init__(logger or logging.getLogger("aiohttp.server"), {})
        self.prefixes = (ipv4_prefix, ipv6_prefix)
        self.repeats = Repeats(REPEAT_INTERVAL_S)

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        exc = _exception(kwargs.get("exc_info"))
        if msg == AIOHTTP_REQUEST_ERROR and isinstance(exc, HttpProcessingError):
            if self.isEnabledFor(logging.DEBUG):
                malformed_request.set(True)  # this request's task only: its access line
                peer = describe_client(parse_address(_text(args[:1])), *self.prefixes)
                self.logger.debug(
                    "bad request from %s: %s (%s)", peer, type(exc).__name__, exc.code
                )
            return
        if not self.isEnabledFor(level):
            return
        if msg == AIOHTTP_REQUEST_ERROR:
            line = _unhandled(exc)
        else:
            line = truncate_addresses(_format(msg, args), *self.prefixes)[:300]
            if exc is not None:
                line = f"{line}: {_raised(exc)}"
        if level >= logging.WARNING:
            left_out = self.repeats.admit(line)
            if left_out is None:
                return
            if left_out:
                line = f"{line} (and {left_out} more like it in the last minute)"
        self.logger.log(level, "%s", line)


class Repeats:
    """Which lines to write when the same one comes again and again: the first,
    then one per interval with the count of those left out in between."""

    MAX_LINES = 1000  # distinct lines remembered; routes and raise sites are few

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self._seen: dict[str, list[float]] = {}  # line -> [written at, left out since]

    def admit(self, line: str, now: float | None = None) -> int | None:
        """None: leave this one out; else write it, with this many left out before."""
        now = time.monotonic() if now is None else now
        seen = self._seen.get(line)
        if seen is not None and now - seen[0] < self.interval_s:
            seen[1] += 1
            return None
        if seen is None and len(self._seen) >= self.MAX_LINES:
            self._seen.clear()
        self._seen[line] = [now, 0]
        return 0 if seen is None else int(seen[1])


def _exception(exc_info: object) -> BaseException | None:
    if isinstance(exc_info, BaseException):
        return exc_info
    if isinstance(exc_info, tuple) and len(exc_info) == 3:
        return exc_info[1]
    if exc_info:
        return sys.exc_info()[1]
    return None


def _text(args: tuple[object, ...]) -> str | None:
    return str(args[0]) if args and args[0] is not None else None


def _format(msg: object, args: tuple[object, ...]) -> str:
    text = str(msg)
    if args:
        with suppress(TypeError, ValueError):
            text = text % args
    # One line: a value with a line break must not forge the next log line.
    return text.replace("\r", " ").replace("\n", " ")


def _unhandled(exc: BaseException | None) -> str:
    """ "unhandled KeyError in GET /route (where)": what and where, never its message."""
    if exc is None:
        return "a request failed without an exception (answered 500)"
    request = _request_of(exc.__traceback__)
    if request is None:
        route = "a request"
    else:
        resource = request.match_info.route.resource
        route = f"{request.method} {resource.canonical if resource is not None else '(no route)'}"
    where = _where(exc)
    return f"unhandled {type(exc).__name__} in {route}" + (f" ({where})" if where else "")


def _raised(exc: BaseException) -> str:
    """ "KeyError at collector/x.py:12 in f", or just the type."""
    where = _where(exc)
    return f"{type(exc).__name__} at {where}" if where else type(exc).__name__


def _where(exc: BaseException) -> str | None:
    """ "collector/x.py:12 in f": the innermost frame of Peil's own code that the
    exception passed through, else its innermost frame."""
    frames = traceback.extract_tb(exc.__traceback__) if exc.__traceback__ else []
    if not frames:
        return None
    own = [f for f in frames if _own_source(f.filename)]
    frame = (own or frames)[-1]
    path = _own_source(frame.filename) or Path(frame.filename).name
    return f"{path}:{frame.lineno} in {frame.name}"


def _own_source(filename: str) -> str | None:
    """The path of a file of Peil's own packages, relative to their root; else None."""
    try:
        relative = Path(filename).resolve().relative_to(_SOURCE_ROOT)
    except ValueError:
        return None
    if relative.parts[0] not in ("collector", "dashboard"):
        return None
    return relative.as_posix()


def _request_of(tb: TracebackType | None) -> BaseRequest | None:
    """The request an exception escaped from: aiohttp catches it in a frame that
    holds it (`request`), the outermost frame of the traceback."""
    while tb is not None:
        request = tb.tb_frame.f_locals.get("request")
        if isinstance(request, BaseRequest):
            return request
        tb = tb.tb_next
    return None
