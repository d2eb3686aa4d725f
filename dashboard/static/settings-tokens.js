// Settings > API tokens: create (the token is shown this once), list, revoke.

import { card, copyButton, field, h, table } from "./lib-dom.js";
import { attempt, input, statusLine, submitForm, when } from "./lib-settings.js";

let created = null; // the token just made: shown once, then forgotten

export async function render(ctx) {
  const [{ tokens }, { users }] = await Promise.all([ctx.api("/api/admin/tokens"), ctx.api("/api/admin/users")]);
  const fresh = created;
  created = null;
  const line = statusLine();
  const user = h("select", { name: "user" }, users.map((u) => h("option", { value: u.email }, `${u.email} (${u.role})`)));
  user.value = ctx.session.email;
  const form = submitForm({ "aria-label": "Create a token" }, [
    field("Name", input("name", { placeholder: "what it is for, e.g. weekly report", maxlength: 200 })),
    field("For user", user, "the token reads what this user reads"),
    field("Expires after (days)", input("expires_days", { type: "number", min: 1, max: 36500, placeholder: "never" })),
    h("p", { class: "actions" }, h("button", { type: "submit" }, "Create token")),
  ], async (f) => {
    const body = { name: f.elements.name.value.trim(), user: f.elements.user.value };
    if (f.elements.expires_days.value) body.expires_days = Number(f.elements.expires_days.value);
    const answer = await attempt(line, () => ctx.api("/api/admin/tokens", null, { method: "POST", body }));
    if (answer) {
      created = answer;
      ctx.refresh();
    }
  });
  const rows = tokens.map((t) => {
    const revoke = t.state === "active" ? h("button", { type: "button", class: "danger small", dataset: { token: t.id } }, "Revoke") : "–";
    if (revoke instanceof Node) {
      revoke.setAttribute("aria-label", `Revoke token ${t.id}${t.name ? ` (${t.name})` : ""}`);
      revoke.addEventListener("click", async () => {
        if (!confirm(`Revoke token ${t.id}? Scripts using it get 401 from now on.`)) return;
        if (await attempt(line, () => ctx.api(`/api/admin/tokens/${t.id}`, null, { method: "DELETE" }))) ctx.refresh();
      });
    }
    return [String(t.id), t.name || "–", t.user, t.state, when(t.created_at), when(t.expires_at), when(t.last_used_at), revoke];
  });
  const code = fresh ? h("code", { class: "secret" }, fresh.token) : null;
  return [
    fresh ? card("Your new token", { class: "wide created", dataset: { token: fresh.id } },
      h("p", null, "Copy it now: Peil keeps only its hash and shows it this once."),
      h("div", { class: "snippet" }, h("pre", null, code), copyButton(code, "Copy token")),
      h("p", { class: "note" }, "Use it as: Authorization: Bearer TOKEN (read-only: stats and export).")) : null,
    card("Create a token", { class: "wide" }, form, line),
    card(`Tokens (${tokens.length})`, { class: "wide" }, table({
      caption: "API tokens",
      columns: [{ label: "Id" }, { label: "Name" }, { label: "User" }, { label: "State" }, { label: "Created" },
        { label: "Expires" }, { label: "Last used" }, { label: "Action" }],
      rows,
      empty: "No tokens yet.",
    })),
  ].filter(Boolean);
}
