import type { Db, DbOrTx } from "../db/client.server";

/** The dimensions of one counter; absent dimensions are "" so the unique key matches on upsert. */
export type RollupKey = {
  shopId: string;
  day: string;
  metric: string;
  flowId?: string;
  flowVersionId?: string;
  stepId?: string;
  campaignId?: string;
  variant?: string;
};

/** The dimensions of the message a counter is about: flow, version, step, campaign and A/B variant. */
export type MessageDimensions = {
  shopId: string;
  flowId: string | null;
  flowVersionId: string | null;
  stepId: string | null;
  campaignId: string | null;
  variant: string;
};

/** The counter `metric` of a message's dimensions on `day` (shop-local). */
export function messageRollupKey(message: MessageDimensions, day: string, metric: string): RollupKey {
  return {
    shopId: message.shopId,
    day,
    metric,
    flowId: message.flowId ?? "",
    flowVersionId: message.flowVersionId ?? "",
    stepId: message.stepId ?? "",
    campaignId: message.campaignId ?? "",
    variant: message.variant,
  };
}

function fullKey(key: RollupKey) {
  return {
    shopId: key.shopId,
    day: key.day,
    metric: key.metric,
    flowId: key.flowId ?? "",
    flowVersionId: key.flowVersionId ?? "",
    stepId: key.stepId ?? "",
    campaignId: key.campaignId ?? "",
    variant: key.variant ?? "",
  };
}

/** Adds `by` to one daily counter, creating it at zero first. */
export async function incrementRollup(db: DbOrTx, key: RollupKey, by: bigint) {
  const where = fullKey(key);
  await db.dailyRollup.upsert({
    where: { shopId_day_flowId_flowVersionId_stepId_campaignId_variant_metric: where },
    create: { ...where, value: by },
    update: { value: { increment: by } },
  });
}

/**
 * Adds several increments in one go: equal keys merged, then applied in key order. Two transactions that each
 * touch several counters then lock them in the same order, so they wait for each other instead of deadlocking.
 */
export async function incrementRollups(db: DbOrTx, increments: Array<{ key: RollupKey; by: bigint }>) {
  const merged = new Map<string, { key: RollupKey; by: bigint }>();
  for (const { key, by } of increments) {
    const id = JSON.stringify(Object.values(fullKey(key)));
    const known = merged.get(id);
    merged.set(id, { key, by: (known?.by ?? 0n) + by });
  }
  for (const id of [...merged.keys()].sort()) {
    const { key, by } = merged.get(id)!;
    await incrementRollup(db, key, by);
  }
}

/** Sums of the given metrics over [fromDay, toDay] for a shop, across all other dimensions. */
export async function sumRollups(db: Db, shopId: string, metrics: string[], fromDay: string, toDay: string) {
  const rows = await db.dailyRollup.groupBy({
    by: ["metric"],
    where: { shopId, metric: { in: metrics }, day: { gte: fromDay, lte: toDay } },
    _sum: { value: true },
  });
  const totals = Object.fromEntries(metrics.map((m) => [m, 0n])) as Record<string, bigint>;
  for (const row of rows) totals[row.metric] = row._sum.value ?? 0n;
  return totals;
}

/** Per-flow sums of the given metrics over [fromDay, toDay]. */
export async function sumRollupsByFlow(db: Db, shopId: string, metrics: string[], fromDay: string, toDay: string) {
  const rows = await db.dailyRollup.groupBy({
    by: ["flowId", "metric"],
    where: { shopId, metric: { in: metrics }, day: { gte: fromDay, lte: toDay }, flowId: { not: "" } },
    _sum: { value: true },
  });
  const byFlow = new Map<string, Record<string, bigint>>();
  for (const row of rows) {
    const totals = byFlow.get(row.flowId) ?? Object.fromEntries(metrics.map((m) => [m, 0n]));
    totals[row.metric] = row._sum.value ?? 0n;
    byFlow.set(row.flowId, totals);
  }
  return byFlow;
}
