// The script of Peil's /optout page (a separate file: the page's Content-Security-Policy
// forbids inline script). The opt-out flag is the one peil.optOut() sets: localStorage
// "peil_optout" = "1" on the site's own origin, which this page (on the collector's origin)
// cannot reach. So:
// - framed on a site's page, it asks that page's peil.js over postMessage ("peil:?",
//   "peil:out", "peil:in"); the tracker answers only messages from its collector's origin
//   and replies "peil:out" or "peil:in" with the state after the request;
// - opened on its own, it sets the flag on this origin, which is the site's only when the
//   collector is served under the site's own origin (a reverse-proxied path).
// The status line always names the site the choice applies to.
;(() => {
  const $ = (id) => document.getElementById(id)
  const KEY = 'peil_optout'
  const framed = window.parent !== window
  let site = location.host
  let answered = false

  const show = (state) => {
    const text = {
      out: `You have opted out: your visits to ${site} are not measured in this browser.`,
      in: `Your visits to ${site} are measured for anonymous statistics.`,
      none: 'The statistics script of this site was not found, so no choice can be stored.',
    }
    $('status').textContent = text[state]
    $('out').hidden = state != 'in'
    $('in').hidden = state != 'out'
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
  } else {
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
  }

  $('dnt').hidden = !(navigator.doNotTrack == '1' || navigator.globalPrivacyControl === true)
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
