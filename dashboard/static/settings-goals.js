// Settings > Goals of the site chosen in the header: add, list, remove.
// (Their conversion numbers come with the goals report of the API.)

import { card, field, h, table } from "./lib-dom.js";
import { attempt, input, statusLine, submitForm } from "./lib-settings.js";

let flash = null;

export async function render(ctx) {
  const site = ctx.site;
  const base = `/api/admin/sites/${encodeURIComponent(site.key)}/goals`;
  const { goals } = await ctx.api(base);
  const line = statusLine();
  if (flash) line.ok(flash);
  flash = null;
  const kind = h("select", { name: "kind" },
    h("option", { value: "page" }, "A page is visited"), h("option", { value: "event" }, "A custom event is sent"));
  const match = input("match", { required: true, placeholder: "/thanks or /blog/*" });
  kind.addEventListener("change", () => {
    match.placeholder = kind.value === "page" ? "/thanks or /blog/*" : "signup (the name given to peil.track)";
  });
  const form = submitForm({ "aria-label": "Add a goal" }, [
    field("Name", input("name", { required: true, maxlength: 200, placeholder: "Signed up" })),
    field("Reached when", kind),
    field("Page or event", match, "a path pattern (* matches anything) or an event name"),
    h("p", { class: "actions" }, h("button", { type: "submit" }, "Add goal")),
  ], async (f) => {
    const body = { name: f.elements.name.value.trim(), [kind.value]: match.value.trim() };
    const goal = await attempt(line, () => ctx.api(base, null, { method: "POST", body }));
    if (goal) {
      flash = `Added the goal ${goal.name}.`;
      ctx.refresh();
    }
  });
  const rows = goals.map((g) => {
    const remove = h("button", { type: "button", class: "danger small" }, "Remove");
    remove.setAttribute("aria-label", `Remove the goal ${g.name}`);
    remove.addEventListener("click", async () => {
      if (!confirm(`Remove the goal ${g.name}?`)) return;
      if (await attempt(line, () => ctx.api(`${base}/${encodeURIComponent(g.name)}`, null, { method: "DELETE" }))) {
        flash = `Removed the goal ${g.name}.`;
        ctx.refresh();
      }
    });
    return [g.name, g.kind === "page" ? "Page" : "Custom event", g.match, remove];
  });
  return [
    card(`Goals of ${site.name} (${goals.length})`, { class: "wide" },
      h("p", { class: "note" }, "The site chosen at the top. A goal counts the visitors who reach it."),
      line,
      table({ caption: `Goals of ${site.name}`, columns: [{ label: "Goal" }, { label: "Kind" }, { label: "Matches" }, { label: "Action" }], rows, empty: "No goals yet." })),
    card("Add a goal", { class: "wide" }, form),
  ];
}
