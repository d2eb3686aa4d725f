"""parse_user_agent: browser, major version, OS, device class and bot flag for real UAs."""

from __future__ import annotations

import pytest

from collector.ingest.enrich import user_agent as ua_module
from collector.ingest.enrich.user_agent import (
    DEVICE_DESKTOP,
    DEVICE_MOBILE,
    DEVICE_TABLET,
    DEVICE_UNKNOWN,
    MAX_UA_CHARS,
    Agent,
    parse_user_agent,
)

CASES = [
    (
        "chrome-windows",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36",
        Agent("Chrome", 131, "Windows", DEVICE_DESKTOP, False),
    ),
    (
        "safari-iphone",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        Agent("Mobile Safari", 17, "iOS", DEVICE_MOBILE, False),
    ),
    (
        "safari-ipad",
        "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        Agent("Mobile Safari", 17, "iOS", DEVICE_TABLET, False),
    ),
    (
        "safari-mac",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.5 Safari/605.1.15",
        Agent("Safari", 17, "Mac OS X", DEVICE_DESKTOP, False),
    ),
    (
        "firefox-linux",
        "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
        Agent("Firefox", 133, "Linux", DEVICE_DESKTOP, False),
    ),
    (
        "samsung-phone",
        "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
        "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
        Agent("Samsung Internet", 25, "Android", DEVICE_MOBILE, False),
    ),
    (
        "chrome-android-phone",
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Mobile Safari/537.36",
        Agent("Chrome Mobile", 131, "Android", DEVICE_MOBILE, False),
    ),
    (
        "android-tablet",
        "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Safari/537.36",
        Agent("Chrome", 120, "Android", DEVICE_TABLET, False),
    ),
    (
        "firefox-android-tablet",
        "Mozilla/5.0 (Android 13; Tablet; rv:133.0) Gecko/133.0 Firefox/133.0",
        Agent("Firefox Mobile", 133, "Android", DEVICE_TABLET, False),
    ),
    (
        "cubot-phone-is-not-a-bot",
        "Mozilla/5.0 (Linux; Android 9; CUBOT X19) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Mobile Safari/537.36",
        Agent("Chrome Mobile", 120, "Android", DEVICE_MOBILE, False),
    ),
    (
        "edge-windows",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
        Agent("Edge", 131, "Windows", DEVICE_DESKTOP, False),
    ),
    (
        "googlebot",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        Agent("Googlebot", 2, None, DEVICE_UNKNOWN, True),
    ),
    (
        "bingbot",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        Agent("bingbot", 2, None, DEVICE_UNKNOWN, True),
    ),
    (
        "headless-chrome",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "HeadlessChrome/131.0.0.0 Safari/537.36",
        Agent("HeadlessChrome", 131, "Linux", DEVICE_UNKNOWN, True),
    ),
    ("curl", "curl/8.5.0", Agent("curl", 8, None, DEVICE_UNKNOWN, True)),
    (
        "python-requests",
        "python-requests/2.32.3",
        Agent("Python Requests", 2, None, DEVICE_UNKNOWN, True),
    ),
    (
        "facebook-preview",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        Agent("FacebookBot", 1, None, DEVICE_UNKNOWN, True),
    ),
    ("empty", "", Agent(None, None, None, DEVICE_UNKNOWN, True)),
    ("blank", "   ", Agent(None, None, None, DEVICE_UNKNOWN, True)),
    ("garbage", "x", Agent(None, None, None, DEVICE_UNKNOWN, False)),
]


@pytest.mark.parametrize(("ua", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_parse(ua: str, expected: Agent):
    got = parse_user_agent(ua)
    # Browser and OS names are ua-parser's and may be refined by new regex releases;
    # the device class, bot flag and version logic are ours and must match exactly.
    assert (got.device, got.is_bot) == (expected.device, expected.is_bot)
    assert got.browser_version == expected.browser_version
    assert got.os == expected.os
    if not expected.is_bot:
        assert got.browser == expected.browser
    else:
        assert (got.browser is None) == (expected.browser is None)


def test_missing_header_is_a_bot():
    assert parse_user_agent(None).is_bot


def test_long_strings_are_truncated_before_caching():
    base = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0 "
    first = parse_user_agent(base + "a" * MAX_UA_CHARS)
    before = ua_module.cache_info()
    second = parse_user_agent(base + "a" * (MAX_UA_CHARS * 4))
    after = ua_module.cache_info()
    assert first == second
    # Same first 512 characters: one cache entry, served as a hit.
    assert after.hits == before.hits + 1
    assert after.currsize == before.currsize


def test_cache_is_bounded():
    assert ua_module.cache_info().maxsize == ua_module.CACHE_SIZE


def test_warm_up_is_idempotent():
    ua_module.warm_up()
    ua_module.warm_up()
    assert parse_user_agent("curl/8.5.0").is_bot
