// Shared pieces of the settings forms: run a change, say what happened beside it.

import { h } from "./lib-dom.js";

/** A status line for a form: ok() and fail() write to it (fail as an alert). */
export function statusLine() {
  const line = h("p", { class: "form-status", role: "status" });
  line.ok = (text) => { line.className = "form-status ok"; line.setAttribute("role", "status"); line.textContent = text; };
  line.fail = (text) => { line.className = "form-status bad"; line.setAttribute("role", "alert"); line.textContent = text; };
  return line;
}

/** Run `work` (an async change through the admin API); errors go to `line`. */
export async function attempt(line, work) {
  try {
    return await work();
  } catch (error) {
    if (error.name === "AbortError") return undefined;
    line.fail(error.message);
    return undefined;
  }
}

export function submitForm(attributes, children, onSubmit) {
  const form = h("form", { ...attributes, class: `settings-form ${attributes?.class || ""}`.trim() }, children);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    try {
      await onSubmit(form);
    } finally {
      if (button) button.disabled = false;
    }
  });
  return form;
}

export const input = (name, attributes) => h("input", { name, id: null, ...attributes });

export function when(iso) {
  if (!iso) return "–";
  return new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
}
