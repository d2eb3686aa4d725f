// Settings > Users: add (role, sites), change the role, set a new password,
// grant and revoke sites, remove.

import { card, field, h, table } from "./lib-dom.js";
import { attempt, input, statusLine, submitForm, when } from "./lib-settings.js";

let flash = null;

function roleSelect(value) {
  const select = h("select", { name: "role" },
    h("option", { value: "viewer" }, "Viewer: reads the sites granted"),
    h("option", { value: "admin" }, "Admin: every site and the settings"));
  select.value = value || "viewer";
  return select;
}

const userPath = (email) => `/api/admin/users/${encodeURIComponent(email)}`;

function userItem(ctx, user, sites, openEmail) {
  const line = statusLine();
  const done = async (text) => {
    flash = { email: user.email, text };
    ctx.refresh();
  };
  const role = roleSelect(user.role);
  role.setAttribute("aria-label", `Role of ${user.email}`);
  const roleForm = submitForm({ "aria-label": `Role of ${user.email}` }, [field("Role", role), h("button", { type: "submit", class: "secondary" }, "Change role")], async () => {
    if (await attempt(line, () => ctx.api(userPath(user.email), null, { method: "PATCH", body: { role: role.value } }))) done(`${user.email} is now ${role.value}.`);
  });
  const password = input("password", { type: "password", autocomplete: "new-password", minlength: 10, required: true });
  const passwordForm = submitForm({ "aria-label": `New password for ${user.email}` }, [field("New password", password, "ends their sessions"), h("button", { type: "submit", class: "secondary" }, "Set password")], async () => {
    const answer = await attempt(line, () => ctx.api(userPath(user.email), null, { method: "PATCH", body: { password: password.value } }));
    if (answer) done(`New password set for ${user.email}; ${answer.sessions_ended} session(s) ended.`);
  });
  const grants = h("fieldset", { class: "grants" }, h("legend", null, user.role === "admin" ? "Sites (an admin reads every site anyway)" : "Sites this user reads"),
    sites.map((s) => {
      const box = h("input", { type: "checkbox", name: "site", value: s.key, checked: user.sites.includes(s.key) });
      box.addEventListener("change", async () => {
        const method = box.checked ? "PUT" : "DELETE";
        const ok = await attempt(line, () => ctx.api(`${userPath(user.email)}/sites/${encodeURIComponent(s.key)}`, null, { method }));
        if (ok) line.ok(`${box.checked ? "Granted" : "Revoked"} ${s.name} ${box.checked ? "to" : "from"} ${user.email}.`);
        else box.checked = !box.checked;
      });
      return h("label", { class: "check" }, box, ` ${s.name}`);
    }));
  const remove = h("button", { type: "button", class: "danger" }, "Remove user");
  remove.addEventListener("click", async () => {
    if (!confirm(`Remove ${user.email}? Their sessions and tokens end.`)) return;
    if (await attempt(line, () => ctx.api(userPath(user.email), null, { method: "DELETE" }))) {
      flash = { email: null, text: `Removed ${user.email}.` };
      ctx.refresh();
    }
  });
  return h("details", { class: "user-item", open: openEmail === user.email, dataset: { email: user.email } },
    h("summary", null, h("strong", null, user.email), " ", h("span", { class: "tag" }, user.role),
      " ", h("span", { class: "muted" }, `${user.tokens} ${user.tokens === 1 ? "token" : "tokens"}, since ${when(user.created_at)}`)),
    roleForm, passwordForm, grants, line, h("p", { class: "actions" }, remove));
}

export async function render(ctx) {
  const [{ users }, { sites }] = await Promise.all([ctx.api("/api/admin/users"), ctx.api("/api/admin/sites")]);
  const shown = flash;
  flash = null;
  const line = statusLine();
  if (shown) line.ok(shown.text);
  const addLine = statusLine();
  const siteBoxes = h("fieldset", { class: "grants" }, h("legend", null, "Sites (for a viewer)"),
    sites.map((s) => h("label", { class: "check" }, h("input", { type: "checkbox", name: "sites", value: s.key }), ` ${s.name}`)));
  const add = submitForm({ "aria-label": "Add a user" }, [
    field("Email", input("email", { type: "email", required: true, autocomplete: "off" })),
    field("Password", input("password", { type: "password", required: true, minlength: 10, autocomplete: "new-password" }), "at least 10 characters"),
    field("Role", roleSelect("viewer")),
    siteBoxes,
    h("p", { class: "actions" }, h("button", { type: "submit" }, "Add user")),
  ], async (form) => {
    const body = {
      email: form.elements.email.value.trim(),
      password: form.elements.password.value,
      role: form.elements.role.value,
      sites: [...form.querySelectorAll("input[name=sites]:checked")].map((b) => b.value),
    };
    const user = await attempt(addLine, () => ctx.api("/api/admin/users", null, { method: "POST", body }));
    if (user) {
      flash = { email: user.email, text: `Added ${user.email} (${user.role}).` };
      ctx.refresh();
    }
  });
  return [
    card(`Users (${users.length})`, { class: "wide" }, line,
      h("div", { class: "user-list" }, users.map((u) => userItem(ctx, u, sites, shown?.email)))),
    card("Add a user", { class: "wide" }, add, addLine),
    card("Who reads what", { class: "wide" }, table({
      caption: "Users, roles and sites",
      columns: [{ label: "Email" }, { label: "Role" }, { label: "Sites" }],
      rows: users.map((u) => [u.email, u.role, u.role === "admin" ? "every site" : u.sites.join(", ") || "none"]),
    })),
  ];
}
