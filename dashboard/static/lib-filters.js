// Filters: `filter=DIM OP VALUE` in the URL, repeated, passed as they are to
// every API call (README, "Filters, visits and the reports' definitions").
// Shown as removable chips in the header, with a small editor for any
// dimension and operator; a click on a table row adds DIM==KEY (lib-dom's
// table() marks the rows, the shell listens).

import { h } from "./lib-dom.js";
import { keyLabel } from "./lib-format.js";

export const DIMENSIONS = [
  ["page", "Page"], ["entry_page", "Entry page"], ["exit_page", "Exit page"],
  ["referrer", "Referrer"], ["utm_source", "UTM source"], ["utm_medium", "UTM medium"],
  ["utm_campaign", "UTM campaign"], ["utm_content", "UTM content"], ["utm_term", "UTM term"],
  ["country", "Country"], ["region", "Region"], ["city", "City"],
  ["browser", "Browser"], ["os", "Operating system"], ["device", "Device"], ["screen", "Screen"],
  ["language", "Language"], ["player_version", "Player version"],
  ["host", "Host"], ["event", "Custom event"], ["media", "Media"],
];
export const OPERATORS = [["==", "is"], ["!=", "is not"], ["~", "contains"], ["!~", "does not contain"]];
export const NONE = "(none)";
export const MAX_FILTERS = 10;
const DIM_LABELS = Object.fromEntries(DIMENSIONS);
const OP_LABELS = Object.fromEntries(OPERATORS);
// As the API reads it: the dimension, the operator (two-character ones first), the value.
const PATTERN = /^\s*([A-Za-z_]+)\s*(==|!=|!~|~)\s*([\s\S]*?)\s*$/;

/** {dim, op, value} of a filter's text, or null when the API would refuse it. */
export function parse(text) {
  const m = PATTERN.exec(text);
  if (!m || !DIM_LABELS[m[1]] || !m[3] || m[3].length > 1000) return null;
  if (m[3] === NONE && !["==", "!="].includes(m[2])) return null;
  return { dim: m[1], op: m[2], value: m[3] };
}

/** The filters of a state: the valid `filter` parameters, at most 10, without repeats. */
export function filtersOf(state) {
  const out = [];
  for (const text of state.params.getAll("filter")) {
    const f = parse(text);
    const canonical = f && `${f.dim}${f.op}${f.value}`;
    if (f && !out.includes(canonical) && out.length < MAX_FILTERS) out.push(canonical);
  }
  return out;
}

/** The filter a table row adds: DIM==KEY, or DIM==(none) for an unknown key. */
export const rowFilter = (dim, key) => `${dim}==${key == null || String(key).trim() === "" ? NONE : key}`;

/** "Country is Netherlands", "Page contains /blog". */
export function describe(text) {
  const f = parse(text);
  if (!f) return text;
  const value = f.value === NONE ? keyLabel(f.dim, null)
    : f.op === "==" || f.op === "!=" ? keyLabel(f.dim, f.value) : `“${f.value}”`;
  return `${DIM_LABELS[f.dim]} ${OP_LABELS[f.op]} ${value}`;
}

/**
 * The filter bar: a chip per filter (its × removes it), "Clear all", and the
 * editor. onChange(filters) gets the new list.
 */
export function filterBar(filters, onChange) {
  const chips = filters.map((text) => {
    const label = describe(text);
    return h("li", { class: "chip", dataset: { filter: text } },
      h("span", { class: "chip-label", title: label }, label),
      h("button", { type: "button", class: "chip-x", "aria-label": `Remove filter: ${label}`,
        on: { click: () => onChange(filters.filter((f) => f !== text)) } }, "×"));
  });
  const dim = h("select", { name: "dim", "aria-label": "Dimension" },
    DIMENSIONS.map(([id, label]) => h("option", { value: id }, label)));
  const op = h("select", { name: "op", "aria-label": "Operator" },
    OPERATORS.map(([id, label]) => h("option", { value: id }, label)));
  op.value = "!=";
  const value = h("input", { name: "value", type: "text", required: true, maxlength: 1000,
    placeholder: "value, or (none)", "aria-label": "Value", size: 14 });
  const status = h("span", { class: "filter-status", role: "status" });
  const editor = h("details", { class: "add-filter" },
    h("summary", null, "Add filter"),
    h("form", { class: "filter-form", on: { submit: (event) => {
      event.preventDefault();
      const text = `${dim.value}${op.value}${value.value.trim()}`;
      if (!parse(text)) {
        status.textContent = value.value.trim() === NONE ? "(none) goes with “is” and “is not” only." : "Give a value.";
        return;
      }
      if (filters.length >= MAX_FILTERS) {
        status.textContent = `At most ${MAX_FILTERS} filters.`;
        return;
      }
      onChange(filters.includes(text) ? filters : [...filters, text]);
    } } }, dim, op, value, h("button", { type: "submit", class: "small" }, "Add"), status));
  const items = [...chips];
  if (filters.length > 1) {
    items.push(h("li", null, h("button", { type: "button", class: "secondary small", on: { click: () => onChange([]) } }, "Clear all")));
  }
  return [
    filters.length ? h("span", { class: "filters-title" }, "Filtered by") : null,
    h("ul", { class: "chips", "aria-label": "Filters" }, items),
    editor,
  ];
}
