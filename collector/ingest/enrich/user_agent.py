"""Browser, OS, device class and bot flag from a User-Agent header.

Parsing uses ua-parser with the fastest resolver installed (the Rust `ua-parser-rs`
one when present), behind a bounded LRU cache: real traffic repeats a small set of
UA strings, so most calls are a dict hit.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import NamedTuple

import ua_parser

from collector.model.vocabulary import DEVICE_DESKTOP, DEVICE_MOBILE, DEVICE_TABLET, DEVICE_UNKNOWN

# Longer strings are padding or attacks; the first 512 chars identify any real agent,
# and truncating before caching bounds the cache's memory.
MAX_UA_CHARS = 512
CACHE_SIZE = 4096


class Agent(NamedTuple):
    browser: str | None
    browser_version: int | None
    """Major version only."""
    os: str | None
    device: int
    """DEVICE_UNKNOWN, DEVICE_DESKTOP, DEVICE_MOBILE or DEVICE_TABLET."""
    is_bot: bool


# ua-parser catches the well-known crawlers as device "Spider"; this catches the
# scripts, headless browsers, monitors and link previewers it leaves as "Other".
# `(?<!cu)bot` because Cubot is a phone brand that appears in Android UAs.
_BOT_RE = re.compile(
    r"(?<!cu)bot|crawl|spider|slurp|headless|phantomjs|puppeteer|curl/|wget/"
    r"|python-requests|python-urllib|python-httpx|aiohttp|go-http-client|java/|okhttp"
    r"|scrapy|node-fetch|axios/|libwww-perl|lighthouse|pingdom|uptimerobot"
    r"|facebookexternalhit|preview",
    re.IGNORECASE,
)
# "Tablet PC" is a Windows touch-laptop marker, not a tablet.
_TABLET_RE = re.compile(r"ipad|tablet(?! pc)|kindle|silk/|playbook", re.IGNORECASE)
_MOBILE_RE = re.compile(r"mobi|iphone|ipod|windows phone|opera mini", re.IGNORECASE)
_MOBILE_OSES = frozenset({"iOS", "Android", "Windows Phone", "BlackBerry OS", "KaiOS"})

_parser: ua_parser.Parser | None = None
_parser_lock = threading.Lock()


def _get_parser() -> ua_parser.Parser:
    global _parser
    if _parser is None:
        with _parser_lock:
            if _parser is None:
                # Compiled resolvers build their own automaton, so lazy matchers save
                # compiling every Python regex up front; the pure-Python resolver
                # needs them compiled anyway. Same choice as ua_parser's default.
                fast = ua_parser.BestAvailableResolver is not ua_parser.BasicResolver
                matchers = ua_parser.load_lazy_builtins() if fast else ua_parser.load_builtins()
                # No ua_parser CachingResolver: the LRU below caches the final Agent.
                _parser = ua_parser.Parser(ua_parser.BestAvailableResolver(matchers))
    return _parser


def _major(version: str | None) -> int | None:
    if version and version.isdigit() and len(version) <= 6:
        return int(version)
    return None


def _family(name: str | None) -> str | None:
    return None if not name or name == "Other" else name


@lru_cache(maxsize=CACHE_SIZE)
def _parse(ua: str) -> Agent:
    if not ua.strip():
        return Agent(None, None, None, DEVICE_UNKNOWN, True)
    result = _get_parser()(ua, ua_parser.Domain.ALL)
    browser = result.user_agent
    os_family = _family(result.os.family) if result.os else None
    device_family = result.device.family if result.device else None
    device_brand = result.device.brand if result.device else None

    is_bot = device_family == "Spider" or _BOT_RE.search(ua) is not None
    if is_bot:
        device = DEVICE_UNKNOWN
    elif (
        _TABLET_RE.search(ua)
        or (device_brand and "Tablet" in device_brand)
        # Android phones say "Mobile"; Android tablets do not.
        or (os_family == "Android" and "mobile" not in ua.lower())
    ):
        device = DEVICE_TABLET
    elif _MOBILE_RE.search(ua) or os_family in _MOBILE_OSES:
        device = DEVICE_MOBILE
    elif os_family is not None:
        device = DEVICE_DESKTOP
    else:
        device = DEVICE_UNKNOWN

    return Agent(
        _family(browser.family) if browser else None,
        _major(browser.major) if browser else None,
        os_family,
        device,
        is_bot,
    )


def parse_user_agent(ua: str | None) -> Agent:
    """Browser, major version, OS, device class and bot flag of `ua`.

    An empty or missing User-Agent counts as a bot: every real browser sends one.
    """
    return _parse((ua or "")[:MAX_UA_CHARS])


def warm_up() -> None:
    """Build the parser now (~0.2 s) so the first request does not pay for it."""
    _get_parser()


def cache_info() -> object:
    return _parse.cache_info()
