// The script of Peil's /optout page (a separate file: the page's Content-Security-Policy
// forbids inline script). The opt-out flag is the one peil.optOut() sets: localStorage
// "peil_optout" = "1" on the site's own origin, which this page (on the collector's origin)
// cannot reach. So:
// - framed on a site's page, it asks that page's peil.js over postMessage ("peil:?",
//   "peil:out", "peil:in"); the tracker answers only messages from its collector's origin
//   and replies "peil:out" or "peil:in" with the state after the request. The status line
//   names the site the choice applies to (the framing page's host).
// - opened on its own (a plain link), it cannot know the state of the site it came from,
//   and says so: it offers a link back to that site (its privacy page can frame this one)
//   and the one switch that works everywhere, Global Privacy Control / Do Not Track. Only
//   when it was reached from a page of its own origin (the collector served under the
//   site's origin, a reverse-proxied path) is its localStorage the site's: then it shows
//   and toggles the flag itself.
;(() => {
  const $ = (id) => document.getElementById(id)
  const KEY = 'peil_optout'
  const framed = window.parent !== window
  const dnt = navigator.doNotTrack == '1' || navigator.globalPrivacyControl === true
  const from = (() => {
    try {
      return new URL(document.referrer)
    } catch (_) {
      return null // no referrer: typed, bookmarked, or the linking page sends none
    }
  })()
  const sameOrigin = !!from && from.origin == location.origin
  let site = location.host
  let answered = false

  const show = (state) => {
    const text = {
      out: `You have opted out: your visits to ${site} are not measured in this browser.`,
      in: dnt
        ? `Your visits to ${site} are not measured: your browser asks websites not to track it.`
        : `Your visits to ${site} are measured for anonymous statistics.`,
      none: 'The statistics script of this site was not found, so no choice can be stored.',
    }
    $('status').textContent = text[state]
    $('out').hidden = state != 'in'
    $('in').hidden = state != 'out'
  }

  // Opened on its own, with no way to reach the site's choice: say so, and what works.
  const unknown = () => {
    answered = true
    const host = from && /^https?:$/.test(from.protocol) ? from.host : ''
    $('status').textContent =
      'Opened on its own, this page cannot see or change whether ' +
      (host || 'a website') +
      ' measures your visits: each website keeps that choice in your browser, and this ' +
      'page is not part of it.'
    if (host) {
      $('back-link').href = from.href
      $('back-link').textContent = `Back to ${host}`
      $('back').hidden = false
    }
    $('elsewhere').textContent =
      'To choose, use the opt-out on the website’s privacy page' +
      (dnt ? '.' : ', or turn on Global Privacy Control or Do Not Track in your browser: ' +
        'websites that use these statistics then measure nothing.')
    $('elsewhere').hidden = false
  }

  let ask
  if (framed) {
    window.addEventListener('message', (e) => {
      if (e.source !== window.parent || !/^peil:(in|out)$/.test(e.data)) return
      answered = true
      site = new URL(e.origin).host
      show(e.data.slice(5))
    })
    // No secret in these messages, and the embedding site is not known in advance: "*".
    ask = (m) => window.parent.postMessage('peil:' + m, '*')
  } else if (sameOrigin) {
    const state = () => {
      try {
        return localStorage.getItem(KEY) == '1' ? 'out' : 'in'
      } catch (_) {
        return 'none' // storage denied (some private modes)
      }
    }
    ask = (m) => {
      try {
        if (m == 'out') localStorage.setItem(KEY, '1')
        if (m == 'in') localStorage.removeItem(KEY)
      } catch (_) {}
      answered = true
      show(state())
    }
  } else {
    ask = unknown
  }

  if (dnt) {
    $('dnt').textContent =
      'Your browser asks websites not to track it (Do Not Track or Global Privacy Control), ' +
      'so websites that use these statistics do not measure your visits' +
      (framed || sameOrigin ? ', whatever you choose here.' : '.')
    $('dnt').hidden = false
  }
  $('out').addEventListener('click', () => ask('out'))
  $('in').addEventListener('click', () => ask('in'))
  // The site's deferred peil.js may start after this frame: ask again for up to 3 s.
  let tries = 0
  const poll = () => {
    if (answered) return
    if (tries++ == 12) return show('none')
    ask('?')
    setTimeout(poll, 250)
  }
  poll()
})()
