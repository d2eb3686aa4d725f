// Settings > Sites: add, edit, remove; each site's snippet with a copy button.

import { addDays, MAX_DAYS, todayIn } from "./lib-dates.js";
import { card, copyButton, field, h } from "./lib-dom.js";
import { attempt, input, statusLine, submitForm } from "./lib-settings.js";

let flash = null; // what the last change did, shown once after the re-render

const zones = () => {
  try {
    return Intl.supportedValuesOf("timeZone");
  } catch {
    return ["UTC", "Europe/Amsterdam"];
  }
};

function zoneList() {
  return h("datalist", { id: "time-zones" }, zones().map((z) => h("option", { value: z })));
}

/** The fields of a site form, filled with `site` (or empty for a new one). */
function siteFields(site) {
  const consent = h("select", { name: "consent" },
    h("option", { value: "none" }, "Cookieless, no consent needed"),
    h("option", { value: "required" }, "Ask for consent first (a first-party cookie after it)"));
  consent.value = site?.consent || "none";
  return [
    field("Name", input("name", { required: true, value: site?.name || "", maxlength: 200 })),
    field("Domains", input("domains", { required: true, value: site ? site.domains.join(", ") : "", placeholder: "www.example.nl, example.nl" }), "separated by commas"),
    field("Time zone", input("timezone", { value: site?.timezone || "UTC", list: "time-zones", required: true })),
    field("Consent", consent),
    field("Privacy contact", input("contact", { type: "email", value: site?.contact || "", placeholder: "privacy@example.nl" }), "named in the privacy statement"),
    field("Keep raw events (days)", input("retention_days", { type: "number", min: 1, value: site?.retention_days ?? "", placeholder: "the instance's default" })),
  ];
}

function bodyOf(form, { adding }) {
  const value = (name) => form.elements[name].value.trim();
  const body = {
    name: value("name"),
    domains: value("domains").split(/[\s,]+/).filter(Boolean),
    timezone: value("timezone") || "UTC",
    consent: value("consent"),
  };
  if (value("contact")) body.contact = value("contact");
  if (value("retention_days")) body.retention_days = Number(value("retention_days"));
  if (adding) return body;
  return body;
}

function snippetBox(snippet) {
  const code = h("code", null, snippet);
  return h("div", { class: "snippet" }, h("pre", null, code), copyButton(code, "Copy snippet"));
}

const CHECK_EVERY_MS = 10000;

/** "Waiting for the first event…", checked every 10 s; green once one has arrived. */
function waitingLine(ctx, site) {
  const line = h("p", { class: "waiting", role: "status", dataset: { waiting: site.key } }, "Waiting for the first event…");
  const check = async () => {
    const to = todayIn(site.timezone);
    try {
      const o = await ctx.api("/api/stats/overview", { site: site.key, from: addDays(to, 1 - MAX_DAYS), to });
      if (o.pageviews > 0 || Object.values(o.events || {}).some((n) => n > 0)) {
        clearInterval(timer);
        line.textContent = "The first event has arrived.";
        line.classList.add("arrived");
      }
    } catch {
      // the next check tries again
    }
  };
  const timer = setInterval(check, CHECK_EVERY_MS);
  ctx.onCleanup(() => clearInterval(timer));
  check();
  return line;
}

function siteItem(ctx, site, openKey) {
  const line = statusLine();
  const edit = submitForm({ "aria-label": `Edit ${site.name}` }, [...siteFields(site),
    h("p", { class: "actions" }, h("button", { type: "submit" }, "Save changes"))], async (form) => {
    const saved = await attempt(line, () => ctx.api(`/api/admin/sites/${encodeURIComponent(site.key)}`, null,
      { method: "PATCH", body: bodyOf(form, { adding: false }) }));
    if (saved) {
      flash = { key: site.key, text: `Saved ${saved.name}.` };
      await ctx.reloadSites();
      ctx.refresh();
    }
  });
  const remove = h("button", { type: "button", class: "danger" }, "Remove this site and its data");
  remove.addEventListener("click", async () => {
    if (!confirm(`Remove ${site.name} and every event it collected? This cannot be undone.`)) return;
    const done = await attempt(line, () => ctx.api(`/api/admin/sites/${encodeURIComponent(site.key)}`, null, { method: "DELETE" }));
    if (done) {
      flash = { key: null, text: `Removed ${site.name} and ${done.deleted_events} raw events.` };
      await ctx.reloadSites();
      if (ctx.state.site === site.key) ctx.go({ site: null });
      else ctx.refresh();
    }
  });
  return h("details", { class: "site-item", open: openKey === site.key, dataset: { key: site.key } },
    h("summary", null, h("strong", null, site.name), " ", h("span", { class: "muted" }, site.domains.join(", ")),
      " ", h("span", { class: "tag" }, site.consent === "required" ? "consent" : "cookieless")),
    h("dl", { class: "facts" },
      h("dt", null, "Key"), h("dd", null, h("code", null, site.key)),
      h("dt", null, "Time zone"), h("dd", null, site.timezone),
      h("dt", null, "Raw events kept"), h("dd", null, `${site.retention_days} days`),
      h("dt", null, "Privacy contact"), h("dd", null, site.contact || "none set")),
    h("h3", null, "Snippet"),
    h("p", null, "Put it in the <head> of every page of the site."),
    snippetBox(site.snippet),
    h("h3", null, "Edit"), edit, line,
    h("p", { class: "actions" }, remove));
}

export async function render(ctx) {
  const { sites } = await ctx.api("/api/admin/sites");
  const shown = flash;
  flash = null;
  const line = statusLine();
  if (shown) line.ok(shown.text);
  const created = shown?.created ? sites.find((s) => s.key === shown.key) : null;
  const add = submitForm({ "aria-label": "Add a site" }, [...siteFields(null),
    h("p", { class: "actions" }, h("button", { type: "submit" }, "Add site"))], async (form) => {
    const site = await attempt(addLine, () => ctx.api("/api/admin/sites", null, { method: "POST", body: bodyOf(form, { adding: true }) }));
    if (site) {
      flash = { key: site.key, created: true, text: `Added ${site.name}. Paste its snippet into the site's pages.` };
      await ctx.reloadSites();
      ctx.refresh();
    }
  });
  const addLine = statusLine();
  return [
    zoneList(),
    created ? card(`Snippet for ${created.name}`, { class: "wide created", dataset: { key: created.key } },
      h("p", null, "The site is added. Put this line in the <head> of every page; the first pageview shows on the dashboard within seconds."),
      snippetBox(created.snippet), waitingLine(ctx, created)) : null,
    card(`Sites (${sites.length})`, { class: "wide" }, line, sites.length
      ? h("div", { class: "site-list" }, sites.map((s) => siteItem(ctx, s, shown?.key)))
      : h("p", null, "No sites yet: add the first one below.")),
    card("Add a site", { class: "wide" }, add, addLine),
  ].filter(Boolean);
}
