// Breakdown cards (top pages, referrers, countries, ...): one API call each,
// all of a view's in parallel.

import { card, table } from "./lib-dom.js";
import { keyLabel, number } from "./lib-format.js";

/** specs: [{by, title, column, limit?}] -> cards, in order. */
export async function breakdownCards(ctx, specs) {
  const answers = await Promise.all(specs.map((s) =>
    ctx.api("/api/stats/breakdown", { ...ctx.q, by: s.by, limit: s.limit || 10 })));
  return specs.map((s, i) => {
    const rows = answers[i].rows;
    const max = Math.max(1, ...rows.map((r) => r.visitors));
    return card(s.title, { class: s.wide ? "wide breakdown" : "breakdown", dataset: { by: s.by } }, table({
      caption: s.title,
      columns: [{ label: s.column }, { label: "Visitors", num: true }, { label: "Pageviews", num: true }],
      rows: rows.map((r) => [keyLabel(s.by, r.key), number(r.visitors), number(r.pageviews)]),
      share: rows.map((r) => r.visitors / max),
    }));
  });
}
