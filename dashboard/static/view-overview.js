// Overview: the number tiles, pageviews and visitors per day, events by type.
// The API has daily series only: a one-day range (today, yesterday) shows its
// totals in the tiles and the 7 days up to it in the chart, that day marked.

import { url } from "./lib-api.js";
import { daySeries } from "./lib-chart.js";
import { addDays } from "./lib-dates.js";
import { card, h, table, tiles } from "./lib-dom.js";
import { day, duration, eventLabel, number, percent } from "./lib-format.js";

export async function render(ctx) {
  const oneDay = ctx.from === ctx.to;
  const [o, week] = await Promise.all([
    ctx.api("/api/stats/overview", ctx.q),
    oneDay ? ctx.api("/api/stats/overview", { ...ctx.q, from: addDays(ctx.to, -6) }) : null,
  ]);
  const events = Object.entries(o.events).sort((a, b) => b[1] - a[1]);
  const series = oneDay ? week.series : o.series;
  const chartTitle = oneDay ? `Pageviews and visitors: the 7 days up to ${day(ctx.to)}` : "Pageviews and visitors per day";
  return [
    h("section", { class: "card", "aria-label": "Totals of the period" }, tiles([
      ["Pageviews", number(o.pageviews)],
      ["Visitors", number(o.visitors)],
      ["Visits", number(o.visits)],
      ["Bounce rate", percent(o.bounce_rate)],
      ["Visit duration", duration(o.avg_visit_s), "average"],
    ])),
    card(chartTitle, { class: "wide" },
      daySeries(series, { label: chartTitle, mark: oneDay ? ctx.to : null }),
      oneDay ? h("p", { class: "note" }, `The tiles count ${day(ctx.to)} only; it is the shaded day in the chart.`) : null),
    h("div", { class: "grid" },
      card("Events by type", null, table({
        caption: "Events by type",
        columns: [{ label: "Type" }, { label: "Events", num: true }],
        rows: events.map(([type, n]) => [eventLabel(type), number(n)]),
      })),
      card("Raw events", null,
        h("p", null, "Every raw event of this period, for a spreadsheet or your own scripts (each download is written to the audit trail)."),
        h("p", { class: "actions" },
          h("a", { class: "button secondary", href: url("/api/export", { ...ctx.q, format: "csv" }), download: "" }, "Download CSV"),
          h("a", { class: "button secondary", href: url("/api/export", { ...ctx.q, format: "ndjson" }), download: "" }, "Download NDJSON")))),
  ];
}
