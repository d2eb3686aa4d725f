// Settings (admins only; the API refuses anyone else): one tab per kind of
// thing, `tab=` in the URL. Each tab is a module of its own.

import { h } from "./lib-dom.js";
import { query } from "./lib-state.js";

const TABS = [
  ["sites", "Sites", () => import("./settings-sites.js")],
  ["users", "Users", () => import("./settings-users.js")],
  ["tokens", "API tokens", () => import("./settings-tokens.js")],
  ["goals", "Goals", () => import("./settings-goals.js")],
  ["privacy", "Privacy", () => import("./settings-privacy.js")],
];

export async function render(ctx) {
  const tab = TABS.find(([id]) => id === ctx.state.params.get("tab")) || TABS[0];
  const nav = h("nav", { class: "tabs", "aria-label": "Settings" }, h("ul", null, TABS.map(([id, label]) => {
    const a = h("a", { href: query(ctx.state, { params: { tab: id } }), dataset: { tab: id } }, label);
    if (id === tab[0]) a.setAttribute("aria-current", "page");
    a.addEventListener("click", (event) => {
      if (event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      ctx.go({ params: { tab: id } });
    });
    return h("li", null, a);
  })));
  const module = await tab[2]();
  return [nav, ...(await module.render(ctx))];
}
