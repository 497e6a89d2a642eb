// The flow page's numbers: one flow's daily rollups summed per step, per version and per A/B variant. Reads
// DailyRollup only.
import type { Db } from "../db/client.server";

export const SKIPPED_PREFIX = "skipped:";

/** What each email of a flow did: the message counters of app/models/email-engagement.server.ts and attribution. */
export const MESSAGE_METRICS = ["sent", "delivered", "opened", "clicked", "unsubscribed", "bounced", "complained", "orders", "revenue"] as const;
export type MessageMetric = (typeof MESSAGE_METRICS)[number];
export type MessageNumbers = Record<MessageMetric, bigint>;

export type StepNumbers = MessageNumbers & { skipped: Array<{ reason: string; count: bigint }> };

type Dimension = "stepId" | "flowVersionId" | "variant";

/** Sums of `metrics` (and skips, when asked) per value of one dimension of one flow's counters over [fromDay, toDay]. */
async function sumsBy(db: Db, shopId: string, flowId: string, by: Dimension, metrics: readonly string[], fromDay: string, toDay: string, withSkips = false) {
  const rows = await db.dailyRollup.groupBy({
    by: [by, "metric"],
    where: {
      shopId,
      flowId,
      [by]: { not: "" },
      day: { gte: fromDay, lte: toDay },
      OR: [{ metric: { in: [...metrics] } }, ...(withSkips ? [{ metric: { startsWith: SKIPPED_PREFIX } }] : [])],
    },
    _sum: { value: true },
  });
  const sums = new Map<string, { totals: Record<string, bigint>; skipped: Array<{ reason: string; count: bigint }> }>();
  for (const row of rows) {
    const key = (row as unknown as Record<Dimension, string>)[by];
    const entry = sums.get(key) ?? { totals: Object.fromEntries(metrics.map((m) => [m, 0n])), skipped: [] };
    const value = row._sum.value ?? 0n;
    if (row.metric.startsWith(SKIPPED_PREFIX)) entry.skipped.push({ reason: row.metric.slice(SKIPPED_PREFIX.length), count: value });
    else entry.totals[row.metric] = value;
    sums.set(key, entry);
  }
  return sums;
}

/** Per step of one flow over [fromDay, toDay]: every message counter and skips by reason (all versions together). */
export async function sumFlowStepNumbers(db: Db, shopId: string, flowId: string, fromDay: string, toDay: string): Promise<Map<string, StepNumbers>> {
  const sums = await sumsBy(db, shopId, flowId, "stepId", MESSAGE_METRICS, fromDay, toDay, true);
  const byStep = new Map<string, StepNumbers>();
  for (const [stepId, { totals, skipped }] of sums) {
    skipped.sort((a, b) => (a.count === b.count ? a.reason.localeCompare(b.reason) : a.count > b.count ? -1 : 1));
    byStep.set(stepId, { ...(totals as MessageNumbers), skipped });
  }
  return byStep;
}

/** Per version of one flow over [fromDay, toDay]: the sums of the given metrics, zero when absent. */
export async function sumFlowVersionNumbers(db: Db, shopId: string, flowId: string, metrics: string[], fromDay: string, toDay: string) {
  const sums = await sumsBy(db, shopId, flowId, "flowVersionId", metrics, fromDay, toDay);
  return new Map([...sums].map(([versionId, { totals }]) => [versionId, totals]));
}

/** Per A/B variant of one flow (messages sent after a split carry it) over [fromDay, toDay]: every message counter. */
export async function sumFlowVariantNumbers(db: Db, shopId: string, flowId: string, fromDay: string, toDay: string): Promise<Map<string, MessageNumbers>> {
  const sums = await sumsBy(db, shopId, flowId, "variant", MESSAGE_METRICS, fromDay, toDay);
  return new Map([...sums].map(([variant, { totals }]) => [variant, totals as MessageNumbers]));
}
