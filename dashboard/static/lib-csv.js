// CSV of a table as it is shown (its header and the text of its cells), written
// in the browser. Formula-safe: a cell starting with = + - @, a tab or a
// carriage return gets a leading ' so no spreadsheet runs it as a formula.

const cellText = (cell) => [...cell.childNodes].map((n) => n.textContent.trim()).filter(Boolean).join(" ");

export function safeCell(text) {
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]|^\s|\s$/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** The CSV text of a <table>: the header row, then every body row with data. */
export function csvOf(table) {
  const lines = [];
  for (const row of table.rows) {
    if (row.querySelector("td.empty")) continue;
    lines.push([...row.cells].map((c) => safeCell(cellText(c))).join(","));
  }
  return `${lines.join("\r\n")}\r\n`;
}

const slug = (text) => String(text).toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 60) || "table";

/** Download `table` as NAME-PARTS.csv. */
export function downloadCsv(table, parts) {
  const blob = new Blob([csvOf(table)], { type: "text/csv;charset=utf-8" });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = `${parts.map(slug).join("-")}.csv`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
}
