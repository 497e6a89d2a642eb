// The flow page's numbers: one flow's daily rollups summed per step and per version. Reads DailyRollup only.
import type { Db } from "../db/client.server";

export const SKIPPED_PREFIX = "skipped:";

export type StepNumbers = { sent: bigint; skipped: Array<{ reason: string; count: bigint }> };

/** Per step of one flow over [fromDay, toDay]: emails sent and skips by reason (every version together). */
export async function sumFlowStepNumbers(db: Db, shopId: string, flowId: string, fromDay: string, toDay: string) {
  const rows = await db.dailyRollup.groupBy({
    by: ["stepId", "metric"],
    where: {
      shopId,
      flowId,
      stepId: { not: "" },
      day: { gte: fromDay, lte: toDay },
      OR: [{ metric: "sent" }, { metric: { startsWith: SKIPPED_PREFIX } }],
    },
    _sum: { value: true },
  });
  const byStep = new Map<string, StepNumbers>();
  for (const row of rows) {
    const numbers = byStep.get(row.stepId) ?? { sent: 0n, skipped: [] };
    const value = row._sum.value ?? 0n;
    if (row.metric === "sent") numbers.sent += value;
    else numbers.skipped.push({ reason: row.metric.slice(SKIPPED_PREFIX.length), count: value });
    byStep.set(row.stepId, numbers);
  }
  for (const numbers of byStep.values())
    numbers.skipped.sort((a, b) => (a.count === b.count ? a.reason.localeCompare(b.reason) : a.count > b.count ? -1 : 1));
  return byStep;
}

/** Per version of one flow over [fromDay, toDay]: the sums of the given metrics, zero when absent. */
export async function sumFlowVersionNumbers(db: Db, shopId: string, flowId: string, metrics: string[], fromDay: string, toDay: string) {
  const rows = await db.dailyRollup.groupBy({
    by: ["flowVersionId", "metric"],
    where: { shopId, flowId, flowVersionId: { not: "" }, metric: { in: metrics }, day: { gte: fromDay, lte: toDay } },
    _sum: { value: true },
  });
  const byVersion = new Map<string, Record<string, bigint>>();
  for (const row of rows) {
    const totals = byVersion.get(row.flowVersionId) ?? Object.fromEntries(metrics.map((m) => [m, 0n]));
    totals[row.metric] = row._sum.value ?? 0n;
    byVersion.set(row.flowVersionId, totals);
  }
  return byVersion;
}
