/** RFM: recency, frequency and monetary scores 1-3 and the usual named groups. */
export type RfmScores = { recency: number; frequency: number; monetary: number; group: string };

/** Thresholds in the shop's major currency units and days; defaults suit a typical apparel shop. */
export type RfmThresholds = { recentDays: number; lapsedDays: number; frequentOrders: number; repeatOrders: number; highSpend: number; midSpend: number };

export const DEFAULT_RFM_THRESHOLDS: RfmThresholds = {
  recentDays: 30,
  lapsedDays: 180,
  frequentOrders: 4,
  repeatOrders: 2,
  highSpend: 500,
  midSpend: 150,
};

const DAY_MS = 86_400_000;

/** Scores a customer with orders; null for someone who never ordered. `minorPerMajor` is 10^currency digits. */
export function rfmScores(
  stats: { ordersCount: number; revenueMinor: bigint; lastOrderAt: Date | null },
  now: Date,
  minorPerMajor: bigint,
  t: RfmThresholds = DEFAULT_RFM_THRESHOLDS,
): RfmScores | null {
  if (stats.ordersCount === 0 || !stats.lastOrderAt) return null;
  const days = (now.getTime() - stats.lastOrderAt.getTime()) / DAY_MS;
  const recency = days <= t.recentDays ? 3 : days <= t.lapsedDays ? 2 : 1;
  const frequency = stats.ordersCount >= t.frequentOrders ? 3 : stats.ordersCount >= t.repeatOrders ? 2 : 1;
  const spend = stats.revenueMinor / minorPerMajor;
  const monetary = spend >= BigInt(t.highSpend) ? 3 : spend >= BigInt(t.midSpend) ? 2 : 1;
  return { recency, frequency, monetary, group: rfmGroup(recency, frequency, monetary) };
}

function rfmGroup(r: number, f: number, m: number): string {
  if (r === 3 && f === 3) return "Champions";
  if (r >= 2 && f === 3) return "Loyal";
  if (r === 3 && f === 2) return "Potential loyalist";
  if (r === 3 && f === 1) return m === 3 ? "Promising" : "New customer";
  if (r === 1 && f >= 2) return m === 3 ? "Can't lose" : "At risk";
  if (r === 1) return "Hibernating";
  return "Needs attention";
}
