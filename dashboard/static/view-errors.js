// Errors: script errors (their message) and media errors (their MediaError
// code), with the pages that had most of them.

import { card, h, table } from "./lib-dom.js";
import { number } from "./lib-format.js";

const KINDS = { js: "Script", media: "Media" };

export async function render(ctx) {
  const { rows } = await ctx.api("/api/stats/errors", { ...ctx.q, limit: 100 });
  return [card("Errors", { class: "wide", dataset: { report: "errors" } },
    h("p", { class: "note" }, "Script errors the tracker caught on the pages, and errors of video and audio elements (by their MediaError code)."),
    table({
      caption: "Errors",
      columns: [{ label: "Message", wrap: true }, { label: "Kind" }, { label: "Events", num: true }, { label: "Visitors", num: true }, { label: "Pages with most", opt: true, wrap: true }],
      rows: rows.map((r) => [r.message === "" ? "(no message)" : r.message, KINDS[r.kind] || r.kind,
        number(r.events), number(r.visitors), r.pages.map((p) => (p === "" ? "(unknown)" : p)).join(", ")]),
      empty: "No errors in this period.",
    }))];
}
