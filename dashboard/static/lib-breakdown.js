// Breakdown cards (top pages, referrers, countries, ...): one API call each,
// all of a view's in parallel. A row filters every view by its key; visit
// dimensions also show visits, bounce rate and the average visit; with a
// comparison, the change of visitors against it.

import { card, h, table } from "./lib-dom.js";
import { change, duration, keyLabel, number, percent } from "./lib-format.js";

const VISIT = ["entry_page", "exit_page", "referrer", "utm_source", "utm_medium", "utm_campaign",
  "utm_content", "utm_term", "country", "region", "city", "browser", "os", "device", "screen",
  "language", "player_version"];

export function changeCell(now, before) {
  const c = change(now, before);
  return h("span", { class: `change ${c.dir}` }, c.text);
}

/** specs: [{by, title, column, limit?, wide?, visits?}] -> cards, in order. */
export async function breakdownCards(ctx, specs) {
  const answers = await Promise.all(specs.map((s) =>
    ctx.api("/api/stats/breakdown", { ...ctx.q, by: s.by, limit: s.limit || 10, compare: ctx.compare })));
  return specs.map((s, i) => {
    const { rows, compare } = answers[i];
    const before = compare ? new Map(compare.rows.map((r) => [r.key, r.visitors])) : null;
    const max = Math.max(1, ...rows.map((r) => r.visitors));
    const visits = s.visits && VISIT.includes(s.by);
    const columns = [{ label: s.column }, { label: "Visitors", num: true }];
    if (before) columns.push({ label: "Change", num: true });
    // On a phone the visit tables leave out pageviews and visits (the CSV keeps them).
    columns.push({ label: "Pageviews", num: true, opt: visits });
    if (visits) columns.push({ label: "Visits", num: true, opt: true }, { label: "Bounce rate", num: true }, { label: "Avg visit", num: true, opt: true });
    return card(s.title, { class: s.wide ? "wide breakdown" : "breakdown", dataset: { by: s.by } }, table({
      caption: s.title,
      columns,
      rows: rows.map((r) => [
        keyLabel(s.by, r.key), number(r.visitors),
        before ? changeCell(r.visitors, before.get(r.key) ?? 0) : null,
        number(r.pageviews),
        ...(visits ? [number(r.visits), percent(r.bounce_rate), duration(r.avg_visit_s)] : []),
      ].filter((v) => v !== null)),
      share: rows.map((r) => r.visitors / max),
      filter: { dim: s.by, keys: rows.map((r) => r.key) },
    }));
  });
}
