/** A profile's order-derived properties, updated one change at a time (never by rescanning history). */
export type OrderStats = {
  ordersCount: number;
  revenueMinor: bigint; // net of refunds and cancellations
  firstOrderAt: Date | null;
  lastOrderAt: Date | null;
  expectedNextOrderAt: Date | null;
};

export const EMPTY_ORDER_STATS: OrderStats = {
  ordersCount: 0,
  revenueMinor: 0n,
  firstOrderAt: null,
  lastOrderAt: null,
  expectedNextOrderAt: null,
};

const DAY_MS = 86_400_000;

/** A change to one order's contribution: +1/-1/0 orders, a revenue delta, and the order's time. */
export type OrderChange = { countDelta: number; revenueDelta: bigint; placedAt: Date };

/** Folds one order change into the stats; changes may arrive out of time order. */
export function applyOrderChange(stats: OrderStats, change: OrderChange): OrderStats {
  const ordersCount = Math.max(0, stats.ordersCount + change.countDelta);
  // Dates only move outward on a newly counted order; a cancellation keeps them (undoing needs history).
  const counts = change.countDelta > 0;
  const firstOrderAt =
    counts && (!stats.firstOrderAt || change.placedAt < stats.firstOrderAt) ? change.placedAt : stats.firstOrderAt;
  const lastOrderAt =
    counts && (!stats.lastOrderAt || change.placedAt > stats.lastOrderAt) ? change.placedAt : stats.lastOrderAt;
  const next = { ...stats, ordersCount, revenueMinor: stats.revenueMinor + change.revenueDelta, firstOrderAt, lastOrderAt };
  return { ...next, expectedNextOrderAt: expectedNextOrder(next) };
}

/** Adds one new order: the seed's and the tests' shorthand for applyOrderChange. */
export function addOrder(stats: OrderStats, order: { placedAt: Date; totalMinor: bigint }): OrderStats {
  return applyOrderChange(stats, { countDelta: 1, revenueDelta: order.totalMinor, placedAt: order.placedAt });
}

/** Average days between orders; unknown until there are two. */
export function averageDaysBetweenOrders(stats: OrderStats): number | null {
  if (stats.ordersCount < 2 || !stats.firstOrderAt || !stats.lastOrderAt) return null;
  return (stats.lastOrderAt.getTime() - stats.firstOrderAt.getTime()) / DAY_MS / (stats.ordersCount - 1);
}

/** Last order plus the average gap; unknown until there are two orders. */
export function expectedNextOrder(stats: OrderStats): Date | null {
  const gap = averageDaysBetweenOrders(stats);
  if (gap === null || !stats.lastOrderAt) return null;
  return new Date(stats.lastOrderAt.getTime() + gap * DAY_MS);
}
