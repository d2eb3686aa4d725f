// Events and goals: custom events with their conversion rate (a row filters
// by the event), the properties of the chosen one (`event=` in the URL), the
// goals with their conversion rates, and a funnel of 2 to 8 steps
// (`step=page:/tour&step=event:signup`, each page:PATTERN or event:NAME) as bars.

import { card, h, table } from "./lib-dom.js";
import { number, percent } from "./lib-format.js";

const MAX_STEPS = 8;
const STEP = /^(page:\S.*|event:\S.*)$/;

function funnelBuilder(ctx, steps) {
  const list = h("ol", { class: "steps" });
  const status = h("p", { class: "form-status", role: "status" });
  const addRow = (value = "") => {
    const input = h("input", { type: "text", name: "step", value, required: true, maxlength: 500,
      placeholder: list.children.length ? "event:signup" : "page:/pricing*", "aria-label": `Step ${list.children.length + 1}` });
    const remove = h("button", { type: "button", class: "secondary small", "aria-label": "Remove this step",
      on: { click: () => { if (list.children.length > 2) { item.remove(); renumber(); } } } }, "Remove");
    const item = h("li", null, input, remove);
    list.append(item);
    renumber();
  };
  const renumber = () => {
    [...list.children].forEach((li, i) => li.querySelector("input").setAttribute("aria-label", `Step ${i + 1}`));
    more.disabled = list.children.length >= MAX_STEPS;
  };
  const more = h("button", { type: "button", class: "secondary small", on: { click: () => addRow() } }, "Add step");
  for (const s of steps.length ? steps : ["", ""]) addRow(s);
  if (list.children.length < 2) addRow();
  const form = h("form", { class: "funnel-form", on: { submit: (event) => {
    event.preventDefault();
    const values = [...list.querySelectorAll("input")].map((i) => i.value.trim());
    const bad = values.find((v) => !STEP.test(v));
    if (bad !== undefined) {
      status.className = "form-status bad";
      status.textContent = `Each step is page:PATH (a * is any characters) or event:NAME, not “${bad}”.`;
      return;
    }
    ctx.go({ lists: { step: values } });
  } } }, list, h("p", { class: "actions" }, more, h("button", { type: "submit" }, "Show funnel")), status);
  return form;
}

export async function render(ctx) {
  const steps = ctx.state.params.getAll("step").slice(0, MAX_STEPS);
  const askFunnel = steps.length >= 2 && steps.every((s) => STEP.test(s));
  // The props of the event named in the URL come in parallel; else those of the first event.
  const named = ctx.state.params.get("event");
  const propsOf = (event) => ctx.api("/api/stats/props", { ...ctx.q, event, limit: 10 });
  const [events, goals, funnel, early] = await Promise.all([
    ctx.api("/api/stats/events", { ...ctx.q, limit: 50 }),
    ctx.api("/api/stats/goals", ctx.q),
    askFunnel ? ctx.api("/api/stats/funnel", { ...ctx.q, step: steps }) : null,
    named ? propsOf(named).catch(() => null) : null,
  ]);
  const names = events.rows.map((r) => r.name);
  const chosen = names.includes(named) ? named : names[0];
  const props = chosen == null ? null : chosen === named && early ? early : await propsOf(chosen);
  const maxEvents = Math.max(1, ...events.rows.map((r) => r.visitors));

  const picker = h("select", { name: "event", "aria-label": "Custom event",
    on: { change: () => ctx.go({ params: { event: picker.value } }) } },
  names.map((n) => h("option", { value: n }, n)));
  if (chosen != null) picker.value = chosen;

  return [
    h("div", { class: "grid wide-cards" },
      card("Custom events", { dataset: { report: "events" } }, table({
        caption: "Custom events",
        columns: [{ label: "Event" }, { label: "Visitors", num: true }, { label: "Events", num: true }, { label: "Conversion", num: true }],
        rows: events.rows.map((r) => [r.name, number(r.visitors), number(r.events), percent(r.conversion_rate)]),
        share: events.rows.map((r) => r.visitors / maxEvents),
        filter: { dim: "event", keys: names },
        empty: "No custom events in this period (peil.event(name, props) sends them).",
      })),
      card("Goals", { dataset: { report: "goals" } }, table({
        caption: "Goals",
        columns: [{ label: "Goal" }, { label: "Kind", opt: true }, { label: "Visitors", num: true }, { label: "Events", num: true }, { label: "Conversion", num: true }],
        rows: goals.goals.map((g) => [g.name, g.kind === "page" ? "Page" : "Event", number(g.visitors), number(g.events), percent(g.conversion_rate)]),
        share: goals.goals.map((g) => g.conversion_rate || 0),
        empty: ctx.session.role === "admin" ? "No goals yet: add them under Settings, Goals." : "No goals yet: an admin adds them.",
      }))),
    card(chosen == null ? "Properties" : `Properties of ${chosen}`, { class: "wide", dataset: { report: "props" } },
      chosen == null ? h("p", { class: "note" }, "No custom event to show the properties of.") : [
        h("p", { class: "controls" }, h("label", { class: "field" }, h("span", null, "Event"), picker)),
        props.props.length ? h("div", { class: "grid" }, props.props.map((p) =>
          h("div", { class: "prop", dataset: { prop: p.key } }, h("h3", null, p.key), table({
            caption: `${chosen}: ${p.key}`,
            columns: [{ label: "Value" }, { label: "Visitors", num: true }, { label: "Events", num: true }],
            rows: p.rows.map((r) => [r.value == null ? "(none)" : r.value, number(r.visitors), number(r.events)]),
          })))) : h("p", { class: "note" }, "This event was sent without properties."),
      ]),
    card("Funnel", { class: "wide", dataset: { report: "funnel" } },
      h("p", { class: "note" }, "Steps in order within one visit: page:/path (a * is any characters, page:/blog/*) or event:name. 2 to 8 steps."),
      funnelBuilder(ctx, steps),
      funnel ? table({
        caption: "Funnel",
        columns: [{ label: "Step" }, { label: "Visitors", num: true }, { label: "Conversion", num: true }, { label: "Drop-off", num: true }],
        rows: funnel.steps.map((s, i) => [`${i + 1}. ${s.step}`, number(s.visitors), percent(s.conversion_rate), percent(s.drop_off)]),
        share: funnel.steps.map((s) => s.conversion_rate || 0),
      }) : null),
  ];
}
