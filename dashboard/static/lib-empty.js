// A site that has never sent an event: its snippet and how to install it, in
// place of empty tables; it checks every 10 s and shows the numbers once the
// first event has arrived.

import { card, copyButton, h } from "./lib-dom.js";

const CHECK_EVERY_MS = 10000;

async function snippetOf(ctx) {
  if (ctx.session.role === "admin") {
    try {
      const { sites } = await ctx.api("/api/admin/sites");
      const site = sites.find((s) => s.key === ctx.site.key);
      if (site) return site.snippet;
    } catch {
      // fall back to the snippet built from this page's address
    }
  }
  return `<script defer src="${location.origin}/peil.js" data-site="${ctx.site.key}"></script>`;
}

export async function emptySite(ctx, hasData) {
  const code = h("code", null, await snippetOf(ctx));
  const waiting = h("p", { class: "waiting", role: "status" }, "Waiting for the first event…");
  const timer = setInterval(async () => {
    try {
      if (await hasData()) {
        clearInterval(timer);
        waiting.textContent = "The first event has arrived.";
        waiting.classList.add("arrived");
        setTimeout(() => ctx.current() && ctx.refresh(), 1500);
      }
    } catch {
      // the next check tries again
    }
  }, CHECK_EVERY_MS);
  ctx.onCleanup(() => clearInterval(timer));
  const domains = ctx.site.domains.join(", ");
  return [card(`${ctx.site.name} has no data yet`, { class: "empty-site" },
    h("p", null, `Peil has not received an event from this site yet. To start counting, put this line in the <head> of every page of ${domains}:`),
    h("div", { class: "snippet" }, h("pre", null, code), copyButton(code)),
    h("ol", null,
      h("li", null, "Paste the line into your pages' template and publish them."),
      h("li", null, "Open one of the pages in a browser (without an ad blocker that hides it, and without Do Not Track)."),
      h("li", null, "The first pageview shows here within seconds; videos and clicks are counted without more code.")),
    ctx.site.consent === "required"
      ? h("p", null, "This site asks for consent: nothing is sent until the page calls peil.consent(true).")
      : null,
    waiting)];
}
