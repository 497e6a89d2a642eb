import type { Db } from "../db/client.server";
import { recentDays } from "../domain/time";
import { sumRollups } from "./rollups.server";

export const HOME_METRICS = ["revenue", "orders", "sent", "opened", "clicked", "store_revenue", "store_orders"];

type ShopRef = { id: string; timezone: string; currency: string };

/** Home page numbers for the last `days` shop-local days: rollups plus two indexed counts. */
export async function getHomeSummary(db: Db, shop: ShopRef, now: Date, days = 30) {
  const period = recentDays(now, shop.timezone, days);
  const from = period[0];
  const to = period[period.length - 1];
  const [totals, profiles, subscribers] = await Promise.all([
    sumRollups(db, shop.id, HOME_METRICS, from, to),
    db.profile.count({ where: { shopId: shop.id, mergedIntoId: null } }),
    db.profile.count({ where: { shopId: shop.id, mergedIntoId: null, emailConsent: "subscribed" } }),
  ]);
  return { from, to, currency: shop.currency, totals, profiles, subscribers };
}
