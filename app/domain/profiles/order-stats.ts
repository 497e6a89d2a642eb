/** A profile's order-derived properties, updated one order at a time (never by rescanning history). */
export type OrderStats = {
  ordersCount: number;
  revenueMinor: bigint;
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

/** Folds one order into the stats; orders may arrive out of time order. */
export function addOrder(stats: OrderStats, order: { placedAt: Date; totalMinor: bigint }): OrderStats {
  const ordersCount = stats.ordersCount + 1;
  const firstOrderAt =
    stats.firstOrderAt && stats.firstOrderAt <= order.placedAt ? stats.firstOrderAt : order.placedAt;
  const lastOrderAt = stats.lastOrderAt && stats.lastOrderAt >= order.placedAt ? stats.lastOrderAt : order.placedAt;
  // Expected next order: last order plus the average gap so far; unknown until there are two orders.
  const expectedNextOrderAt =
    ordersCount >= 2
      ? new Date(lastOrderAt.getTime() + (lastOrderAt.getTime() - firstOrderAt.getTime()) / (ordersCount - 1))
      : null;
  return {
    ordersCount,
    revenueMinor: stats.revenueMinor + order.totalMinor,
    firstOrderAt,
    lastOrderAt,
    expectedNextOrderAt,
  };
}
