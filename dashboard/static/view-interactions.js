// Interactions: the click heatmap of one page, drawn over the page itself (the
// site's page in a frame at the chosen width, the heat on a canvas above it),
// and the most clicked elements. The frame is sandboxed without scripts, so the
// page's own tracker does not count the analyst's visit; a page that cannot be
// framed (no domain, refused by the page or by this page's frame-src, or no
// answer in time) gets a plain background instead, as does "All pages".
// URL: page=PATH, width=1280|768|390, origin=https://host (the frame's origin),
// plain=1 (no page beneath).

import { card, field, h, table } from "./lib-dom.js";
import { duration, number } from "./lib-format.js";

const WIDTHS = [["1280", "Desktop, 1280 px"], ["768", "Tablet, 768 px"], ["390", "Phone, 390 px"]];
const FRAME_TIMEOUT_MS = 8000;
const LOOPBACK = new Set(["localhost", "127.0.0.1"]);

function defaultOrigin(site) {
  const domain = site.domains[0];
  if (!domain) return "";
  return `${LOOPBACK.has(domain) ? "http" : "https"}://${domain}`;
}

function safeOrigin(text) {
  try {
    const u = new URL(text);
    return u.protocol === "https:" || u.protocol === "http:" ? u.origin : "";
  } catch {
    return "";
  }
}

function heat(canvas, points, width, height) {
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d");
  const max = Math.max(1, ...points.map((p) => p.n));
  const radius = Math.max(18, width * 0.016);
  for (const p of points) {
    const x = (p.x + 0.005) * width;
    const y = p.y + 5;
    const strength = 0.25 + 0.75 * (p.n / max);
    const glow = ctx.createRadialGradient(x, y, 0, x, y, radius);
    // From red (most) through orange to transparent.
    glow.addColorStop(0, `rgba(220, 38, 38, ${strength.toFixed(3)})`);
    glow.addColorStop(0.5, `rgba(249, 115, 22, ${(strength * 0.6).toFixed(3)})`);
    glow.addColorStop(1, "rgba(249, 115, 22, 0)");
    ctx.fillStyle = glow;
    ctx.fillRect(x - radius, y - radius, radius * 2, radius * 2);
  }
}

export async function render(ctx) {
  const params = ctx.state.params;
  const page = params.get("page") || "";
  const width = Number(WIDTHS.some(([w]) => w === params.get("width")) ? params.get("width") : "1280");
  const origin = safeOrigin(params.get("origin") || "") || defaultOrigin(ctx.site);
  const plain = params.get("plain") === "1";
  const [pages, clicks, elements] = await Promise.all([
    ctx.api("/api/stats/breakdown", { ...ctx.q, by: "page", limit: 100 }),
    ctx.api("/api/stats/clicks", page ? { ...ctx.q, url: page } : ctx.q),
    ctx.api("/api/stats/elements", { ...ctx.q, limit: 50 }),
  ]);

  const pageSelect = h("select", { name: "page" },
    h("option", { value: "" }, "All pages together"),
    pages.rows.filter((r) => r.key != null).map((r) => h("option", { value: r.key }, r.key)));
  if (page && ![...pageSelect.options].some((o) => o.value === page)) pageSelect.append(h("option", { value: page }, page));
  pageSelect.value = page;
  const widthSelect = h("select", { name: "width" }, WIDTHS.map(([w, label]) => h("option", { value: w }, label)));
  widthSelect.value = String(width);
  const originInput = h("input", { name: "origin", type: "url", value: origin, placeholder: "https://www.example.nl", size: 28 });
  const plainBox = h("input", { name: "plain", type: "checkbox", checked: plain });
  const form = h("form", { class: "controls", on: { submit: (e) => { e.preventDefault(); apply(); } } },
    field("Page", pageSelect), field("Width", widthSelect),
    field("Page address", originInput, "where the page is shown from"),
    h("label", { class: "check" }, plainBox, " Plain background"),
    h("button", { type: "submit", class: "secondary" }, "Show"));
  const apply = () => ctx.go({ params: {
    page: pageSelect.value, width: widthSelect.value === "1280" ? null : widthSelect.value,
    origin: originInput.value === defaultOrigin(ctx.site) ? null : safeOrigin(originInput.value), plain: plainBox.checked ? "1" : null,
  } });
  pageSelect.addEventListener("change", apply);
  widthSelect.addEventListener("change", apply);
  plainBox.addEventListener("change", apply);

  const maxY = Math.max(0, ...clicks.points.map((p) => p.y + 10));
  const height = Math.min(8000, Math.max(width < 500 ? 844 : 900, maxY + 80));
  const canvas = h("canvas", { class: "heat", "aria-hidden": "true" });
  heat(canvas, clicks.points, width, height);
  const board = h("div", { class: "board" });
  const stage = h("div", { class: "stage", role: "img",
    "aria-label": `Click heatmap of ${page || "all pages"}: ${clicks.points.length} spots; the elements are listed below.` }, board);
  const status = h("p", { class: "note frame-status" });
  const usePlain = (why) => {
    board.querySelector("iframe")?.remove();
    board.classList.add("plain");
    stage.dataset.frame = "plain";
    status.textContent = why;
  };
  board.append(canvas);
  if (!page) usePlain("All pages together: the clicks of every page on one plain background.");
  else if (plain) usePlain("Plain background, as chosen.");
  else if (!origin) usePlain("The site has no domain to show the page from: a plain background instead.");
  else {
    // The path is tracked data: it can only ever name a page of `origin`.
    const src = new URL(`/${page.replace(/^[/\\]+/, "")}`, origin).href;
    const frame = h("iframe", { src, title: `The page ${page} beneath the heatmap`, sandbox: "", referrerpolicy: "no-referrer", tabindex: "-1", loading: "eager" });
    frame.width = width;
    frame.height = height;
    board.prepend(frame);
    stage.dataset.frame = "loading";
    status.textContent = `Showing ${src} at ${width} px (without its scripts).`;
    const timeout = setTimeout(() => usePlain(`${src} did not load in time: a plain background instead.`), FRAME_TIMEOUT_MS);
    frame.addEventListener("load", () => {
      clearTimeout(timeout);
      if (stage.dataset.frame === "loading") stage.dataset.frame = "page";
    });
    const refused = (event) => {
      if (event.violatedDirective.startsWith("frame-src")) {
        clearTimeout(timeout);
        usePlain(`This dashboard may not frame ${origin} (only the sites' own domains): a plain background instead.`);
      }
    };
    document.addEventListener("securitypolicyviolation", refused);
    ctx.onCleanup(() => { clearTimeout(timeout); document.removeEventListener("securitypolicyviolation", refused); });
  }
  // Scale the page's width down to the card's.
  // The stage takes the board's scaled size (at most the card's width).
  const holder = h("div", { class: "stage-holder" }, stage);
  const fit = () => {
    const available = holder.clientWidth || width;
    const scale = Math.min(1, available / width);
    board.style.width = `${width}px`;
    board.style.height = `${height}px`;
    board.style.transform = `scale(${scale})`;
    stage.style.width = `${Math.floor(width * scale)}px`;
    stage.style.height = `${Math.ceil(height * scale)}px`;
  };
  const observer = new ResizeObserver(fit);
  observer.observe(holder);
  ctx.onCleanup(() => observer.disconnect());

  return [
    card("Click heatmap", { class: "wide" }, form, status, holder,
      h("p", { class: "note" }, `${number(clicks.points.reduce((s, p) => s + p.n, 0))} clicks in ${number(clicks.points.length)} spots; redder is more.`)),
    card("Most clicked elements", { class: "wide" }, table({
      caption: "Most clicked elements",
      columns: [{ label: "Element" }, { label: "Clicks", num: true }],
      rows: clicks.elements.map((e) => [e.el == null ? "(unnamed)" : e.el, number(e.clicks)]),
      empty: "No clicks in this period.",
    })),
    card("Elements seen", { class: "wide", dataset: { report: "elements" } },
      h("p", { class: "note" }, "Elements marked with data-peil-track, all pages together: how often they came on screen, for how long on average, and their hovers and clicks."),
      table({
        caption: "Elements seen",
        columns: [{ label: "Element" }, { label: "Views", num: true }, { label: "Visitors", num: true, opt: true },
          { label: "Avg visible", num: true }, { label: "Hovers", num: true, opt: true }, { label: "Clicks", num: true }],
        rows: elements.rows.map((e) => [e.el == null ? "(unnamed)" : e.el, number(e.views), number(e.visitors),
          duration(e.avg_visible_s), number(e.hovers), number(e.clicks)]),
        empty: "No element came on screen in this period.",
      })),
  ];
}
