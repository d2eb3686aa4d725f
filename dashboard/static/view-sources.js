// Sources: where visitors came from (referring site and path; none: direct).

import { breakdownCards } from "./lib-breakdown.js";

export async function render(ctx) {
  return breakdownCards(ctx, [{ by: "referrer", title: "Referrers", column: "Came from", limit: 50, wide: true }]);
}
