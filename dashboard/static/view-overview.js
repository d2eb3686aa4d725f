// Overview: the number tiles (with the change against the comparison, when one
// is chosen), pageviews and visitors per day (per hour for one day; the other
// period as dimmer lines), events by type, the raw export.

import { url } from "./lib-api.js";
import { overviewSeries } from "./lib-chart.js";
import { card, h, table, tiles } from "./lib-dom.js";
import { change, day, dayRange, duration, eventLabel, number, percent } from "./lib-format.js";

const COMPARE_NAMES = { previous: "the previous period", year: "the year before" };

export async function render(ctx) {
  const hourly = ctx.from === ctx.to;
  const o = await ctx.api("/api/stats/overview", { ...ctx.q, compare: ctx.compare });
  const events = Object.entries(o.events).sort((a, b) => b[1] - a[1]);
  const before = o.compare;
  const against = before ? dayRange(o.compare_from, o.compare_to) : "";
  // lower is better for the bounce rate
  const delta = (key, show = number, lowerIsBetter = false) => {
    if (!before) return null;
    const c = change(o[key], before[key]);
    const good = c.dir === "same" || c.dir === "" ? "" : (c.dir === "up") !== lowerIsBetter ? "good" : "bad";
    return h("dd", { class: `hint change ${c.dir} ${good}`, title: `${show(before[key])} in ${against}` },
      c.text, h("span", { class: "visually-hidden" }, ` against ${against}`));
  };
  const chartTitle = hourly ? `Pageviews and visitors per hour, ${day(ctx.to)}` : "Pageviews and visitors per day";
  return [
    h("section", { class: "card", "aria-label": "Totals of the period" }, tiles([
      ["Pageviews", number(o.pageviews), null, delta("pageviews")],
      ["Visitors", number(o.visitors), null, delta("visitors")],
      ["Visits", number(o.visits), null, delta("visits")],
      ["Bounce rate", percent(o.bounce_rate), null, delta("bounce_rate", percent, true)],
      ["Visit duration", duration(o.avg_visit_s), "average", delta("avg_visit_s", duration)],
    ]), before ? h("p", { class: "note" }, `Changes against ${COMPARE_NAMES[ctx.compare]}: ${against}.`) : null),
    card(chartTitle, { class: "wide" },
      overviewSeries(o.series, { label: chartTitle, hourly, compare: before }),
      before ? h("p", { class: "note" }, `Dashed: ${against}, the same ${hourly ? "hours" : "days"} in order.`) : null),
    h("div", { class: "grid" },
      card("Events by type", null, table({
        caption: "Events by type",
        columns: [{ label: "Type" }, { label: "Events", num: true }],
        rows: events.map(([type, n]) => [eventLabel(type), number(n)]),
      })),
      card("Raw events", null,
        h("p", null, "Every raw event of this period (with the filters, if any), for a spreadsheet or your own scripts (each download is written to the audit trail)."),
        h("p", { class: "actions" },
          h("a", { class: "button secondary", href: url("/api/export", { ...ctx.q, format: "csv" }), download: "" }, "Download CSV"),
          h("a", { class: "button secondary", href: url("/api/export", { ...ctx.q, format: "ndjson" }), download: "" }, "Download NDJSON")))),
  ];
}
