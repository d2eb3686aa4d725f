"""peil.js in Debian's Chromium (Playwright) against the capture harness: the fixture pages
are served with the built tracker by a tiny aiohttp app that records every POST
/api/events body, and the tests check what the tracker sends: wire format, pageviews and
SPA navigation, clicks, hovers, element visibility, errors, custom events, media
segments, consent mode, DNT/GPC/opt-out, batching, retry and body limits.

These test the tracker alone; tests against the real collector live elsewhere."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.tracker.harness import Capture, capture_server, chromium

SITE = "TESTSITE"
BODY_KEYS = {"site", "url", "ref", "sw", "sh", "pv", "uid", "sid", "events"}
MEDIA_TYPES = ("videoLoad", "videoUnload", "play", "pause", "seek", "rewind", "ended")


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    async with chromium() as b:
        yield b


@pytest.fixture
async def cap() -> AsyncIterator[Capture]:
    async with capture_server(site=SITE) as c:
        yield c


async def open_page(browser: Any, cap: Capture, name: str, init: str | None = None) -> Any:
    context = await browser.new_context(viewport={"width": 1000, "height": 600})
    if init:
        await context.add_init_script(init)
    page = await context.new_page()
    await page.goto(f"{cap.base}/{name}")
    await page.wait_for_function("window.peil && window.peil.v")
    return page


async def close(page: Any) -> None:
    """Close like a user closing the tab: pagehide and visibilitychange fire."""
    await page.close(run_before_unload=True)
    await page.context.close()


def types(cap: Capture, *only: str) -> list[str]:
    return [e["t"] for e in cap.events(*only)]


def check_wire_format(cap: Capture) -> None:
    ids = set()
    for body in cap.bodies:
        assert body.content_type.startswith("text/plain"), body.content_type
        assert len(body.raw) <= 65536
        data = body.data
        assert set(data) == BODY_KEYS, data.keys()
        assert data["site"] == SITE
        assert data["pv"] == "0.1.0"
        assert isinstance(data["sw"], int) and isinstance(data["sh"], int)
        assert data["url"].startswith(cap.base)
        assert 1 <= len(data["events"]) <= 200
        for event in data["events"]:
            assert isinstance(event["id"], str) and len(event["id"]) >= 10
            assert isinstance(event["ts"], int) and abs(event["ts"] / 1000 - time.time()) < 300
            ids.add(event["id"])
    assert len(ids) == len(cap.events()), "event ids are not unique"


async def test_plain_page(browser: Any, cap: Capture) -> None:
    page = await open_page(browser, cap, "plain.html")
    await page.click("#buy span")  # nested: the button is described
    await page.click("#inner")  # inside a[data-peil-name]; its #signup link changes the hash
    await page.click("#quiet")  # data-peil-ignore
    await page.click("#fake")
    await page.click("#email")
    await page.hover("#home")
    await page.wait_for_timeout(800)
    await page.click("#boom")  # throws
    await page.evaluate(
        "peil.track('signup', {plan: 'pro', n: 3, ok: true, obj: {a: 1}, big: 10n, f() {}})"
    )
    await page.evaluate("peil('track', 'by-name')")
    await page.evaluate("peil.flush()")
    await cap.wait_for(lambda c: "by-name" in [e.get("n") for e in c.events("custom")])
    check_wire_format(cap)

    events = cap.events()
    assert events[0]["t"] == "pageview"
    assert events[0]["_body"]["url"] == f"{cap.base}/plain.html"
    # the call queued by the pre-load stub, replayed after the pageview
    assert events[1]["t"] == "custom"
    assert events[1]["n"] == "early" and events[1]["props"] == {"from": "stub", "n": 1}

    clicks = cap.events("click")
    assert [c["el"] for c in clicks] == [
        "button#buy.primary.big",
        "a[data-peil-name=signup]",
        "div#fake",
        "input#email",
        "button#boom",
    ]
    for c in clicks:
        assert 0 <= c["x"] <= 1 and round(c["x"], 3) == c["x"]
        assert isinstance(c["y"], int) and 0 < c["y"] < 600
    assert all(b"secret@example.nl" not in b.raw for b in cap.bodies)

    # the hash link is a navigation: pageleave for the old URL, pageview for the new one
    assert [e["_body"]["url"] for e in cap.events("pageview")] == [
        f"{cap.base}/plain.html",
        f"{cap.base}/plain.html#signup",
    ]
    (leave,) = cap.events("pageleave")
    assert leave["_body"]["url"] == f"{cap.base}/plain.html"

    hovers = cap.events("hover")
    assert "a#home.nav.main" in [h["el"] for h in hovers] and len(hovers) <= 5

    (error,) = cap.events("error")
    assert "boom from fixture" in error["msg"] and len(error["msg"]) <= 200
    assert error["src"] == f"{cap.base}/plain.html" and isinstance(error["line"], int)

    signup = next(e for e in cap.events("custom") if e["n"] == "signup")
    assert signup["props"] == {"plan": "pro", "n": 3, "ok": True}

    assert {"t": "eleOn", "el": "banner"}.items() <= cap.events("eleOn")[0].items()

    # scroll to the bottom: the banner leaves, the footer (no label: descriptor) comes
    await page.mouse.wheel(0, 5000)
    await page.wait_for_timeout(500)
    n = len(cap.bodies)
    await close(page)
    await cap.wait_for(lambda c: len(c.bodies) > n and "pageleave" in types(c)[-3:])
    check_wire_format(cap)
    assert {e["el"] for e in cap.events("eleOff")} == {"banner"}
    assert "footer#footer" in [e["el"] for e in cap.events("eleOn")]
    leaves = cap.events("pageleave")
    assert len(leaves) == 2, "closing the page sends one pageleave, not one per event"
    last = leaves[-1]
    assert last["_body"]["url"] == f"{cap.base}/plain.html#signup"
    assert last["depth"] == 100 and isinstance(last["eng"], int) and last["eng"] > 500


async def test_spa_navigation(browser: Any, cap: Capture) -> None:
    page = await open_page(browser, cap, "spa.html")
    for selector in ("#to-one", "#same", "#to-hash", "#to-two"):
        await page.click(selector)
        await page.wait_for_timeout(100)
    await page.go_back()
    await page.wait_for_timeout(200)
    await page.evaluate("peil.pageview()")  # manual: counts even on the same URL
    await close(page)
    base = f"{cap.base}/spa.html"
    urls = [base, f"{base}?page=one", f"{base}?page=one#section", f"{base}?page=two"]
    urls += [f"{base}?page=one#section"] * 2
    await cap.wait_for(lambda c: len(c.events("pageleave")) == len(urls))
    check_wire_format(cap)
    # one pageview per URL change: replaceState to the same URL and popstate+hashchange
    # pairs do not count twice
    assert [e["_body"]["url"] for e in cap.events("pageview")] == urls
    # every pageleave belongs to the page before it, in a body with that page's URL
    assert [e["_body"]["url"] for e in cap.events("pageleave")] == urls
    flow = [(e["t"], e["_body"]["url"]) for e in cap.events("pageview", "pageleave")]
    for i, url in enumerate(urls):
        assert flow[2 * i] == ("pageview", url) and flow[2 * i + 1] == ("pageleave", url)


def watched(events: list[dict[str, Any]]) -> float:
    """Seconds watched according to the segments the media events close."""
    total = 0.0
    for e in events:
        if e["t"] in ("pause", "ended", "videoUnload"):
            assert e["pos"] >= e["from"], e
            total += e["pos"] - e["from"]
        elif e["t"] in ("seek", "rewind"):
            assert e["to"] >= e["from"], e
            total += e["to"] - e["from"]
    return total


async def test_media_segments(browser: Any, cap: Capture) -> None:
    page = await open_page(browser, cap, "media.html")
    await page.wait_for_function("document.getElementById('intro').readyState >= 1")
    v = "document.getElementById('intro')"
    started = time.monotonic()
    played = 0.0

    async def play(seconds: float) -> None:
        nonlocal played
        await page.evaluate(f"{v}.play()")
        await page.wait_for_timeout(seconds * 1000)
        played += seconds

    await play(1.5)
    await page.evaluate(f"{v}.pause()")
    await page.wait_for_timeout(200)
    await page.evaluate(f"{v}.currentTime = 5")  # seek while paused: nothing watched
    await page.wait_for_timeout(300)
    await play(1.2)
    await page.evaluate(f"{v}.currentTime = 2")  # rewind while playing
    await page.wait_for_timeout(1000)
    played += 1.0
    await page.evaluate(f"{v}.currentTime = 8")  # forward while playing, then to the end
    await page.wait_for_function(f"{v}.ended", timeout=10_000)
    played += 2.0
    await play(1.0)  # restart after the end: not a rewind
    await page.evaluate(f"{v}.pause(); {v}.currentTime = 9")  # pause and seek in one task
    await page.wait_for_timeout(300)
    await play(0.5)
    await close(page)
    await cap.wait_for(lambda c: "videoUnload" in types(c))
    check_wire_format(cap)

    media = cap.events(*MEDIA_TYPES)
    assert [e["t"] for e in media] == [
        "videoLoad", "play", "pause", "seek", "play", "rewind", "seek", "pause", "ended",
        "play", "pause", "seek", "play", "videoUnload",
    ]  # fmt: skip
    for e in media:
        assert e["el"] == "video#intro.player"  # never the data-peil-ignore video
        assert e["src"] == f"{cap.base}/clip.webm"  # no query string, no fragment
        assert e["dur"] == 10
        assert round(e["pos"], 1) == e["pos"]
    load, play1, pause1, seek1, play2, rewind, seek2, pause2, ended = media[:9]
    restart, pause3, seek3, play3, unload = media[9:]
    assert load["pos"] == 0 and play1["pos"] == 0
    assert pause1["from"] == 0 and 1.2 <= pause1["pos"] <= 2.0
    assert seek1["from"] == seek1["to"] == pause1["pos"] and seek1["pos"] == 5
    assert play2["pos"] == 5
    assert rewind["from"] == 5 and 5.8 <= rewind["to"] <= 6.6 and rewind["pos"] == 2
    assert seek2["from"] == 2 and 2.6 <= seek2["to"] <= 3.4 and seek2["pos"] == 8
    assert pause2["from"] == 8 and pause2["pos"] == 10
    assert ended["from"] == ended["pos"] == 10  # the segment was closed by pause already
    assert restart["pos"] == 0
    # pause(); currentTime = 9 in one task: the segment ends where playback was, not at 9
    assert pause3["from"] == 0 and 0.6 <= pause3["pos"] <= 1.4
    assert seek3["from"] == seek3["to"] == pause3["pos"] and seek3["pos"] == 9
    assert play3["pos"] == 9 and unload["from"] == 9 and 9.2 <= unload["pos"] <= 10
    assert abs(watched(media) - played) < 1.5, (watched(media), played)
    assert watched(media) <= time.monotonic() - started


async def test_media_added_later_and_removed(browser: Any, cap: Capture) -> None:
    page = await open_page(browser, cap, "dynamic.html")
    await page.click("#add")
    await page.wait_for_function("document.getElementById('late').readyState >= 1")
    await page.evaluate("document.getElementById('late').play()")
    await page.wait_for_timeout(1000)
    await page.evaluate("document.getElementById('late').remove()")
    # loaded and playing before it is inserted: the tracker catches up on insertion
    await page.evaluate(
        """async () => {
            const v = document.createElement('video')
            v.id = 'pre'; v.muted = true; v.src = 'clip.webm'
            await new Promise((r) => (v.onloadedmetadata = r))
            await v.play()
            document.body.appendChild(v)
        }"""
    )
    await page.wait_for_timeout(700)
    await page.evaluate("peil.flush()")
    await cap.wait_for(lambda c: "video#pre" in [e["el"] for e in c.events("play")])
    late = [e for e in cap.events(*MEDIA_TYPES) if e["el"] == "video#late"]
    assert [e["t"] for e in late] == ["videoLoad", "play", "videoUnload"]
    assert late[-1]["from"] == 0 and 0.6 <= late[-1]["pos"] <= 1.5
    await close(page)
    await cap.wait_for(lambda c: "videoUnload" in types(c)[-2:])
    pre = [e for e in cap.events(*MEDIA_TYPES) if e["el"] == "video#pre"]
    assert [e["t"] for e in pre] == ["videoLoad", "play", "videoUnload"]
    assert pre[-1]["pos"] > pre[-1]["from"]


async def test_consent_mode(browser: Any, cap: Capture) -> None:
    page = await open_page(browser, cap, "consent.html")
    context = page.context
    await page.click("#buy")
    await page.evaluate("peil.flush()")
    await page.wait_for_timeout(500)
    assert cap.bodies == [], "nothing may be sent before consent"
    assert await context.cookies() == []

    await page.click("#accept")
    await cap.wait_for(lambda c: len(c.bodies) > 0)
    (cookie,) = await context.cookies()
    assert cookie["name"] == "peil_id" and cookie["path"] == "/"
    assert cookie["sameSite"] == "Lax" and cookie["secure"] is False  # http fixture origin
    assert abs(cookie["expires"] - (time.time() + 30 * 86400)) < 60  # data-cookie-days="30"
    uid, born, sid, _seen = cookie["value"].split(".")
    assert abs(int(born) / 1000 - time.time()) < 60  # the uid creation time
    # what was held in memory is sent now, with uid and sid
    assert types(cap)[:2] == ["pageview", "click"]
    assert {(e["_body"]["uid"], e["_body"]["sid"]) for e in cap.events()} == {(uid, sid)}

    # later visit: consent remembered by the cookie; the uid lifetime is not extended and
    # a session idle for more than 30 minutes gets a new sid
    old = int(time.time() * 1000) - 29 * 86400_000
    idle = int(time.time() * 1000) - 31 * 60_000
    await context.add_cookies(
        [{"name": "peil_id", "value": f"{uid}.{old}.{sid}.{idle}", "url": cap.base}]
    )
    await page.goto(f"{cap.base}/consent.html?again")
    await page.wait_for_function("window.peil && window.peil.v")
    await page.evaluate("peil.flush()")
    await cap.wait_for(lambda c: c.bodies[-1].data["url"].endswith("?again"))
    again = cap.bodies[-1].data
    assert again["uid"] == uid and again["sid"] not in (sid, None)
    (cookie,) = await context.cookies()
    assert abs(cookie["expires"] - (old / 1000 + 30 * 86400)) < 60

    # withdrawal deletes the cookie and stops sending
    await page.click("#reject")
    assert await context.cookies() == []
    sent = len(cap.bodies)
    await page.click("#buy")
    await page.evaluate("peil.flush()")
    await page.wait_for_timeout(500)
    await close(page)
    await asyncio.sleep(0.5)
    assert len(cap.bodies) == sent


@pytest.mark.parametrize(
    "init",
    [
        "Object.defineProperty(navigator, 'doNotTrack', {get: () => '1'})",
        "Object.defineProperty(navigator, 'globalPrivacyControl', {get: () => true})",
        "localStorage.setItem('peil_optout', '1')",
    ],
    ids=["dnt", "gpc", "opted-out"],
)
async def test_privacy_signals_send_nothing(browser: Any, cap: Capture, init: str) -> None:
    page = await open_page(browser, cap, "plain.html", init=init)
    await page.click("#buy")
    await page.evaluate("peil.track('x'); peil.flush()")
    await close(page)
    await asyncio.sleep(0.5)
    assert cap.bodies == []


async def test_opt_out_and_in(browser: Any, cap: Capture) -> None:
    page = await open_page(browser, cap, "plain.html")
    await page.evaluate("peil.optOut()")
    assert await page.evaluate("localStorage.getItem('peil_optout')") == "1"
    await page.click("#buy")
    await page.evaluate("peil.flush()")
    await page.reload()  # remembered on this browser
    await page.wait_for_function("window.peil && window.peil.v")
    await page.click("#buy")
    await page.evaluate("peil.flush()")
    await page.wait_for_timeout(300)
    assert cap.bodies == []
    await page.evaluate("peil.optIn(); peil.track('back')")
    assert await page.evaluate("localStorage.getItem('peil_optout')") is None
    await page.evaluate("peil.flush()")
    await cap.wait_for(lambda c: types(c) == ["custom"])
    await close(page)


async def test_default_mode_stores_nothing(browser: Any, cap: Capture) -> None:
    page = await open_page(browser, cap, "plain.html")
    await page.click("#buy")
    await page.evaluate("peil.consent(true); peil.flush()")  # no effect without consent mode
    await cap.wait_for(lambda c: "click" in types(c))
    assert await page.context.cookies() == []
    assert await page.evaluate("localStorage.length") == 0
    assert {(e["_body"]["uid"], e["_body"]["sid"]) for e in cap.events()} == {(None, None)}
    await close(page)


async def test_batching_timer_and_hidden_flush(browser: Any, cap: Capture) -> None:
    page = await open_page(browser, cap, "plain.html")
    await cap.wait_for(lambda c: len(c.bodies) > 0, timeout=10)
    # the first event (the pageview) started a ~5 s timer; nothing went out before it
    first = cap.bodies[0]
    assert first.data["events"][0]["t"] == "pageview"
    assert 4.5 < first.received - first.data["events"][0]["ts"] / 1000 < 7
    # hiding the page sends a pageleave at once, without waiting for the timer
    n = len(cap.bodies)
    await page.evaluate(
        """() => {
            Object.defineProperty(document, 'hidden', {get: () => true, configurable: true})
            document.dispatchEvent(new Event('visibilitychange'))
        }"""
    )
    await cap.wait_for(lambda c: len(c.bodies) > n, timeout=2)
    assert types(cap)[-1] == "pageleave"
    await close(page)


async def test_refused_beacon_is_retried(browser: Any, cap: Capture) -> None:
    # the first two beacons are refused (as when the browser's beacon quota is full)
    init = """
        const real = navigator.sendBeacon.bind(navigator)
        window.refused = 0
        navigator.sendBeacon = (u, b) => (window.refused++ < 2 ? false : real(u, b))
    """
    page = await open_page(browser, cap, "plain.html", init=init)
    await page.evaluate("peil.track('a'); peil.flush()")  # refused
    await page.evaluate("peil.track('b'); peil.flush()")  # refused
    await page.wait_for_timeout(300)
    assert cap.bodies == []
    await page.evaluate("peil.track('c'); peil.flush()")  # accepted: all of them, once
    await cap.wait_for(lambda c: len(c.events("custom")) == 4)
    assert [e["n"] for e in cap.events("custom")] == ["early", "a", "b", "c"]
    assert len(cap.bodies) == 1 and cap.events()[0]["t"] == "pageview"
    await close(page)


async def test_fetch_fallback_without_beacon(browser: Any, cap: Capture) -> None:
    init = "delete Navigator.prototype.sendBeacon"
    page = await open_page(browser, cap, "plain.html", init=init)
    await page.evaluate("peil.track('via-fetch'); peil.flush()")
    await cap.wait_for(lambda c: "custom" in types(c))
    assert cap.bodies[0].content_type.startswith("text/plain")
    check_wire_format(cap)
    await close(page)


async def test_bodies_split_at_200_events_and_64_kib(browser: Any, cap: Capture) -> None:
    # Chromium allows 64 KiB of beacons in flight, so several large bodies in one flush
    # would wait for retries; this stub forwards them with plain fetch to test the split.
    init = """
        navigator.sendBeacon = (u, body) => (fetch(u, {method: 'POST', body}), true)
    """
    page = await open_page(browser, cap, "spa.html", init=init)
    await page.evaluate(
        """() => {
            for (let i = 0; i < 450; i++) peil.track('small', {i})
            const big = {}
            for (let k = 0; k < 25; k++) big['key' + k] = 'x'.repeat(300)
            for (let i = 0; i < 40; i++) peil.track('big', big)
            peil.flush()
        }"""
    )
    await cap.wait_for(lambda c: len(c.events("custom")) == 490)
    check_wire_format(cap)  # <= 200 events and <= 64 KiB per body
    # (the fetches of the stub may arrive in any order)
    sizes = sorted((len(b.data["events"]) for b in cap.bodies), reverse=True)
    assert sizes[:2] == [200, 200] and sizes[2] < 200
    assert max(len(b.raw) for b in cap.bodies) > 60_000  # filled up to the 64 KiB limit
    small = [e["props"]["i"] for e in cap.events("custom") if e["n"] == "small"]
    assert sorted(small) == list(range(450))
    big = next(e for e in cap.events("custom") if e["n"] == "big")
    assert len(big["props"]) == 20 and {len(v) for v in big["props"].values()} == {200}
    await close(page)


async def test_throwing_storage_and_cookies_do_not_break_the_page(
    browser: Any, cap: Capture
) -> None:
    # as in some private modes and sandboxed frames
    init = """
        const deny = { get() { throw new DOMException('denied', 'SecurityError') } }
        Object.defineProperty(window, 'localStorage', deny)
        Object.defineProperty(Document.prototype, 'cookie', { ...deny, set: deny.get })
    """
    context = await browser.new_context()
    await context.add_init_script(init)
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(f"{cap.base}/plain.html")
    await page.wait_for_function("window.peil && window.peil.v")
    await page.evaluate("peil.optOut(); peil.optIn(); peil.track('still'); peil.flush()")
    await cap.wait_for(lambda c: "still" in [e["n"] for e in c.events("custom")])
    assert errors == []
    await context.close()
