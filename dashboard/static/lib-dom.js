// Building the DOM from data. Every string goes in as text (a text node or an
// attribute value), never as HTML: tracked strings stay text (privacy rule 6).

/** h("p", {class: "note"}, "text", child, ...): an element with attributes and children. */
export function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value == null || value === false) continue;
    if (name === "on") {
      for (const [event, listener] of Object.entries(value)) element.addEventListener(event, listener);
    } else if (name === "value" || name === "checked" || name === "selected") {
      element[name] = value;
    } else if (name === "dataset") {
      Object.assign(element.dataset, value);
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** A card: a section with a heading (id'd for aria-labelledby) and its content. */
let cardCount = 0;
export function card(title, attributes, ...children) {
  const id = `card-${++cardCount}`;
  return h("section", { ...attributes, class: `card ${attributes?.class || ""}`.trim(), "aria-labelledby": id },
    h("h2", { id }, title), ...children);
}

/**
 * A table in a wrapper that scrolls sideways inside its card, never the page.
 * columns: [{label, num?, opt?, wrap?}] (opt: left out on a phone; wrap: long text
 * wraps instead of being cut), rows: arrays of cell values (text or
 * Node). `caption` names the table for assistive technology (visually hidden:
 * the card's heading shows it). `share`: per row, 0..1, drawn as a bar behind
 * the first cell. `filter`: {dim, keys} makes each row a filter (a click, or
 * Enter on the focused row, adds DIM==KEY; the shell listens). Every table with
 * rows gets a CSV button (the shell writes the file from the cells shown).
 */
export function table({ columns, rows, caption, share, filter, empty = "Nothing in this period." }) {
  const t = h("table");
  if (caption) t.append(h("caption", { class: "visually-hidden" }, caption));
  const head = t.createTHead().insertRow();
  for (const c of columns) head.append(h("th", { scope: "col", class: `${c.num ? "num" : ""} ${c.opt ? "opt" : ""}`.trim() || null }, c.label));
  const body = t.createTBody();
  rows.forEach((values, i) => {
    const row = body.insertRow();
    if (filter) {
      const key = filter.keys[i];
      row.dataset.filter = `${filter.dim}==${key == null || String(key).trim() === "" ? "(none)" : key}`;
      row.tabIndex = 0;
      row.className = "filterable";
    }
    values.forEach((value, j) => {
      const c = columns[j] || {};
      const cell = j === 0 && columns[0].rowHeader !== false ? h("th", { scope: "row" }) : row.ownerDocument.createElement("td");
      append(cell, [value]);
      if (c.num) cell.className = "num";
      if (c.opt) cell.classList.add("opt");
      if (c.wrap) cell.classList.add("wrap");
      if (j === 0) {
        cell.classList.add("key");
        if (typeof value === "string") cell.title = value;
        if (share) cell.style.setProperty("--share", `${(Math.max(0, Math.min(1, share[i])) * 100).toFixed(1)}%`);
      }
      row.append(cell);
    });
  });
  if (!rows.length) {
    const row = body.insertRow();
    row.append(h("td", { colspan: columns.length, class: "empty" }, empty));
  }
  return h("div", { class: "table-box" }, h("div", { class: "table-wrap" }, t),
    rows.length ? h("div", { class: "table-foot" },
      filter ? h("span", { class: "note" }, "Click a row to filter by it.") : null,
      h("button", { type: "button", class: "secondary small csv", dataset: { csv: caption || "table" } }, "Download CSV")) : null);
}

/** A few big numbers: [[label, value, hint?, change?]] (change: a node). */
export function tiles(items) {
  return h("dl", { class: "tiles" }, items.map(([label, value, hint, change]) =>
    h("div", { class: "tile", dataset: { tile: label } },
      h("dt", null, label), h("dd", null, value), hint ? h("dd", { class: "hint" }, hint) : null, change || null)));
}

/** A copy-to-clipboard button for the text of `source` (an element). */
export function copyButton(source, label = "Copy") {
  const button = h("button", { type: "button", class: "secondary" }, label);
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(source.textContent);
      button.textContent = "Copied";
    } catch {
      // No clipboard (an http origin, a denied permission): select it for Ctrl+C.
      getSelection().selectAllChildren(source);
      button.textContent = "Selected: press Ctrl+C";
    }
    setTimeout(() => { button.textContent = label; }, 2000);
  });
  return button;
}

/** A labelled form field; `control` is an input, select or textarea. */
export function field(label, control, hint) {
  return h("label", { class: "field" }, h("span", null, label), control, hint ? h("small", null, hint) : null);
}
