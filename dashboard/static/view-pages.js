// Pages: the most visited pages, or the pages visits start on (entry) or end on
// (exit), with those visits' bounce rate and average length: one table, the
// list chosen by the tabs above it (`list=entry|exit` in the URL).

import { breakdownCards } from "./lib-breakdown.js";
import { h } from "./lib-dom.js";
import { query } from "./lib-state.js";

const LISTS = [
  ["top", "Top pages", { by: "page", title: "Top pages", column: "Path", limit: 50 }],
  ["entry", "Entry pages", { by: "entry_page", title: "Entry pages", column: "Path", limit: 50, visits: true }],
  ["exit", "Exit pages", { by: "exit_page", title: "Exit pages", column: "Path", limit: 50, visits: true }],
];

export async function render(ctx) {
  const list = LISTS.find(([id]) => id === ctx.state.params.get("list")) || LISTS[0];
  const [card] = await breakdownCards(ctx, [{ ...list[2], wide: true }]);
  const tabs = h("nav", { class: "tabs", "aria-label": "Lists of pages" }, h("ul", null, LISTS.map(([id, label]) => {
    const params = { list: id === "top" ? null : id };
    const a = h("a", { href: query(ctx.state, { params }), dataset: { list: id } }, label);
    if (id === list[0]) a.setAttribute("aria-current", "page");
    a.addEventListener("click", (event) => {
      if (event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      ctx.go({ params });
    });
    return h("li", null, a);
  })));
  const heading = card.querySelector("h2");
  heading.textContent = "Pages";
  heading.after(tabs);
  return [card];
}
