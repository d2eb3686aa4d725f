// Media: per video or audio element, loads, plays, watch time, completion,
// seeks, rewinds, errors; and the interaction timeline of the one chosen (the
// URL's `media`, the source; else the most played): its audience curve with the
// clicks, hovers, pauses and seeks along its 21 points.

import { mediaTimeline } from "./lib-chart.js";
import { card, h, table } from "./lib-dom.js";
import { duration, mediaSource, number, percent } from "./lib-format.js";
import { query } from "./lib-state.js";

const name = (m) => m.src || m.el || "(unnamed media)";

export async function render(ctx) {
  const { media } = await ctx.api("/api/stats/media", ctx.q);
  const chosen = ctx.state.params.get("media");
  const shown = media.find((m) => name(m) === chosen) || media[0];
  const timeline = shown && shown.src
    ? await ctx.api("/api/stats/media/timeline", { ...ctx.q, src: shown.src, el: shown.el })
    : null;
  const link = (m) => {
    const source = m.src ? mediaSource(m.src) : { name: name(m), where: "" };
    const a = h("a", { href: query(ctx.state, { params: { media: name(m) } }), title: name(m) }, source.name);
    if (m === shown) a.setAttribute("aria-current", "true");
    a.addEventListener("click", (event) => {
      event.preventDefault();
      ctx.go({ params: { media: name(m) } });
    });
    const sub = [source.where, m.src ? m.el : null].filter(Boolean).join(" · ");
    return sub ? [a, h("small", { class: "sub" }, sub)] : a;
  };
  const nodes = [card("Videos and audio", { class: "wide" }, table({
    caption: "Videos and audio",
    columns: [
      { label: "Source" }, { label: "Loads", num: true, opt: true }, { label: "Plays", num: true },
      { label: "Play rate", num: true, opt: true }, { label: "Watch time", num: true },
      { label: "Per play", num: true, opt: true }, { label: "Completion", num: true },
      { label: "Seeks", num: true, opt: true }, { label: "Rewinds", num: true, opt: true }, { label: "Errors", num: true, opt: true },
    ],
    rows: media.map((m) => [link(m), number(m.loads), number(m.plays), percent(m.play_rate),
      duration(m.watch_time_s), duration(m.avg_watch_s), percent(m.completion_rate),
      number(m.seeks), number(m.rewinds), number(m.errors)]),
    share: media.map((m) => m.plays / Math.max(1, ...media.map((n) => n.plays))),
    empty: "No media was loaded in this period.",
    filter: { dim: "media", keys: media.map((m) => m.src) },
  }), media.length ? h("p", { class: "note" }, "Click a source's name to see its timeline below.") : null)];
  if (shown) {
    const title = `Timeline of ${shown.src ? mediaSource(shown.src).name : name(shown)}`;
    const known = shown.retention.some((v) => v != null && v > 0);
    nodes.push(card(title, { class: "wide", dataset: { media: name(shown) } },
      h("p", { class: "note" }, "Left axis: percent of plays still watching at each point of the media (0 % is the start, 100 % the end). Right axis: clicks, hovers, pauses and seeks at that point."),
      known ? null : h("p", null, "No audience curve: the plays of this media had no known duration (a live stream, for example)."),
      timeline ? mediaTimeline(timeline.buckets, title) : null));
  }
  return nodes;
}
