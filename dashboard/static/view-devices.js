// Devices: browser, operating system, kind of device, screen size, language, player version.

import { breakdownCards } from "./lib-breakdown.js";
import { h } from "./lib-dom.js";

export async function render(ctx) {
  const cards = await breakdownCards(ctx, [
    { by: "browser", title: "Browsers", column: "Browser" },
    { by: "os", title: "Operating systems", column: "System" },
    { by: "device", title: "Kinds of device", column: "Kind" },
    { by: "screen", title: "Screen sizes", column: "Width × height" },
    { by: "language", title: "Languages", column: "Language" },
    { by: "player_version", title: "Player versions", column: "Version" },
  ]);
  return [h("div", { class: "grid" }, cards)];
}
