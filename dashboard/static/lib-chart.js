// Charts with uPlot (vendored: uPlot-1.6.32.iife.min.js, MIT, loaded as a classic
// script before the modules, so `window.uPlot` is there). Each chart also has its
// numbers as a table under a <details>, for screen readers and for copying.

import { h, table } from "./lib-dom.js";
import { day, number } from "./lib-format.js";

const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
const charts = new Set();

// One observer resizes every chart to its card's width.
const resizer = new ResizeObserver((entries) => {
  for (const entry of entries) {
    const chart = entry.target.uplot;
    if (!chart) continue;
    const width = Math.floor(entry.contentRect.width);
    if (width > 0 && width !== chart.width) chart.setSize({ width, height: chartHeight() });
  }
});

const chartHeight = () => (innerWidth < 600 ? 220 : 280);

function mount(holder, options, data) {
  const width = Math.max(200, Math.floor(holder.getBoundingClientRect().width) || 600);
  const chart = new uPlot({ width, height: chartHeight(), ...options }, data, holder);
  holder.uplot = chart;
  resizer.observe(holder);
  charts.add(chart);
  return chart;
}

/** Remove the charts that are no longer on the page (after a view changed). */
export function sweep() {
  for (const chart of charts) {
    if (!chart.root.isConnected) {
      resizer.unobserve(chart.root.parentElement || chart.root);
      chart.destroy();
      charts.delete(chart);
    }
  }
}

function axis(values, size) {
  return {
    stroke: css("--muted"),
    grid: { stroke: css("--grid"), width: 1 },
    ticks: { stroke: css("--grid"), width: 1 },
    values,
    size,
  };
}

const epoch = (iso) => Date.parse(`${iso}T00:00:00Z`) / 1000;
const short = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });
const compact = new Intl.NumberFormat("en", { notation: "compact" });
const pct = (v) => (v == null ? "–" : `${Math.round(v * 10) / 10} %`);

/**
 * Pageviews and visitors per day. days: [{date, pageviews, visitors}]; `mark`: a day
 * to mark (the one the tiles count, when the chart shows more days than the range).
 */
export function daySeries(days, { label, mark } = {}) {
  const holder = h("div", { class: "chart", role: "img", "aria-label": label });
  const figure = h("figure", { class: "chart-figure" }, holder,
    h("details", null, h("summary", null, "The numbers of the chart"),
      table({
        caption: label,
        columns: [{ label: "Day" }, { label: "Pageviews", num: true }, { label: "Visitors", num: true }],
        rows: days.map((d) => [day(d.date), number(d.pageviews), number(d.visitors)]),
      })));
  const data = [days.map((d) => epoch(d.date)), days.map((d) => d.pageviews), days.map((d) => d.visitors)];
  const markAt = mark ? epoch(mark) : null;
  const few = days.length <= 40;
  // Drawn once the holder is in the page (uPlot measures its fonts and size).
  holder.draw = () => mount(holder, {
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
    cursor: { points: { size: 8 }, drag: { x: false, y: false } },
    legend: { live: true },
    scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(4, max * 1.1)] } },
    axes: [
      axis((u, ticks) => ticks.map((t) => short.format(new Date(t * 1000))), 32),
      axis((u, ticks) => ticks.map((t) => compact.format(t)), 48),
    ],
    series: [
      { label: "Day", value: (u, ts) => (ts == null ? "–" : day(new Date(ts * 1000).toISOString().slice(0, 10))) },
      { label: "Pageviews", stroke: css("--accent"), width: 2, fill: css("--accent-fill"),
        points: { show: few, size: 6 }, value: (u, v) => number(v) },
      { label: "Visitors", stroke: css("--accent2"), width: 2,
        points: { show: few, size: 6 }, value: (u, v) => number(v) },
    ],
    hooks: {
      drawClear: [(u) => {
        if (markAt == null) return;
        // A band behind the marked day: the day the tiles count.
        const half = 43200;
        const left = u.valToPos(markAt - half, "x", true), right = u.valToPos(markAt + half, "x", true);
        const { ctx } = u;
        ctx.save();
        ctx.fillStyle = css("--mark");
        ctx.fillRect(left, u.bbox.top, right - left, u.bbox.height);
        ctx.restore();
      }],
    },
  }, data);
  return figure;
}

/** The audience curve: percent of plays still watching at 0 %, 5 %, ... 100 % of the media. */
export function audienceCurve(retention, label) {
  const holder = h("div", { class: "chart", role: "img", "aria-label": label });
  const points = retention.map((v, i) => [i * 5, v]);
  const figure = h("figure", { class: "chart-figure" }, holder,
    h("details", null, h("summary", null, "The numbers of the curve"),
      table({
        caption: label,
        columns: [{ label: "Point of the media" }, { label: "Still watching", num: true }],
        rows: points.map(([at, v]) => [`${at} %`, pct(v)]),
      })));
  holder.draw = () => mount(holder, {
    cursor: { points: { size: 8 }, drag: { x: false, y: false } },
    legend: { live: true },
    scales: { x: { time: false, range: [0, 100] }, y: { range: [0, 100] } },
    axes: [
      axis((u, ticks) => ticks.map((t) => `${t} %`), 32),
      axis((u, ticks) => ticks.map((t) => `${t} %`), 52),
    ],
    series: [
      { label: "Point of the media", value: (u, v) => pct(v) },
      { label: "Still watching", stroke: css("--accent"), width: 2, fill: css("--accent-fill"),
        points: { show: true, size: 5 }, value: (u, v) => pct(v) },
    ],
  }, [points.map((p) => p[0]), points.map((p) => p[1])]);
  return figure;
}

/** Draw the charts of a subtree once it is in the page. */
export function drawCharts(root) {
  for (const holder of root.querySelectorAll(".chart")) if (holder.draw && !holder.uplot) holder.draw();
}
