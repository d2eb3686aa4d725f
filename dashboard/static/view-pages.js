// Pages: the most visited pages, and the pages visits start (entry) and end
// (exit) on, with those visits' bounce rate and average length.

import { breakdownCards } from "./lib-breakdown.js";
import { h } from "./lib-dom.js";

export async function render(ctx) {
  const [top, ...ends] = await breakdownCards(ctx, [
    { by: "page", title: "Top pages", column: "Path", limit: 50, wide: true },
    { by: "entry_page", title: "Entry pages", column: "Path", limit: 25, visits: true },
    { by: "exit_page", title: "Exit pages", column: "Path", limit: 25, visits: true },
  ]);
  return [top, h("div", { class: "grid wide-cards" }, ends)];
}
