// Peil dashboard: the shell. It reads the state from the URL (lib-state.js),
// keeps the header (site, period, views) in step with it, and hands the rest
// of the page to one module per view (ui/view-*.js), loaded when first shown.
// A view's render(ctx) answers the nodes to show; the shell swaps them in only
// when every request of the view has answered, so a page never mixes periods.

import { api } from "./ui/lib-api.js";
import { drawCharts, sweep } from "./ui/lib-chart.js";
import { downloadCsv } from "./ui/lib-csv.js";
import { addDays, MAX_DAYS, RANGES, resolve, todayIn } from "./ui/lib-dates.js";
import { card, h } from "./ui/lib-dom.js";
import { emptySite } from "./ui/lib-empty.js";
import { dayRange } from "./ui/lib-format.js";
import { filterBar, filtersOf, MAX_FILTERS } from "./ui/lib-filters.js";
import { compareOf, forView, query, read } from "./ui/lib-state.js";

const VIEWS = {
  overview: { title: "Overview", load: () => import("./ui/view-overview.js"), compares: true },
  pages: { title: "Pages", load: () => import("./ui/view-pages.js"), compares: true },
  sources: { title: "Sources", load: () => import("./ui/view-sources.js"), compares: true },
  locations: { title: "Locations", load: () => import("./ui/view-locations.js"), compares: true },
  devices: { title: "Devices", load: () => import("./ui/view-devices.js"), compares: true },
  media: { title: "Media", load: () => import("./ui/view-media.js") },
  interactions: { title: "Interactions", load: () => import("./ui/view-interactions.js") },
  events: { title: "Events", load: () => import("./ui/view-events.js") },
  errors: { title: "Errors", load: () => import("./ui/view-errors.js") },
  realtime: { title: "Realtime", load: () => import("./ui/view-realtime.js"), ranged: false },
  settings: { title: "Settings", load: () => import("./ui/view-settings.js"), admin: true, ranged: false },
};
const LAST_SITE = "peil.site";

const $ = (id) => document.getElementById(id);
let session = null;
let sites = [];
let generation = 0;
let controller = null;
let cleanups = [];
const withData = new Set(); // sites known to have events: no need to ask again

// ---- navigation -----------------------------------------------------------

function navigate(changes, { replace = false } = {}) {
  const target = query(read(), changes);
  history[replace ? "replaceState" : "pushState"](null, "", target);
  return render();
}

function visibleViews() {
  return Object.entries(VIEWS).filter(([, v]) => !v.admin || session.role === "admin");
}

function buildHeader() {
  $("range").replaceChildren(...RANGES.map(([id, label]) => new Option(label, id)));
  $("site").replaceChildren(...sites.map((s) => {
    const option = new Option(s.name, s.key);
    option.title = s.domains.join(", ");
    return option;
  }));
  $("who").textContent = `${session.email} (${session.role})`;
  $("views").replaceChildren(h("ul", null, visibleViews().map(([id, v]) =>
    h("li", null, h("a", { href: "#", dataset: { view: id } }, v.title)))));
}

function syncHeader(state, site, days, filters) {
  $("site").value = site.key;
  $("range").value = state.range;
  $("compare").value = compareOf(state);
  $("filters").replaceChildren(...filterBar(filters, (next) => navigate({ lists: { filter: next } })).filter(Boolean));
  $("filters").hidden = state.view === "settings";
  const custom = state.range === "custom";
  $("custom").hidden = !custom;
  if (custom && days) {
    $("from").value = days.from;
    $("to").value = days.to;
  }
  const ranged = VIEWS[state.view].ranged !== false;
  $("days").textContent = days && ranged ? dayRange(days.from, days.to) : "";
  // Realtime has no period; settings use it for the audit trail.
  $("range").closest("label").hidden = state.view === "realtime";
  $("compare").closest("label").hidden = !VIEWS[state.view].compares;
  for (const link of $("views").querySelectorAll("a")) {
    const view = link.dataset.view;
    link.href = query(state, { view, params: forView(state, view) });
    if (view === state.view) {
      link.setAttribute("aria-current", "page");
      link.scrollIntoView({ block: "nearest", inline: "nearest" });
    }
    else link.removeAttribute("aria-current");
  }
}

function wireHeader() {
  $("site").addEventListener("change", () => navigate({ site: $("site").value }));
  $("range").addEventListener("change", () => {
    const range = $("range").value;
    if (range === "custom") {
      $("custom").hidden = false;
      $("from").focus();
      return;
    }
    navigate({ range, from: null, to: null });
  });
  $("compare").addEventListener("change", () => navigate({ params: { compare: $("compare").value || null } }));
  $("custom").addEventListener("submit", (event) => {
    event.preventDefault();
    navigate({ range: "custom", from: $("from").value, to: $("to").value });
  });
  $("views").addEventListener("click", (event) => {
    const link = event.target.closest("a[data-view]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    history.pushState(null, "", link.getAttribute("href"));
    render().then(() => $("view").focus({ preventScroll: true }));
  });
  addEventListener("popstate", () => render());
  // A row of a table with a dimension adds its filter; every table's CSV button.
  const main = $("view");
  const filterRow = (event) => {
    const row = event.target.closest("tr[data-filter]");
    if (!row || event.target.closest("a, button, input, select, summary, label")) return false;
    const filters = filtersOf(read());
    const text = row.dataset.filter;
    if (filters.includes(text)) return true;
    if (filters.length >= MAX_FILTERS) {
      showError(`At most ${MAX_FILTERS} filters: remove one first.`);
      return true;
    }
    navigate({ lists: { filter: [...filters, text] } });
    return true;
  };
  main.addEventListener("click", (event) => {
    const button = event.target.closest("button.csv");
    if (button) {
      const table = button.closest(".table-box")?.querySelector("table");
      const state = read();
      const site = sites.find((s) => s.key === state.site) || sites[0];
      const days = resolve(state.range, todayIn(site.timezone), state);
      if (table) downloadCsv(table, [site.name, button.dataset.csv, ...(days ? [days.from, days.to] : [])]);
      return;
    }
    if (getSelection().toString()) return; // selecting text to copy is not a click on the row
    filterRow(event);
  });
  main.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target.matches("tr[data-filter]") && filterRow(event)) event.preventDefault();
  });
}

// ---- errors ---------------------------------------------------------------

function showError(message) {
  $("error").replaceChildren(h("strong", null, "Something went wrong. "), message,
    " ", h("button", { type: "button", class: "secondary", on: { click: () => render() } }, "Try again"));
  $("error").hidden = false;
}

function hideError() {
  $("error").hidden = true;
  $("error").replaceChildren();
}

// ---- the default site -----------------------------------------------------

async function defaultSite() {
  const last = localStorage.getItem(LAST_SITE);
  if (sites.some((s) => s.key === last)) return last;
  if (sites.length === 1 || sites.length > 20) return sites[0].key;
  // The site with most pageviews in the last 7 days (ties and failures: the first by name).
  const counts = await Promise.all(sites.map(async (s) => {
    const to = todayIn(s.timezone);
    try {
      const o = await api("/api/stats/overview", { site: s.key, from: addDays(to, -6), to });
      return o.pageviews;
    } catch {
      return -1;
    }
  }));
  return sites[counts.indexOf(Math.max(...counts))].key;
}

/** True when the site has never sent an event (within what the API can read). */
async function siteIsEmpty(site, signal) {
  if (withData.has(site.key)) return false;
  const to = todayIn(site.timezone);
  const o = await api("/api/stats/overview", { site: site.key, from: addDays(to, 1 - MAX_DAYS), to }, { signal });
  const any = o.pageviews > 0 || Object.values(o.events || {}).some((n) => n > 0);
  if (any) withData.add(site.key);
  return !any;
}

// ---- rendering ------------------------------------------------------------

async function render() {
  const mine = ++generation;
  controller?.abort();
  controller = new AbortController();
  const { signal } = controller;
  for (const stop of cleanups.splice(0)) stop();
  const main = $("view");
  delete document.body.dataset.loaded;

  const state = read();
  const site = sites.find((s) => s.key === state.site) || sites[0];
  const allowed = !VIEWS[state.view].admin || session.role === "admin";
  const viewId = allowed ? state.view : "overview";
  const view = VIEWS[viewId];
  const days = resolve(state.range, todayIn(site.timezone), state);
  const filters = viewId === "settings" ? [] : filtersOf(state);
  syncHeader(state, site, days, filtersOf(state));
  localStorage.setItem(LAST_SITE, site.key);
  if (!days) {
    main.replaceChildren(card("Choose the days", null, h("p", null, "Pick the first and the last day above, then Show.")));
    return;
  }
  main.classList.add("loading");
  main.setAttribute("aria-busy", "true");
  hideError();

  const ctx = {
    state, site, sites, session, ...days, filters, compare: compareOf(state),
    q: { site: site.key, from: days.from, to: days.to, filter: filters },
    api: (path, params, options) => api(path, params, { ...options, signal }),
    go: navigate,
    refresh: () => render(),
    reloadSites: async () => { ({ sites } = await api("/api/sites")); buildHeader(); },
    onCleanup: (stop) => cleanups.push(stop),
    current: () => mine === generation,
    report: (error) => showError(error.message),
    clearError: hideError,
  };
  try {
    const module = await view.load();
    const [empty, nodes] = await Promise.all([
      view.ranged === false && viewId !== "realtime" ? false : siteIsEmpty(site, signal),
      module.render(ctx),
    ]);
    if (mine !== generation) return;
    main.replaceChildren(...(empty ? await emptySite(ctx, () => withData.has(site.key) || siteIsEmpty(site)) : nodes));
    if (mine !== generation) return;
    drawCharts(main);
    sweep();
    document.title = `${view.title} · ${site.name} · Peil`;
    $("status").textContent = `${view.title} of ${site.name} shown.`;
    document.body.dataset.loaded = `${viewId} ${site.key} ${days.from} ${days.to}`;
    document.body.dataset.filters = filters.join(" & ");
  } catch (error) {
    if (mine !== generation || error.name === "AbortError") return;
    // Old numbers never stay under the new period's label: the view is emptied.
    main.replaceChildren(card(`${view.title}: nothing to show`, { class: "failed" },
      h("p", null, "The numbers could not be loaded; the message above says why.")));
    sweep();
    showError(`${view.title} of ${dayRange(days.from, days.to)} could not be loaded: ${error.message}`);
    document.body.dataset.failed = String(mine);
    console.warn(error);
  } finally {
    if (mine === generation) {
      main.classList.remove("loading");
      main.removeAttribute("aria-busy");
    }
  }
}

async function boot() {
  try {
    [session, { sites }] = await Promise.all([api("/api/session"), api("/api/sites")]);
  } catch (error) {
    showError(`The dashboard could not start: ${error.message}`);
    return;
  }
  if (!sites.length) {
    $("who").textContent = session.email;
    if (session.role !== "admin") {
      $("view").replaceChildren(card("No sites yet", null,
        h("p", null, "No site has been shared with you yet: ask an admin to grant you one.")));
      return;
    }
    // An admin's first visit: the form to add the first site; once added, the
    // dashboard starts on it (showing its snippet until the first event).
    const module = await import("./ui/settings-sites.js");
    const reload = () => location.assign("/");
    const ctx = { session, site: null, state: read(), api, go: reload, refresh: reload,
      reloadSites: async () => {}, onCleanup: () => {}, current: () => true };
    $("view").replaceChildren(...await module.render(ctx));
    return;
  }
  buildHeader();
  wireHeader();
  const state = read();
  if (!sites.some((s) => s.key === state.site)) {
    history.replaceState(null, "", query(state, { site: await defaultSite() }));
  }
  await render();
}

boot();
