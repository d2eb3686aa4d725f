// Numbers, durations and names as people read them.

const numbers = new Intl.NumberFormat("en");

export const number = (n) => (n == null ? "–" : numbers.format(n));

export const percent = (rate) => (rate == null ? "–" : `${(rate * 100).toFixed(1)} %`);

/** 42 s, 3 min 5 s, 40 h 9 min: hours once there are any, no seconds then. */
export function duration(seconds) {
  if (seconds == null) return "–";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

const EVENT_LABELS = {
  pageview: "Pageview",
  pageleave: "Page left",
  click: "Click",
  hover: "Hover",
  eleOn: "Element on screen",
  eleOff: "Element off screen",
  error: "Error",
  custom: "Custom event",
  videoLoad: "Video loaded",
  play: "Play",
  pause: "Pause",
  seek: "Seek",
  rewind: "Rewind",
  ended: "Played to the end",
  videoUnload: "Video left",
};

export const eventLabel = (type) => EVENT_LABELS[type] || String(type);

function displayNames(type) {
  try {
    return new Intl.DisplayNames(["en"], { type, fallback: "code" });
  } catch {
    return null;
  }
}
const regionNames = displayNames("region");
const languageNames = displayNames("language");

function named(names, code) {
  try {
    return names ? names.of(code) : code;
  } catch {
    return code; // not a well-formed code: show it as it is
  }
}

export const countryName = (code) => named(regionNames, String(code).toUpperCase());
export const languageName = (code) => named(languageNames, String(code));

const DEVICES = { 0: "Unknown", 1: "Desktop", 2: "Phone", 3: "Tablet", unknown: "Unknown", desktop: "Desktop", mobile: "Phone", tablet: "Tablet" };

/** The text of a breakdown key. */
export function keyLabel(by, key) {
  if (key == null || key === "") return by === "referrer" ? "(direct or none)" : "(unknown)";
  switch (by) {
    case "country": return countryName(key);
    case "language": return languageName(key);
    case "region": return key.includes("-") ? `${key} (${countryName(key.split("-")[0])})` : String(key);
    case "device": return DEVICES[key] || String(key);
    default: return String(key);
  }
}

/** A media source as a person reads it: its file name (the last part of its
 * path) and where it lives (the host), the whole URL being too long for a
 * row on a phone. A source that is no URL is itself. */
export function mediaSource(src) {
  let url;
  try { url = new URL(src); } catch { url = null; }
  if (!url || !["http:", "https:"].includes(url.protocol)) return { name: String(src), where: "" };
  const parts = url.pathname.split("/").filter(Boolean);
  let last = parts.length ? parts[parts.length - 1] : "";
  try { last = decodeURIComponent(last); } catch { /* a stray % stays as it is */ }
  return { name: last || url.host || String(src), where: last ? url.host : "" };
}

const dayFormat = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });

/** "3 Mar 2025" for an ISO day. */
export const day = (iso) => dayFormat.format(new Date(`${iso}T00:00:00Z`));

export function dayRange(from, to) {
  return from === to ? day(from) : `${day(from)} – ${day(to)}`;
}

/** The change from `before` to `now`: {text: "▲ 12.5 %", dir: "up"|"down"|"same"|""}. */
export function change(now, before) {
  if (now == null || before == null) return { text: "–", dir: "" };
  if (before === 0) return now === 0 ? { text: "0 %", dir: "same" } : { text: "▲ new", dir: "up" };
  const rate = (now - before) / before;
  if (Math.abs(rate) < 0.0005) return { text: "0 %", dir: "same" };
  return { text: `${rate > 0 ? "▲" : "▼"} ${Math.abs(rate * 100).toFixed(1)} %`, dir: rate > 0 ? "up" : "down" };
}
