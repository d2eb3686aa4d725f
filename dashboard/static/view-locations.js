// Locations: countries (by name), regions and cities from GeoIP.

import { breakdownCards } from "./lib-breakdown.js";
import { h } from "./lib-dom.js";

export async function render(ctx) {
  const cards = await breakdownCards(ctx, [
    { by: "country", title: "Countries", column: "Country", limit: 50 },
    { by: "region", title: "Regions", column: "Region", limit: 25 },
    { by: "city", title: "Cities", column: "City", limit: 25 },
  ]);
  return [h("div", { class: "grid" }, cards)];
}
