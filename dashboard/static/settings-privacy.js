// Settings > Privacy: the site's generated privacy statement (nl/en, preview
// and download), forgetting a consent-mode visitor, their subject export, and
// the audit trail.

import { text, url } from "./lib-api.js";
import { card, field, h, table } from "./lib-dom.js";
import { attempt, input, statusLine, submitForm, when } from "./lib-settings.js";

function idFields() {
  const which = h("select", { name: "which" }, h("option", { value: "uid" }, "Visitor id (uid)"), h("option", { value: "sid" }, "Session id (sid)"));
  return [field("Id kind", which), field("Id", input("id", { required: true, autocomplete: "off", spellcheck: "false", maxlength: 200 }), "the part of the peil_id cookie before the first dot is the uid")];
}

export async function render(ctx) {
  const site = ctx.site;
  const lang = ctx.state.params.get("lang") === "en" ? "en" : "nl";
  const [statement, audit] = await Promise.all([
    text("/api/admin/privacy/statement", { site: site.key, lang, format: "md" }),
    ctx.api("/api/admin/audit", { since: ctx.from }),
  ]);
  const langSelect = h("select", { name: "lang" }, h("option", { value: "nl" }, "Nederlands"), h("option", { value: "en" }, "English"));
  langSelect.value = lang;
  langSelect.addEventListener("change", () => ctx.go({ params: { lang: langSelect.value === "nl" ? null : langSelect.value } }));
  const download = (format) => h("a", { class: "button secondary", download: `privacy-${site.key}-${lang}.${format}`,
    href: url("/api/admin/privacy/statement", { site: site.key, lang, format }) }, `Download ${format === "md" ? "Markdown" : "HTML"}`);

  const forgetLine = statusLine();
  const forget = submitForm({ "aria-label": "Forget a visitor" }, [...idFields(),
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "only_site", checked: true }), ` Only on ${site.name}`),
    h("p", { class: "actions" }, h("button", { type: "submit", class: "danger" }, "Delete their events"))], async (f) => {
    const body = { [f.elements.which.value]: f.elements.id.value.trim() };
    if (f.elements.only_site.checked) body.site = site.key;
    if (!confirm("Delete every raw event of this visitor? This cannot be undone.")) return;
    const answer = await attempt(forgetLine, () => ctx.api("/api/admin/privacy/forget", null, { method: "POST", body }));
    if (answer) forgetLine.ok(`Deleted ${answer.deleted} event(s). Events still on their way are deleted as they arrive.`);
  });

  const exportLine = statusLine();
  const exportLink = h("a", { class: "button secondary", hidden: true }, "Download the export");
  const exporter = submitForm({ "aria-label": "Export a visitor's data" }, [...idFields(),
    field("Format", h("select", { name: "format" }, h("option", { value: "json" }, "JSON"), h("option", { value: "csv" }, "CSV"))),
    h("p", { class: "actions" }, h("button", { type: "submit" }, "Prepare download"), " ", exportLink)], async (f) => {
    const format = f.elements.format.value;
    exportLink.href = url("/api/admin/privacy/export", { [f.elements.which.value]: f.elements.id.value.trim(), site: site.key, format });
    exportLink.setAttribute("download", `peil-subject.${format}`);
    exportLink.hidden = false;
    exportLink.focus();
    exportLine.ok("Ready: every raw event of this visitor on this site, with every stored field. The download is audited.");
  });

  return [
    card(`Privacy statement of ${site.name}`, { class: "wide" },
      h("p", { class: "actions" }, field("Language", langSelect), download("md"), download("html")),
      h("pre", { class: "statement", tabindex: "0", "aria-label": "The statement (Markdown)" }, statement)),
    h("div", { class: "grid" },
      card("Forget a visitor", null, h("p", { class: "note" }, "Deletes every raw event of a consent-mode visitor (art. 17 GDPR). Cookieless events carry no id and cannot be found for one person."), forget, forgetLine),
      card("Export a visitor's data", null, h("p", { class: "note" }, "Every raw event of a consent-mode visitor (art. 15 and 20 GDPR)."), exporter, exportLine)),
    card("Audit trail", { class: "wide" },
      h("p", { class: "note" }, `Since ${ctx.from} (the start of the period chosen at the top), newest first.`),
      table({
        caption: "Audit trail",
        columns: [{ label: "When" }, { label: "Who" }, { label: "What" }, { label: "Rows", num: true }, { label: "Detail" }],
        rows: audit.rows.slice().reverse().slice(0, 500).map((r) => [when(r.at), r.actor, r.action, r.rows == null ? "–" : String(r.rows), JSON.stringify(r.detail)]),
        empty: "Nothing audited in this period.",
      })),
  ];
}
