/*! peil.js | AGPL-3.0-or-later */
/*
 * The Peil browser tracker. Embed with
 *   <script defer src="https://stats.example.nl/peil.js" data-site="SITEKEY"></script>
 * Options (data-* attributes of that script tag):
 *   data-site="KEY"           site key (required; without it nothing runs)
 *   data-consent="required"   send nothing until peil.consent(true); then use the peil_id cookie
 *   data-cookie-days="395"    lifetime of the consent-mode uid, counted from the first consent
 *   data-api="URL"            endpoint; default: origin of this script's src + /api/events
 * Mark-up hooks: data-peil-name="x" names an element in click/hover descriptors,
 * data-peil-track["=label"] reports eleOn/eleOff, data-peil-ignore silences an element
 * (and its subtree) for clicks, hovers, visibility and media.
 *
 * Public API: window.peil is a function that is also an object with methods.
 *   peil.track(name, props)   custom event; name <= 100 chars; props: flat object, at most
 *                             20 keys (<= 50 chars) of string (<= 200 chars)/number/boolean
 *   peil.pageview()           record a pageview of the current URL now (history API and
 *                             hash navigation are tracked automatically)
 *   peil.consent(true|false)  consent mode only: grant (sets the cookie, sends what was held
 *                             in memory) or withdraw (deletes the cookie, drops held events,
 *                             and holds none until consent is given again)
 *   peil.optOut()/optIn()     remember on this browser (localStorage peil_optout) not to track;
 *                             the collector's /optout page, framed on the site, asks for the
 *                             same over postMessage (see message() below)
 *   peil.flush()              send queued events now
 *   peil.v                    tracker version
 *   peil('track', 'signup', {plan: 'pro'}) calls a method by name. Calls made before the
 *   script loads are queued by this stub and replayed on load, in order:
 *     window.peil = window.peil || function () { (window.peil.q = window.peil.q || []).push(arguments) }
 *
 * Source layout: aliases, config, privacy checks, queue, transport, page tracking,
 * engagement, clicks/hovers/visibility/errors, media tracking, public API, start.
 * Every handler is wrapped (safe()): the tracker never throws into the page.
 */

// ---------------------------------------------------------------- aliases
// Browser globals and repeated strings, once, so the minifier can shrink them.
const w = window
const d = document
const root = d.documentElement
const now = Date.now
const VERSION = __VERSION__ // replaced by build.mjs with package.json's version
const MEDIA = 'video,audio'
const UNDEF = undefined

const safe = (f) => (...a) => {
  try {
    return f(...a)
  } catch (_) {}
}
// On window, capture phase: ahead of the page's handlers on its elements (sees events the
// page stops), and media events too, which do not bubble. (A window "error" reaches onMedia as well:
// window has no matches(), and safe() ends it there.)
const on = (type, f) => w.addEventListener(type, safe(f), true)
const attr = (el, name) => el.getAttribute(name)
const round = (x, k = 10) => Math.round(x * k) / k
// URL or file name without query string and fragment.
const clean = (s) => (s || '').split(/[?#]/)[0]
// 16 random base-36 characters (~82 bits): event ids, uid and sid.
const rid = () =>
  [...crypto.getRandomValues(new Uint8Array(16))].map((b) => (b % 36).toString(36)).join('')

// ---------------------------------------------------------------- config
const script = d.currentScript // set for classic scripts, defer and async included
const cfg = (k) => script && attr(script, 'data-' + k)
const SITE = cfg('site')
const CONSENT = cfg('consent') == 'required'
const COOKIE_MS = (+cfg('cookie-days') || 395) * 864e5
// The collector's origin: the default endpoint, and the only origin whose /optout page
// (framed on the site) may change the opt-out flag of this site.
const ORIGIN = script && new URL(script.src, location).origin
const API = cfg('api') || ORIGIN + '/api/events'

// ---------------------------------------------------------------- privacy checks
// Do Not Track / Global Privacy Control: send nothing at all, not even cookieless
// events (DESIGN: both are honoured; the server also discards uid/sid under them).
const DNT = navigator.doNotTrack == 1 || navigator.globalPrivacyControl == 1
// Storage (and cookie) access throws in some private modes and sandboxed frames.
const storage = safe((f) => f(localStorage))
let optedOut = storage((s) => s.getItem('peil_optout')) == '1'
// Consent mode after peil.consent(false), until consent(true): not even held.
let refused = 0
// Dropped: nothing is queued or sent.
const off = () => DNT || optedOut || refused

// Consent mode: the peil_id cookie is "uid.uidCreatedMs.sid.lastSeenMs". Its max-age
// counts down from the uid's creation (first consent), so visits never extend it.
// Its four parts; undefined without one (match() gives null: safe() swallows the TypeError).
const readCookie = safe(() => d.cookie.match(/(^|; )peil_id=([^;]+)/)[2].split('.'))
const writeCookie = (value, maxAge) => {
  d.cookie = `peil_id=${value};path=/;max-age=${maxAge};SameSite=Lax${
    location.protocol == 'https:' ? ';Secure' : ''
  }`
}
// A consent cookie from an earlier visit means consent was given.
let consented = CONSENT && !!readCookie()
// Returns [uid, sid], creating or renewing them, and refreshes the cookie.
const ids = () => {
  const t = now()
  let [uid, born, sid, seen] = readCookie() || []
  if (!sid || !(t - born < COOKIE_MS)) (uid = rid()), (born = t)
  if (!(t - seen < 18e5)) sid = rid() // a new session after 30 min idle
  writeCookie([uid, born, sid, t].join('.'), ((born - t + COOKIE_MS) / 1e3) | 0)
  return [uid, sid]
}
const forget = () => {
  writeCookie('', 0)
  queue = []
}

// ---------------------------------------------------------------- queue
// [url, event] pairs: "url" of a body is the page URL at the time of its events.
let queue = []
let timer = 0
let delay = 5e3
let url = location.href
const push = (t, fields) => {
  if (off()) return
  // at most 1000 held events: drop the oldest
  queue.push([url, { id: rid(), t, ts: now(), ...fields }]) > 1e3 && queue.shift()
  timer || (timer = setTimeout(flush, delay))
}

// ---------------------------------------------------------------- transport
// sendBeacon with a string body sends text/plain: no CORS preflight. The fetch fallback
// gets text/plain;charset=UTF-8 from its string body too; no-cors: the answer is unused, and
// no cookies go to another origin.
const post = (body) => {
  try {
    return navigator.sendBeacon(API, body)
  } catch (_) {}
  fetch(API, { method: 'POST', body, keepalive: true, mode: 'no-cors' }).catch(() => {})
  return 1
}
// Sends the whole queue: one body per run of events with the same URL, at most 200
// events and 64 KiB each. A refused beacon (browsers cap in-flight beacons at 64 KiB)
// keeps the rest queued for one retry chain: after 5 s when this flush sent something,
// else with a doubling delay (10 s ... 60 s). An accepted body resets the delay.
const flush = safe(() => {
  clearTimeout(timer)
  timer = 0
  if (off()) queue = []
  // Held: consent mode without consent; events wait in memory only, nothing is sent.
  if ((CONSENT && !consented) || !queue.length) return
  const [uid, sid] = CONSENT ? ids() : [null, null]
  let sent = 0
  while (queue.length) {
    const u = queue[0][0]
    let n = 0
    let body
    while (n < queue.length && n < 200 && queue[n][0] == u) n++
    for (;;) {
      body = JSON.stringify({
        site: SITE,
        url: u,
        ref: d.referrer,
        sw: screen.width,
        sh: screen.height,
        pv: VERSION,
        uid,
        sid,
        events: queue.slice(0, n).map((q) => q[1]),
      })
      if (n < 2 || new Blob([body]).size <= 65536) break
      n >>= 1
    }
    if (!post(body)) {
      timer = setTimeout(flush, sent ? delay : (delay = Math.min(delay * 2, 6e4)))
      return
    }
    queue.splice(0, n)
    delay = 5e3
    sent = 1
  }
})

// ---------------------------------------------------------------- page tracking
let depth = 0 // deepest scroll of this page view, percent of the page height
let sentDepth = -1 // depth in the last pageleave; -1: none sent yet for this page view
let hovers = 0
let errors = 0
const scrolled = () => {
  depth = Math.max(
    depth,
    Math.min(100, Math.round(((scrollY + innerHeight) / root.scrollHeight) * 100))
  )
}
// A pageview when the URL changed (or when forced): replaceState to the same URL, or
// popstate + hashchange for one change, count once.
const pageview = (force) => {
  if (!force && location.href == url) return
  leave() // for the previous URL
  url = location.href
  depth = hovers = errors = 0
  sentDepth = -1
  scrolled()
  push('pageview')
}
const navigated = safe(() => pageview())
const wrap = (k) => {
  const orig = history[k]
  history[k] = (...a) => {
    const r = orig.apply(history, a)
    navigated()
    return r
  }
}

// ---------------------------------------------------------------- engagement
// eng: ms the page was visible and focused. Each pageleave carries the engaged time
// since the previous pageleave of the same page view (so the server sums them) and the
// deepest scroll so far (the server takes the maximum). One is sent per hide, leave or
// SPA navigation, unless nothing changed since the last one (e.g. pagehide after hidden).
let eng = 0
let active = 0 // start of the current engaged stretch, 0 when not engaged
// stop: the page is going away (Chrome fires pagehide before visibilitychange).
const tick = (stop) => {
  const t = now()
  if (active) eng += t - active
  active = !stop && !d.hidden && d.hasFocus() ? t : 0
}
const leave = (stop) => {
  tick(stop)
  scrolled()
  if (eng || depth > sentDepth) push('pageleave', { depth, eng }), (eng = 0), (sentDepth = depth)
}
const visibility = () => {
  tick()
  if (d.hidden) leave(), flush()
}
const pagehide = () => {
  leave(1)
  d.querySelectorAll(MEDIA).forEach(unload)
  flush()
}

// ------------------------------------------------- clicks, hovers, visibility, errors
// Descriptor: tag#id.class1.class2, or tag[data-peil-name=x] for named elements; never
// text content or values; at most 100 chars. Clicks and hovers describe the nearest
// meaningful ancestor.
const desc = (el) => {
  const tag = el.localName
  const name = attr(el, 'data-peil-name')
  const cls = [...el.classList].slice(0, 2).join('.')
  return (
    name ? `${tag}[data-peil-name=${name}]` : tag + (el.id ? '#' + el.id : '') + (cls && '.' + cls)
  ).slice(0, 100)
}
const pick = (el) => el.closest('a,button,input,select,label,[role=button],[data-peil-name]') || el
const ignored = (el) => el.closest('[data-peil-ignore]')

// Interactions with timecodes: a click, hover, eleOn or eleOff of a medium itself (playing
// or not), or of an element inside the container of a playing, not ignored medium, also
// carries that medium's src and pos, as its media events have them. The container is the
// medium's parent element (a player's box: controls, hotspots), unless that is <body>: a
// medium placed directly in the page has none. The medium itself comes first, else the
// first such playing one in document order; undefined (nothing added) without one.
const timed = (
  el,
  v = el.closest(MEDIA) ||
    [...d.querySelectorAll(MEDIA)].find(
      (v) => !v.paused && !ignored(v) && v.parentElement != d.body && v.parentElement.contains(el)
    )
) => v && { src: clean(v.currentSrc), pos: round(v.currentTime) }

// x: fraction of the page width; y: pixels from the page top. Keyboard activation
// (detail 0) has no pointer position: use the element's centre.
const click = (e) => {
  const el = pick(e.target)
  if (ignored(el)) return
  let x = e.pageX
  let y = e.pageY
  if (!e.detail) {
    const r = el.getBoundingClientRect()
    x = r.left + r.width / 2 + scrollX
    y = r.top + r.height / 2 + scrollY
  }
  push('click', {
    el: desc(el),
    x: round(Math.min(1, x / root.scrollWidth), 1e3),
    y: Math.round(y),
    ...timed(el),
  })
}

// Hover: a mouse pointer staying 500 ms on an element (not the page itself); at most 5
// per page view.
let hoverEl
let hoverTimer
const hover = (e) => {
  const el = pick(e.target)
  if (e.pointerType != 'mouse' || el == hoverEl) return
  clearTimeout(hoverTimer)
  hoverEl = el
  if (el != d.body && el != root && !ignored(el))
    hoverTimer = setTimeout(
      safe(() => hovers++ < 5 && push('hover', { el: desc(el), ...timed(el) })),
      500
    )
}
const pointerout = (e) => e.relatedTarget || (clearTimeout(hoverTimer), (hoverEl = 0))

// eleOn/eleOff: [data-peil-track] elements at least half in view. (An element taller than
// twice the viewport never reaches that ratio.)
const shown = new WeakSet()
const io =
  w.IntersectionObserver &&
  new IntersectionObserver(
    safe((entries) =>
      entries.forEach((e) => {
        const el = e.target
        const f = { el: (attr(el, 'data-peil-track') || desc(el)).slice(0, 100), ...timed(el) }
        if (e.intersectionRatio >= 0.5) {
          if (!shown.has(el) && !ignored(el)) shown.add(el), push('eleOn', f)
        } else if (shown.delete(el)) push('eleOff', f)
      })
    ),
    { threshold: 0.5 }
  )

// JavaScript errors (ErrorEvent; resource load errors have no message), 5 per page view.
const jsError = (e) =>
  e.message &&
  errors++ < 5 &&
  push('error', { msg: e.message.slice(0, 200), src: clean(e.filename), line: e.lineno })

// ---------------------------------------------------------------- media tracking
// Per element: a = last known playhead (from timeupdate; on "seeking" currentTime is
// already the target), g = start of the segment being watched (undefined when not
// playing), l = currentSrc once loaded (0 after unload), e = just ended.
// Segments: pause, ended and videoUnload close [from, pos]; seek/rewind close
// [from, to] and the next segment starts at pos if still playing. A seek while paused
// carries from == to (zero length: nothing watched). After pause closed a segment, an
// ended carries from == pos, so no time is counted twice. The restart of an ended medium
// and jumps under 0.5 s are not reported as seeks.
const media = new WeakMap()
const mediaEvent = (v, t, pos, fields) =>
  push(t, {
    el: desc(v),
    src: clean(v.currentSrc),
    pos: round(pos),
    dur: isFinite(v.duration) ? round(v.duration) : UNDEF, // omitted from the JSON
    ...fields,
  })
// While a seek is pending (pause() and currentTime = x in one task) the segment ends at
// the last known playhead, not at the seek target.
const close = (v, t, s) => {
  const p = v.seeking ? s.a : v.currentTime
  mediaEvent(v, t, p, { from: round(s.g == UNDEF ? p : s.g) })
  s.g = UNDEF
}
const unload = (v) => {
  const s = media.get(v)
  if (s && s.l) close(v, 'videoUnload', s), (s.l = 0)
}
// One handler per media event type: (element, state, currentTime, type).
const mediaHandlers = {
  timeupdate: (v, s, c) => v.seeking || (s.a = c),
  loadedmetadata: (v, s, c) =>
    s.l != v.currentSrc &&
    ((s.l = v.currentSrc), (s.g = UNDEF), (s.a = c), (s.e = 0), mediaEvent(v, 'videoLoad', c)),
  play: (v, s, c, t) => {
    s.g = s.a = c
    mediaEvent(v, t, c)
  },
  pause: (v, s, c, t) => close(v, t, s),
  ended: (v, s, c, t) => {
    close(v, t, s)
    s.e = 1
  },
  seeking: (v, s, c) => {
    if (s.e || Math.abs(c - s.a) >= 0.5) {
      s.e ||
        mediaEvent(v, c < s.a ? 'rewind' : 'seek', c, {
          from: round(s.g == UNDEF ? s.a : s.g),
          to: round(s.a),
        })
      s.e = 0
      s.g = v.paused ? UNDEF : c
    }
    s.a = c
  },
  error: (v, s, c, t) => mediaEvent(v, t, c, { code: v.error && v.error.code }),
}
const onMedia = (t, v) => {
  if (!v.matches(MEDIA) || ignored(v)) return
  let s = media.get(v)
  s || media.set(v, (s = { a: v.currentTime }))
  mediaHandlers[t](v, s, v.currentTime, t)
}
const each = (node, sel, f) => {
  if (node.matches) node.matches(sel) && f(node), node.querySelectorAll(sel).forEach(f)
}
// Media and tracked elements present at start or added later. Media events themselves are
// caught by capture listeners on the document; this only catches up on media that loaded
// (or started) before we saw them.
const scan = (node) => {
  each(node, MEDIA, (v) => {
    if (v.readyState && !(media.get(v) || {}).l) {
      onMedia('loadedmetadata', v)
      v.paused || onMedia('play', v)
    }
  })
  io && each(node, '[data-peil-track]', (el) => io.observe(el))
}
const mutations = (list) =>
  list.forEach((m) => {
    m.addedNodes.forEach(scan)
    m.removedNodes.forEach((n) => each(n, MEDIA, (v) => v.isConnected || unload(v)))
  })

// ---------------------------------------------------------------- public API
const consent = (yes) => {
  if (!CONSENT) return // cookieless mode has nothing to consent to
  refused = !(consented = !!yes)
  if (yes) off() || ids(), flush() // ids() sets the cookie; never under DNT/GPC/opt-out
  else forget()
}
const api = safe((method, ...args) => api[method](...args))
const methods = {
  track: (name, props) =>
    push('custom', {
      n: String(name).slice(0, 100),
      props: Object.fromEntries(
        Object.entries(Object(props))
          // strings, numbers, booleans (not bigint or symbol: JSON would throw/drop them)
          .filter(([, v]) => /^(st|nu|bo)/.test(typeof v))
          .slice(0, 20)
          .map(([k, v]) => [k.slice(0, 50), v.slice ? v.slice(0, 200) : v])
      ),
    }),
  pageview: () => pageview(1),
  consent,
  optOut: () => {
    storage((s) => s.setItem('peil_optout', '1'))
    optedOut = 1
    forget()
  },
  optIn: () => {
    storage((s) => s.removeItem('peil_optout'))
    optedOut = 0
  },
  flush,
}

// The collector's /optout page, framed on the site, cannot reach the site's localStorage
// (another origin): it asks this tracker instead. Messages: "peil:out", "peil:in" or
// "peil:?"; the answer is "peil:out" or "peil:in" (the state after it).
const message = (e) => {
  const m = e.data
  if (e.origin != ORIGIN || !/^peil:/.test(m)) return
  m == 'peil:out' ? methods.optOut() : m == 'peil:in' && methods.optIn()
  e.source.postMessage(optedOut ? 'peil:out' : 'peil:in', ORIGIN)
}

// ---------------------------------------------------------------- start
const start = () => {
  ;['pushState', 'replaceState'].forEach(wrap)
  on('popstate', navigated)
  on('hashchange', navigated)
  on('scroll', scrolled)
  on('focus', visibility)
  on('blur', visibility)
  on('visibilitychange', visibility)
  on('pagehide', pagehide)
  on('click', click)
  on('pointerover', hover)
  on('pointerout', pointerout)
  on('error', jsError)
  on('message', message)
  for (const t in mediaHandlers) on(t, (e) => onMedia(t, e.target))
  new MutationObserver(safe(mutations)).observe(root, { childList: true, subtree: true })
  tick()
  scrolled()
  push('pageview')
  scan(root)
  for (const k in methods) api[k] = safe(methods[k])
  api.v = VERSION
  const q = (w.peil && w.peil.q) || []
  w.peil = api
  q.forEach((args) => api(...args))
}
// Not without a site key; not twice when the snippet is included twice.
SITE && !(w.peil && w.peil.v) && safe(start)()
