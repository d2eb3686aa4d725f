// Sources: where visitors came from (referring site and path; none: direct),
// and the UTM source, medium and campaign of their visits' first page.

import { breakdownCards } from "./lib-breakdown.js";
import { h } from "./lib-dom.js";

export async function render(ctx) {
  const [referrers, ...utm] = await breakdownCards(ctx, [
    { by: "referrer", title: "Referrers", column: "Came from", limit: 50, wide: true, visits: true },
    { by: "utm_source", title: "UTM sources", column: "Source", limit: 25, visits: true },
    { by: "utm_medium", title: "UTM media", column: "Medium", limit: 25, visits: true },
    { by: "utm_campaign", title: "UTM campaigns", column: "Campaign", limit: 25, visits: true },
  ]);
  return [referrers, h("div", { class: "grid wide-cards" }, utm)];
}
