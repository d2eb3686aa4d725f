"""peil.js end to end: Debian's Chromium (Playwright) opens fixture pages on a site origin
(http://localhost:PORT) whose script tag loads the tracker from the real collector
(http://127.0.0.1:PORT, PostgreSQL behind it), and the tests check the rows the collector
stored: every event type, media segments, SPA navigation, engagement, the flush on close,
batching and retries, DNT/GPC/opt-out (also through the /optout page), consent mode, and a
page whose collector is unreachable.

The server places the events of one body at its receive time minus their client-side
distance from the body's newest event, so rows of different bodies sent in one flush are
not in client order: tests compare those as multisets, or flush between the steps whose
order they check.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import Any

import pytest
from playwright.async_api import expect

from tests.support.browser import Browser, PageServer, Site, Stored, Tab

BODY_KEYS = {"site", "url", "ref", "sw", "sh", "pv", "uid", "sid", "events"}


def of(rows: list[dict[str, Any]], *types: str) -> list[dict[str, Any]]:
    return [r for r in rows if r["t"] in types]


def names(rows: list[dict[str, Any]]) -> list[str]:
    return [r["name"] for r in of(rows, "custom")]


def props(row: dict[str, Any]) -> Any:
    return None if row["props"] is None else json.loads(row["props"])


async def check_posts(tab: Tab, site: Site, pages: PageServer) -> None:
    """What the browser sent while the page was open: text/plain bodies in the documented
    shape, unique event ids, every one accepted (202) by the collector."""
    assert tab.api_posts, "nothing was sent"
    ids = []
    for request in tab.api_posts:
        assert request.method == "POST"
        assert request.headers["content-type"].startswith("text/plain")
        body = request.post_data_buffer
        assert len(body) <= 65536
        data = json.loads(body)
        assert set(data) == BODY_KEYS, data.keys()
        assert data["site"] == site.key and data["pv"] == "0.1.0"
        assert data["url"].startswith(pages.base + "/")
        assert 1 <= len(data["events"]) <= 200
        ids += [e["id"] for e in data["events"]]
        response = await request.response()
        assert response is not None and response.status == 202
    assert len(ids) == len(set(ids)), "event ids are not unique"


async def test_every_event_type_is_stored(
    browse: Browser, stored: Stored, site: Site, pages: PageServer
) -> None:
    tab = await browse.open("plain.html")
    page = tab.page
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
    await page.evaluate("peil('track', 'by-name'); peil.flush()")
    rows = await stored.wait_for(lambda r: "by-name" in names(r))
    await check_posts(tab, site, pages)

    # the hash link is a navigation: a second pageview (the fragment is not stored)
    views = of(rows, "pageview")
    assert [(v["path"], v["query"]) for v in views] == [("/plain.html", None)] * 2
    (leave,) = of(rows, "pageleave")
    # the call queued by the pre-load stub, replayed after the pageview
    early = next(r for r in of(rows, "custom") if r["name"] == "early")
    assert props(early) == {"from": "stub", "n": 1}

    clicks = of(rows, "click")
    assert Counter(c["el"] for c in clicks) == Counter(
        [
            "button#buy.primary.big",
            "a[data-peil-name=signup]",
            "div#fake",
            "input#email",
            "button#boom",
        ]
    )
    for c in clicks:
        assert 0 <= c["x"] <= 1 and isinstance(c["y"], int) and 0 < c["y"] < 600
    assert "secret@example.nl" not in repr(rows)  # input values are never sent

    hovers = of(rows, "hover")
    assert "a#home.nav.main" in [h["el"] for h in hovers] and len(hovers) <= 5
    for h in hovers:
        assert h["x"] is None and h["y"] is None

    (error,) = of(rows, "error")
    assert "boom from fixture" in error["name"]
    assert error["src"] == f"{pages.base}/plain.html"
    assert isinstance(props(error)["line"], int)

    signup = next(r for r in of(rows, "custom") if r["name"] == "signup")
    assert props(signup) == {"plan": "pro", "n": 3, "ok": True}
    assert [r["el"] for r in of(rows, "eleOn")] == ["banner"]

    # what the collector adds, the same for every row of this visit
    for r in rows:
        assert (r["host"], r["path"], r["origin"]) == ("localhost", "/plain.html", "localhost")
        assert (r["browser"], r["browser_version"], r["os"], r["device"]) == (
            "Chrome",
            131,
            "Linux",
            1,
        )
        assert (r["screen_w"], r["screen_h"], r["lang"]) == (1920, 1080, "nl")
        assert r["player_version"] == "0.1.0" and r["referrer"] is None
        assert r["uid"] is None and r["sid"] is None  # cookieless mode
        assert str(r["ip"]).split("/")[0] == "127.0.0.0"  # truncated, never the full address
    assert len({r["visitor"] for r in rows}) == 1
    assert len({r["client_id"] for r in rows}) == len(rows)

    # scroll to the bottom: the banner leaves, the footer (no label: descriptor) comes
    await page.mouse.wheel(0, 5000)
    await page.wait_for_timeout(500)
    await tab.close()
    rows = await stored.wait_for(lambda r: len(of(r, "pageleave")) == 2)
    assert [r["el"] for r in of(rows, "eleOff")] == ["banner"]
    assert "footer#footer" in [r["el"] for r in of(rows, "eleOn")]
    last = next(r for r in of(rows, "pageleave") if r["client_id"] != leave["client_id"])
    assert last["depth"] == 100 and last["eng"] > 500
    assert 0 <= leave["depth"] <= 100 and leave["eng"] >= 0
    assert tab.page_errors == ["boom from fixture"]  # the fixture's own error, nothing else


async def test_closing_the_page_flushes_the_queue(browse: Browser, stored: Stored) -> None:
    tab = await browse.open("plain.html")
    await tab.page.click("#buy")
    await tab.page.evaluate("peil.track('last')")
    # well within the 5 s batching delay: nothing has been sent yet
    assert tab.api_posts == []
    await tab.close()
    rows = await stored.wait_for(lambda r: len(of(r, "pageleave")) == 1)
    assert Counter(r["t"] for r in rows if r["t"] != "eleOn") == {
        "pageview": 1,
        "custom": 2,
        "click": 1,
        "pageleave": 1,
    }
    assert sorted(names(rows)) == ["early", "last"]


async def test_spa_navigation(browse: Browser, stored: Stored) -> None:
    tab = await browse.open("spa.html")
    page = tab.page

    async def go_back() -> None:
        await page.go_back()

    steps = [
        lambda: page.click("#to-one"),  # pushState
        lambda: page.click("#same"),  # replaceState to the same URL: no pageview
        lambda: page.click("#to-hash"),  # hashchange
        lambda: page.click("#to-two"),  # pushState
        go_back,  # popstate and hashchange for one URL change: one pageview
        lambda: page.evaluate("peil.pageview()"),  # manual: counts even on the same URL
    ]
    # Flushing after each step sends every pageview in a body of its own, in order.
    for step in steps:
        await step()
        await page.wait_for_timeout(100)
        await page.evaluate("peil.flush()")
        await page.wait_for_timeout(100)
    await tab.close()
    queries = [None, "page=one", "page=one", "page=two", "page=one", "page=one"]
    rows = await stored.wait_for(lambda r: len(of(r, "pageleave")) == len(queries))
    rows = await stored.settle(0.3)
    views = of(rows, "pageview")
    assert [v["query"] for v in views] == queries
    assert {v["path"] for v in views} == {"/spa.html"}
    # every pageleave was sent with the URL of the page view it closes
    assert Counter(r["query"] for r in of(rows, "pageleave")) == Counter(queries)


def watched(rows: list[dict[str, Any]]) -> float:
    """Seconds watched according to the segments the stored media events close."""
    total = 0.0
    for e in rows:
        if e["t"] in ("pause", "ended", "videoUnload"):
            assert e["pos"] >= e["from_pos"], e
            total += e["pos"] - e["from_pos"]
        elif e["t"] in ("seek", "rewind"):
            assert e["to_pos"] >= e["from_pos"], e
            total += e["to_pos"] - e["from_pos"]
    return total


MEDIA_TYPES = ("videoLoad", "videoUnload", "play", "pause", "seek", "rewind", "ended")


def near(value: float, low: float, high: float) -> bool:
    """`value` (a float4 column) in [low, high], allowing for its rounding."""
    return low - 1e-4 <= value <= high + 1e-4


async def test_media_segments(browse: Browser, stored: Stored, pages: PageServer) -> None:
    tab = await browse.open("media.html")
    page = tab.page
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
    await page.evaluate(f"{v}.currentTime = 5")  # seek forward while paused: nothing watched
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
    await tab.close()
    rows = await stored.wait_for(lambda r: bool(of(r, "videoUnload")))

    media = of(rows, *MEDIA_TYPES)
    assert [e["t"] for e in media] == [
        "videoLoad", "play", "pause", "seek", "play", "rewind", "seek", "pause", "ended",
        "play", "pause", "seek", "play", "videoUnload",
    ]  # fmt: skip
    for e in media:
        assert e["el"] == "video#intro.player"  # never the data-peil-ignore video
        assert e["src"] == f"{pages.base}/clip.webm"  # no query string, no fragment
        assert e["dur"] == 10
    load, play1, pause1, seek1, play2, rewind, seek2, pause2, ended = media[:9]
    restart, pause3, seek3, play3, unload = media[9:]
    assert load["pos"] == 0 and play1["pos"] == 0
    assert pause1["from_pos"] == 0 and near(pause1["pos"], 1.2, 2.0)
    assert seek1["from_pos"] == seek1["to_pos"] == pause1["pos"] and seek1["pos"] == 5
    assert play2["pos"] == 5
    assert rewind["from_pos"] == 5 and near(rewind["to_pos"], 5.8, 6.6) and rewind["pos"] == 2
    assert seek2["from_pos"] == 2 and near(seek2["to_pos"], 2.6, 3.4) and seek2["pos"] == 8
    assert pause2["from_pos"] == 8 and pause2["pos"] == 10
    assert ended["from_pos"] == ended["pos"] == 10  # the segment was closed by pause already
    assert restart["pos"] == 0
    # pause(); currentTime = 9 in one task: the segment ends where playback was, not at 9
    assert pause3["from_pos"] == 0 and near(pause3["pos"], 0.6, 1.4)
    assert seek3["from_pos"] == seek3["to_pos"] == pause3["pos"] and seek3["pos"] == 9
    assert play3["pos"] == 9 and unload["from_pos"] == 9 and near(unload["pos"], 9.2, 10)
    assert abs(watched(media) - played) < 1.5, (watched(media), played)
    assert watched(media) <= time.monotonic() - started


async def test_media_added_later_and_removed(browse: Browser, stored: Stored) -> None:
    tab = await browse.open("dynamic.html")
    page = tab.page
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
    await tab.close()
    rows = await stored.wait_for(lambda r: len(of(r, "videoUnload")) == 2)
    late = [e for e in of(rows, *MEDIA_TYPES) if e["el"] == "video#late"]
    assert [e["t"] for e in late] == ["videoLoad", "play", "videoUnload"]
    assert late[-1]["from_pos"] == 0 and near(late[-1]["pos"], 0.6, 1.5)
    pre = [e for e in of(rows, *MEDIA_TYPES) if e["el"] == "video#pre"]
    assert [e["t"] for e in pre] == ["videoLoad", "play", "videoUnload"]
    assert pre[-1]["pos"] > pre[-1]["from_pos"]


async def test_interactions_with_timecodes(
    browse: Browser, stored: Stored, pages: PageServer
) -> None:
    """A click, hover, eleOn or eleOff on a medium, or on an element in the container (the
    parent element) of a playing one, carries the medium's src and pos."""
    tab = await browse.open("timecodes.html")
    page = tab.page
    await page.wait_for_function(
        "['tour', 'loose'].every((id) => document.getElementById(id).readyState >= 1)"
    )
    src = f"{pages.base}/clip.webm"  # currentSrc without query, as in media events
    playhead = "document.getElementById('tour').currentTime"

    # paused: the video itself carries its position, its container does not
    await page.click("#tour")
    await page.click("#spot")
    await page.evaluate("peil.flush()")
    rows = await stored.wait_for(lambda r: len(of(r, "click")) == 2)
    paused = {c["el"]: (c["src"], c["pos"]) for c in of(rows, "click")}
    assert paused == {"video#tour": (src, 0), "button#spot": (None, None)}
    seen = {r["client_id"] for r in rows}

    await page.evaluate("Promise.all([tour.play(), loose.play()])")
    await page.wait_for_timeout(1000)
    before = await page.evaluate(playhead)
    await page.click("#tour")  # on the playing video
    await page.click("#spot")  # beside it, in its container
    await page.click("#far")  # in the body: the loose video's parent is no container
    after = await page.evaluate(playhead)
    await page.hover("#tour")
    hover_from = await page.evaluate(playhead)
    await page.wait_for_timeout(800)  # a hover is a pointer resting >= 500 ms
    hover_to = await page.evaluate(playhead)
    await page.hover("#far")
    await page.wait_for_timeout(800)
    shown_from = await page.evaluate(playhead)
    await page.evaluate("chapter.classList.add('on')")  # the card comes in view: eleOn
    await page.wait_for_timeout(300)
    await page.evaluate("chapter.classList.remove('on')")  # and goes: eleOff
    await page.wait_for_timeout(300)
    shown_to = await page.evaluate(playhead)
    assert await page.evaluate("!tour.paused && !tour.ended")
    await page.evaluate("peil.flush()")
    rows = await stored.wait_for(lambda r: bool(of(r, "eleOff")))
    await check_posts(tab, stored.site, pages)
    rows = [r for r in rows if r["client_id"] not in seen]

    def timecode(el: str, *types: str) -> tuple[Any, Any]:
        (row,) = [r for r in of(rows, *types) if r["el"] == el]
        return row["src"], row["pos"]

    for el in ("video#tour", "button#spot"):
        got_src, pos = timecode(el, "click")
        assert got_src == src and near(pos, before - 0.05, after + 0.05), (el, pos, before)
    assert timecode("button#far", "click") == (None, None)
    got_src, pos = timecode("video#tour", "hover")
    assert got_src == src and near(pos, hover_from - 0.05, hover_to + 0.05), pos
    assert timecode("button#far", "hover") == (None, None)
    for kind in ("eleOn", "eleOff"):
        got_src, pos = timecode("chapter", kind)
        assert got_src == src and near(pos, shown_from - 0.05, shown_to + 0.05), (kind, pos)
    # the interactions keep their own fields: a click its position, none a duration
    for c in of(rows, "click"):
        assert 0 <= c["x"] <= 1 and c["y"] > 0 and c["dur"] is None and c["from_pos"] is None


async def test_consent_mode(browse: Browser, stored: Stored, pages: PageServer) -> None:
    tab = await browse.open("consent.html")
    page, context = tab.page, tab.context
    await page.click("#buy")
    await page.evaluate("peil.flush()")
    assert await stored.settle(0.5) == [], "nothing may be stored before consent"
    assert tab.api_posts == [] and await context.cookies() == []

    await page.click("#accept")
    rows = await stored.wait_for(lambda r: len(of(r, "click")) == 2)
    (cookie,) = await context.cookies()
    assert cookie["name"] == "peil_id" and cookie["path"] == "/"
    assert cookie["sameSite"] == "Lax" and cookie["secure"] is False  # http fixture origin
    assert abs(cookie["expires"] - (time.time() + 30 * 86400)) < 60  # data-cookie-days="30"
    uid, born, sid, _seen = cookie["value"].split(".")
    assert abs(int(born) / 1000 - time.time()) < 60  # the uid creation time
    # what was held in memory is stored now (and the click on "accept"), with uid and sid
    assert len(of(rows, "pageview")) == 1
    assert sorted(r["el"] for r in of(rows, "click")) == ["button#accept", "button#buy.primary"]
    assert {(r["uid"], r["sid"]) for r in rows} == {(uid, sid)}

    # later visit: consent remembered by the cookie; the uid lifetime is not extended and
    # a session idle for more than 30 minutes gets a new sid
    old = int(time.time() * 1000) - 29 * 86400_000
    idle = int(time.time() * 1000) - 31 * 60_000
    await context.add_cookies(
        [{"name": "peil_id", "value": f"{uid}.{old}.{sid}.{idle}", "url": pages.base}]
    )
    await page.goto(f"{pages.base}/consent.html?again")
    await page.wait_for_function("window.peil && window.peil.v")
    await page.evaluate("peil.flush()")
    rows = await stored.wait_for(lambda r: any(x["query"] == "again" for x in r))
    again = {(r["uid"], r["sid"]) for r in rows if r["query"] == "again"}
    assert len(again) == 1
    ((again_uid, again_sid),) = again
    assert again_uid == uid and again_sid not in (sid, None)
    (cookie,) = await context.cookies()
    assert abs(cookie["expires"] - (old / 1000 + 30 * 86400)) < 60

    # withdrawal deletes the cookie and stops sending
    await page.click("#reject")
    assert await context.cookies() == []
    count = len(await stored.settle(0.3))
    await page.click("#buy")
    await page.evaluate("peil.flush()")
    await tab.close()
    assert len(await stored.settle()) == count


async def test_withdrawn_consent_stops_identifiers_at_once(browse: Browser, stored: Stored) -> None:
    tab = await browse.open("consent.html")
    page, context = tab.page, tab.context
    await page.click("#accept")
    await stored.wait_for(lambda r: bool(of(r, "click")))
    ((cookie,),) = [await context.cookies()]
    first_uid = cookie["value"].split(".")[0]

    # queued but not sent yet when consent is withdrawn: never sent, with or without ids
    await page.evaluate("peil.track('queued')")
    await page.click("#reject")
    assert await context.cookies() == []
    # and nothing after the "no" is held for later either
    await page.click("#buy")
    await page.evaluate("peil.track('refused'); peil.flush()")
    await page.wait_for_timeout(300)
    assert await context.cookies() == []

    # consent given again: a new uid, never the withdrawn one
    await page.click("#accept")
    await page.evaluate("peil.track('again'); peil.flush()")
    rows = await stored.wait_for(lambda r: "again" in names(r))
    (cookie,) = await context.cookies()
    again_uid = cookie["value"].split(".")[0]
    assert again_uid != first_uid
    assert names(rows) == ["again"]  # not "queued", not "refused"
    # (the second click on "accept" came while refused, before the consent it gave)
    assert [r["el"] for r in of(rows, "click")] == ["button#accept"]
    assert {r["uid"] for r in of(rows, "pageview", "click")} == {first_uid}
    assert {r["uid"] for r in rows if r["name"] == "again"} == {again_uid}
    await tab.close()
    assert names(await stored.settle()) == ["again"]


@pytest.mark.parametrize(
    "init",
    [
        "Object.defineProperty(navigator, 'doNotTrack', {get: () => '1'})",
        "Object.defineProperty(navigator, 'globalPrivacyControl', {get: () => true})",
    ],
    ids=["dnt", "gpc"],
)
async def test_consent_under_dnt_or_gpc_sets_no_cookie_and_sends_nothing(
    browse: Browser, stored: Stored, init: str
) -> None:
    tab = await browse.open("consent.html", init=init)
    await tab.page.click("#accept")
    await tab.page.click("#buy")
    await tab.page.evaluate("peil.track('x'); peil.flush()")
    assert await tab.context.cookies() == []
    await tab.close()
    assert tab.api_posts == []
    assert await stored.settle() == []


@pytest.mark.parametrize(
    "init",
    [
        "Object.defineProperty(navigator, 'doNotTrack', {get: () => '1'})",
        "Object.defineProperty(navigator, 'globalPrivacyControl', {get: () => true})",
        "localStorage.setItem('peil_optout', '1')",
    ],
    ids=["dnt", "gpc", "opted-out"],
)
async def test_privacy_signals_send_nothing(browse: Browser, stored: Stored, init: str) -> None:
    tab = await browse.open("plain.html", init=init)
    await tab.page.click("#buy")
    await tab.page.evaluate("peil.track('x'); peil.flush()")
    await tab.page.wait_for_timeout(200)
    assert tab.api_posts == []
    await tab.close()
    assert await stored.settle() == []


async def test_opt_out_and_in(browse: Browser, stored: Stored) -> None:
    tab = await browse.open("plain.html")
    page = tab.page
    await page.evaluate("peil.optOut()")
    assert await page.evaluate("localStorage.getItem('peil_optout')") == "1"
    await page.click("#buy")
    await page.evaluate("peil.flush()")
    await page.reload()  # remembered on this browser
    await page.wait_for_function("window.peil && window.peil.v")
    await page.click("#buy")
    await page.evaluate("peil.flush()")
    assert await stored.settle(0.5) == []
    await page.evaluate("peil.optIn(); peil.track('back')")
    assert await page.evaluate("localStorage.getItem('peil_optout')") is None
    await page.evaluate("peil.flush()")
    rows = await stored.wait_for(lambda r: "back" in names(r))
    assert [r["t"] for r in rows] == ["custom"]


async def test_optout_page_framed_on_the_site(
    browse: Browser, stored: Stored, pages: PageServer
) -> None:
    tab = await browse.open("optout-frame.html")
    page = tab.page
    frame = page.frame_locator("#optout")
    status = frame.locator("#status")
    site_host = pages.base.removeprefix("http://")
    await expect(status).to_contain_text(f"visits to {site_host} are measured")
    await expect(frame.locator("#in")).to_be_hidden()

    # only the collector's origin is heard: the page itself (or another frame) cannot
    await page.evaluate("postMessage('peil:out', '*')")
    await page.wait_for_timeout(200)
    assert await page.evaluate("localStorage.getItem('peil_optout')") is None

    await frame.locator("#out").click()
    await expect(status).to_contain_text("opted out")
    # the flag is the site's own, the one peil.optOut() sets
    assert await page.evaluate("localStorage.getItem('peil_optout')") == "1"
    await page.click("#buy")
    await page.evaluate("peil.track('after-out'); peil.flush()")
    assert of(await stored.settle(0.5), "click", "custom") == []

    await page.reload()
    await expect(status).to_contain_text("opted out")
    await frame.locator("#in").click()
    await expect(status).to_contain_text("are measured")
    assert await page.evaluate("localStorage.getItem('peil_optout')") is None
    await page.evaluate("peil.track('back'); peil.flush()")
    await stored.wait_for(lambda r: names(r) == ["back"])
    # the page's Content-Security-Policy let its own script and style run, nothing else
    assert tab.console_errors == [] and tab.page_errors == []


async def test_optout_page_framed_under_gpc_says_nothing_is_measured(
    browse: Browser, pages: PageServer
) -> None:
    gpc = "Object.defineProperty(navigator, 'globalPrivacyControl', {get: () => true})"
    tab = await browse.open("optout-frame.html", init=gpc)
    frame = tab.page.frame_locator("#optout")
    site_host = pages.base.removeprefix("http://")
    await expect(frame.locator("#status")).to_contain_text(
        f"visits to {site_host} are not measured"
    )
    await expect(frame.locator("#dnt")).to_contain_text("whatever you choose here")
    # the choice is still stored, for when the browser's signal is turned off
    await frame.locator("#out").click()
    await expect(frame.locator("#status")).to_contain_text("opted out")
    assert await tab.page.evaluate("localStorage.getItem('peil_optout')") == "1"


async def test_optout_page_as_a_plain_link(browse: Browser, pages: PageServer) -> None:
    site_host = pages.base.removeprefix("http://")
    collector_host = pages.collector.removeprefix("http://")
    # followed from a link on the site (another origin): it cannot know or change the site's
    # choice, says so, and offers what works: the way back, and the browser's own signal
    tab = await browse.open("optout-link.html")
    page = tab.page
    await page.click("#optout-link")
    await page.wait_for_url(f"{pages.collector}/optout")
    status = page.locator("#status")
    await expect(status).to_contain_text(
        f"cannot see or change whether {site_host} measures your visits"
    )
    await expect(page.locator("#out")).to_be_hidden()
    await expect(page.locator("#in")).to_be_hidden()
    await expect(page.locator("#elsewhere")).to_contain_text("Global Privacy Control")
    back = page.locator("#back-link")
    await expect(back).to_have_text(f"Back to {site_host}")
    assert (await back.get_attribute("href")).startswith(pages.base + "/")
    assert await page.evaluate("localStorage.length") == 0  # it stored nothing of its own
    assert tab.console_errors == [] and tab.page_errors == []
    await back.click()  # to the site's origin (all a cross-origin referrer tells)
    await page.wait_for_url(f"{pages.base}/**")
    assert await page.evaluate("localStorage.getItem('peil_optout')") is None  # nothing changed

    # opened directly (typed, bookmarked) under DNT: nothing to go back to; DNT is named
    dnt = "Object.defineProperty(navigator, 'doNotTrack', {get: () => '1'})"
    direct = await browse.open("", init=dnt, url=f"{pages.collector}/optout", wait=False)
    await expect(direct.page.locator("#status")).to_contain_text(
        "cannot see or change whether a website measures your visits"
    )
    await expect(direct.page.locator("#dnt")).to_be_visible()
    await expect(direct.page.locator("#back")).to_be_hidden()
    await expect(direct.page.locator("#out")).to_be_hidden()
    # the stylesheet loaded under style-src 'self'
    font = await direct.page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "system-ui" in font
    assert direct.console_errors == [] and direct.page_errors == []

    # reached from a page of its own origin (the collector served under the site's origin,
    # a reverse-proxied path), its storage is the site's: it shows the flag and toggles it
    same = await browse.open("", url=f"{pages.collector}/healthz", wait=False)
    await same.page.goto(f"{pages.collector}/optout", referer=f"{pages.collector}/privacy")
    await expect(same.page.locator("#status")).to_contain_text(
        f"visits to {collector_host} are measured"
    )
    await same.page.click("#out")
    await expect(same.page.locator("#status")).to_contain_text("opted out")
    assert await same.page.evaluate("localStorage.getItem('peil_optout')") == "1"
    await same.page.click("#in")
    await expect(same.page.locator("#status")).to_contain_text("are measured")
    assert await same.page.evaluate("localStorage.getItem('peil_optout')") is None


async def test_optout_page_framed_without_the_tracker(browse: Browser) -> None:
    untracked = await browse.open("optout-frame-untracked.html", wait=False)
    frame = untracked.page.frame_locator("#optout")
    await expect(frame.locator("#status")).to_contain_text("not found", timeout=6000)
    await expect(frame.locator("#out")).to_be_hidden()
    await expect(frame.locator("#in")).to_be_hidden()


async def test_default_mode_stores_nothing_in_the_browser(browse: Browser, stored: Stored) -> None:
    tab = await browse.open("plain.html")
    await tab.page.click("#buy")
    await tab.page.evaluate("peil.consent(true); peil.flush()")  # no effect without consent mode
    rows = await stored.wait_for(lambda r: bool(of(r, "click")))
    assert await tab.context.cookies() == []
    assert await tab.page.evaluate("localStorage.length + sessionStorage.length") == 0
    assert {(r["uid"], r["sid"]) for r in rows} == {(None, None)}


async def test_batching_timer_and_hidden_flush(browse: Browser, stored: Stored) -> None:
    tab = await browse.open("plain.html")
    sent: list[float] = []
    tab.context.on("request", lambda r: r.url.endswith("/api/events") and sent.append(time.time()))
    rows = await stored.wait_for(lambda r: bool(r), timeout=10)
    # the first event (the pageview) started a ~5 s timer; nothing went out before it
    first = json.loads(tab.api_posts[0].post_data_buffer)
    assert first["events"][0]["t"] == "pageview"
    assert 4.5 < sent[0] - first["events"][0]["ts"] / 1000 < 7
    assert "pageview" in [r["t"] for r in rows]
    # hiding the page sends a pageleave at once, without waiting for the timer
    hidden_at = time.time()
    await tab.page.evaluate(
        """() => {
            Object.defineProperty(document, 'hidden', {get: () => true, configurable: true})
            document.dispatchEvent(new Event('visibilitychange'))
        }"""
    )
    await stored.wait_for(lambda r: bool(of(r, "pageleave")), timeout=3)
    assert len(sent) == 2 and sent[1] - hidden_at < 1


async def test_refused_beacon_is_retried(browse: Browser, stored: Stored) -> None:
    # the first two beacons are refused (as when the browser's beacon quota is full)
    init = """
        const real = navigator.sendBeacon.bind(navigator)
        window.refused = 0
        navigator.sendBeacon = (u, b) => (window.refused++ < 2 ? false : real(u, b))
    """
    tab = await browse.open("plain.html", init=init)
    page = tab.page
    await page.evaluate("peil.track('a'); peil.flush()")  # refused
    await page.evaluate("peil.track('b'); peil.flush()")  # refused
    assert await stored.settle(0.3) == []
    await page.evaluate("peil.track('c'); peil.flush()")  # accepted: all of them, once
    rows = await stored.wait_for(lambda r: len(names(r)) == 4)
    assert sorted(names(rows)) == ["a", "b", "c", "early"]
    assert len(of(rows, "pageview")) == 1
    assert len(tab.api_posts) == 1
    assert len(await stored.settle(0.3)) == len(rows)


async def test_fetch_fallback_without_beacon(
    browse: Browser, stored: Stored, site: Site, pages: PageServer
) -> None:
    tab = await browse.open("plain.html", init="delete Navigator.prototype.sendBeacon")
    await tab.page.evaluate("peil.track('via-fetch'); peil.flush()")
    rows = await stored.wait_for(lambda r: "via-fetch" in names(r))
    assert {r["origin"] for r in rows} == {"localhost"}
    assert [r.resource_type for r in tab.api_posts] == ["fetch"]
    request = tab.api_posts[0]
    assert request.headers["content-type"].startswith("text/plain")
    assert json.loads(request.post_data_buffer)["site"] == site.key


async def test_bodies_split_at_200_events_and_64_kib(
    browse: Browser, stored: Stored, site: Site, pages: PageServer
) -> None:
    # Chromium allows 64 KiB of beacons in flight, so several large bodies in one flush
    # would wait for retries; this stub forwards them with plain fetch to test the split.
    init = "navigator.sendBeacon = (u, body) => (fetch(u, {method: 'POST', body}), true)"
    tab = await browse.open("spa.html", init=init)
    await tab.page.evaluate(
        """() => {
            for (let i = 0; i < 450; i++) peil.track('small', {i})
            const big = {}
            for (let k = 0; k < 25; k++) big['key' + k] = 'x'.repeat(300)
            for (let i = 0; i < 40; i++) peil.track('big', big)
            peil.flush()
        }"""
    )
    # the collector refuses bodies over 64 KiB or 200 events: all stored, all fitted
    rows = await stored.wait_for(lambda r: len(names(r)) == 490)
    await check_posts(tab, site, pages)
    sizes = sorted(len(json.loads(r.post_data_buffer)["events"]) for r in tab.api_posts)
    assert sizes[-2:] == [200, 200] and sum(sizes) == 491
    assert max(len(r.post_data_buffer) for r in tab.api_posts) > 60_000
    small = [props(r)["i"] for r in of(rows, "custom") if r["name"] == "small"]
    assert sorted(small) == list(range(450))
    big = next(r for r in of(rows, "custom") if r["name"] == "big")
    assert len(props(big)) == 20 and {len(v) for v in props(big).values()} == {200}


async def test_throwing_storage_and_cookies_do_not_break_the_page(
    browse: Browser, stored: Stored
) -> None:
    # as in some private modes and sandboxed frames
    init = """
        const deny = { get() { throw new DOMException('denied', 'SecurityError') } }
        Object.defineProperty(window, 'localStorage', deny)
        Object.defineProperty(Document.prototype, 'cookie', { ...deny, set: deny.get })
    """
    tab = await browse.open("plain.html", init=init)
    await tab.page.evaluate("peil.optOut(); peil.optIn(); peil.track('still'); peil.flush()")
    await stored.wait_for(lambda r: "still" in names(r))
    assert tab.page_errors == []


async def test_unreachable_collector_breaks_nothing(
    browse: Browser, stored: Stored, pages: PageServer
) -> None:
    tab = await browse.open("unreachable.html")
    page = tab.page
    await page.click("#buy")
    await expect(page.locator("#out")).to_have_text("bought")  # the page's own code runs
    await page.evaluate("peil.track('lost'); peil.flush()")
    dead = f"{pages.dead}/api/events"
    for _ in range(50):
        if dead in tab.failed_requests:
            break
        await page.wait_for_timeout(100)
    assert tab.failed_requests and set(tab.failed_requests) == {dead}
    # the failed request is all the console shows: no exception, no other error
    assert tab.page_errors == []
    assert all("ERR_CONNECTION_REFUSED" in text for text in tab.console_errors), tab.console_errors
    assert await stored.settle(0.2) == []
