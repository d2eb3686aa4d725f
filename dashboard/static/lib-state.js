// The whole state of the dashboard lives in the query string of `/`:
//   ?view=pages&site=KEY&range=7d            a view, a site, a range
//   &range=custom&from=2025-01-01&to=...     a custom range
//   &page=/tour&width=1280 ...               the view's own choices
// so a reload, the back button and a bookmark keep it. Parameters this version
// does not know (filter=..., compare=..., for the filters and comparisons to
// come) are kept as they are when the state changes.

import { DEFAULT_RANGE, RANGES } from "./lib-dates.js";

export const VIEW_IDS = ["overview", "pages", "sources", "locations", "devices", "media",
  "interactions", "realtime", "settings"];
const ORDER = ["view", "site", "range", "from", "to"];

/** The state of a query string: {view, site, range, from, to, params} (params: the rest). */
export function read(search = location.search) {
  const params = new URLSearchParams(search);
  const view = params.get("view");
  const range = params.get("range");
  const state = {
    view: VIEW_IDS.includes(view) ? view : "overview",
    site: params.get("site") || "",
    range: RANGES.some(([id]) => id === range) ? range : DEFAULT_RANGE,
    from: params.get("from") || "",
    to: params.get("to") || "",
    params: new URLSearchParams(),
  };
  for (const [k, v] of params) if (!ORDER.includes(k)) state.params.append(k, v);
  return state;
}

/** The query string of a state with `changes` ({key: value}; null removes; `params` too). */
export function query(state, changes = {}) {
  const next = { ...state, ...changes, params: new URLSearchParams(state.params) };
  for (const [k, v] of Object.entries(changes.params || {})) {
    if (v == null || v === "") next.params.delete(k);
    else next.params.set(k, v);
  }
  const out = new URLSearchParams();
  if (next.view && next.view !== "overview") out.set("view", next.view);
  if (next.site) out.set("site", next.site);
  if (next.range && next.range !== DEFAULT_RANGE) out.set("range", next.range);
  if (next.range === "custom") {
    if (next.from) out.set("from", next.from);
    if (next.to) out.set("to", next.to);
  }
  for (const [k, v] of next.params) out.append(k, v);
  const text = out.toString();
  return text ? `?${text}` : location.pathname;
}

/** Views' own parameters that belong to one view only: dropped on a change of view. */
export const VIEW_PARAMS = { interactions: ["page", "width", "origin", "plain"], media: ["media"], settings: ["tab"] };

export function forView(state, view) {
  const drop = Object.entries(VIEW_PARAMS).filter(([v]) => v !== view).flatMap(([, names]) => names);
  return Object.fromEntries(drop.map((name) => [name, null]));
}
