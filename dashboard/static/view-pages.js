// Pages: the most visited pages.

import { breakdownCards } from "./lib-breakdown.js";

export async function render(ctx) {
  return breakdownCards(ctx, [{ by: "page", title: "Top pages", column: "Path", limit: 50, wide: true }]);
}
