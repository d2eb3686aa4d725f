// Peil dashboard: reads the JSON API and draws tables and SVG/canvas charts.
// Every tracked string (URLs, referrers, element names, media sources) is put
// into the page with textContent or as an attribute value, never as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";
const BREAKDOWNS = [
  ["page", "Pages"], ["referrer", "Sources"], ["country", "Countries"],
  ["region", "Regions"], ["city", "Cities"], ["browser", "Browsers"], ["os", "Operating systems"],
  ["device", "Devices"], ["screen", "Screens"], ["language", "Languages"],
];
const DEVICES = { 0: "unknown", 1: "desktop", 2: "mobile", 3: "tablet" };
let sites = [];
let realtimeTimer = null;
// Each refresh gets a number; answers of an older refresh (the user changed
// site or period meanwhile) are dropped instead of overwriting newer ones.
let generation = 0;

class Stale extends Error {}

function still(mine, value) {
  if (mine !== generation) throw new Stale();
  return value;
}

// ---- data ----------------------------------------------------------------

async function api(path, params) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(params || {})) url.searchParams.set(k, v);
  const response = await fetch(url, { credentials: "same-origin" });
  if (response.status === 401) {
    location.assign("/login");
    throw new Error("not logged in");
  }
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
  return body;
}

function todayIn(timeZone) {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat("en-CA", { timeZone }).format(new Date());
}

function daysBefore(isoDay, days) {
  const d = new Date(`${isoDay}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - days);
  return d.toISOString().slice(0, 10);
}

function selection() {
  const site = sites.find((s) => s.key === $("site").value);
  const to = todayIn(site.timezone);
  const from = daysBefore(to, Number($("period").value) - 1);
  return { site: site.key, from, to };
}

// ---- formatting ----------------------------------------------------------

const number = (n) => (n == null ? "–" : Number(n).toLocaleString("en"));
const percent = (r) => (r == null ? "–" : `${(r * 100).toFixed(1)} %`);

function duration(seconds) {
  if (seconds == null) return "–";
  const s = Math.round(seconds);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

function label(by, key) {
  if (key == null) return by === "referrer" ? "(direct)" : "(unknown)";
  if (by === "device") return DEVICES[key] || String(key);
  return String(key);
}

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function fillTable(tbody, rows) {
  tbody.replaceChildren();
  for (const values of rows) {
    const row = tbody.insertRow();
    values.forEach((v, i) => cell(row, v, i ? "num" : ""));
  }
}

function svgElement(name, attributes) {
  const element = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attributes)) element.setAttribute(k, v);
  return element;
}

// ---- charts --------------------------------------------------------------

function lineChart(svg, days, series) {
  svg.replaceChildren();
  const width = 800, height = 200, pad = 24;
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const x = (i) => pad + (days.length < 2 ? 0 : (i * (width - 2 * pad)) / (days.length - 1));
  const y = (v) => height - pad - (v / max) * (height - 2 * pad);
  svg.append(svgElement("line", { x1: pad, y1: height - pad, x2: width - pad, y2: height - pad, class: "axis" }));
  for (const { values, className } of series) {
    const points = values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    svg.append(svgElement("polyline", { points, class: className }));
  }
  const top = svgElement("text", { x: pad, y: pad - 8, class: "tick" });
  top.textContent = number(max);
  svg.append(top);
  for (const i of [0, days.length - 1]) {
    if (days[i] === undefined) continue;
    const t = svgElement("text", { x: x(i), y: height - 6, class: "tick", "text-anchor": i ? "end" : "start" });
    t.textContent = days[i];
    svg.append(t);
  }
}

function retentionCurve(values) {
  const svg = svgElement("svg", { viewBox: "0 0 200 40", class: "spark", role: "img" });
  svg.setAttribute("aria-label", "percent of plays still watching, 0 to 100 % of the duration");
  const points = values.map((v, i) => `${(i * 10).toFixed(0)},${(40 - (v / 100) * 38).toFixed(1)}`);
  svg.append(svgElement("polyline", { points: points.join(" "), class: "retention" }));
  return svg;
}

function heatmap(canvas, points) {
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const maxY = Math.max(600, ...points.map((p) => p.y + 10));
  const maxN = Math.max(1, ...points.map((p) => p.n));
  for (const p of points) {
    ctx.fillStyle = `rgba(220, 60, 30, ${(0.15 + 0.85 * (p.n / maxN)).toFixed(3)})`;
    ctx.beginPath();
    ctx.arc(p.x * canvas.width, (p.y / maxY) * canvas.height, 6, 0, 2 * Math.PI);
    ctx.fill();
  }
}

// ---- sections ------------------------------------------------------------

async function showOverview(q, mine) {
  const o = still(mine, await api("/api/stats/overview", q));
  $("visitors").textContent = number(o.visitors);
  $("visits").textContent = number(o.visits);
  $("pageviews").textContent = number(o.pageviews);
  $("bounce-rate").textContent = percent(o.bounce_rate);
  $("avg-visit").textContent = duration(o.avg_visit_s);
  lineChart($("series"), o.series.map((d) => d.date), [
    { values: o.series.map((d) => d.pageviews), className: "pageviews" },
    { values: o.series.map((d) => d.visitors), className: "visitors" },
  ]);
  fillTable($("events").querySelector("tbody"),
    Object.entries(o.events).sort((a, b) => b[1] - a[1]).map(([t, n]) => [t, number(n)]));
}

async function showBreakdowns(q, mine) {
  const section = $("breakdowns");
  const answers = still(mine, await Promise.all(
    BREAKDOWNS.map(([by]) => api("/api/stats/breakdown", { ...q, by, limit: 10 }))));
  section.replaceChildren();
  BREAKDOWNS.forEach(([by, title], i) => {
    const card = document.createElement("div");
    card.className = "card breakdown";
    card.dataset.by = by;
    const h = document.createElement("h2");
    h.textContent = title;
    const table = document.createElement("table");
    const head = table.createTHead().insertRow();
    for (const name of [title, "Visitors", "Pageviews"]) head.append(Object.assign(document.createElement("th"), { textContent: name }));
    const body = table.createTBody();
    const max = Math.max(1, ...answers[i].rows.map((r) => r.visitors));
    for (const r of answers[i].rows) {
      const row = body.insertRow();
      const name = cell(row, label(by, r.key), "key");
      name.style.setProperty("--share", `${((r.visitors / max) * 100).toFixed(1)}%`);
      cell(row, number(r.visitors), "num");
      cell(row, number(r.pageviews), "num");
    }
    card.append(h, table);
    section.append(card);
    if (by === "page") fillPageChoice(answers[i].rows);
  });
}

function fillPageChoice(rows) {
  const select = $("click-page");
  const previous = select.value;
  select.replaceChildren(new Option("All pages", ""));
  for (const r of rows) if (r.key != null) select.append(new Option(r.key, r.key));
  if ([...select.options].some((o) => o.value === previous)) select.value = previous;
}

async function showMedia(q, mine) {
  const { media } = still(mine, await api("/api/stats/media", q));
  const tbody = $("media").querySelector("tbody");
  tbody.replaceChildren();
  for (const m of media) {
    const row = tbody.insertRow();
    cell(row, `${m.el || ""} ${m.src || ""}`.trim(), "key");
    for (const v of [number(m.loads), number(m.plays), percent(m.play_rate), number(m.viewers),
      duration(m.watch_time_s), duration(m.avg_watch_s), percent(m.completion_rate),
      number(m.seeks), number(m.rewinds), number(m.errors)]) cell(row, v, "num");
    row.insertCell().append(retentionCurve(m.retention));
  }
}

async function showClicks(q, mine) {
  const page = $("click-page").value;
  const answer = still(mine, await api("/api/stats/clicks", page ? { ...q, url: page } : q));
  heatmap($("heatmap"), answer.points);
  fillTable($("click-elements").querySelector("tbody"),
    answer.elements.map((e) => [e.el == null ? "(unnamed)" : e.el, number(e.clicks)]));
}

async function showRealtime() {
  const r = await api("/api/stats/realtime", { site: $("site").value });
  $("visitors-5m").textContent = number(r.visitors_5m);
  $("pageviews-30m").textContent = number(r.pageviews_30m);
  fillTable($("realtime-pages").querySelector("tbody"),
    r.top_pages.map((p) => [p.page == null ? "(unknown)" : p.page, number(p.visitors), number(p.pageviews)]));
}

function showExportLinks(q) {
  for (const format of ["csv", "ndjson"]) {
    const url = new URL("/api/export", location.origin);
    for (const [k, v] of Object.entries({ ...q, format })) url.searchParams.set(k, v);
    $(`export-${format}`).href = url.pathname + url.search;
  }
}

function report(error) {
  $("error").hidden = false;
  $("error").textContent = `Could not load: ${error.message}`;
}

async function refresh() {
  const mine = ++generation;
  $("error").hidden = true;
  const q = selection();
  showExportLinks(q);
  try {
    await Promise.all([showOverview(q, mine), showBreakdowns(q, mine), showMedia(q, mine),
      showRealtime()]);
    await showClicks(q, mine);
    // Tests and scripts wait for this: the page shows exactly this selection.
    document.body.dataset.loaded = `${q.site} ${q.from} ${q.to}`;
  } catch (error) {
    if (error instanceof Stale) return;
    report(error);
  }
  clearInterval(realtimeTimer);
  realtimeTimer = setInterval(() => showRealtime().catch(report), 30000);
}

async function start() {
  try {
    ({ sites } = await api("/api/sites"));
  } catch (error) {
    report(error);
    return;
  }
  if (!sites.length) {
    report(new Error("no sites yet; add one with: peil sites add NAME --domain example.nl"));
    return;
  }
  for (const s of sites) $("site").append(new Option(`${s.name} (${s.domains.join(", ")})`, s.key));
  $("site").addEventListener("change", refresh);
  $("period").addEventListener("change", refresh);
  $("click-page").addEventListener("change",
    () => showClicks(selection(), generation).catch((e) => e instanceof Stale || report(e)));
  await refresh();
}

start();
