// The whole state of the dashboard lives in the query string of `/`:
//   ?view=pages&site=KEY&range=7d            a view, a site, a range
//   &range=custom&from=2025-01-01&to=...     a custom range
//   &filter=country%3D%3DNL&filter=...       filters, as the API takes them
//   &compare=previous|year                   the comparison
//   &page=/tour&width=1280 ...               the view's own choices
// so a reload, the back button and a bookmark keep it. Parameters this version
// does not know are kept as they are when the state changes.

import { DEFAULT_RANGE, RANGES } from "./lib-dates.js";

export const VIEW_IDS = ["overview", "pages", "sources", "locations", "devices", "media",
  "interactions", "events", "errors", "realtime", "settings"];
export const COMPARES = ["previous", "year"];
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

/**
 * The query string of a state with `changes` ({key: value}; null removes; `params`
 * too; `lists`: {name: [values]} replaces a repeated parameter such as filter).
 */
export function query(state, changes = {}) {
  const next = { ...state, ...changes, params: new URLSearchParams(state.params) };
  for (const [k, v] of Object.entries(changes.params || {})) {
    if (v == null || v === "") next.params.delete(k);
    else next.params.set(k, v);
  }
  for (const [k, values] of Object.entries(changes.lists || {})) {
    next.params.delete(k);
    for (const v of values || []) next.params.append(k, v);
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
export const VIEW_PARAMS = { interactions: ["page", "width", "origin", "plain"], media: ["media"],
  events: ["event", "step"], pages: ["list"], settings: ["tab"] };

/** The comparison of a state: "previous", "year" or "" (none). */
export const compareOf = (state) => (COMPARES.includes(state.params.get("compare")) ? state.params.get("compare") : "");

export function forView(state, view) {
  const drop = Object.entries(VIEW_PARAMS).filter(([v]) => v !== view).flatMap(([, names]) => names);
  return Object.fromEntries(drop.map((name) => [name, null]));
}
