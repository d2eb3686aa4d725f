// Realtime: visitors in the last 5 minutes, pageviews in the last 30 and the
// pages with most of them, read again every few seconds.

import { drawCharts, minuteSeries, sweep } from "./lib-chart.js";
import { card, h, table, tiles } from "./lib-dom.js";
import { number } from "./lib-format.js";

export const EVERY_MS = 5000;
const clock = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit" });

function content(r) {
  return [
    tiles([["Visitors now", number(r.visitors_5m), "last 5 minutes"], ["Pageviews", number(r.pageviews_30m), "last 30 minutes"]]),
    h("h3", null, "Per minute, the last 30 minutes"),
    minuteSeries(r.series || [], "Pageviews and visitors per minute, the last 30 minutes"),
    h("h3", null, "Top pages"),
    h("div", { dataset: { report: "top-pages" } }, table({
      caption: "Pages viewed in the last 30 minutes",
      columns: [{ label: "Path" }, { label: "Visitors", num: true }, { label: "Pageviews", num: true }],
      rows: r.top_pages.map((p) => [p.page == null ? "(unknown)" : p.page, number(p.visitors), number(p.pageviews)]),
      empty: "No pageviews in the last 30 minutes.",
      filter: { dim: "page", keys: r.top_pages.map((p) => p.page) },
    })),
  ];
}

export async function render(ctx) {
  const params = { site: ctx.site.key, filter: ctx.filters };
  const first = await ctx.api("/api/stats/realtime", params);
  const body = h("div", { class: "realtime" }, content(first));
  const stamp = h("p", { class: "note", dataset: { refreshes: "0" } }, `Updated ${clock.format(new Date())}; refreshed every ${EVERY_MS / 1000} s.`);
  const box = card("Right now", { class: "wide" }, body, stamp);
  let refreshes = 0;
  let last = new Date();
  const timer = setInterval(async () => {
    try {
      const r = await ctx.api("/api/stats/realtime", params);
      if (!ctx.current()) return;
      // Keep an open table of the chart's numbers open.
      const open = body.querySelector("details")?.open;
      body.replaceChildren(...content(r));
      if (open) body.querySelector("details").open = true;
      drawCharts(body);
      sweep();
      box.classList.remove("stale");
      ctx.clearError();
      stamp.dataset.refreshes = String(++refreshes);
      last = new Date();
      stamp.textContent = `Updated ${clock.format(last)}; refreshed every ${EVERY_MS / 1000} s.`;
    } catch (error) {
      if (error.name === "AbortError" || !ctx.current()) return;
      box.classList.add("stale");
      stamp.textContent = `Not updated since ${clock.format(last)}: these numbers are stale.`;
      ctx.report(error);
    }
  }, EVERY_MS);
  ctx.onCleanup(() => clearInterval(timer));
  return [box];
}
