// Date ranges in the site's time zone, as ISO days (YYYY-MM-DD).

export const RANGES = [
  ["today", "Today"],
  ["yesterday", "Yesterday"],
  ["7d", "Last 7 days"],
  ["30d", "Last 30 days"],
  ["month", "This month"],
  ["lastmonth", "Last month"],
  ["12mo", "Last 12 months"],
  ["custom", "Custom range"],
];
export const DEFAULT_RANGE = "30d";
// The API answers at most 400 days, both ends counted.
export const MAX_DAYS = 400;

/** Today in a time zone (en-CA formats as YYYY-MM-DD). */
export function todayIn(timeZone) {
  return new Intl.DateTimeFormat("en-CA", { timeZone }).format(new Date());
}

export function addDays(iso, days) {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export function daysBetween(from, to) {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86400000) + 1;
}

export const isDay = (s) => typeof s === "string" && /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`));

/** {from, to} of a range name on `today`, or null for a custom range without days. */
export function resolve(range, today, custom = {}) {
  const [y, m] = today.split("-").map(Number);
  const first = (year, month) => new Date(Date.UTC(year, month - 1, 1)).toISOString().slice(0, 10);
  switch (range) {
    case "today": return { from: today, to: today };
    case "yesterday": { const d = addDays(today, -1); return { from: d, to: d }; }
    case "7d": return { from: addDays(today, -6), to: today };
    case "30d": return { from: addDays(today, -29), to: today };
    case "month": return { from: first(y, m), to: today };
    case "lastmonth": return { from: first(y, m - 1), to: addDays(first(y, m), -1) };
    case "12mo": {
      // The same day a year back (Feb 29: Feb 28), then the day after it.
      const end = new Date(Date.UTC(y - 1, m, 0)).getUTCDate(); // that month's last day
      const back = new Date(Date.UTC(y - 1, m - 1, Math.min(Number(today.slice(8)), end)));
      return { from: addDays(back.toISOString().slice(0, 10), 1), to: today };
    }
    case "custom": {
      const { from, to } = custom;
      if (!isDay(from) || !isDay(to)) return null;
      const [a, b] = from <= to ? [from, to] : [to, from];
      return { from: daysBetween(a, b) > MAX_DAYS ? addDays(b, 1 - MAX_DAYS) : a, to: b };
    }
    default: return null;
  }
}
