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
// An hour's `start` (2025-03-30T02:00+02:00) on the site's clock, as if UTC.
const clockEpoch = (start) => Date.parse(`${start.slice(0, 16)}:00Z`) / 1000;
const short = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });
const hourFormat = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "UTC" });
const localClock = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit" });
const compact = new Intl.NumberFormat("en", { notation: "compact" });
const pct = (v) => (v == null ? "–" : `${Math.round(v * 10) / 10} %`);
const PALETTE = ["--accent", "--accent2", "--c3", "--c4", "--c5", "--c6"];

/**
 * A line chart with its numbers as a table beneath. x: [values]; xLabel: the
 * first column's name; xText(v): a point's label; series: [{label, values,
 * color?, dim?, fill?, scale?, text?}]; opts.time: x in seconds (UTC clock);
 * opts.xTicks / opts.yTicks: tick labels; opts.mark: [x0, x1] shaded band;
 * opts.y2: a second scale ("n") on the right for series with scale "n".
 */
export function lineChart({ label, x, xLabel, xText, series, time = false, xTicks, yTicks, y2Ticks, xRange, yRange, summary = "The numbers of the chart" }) {
  const holder = h("div", { class: "chart", role: "img", "aria-label": label });
  const figure = h("figure", { class: "chart-figure" }, holder,
    h("details", null, h("summary", null, summary),
      table({
        caption: label,
        columns: [{ label: xLabel }, ...series.map((s) => ({ label: s.label, num: true }))],
        rows: x.map((v, i) => [xText(v), ...series.map((s) => (s.text || number)(s.values[i]))]),
      })));
  const few = x.length <= 40;
  holder.draw = () => {
    const colour = (s, i) => css(s.color || PALETTE[i % PALETTE.length]);
    const axes = [
      axis(xTicks, 32),
      axis(yTicks || ((u, ticks) => ticks.map((t) => compact.format(t))), 52),
    ];
    if (series.some((s) => s.scale === "n")) {
      axes.push({ ...axis(y2Ticks || ((u, ticks) => ticks.map((t) => compact.format(t))), 44), scale: "n", side: 1, grid: { show: false } });
    }
    mount(holder, {
      ...(time ? { tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC") } : {}),
      cursor: { points: { size: 8 }, drag: { x: false, y: false } },
      legend: { live: true, markers: { dash: (u, i) => (u.series[i].dash ? "dashed" : "solid") } },
      scales: {
        x: { time, ...(xRange ? { range: xRange } : {}) },
        y: { range: yRange || ((u, min, max) => [0, Math.max(4, max * 1.1)]) },
        n: { range: (u, min, max) => [0, Math.max(4, max * 1.1)] },
      },
      axes,
      series: [
        { label: xLabel, value: (u, v) => (v == null ? "–" : xText(v)) },
        ...series.map((s, i) => ({
          label: s.label, stroke: colour(s, i), width: s.dim ? 1.5 : 2, dash: s.dim ? [6, 4] : undefined,
          alpha: s.dim ? 0.6 : 1, fill: s.fill ? css("--accent-fill") : undefined, scale: s.scale || "y",
          points: { show: few && !s.dim, size: 6 }, value: (u, v) => (s.text || number)(v),
        })),
      ],
    }, [x, ...series.map((s) => s.values)]);
  };
  return figure;
}

/**
 * Pageviews and visitors per bucket of the overview's series (days, weeks,
 * months, or hours for one day); `compare`: the other period's series, drawn
 * dimmer on the same buckets.
 */
export function overviewSeries(points, { label, hourly, compare }) {
  let last = -Infinity;
  // A repeated hour on a DST day keeps its place after the first.
  const x = points.map((p) => {
    const t = hourly ? clockEpoch(p.start) : epoch(p.date || p.start);
    last = t > last ? t : last + 60;
    return last;
  });
  const at = (t) => (hourly ? hourFormat : short).format(new Date(t * 1000));
  const series = [
    { label: "Pageviews", values: points.map((p) => p.pageviews), fill: true },
    { label: "Visitors", values: points.map((p) => p.visitors) },
  ];
  if (compare) {
    const other = compare.series || [];
    series.push(
      { label: "Pageviews before", values: points.map((p, i) => other[i]?.pageviews ?? null), color: "--accent", dim: true },
      { label: "Visitors before", values: points.map((p, i) => other[i]?.visitors ?? null), color: "--accent2", dim: true },
    );
  }
  const byDay = !hourly;
  return lineChart({
    label, x, time: true, xLabel: hourly ? "Hour" : "Day", series,
    xText: (t) => (byDay ? day(new Date(t * 1000).toISOString().slice(0, 10)) : at(t)),
    xTicks: (u, ticks) => ticks.map(at),
  });
}

/** The realtime minutes: pageviews and visitors per minute (local clock). */
export function minuteSeries(points, label) {
  const x = points.map((p) => Date.parse(p.minute) / 1000);
  const at = (t) => localClock.format(new Date(t * 1000));
  return lineChart({
    label, x, time: true, xLabel: "Minute", xText: at, xTicks: (u, ticks) => ticks.map(at),
    series: [
      { label: "Pageviews", values: points.map((p) => p.pageviews), fill: true },
      { label: "Visitors", values: points.map((p) => p.visitors) },
    ],
  });
}

/** The audience curve: percent of plays still watching at 0 %, 5 %, ... 100 % of the media. */
export function audienceCurve(retention, label) {
  return lineChart({
    label, x: retention.map((v, i) => i * 5), xLabel: "Point of the media", xText: (v) => `${v} %`,
    xRange: [0, 100], yRange: [0, 100], summary: "The numbers of the curve",
    xTicks: (u, ticks) => ticks.map((t) => `${t} %`), yTicks: (u, ticks) => ticks.map((t) => `${t} %`),
    series: [{ label: "Still watching", values: retention, fill: true, text: pct }],
  });
}

/**
 * The interaction timeline of one media: the audience curve (left axis) and
 * the clicks, hovers, pauses and seeks at each of its 21 points (right axis).
 */
export function mediaTimeline(buckets, label) {
  const count = (key) => buckets.map((b) => b[key]);
  return lineChart({
    label, x: buckets.map((b) => Math.round(b.at * 100)), xLabel: "Point of the media", xText: (v) => `${v} %`,
    xRange: [0, 100], yRange: [0, 100], summary: "The numbers of the timeline",
    xTicks: (u, ticks) => ticks.map((t) => `${t} %`), yTicks: (u, ticks) => ticks.map((t) => `${t} %`),
    series: [
      { label: "Still watching", values: count("audience"), fill: true, text: pct },
      { label: "Clicks", values: count("clicks"), scale: "n" },
      { label: "Hovers", values: count("hovers"), scale: "n" },
      { label: "Pauses", values: count("pauses"), scale: "n" },
      { label: "Seeks away", values: count("seeks_from"), scale: "n" },
      { label: "Seeks to", values: count("seeks_to"), scale: "n" },
    ],
  });
}

/** Draw the charts of a subtree once it is in the page. */
export function drawCharts(root) {
  for (const holder of root.querySelectorAll(".chart")) if (holder.draw && !holder.uplot) holder.draw();
}
